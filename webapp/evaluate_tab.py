"""The tab "Evaluate", and the API endpoint ``/evaluate``: how well do the models do on the visitor's own labelled
recordings?

Recordings come as two drops (real, AI-generated) or as one zip of labelled folders, or both
(``webapp.labelled_uploads``: checked, a zip unpacked into a temporary folder removed afterwards). The library
(``aasist.evaluation``) scores each with every chosen model and computes the numbers; the page shows each model's
EER with its interval, its errors at 0.5, the DET chart, the score distributions, the recordings called most wrong,
those left out, the evaluation as JSON and as an HTML report. The charts are drawn for the width the page shows them
at (``webapp.screen``): a phone gets its own. Every model run takes one of the pool's compute slots, as an analysis
does.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import gradio as gr

from aasist.views.present import EVALUATION_MODEL_COLUMNS, keep_units_together

from . import views
from .analysis_tab import FIGURE
from .errors import unexpected_error, user_error
from .gradio_uploads import ApiUploads, results_folder
from .labelled_uploads import labelled_recordings, path_of
from .model_pool import ModelPool, announced_loading
from .screen import figure_width_input, layout_for_width, measure_js
from .settings import AUDIO_SUFFIXES, LIMITS, Limits
from .texts import EVALUATE_ZIP_INFO, and_list, evaluate_intro, model_choice_text
from .updates import bind, update_of

if TYPE_CHECKING:
    from aasist.evaluation.evaluation import Evaluation

log = logging.getLogger("aasist.app")

# The tables: each model's numbers (the report's columns, aasist.views.present), the calls most wrong, those left
# out. As all the page's text, their headers and cells have each number joined to its unit ("95 % interval",
# keep_units_together).
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

NO_MODEL = "Tick at least one model."
UNEXPECTED = "Something went wrong while evaluating these recordings; please try again, or with other files."


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
                stack.enter_context(self.uploads.using(path_of(path)))
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
                recordings = labelled_recordings(bonafide, spoof, archive, Path(scratch), self.limits, progress)
                on_load = announced_loading(progress)
                detectors = [SlotDetector(self.pool.load(model, on_load), self.pool) for model in chosen]
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
