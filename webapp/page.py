"""The whole page: the title, the model's status line, the five tabs, and how it is launched (theme, style, the
capture script, limits)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import gradio as gr

from .about_tab import build_about_tab
from .analysis_tab import AnalysisTab
from .batch_tab import BatchTab
from .evaluate_tab import EvaluateTab
from .examples import find_examples
from .gradio_uploads import ApiUploads
from .live_session import LiveSessions
from .live_tab import LiveTab
from .model_pool import ModelPool
from .settings import ASSETS_DIR, EXAMPLES_DIR, LIMITS, Limits
from .texts import title_markdown
from .updates import bind, update_of
from .views import model_status_html

# Source Sans Pro as in Gradio's default theme, but with its Bold face: the SemiBold file shipped with gradio 6.31 holds
# only a few glyphs, so semibold text fell back to another font letter by letter. Weight 600 now resolves to Bold.
THEME = gr.themes.Default(
    primary_hue="indigo",
    neutral_hue="slate",
    radius_size="md",
    font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"],
)
STYLE = ASSETS_DIR / "style.css"
# In the page's <head>: every microphone capture asks for the signal as spoken.
CAPTURE_SCRIPT = ASSETS_DIR / "capture.js"


@dataclass
class StatusView:
    line: gr.HTML
    timer: gr.Timer


StatusUpdate = update_of(StatusView)


class ModelStatus:
    """The line under the title: "Loading the model…" while the startup loader runs, then nothing (or why the model
    could not be loaded); a timer refreshes it."""

    def __init__(self, pool: ModelPool):
        self.pool = pool

    def show(self) -> StatusUpdate:
        loading = self.pool.loading_state()
        if loading.state == "none":
            return StatusUpdate(line=gr.update(value="", visible=False), timer=gr.Timer(active=False))
        return StatusUpdate(line=gr.update(value=model_status_html(loading), visible=True),
                            timer=gr.Timer(active=loading.state in ("loading", "fetching")))

    def tick(self, shown: str = "") -> StatusUpdate:
        """The timer's tick: nothing while the model is still loading, or while the line the page ``shown`` would
        not change (an update every second, even an unchanged one, re-renders the page and stopped the live monitor's
        microphone stream from starting in 2 of 10 fresh starts; 0 of 12 with this), else ``show()``."""
        loading = self.pool.loading_state()
        if loading.state == "loading" or (loading.state != "none" and model_status_html(loading) == shown):
            return StatusUpdate()
        return self.show()

    def build(self, demo: gr.Blocks) -> None:
        view = StatusView(gr.HTML("", visible=False, elem_id="model-status"), gr.Timer(1.0, active=False))
        # Gradio's progress timer ("0.0s") would otherwise be drawn into the line while an event runs.
        options = dict(api_visibility="private", queue=False, show_progress="hidden")
        callback, outputs = bind(self.show, view)
        demo.load(callback, outputs=outputs, **options)
        callback, outputs = bind(self.tick, view)
        view.timer.tick(callback, inputs=view.line, outputs=outputs, **options)


def build_demo(pool: Optional[ModelPool] = None, uploads: Optional[ApiUploads] = None,
               sessions: Optional[LiveSessions] = None, limits: Limits = LIMITS,
               examples: Optional[list] = None) -> gr.Blocks:
    """The page. ``pool``, ``uploads`` and ``sessions`` are made here when not given (a test passes its own)."""
    pool = pool or ModelPool(concurrency=limits.concurrency)
    uploads = uploads or ApiUploads()
    examples = find_examples() if examples is None else examples
    analysis = AnalysisTab(pool, uploads, limits)
    live = LiveTab(pool, sessions, limits)
    batch = BatchTab(pool, limits)
    evaluation = EvaluateTab(pool, uploads, limits)
    # delete_cache: uploads and results are removed from the server an hour after they were made (checked every
    # 30 minutes), and all of them when it restarts.
    with gr.Blocks(title="AASIST: is this voice real?", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(title_markdown(pool.recommended))
        ModelStatus(pool).build(demo)
        with gr.Tabs() as tabs:
            with gr.Tab("Analyze a recording", id="single"):
                analysis.build(examples)
            with gr.Tab("Live", id="live"):
                live.build(analysis, tabs)
            with gr.Tab("Batch", id="batch"):
                batch.build()
            with gr.Tab("Evaluate", id="evaluate"):
                evaluation.build()
            with gr.Tab("API and about", id="about") as about:
                build_about_tab(about, limits)
        demo.unload(live.unload)
    uploads.attach(demo)
    return demo


def launch_options(limits: Limits = LIMITS) -> dict:
    """What ``demo.launch`` takes: where it listens (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT), the limits, the
    theme, the style and the capture script."""
    return dict(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=limits.max_file_size,
        theme=THEME,
        css=STYLE.read_text(),
        head=f"<script>\n{CAPTURE_SCRIPT.read_text()}</script>",
        show_error=True,
        footer_links=["api", "gradio"],
        allowed_paths=[str(EXAMPLES_DIR)],
    )
