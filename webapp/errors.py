"""The one sentence a visitor sees when something goes wrong: never a traceback."""

from __future__ import annotations

import logging

import gradio as gr

log = logging.getLogger("aasist.app")

UNEXPECTED = "Something went wrong while analysing this recording; please try another file."


def user_error(message: str) -> gr.Error:
    """An expected problem (a bad file, a wrong option): the message for the visitor, no traceback in the log."""
    return gr.Error(message, print_exception=False)


def unexpected_error(message: str = UNEXPECTED, what: str = "analysis failed") -> gr.Error:
    """A bug or a failure nobody foresaw: the traceback goes to the log once, under ``what`` (call it in an
    ``except``), the visitor gets one sentence, ``message``."""
    log.exception(what)
    return user_error(message)
