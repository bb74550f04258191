"""The one sentence a visitor sees when something goes wrong: never a traceback."""

from __future__ import annotations

import logging

import gradio as gr

log = logging.getLogger("aasist.app")

UNEXPECTED = "Something went wrong while analysing this recording; please try another file."


def user_error(message: str) -> gr.Error:
    """An expected problem (a bad file, a wrong option): the message for the visitor, no traceback in the log."""
    return gr.Error(message, print_exception=False)


def unexpected_error() -> gr.Error:
    """A bug or a failure nobody foresaw: the traceback goes to the log once (call it in an ``except``), the
    visitor gets one sentence."""
    log.exception("analysis failed")
    return user_error(UNEXPECTED)
