"""AntiDeepfake's look inside its most decisive window (``aasist.models.frame_scores``): the spoof probability of each
20 ms frame (its ``forward_seg``), with the window's own beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from matplotlib.figure import Figure

from ..text import short_percent_text
from .drawing import (BONAFIDE_BG, INK, KEPT_COLOR, MUTED, NARROW_LEFT_IN, NARROW_MARGIN_IN, NARROW_RIGHT_IN,
                      NARROW_X_LABELS_IN, NO_SPEECH_BG, PROBABILITY_EDGE, SPOOF_BG, SPOOF_COLOR, THRESHOLD, WIDTH_IN,
                      Column, axes_at, figure_title, label_probability_desktop, label_probability_narrow, lines_in,
                      new_figure)
from .layout import DESKTOP, Layout

FRAME_AXIS_LABEL = "Time in the recording (s)"
FRAME_COLOR = "#334155"  # slate-700: the frames' curve
POOLED_COLOR = KEPT_COLOR  # the window's own score, apart from the curve
_FRAME_LW = {False: 0.9, True: 0.6}  # thinner when narrow: the same frames in a third of the width
_POOLED_DASH = (0, (3, 2))


@dataclass(frozen=True)
class _FrameTexts:
    """The frame-scores figure's title, subtitle and the legend's label of the window's own score."""

    title: str
    subtitle: str
    pooled: str  # what the dashed line is, with its value
    pooled_probability: float  # the window's spoof probability, from its pooled logits


def _frame_texts(result, scores) -> _FrameTexts:
    name = Path(str(result.model)).name or "AntiDeepfake"  # a checkpoint folder's path: its last part
    n = len(scores.times_s)
    whole = float(scores.start_s) == 0.0 and float(scores.end_s) >= float(result.duration_s) - 1e-3
    where = (f"The whole recording ({float(scores.end_s):.2f} s, scored whole)" if whole else
             f"The most decisive window, {float(scores.start_s):.2f}–{float(scores.end_s):.2f} s")
    subtitle = (f"{where}, {n} frames: the model's own reading of each frame (its head on the frame's features, the "
                f"authors' forward_seg). The {'recording' if whole else 'window'}'s score is the mean of the frames' "
                "logits. Not attention.")
    pooled = float(result.windows[scores.window_index].spoof_probability)
    return _FrameTexts(f"{name}, frame by frame: spoof probability of each 20 ms frame", subtitle,
                       f"the {'recording' if whole else 'window'}'s score: {short_percent_text(pooled)} (from the "
                       "frames' mean logits)", pooled)


def draw_frame_scores(result, layout: Layout = DESKTOP) -> Optional[Figure]:
    """AntiDeepfake's spoof probability of each 20 ms frame of its most decisive window (``result.frame_scores``),
    a step per frame on the recording's time axis, shaded where it is over the threshold, with the window's own
    score dashed; ``None`` without frame scores."""
    scores = getattr(result, "frame_scores", None)
    if scores is None:
        return None
    texts = _frame_texts(result, scores)
    no_speech = result.verdict == "no_speech"
    fig, ax, legend = _narrow_frame_panel(texts, layout) if layout.narrow else _desktop_frame_panel(texts)

    times, p = np.asarray(scores.times_s, dtype=float), np.asarray(scores.spoof_probability, dtype=float)
    ax.axhspan(THRESHOLD, 1 + PROBABILITY_EDGE, color=NO_SPEECH_BG if no_speech else SPOOF_BG, zorder=0, lw=0)
    ax.axhspan(-PROBABILITY_EDGE, THRESHOLD, color=NO_SPEECH_BG if no_speech else BONAFIDE_BG, zorder=0, lw=0)
    ax.axhline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    ax.fill_between(times, THRESHOLD, p, where=p >= THRESHOLD, step="mid", color=SPOOF_COLOR, alpha=0.3, lw=0,
                    zorder=2)
    ax.plot(times, p, drawstyle="steps-mid", color=FRAME_COLOR, lw=_FRAME_LW[layout.narrow], zorder=3,
            gid="frame-scores")
    ax.axhline(texts.pooled_probability, color=POOLED_COLOR, lw=1.6, ls=_POOLED_DASH, zorder=4, gid="pooled-score")
    if layout.narrow:
        label_probability_narrow(ax, no_speech, layout)
    else:
        label_probability_desktop(ax, no_speech)
        ax.set_ylabel("Spoof probability\nof the frame")
    ax.set_ylim(-PROBABILITY_EDGE, 1 + PROBABILITY_EDGE)
    ax.set_xlim(float(scores.start_s), float(scores.end_s))
    ax.set_xlabel(FRAME_AXIS_LABEL)
    _legend_frames(fig, texts, legend, layout)
    return fig


def _desktop_frame_panel(texts: _FrameTexts) -> tuple:
    """(figure, axes, legend place): one panel, the legend over its right end."""
    import textwrap

    subtitle = textwrap.wrap(texts.subtitle, 150)
    top = 0.75 + 0.2 * len(subtitle)
    bottom, height, legend_in = 0.6, 1.9, 0.3
    fig = new_figure(top + legend_in + height + bottom)
    figure_title(fig, texts.title, "\n".join(subtitle))
    ax = axes_at(fig, 0.75, bottom, WIDTH_IN - 1.45, height)
    w, h = fig.get_size_inches()
    return fig, ax, dict(loc="lower right", bbox_to_anchor=(1 - 0.7 / w, (bottom + height) / h), ncols=2,
                         borderaxespad=0.2)


def _narrow_frame_panel(texts: _FrameTexts, layout: Layout) -> tuple:
    """The panel full width, the legend under its time axis, one entry a line."""
    col = Column(layout, texts.title, texts.subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    panel = col.slot(1.5, above_in=0.08, below_in=NARROW_X_LABELS_IN)
    legend_top = col.used_in
    col.slot(lines_in(layout.tick_size, 3) + 0.15)
    fig = col.figure()
    place = dict(loc="upper left", bbox_to_anchor=(col.x(NARROW_MARGIN_IN), col.y(legend_top)), ncols=1,
                 borderaxespad=0)
    return fig, col.axes(panel, NARROW_LEFT_IN, width), place


def _legend_frames(fig: Figure, texts: _FrameTexts, place: dict, layout: Layout) -> None:
    from matplotlib.lines import Line2D

    pooled = texts.pooled.replace(" (", "\n(") if layout.narrow else texts.pooled
    handles = [Line2D([0], [0], color=FRAME_COLOR, lw=0.9),
               Line2D([0], [0], color=POOLED_COLOR, lw=1.6, ls=_POOLED_DASH)]
    legend = fig.legend(handles, ["each 20 ms frame", pooled], fontsize=layout.tick_size, frameon=False,
                        handlelength=2.4, columnspacing=1.6, **place)
    for text in legend.get_texts():
        text.set_color(INK)
