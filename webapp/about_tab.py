"""The tab "API and about": how to call the demo from Python, its limits and the models."""

from __future__ import annotations

import gradio as gr

from .settings import LIMITS, Limits
from .texts import api_text, models_markdown


def build_about_tab(limits: Limits = LIMITS) -> None:
    """The tab's content (inside ``gr.Tab``)."""
    gr.Markdown(api_text(limits))
    gr.Markdown(models_markdown(), elem_id="models-list")
