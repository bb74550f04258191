"""The tab "Analyze a recording", and the API endpoint ``/analyze`` that shares its inputs.

The page's Analyze button and the examples show the verdict first, then the figures, then the model agreement and
the robustness check when asked for, and last the report to download.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import gradio as gr

from . import views
from .errors import unexpected_error
from .examples import example_label
from .gradio_uploads import ApiUploads, keep_example_copies, results_folder
from .model_pool import ModelPool, announced_loading
from .screen import figure_width_input, layout_for_width, measure_js
from .recordings import (
    CAPTURE_SETTINGS_JS,
    NO_CAPTURE_JS,
    add_demo_warnings,
    capture_settings,
    file_name,
    load_recording,
    preview_level,
)
from .settings import ANALYSES, DEFAULT_ANALYSIS, LIMITS, RECOMMENDED, Limits
from .texts import (
    HOW_TO_READ,
    HOW_TO_READ_ANTIDEEPFAKE,
    HOW_TO_READ_RAWNET2,
    HOW_TO_READ_W2V2,
    HOW_TO_READ_ROBUSTNESS,
    HOW_TO_READ_TIMELINE,
    HSGAL_NOTE,
    STAGE_PROGRESS,
    attention_beside_text,
    beside_progress_text,
    caveat_markdown,
    compare_option_text,
    comparing_text,
    limits_text,
    model_choice_text,
    recommended_choice_text,
    robustness_option_text,
)
from .updates import KEEP, bind, update_of

FIGURE = dict(show_label=False, interactive=False, elem_classes="figure")
SPECTRAL_LABEL, TEMPORAL_LABEL = "Frequency bands", "Moments"


def shown(image, **changes) -> dict:
    """An image component's update: the figure, or hidden when there is none (``changes``: its label, say)."""
    return gr.update(value=image, visible=image is not None, **changes)


def inner_figures(figures, result) -> dict:
    """What the model looked at, in the ``ResultView`` fields: AASIST's attention (over sinc bands, or over
    W2V2-AASIST's learnt features), RawNet2's bands and gates, or AntiDeepfake's per-frame scores, each with its own
    guide. The attention figures of a model run beside the verdict (AASIST beside AntiDeepfake) are labelled with its
    name, and its guide follows the verdict model's."""
    if figures.filter_scaling is not None:
        guide = HOW_TO_READ_RAWNET2
    elif figures.frame_scores is not None:
        guide = HOW_TO_READ_ANTIDEEPFAKE
    elif result.attention is not None and result.attention.spectral_axis == "feature":
        guide = HOW_TO_READ_W2V2
    else:
        guide = HOW_TO_READ
    beside = figures.attention_model not in (None, result.model)
    if beside:
        attention_guide = attention_beside_text(figures.attention_model, result.model) + HOW_TO_READ
        guide = attention_guide if figures.frame_scores is None else guide + "\n\n" + attention_guide
    named = (lambda label: f"{figures.attention_model}: {label.lower()}") if beside else (lambda label: label)
    return dict(spectral=shown(figures.spectral_attention, label=named(SPECTRAL_LABEL)),
                temporal=shown(figures.temporal_attention, label=named(TEMPORAL_LABEL)),
                filter_scaling=shown(figures.filter_scaling), frame_scores=shown(figures.frame_scores),
                heterogeneous=shown(figures.heterogeneous), how_to_read=guide,
                hsgal_note=gr.update(visible=figures.spectral_attention is not None))


@dataclass
class ResultView:
    """The components that show a result."""

    verdict: gr.HTML
    warnings: gr.HTML
    spectrogram: gr.Image
    spectral: gr.Image
    temporal: gr.Image
    filter_scaling: gr.Image  # RawNet2's look inside, in place of AASIST's attention
    frame_scores: gr.Image  # AntiDeepfake's per-frame scores, in place of AASIST's attention
    how_to_read: gr.Markdown
    hsgal_note: gr.Markdown
    heterogeneous: gr.Image
    result_json: gr.JSON
    robustness_summary: gr.HTML
    robustness_plot: gr.Image
    agreement: gr.HTML
    report: gr.DownloadButton
    caveat: gr.Markdown  # the limits of the model that gave the verdict


ResultUpdate = update_of(ResultView)


class AnalysisTab:
    """The recorder, the options and the result; ``analyze`` is the API."""

    def __init__(self, pool: ModelPool, uploads: Optional[ApiUploads] = None, limits: Limits = LIMITS):
        self.pool = pool
        self.uploads = uploads or ApiUploads()
        self.limits = limits

    # --- handlers -------------------------------------------------------------------------------------------------

    def analyze(self, audio: str, model: str = RECOMMENDED, analysis: str = DEFAULT_ANALYSIS,
                include_attention: bool = False, robustness: bool = False, compare_models: bool = False) -> dict:
        """API: the library's result dictionary (``DetectionResult.to_dict``) for one recording.

        audio: a recording (WAV, FLAC, MP3, OGG, AIFF); model: "recommended" (the page's default: AntiDeepfake-Small
        once fetched, AASIST's result beside it in "beside"; until then AASIST, with "notice" saying why), or a
        model of `python -m aasist models` (downloaded from the Hub on first use); analysis: "full" (the whole
        recording in 4 s windows) or "asvspoof" (the first 4 s, as the authors evaluate); include_attention: add the
        attention of the most decisive window; robustness: re-score under 8 benign edits and say whether the verdict
        holds ("robustness"); compare_models: score with the other published models too ("agreement").
        """
        # An API caller uploads the file anew with each call: it is deleted once no request needs it any more.
        with self.uploads.using(audio):
            try:
                loaded = load_recording(audio, self.limits.max_duration_s)
                plan = self.pool.plan(model)
                result = self.pool.analyze(loaded, plan.model, analysis, with_attention=bool(include_attention))
                result.file = file_name(audio)
                add_demo_warnings(result, loaded, self.limits.max_duration_s)
                if plan.beside:
                    self.pool.add_beside(result, loaded, plan.beside)
                if compare_models:  # neither runs without speech (ModelPool)
                    self.pool.add_agreement(result, loaded)
                if robustness:
                    self.pool.add_robustness(result, loaded)
                data = result.to_dict(include_attention=bool(include_attention))
                if loaded.truncated:
                    data["truncated_to_s"] = self.limits.max_duration_s
                if plan.notice:
                    data["notice"] = plan.notice
                return data
            except gr.Error:
                raise
            except Exception:  # never a traceback for the caller; the server keeps serving
                raise unexpected_error() from None

    def analyze_page(self, audio: str, model: str, analysis: str, capture: str = "", robustness: bool = True,
                     compare_models: bool = False, figure_width: float = 0, progress=gr.Progress()):
        """The page's Analyze button and examples (``ResultUpdate``s, in the order the page shows them).
        ``capture``: the browser's track settings when the recording was made on the page, else empty.
        ``figure_width``: the width the page shows the figures at (CSS px; 0 unknown): a phone's gets figures drawn
        for it (``aasist.views.layout``)."""
        from aasist.views.drawing import render_figure
        from aasist.views.plots import draw_all
        from aasist.views.robustness_figure import draw_robustness
        from aasist.views.report import write_report

        def on_stage(step) -> None:
            if step.stage == "beside":
                desc, unit = beside_progress_text(plan.beside), "models"
            else:
                desc, unit = STAGE_PROGRESS.get(step.stage) or (comparing_text(self.pool.others(plan.model)),
                                                                "models")
            progress((step.done, step.total), desc=desc, unit=unit)

        on_load = announced_loading(progress)
        try:
            started = time.perf_counter()
            progress(0, desc="Reading the recording")
            loaded = load_recording(audio, self.limits.max_duration_s)
            plan = self.pool.plan(model)
            # Why the verdict is AASIST's goes on the card while the stronger model is being fetched; when it could
            # not be fetched, the line under the title says so once, not every card.
            notice = "" if self.pool.fetch.state == "failed" else plan.notice
            self.pool.load(plan.model, on_load)  # a model downloaded on first use (RawNet2), or still loading
            progress(0, desc="Analysing")
            result = self.pool.analyze(loaded, plan.model, analysis, with_attention=True, progress=on_stage)
            result.file = file_name(audio)
            add_demo_warnings(result, loaded, self.limits.max_duration_s, capture_settings(capture))
            if plan.beside:
                self.pool.add_beside(result, loaded, plan.beside, progress=on_stage)
            # Without speech there is no verdict: the robustness check and the comparison are not run, and say so.
            no_speech = result.no_speech
            compare, check = compare_models and not no_speech, robustness and not no_speech
            if no_speech:
                robustness_summary = views.robustness_html(None, no_speech=True)
            else:
                robustness_summary = KEEP if robustness else views.robustness_html(None)
            yield ResultUpdate(verdict=views.verdict_html(result, time.perf_counter() - started, notice),
                               warnings=views.warnings_html(result.warnings), result_json=result.to_dict(),
                               robustness_summary=robustness_summary,
                               robustness_plot=gr.update(value=None) if no_speech else KEEP,
                               agreement=views.agreement_html(None, no_speech=no_speech and compare_models),
                               caveat=caveat_markdown(result.model))
            figures = draw_all(loaded, result, layout_for_width(figure_width))
            yield ResultUpdate(spectrogram=figures.spectrogram, **inner_figures(figures, result))
            if compare:
                self.pool.add_agreement(result, loaded, progress=on_stage, on_load=on_load)
            if check:
                self.pool.add_robustness(result, loaded, progress=on_stage)
                figures.robustness = render_figure(draw_robustness(result, figures.layout))
            if compare or check:
                yield ResultUpdate(
                    verdict=views.verdict_html(result, time.perf_counter() - started, notice),
                    result_json=result.to_dict(),
                    robustness_summary=views.robustness_html(result.robustness) if check else KEEP,
                    robustness_plot=figures.robustness if check else gr.update(value=None),
                    agreement=views.agreement_html(result.agreement))
            report = write_report(result, loaded, results_folder("aasist-reports"), source_path=audio,
                                  figures=figures)
            yield ResultUpdate(report=gr.update(value=str(report), interactive=True))
        except gr.Error:
            raise
        except Exception:
            raise unexpected_error() from None

    def input_level(self, audio: Optional[str]) -> str:
        """The level of the recording just made or uploaded, shown under the recorder."""
        return views.input_level_html(preview_level(audio))

    # --- the tab ----------------------------------------------------------------------------------------------------

    def build(self, examples: list) -> None:
        """The tab's components and events (inside ``gr.Tab``)."""
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                self._build_inputs(examples)
            with gr.Column(scale=6):
                verdict = gr.HTML(views.EMPTY_VERDICT, elem_id="verdict")
                warnings = gr.HTML("", elem_id="warnings")
                agreement = gr.HTML("", elem_id="agreement")
                report = gr.DownloadButton("Download report (HTML)", interactive=False, size="sm",
                                           elem_id="report-button")
                caveat = gr.Markdown(caveat_markdown(self.pool.recommended or self.pool.default),
                                     elem_classes="caveat", elem_id="caveat")
        spectrogram = gr.Image(label="Spectrogram and spoof probability over time", elem_id="spectrogram",
                               buttons=["download", "fullscreen"], **FIGURE)
        gr.Markdown(HOW_TO_READ_TIMELINE, elem_classes="caveat")
        gr.Markdown("## Would the verdict survive harmless changes?")
        robustness_summary = gr.HTML(views.robustness_html(None), elem_id="robustness-summary")
        robustness_plot = gr.Image(label="Robustness", elem_id="robustness", buttons=["download", "fullscreen"],
                                   **FIGURE)
        gr.Markdown(HOW_TO_READ_ROBUSTNESS, elem_classes="caveat")
        gr.Markdown("## What the model looked at")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                frame_scores = gr.Image(label="AntiDeepfake, frame by frame", elem_id="frame-scores", visible=False,
                                        buttons=["download", "fullscreen"], **FIGURE)
                spectral = gr.Image(label=SPECTRAL_LABEL, elem_id="spectral-attention",
                                    buttons=["download", "fullscreen"], **FIGURE)
                temporal = gr.Image(label=TEMPORAL_LABEL, elem_id="temporal-attention",
                                    buttons=["download", "fullscreen"], **FIGURE)
                filter_scaling = gr.Image(label="Inside RawNet2", elem_id="filter-scaling", visible=False,
                                          buttons=["download", "fullscreen"], **FIGURE)
            with gr.Column(scale=1, min_width=260):
                how_to_read = gr.Markdown(HOW_TO_READ, elem_id="how-to-read")
        hsgal_note = gr.Markdown(HSGAL_NOTE, elem_id="hsgal-note")
        heterogeneous = gr.Image(label="Mixed frequency-and-time layers", visible=False, elem_id="heterogeneous",
                                 **FIGURE)
        with gr.Accordion("Result as data (JSON)", open=False):
            result_json = gr.JSON(label="Result", elem_id="result-json")
        self.result = ResultView(verdict, warnings, spectrogram, spectral, temporal, filter_scaling, frame_scores,
                                 how_to_read, hsgal_note, heterogeneous, result_json, robustness_summary,
                                 robustness_plot, agreement, report, caveat)
        self._build_api()
        self._wire()

    def _build_inputs(self, examples: list) -> None:
        models = self.pool.models
        self.audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Speech recording",
                              elem_id="audio-input")
        # The browser's settings of the microphone track when the recording was made on the page
        # (assets/capture.js); empty for uploads and examples.
        self.capture = gr.Textbox("", visible=False, elem_id="capture-settings")
        self.figure_width = figure_width_input("analysis")
        self.level = gr.HTML("", elem_id="input-level")
        with gr.Row():
            info = model_choice_text(self.pool.on_demand)
            if self.pool.recommended:
                info = recommended_choice_text(self.pool.recommended, self.pool.default) + " " + info
            self.model = gr.Radio(self.pool.choices(), value=self.pool.default_choice, label="Model", elem_id="model",
                                  info=info)
            self.analysis = gr.Radio(ANALYSES, value=DEFAULT_ANALYSIS, label="Analysis", elem_id="analysis")
        with gr.Row():
            self.robustness = gr.Checkbox(True, label="Check robustness",
                                          info=robustness_option_text(self.pool.recommended),
                                          elem_id="robustness-option")
            self.compare = gr.Checkbox(False, label="Compare models", info=compare_option_text(models),
                                       elem_id="compare-option")
        self.button = gr.Button("Analyze", variant="primary", size="lg", elem_id="analyze-button")
        gr.Markdown(limits_text(self.limits), elem_classes="limits")
        self.examples = None
        if examples:
            self.examples = gr.Examples(
                [[str(p), self.pool.default_choice, DEFAULT_ANALYSIS] for p in examples],
                inputs=[self.audio, self.model, self.analysis], label="Examples: one click analyses",
                example_labels=[example_label(p) for p in examples], cache_examples=False, run_on_click=False,
                api_visibility="private", elem_id="examples",
            )
            keep_example_copies(self.audio)

    def _build_api(self) -> None:
        # The API endpoint /analyze: the same inputs, the result dictionary out. Triggered by a hidden button so the
        # page's own button can update the richer outputs without exposing them.
        self.api_inputs = [self.audio, self.model, self.analysis,
                           gr.Checkbox(False, label="include_attention", visible=False),
                           gr.Checkbox(False, label="robustness", visible=False),
                           gr.Checkbox(False, label="compare_models", visible=False)]
        self.api_trigger = gr.Button(visible=False)
        self.api_json = gr.JSON(label="result", visible=False)

    def _wire(self) -> None:
        shared_queue = dict(concurrency_limit=self.limits.concurrency, concurrency_id="analysis")
        private = dict(api_visibility="private")
        self.then_analyze(self.button.click)
        # A recording made on the page carries the browser's capture settings; an upload or an example carries none.
        self.audio.stop_recording(None, None, self.capture, js=CAPTURE_SETTINGS_JS, **private)
        for event in (self.audio.upload, self.audio.clear):
            event(None, None, self.capture, js=NO_CAPTURE_JS, **private)
        self.audio.change(self.input_level, inputs=self.audio, outputs=self.level, concurrency_limit=None,
                          show_progress="hidden", **private)
        if self.examples is not None:
            # Clicking an example fills the inputs, then runs the page's analysis (with the shared queue limits).
            self.then_analyze(self.examples.load_input_event.then(None, None, self.capture, js=NO_CAPTURE_JS,
                                                                  **private).then)
        self.api_trigger.click(self.analyze, inputs=self.api_inputs, outputs=self.api_json, api_name="analyze",
                               show_progress="hidden", **shared_queue)

    def then_analyze(self, listener) -> None:
        """Run the page's analysis on ``listener`` (an event listener: ``button.click``, ``event.then``), in the
        shared queue. First, in the browser, the width the figures are shown at is measured and, on a phone, the
        verdict scrolled into view. Progress shows on the verdict card and the spectrogram only: an overlay on every
        output would cover text."""
        measured = listener(None, None, self.figure_width, js=measure_js("spectrogram", scroll_to="verdict"),
                            api_visibility="private", queue=False)
        callback, outputs = bind(self.analyze_page, self.result)
        measured.then(callback, inputs=[self.audio, self.model, self.analysis, self.capture, self.robustness,
                                        self.compare, self.figure_width],
                      outputs=outputs, api_visibility="private", concurrency_limit=self.limits.concurrency,
                      concurrency_id="analysis", show_progress_on=[self.result.verdict, self.result.spectrogram])
