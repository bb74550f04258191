"""Web demo: record or upload speech, get the AASIST spoof probability, the spectrogram and the model's attention.

    python app.py                      # http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT honoured)

The interface only: decoding, scoring and drawing live in the ``aasist`` library (``aasist.audio``,
``aasist.detector``, ``aasist.plots``). On a Hugging Face Space the weights come from the Hub; locally
``AASIST_WEIGHTS_DIR`` points at a folder with ``AASIST.pth`` and ``AASIST-L.pth``.

API (``gradio_client``)::

    from gradio_client import Client, handle_file
    client = Client("http://127.0.0.1:7860/")
    result = client.predict(handle_file("speech.wav"), api_name="/analyze")   # the library's result dictionary

Behaviour under load: analyses (page, examples, batch and API) share one queue; at most ``CONCURRENCY`` run at the
same time, the others wait in line (the page shows their position), and beyond ``QUEUE_SIZE`` waiting requests
new ones are turned away with a message.

Temporary files: uploads to the API are deleted once analysed (``ApiUploads``); the page's uploads, figures and batch
CSVs an hour after they were made (``delete_cache``), the example clips never.
"""

from __future__ import annotations

import csv
import gc
import html
import logging
import os
import re
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Optional

import gradio as gr
import gradio.utils
import pandas as pd

from aasist.audio import AudioError, load_audio
from aasist.detector import Detector
from aasist.plots import BONAFIDE_COLOR, SPOOF_COLOR, draw_all
from aasist.weights import WeightsError

log = logging.getLogger("aasist.app")

ROOT = Path(__file__).resolve().parent
EXAMPLES_DIR = Path(os.environ.get("AASIST_EXAMPLES_DIR", ROOT / "assets" / "examples"))
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".aiff", ".aif"}

MODELS = ("AASIST", "AASIST-L")
DEFAULT_MODEL = "AASIST"
ANALYSES = [("Whole recording (4 s windows)", "full"), ("First 4 seconds only (authors' protocol)", "asvspoof")]
DEFAULT_ANALYSIS = "full"

# Limits, stated on the page.
MAX_FILE_SIZE = "50mb"  # per upload (launch(max_file_size=...)); larger files are refused by the server
MAX_DURATION_S = 600  # longer recordings are analysed up to this point, with a warning
MAX_BATCH_FILES = 20
CONCURRENCY = 2  # analyses running at once (a free Space has 2 CPU cores); the rest wait in the queue
QUEUE_SIZE = 20  # waiting requests beyond which new ones are refused


def _user_error(message: str) -> gr.Error:
    """The one sentence a visitor sees. Expected (a bad file, a wrong option), so no traceback in the server's log."""
    return gr.Error(message, print_exception=False)


# --- the detectors: loaded once per model, shared by all requests -----------------------------------------------

_detectors: dict = {}
_detectors_lock = threading.Lock()


def get_detector(model: str) -> Detector:
    """The detector for a built-in model, loaded on first use and then cached (thread-safe)."""
    if model not in MODELS:
        raise _user_error(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    with _detectors_lock:
        detector = _detectors.get(model)
        if detector is None:
            try:
                detector = Detector.from_pretrained(model)
            except WeightsError as err:
                raise _user_error(str(err)) from None
            _detectors[model] = detector
        return detector


def warm_up(models=(DEFAULT_MODEL,)) -> None:
    """Load the models and run one short analysis with figures, so that the first click is as fast as the next.

    A model that cannot be loaded (no weights, no network) is logged, not fatal: the page starts anyway and says
    why when someone picks that model.
    """
    import numpy as np

    from aasist.audio import prepare_waveform

    rng = np.random.default_rng(0)
    audio = prepare_waveform((0.05 * rng.standard_normal(16000 * 5)).astype(np.float32), 16000)
    for model in models:
        try:
            detector = get_detector(model)
            result = detector.analyze(audio, with_attention=True)
            draw_all(audio, result)
        except Exception as err:  # noqa: BLE001 - startup must not die on one model
            log.warning("could not load %s at startup: %s", model, getattr(err, "message", None) or err)


# --- temporary files --------------------------------------------------------------------------------------------
# Gradio keeps every upload in its cache folder (GRADIO_TEMP_DIR), one folder per distinct content, and deletes
# nothing before ``delete_cache`` says so (an hour here). The page needs its uploads for that long: the player plays
# them and a visitor may analyse the same upload again with the other model. Uploads to the API are used once, so
# they are deleted as soon as no request needs them: the cache then stays the same size however many API calls
# come (tests/test_hardening.py counts).

UPLOAD_GRACE_S = 5.0  # an upload this recent may belong to a request that has not joined the queue yet


class ApiUploads:
    """Deletes the files uploaded for ``/analyze`` calls once they have been analysed.

    Identical uploads share one path (Gradio names the folder after the content), so a file is kept while any
    request uses it: one being analysed (counted here), one waiting in the queue or being prepared (read from the
    queue), or an upload younger than ``UPLOAD_GRACE_S`` (its request may still be on its way). Whatever is kept is
    deleted by a later call, or by ``delete_cache`` at the latest. Only Gradio's own uploads are ever deleted: never
    the example clips, never a file outside its cache (as when ``analyze`` is called in-process with a local path).
    """

    def __init__(self):
        self.demo: Optional[gr.Blocks] = None  # set by build_demo
        self._lock = threading.Lock()
        self._in_use: dict = {}  # path -> number of running analyses
        self._done: set = set()  # analysed, waiting to be deleted

    @contextmanager
    def using(self, path: Optional[str]):
        key = self._key(path)
        if key is None:
            yield
            return
        with self._lock:
            self._in_use[key] = self._in_use.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._in_use[key] -= 1
                if not self._in_use[key]:
                    del self._in_use[key]
                self._done.add(key)
            self.sweep()

    def sweep(self) -> None:
        """Delete every analysed upload that no request needs any more."""
        needed = self._queued_paths()
        if needed is None:  # the queue could not be read: leave everything to delete_cache
            return
        needed |= self._kept_by_gradio()
        now = time.time()
        with self._lock:
            for key in list(self._done):
                if key in self._in_use or key in needed:
                    continue
                path = Path(key)
                try:
                    if now - path.stat().st_ctime < UPLOAD_GRACE_S:
                        continue
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as err:
                    log.warning("could not delete the upload %s: %s", path.name, err)
                    continue
                # (The path stays in demo.upload_file_set: Gradio's own cleaning iterates that set in another thread.)
                self._done.discard(key)
                with suppress(OSError):
                    path.parent.rmdir()  # the folder named after the content, when nothing else is in it

    def _key(self, path: Optional[str]) -> Optional[str]:
        """The upload's path as Gradio recorded it, or None when it is not an upload to this server."""
        if not path or self.demo is None:
            return None
        key = str(path)
        try:
            uploaded = key in self.demo.upload_file_set
            inside = Path(key).resolve().is_relative_to(Path(self.demo.GRADIO_CACHE).resolve())
        except (AttributeError, OSError, TypeError):
            return None
        return key if uploaded and inside else None

    def _queued_paths(self) -> Optional[set]:
        """Paths that requests in Gradio's queue (waiting, or taken out and being prepared) name; None if unknown."""
        try:
            queue = self.demo._queue
            events = [e for q in list(queue.event_queue_per_concurrency_id.values()) for e in list(q.queue)]
            events += [e for job in list(queue.active_jobs) if job for e in list(job)]
            paths = set()
            for event in events:
                for value in (list(event.data.data) if event.data is not None else []):
                    if isinstance(value, dict) and isinstance(value.get("path"), str):
                        paths.add(value["path"])
            return paths
        except Exception:  # noqa: BLE001 - Gradio's internals changed: delete nothing rather than guess
            log.warning("could not read Gradio's queue; API uploads are left to delete_cache", exc_info=True)
            return None

    def _kept_by_gradio(self) -> set:
        """Files Gradio keeps for good (the examples): an upload with the same content shares their path."""
        kept = set()
        for block in list(self.demo.blocks.values()):
            kept.update(getattr(block, "keep_in_cache", ()))
        return {str(p) for p in kept}


API_UPLOADS = ApiUploads()


# --- formatting -------------------------------------------------------------------------------------------------


def _percent(p: float) -> str:
    if p < 0.001:
        return "< 0.1 %"
    if p > 0.999:
        return "> 99.9 %"
    return f"{p * 100:.1f} %" if (p < 0.1 or p > 0.9) else f"{p * 100:.0f} %"


def verdict_html(result, elapsed_s: Optional[float] = None, n_warnings: int = 0) -> str:
    spoof = result.verdict == "spoof"
    color = SPOOF_COLOR if spoof else BONAFIDE_COLOR
    p = float(result.spoof_probability)
    headline = "Likely AI-generated or manipulated" if spoof else "Likely genuine human speech"
    term = "spoof" if spoof else "bona fide"
    analysis = ("whole recording, " + (f"{len(result.windows)} windows" if len(result.windows) > 1 else "1 window")
                if result.protocol == "full" else "first 4 seconds (authors' protocol)")
    details = f"{result.model} · {analysis} · {result.duration_s:.1f} s of audio"
    if result.file:
        details = f"{result.file} · {details}"
    if elapsed_s is not None:
        details += f" · analysed in {elapsed_s:.1f} s"
    caution = ""
    if n_warnings:
        what = "An input warning" if n_warnings == 1 else f"{n_warnings} input warnings"
        caution = (f'<div class="verdict-caution">{what} below: read {"it" if n_warnings == 1 else "them"} '
                   "before trusting this result.</div>")
    return f"""
<div class="verdict {'is-spoof' if spoof else 'is-bonafide'}" style="--verdict:{color}" data-verdict="{term}">
  <div class="verdict-label">Verdict</div>
  <div class="verdict-headline">{headline} <span class="verdict-term">({term})</span></div>
  <div class="verdict-prob"><span class="verdict-number">{_percent(p)}</span> spoof probability</div>
  <div class="verdict-bar"><span style="width:{max(p * 100, 0.8):.1f}%"></span><i title="threshold 50 %"></i></div>
  <div class="verdict-scale"><span>bona fide</span><span>50 %</span><span>spoof</span></div>
  <div class="verdict-details">{html.escape(details)}</div>
  {caution}
</div>"""


CAVEAT = (
    "**What the number is.** The output of AASIST, a model trained on the ASVspoof 2019 LA data set, where it "
    "separates genuine and synthetic speech very well (0.83 % equal error rate). On audio unlike its training data "
    "(other voices, microphones, codecs, background noise, newer voice generators) it is much weaker: on real-world "
    "deepfakes (the In-the-Wild data set) its equal error rate is about 43 %, close to guessing. Treat the result "
    "as one signal among others, never as proof."
)


def warnings_html(warnings: list) -> str:
    if not warnings:
        return '<div class="input-ok">No problems found with the input.</div>'
    items = "".join(
        f'<li data-code="{html.escape(code)}">{html.escape(message)}</li>' for code, message in warnings
    )
    return f'<div class="input-warnings"><div class="input-warnings-title">Check the input</div><ul>{items}</ul></div>'


def _duration_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def _display_warnings(result, audio) -> list:
    """The library's input warnings, plus one when the recording was cut at this demo's duration limit."""
    pairs = [(w.code, w.message) for w in result.warnings]
    if getattr(audio, "truncated", False) and not any(code == "truncated" for code, _ in pairs):
        pairs.append(("truncated", f"The recording is longer than {_duration_text(MAX_DURATION_S)}, the limit of "
                                   f"this demo: only its first {_duration_text(MAX_DURATION_S)} were analysed."))
    return pairs


def _clean_name(path: str) -> str:
    return Path(path).name


# --- the analysis -----------------------------------------------------------------------------------------------


def _decode_upload(path: str):
    """An uploaded recording, up to ``MAX_DURATION_S``; ``AudioError`` (one sentence) when it cannot be used."""
    if not Path(path).exists():  # deleted by the server (delete_cache) while the page still showed it
        raise AudioError(f"The recording '{_clean_name(path)}' is no longer on the server (uploads are deleted "
                         "after a while); upload it again.")
    return load_audio(path, max_duration_s=MAX_DURATION_S)


def _load(path: Optional[str]):
    if not path:
        raise _user_error("Record or upload a recording first.")
    try:
        return _decode_upload(path)
    except AudioError as err:
        raise _user_error(str(err)) from None


def _analyze(audio, model: str, analysis: str, with_attention: bool, progress=None):
    if analysis not in {value for _, value in ANALYSES}:
        raise _user_error(f"Unknown analysis {analysis!r}; choose 'full' or 'asvspoof'.")
    detector = get_detector(model)
    try:
        return detector.analyze(audio, protocol=analysis, with_attention=with_attention, progress=progress)
    except AudioError as err:
        raise _user_error(str(err)) from None


def _unexpected(err: Exception) -> gr.Error:
    log.exception("analysis failed")  # the traceback goes to the log once; the visitor gets one sentence
    return _user_error("Something went wrong while analysing this recording; please try another file.")


def analyze(audio: str, model: str = DEFAULT_MODEL, analysis: str = DEFAULT_ANALYSIS,
            include_attention: bool = False) -> dict:
    """API: the library's result dictionary (``DetectionResult.to_dict``) for one recording.

    audio: a recording (WAV, FLAC, MP3, OGG, AIFF); model: "AASIST" or "AASIST-L"; analysis: "full" (the whole
    recording in 4 s windows) or "asvspoof" (the first 4 s, as the authors evaluate); include_attention: add the
    attention of the most decisive window.
    """
    # An API caller uploads the file anew with each call: it is deleted once no request needs it any more.
    with API_UPLOADS.using(audio):
        try:
            loaded = _load(audio)
            result = _analyze(loaded, model, analysis, with_attention=bool(include_attention))
            result.file = _clean_name(audio)
            data = result.to_dict(include_attention=bool(include_attention))
            data["warnings"] = [{"code": code, "message": message}
                                for code, message in _display_warnings(result, loaded)]
            if loaded.truncated:
                data["truncated_to_s"] = MAX_DURATION_S
            return data
        except gr.Error:
            raise
        except Exception as err:  # never a traceback for the caller; the server keeps serving
            raise _unexpected(err) from None


def analyze_page(audio: str, model: str, analysis: str, progress=gr.Progress()):
    """The page's Analyze button and examples: verdict first, then the figures."""
    try:
        started = time.perf_counter()
        progress(0, desc="Reading the recording")
        loaded = _load(audio)
        progress(0, desc="Analysing")

        def on_windows(done: int, total: int):
            progress((done, total), desc="Analysing", unit="windows")

        result = _analyze(loaded, model, analysis, with_attention=True, progress=on_windows)
        result.file = _clean_name(audio)
        warnings = _display_warnings(result, loaded)
        data = result.to_dict()
        data["warnings"] = [{"code": code, "message": message} for code, message in warnings]
        elapsed = time.perf_counter() - started
        yield (verdict_html(result, elapsed, len(warnings)), warnings_html(warnings), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
               data)
        figures = draw_all(loaded, result)
        heterogeneous = (gr.update(value=figures.heterogeneous, visible=True) if figures.heterogeneous is not None
                         else gr.update(value=None, visible=False))
        yield (gr.skip(), gr.skip(), figures.spectrogram, figures.spectral_attention, figures.temporal_attention,
               heterogeneous, gr.skip())
    except gr.Error:
        raise
    except Exception as err:
        raise _unexpected(err) from None


BATCH_COLUMNS = ["file", "verdict", "spoof_probability", "duration_s", "windows", "warnings", "error"]  # CSV
BATCH_HEADERS = ["File", "Verdict", "Spoof probability", "Duration (s)", "Windows", "Warnings", "Error"]  # table


def analyze_batch(files: Optional[list], model: str, analysis: str, progress=gr.Progress()):
    """Several recordings in, one row each out, plus the same table as a CSV file."""
    if not files:
        raise _user_error("Upload one or more recordings first.")
    if len(files) > MAX_BATCH_FILES:
        raise _user_error(f"Upload at most {MAX_BATCH_FILES} files at a time (got {len(files)}).")
    rows = []
    for path in progress.tqdm(files, desc="Analysing", unit="files"):
        path = getattr(path, "name", path)
        row = dict.fromkeys(BATCH_COLUMNS, "")
        row["file"] = _clean_name(path)
        try:
            loaded = _decode_upload(path)
            result = get_detector(model).analyze(loaded, protocol=analysis)
            row.update(verdict=result.verdict, spoof_probability=round(result.spoof_probability, 4),
                       duration_s=round(result.duration_s, 2), windows=len(result.windows),
                       warnings="; ".join(code for code, _ in _display_warnings(result, loaded)))
        except (AudioError, gr.Error) as err:
            row["error"] = getattr(err, "message", None) or str(err)
        except Exception:
            log.exception("batch analysis failed for %s", path)
            row["error"] = "Could not be analysed."
        rows.append(row)
    # Written into Gradio's cache, which serves it from there and deletes it with the other results (delete_cache);
    # anywhere else Gradio would serve a copy and the original would stay for good.
    out_dir = Path(gradio.utils.get_upload_folder()) / "aasist-batch"
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"aasist-{model}-{analysis}-{uuid.uuid4().hex[:8]}.csv"
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=BATCH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    table = pd.DataFrame([[row[c] for c in BATCH_COLUMNS] for row in rows], columns=BATCH_HEADERS)
    return table, str(csv_path)


# --- examples ---------------------------------------------------------------------------------------------------

_SYNTHETIC = re.compile(r"synth|spoof|tts|espeak|flite|festival|nanotts|pico|fake|vocoder", re.IGNORECASE)
_NAMES = {"arctic": "ARCTIC", "librivox": "LibriVox", "espeak": "eSpeak", "flite": "Flite", "festival": "Festival",
          "nanotts": "NanoTTS", "en": "", "us": "US"}


def example_label(path: Path) -> str:
    """'Real: ARCTIC awb a0007', 'Real: ARCTIC slt a0009 (phone, 8 kHz)', 'Synthetic: eSpeak US' from the file name."""
    kind = "Synthetic" if _SYNTHETIC.search(path.stem) else "Real"
    stem = re.sub(r"^(real|bona[-_ ]?fide|genuine|synthetic|synth|spoof)[-_ ]*", "", path.stem, flags=re.I)
    extra = ""
    rate = re.search(r"[-_ ]?(phone)?[-_ ]?(\d+)\s*khz$", stem, flags=re.I)
    if rate:
        extra = f" ({'phone, ' if rate.group(1) else ''}{rate.group(2)} kHz)"
        stem = stem[: rate.start()]
    words = [_NAMES.get(w.lower(), w) for w in re.split(r"[-_ ]+", stem) if w]
    text = " ".join(w for w in words if w) or path.stem
    return f"{kind}: {text}{extra}"


def find_examples(folder: Path = EXAMPLES_DIR) -> list:
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    # Real ones first, then synthetic ones: a visitor can compare.
    return sorted(files, key=lambda p: (example_label(p).startswith("Synthetic"), p.name))


# --- the page ---------------------------------------------------------------------------------------------------

HOW_TO_READ_TIMELINE = """
**How to read this.** Top: the spectrogram: time runs left to right, pitch from low (bottom) to high (top), and
brighter means louder. Bottom: the model listens in slices of about 4 seconds; each bar is one slice, above the
dashed line it sounded more synthetic than genuine, below it more genuine. The verdict is the average of the
slices. The slice that pushed hardest towards the verdict is framed: the plots below look inside it.
"""

HOW_TO_READ = """
### How to read this
AASIST breaks the sound into two small networks of parts, one of **23 frequency bands** (deep to high-pitched)
and one of **time slices** of about 0.14 s, and lets the parts "attend" to one another.

**Bars**: a tall bar means the model drew a lot of information from that band or moment; the dashed line is
what every part would get if all counted the same.

**Purple and grey**: before deciding, the model keeps only the most useful parts (purple) and discards the rest
(grey). The dots show each part's keep score.

**Maps**: who attends to whom; darker means more attention.

Attention shows *where* the model looked, not *why*: it is not a map of where a fake was made.
"""


HSGAL_NOTE = """
**Mixed frequency-and-time layers (HS-GAL).** AASIST also has four layers meant to combine frequency bands and time
slices. In both published checkpoints, AASIST and AASIST-L, the weights that drive their attention shrank to about
1e-26 during training, so these layers give every part exactly the same weight: they simply average. A map of
them would be flat and say nothing, so none is drawn. (For a checkpoint where they are not uniform, the maps appear
here.)
"""

CSS = """
.verdict { border: 1px solid var(--border-color-primary); border-left: 8px solid var(--verdict);
  border-radius: 12px; padding: 18px 22px 14px; background: var(--background-fill-primary); }
.verdict-label { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--body-text-color-subdued); }
.verdict-headline { font-size: 26px; font-weight: 700; color: var(--verdict); line-height: 1.25; margin: 2px 0 6px; }
.verdict-term { font-weight: 500; font-size: 18px; }
.verdict-prob { font-size: 16px; color: var(--body-text-color); }
.verdict-number { font-size: 30px; font-weight: 700; color: var(--verdict); margin-right: 4px; }
.verdict-bar { position: relative; height: 10px; border-radius: 5px; margin: 10px 0 2px;
  background: linear-gradient(90deg, #dcfce7 0%, #dcfce7 50%, #fee2e2 50%, #fee2e2 100%); }
.verdict-bar span { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 5px; background: var(--verdict); }
.verdict-bar i { position: absolute; left: 50%; top: -3px; bottom: -3px; border-left: 2px dashed #6b7280; }
.verdict-scale { display: flex; justify-content: space-between; font-size: 11px; color: var(--body-text-color-subdued); }
.verdict-details { margin-top: 8px; font-size: 13px; color: var(--body-text-color-subdued); }
.verdict-caution { margin-top: 8px; font-size: 14px; font-weight: 700; color: #b45309; }
.verdict-empty { border: 1px dashed var(--border-color-primary); border-radius: 12px; padding: 26px 22px;
  color: var(--body-text-color-subdued); font-size: 15px; }
.input-warnings { border: 1px solid #f59e0b; background: #fffbeb; border-radius: 10px; padding: 10px 14px; color: #78350f; }
.input-warnings-title { font-weight: 700; margin-bottom: 4px; }
.input-warnings ul { margin: 0; padding-left: 18px; }
.input-ok { color: var(--body-text-color-subdued); font-size: 13px; padding: 4px 2px; }
.caveat { font-size: 13px; color: var(--body-text-color-subdued); }
.limits { font-size: 12.5px; color: var(--body-text-color-subdued); }
.figure img { object-fit: contain; }
strong, b { font-weight: 700; }
"""

EMPTY_VERDICT = '<div class="verdict-empty">Record or upload speech, then press <b>Analyze</b>. The verdict appears here.</div>'


def limits_text() -> str:
    return (f"Limits: files up to {MAX_FILE_SIZE.upper().replace('MB', ' MB')}; recordings longer than "
            f"{_duration_text(MAX_DURATION_S)} are analysed up to {_duration_text(MAX_DURATION_S)}; at least 0.15 s "
            f"of audio (2 s or more for a meaningful result). {CONCURRENCY} analyses run at a time; others wait in "
            f"line (up to {QUEUE_SIZE}). Recordings are not kept: the server deletes uploads after about an hour.")


def api_text() -> str:
    return f"""
### Use it from Python
Every analysis is also available as an API endpoint, `/analyze`, returning the result as a dictionary:

```python
from gradio_client import Client, handle_file

client = Client("http://127.0.0.1:7860/")        # or the Space's name, e.g. "owner/aasist-demo"
result = client.predict(handle_file("speech.wav"), api_name="/analyze")
print(result["verdict"], result["spoof_probability"])
# optional: model="AASIST-L", analysis="asvspoof" (first 4 s only), include_attention=True
```

The dictionary holds `verdict` ("spoof" or "bona fide"), `spoof_probability` (0 to 1), `score` (the model's bona
fide logit), `duration_s`, `sample_rate`, `windows` (start, end and spoof probability of each 4 s window),
`warnings` (input problems, each with a `code` and a `message`), `model`, `protocol` and `file`.

### Limits
{limits_text()}

### The models
AASIST and AASIST-L (Jung et al., ICASSP 2022), the authors' published checkpoints, trained on ASVspoof 2019 LA:
0.83 % and 0.99 % equal error rate on its evaluation set; about 43 % on real-world deepfakes (In-the-Wild).
AASIST-L is the lighter variant (85 k parameters instead of 298 k).
"""


def build_demo() -> gr.Blocks:
    examples = find_examples()
    # delete_cache: uploads and results are removed from the server an hour after they were made (checked every
    # 30 minutes), and all of them when it restarts.
    with gr.Blocks(title="AASIST: is this voice real?", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(
            "# Is this voice real?\n"
            "Record or upload speech. **AASIST**, an anti-spoofing model, estimates whether it is genuine human "
            "speech (*bona fide*) or generated or converted by a machine (*spoof*), and shows what it listened to."
        )
        with gr.Tabs():
            with gr.Tab("Analyze a recording", id="single"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5):
                        audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Speech recording",
                                         elem_id="audio-input")
                        with gr.Row():
                            model = gr.Radio(list(MODELS), value=DEFAULT_MODEL, label="Model", elem_id="model")
                            analysis = gr.Radio(ANALYSES, value=DEFAULT_ANALYSIS, label="Analysis",
                                                elem_id="analysis")
                        button = gr.Button("Analyze", variant="primary", size="lg", elem_id="analyze-button")
                        gr.Markdown(limits_text(), elem_classes="limits")
                        if examples:
                            example_paths = [[str(p), DEFAULT_MODEL, DEFAULT_ANALYSIS] for p in examples]
                            example_component = gr.Examples(
                                example_paths, inputs=[audio, model, analysis], label="Examples: one click analyses",
                                example_labels=[example_label(p) for p in examples], cache_examples=False,
                                run_on_click=False, api_visibility="private", elem_id="examples",
                            )
                            # Gradio copied the clips into its cache and hands out those copies on every click, but
                            # does not protect them: delete_cache would remove them after an hour (and the examples
                            # would stop working), as would the deletion of API uploads with the same content.
                            audio.keep_in_cache.update(audio.temp_files)
                    with gr.Column(scale=6):
                        verdict = gr.HTML(EMPTY_VERDICT, elem_id="verdict")
                        warnings = gr.HTML("", elem_id="warnings")
                        gr.Markdown(CAVEAT, elem_classes="caveat")
                spectrogram = gr.Image(label="Spectrogram and spoof probability over time", show_label=False,
                                       interactive=False, elem_id="spectrogram", elem_classes="figure",
                                       buttons=["download", "fullscreen"])
                gr.Markdown(HOW_TO_READ_TIMELINE, elem_classes="caveat")
                gr.Markdown("## What the model looked at")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        spectral = gr.Image(label="Frequency bands", show_label=False, interactive=False,
                                            elem_id="spectral-attention", elem_classes="figure",
                                            buttons=["download", "fullscreen"])
                        temporal = gr.Image(label="Moments", show_label=False, interactive=False,
                                            elem_id="temporal-attention", elem_classes="figure",
                                            buttons=["download", "fullscreen"])
                    with gr.Column(scale=1, min_width=260):
                        gr.Markdown(HOW_TO_READ, elem_id="how-to-read")
                gr.Markdown(HSGAL_NOTE, elem_id="hsgal-note")
                heterogeneous = gr.Image(label="Mixed frequency-and-time layers", show_label=False,
                                         interactive=False, visible=False, elem_id="heterogeneous",
                                         elem_classes="figure")
                with gr.Accordion("Result as data (JSON)", open=False):
                    result_json = gr.JSON(label="Result", elem_id="result-json")
                # The API endpoint /analyze: the same inputs, the result dictionary out. Triggered by a hidden
                # button so the page's own button can update the richer outputs without exposing them.
                include_attention = gr.Checkbox(False, label="include_attention", visible=False)
                api_trigger = gr.Button(visible=False)
                api_json = gr.JSON(label="result", visible=False)

            with gr.Tab("Batch", id="batch"):
                gr.Markdown(f"Analyze up to {MAX_BATCH_FILES} recordings at once: one row per file, and the same "
                            "table as a CSV file.")
                with gr.Row():
                    with gr.Column(scale=2):
                        batch_files = gr.File(file_count="multiple", file_types=sorted(AUDIO_SUFFIXES),
                                              label="Recordings", elem_id="batch-files")
                    with gr.Column(scale=1):
                        batch_model = gr.Radio(list(MODELS), value=DEFAULT_MODEL, label="Model")
                        batch_analysis = gr.Radio(ANALYSES, value=DEFAULT_ANALYSIS, label="Analysis")
                        batch_button = gr.Button("Analyze all", variant="primary", elem_id="batch-button")
                batch_table = gr.Dataframe(headers=BATCH_HEADERS, interactive=False, label="Results",
                                           elem_id="batch-table", wrap=True,
                                           column_widths=["22%", "10%", "12%", "10%", "8%", "14%", "24%"])
                batch_csv = gr.File(label="Download as CSV", interactive=False, elem_id="batch-csv")

            with gr.Tab("API and about", id="about"):
                gr.Markdown(api_text())

        page_outputs = [verdict, warnings, spectrogram, spectral, temporal, heterogeneous, result_json]
        common = dict(concurrency_limit=CONCURRENCY, concurrency_id="analysis")
        # Progress shows on the verdict card and the spectrogram only: an overlay on every output would cover text.
        common_page = dict(common, show_progress_on=[verdict, spectrogram])
        button.click(analyze_page, inputs=[audio, model, analysis], outputs=page_outputs, api_visibility="private",
                     **common_page)
        if examples:
            # Clicking an example fills the inputs, then runs the page's analysis (with the shared queue limits).
            example_component.load_input_event.then(
                analyze_page, inputs=[audio, model, analysis], outputs=page_outputs, api_visibility="private",
                **common_page)
        api_trigger.click(analyze, inputs=[audio, model, analysis, include_attention], outputs=api_json,
                          api_name="analyze", show_progress="hidden", **common)
        batch_button.click(analyze_batch, inputs=[batch_files, batch_model, batch_analysis],
                           outputs=[batch_table, batch_csv], api_visibility="private", **common)
    API_UPLOADS.demo = demo
    return demo


# Source Sans Pro as in Gradio's default theme, but with its Bold face: the SemiBold file shipped with gradio 6.31 holds
# only a few glyphs, so semibold text fell back to another font letter by letter. Weight 600 now resolves to Bold.
THEME = gr.themes.Default(
    primary_hue="indigo",
    neutral_hue="slate",
    radius_size="md",
    font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"],
)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    warm_up()
    log.info("model loaded and warmed up in %.1f s", time.perf_counter() - started)
    demo = build_demo()
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    # Everything loaded so far (torch, gradio, the models) lives as long as the server: moving it out of the garbage
    # collector's sight turns the full collections that a click's figures trigger from ~0.3 s into ~0.05 s.
    gc.collect()
    gc.freeze()
    # The other model loads in the background: the page is usable at once.
    threading.Thread(target=warm_up, args=([m for m in MODELS if m != DEFAULT_MODEL],), daemon=True).start()
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_FILE_SIZE,
        theme=THEME,
        css=CSS,
        show_error=True,
        footer_links=["api", "gradio"],
        allowed_paths=[str(EXAMPLES_DIR)],
    )


if __name__ == "__main__":
    main()
