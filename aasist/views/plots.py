"""Figures for one analysis: the spectrogram with the spoof probability over time (``spectrogram_figure``), and the
attention (AASIST: ``attention_figures``), the filter-wise scaling (RawNet2: ``filter_scaling_figure``) or the
per-frame scores (AntiDeepfake: ``frame_scores_figure``) of the most decisive window, and the robustness check
(``robustness_figure``), all drawn here at once (``draw_all``) with what they share (``drawing``).

Built for speed on a 2-core CPU (the web demo draws them for every click):
- each figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot: no global state, safe in the
  web server's worker threads), with fixed axes positions (no layout engine);
- images are reduced to about the display resolution before drawing (STFT columns averaged to at most
  ``MAX_COLUMNS``) and drawn with ``imshow``, never a mesh;
- each figure is drawn once, at display resolution, into an RGB array (``Figures.spectrogram`` ...), which is what
  ``gr.Image`` shows; the ``Figure`` objects stay available in ``Figures.figures`` for tests and for saving.

    from aasist.views.plots import draw_all
    figures = draw_all(audio, result)        # result from Detector.analyze(..., with_attention=True)
    figures.spectrogram                      # (H, W, 3) uint8
    draw_all(audio, result, PHONE)           # drawn for a phone (aasist.views.layout): panels stacked, larger type

Each figure has two arrangements: the desktop's (``DESKTOP``, the default: as before narrow layouts existed, pixel for
pixel) and a narrow one (``layout.narrow``), planned top down with ``drawing.Column``. Both draw the same data with the
same panel code; the ``_desktop_*`` and ``_narrow_*`` functions only place the panels and the labels that move.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .attention_figures import draw_heterogeneous, draw_spectral_attention, draw_temporal_attention
from .drawing import render_figure
from .filter_scaling_figure import draw_filter_scaling
from .frame_scores_figure import draw_frame_scores
from .layout import DESKTOP, Layout
from .robustness_figure import draw_robustness
from .spectrogram_figure import draw_spectrogram


@dataclass
class Figures:
    """Rendered figures of one analysis (RGB uint8 arrays at display resolution); ``None`` where not applicable."""

    spectrogram: np.ndarray
    spectral_attention: Optional[np.ndarray] = None
    temporal_attention: Optional[np.ndarray] = None
    heterogeneous: Optional[np.ndarray] = None  # only when the HS-GAL attention is not uniform
    robustness: Optional[np.ndarray] = None  # only when the result has a robustness check
    filter_scaling: Optional[np.ndarray] = None  # only for a RawNet2 result with its filter scaling
    frame_scores: Optional[np.ndarray] = None  # only for an AntiDeepfake result with its per-frame scores
    # The model whose attention the attention figures show: the result's own, or the one run beside it (AASIST beside
    # AntiDeepfake, which has none); None without attention figures.
    attention_model: Optional[str] = None
    figures: dict = field(default_factory=dict, repr=False)  # name -> matplotlib Figure
    timings: dict = field(default_factory=dict)  # name -> seconds spent drawing and rendering
    layout: Layout = DESKTOP  # the screen they were drawn for


def draw_all(audio, result, layout: Layout = DESKTOP) -> Figures:
    """Draw and render every figure of one analysis for ``layout`` (attention figures only when the result, or the
    one beside it, has attention; the filter-scaling figure only when ``result.filter_scaling`` is set, the
    frame-scores figure only when ``result.frame_scores`` is)."""
    figures, images, timings = {}, {}, {}
    drawers = [("spectrogram", lambda: draw_spectrogram(audio, result, layout))]
    attended = _attended(result)
    if attended is not None:
        drawers += [
            ("spectral_attention", lambda: draw_spectral_attention(audio, attended, layout)),
            ("temporal_attention", lambda: draw_temporal_attention(audio, attended, layout)),
            ("heterogeneous", lambda: draw_heterogeneous(attended, layout)),
        ]
    if getattr(result, "filter_scaling", None) is not None:
        drawers.append(("filter_scaling", lambda: draw_filter_scaling(audio, result, layout)))
    if getattr(result, "frame_scores", None) is not None:
        drawers.append(("frame_scores", lambda: draw_frame_scores(result, layout)))
    if getattr(result, "robustness", None) is not None:
        drawers.append(("robustness", lambda: draw_robustness(result, layout)))
    for name, drawer in drawers:
        start = time.perf_counter()
        fig = drawer()
        if fig is not None:
            figures[name] = fig
            images[name] = render_figure(fig)
        timings[name] = time.perf_counter() - start
    return Figures(figures=figures, timings=timings, layout=layout,
                   attention_model=attended.model if attended is not None else None, **images)


def _attended(result):
    """The result whose attention is drawn: ``result``'s own, else the one run beside it; None without attention."""
    for candidate in (result, getattr(result, "beside", None)):
        if candidate is not None and getattr(candidate, "attention", None) is not None:
            return candidate
    return None
