"""The tab "Evaluate", and the API endpoint ``/evaluate``: how well do the models do on the visitor's own labelled
recordings?

Recordings come as two drops (real, AI-generated) or as one zip of labelled folders (``bonafide/`` or ``real/``,
``spoof/`` or ``fake/``, at any depth), or both. The library (``aasist.evaluation.evaluation``) scores each with every chosen
model and computes the numbers; the page shows each model's EER with its interval, its errors at 0.5, the DET chart,
the score distributions, the recordings called most wrong, those left out, the evaluation as JSON and as an HTML
report. The charts are drawn for the width the page shows them at (``webapp.screen``): a phone gets its own.

A zip is unpacked into a temporary folder that is removed afterwards; no name inside it becomes a path on the server
(each recording is written as ``<its number>/<its file name>``), and the number and size of its recordings are
checked before anything is unpacked (``Limits``). Every model run takes one of the pool's compute slots, as an
analysis does.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import time
import uuid
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Optional

import gradio as gr

from aasist.views.present import EVALUATION_MODEL_COLUMNS, keep_units_together

from . import views
from .analysis_tab import FIGURE
from .errors import unexpected_error, user_error
from .gradio_uploads import ApiUploads, results_folder
from .model_pool import ModelPool
from .recordings import file_name
from .screen import figure_width_input, layout_for_width, measure_js
from .settings import AUDIO_SUFFIXES, LIMITS, Limits
from .texts import (
    EVALUATE_ZIP_INFO,
    and_list,
    downloading_text,
    duration_text,
    evaluate_intro,
    loading_model_text,
    model_choice_text,
)
from .updates import bind, update_of

if TYPE_CHECKING:
    from aasist.evaluation.evaluation import Evaluation

log = logging.getLogger("aasist.app")

# The tables: each model's numbers (the report's columns, aasist.views.present), the calls most wrong, those left out. As all
# the page's text, their headers and cells have each number joined to its unit ("95 % interval", keep_units_together).
MODEL_COLUMNS = tuple(keep_units_together(title) for _, title in EVALUATION_MODEL_COLUMNS)
WRONG_COLUMNS = ("Recording", "Label", "Model", "Spoof probability", "Called at 0.5")
LEFT_OUT_COLUMNS = ("Recording", "Label", "Why it was left out")
MOST_WRONG = 10  # rows of the most-wrong table
# The tables on a phone: a file name takes a share of the width and breaks inside its cell (rather than push the
# other columns out of view), so does the reason a recording was left out; the short columns of the most wrong keep
# their natural width ("auto"). A table wider than the screen scrolls inside itself, its first column (the
# recording, the model) pinned.
WRONG_WIDTHS = ("40%", "auto", "auto", "auto", "auto")
LEFT_OUT_WIDTHS = ("30%", "20%", "50%")
# The element whose width the charts are drawn for: the summary, as wide as the charts below it and, unlike them,
# laid out before the first evaluation (hidden, they measure 0).
MEASURED = "evaluate-summary"

NO_RECORDINGS = ("Give labelled recordings first: real ones in the first box and AI-generated ones in the second, or "
                 "a zip with bonafide/ and spoof/ folders.")
NO_MODEL = "Tick at least one model."
UNEXPECTED = "Something went wrong while evaluating these recordings; please try again, or with other files."
COPY_BLOCK = 1 << 20


def missing_class_text(missing: str) -> str:
    """The sentence when one kind of recording was not given (``missing``: "bona fide" or "spoof")."""
    kind = "real (bona fide)" if missing == "bona fide" else "AI-generated (spoof)"
    return (f"Give {kind} recordings too: the EER measures how well a model tells the two kinds apart, so it needs "
            "both.")


@dataclass(frozen=True)
class Recording:
    """A labelled recording on the server: where it is, its label, and what the page calls it."""

    path: str
    label: str  # aasist.evaluation.evaluation.BONA_FIDE or SPOOF
    name: str


class SlotDetector:
    """A detector of the pool whose every model run takes one of the pool's compute slots (as ``ModelPool.analyze``
    does for an analysis); everything else is the detector's."""

    def __init__(self, detector, pool: ModelPool):
        self._detector = detector
        self._pool = pool

    def analyze(self, *args, **kwargs):
        with self._pool.compute_slot():
            return self._detector.analyze(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._detector, name)


# --- a zip of labelled folders -----------------------------------------------------------------------------------


def _member_parts(info: zipfile.ZipInfo) -> tuple:
    """The parts of a member's name, as the visitor sees them (``.``, ``..`` and empty parts dropped; both slashes
    separate): only used for labels and names, never as a path."""
    return tuple(p for p in PurePosixPath(info.filename.replace("\\", "/")).parts if p not in ("", ".", "..", "/"))


def _is_recording(info: zipfile.ZipInfo, parts: tuple) -> bool:
    """An audio file of the set: not a folder, a link, or hidden (macOS's ``__MACOSX/`` and ``._`` copies)."""
    from aasist.audio.labels import AUDIO_SUFFIXES as EVALUATED_SUFFIXES

    if info.is_dir() or not parts or stat.S_ISLNK(info.external_attr >> 16):
        return False
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return PurePosixPath(parts[-1]).suffix.lower() in EVALUATED_SUFFIXES


def _safe_leaf(name: str) -> str:
    """A file name to write a member under: the member's own (so that error messages name it), kept short."""
    suffix = PurePosixPath(name).suffix[:10]
    stem = name[: len(name) - len(suffix)] if suffix else name
    stem = "".join(c if c.isprintable() else "_" for c in stem).strip() or "recording"
    return stem[:100] + suffix


def unpack_recordings(archive: str, folder: Path, limits: Limits, counted: int = 0, size: int = 0) -> list:
    """The labelled recordings of a zip (``Recording``), unpacked into ``folder``. ``counted`` recordings of
    ``size`` bytes are already given (the drops): the limits are on the whole set. A ``gr.Error`` (one sentence) when
    the zip cannot be read, is too large, or holds recordings outside labelled folders or none at all."""
    from aasist.audio.labels import folder_label

    name = file_name(archive)
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [(info, _member_parts(info)) for info in zipped.infolist()]
            members = [(info, parts) for info, parts in members if _is_recording(info, parts)]
            if not members:
                raise user_error(f"'{name}' holds no recordings (WAV, FLAC, MP3, OGG, Opus or AIFF files); put them "
                                 "in folders named bonafide/ (or real/) and spoof/ (or fake/).")
            # Only folders inside the zip count, never where it was unpacked.
            labels = [folder_label(parts[:-1]) for _, parts in members]
            unlabelled = ["/".join(parts) for (_, parts), label in zip(members, labels) if label is None]
            if len(unlabelled) == len(members):
                raise user_error(f"'{name}' holds no folder named bonafide/real or spoof/fake: put the real recordings "
                                 "in a folder named bonafide and the AI-generated ones in one named spoof.")
            if unlabelled:
                raise user_error(f"{len(unlabelled)} recording(s) in '{name}' lie in no folder named bonafide/real or "
                                 f"spoof/fake (e.g. '{unlabelled[0]}'); put them in such a folder or leave them out.")
            _check_count(counted + len(members), limits)
            _check_size(size + sum(info.file_size for info, _ in members), limits)
            if any(info.flag_bits & 0x1 for info, _ in members):
                raise user_error(f"'{name}' is protected by a password; zip the recordings again without one.")
            budget = limits.max_evaluation_mb * 1e6 - size
            recordings = []
            for number, ((info, parts), label) in enumerate(zip(members, labels)):
                target = folder / f"{number:05d}" / _safe_leaf(parts[-1])
                target.parent.mkdir(parents=True)
                with zipped.open(info) as source, open(target, "wb") as out:
                    while block := source.read(COPY_BLOCK):
                        budget -= len(block)
                        if budget < 0:  # a member larger than its header said
                            raise user_error(f"The recordings in '{name}' take more than "
                                             f"{limits.max_evaluation_mb:g} MB unpacked; this demo evaluates at most "
                                             f"{limits.max_evaluation_mb:g} MB at a time.")
                        out.write(block)
                recordings.append(Recording(str(target), label, "/".join(parts)))
            return recordings
    except gr.Error:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as err:
        log.info("unreadable zip %s: %s", name, err)
        raise user_error(f"'{name}' is not a zip archive that can be read (it may be damaged, or use a compression "
                         "this demo cannot unpack); zip the folders again.") from None


def _check_count(n: int, limits: Limits) -> None:
    if n > limits.max_evaluation_files:
        raise user_error(f"That is {n} recordings; this demo evaluates at most {limits.max_evaluation_files} at a "
                         "time.")


def _check_size(total_bytes: int, limits: Limits) -> None:
    if total_bytes > limits.max_evaluation_mb * 1e6:
        raise user_error(f"The recordings take {total_bytes / 1e6:.0f} MB; this demo evaluates at most "
                         f"{limits.max_evaluation_mb:g} MB at a time.")


def total_duration_s(recordings: list) -> float:
    """The recordings' total length as their headers give it (a file that cannot be opened counts 0: the evaluation
    lists it with its error)."""
    from aasist.audio.decoding import SAMPLE_RATE, DecodedStream

    total = 0.0
    for recording in recordings:
        try:
            with DecodedStream(recording.path) as decoded:
                samples = decoded.expected_samples
        except Exception:  # noqa: BLE001 - any file that cannot be opened is the evaluation's to report
            continue
        total += (samples or 0) / SAMPLE_RATE
    return total


# --- the tab -------------------------------------------------------------------------------------------------------


@dataclass
class EvaluateView:
    summary: gr.HTML  # what was evaluated, and the notes
    results: gr.Column  # everything below, hidden until the first evaluation
    table: gr.Dataframe
    det: gr.Image
    distributions: gr.Image
    most_wrong_note: gr.Markdown
    most_wrong: gr.Dataframe
    left_out_note: gr.Markdown
    left_out: gr.Dataframe
    result_json: gr.JSON
    report: gr.DownloadButton


EvaluateUpdate = update_of(EvaluateView)


class EvaluateTab:
    """Labelled recordings in, each chosen model's numbers out; ``evaluate`` is the API."""

    def __init__(self, pool: ModelPool, uploads: Optional[ApiUploads] = None, limits: Limits = LIMITS):
        self.pool = pool
        self.uploads = uploads or ApiUploads()
        self.limits = limits

    @property
    def default_models(self) -> list:
        """Ticked at first: the models that ship with the app (AASIST and AASIST-L), not those fetched on demand."""
        return [m for m in self.pool.models if m not in self.pool.on_demand]

    # --- handlers -------------------------------------------------------------------------------------------------

    def evaluate(self, bonafide: Optional[list] = None, spoof: Optional[list] = None, archive: Optional[str] = None,
                 models: Optional[list] = None) -> dict:
        """API: the evaluation as a dictionary (``aasist.evaluation.evaluation.Evaluation.to_dict``).

        bonafide: real recordings; spoof: AI-generated recordings; archive: or a zip with bonafide/ (or real/) and
        spoof/ (or fake/) folders at any depth (both ways may be combined); models: the models to evaluate (default
        AASIST and AASIST-L). Each model gets its EER in percent with a 95 % bootstrap interval, the threshold at the
        EER (a spoof probability), its false alarms and misses at 0.5, and every recording its spoof probabilities
        (or the error that left it out).
        """
        with ExitStack() as stack:  # an API caller's uploads are deleted once they have been used
            for path in [*(bonafide or []), *(spoof or []), *([archive] if archive else [])]:
                stack.enter_context(self.uploads.using(_path_of(path)))
            return self._evaluate(bonafide, spoof, archive, models).to_dict()

    def evaluate_page(self, bonafide: Optional[list], spoof: Optional[list], archive: Optional[str],
                      models: Optional[list], figure_width: float = 0, progress=gr.Progress()):
        """The page's Evaluate button (``EvaluateUpdate``s): the notes, the table, the charts, the most wrong and
        left-out recordings and the JSON; then the report. ``figure_width``: the width the page shows the charts at
        (CSS px; 0 unknown): a phone's gets charts drawn for it (``aasist.views.layout``)."""
        from aasist.views.evaluation_report import evaluation_figures, write_evaluation_report
        from aasist.views.present import (
            EVALUATION_LEFT_OUT_INTRO,
            EVALUATION_MOST_WRONG_INTRO,
            EVALUATION_NOTHING_LEFT_OUT,
            EVALUATION_NOTHING_WRONG,
        )

        started = time.perf_counter()
        evaluation = self._evaluate(bonafide, spoof, archive, models, progress)
        elapsed = time.perf_counter() - started
        try:
            progress(None, desc="Drawing the charts")
            figures = evaluation_figures(evaluation, layout_for_width(figure_width))
            wrong, left_out = most_wrong_table(evaluation), left_out_table(evaluation)
            yield EvaluateUpdate(
                summary=views.evaluation_summary_html(evaluation, elapsed), results=gr.update(visible=True),
                table=model_table(evaluation), det=figures.det, distributions=figures.scores,
                most_wrong_note=keep_units_together(EVALUATION_MOST_WRONG_INTRO if len(wrong)
                                                    else EVALUATION_NOTHING_WRONG),
                most_wrong=gr.update(value=wrong, visible=len(wrong) > 0),
                left_out_note=keep_units_together(EVALUATION_LEFT_OUT_INTRO if len(left_out)
                                                  else EVALUATION_NOTHING_LEFT_OUT),
                left_out=gr.update(value=left_out, visible=len(left_out) > 0),
                result_json=evaluation.to_dict(), report=gr.update(value=None, interactive=False))
            # The report after the results: it draws the charts for the other screen too (to embed both).
            # A folder of its own: the report's address cannot be guessed from another visitor's.
            folder = results_folder("aasist-evaluations") / uuid.uuid4().hex
            report = write_evaluation_report(evaluation, folder, figures=figures)
            yield EvaluateUpdate(report=gr.update(value=str(report), interactive=True))
        except Exception:
            raise unexpected_error(UNEXPECTED, "evaluation output failed") from None

    def _evaluate(self, bonafide, spoof, archive, models, progress=None) -> Evaluation:
        """The evaluation of the given recordings by the chosen models, the recordings named as the visitor knows
        them; a ``gr.Error`` (one sentence) for anything wrong with the input."""
        from aasist.audio.labels import EvaluationError, LabelledFile
        from aasist.evaluation.evaluation import evaluate

        progress = progress or (lambda *args, **kwargs: None)
        try:
            chosen = self._models(models)
            with tempfile.TemporaryDirectory(prefix="aasist-evaluate-") as scratch:
                recordings = self._recordings(bonafide, spoof, archive, Path(scratch), progress)
                detectors = [SlotDetector(self._load(model, progress), self.pool) for model in chosen]
                total = len(recordings)
                progress((0, total), desc=f"Scoring with {and_list(chosen)}", unit="recordings")
                try:
                    evaluation = evaluate(
                        [LabelledFile(r.path, r.label) for r in recordings], detectors,
                        progress=lambda done, n: progress((done, n), desc=f"Scoring with {and_list(chosen)}",
                                                          unit="recordings"))
                except EvaluationError as err:
                    raise user_error(str(err)) from None
        except gr.Error:
            raise
        except Exception:  # never a traceback for the visitor; the server keeps serving
            raise unexpected_error(UNEXPECTED, "evaluation failed") from None
        for score, recording in zip(evaluation.files, recordings):  # evaluation.files: in the order given
            score.file = recording.name  # not the server's temporary path
        return evaluation

    def _models(self, models: Optional[list]) -> list:
        chosen = self.default_models if models is None else list(dict.fromkeys(models))
        if not chosen:
            raise user_error(NO_MODEL)
        for model in chosen:
            self.pool.check(model)
        return chosen

    def _load(self, model: str, progress):
        """The pool's detector of ``model``; a model fetched on first use says so and shows its download."""
        if self.pool.is_loaded(model):
            return self.pool.get(model)
        progress(None, desc=loading_model_text(model))
        return self.pool.get(model, download_progress=lambda done, total: progress(
            done / total if total else None, desc=downloading_text(model, done, total)))

    def _recordings(self, bonafide, spoof, archive, folder: Path, progress) -> list:
        """Every labelled recording given, checked against the limits; the zip unpacked into ``folder``."""
        from aasist.evaluation.evaluation import BONA_FIDE, SPOOF

        paths = [(_path_of(p), label) for given, label in ((bonafide, BONA_FIDE), (spoof, SPOOF))
                 for p in (given or [])]
        recordings = [Recording(path, label, file_name(path)) for path, label in paths]
        if not recordings and not archive:
            raise user_error(NO_RECORDINGS)
        _check_count(len(recordings), self.limits)
        size = sum(_size(r.path) for r in recordings)
        _check_size(size, self.limits)
        if archive:
            progress(None, desc="Unpacking the zip")
            recordings += unpack_recordings(_path_of(archive), folder, self.limits, len(recordings), size)
        for label in (BONA_FIDE, SPOOF):
            if not any(r.label == label for r in recordings):
                raise user_error(missing_class_text(label))
        progress(None, desc="Reading the recordings")
        seconds = total_duration_s(recordings)
        if seconds > self.limits.max_evaluation_audio_s:
            raise user_error(f"The recordings last {_length_text(seconds)} in all; this demo evaluates at most "
                             f"{duration_text(self.limits.max_evaluation_audio_s)} of audio at a time.")
        return recordings

    # --- the tab ----------------------------------------------------------------------------------------------------

    def build(self) -> None:
        """The tab's components and events (inside ``gr.Tab``)."""
        from aasist.views.present import (
            EVALUATION_DET_CAPTION,
            EVALUATION_LIMITS,
            EVALUATION_MODELS_INTRO,
            EVALUATION_SCORES_CAPTION,
        )

        gr.Markdown(evaluate_intro(self.limits), elem_id="evaluate-intro")
        suffixes = sorted(AUDIO_SUFFIXES)
        with gr.Row(equal_height=False):
            with gr.Column(scale=2):
                with gr.Row():
                    bonafide = gr.File(file_count="multiple", file_types=suffixes, label="Bona fide (real) recordings",
                                       elem_id="evaluate-bonafide")
                    spoof = gr.File(file_count="multiple", file_types=suffixes,
                                    label="Spoof (AI-generated) recordings", elem_id="evaluate-spoof")
                archive = gr.File(file_count="single", file_types=[".zip"], label="Or a zip of labelled folders",
                                  elem_id="evaluate-zip", height=120)
                gr.Markdown(EVALUATE_ZIP_INFO, elem_classes="limits")
            with gr.Column(scale=1):
                models = gr.CheckboxGroup(self.pool.models, value=self.default_models, label="Models",
                                          info=model_choice_text(self.pool.on_demand), elem_id="evaluate-models")
                button = gr.Button("Evaluate", variant="primary", size="lg", elem_id="evaluate-button")
                report = gr.DownloadButton("Download report (HTML)", interactive=False, size="sm",
                                           elem_id="evaluate-report")
        summary = gr.HTML(views.EMPTY_EVALUATION, elem_id="evaluate-summary")
        figure_width = figure_width_input("evaluate")
        with gr.Column(visible=False, elem_id="evaluate-results") as results:
            table = gr.Dataframe(headers=list(MODEL_COLUMNS), interactive=False, label="Each model on these recordings",
                                 elem_id="evaluate-table", wrap=True, pinned_columns=1)
            gr.Markdown(keep_units_together(f"{EVALUATION_MODELS_INTRO} {EVALUATION_LIMITS}"), elem_classes="caveat")
            det = gr.Image(label="DET curves", elem_id="evaluate-det", buttons=["download", "fullscreen"], **FIGURE)
            gr.Markdown(keep_units_together(EVALUATION_DET_CAPTION), elem_classes="caveat")
            distributions = gr.Image(label="Score distributions", elem_id="evaluate-distributions",
                                     buttons=["download", "fullscreen"], **FIGURE)
            gr.Markdown(keep_units_together(EVALUATION_SCORES_CAPTION), elem_classes="caveat")
            gr.Markdown("### Most wrong")
            most_wrong_note = gr.Markdown("", elem_id="evaluate-wrong-note")
            most_wrong = gr.Dataframe(headers=list(WRONG_COLUMNS), interactive=False, wrap=True, show_label=False,
                                      column_widths=list(WRONG_WIDTHS), pinned_columns=1, elem_id="evaluate-wrong")
            gr.Markdown("### Left out")
            left_out_note = gr.Markdown("", elem_id="evaluate-left-out-note")
            left_out = gr.Dataframe(headers=list(LEFT_OUT_COLUMNS), interactive=False, wrap=True, show_label=False,
                                    column_widths=list(LEFT_OUT_WIDTHS), elem_id="evaluate-left-out")
            with gr.Accordion("Evaluation as data (JSON)", open=False):
                result_json = gr.JSON(label="Evaluation", elem_id="evaluate-json")
        view = EvaluateView(summary, results, table, det, distributions, most_wrong_note, most_wrong, left_out_note,
                            left_out, result_json, report)
        inputs = [bonafide, spoof, archive, models]
        shared_queue = dict(concurrency_limit=self.limits.concurrency, concurrency_id="analysis")
        callback, outputs = bind(self.evaluate_page, view)
        # First, in the browser, the width the charts are shown at, and on a phone the summary scrolled into view
        # (the results are below the inputs). Progress on the summary only: an overlay on every output would cover
        # the previous results' text.
        measure = measure_js(MEASURED, scroll_to="evaluate-summary")
        measured = button.click(None, None, figure_width, js=measure, api_visibility="private", queue=False)
        evaluated = measured.then(callback, inputs=[*inputs, figure_width], outputs=outputs, api_visibility="private",
                                  show_progress_on=[summary], **shared_queue)
        # Before the first results the page may be too short to bring the summary up; once they are in, again.
        evaluated.success(None, None, None, js=measure, api_visibility="private", queue=False)
        # The API endpoint /evaluate: the same inputs, the evaluation's dictionary out (a hidden trigger, as /analyze).
        api_trigger = gr.Button(visible=False)
        api_json = gr.JSON(label="evaluation", visible=False)
        api_trigger.click(self.evaluate, inputs=inputs, outputs=api_json, api_name="evaluate", show_progress="hidden",
                          **shared_queue)


# --- the tables ------------------------------------------------------------------------------------------------------


def model_table(evaluation: Evaluation):
    """Each model's numbers, a row per model (``MODEL_COLUMNS``), worded as in the HTML report."""
    import pandas as pd
    from aasist.views.present import evaluation_model_row

    rows = [[keep_units_together(text) if isinstance(text, str) else text for text in evaluation_model_row(m)]
            for m in evaluation.models]
    return pd.DataFrame(rows, columns=list(MODEL_COLUMNS))


def most_wrong_table(evaluation: Evaluation):
    """The calls at 0.5 that are most wrong, over all models, the furthest past 0.5 first (``WRONG_COLUMNS``)."""
    import pandas as pd

    rows = [[w.file, w.label, w.model, round(w.spoof_probability, 4), w.called]
            for w in evaluation.most_wrong(MOST_WRONG)]
    return pd.DataFrame(rows, columns=list(WRONG_COLUMNS))


def left_out_table(evaluation: Evaluation):
    """The recordings left out of the numbers and why (``LEFT_OUT_COLUMNS``): those that could not be decoded, with
    the error, then those without speech."""
    import pandas as pd
    from aasist.views.present import EVALUATION_NO_SPEECH, EVALUATION_NOT_DECODED

    rows = [[f.file, f.label, keep_units_together(f"{EVALUATION_NOT_DECODED}: {f.error}")]
            for f in evaluation.failed_files]
    rows += [[f.file, f.label, EVALUATION_NO_SPEECH] for f in evaluation.no_speech_files]
    return pd.DataFrame(rows, columns=list(LEFT_OUT_COLUMNS))


def _path_of(upload) -> str:
    """An upload's path (Gradio gives a path; older clients an object with ``.name``)."""
    return str(getattr(upload, "name", upload))


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # gone: the evaluation lists it with its error


def _length_text(seconds: float) -> str:
    """'45 s', '12 min', '1 h 23 min'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
