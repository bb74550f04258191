"""The tab "API and about": how to call the demo from Python, its limits and the models."""

from __future__ import annotations

import gradio as gr

from .settings import LIMITS, Limits
from .texts import api_text, models_markdown


def build_about_tab(tab: gr.Tab, limits: Limits = LIMITS) -> None:
    """The tab's content (inside ``tab``)."""
    gr.Markdown(api_text(limits))
    models = gr.Markdown(models_markdown(), elem_id="models-list")
    # Read again each time the tab is opened: a model checked since the page was built (its known-answer check, on
    # its first download) is listed with the result. On the tab's select event, not the page's load: an extra load
    # event re-renders the page, and a page update at load once kept the live monitor's microphone from starting.
    tab.select(models_markdown, outputs=models, api_visibility="private", queue=False, show_progress="hidden")
