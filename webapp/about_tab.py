"""The tab "API and about": how to call the demo from Python, its limits and the models."""

from __future__ import annotations

import gradio as gr

from .settings import LIMITS, Limits
from .texts import api_text, models_markdown


def build_about_tab(limits: Limits = LIMITS) -> None:
    """The tab's content (inside ``gr.Tab``)."""
    gr.Markdown(api_text(limits))
    # A function, not its text: Gradio calls it on each page load, so a model checked since the page was built
    # (its known-answer check, on its first download) is listed with the result.
    gr.Markdown(models_markdown, elem_id="models-list")
