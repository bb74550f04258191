"""What the page tells the server about the screen it is shown on: how wide its figures are, so that a phone gets
figures drawn for it (``aasist.views.layout``); and, on a phone, the result brought into view after a click.

An event that draws figures takes a hidden ``figure_width`` input, filled in the browser just before it runs:

    width = figure_width_input("analysis")
    button.click(None, None, width, js=measure_js("spectrogram", scroll_to="verdict")).then(draw, [..., width], ...)
    layout_for_width(width_value)  # in the handler: DESKTOP, or a narrow Layout
"""

from __future__ import annotations

import gradio as gr

from aasist.views.layout import NARROW_BELOW_PX, layout_for_width

__all__ = ["figure_width_input", "layout_for_width", "measure_js"]


def figure_width_input(name: str) -> gr.Number:
    """The hidden input that carries the width (CSS px) the page shows ``name``'s figures at; 0 when unknown."""
    return gr.Number(0, visible=False, precision=0, elem_id=f"{name}-figure-width")


def measure_js(figure_id: str, scroll_to: str = "") -> str:
    """The browser side: the width of the element ``figure_id`` (a figure's component) in CSS px, or the window's
    when it is not laid out. When that is a phone's width (under ``NARROW_BELOW_PX``) and ``scroll_to`` is given,
    that element is scrolled to the top of the screen: below the inputs, a phone would not show it otherwise."""
    scroll = ""
    if scroll_to:
        scroll = (f"if (width < {NARROW_BELOW_PX}) {{ const target = document.getElementById({scroll_to!r});"
                  " if (target) target.scrollIntoView({block: 'start'}); }")
    return (f"() => {{ const figure = document.getElementById({figure_id!r});"
            " const width = Math.round((figure && figure.clientWidth) || window.innerWidth);"
            f" {scroll} return width; }}")
