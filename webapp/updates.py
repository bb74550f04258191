"""Page updates as named structures: a handler returns (or yields) a dataclass whose fields are named like the
components it updates, and ``bind`` turns it into what Gradio takes (a dict keyed by component).

    @dataclass
    class LiveView:                         # the components, built once
        status: gr.HTML
        log: gr.HTML

    LiveUpdate = update_of(LiveView)        # what one event changes: LiveUpdate(status=...); KEEP leaves the rest

    callback, outputs = bind(tab.chunk, view)     # tab.chunk returns a LiveUpdate
    audio.stream(callback, inputs=[...], outputs=outputs)

A page handler's ``gr.Error`` reaches the visitor as a toast: ``bind`` joins its numbers to their units
(``aasist.views.present.keep_units_together``), as everywhere on the page. The API's handlers are not bound: their
errors keep plain spaces for the scripts that read them.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any, Callable, Optional, Sequence

import gradio as gr

from aasist.views.present import keep_units_together


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # a field left as it is: the component keeps what it shows


@dataclass
class Update:
    """Base of the page updates: every field is a component's new value, or ``KEEP``."""

    def changes(self) -> dict:
        """The fields that change something, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP}


def update_of(view: type) -> type:
    """The ``Update`` dataclass of a view (a dataclass of components): the same field names, each ``KEEP`` unless
    given. Named after the view: ``LiveView`` gives ``LiveUpdate``."""
    name = view.__name__.removesuffix("View") + "Update"
    doc = f"What an event changes in a {view.__name__}."
    return make_dataclass(name, [(f.name, Any, field(default=KEEP)) for f in fields(view)], bases=(Update,),
                          namespace={"__module__": view.__module__, "__doc__": doc})


def shown_in_a_toast(error: gr.Error) -> None:
    """Join the numbers of ``error``'s message to their units (in place): "at most 200 MB"."""
    error.message = keep_units_together(error.message)
    error.args = (error.message,)


def bind(handler: Callable, view, names: Optional[Sequence[str]] = None) -> tuple[Callable, list]:
    """(callback, outputs) for a Gradio event: ``handler`` returns or yields ``Update``s named like ``view``'s
    fields (a dataclass of components); ``outputs`` lists those components (only ``names``, when given: the
    updates then change no others). The callback keeps the handler's signature, so Gradio still passes
    ``gr.Request`` and ``gr.Progress`` to it; a ``gr.Error`` it raises is ``shown_in_a_toast``."""
    outputs = [getattr(view, name) for name in (names or [f.name for f in fields(view)])]

    def for_gradio(update: Update):
        changes = {getattr(view, name): value for name, value in update.changes().items()}
        return changes or gr.skip()

    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def stream(*args, **kwargs):
            try:
                for update in handler(*args, **kwargs):
                    yield for_gradio(update)
            except gr.Error as error:
                shown_in_a_toast(error)
                raise

        return stream, outputs

    @functools.wraps(handler)
    def callback(*args, **kwargs):
        try:
            return for_gradio(handler(*args, **kwargs))
        except gr.Error as error:
            shown_in_a_toast(error)
            raise

    return callback, outputs
