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

Temporary files: uploads to the API are deleted once analysed (``gradio_uploads.ApiUploads``); the page's uploads,
figures and batch CSVs an hour after they were made (``delete_cache``), the example clips never.
"""

from __future__ import annotations

import csv
import gc
import html
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import gradio as gr
import gradio.utils
import numpy as np
import pandas as pd

# Light modules only: the rest of the library imports torch (about 1.5 s), which the model loader thread does in the
# background so that the page is served first; the handlers import what they use (waiting, if need be, for the
# loader's import to finish).
from aasist.cli import one_sentence
from aasist.report import MODEL_LIMITS, percent_text, write_report

if TYPE_CHECKING:
    from aasist.detector import Detector
from gradio_uploads import UPLOAD_GRACE_S, ApiUploads  # noqa: F401 - UPLOAD_GRACE_S: read by the tests

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
# `python app.py` serves the page first and loads the models in a background thread (``load_models``): a visitor
# waking a sleeping Space gets the page at once, with a line saying that the model is loading, and an analysis
# requested meanwhile waits for the model (``get_detector``) instead of failing.

_detectors: dict = {}
_model_locks = {model: threading.Lock() for model in MODELS}  # held while that model loads


class _Startup:
    """How the background load of the default model goes: what the page's status line says."""

    def __init__(self):
        self.started = False  # a loader runs (python app.py); in-process use loads on first request instead
        self.ready = threading.Event()  # set when the default model is loaded and warmed up, or failed to load
        self.error: Optional[str] = None


_STARTUP = _Startup()


def get_detector(model: str) -> Detector:
    """The detector for a built-in model, loaded on first use and then cached (thread-safe).

    While the model loads (in the background at startup, or for another request) a caller waits for it.
    """
    from aasist.detector import Detector
    from aasist.weights import WeightsError

    if model not in MODELS:
        raise _user_error(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    detector = _detectors.get(model)
    if detector is not None:
        return detector
    with _model_locks[model]:
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
    from aasist.plots import draw_all

    import numpy as np

    from aasist.audio import prepare_waveform

    rng = np.random.default_rng(0)
    audio = prepare_waveform((0.05 * rng.standard_normal(16000 * 5)).astype(np.float32), 16000)
    for model in models:
        started = time.perf_counter()
        try:
            detector = get_detector(model)
            result = detector.analyze(audio, with_attention=True)
            draw_all(audio, result)
        except Exception as err:  # noqa: BLE001 - startup must not die on one model
            message = getattr(err, "message", None) or str(err)
            log.warning("could not load %s at startup: %s", model, message)
            if model == DEFAULT_MODEL:
                _STARTUP.error = message
        else:
            log.info("model %s ready: loaded and warmed up in %.1f s", model, time.perf_counter() - started)
        if model == DEFAULT_MODEL:
            _STARTUP.ready.set()


def load_models() -> None:
    """The startup loader (a background thread): the default model first, then the others."""
    warm_up([DEFAULT_MODEL])
    # Everything loaded so far (torch, gradio, the model) lives as long as the server: moving it out of the garbage
    # collector's sight turns the full collections that a click's figures trigger from ~0.3 s into ~0.05 s.
    gc.collect()
    gc.freeze()
    warm_up([m for m in MODELS if m != DEFAULT_MODEL])


def model_status() -> tuple:
    """(status line, its timer) for the page: "loading" until the default model is ready, then nothing."""
    loaded = _STARTUP.ready.is_set() and (_STARTUP.error is None or DEFAULT_MODEL in _detectors)  # (a retry worked)
    if not _STARTUP.started or loaded:
        return gr.update(value="", visible=False), gr.Timer(active=False)
    if _STARTUP.ready.is_set():
        text = (f"The model could not be loaded: {html.escape(_STARTUP.error)} Analyze tries again; the other "
                "model may still work.")
        return gr.update(value=f'<div class="model-status" data-state="failed">{text}</div>', visible=True), \
            gr.Timer(active=False)
    text = "Loading the model&hellip; the first analysis starts as soon as it is ready."
    return gr.update(value=f'<div class="model-status" data-state="loading">{text}</div>', visible=True), \
        gr.Timer(active=True)


def model_status_change() -> tuple:
    """The timer's tick: nothing while the model is still loading (an update every second, even an unchanged one,
    re-renders the page and stopped the live monitor's microphone stream from starting in 2 of 10 fresh starts;
    0 of 12 with this), else ``model_status()``."""
    if _STARTUP.started and not _STARTUP.ready.is_set():
        return gr.skip(), gr.skip()
    return model_status()


# --- temporary files --------------------------------------------------------------------------------------------
# API uploads are deleted once analysed (gradio_uploads.py: the one place that reads Gradio internals); the page's
# uploads, figures and batch CSVs by delete_cache (build_demo).

API_UPLOADS = ApiUploads()


# --- formatting -------------------------------------------------------------------------------------------------


def _cautions(result, n_warnings: int) -> list:
    """Reasons, next to the verdict, not to take it at face value: warnings, a fragile verdict, disagreeing models."""
    cautions = []
    if n_warnings:
        what = "An input warning" if n_warnings == 1 else f"{n_warnings} input warnings"
        cautions.append(f'{what} below: read {"it" if n_warnings == 1 else "them"} before trusting this result.')
    if result.agreement is not None and not result.agreement.agree:
        cautions.append(result.agreement.message)
    if result.robustness is not None and not result.robustness.stable:
        n = len(result.robustness.flipped_by)
        cautions.append(f"Fragile: {n} harmless edit{'s' if n != 1 else ''} of the recording flip this verdict "
                        "(see below).")
    return cautions


def verdict_html(result, elapsed_s: Optional[float] = None) -> str:
    from aasist.plots import BONAFIDE_COLOR, SPOOF_COLOR

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
    cautions = "".join(f'<div class="verdict-caution">{html.escape(text)}</div>'
                       for text in _cautions(result, len(result.warnings)))
    return f"""
<div class="verdict {'is-spoof' if spoof else 'is-bonafide'}" style="--verdict:{color}" data-verdict="{term}"
     data-spoof-probability="{p:.6f}">
  <div class="verdict-label">Verdict</div>
  <div class="verdict-headline">{headline} <span class="verdict-term">({term})</span></div>
  <div class="verdict-prob"><span class="verdict-number">{html.escape(percent_text(p))}</span> spoof probability</div>
  <div class="verdict-bar"><span style="width:{max(p * 100, 0.8):.1f}%"></span><i title="threshold 50 %"></i></div>
  <div class="verdict-scale"><span>bona fide</span><span>50 %</span><span>spoof</span></div>
  <div class="verdict-details">{html.escape(details)}</div>
  {cautions}
</div>"""


# The same plain-language limits as the downloadable report (aasist.report.MODEL_LIMITS), first sentence in bold.
CAVEAT = "\n\n".join(re.sub(r"^([^.]+\.)", r"**\1**", paragraph) for paragraph in MODEL_LIMITS)


def warnings_html(warnings: list) -> str:
    if not warnings:
        return '<div class="input-ok">No problems found with the input.</div>'
    items = "".join(
        f'<li data-code="{html.escape(w.code)}">{html.escape(w.message)}</li>' for w in warnings
    )
    return f'<div class="input-warnings"><div class="input-warnings-title">Check the input</div><ul>{items}</ul></div>'


def agreement_html(agreement) -> str:
    """Both models' results side by side, and whether they agree."""
    if agreement is None:
        return ""
    rows = "".join(
        f'<tr data-model="{html.escape(m.model)}"><td>{html.escape(m.model)}</td><td>{html.escape(m.verdict)}</td>'
        f"<td>{html.escape(percent_text(m.spoof_probability))}</td></tr>" for m in agreement.models)
    said = ("The models agree." if agreement.agree else html.escape(agreement.message))
    return (f'<div class="agreement" data-agree="{str(agreement.agree).lower()}"><table><tr><th>Model</th>'
            f"<th>Verdict</th><th>Spoof probability</th></tr>{rows}</table><div class=\"agreement-note\">{said} "
            "Both were trained on the same data, so agreement is no proof.</div></div>")


def robustness_html(check) -> str:
    if check is None:
        return ('<div class="robustness-off">Tick <b>Check robustness</b> and analyse again to see whether harmless '
                "edits (volume, silence, window position, phone band, noise, compression) change the verdict.</div>")
    state = "stable" if check.stable else "fragile"
    return (f'<div class="robustness-summary" data-state="{state}" data-flipped-by="{" ".join(check.flipped_by)}">'
            f"{html.escape(check.summary_sentence())}</div>")


def _duration_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def capture_settings(text: Optional[str]) -> dict:
    """What the browser applied to the microphone track of a recording made on the page (``assets/capture.js``
    sends ``{"requested": ..., "applied": ...}`` as JSON); an empty dict for uploads, examples and anything unreadable.
    """
    if not text:
        return {}
    try:
        applied = json.loads(text).get("applied")
    except (ValueError, AttributeError):
        return {}
    return applied if isinstance(applied, dict) else {}


def _add_demo_warnings(result, audio, capture: Optional[dict] = None) -> None:
    """Add to the library's input warnings one when the browser processed the recording (``capture``: the track
    settings of a recording made on the page) and one when the recording was cut at this demo's duration limit."""
    from aasist.diagnostics import InputWarning, browser_processing_warning

    processed = browser_processing_warning(capture or {})
    if processed is not None:
        result.warnings.insert(0, processed)
    if getattr(audio, "truncated", False) and not any(w.code == "truncated" for w in result.warnings):
        result.warnings.append(InputWarning(
            "truncated", f"The recording is longer than {_duration_text(MAX_DURATION_S)}, the limit of this demo: "
                         f"only its first {_duration_text(MAX_DURATION_S)} were analysed."))


LEVEL_PREVIEW_S = 60  # the level shown under the recorder is that of the first minute


def input_level_html(path: Optional[str]) -> str:
    """The level of the recording just made or uploaded, and whether it is where loudness sways the model."""
    from aasist.audio import AudioError, load_audio
    from aasist.diagnostics import input_level

    if not path:
        return ""
    try:
        level = input_level(load_audio(path, max_duration_s=LEVEL_PREVIEW_S))
    except (AudioError, OSError):
        return ""  # Analyze will say what is wrong with the file
    return (f'<div class="input-level" data-leaning="{level.leaning or "ok"}" data-peak-dbfs="{level.peak_dbfs}" '
            f'data-speech-dbfs="{level.speech_dbfs if level.speech_dbfs is not None else ""}">'
            f"{html.escape(level.message)}</div>")


def _clean_name(path: str) -> str:
    return Path(path).name


# --- the analysis -----------------------------------------------------------------------------------------------


def _decode_upload(path: str):
    """An uploaded recording, up to ``MAX_DURATION_S``; ``AudioError`` (one sentence) when it cannot be used."""
    from aasist.audio import AudioError, load_audio

    if not Path(path).exists():  # deleted by the server (delete_cache) while the page still showed it
        raise AudioError(f"The recording '{_clean_name(path)}' is no longer on the server (uploads are deleted "
                         "after a while); upload it again.")
    return load_audio(path, max_duration_s=MAX_DURATION_S)


def _load(path: Optional[str]):
    from aasist.audio import AudioError

    if not path:
        raise _user_error("Record or upload a recording first.")
    try:
        return _decode_upload(path)
    except AudioError as err:
        raise _user_error(str(err)) from None


def _analyze(audio, model: str, analysis: str, with_attention: bool, progress=None):
    from aasist.audio import AudioError

    if analysis not in {value for _, value in ANALYSES}:
        raise _user_error(f"Unknown analysis {analysis!r}; choose 'full' or 'asvspoof'.")
    detector = get_detector(model)
    try:
        with COMPUTE_SLOTS:
            return detector.analyze(audio, protocol=analysis, with_attention=with_attention, progress=progress)
    except AudioError as err:
        raise _user_error(str(err)) from None


def _other_model(model: str) -> str:
    return next(m for m in MODELS if m != model)


def _compare_models(result, audio) -> None:
    """Score the recording with the other published model too, and attach the agreement."""
    from aasist.agreement import model_agreement

    other = get_detector(_other_model(result.model))
    with COMPUTE_SLOTS:
        other_result = other.analyze(audio, protocol=result.protocol)
    result.agreement = model_agreement([result, other_result])


def _check_robustness(result, audio, progress=None) -> None:
    """Re-score the recording under the benign edits (``aasist.robustness``) and attach the check."""
    from aasist.robustness import check_robustness

    with COMPUTE_SLOTS:
        result.robustness = check_robustness(get_detector(result.model), audio, base=result,
                                             protocol=result.protocol, progress=progress)


def _unexpected(err: Exception) -> gr.Error:
    log.exception("analysis failed")  # the traceback goes to the log once; the visitor gets one sentence
    return _user_error("Something went wrong while analysing this recording; please try another file.")


def analyze(audio: str, model: str = DEFAULT_MODEL, analysis: str = DEFAULT_ANALYSIS,
            include_attention: bool = False, robustness: bool = False, compare_models: bool = False) -> dict:
    """API: the library's result dictionary (``DetectionResult.to_dict``) for one recording.

    audio: a recording (WAV, FLAC, MP3, OGG, AIFF); model: "AASIST" or "AASIST-L"; analysis: "full" (the whole
    recording in 4 s windows) or "asvspoof" (the first 4 s, as the authors evaluate); include_attention: add the
    attention of the most decisive window; robustness: re-score under 8 benign edits and say whether the verdict
    holds ("robustness"); compare_models: score with the other published model too ("agreement").
    """
    # An API caller uploads the file anew with each call: it is deleted once no request needs it any more.
    with API_UPLOADS.using(audio):
        try:
            loaded = _load(audio)
            result = _analyze(loaded, model, analysis, with_attention=bool(include_attention))
            result.file = _clean_name(audio)
            _add_demo_warnings(result, loaded)
            if compare_models:
                _compare_models(result, loaded)
            if robustness:
                _check_robustness(result, loaded)
            data = result.to_dict(include_attention=bool(include_attention))
            if loaded.truncated:
                data["truncated_to_s"] = MAX_DURATION_S
            return data
        except gr.Error:
            raise
        except Exception as err:  # never a traceback for the caller; the server keeps serving
            raise _unexpected(err) from None


def analyze_page(audio: str, model: str, analysis: str, capture: str = "", robustness: bool = True,
                 compare_models: bool = False, progress=gr.Progress()):
    """The page's Analyze button and examples: the verdict first, then the figures, then the model agreement and
    the robustness check when asked for, and last the report to download. ``capture``: the browser's track settings
    when the recording was made on the page (``capture_settings``), else empty."""
    from aasist.plots import draw_all, draw_robustness, render_figure

    try:
        started = time.perf_counter()
        progress(0, desc="Reading the recording")
        loaded = _load(audio)
        progress(0, desc="Analysing")

        def on_windows(done: int, total: int):
            progress((done, total), desc="Analysing", unit="windows")

        result = _analyze(loaded, model, analysis, with_attention=True, progress=on_windows)
        result.file = _clean_name(audio)
        _add_demo_warnings(result, loaded, capture_settings(capture))
        elapsed = time.perf_counter() - started
        skip = gr.skip()
        yield (verdict_html(result, elapsed), warnings_html(result.warnings), skip, skip, skip, skip,
               result.to_dict(), robustness_html(None) if not robustness else skip, skip, "", gr.skip())
        figures = draw_all(loaded, result)
        heterogeneous = (gr.update(value=figures.heterogeneous, visible=True) if figures.heterogeneous is not None
                         else gr.update(value=None, visible=False))
        yield (skip, skip, figures.spectrogram, figures.spectral_attention, figures.temporal_attention,
               heterogeneous, skip, skip, skip, skip, skip)
        if compare_models:
            progress(0, desc=f"Scoring with {_other_model(model)} too")
            _compare_models(result, loaded)
        if robustness:
            def on_edits(done: int, total: int):
                progress((done, total), desc="Checking robustness", unit="edits")

            on_edits(0, 1)
            _check_robustness(result, loaded, progress=on_edits)
            figures.robustness = render_figure(draw_robustness(result))
        if compare_models or robustness:
            yield (verdict_html(result, time.perf_counter() - started), skip, skip, skip, skip, skip,
                   result.to_dict(), robustness_html(result.robustness) if robustness else skip,
                   figures.robustness if robustness else gr.update(value=None),
                   agreement_html(result.agreement), skip)
        report = write_report(result, loaded, _results_folder("aasist-reports"), source_path=audio, figures=figures)
        yield (skip,) * 10 + (gr.update(value=str(report), interactive=True),)
    except gr.Error:
        raise
    except Exception as err:
        raise _unexpected(err) from None


def _results_folder(name: str) -> Path:
    """A folder in Gradio's cache for files the page offers for download: served from there and deleted with the
    other results (delete_cache); anywhere else Gradio would serve a copy and the original would stay for good."""
    folder = Path(gradio.utils.get_upload_folder()) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


BATCH_COLUMNS = ["file", "verdict", "spoof_probability", "duration_s", "windows", "warnings", "error"]  # CSV
BATCH_HEADERS = ["File", "Verdict", "Spoof probability", "Duration (s)", "Windows", "Warnings", "Error"]  # table


def analyze_batch(files: Optional[list], model: str, analysis: str, progress=gr.Progress()):
    """Several recordings in, one row each out, plus the same table as a CSV file."""
    from aasist.audio import AudioError

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
            result = _analyze(loaded, model, analysis, with_attention=False)
            _add_demo_warnings(result, loaded)
            row.update(verdict=result.verdict, spoof_probability=round(result.spoof_probability, 4),
                       duration_s=round(result.duration_s, 2), windows=len(result.windows),
                       warnings="; ".join(w.code for w in result.warnings))
        except (AudioError, gr.Error) as err:
            row["error"] = getattr(err, "message", None) or str(err)
        except Exception:
            log.exception("batch analysis failed for %s", path)
            row["error"] = "Could not be analysed."
        rows.append(row)
    csv_path = _results_folder("aasist-batch") / f"aasist-{model}-{analysis}-{uuid.uuid4().hex[:8]}.csv"
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=BATCH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    table = pd.DataFrame([[row[c] for c in BATCH_COLUMNS] for row in rows], columns=BATCH_HEADERS)
    return table, str(csv_path)


# --- the live monitor -------------------------------------------------------------------------------------------
# The microphone streams its audio in chunks to ``live_chunk`` (see LIVE_CHUNK_S), which feeds the session's
# ``aasist.streaming.StreamingDetector``: every hop it scores the newest 4 s window, smooths and raises or clears
# the alarm. Each visitor's stream is a ``LiveSession`` kept here (not in gr.State, so that it is freed as soon as
# the page is closed: ``demo.unload``), with the 16 kHz recording for a whole-recording analysis afterwards.
#
# Sharing the 2 CPU cores: a model run, whether an analysis or a live window, takes one of ``COMPUTE_SLOTS``. A live
# session never waits for one: when both are busy (two long analyses), its audio is kept and, once a slot is free,
# only the newest window is scored; the windows passed over are counted and the page says so. Gradio's page sends a
# chunk every 0.1 s and holds the next ones back until the previous one is handled, so a live session must stay quick
# (about 2 ms a chunk, plus a model run once a hop).

LIVE_TIME_LIMIT_S = 300  # a live session stops after 5 minutes (stated on the page)
LIVE_SESSIONS = 4  # live streams at once (each holds a place for its whole length); more wait in line
# Asked of Gradio as stream_every; its page (6.31) sends the microphone's audio every 0.1 s whatever this says, and
# holds back chunks while the previous one is being handled, then sends them together.
LIVE_CHUNK_S = 0.5
LIVE_HOPS = [("every 0.5 s", 0.5), ("every second", 1.0), ("every 2 s", 2.0), ("every 4 s", 4.04)]
LIVE_DEFAULT_HOP_S = 1.0
# 0.96, not the verdict's 0.5: a stream cut anywhere (rarely at a pause) makes real speech look synthetic for a few
# windows, and no real stream held 0.96 for three hops while every synthetic one did (aasist.streaming)
LIVE_DEFAULT_THRESHOLD = 0.96
LIVE_IDLE_EXPIRY_S = 900  # a session not heard from for this long is dropped, even if the page never said goodbye
LIVE_LEVEL_S = 4.0  # the level shown is that of the last 4 s

COMPUTE_SLOTS = threading.BoundedSemaphore(CONCURRENCY)


class LiveSession:
    """One visitor's live stream: the streaming detector, every update so far (for the chart) and the event log.

    The detector is made once the model is loaded (``ready``); audio that arrives before (a visitor pressing Record
    while the server is still starting) is kept in ``pending`` and scored then.
    """

    def __init__(self, model: str, hop_s: float, threshold: float):
        self.model = model
        self.hop_s = hop_s
        self.threshold = threshold
        self.stream = None  # aasist.streaming.StreamingDetector, once the model is loaded
        self.capture: dict = {}
        self.updates: list = []
        self.log: list = []  # (stream time s, kind, message), oldest first
        self.pending: list = []  # chunks not yet fed to the stream: (samples (frames, channels), sample rate)
        self.skipped = 0  # windows passed over to stay live
        self.level = None  # diagnostics.InputLevel of the last LIVE_LEVEL_S
        self.stopped: Optional[str] = None  # why the session ended ("stopped", "limit"), None while live
        self.started = self.last_seen = time.monotonic()
        self.lock = threading.Lock()

    @property
    def received_s(self) -> float:
        """Seconds of audio received, scored or not."""
        fed = self.stream.received_s if self.stream is not None else 0.0
        return fed + sum(len(samples) / rate for samples, rate in self.pending)

    def ready(self) -> bool:
        """Whether the stream exists; if the model is not loaded yet, its loading is started (in the background)."""
        if self.stream is None:
            detector = _detectors.get(self.model)
            if detector is None:
                threading.Thread(target=_load_quietly, args=(self.model,), daemon=True).start()
                return False
            from aasist.streaming import StreamingDetector

            self.stream = StreamingDetector(detector, hop_s=self.hop_s, threshold=self.threshold,
                                            keep_audio_s=LIVE_TIME_LIMIT_S)
        return True

    def note(self, kind: str, message: str, t_s: Optional[float] = None) -> None:
        self.log.append((self.received_s if t_s is None else t_s, kind, message))


class LiveSessions:
    """The live sessions, one per browser session (``gr.Request.session_hash``).

    A page that was closed is remembered (the last ``GONE_REMEMBERED``): a chunk or a Record event of it that
    arrives after the page said goodbye must not open a session that nobody would ever close.
    """

    GONE_REMEMBERED = 10_000

    def __init__(self):
        self._sessions: dict = {}
        self._gone: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def start(self, key: str, session: LiveSession) -> bool:
        """Register ``session``; False (nothing registered) when the page of ``key`` was closed."""
        now = time.monotonic()
        with self._lock:
            if key in self._gone:
                return False
            for old in [k for k, s in self._sessions.items() if now - s.last_seen > LIVE_IDLE_EXPIRY_S]:
                del self._sessions[old]
            self._sessions[key] = session
            return True

    def close(self, key: str) -> bool:
        """The page of ``key`` is gone: drop its session (True if it had one) and refuse new ones."""
        with self._lock:
            self._gone[key] = None
            while len(self._gone) > self.GONE_REMEMBERED:
                self._gone.popitem(last=False)
            return self._sessions.pop(key, None) is not None

    def get(self, key: str) -> Optional[LiveSession]:
        with self._lock:
            return self._sessions.get(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)


LIVE = LiveSessions()


def _session_key(request: Optional[gr.Request]) -> str:
    return (getattr(request, "session_hash", None) or "in-process") if request is not None else "in-process"


def _discard_upload(path: str) -> None:
    """Delete a file Gradio received for one use only (a live chunk), with its folder when that is left empty."""
    try:
        cache = Path(gradio.utils.get_upload_folder()).resolve()
        file = Path(path).resolve()
        if file.is_relative_to(cache):
            file.unlink(missing_ok=True)
            with suppress(OSError):
                file.parent.rmdir()
    except OSError as err:
        log.warning("could not delete the live chunk %s: %s", Path(path).name, err)


LIVE_IDLE_STATUS = ('<div class="live-status" data-state="idle"><div class="live-headline">Not listening</div>'
                    '<div class="live-detail">Press <b>Record</b> to start; speak, or play the audio you want to check '
                    'near the microphone.</div></div>')


def live_status_html(session: Optional[LiveSession]) -> str:
    """The large status of the live monitor: listening / waiting for 4 s / likely genuine / ALERT."""
    from aasist.diagnostics import browser_processing_warning

    if session is None:
        return LIVE_IDLE_STATUS
    last = session.updates[-1] if session.updates else None
    received = session.received_s
    smoothed = last.smoothed_probability if last is not None else None
    stream = session.stream
    if stream is None:
        state, headline = "loading", f"Loading the model: your audio is kept ({received:.1f} s so far)"
    elif stream.alarm:
        state, headline = "alert", "ALERT: likely synthetic speech"
    elif last is None or last.status == "waiting":
        state, headline = "waiting", f"Listening: waiting for 4 s of speech ({received:.1f} s so far)"
    elif smoothed is None:
        state, headline = "silent", "Listening: silence so far (silence is not evidence)"
    elif smoothed >= session.threshold:
        state, headline = "leaning", "Leaning synthetic (below the alarm's required duration)"
    else:
        state, headline = "genuine", "Likely genuine speech"
    if session.stopped == "limit":
        state, headline = "limit", f"Stopped: a live session lasts at most {_duration_text(LIVE_TIME_LIMIT_S)}"
    elif session.stopped:
        state, headline = "stopped", f"Stopped after {received:.1f} s"
    details = []
    if smoothed is not None:
        details.append(f"smoothed spoof probability <b>{html.escape(percent_text(smoothed))}</b> (last "
                       f"{stream.smoothing} windows; alarm at {session.threshold:.0%} for {stream.min_hops} hops "
                       "in a row)")
    if last is not None and last.status == "silent":
        details.append("the last window was silent: not counted")
    if session.level is not None:
        details.append(html.escape(session.level.message))
    if session.skipped:
        details.append(f"the server was busy: {session.skipped} window{'s' if session.skipped != 1 else ''} skipped "
                       "to stay live (only the newest is scored)")
    processed = browser_processing_warning(session.capture)
    if processed is not None:
        details.append(f'<span class="live-warning">{html.escape(processed.message)}</span>')
    alarms = stream.summary().alarms if stream is not None else []
    first_alarm = f' data-first-alarm-s="{alarms[0][0]:.3f}"' if alarms else ""
    smoothed_attr = f' data-smoothed="{smoothed:.6f}"' if smoothed is not None else ""
    return (f'<div class="live-status" data-state="{state}" data-received-s="{received:.3f}"{smoothed_attr}'
            f'{first_alarm}><div class="live-headline">{html.escape(headline)}</div>'
            f'<div class="live-detail">{" · ".join(details)}</div></div>')


def live_log_html(session: Optional[LiveSession]) -> str:
    if session is None or not session.log:
        return '<div class="live-log-empty">Alarms and other events appear here.</div>'
    items = "".join(f'<li data-kind="{html.escape(kind)}" data-t="{t:.3f}"><b>{t:6.1f} s</b> {html.escape(message)}'
                    "</li>" for t, kind, message in reversed(session.log))
    return f'<ul class="live-log">{items}</ul>'


def live_chart_html(session: Optional[LiveSession]) -> str:
    from aasist.plots import draw_live_chart

    if session is None:
        return ""
    return draw_live_chart(session.updates, session.threshold, session.received_s)


def _live_outputs(session: Optional[LiveSession], chart: bool = True) -> tuple:
    return (live_status_html(session), live_chart_html(session) if chart else gr.skip(), live_log_html(session))


def _load_quietly(model: str) -> None:
    """Load a model in the background for a live session (a failure is shown when the session needs it)."""
    with suppress(Exception):
        get_detector(model)


def _new_live_session(key: str, model: str, hop_s, threshold) -> Optional[LiveSession]:
    """A new live session for the page ``key`` (replacing its previous one); None when that page was closed."""
    if model not in MODELS:
        raise _user_error(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    from aasist.streaming import MAX_HOP_S, MIN_HOP_S

    if not MIN_HOP_S <= float(hop_s) <= MAX_HOP_S:
        raise _user_error(f"The hop must be between {MIN_HOP_S} and {MAX_HOP_S} seconds.")
    session = LiveSession(model, float(hop_s), float(threshold))
    if not LIVE.start(key, session):
        return None
    log.info("live session started (%d open)", len(LIVE))
    session.ready()  # starts loading the model if need be
    return session


def live_start(model: str, threshold: float, hop_s: float, request: gr.Request = None):
    """Record pressed on the Live tab: a new session (the previous one of this visitor is dropped), unless the first
    chunks of this recording already made it."""
    key = _session_key(request)
    session = LIVE.get(key)
    if session is None or session.stopped or session.received_s > 2 * LIVE_CHUNK_S:
        session = _new_live_session(key, model, hop_s, threshold)
        if session is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return (*_live_outputs(session), gr.update(interactive=False))


def live_chunk(path: Optional[str], model: str, hop_s: float, threshold: float, capture: str,
               request: gr.Request = None):
    """One chunk of the microphone stream: score the hops it completes; the page's status, chart and log."""
    from aasist.diagnostics import input_level

    if not path or not Path(path).exists():
        # Gradio names uploads after their content: a chunk it sent twice has the path of one already used (and
        # deleted), so there is nothing new to read.
        return gr.skip(), gr.skip(), gr.skip()
    try:
        samples, rate = _read_chunk(path)
    finally:
        _discard_upload(path)
    key = _session_key(request)
    session = LIVE.get(key)
    if session is not None and session.stopped:
        return gr.skip(), gr.skip(), gr.skip()  # a chunk that arrived after Stop
    if session is None:  # the chunk came before Record was handled
        session = _new_live_session(key, model, hop_s, threshold)
        if session is None:  # ... or after the page was closed
            return gr.skip(), gr.skip(), gr.skip()
    with session.lock:
        session.last_seen = time.monotonic()
        session.capture = capture_settings(capture) or session.capture
        if threshold is not None and float(threshold) != session.threshold:
            session.threshold = float(threshold)
            if session.stream is not None:
                session.stream.threshold = session.threshold
        if samples is None:
            session.note("bad_chunk", rate)  # rate holds the message
            return _live_outputs(session, chart=False)
        room = int((LIVE_TIME_LIMIT_S - session.received_s) * rate + 1e-6)
        if room <= 0:
            return gr.skip(), gr.skip(), gr.skip()
        session.pending.append((samples[:room], rate))
        n_before = len(session.updates)
        if session.ready() and COMPUTE_SLOTS.acquire(blocking=False):
            try:
                _push_pending(session)
            finally:
                COMPUTE_SLOTS.release()
        if session.received_s >= LIVE_TIME_LIMIT_S - 1e-3:
            _stop_session(session, "limit")
        if session.stream is not None:
            recent = session.stream.recent_audio(LIVE_LEVEL_S)
            session.level = input_level(recent) if len(recent) else None
        return _live_outputs(session, chart=len(session.updates) != n_before or session.stopped is not None)


def _read_chunk(path: str) -> tuple:
    """(samples, sample rate) of a streamed chunk, or (None, one-sentence message) when it cannot be read."""
    import soundfile as sf

    try:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        return None, f"A piece of the microphone stream could not be read ({one_sentence(err)}); it was skipped."
    if not np.isfinite(samples).all():
        return None, "A piece of the microphone stream held invalid sample values (NaN or infinity); it was skipped."
    return samples, rate


def _push_pending(session: LiveSession) -> None:
    """Feed the chunks kept so far to the stream; score only the newest window, counting the ones passed over."""
    from aasist.audio import AudioError

    groups: list = []  # consecutive chunks of the same rate and channel count, pushed as one
    for samples, rate in session.pending:
        if groups and groups[-1][1] == rate and groups[-1][0][-1].shape[1] == samples.shape[1]:
            groups[-1][0].append(samples)
        else:
            groups.append(([samples], rate))
    session.pending = []
    for chunks, rate in groups:
        try:
            updates = session.stream.push(np.concatenate(chunks), rate, latest_only=True)
        except AudioError as err:
            session.note("bad_chunk", str(err))
            continue
        for update in updates:
            session.skipped += update.skipped
            if update.skipped:
                session.note("skipped", f"The server was busy: {update.skipped} window"
                                        f"{'s were' if update.skipped != 1 else ' was'} skipped to stay live.",
                             update.t_end_s)
            for event in update.events:
                session.note(event.kind, event.message, event.t_s)
        session.updates.extend(updates)


def _stop_session(session: LiveSession, reason: str) -> None:
    if session.stopped:
        return
    if session.stream is None:  # stopped while the model was loading: wait for it, then score what was kept
        get_detector(session.model)
        session.ready()
    with COMPUTE_SLOTS:
        _push_pending(session)
        session.updates.extend(session.stream.finish())
    session.stopped = reason
    summary = session.stream.summary()
    if reason == "limit":
        session.note("limit", f"The live session reached its limit of {_duration_text(LIVE_TIME_LIMIT_S)} and "
                              "stopped; press Stop, then Record to start a new one.")
    verdict = ("the alarm was raised" if summary.alarm_raised else "no alarm was raised")
    overall = ("" if summary.overall_probability is None else
               f"; all {summary.hops_scored - summary.silent_hops} windows with speech together: spoof probability "
               f"{percent_text(summary.overall_probability)}")
    session.note("summary", f"{summary.duration_s:.1f} s listened to, {verdict}{overall}. " + " ".join(summary.notes))


def live_stop(request: gr.Request = None):
    """Stop pressed: finish the stream and offer the whole recording for analysis."""
    from aasist.model import MIN_SAMPLES

    session = LIVE.get(_session_key(request))
    if session is None:
        return (*_live_outputs(None), gr.update(interactive=False))
    with session.lock:
        _stop_session(session, "stopped")
        long_enough = len(session.stream.audio()) >= MIN_SAMPLES
    return (*_live_outputs(session), gr.update(interactive=long_enough))


def live_recording(request: gr.Request = None):
    """The whole live recording (16 kHz, as scored) into the main tab, with its capture settings."""
    import soundfile as sf

    session = LIVE.get(_session_key(request))
    if session is None or not session.stopped:
        raise _user_error("Record on the Live tab and press Stop first.")
    path = _results_folder("aasist-live") / f"live-recording-{uuid.uuid4().hex[:8]}.wav"
    sf.write(path, session.stream.audio(), 16000, subtype="FLOAT")
    capture = json.dumps({"applied": session.capture}) if session.capture else ""
    return str(path), gr.Tabs(selected="single"), capture


def live_unload(request: gr.Request = None) -> None:
    """The visitor closed the page (or lost the connection): forget the live session, stopped or not."""
    if LIVE.close(_session_key(request)):
        log.info("live session closed (%d open)", len(LIVE))


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


HOW_TO_READ_ROBUSTNESS = """
**How to read this.** The recording is scored again after each of 8 harmless edits: half a second of silence added
at the start, silence trimmed, 12 dB quieter, 6 dB louder (without clipping), the 4-second windows shifted by 1 s,
phone band (8 kHz), faint noise (30 dB below the speech) and Ogg Vorbis compression. None changes what was said or
who said it. Each dot is the spoof probability after one edit; an edit that moves it across the dashed 0.5 line
flips the verdict. A verdict that flips is fragile: the model's answer hangs on details that should not matter.
In our measurements fragile verdicts were wrong more often than stable ones mainly on clips under 2 s; a stable
verdict can still be wrong (README, "Robustness check").
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
.live-status { border: 1px solid var(--border-color-primary); border-left: 8px solid #94a3b8; border-radius: 12px;
  padding: 14px 20px; background: var(--background-fill-primary); }
.live-status .live-headline { font-size: 24px; font-weight: 700; line-height: 1.25; color: #475569; }
.live-status .live-detail { margin-top: 6px; font-size: 13.5px; color: var(--body-text-color-subdued); }
.live-status[data-state="genuine"] { border-left-color: #16a34a; }
.live-status[data-state="genuine"] .live-headline { color: #16a34a; }
.live-status[data-state="leaning"] { border-left-color: #f59e0b; }
.live-status[data-state="leaning"] .live-headline { color: #b45309; }
.live-status[data-state="alert"] { border-left-color: #dc2626; background: #fef2f2; }
.live-status[data-state="alert"] .live-headline { color: #dc2626; font-size: 28px; }
.aasist-capture-sink { display: none !important; }
.live-warning { color: #b45309; font-weight: 700; }
.agreement table { border-collapse: collapse; font-size: 13.5px; margin-top: 6px; }
.agreement th, .agreement td { border-bottom: 1px solid var(--border-color-primary); padding: 3px 14px 3px 0;
  text-align: left; }
.agreement-note { font-size: 13px; margin-top: 4px; color: var(--body-text-color-subdued); }
.agreement[data-agree="false"] .agreement-note { color: #b45309; font-weight: 700; }
.robustness-summary { font-size: 16px; font-weight: 700; padding: 6px 2px; }
.robustness-summary[data-state="fragile"] { color: #b45309; }
.robustness-summary[data-state="stable"] { color: var(--body-text-color); }
.robustness-off { font-size: 13.5px; color: var(--body-text-color-subdued); }
.input-level { font-size: 13px; color: var(--body-text-color-subdued); padding: 2px 4px; }
.input-level[data-leaning="loud"], .input-level[data-leaning="quiet"] { color: #b45309; font-weight: 700; }
.live-log { margin: 0; padding-left: 18px; font-size: 13px; max-height: 220px; overflow-y: auto; }
.live-log li[data-kind="alarm_on"] { color: #dc2626; }
.live-log li[data-kind="alarm_off"] { color: #16a34a; }
.live-log-empty { font-size: 13px; color: var(--body-text-color-subdued); }
"""

# assets/capture.js, loaded in the page's <head>: every microphone capture asks for the signal as spoken.
CAPTURE_SCRIPT = ROOT / "assets" / "capture.js"
CAPTURE_SETTINGS_JS = "() => (window.aasistCapture ? window.aasistCapture.json() : '')"


def capture_head() -> str:
    return f"<script>\n{CAPTURE_SCRIPT.read_text()}</script>"


EMPTY_VERDICT = '<div class="verdict-empty">Record or upload speech, then press <b>Analyze</b>. The verdict appears here.</div>'


def live_intro() -> str:
    return (
        "**Live monitor.** Press Record and speak, or play the audio you want to check near the microphone. Every "
        "hop the model scores the newest 4 seconds; the alarm goes off when the smoothed spoof probability stays "
        "above the threshold for three hops in a row, and clears when it falls clearly below. Nothing is scored "
        "before 4 seconds of audio (shorter clips are judged badly), and silence does not count. A live session "
        f"lasts at most {_duration_text(LIVE_TIME_LIMIT_S)}; afterwards the whole recording can be analysed with "
        "all the figures. The microphone is recorded as spoken: the page turns off the browser's gain control, "
        "noise suppression and echo cancellation, which made real speech look synthetic. Loud audio leans the "
        "model towards *spoof* and quiet audio towards *bona fide*: keep a normal distance from the microphone."
    )


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
        # "Loading the model" while the startup loader runs (load_models), then hidden; refreshed by the timer.
        model_status_line = gr.HTML("", visible=False, elem_id="model-status")
        model_status_timer = gr.Timer(1.0, active=False)
        with gr.Tabs() as tabs:
            with gr.Tab("Analyze a recording", id="single"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5):
                        audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Speech recording",
                                         elem_id="audio-input")
                        # The browser's settings of the microphone track when the recording was made on the page
                        # (assets/capture.js); empty for uploads and examples.
                        capture = gr.Textbox("", visible=False, elem_id="capture-settings")
                        level = gr.HTML("", elem_id="input-level")
                        with gr.Row():
                            model = gr.Radio(list(MODELS), value=DEFAULT_MODEL, label="Model", elem_id="model")
                            analysis = gr.Radio(ANALYSES, value=DEFAULT_ANALYSIS, label="Analysis",
                                                elem_id="analysis")
                        with gr.Row():
                            robustness = gr.Checkbox(True, label="Check robustness",
                                                     info="Re-score under 8 harmless edits (about 2 s more per 10 s "
                                                          "of audio).", elem_id="robustness-option")
                            compare = gr.Checkbox(False, label="Compare models",
                                                  info="Score with both AASIST and AASIST-L.",
                                                  elem_id="compare-option")
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
                        agreement = gr.HTML("", elem_id="agreement")
                        report = gr.DownloadButton("Download report (HTML)", interactive=False, size="sm",
                                                   elem_id="report-button")
                        gr.Markdown(CAVEAT, elem_classes="caveat")
                spectrogram = gr.Image(label="Spectrogram and spoof probability over time", show_label=False,
                                       interactive=False, elem_id="spectrogram", elem_classes="figure",
                                       buttons=["download", "fullscreen"])
                gr.Markdown(HOW_TO_READ_TIMELINE, elem_classes="caveat")
                gr.Markdown("## Would the verdict survive harmless changes?")
                robustness_summary = gr.HTML(robustness_html(None), elem_id="robustness-summary")
                robustness_plot = gr.Image(label="Robustness", show_label=False, interactive=False,
                                           elem_id="robustness", elem_classes="figure",
                                           buttons=["download", "fullscreen"])
                gr.Markdown(HOW_TO_READ_ROBUSTNESS, elem_classes="caveat")
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
                api_robustness = gr.Checkbox(False, label="robustness", visible=False)
                api_compare = gr.Checkbox(False, label="compare_models", visible=False)
                api_trigger = gr.Button(visible=False)
                api_json = gr.JSON(label="result", visible=False)

            with gr.Tab("Live", id="live"):
                gr.Markdown(live_intro(), elem_classes="caveat")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=4):
                        live_audio = gr.Audio(sources=["microphone"], streaming=True, type="filepath",
                                              label="Microphone", elem_id="live-audio",
                                              elem_classes="aasist-streaming-recorder")  # capture.js
                        # Filled by assets/capture.js when the microphone opens (an async handler on Record made
                        # Gradio's stream stall now and then), and sent with every chunk; rendered but not shown.
                        live_capture = gr.Textbox("", container=False, elem_id="live-capture-settings",
                                                  elem_classes="aasist-capture-sink")
                        live_threshold = gr.Slider(0.5, 0.99, value=LIVE_DEFAULT_THRESHOLD, step=0.01,
                                                   label="Alarm threshold",
                                                   info="Smoothed spoof probability at which the alarm goes off "
                                                        "(applies at once).", elem_id="live-threshold")
                        with gr.Row():
                            live_hop = gr.Radio(LIVE_HOPS, value=LIVE_DEFAULT_HOP_S, label="Score",
                                                info="Applies from the next Record.", elem_id="live-hop")
                            live_model = gr.Radio(list(MODELS), value=DEFAULT_MODEL, label="Model",
                                                  info="Applies from the next Record.", elem_id="live-model")
                        live_analyze = gr.Button("Analyze the whole recording", interactive=False,
                                                 elem_id="live-analyze")
                    with gr.Column(scale=7):
                        live_status = gr.HTML(LIVE_IDLE_STATUS, elem_id="live-status")
                        live_chart = gr.HTML("", elem_id="live-chart")
                        live_log = gr.HTML(live_log_html(None), elem_id="live-log")

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

        page_outputs = [verdict, warnings, spectrogram, spectral, temporal, heterogeneous, result_json,
                        robustness_summary, robustness_plot, agreement, report]
        page_inputs = [audio, model, analysis, capture, robustness, compare]
        common = dict(concurrency_limit=CONCURRENCY, concurrency_id="analysis")
        # Progress shows on the verdict card and the spectrogram only: an overlay on every output would cover text.
        common_page = dict(common, show_progress_on=[verdict, spectrogram])
        button.click(analyze_page, inputs=page_inputs, outputs=page_outputs, api_visibility="private", **common_page)
        # A recording made on the page carries the browser's capture settings; an upload or an example carries none.
        audio.stop_recording(None, None, capture, js=CAPTURE_SETTINGS_JS, api_visibility="private")
        for event in (audio.upload, audio.clear):
            event(None, None, capture, js="() => ''", api_visibility="private")
        audio.change(input_level_html, inputs=audio, outputs=level, concurrency_limit=None, api_visibility="private",
                     show_progress="hidden")
        if examples:
            # Clicking an example fills the inputs, then runs the page's analysis (with the shared queue limits).
            example_component.load_input_event.then(None, None, capture, js="() => ''", api_visibility="private").then(
                analyze_page, inputs=page_inputs, outputs=page_outputs, api_visibility="private", **common_page)
        api_trigger.click(analyze, inputs=[audio, model, analysis, include_attention, api_robustness, api_compare],
                          outputs=api_json,
                          api_name="analyze", show_progress="hidden", **common)
        batch_button.click(analyze_batch, inputs=[batch_files, batch_model, batch_analysis],
                           outputs=[batch_table, batch_csv], api_visibility="private", **common)
        # The live monitor. Record starts a session, each chunk updates it, Stop ends it; the light handlers do not
        # queue behind analyses. The capture settings arrive once the browser has opened the microphone.
        live_outputs = [live_status, live_chart, live_log]
        private = dict(api_visibility="private", show_progress="hidden")
        live_audio.start_recording(live_start, inputs=[live_model, live_threshold, live_hop],
                                   outputs=[*live_outputs, live_analyze], concurrency_limit=None, **private)
        live_audio.stream(live_chunk, inputs=[live_audio, live_model, live_hop, live_threshold, live_capture],
                          outputs=live_outputs,
                          stream_every=LIVE_CHUNK_S, time_limit=LIVE_TIME_LIMIT_S + 30, concurrency_limit=LIVE_SESSIONS,
                          concurrency_id="live", **private)
        live_audio.stop_recording(live_stop, outputs=[*live_outputs, live_analyze], concurrency_limit=None, **private)
        live_analyze.click(live_recording, outputs=[audio, tabs, capture], concurrency_limit=None, **private).then(
            analyze_page, inputs=page_inputs, outputs=page_outputs, api_visibility="private", **common_page)
        demo.unload(live_unload)
        demo.load(model_status, outputs=[model_status_line, model_status_timer], api_visibility="private",
                  queue=False)
        model_status_timer.tick(model_status_change, outputs=[model_status_line, model_status_timer],
                                api_visibility="private", queue=False)
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


def _not_a_client_disconnect(record: logging.LogRecord) -> bool:
    """Drop uvicorn's traceback for a visitor who closed the page during an upload (a live chunk, a file): the
    request is abandoned, nothing failed, and the server goes on."""
    from starlette.requests import ClientDisconnect

    return not (record.exc_info and isinstance(record.exc_info[1], ClientDisconnect))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpx2"):  # one INFO line per HTTP request (Gradio's, huggingface_hub's): noise
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").addFilter(_not_a_client_disconnect)
    demo = build_demo()
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    # The models load in the background while the server starts: the page is served at once and says so; an
    # analysis asked for meanwhile waits for the model (get_detector).
    _STARTUP.started = True
    threading.Thread(target=load_models, name="model-loader", daemon=True).start()
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_FILE_SIZE,
        theme=THEME,
        css=CSS,
        head=capture_head(),
        show_error=True,
        footer_links=["api", "gradio"],
        allowed_paths=[str(EXAMPLES_DIR)],
    )


if __name__ == "__main__":
    main()
