"""The live monitor's chart: a small SVG string of the spoof probability over the last 30 s of a stream.

Redrawn for every hop of every live session, so it is built directly (well under a millisecond) rather than as a
matplotlib figure (tens of milliseconds of the 2 cores the scoring needs). Drawn for the desktop (900 x 250 units,
shown about 740 px wide) or, with ``width``, for a phone: as many units wide as the phone shows it in CSS px, fewer
time ticks, the legend on two lines, every text at least ``NARROW_FONT_PX`` at that scale. The page holds both and
lets its style sheet show one (``webapp.views.live_chart_html``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES
from .drawing import BONAFIDE_COLOR, GRID, INK, MUTED, SPOOF_COLOR


LIVE_SPAN_S = 30.0  # the chart shows the last 30 s, or the first 30 s from the start
LIVE_WIDTH, LIVE_HEIGHT = 900, 250
PHONE_CHART_WIDTH = 360  # the phone's chart: a 390 px screen's column, 1 unit = 1 CSS px
NARROW_FONT_PX = 12  # every text of the phone's chart (11 px or more where it is shown a little narrower)
SILENT_COLOR = "#9ca3af"
ALARM_BG = "#fecaca"


@dataclass(frozen=True)
class ChartGeometry:
    """Where the parts of the chart go, in SVG units, and how large its text is."""

    layout: str  # "desktop" or "narrow": the root element's data-layout
    width: int
    height: int
    left: int  # margins around the plot area
    right: int
    top: int
    bottom: int
    font_px: int  # axis labels, the threshold's label, "waiting for 4 s"
    legend_px: int
    tick_every_s: int  # the time axis: a label every this many seconds (twice as far apart past 60 s shown)

    @property
    def hatch_id(self) -> str:
        """The id of the hatching's pattern: one per layout, as both charts are in the page and the hidden one's
        pattern is not drawn."""
        return "live-hatch" if self.layout == "desktop" else f"live-hatch-{self.layout}"

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def tick_step(self, shown_s: float) -> int:
        return self.tick_every_s if shown_s <= 60 else 2 * self.tick_every_s


DESKTOP_CHART = ChartGeometry("desktop", LIVE_WIDTH, LIVE_HEIGHT, left=46, right=16, top=30, bottom=34, font_px=11,
                              legend_px=12, tick_every_s=5)


def narrow_chart(width: int) -> ChartGeometry:
    """A phone's chart ``width`` units (CSS px) wide: the legend's two lines above the plot, a tick every 10 s."""
    return ChartGeometry("narrow", width, 220, left=32, right=16, top=46, bottom=26, font_px=NARROW_FONT_PX,
                         legend_px=NARROW_FONT_PX, tick_every_s=10)


def draw_live_chart(updates, threshold: float, now_s: float, span_s: float = LIVE_SPAN_S,
                    width: Optional[int] = None) -> str:
    """SVG of a live stream so far: each window's spoof probability (dots), the smoothed probability (line), the
    alarm threshold (dashed), the spans while the alarm was raised (red) and the first 4.04 s, before any window
    could be scored (hatched). ``updates``: the ``streaming.StreamUpdate``s so far, in order. ``width``: None for
    the desktop's chart, else a phone's chart shown that many CSS px wide (``PHONE_CHART_WIDTH``).

    The root element carries ``data-points`` (windows drawn), ``data-alarms`` (alarm spans), ``data-t`` (the
    stream time shown) and ``data-layout`` ("desktop" or "narrow"), which the page's tests read.
    """
    g = DESKTOP_CHART if width is None else narrow_chart(int(width))
    x_min = max(0.0, now_s - span_s)
    x_max = max(span_s, now_s)
    plot_w, plot_h = g.plot_w, g.plot_h

    def x(t: float) -> float:
        return g.left + (min(max(t, x_min), x_max) - x_min) / (x_max - x_min) * plot_w

    def y(p: float) -> float:
        return g.top + (1.0 - p) * plot_h

    parts = [
        f'<rect x="{g.left}" y="{g.top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        f'stroke="{GRID}"/>',
        f'<defs><pattern id="{g.hatch_id}" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="3" height="8" fill="{GRID}"/></pattern></defs>',
    ]
    waiting_end = WINDOW_SAMPLES / SAMPLE_RATE
    if x_min < waiting_end:
        right = x(min(waiting_end, max(now_s, x_min)))
        parts.append(f'<rect x="{x(x_min):.1f}" y="{g.top}" width="{right - x(x_min):.1f}" height="{plot_h}" '
                     f'fill="url(#{g.hatch_id})"/>')
        parts.append(_waiting_label(g, (x(x_min) + x(waiting_end)) / 2, y(0.75)))

    spans = _alarm_spans(updates, now_s)
    for start, end in spans:
        if end >= x_min:
            parts.append(f'<rect class="alarm-span" x="{x(start):.1f}" y="{g.top}" '
                         f'width="{max(x(end) - x(start), 2):.1f}" height="{plot_h}" fill="{ALARM_BG}" '
                         'fill-opacity="0.75"/>')

    for p in (0.25, 0.5, 0.75):
        parts.append(f'<line x1="{g.left}" x2="{g.left + plot_w}" y1="{y(p):.1f}" y2="{y(p):.1f}" '
                     f'stroke="{GRID}"/>')
    for p in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{g.left - 6}" y="{y(p) + 4:.1f}" text-anchor="end" fill="{MUTED}" '
                     f'font-size="{g.font_px}">{p:g}</text>')
    step = g.tick_step(x_max - x_min)
    for t in range(int(np.ceil(x_min / step)) * step, int(x_max) + 1, step):
        parts.append(f'<text x="{x(t):.1f}" y="{g.height - g.bottom + 16}" text-anchor="middle" '
                     f'fill="{MUTED}" font-size="{g.font_px}">{t} s</text>')
    parts.append(f'<line class="threshold" x1="{g.left}" x2="{g.left + plot_w}" y1="{y(threshold):.1f}" '
                 f'y2="{y(threshold):.1f}" stroke="{SPOOF_COLOR}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    parts.append(f'<text x="{g.left + plot_w - 4}" y="{y(threshold) - 5:.1f}" text-anchor="end" '
                 f'fill="{SPOOF_COLOR}" font-size="{g.font_px}">alarm threshold {threshold:.2f}</text>')

    shown = [u for u in updates if u.spoof_probability is not None and u.t_end_s >= x_min]
    smoothed = [(x(u.t_end_s), y(u.smoothed_probability)) for u in shown
                if u.status == "scored" and u.smoothed_probability is not None]
    if len(smoothed) > 1:
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in smoothed)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{INK}" stroke-width="2"/>')
    for u in shown:
        if u.status in ("silent", "no_speech"):  # not evidence: drawn on the axis, hollow, not counted
            what = "silent" if u.status == "silent" else "no speech"
            parts.append(f'<circle class="window {"silent" if u.status == "silent" else "no-speech"}" '
                         f'cx="{x(u.t_end_s):.1f}" cy="{y(0):.1f}" r="4" fill="none" stroke="{SILENT_COLOR}" '
                         f'stroke-width="1.5"><title>{u.t_end_s:.1f} s: {what}, not counted</title></circle>')
        else:
            color = SPOOF_COLOR if u.spoof_probability >= threshold else BONAFIDE_COLOR
            parts.append(f'<circle class="window" cx="{x(u.t_end_s):.1f}" cy="{y(u.spoof_probability):.1f}" r="4" '
                         f'fill="{color}"><title>{u.t_end_s:.1f} s: spoof probability '
                         f'{u.spoof_probability:.2f}</title></circle>')
    legend = _desktop_legend(g) if g.layout == "desktop" else _narrow_legend(g)
    label = html.escape(f"Spoof probability over the last {span_s:.0f} s of the live stream")
    return (f'<svg class="live-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {g.width} {g.height}" '
            f'width="100%" role="img" aria-label="{label}" data-layout="{g.layout}" data-points="{len(shown)}" '
            f'data-alarms="{len(spans)}" data-t="{now_s:.2f}" font-family="inherit">{legend}{"".join(parts)}</svg>')


def _alarm_spans(updates, now_s: float) -> list[tuple[float, float]]:
    """(start, end) of each time the alarm was raised: from the update that raised it to the one that cleared it
    (or now)."""
    spans, raised_at = [], None
    for update in updates:
        if update.alarm and raised_at is None:
            raised_at = update.t_end_s
        elif not update.alarm and raised_at is not None:
            spans.append((raised_at, update.t_end_s))
            raised_at = None
    if raised_at is not None:
        spans.append((raised_at, now_s))
    return spans


def _waiting_label(g: ChartGeometry, centre_x: float, below_y: float) -> str:
    """"waiting for 4 s" over the hatched start: one line at the top on the desktop; on a phone, where the hatch is
    narrow, two lines from ``below_y`` down (clear of the threshold's line, which is often near the top)."""
    attributes = f'text-anchor="middle" fill="{MUTED}" font-size="{g.font_px}"'
    if g.layout == "desktop":
        return f'<text x="{centre_x:.1f}" y="{g.top + 16}" {attributes}>waiting for 4 s</text>'
    line = g.font_px + 2
    return (f'<text x="{centre_x:.1f}" y="{below_y + line:.1f}" {attributes}>waiting'
            f'<tspan x="{centre_x:.1f}" dy="{line}">for 4 s</tspan></text>')


def _desktop_legend(g: ChartGeometry) -> str:
    return (f'<text x="{g.left}" y="18" fill="{INK}" font-size="{g.legend_px}">'
            f'<tspan fill="{BONAFIDE_COLOR}">●</tspan>/<tspan fill="{SPOOF_COLOR}">●</tspan> each 4 s window   '
            f'<tspan fill="{INK}">━</tspan> smoothed   <tspan fill="{SILENT_COLOR}">○</tspan> silent or no speech (not counted)'
            f'   <tspan fill="{ALARM_BG}">■</tspan> alarm</text>')


def _narrow_legend(g: ChartGeometry) -> str:
    """The legend on two lines from the chart's left edge; the items of a line set apart by ``dx`` (SVG collapses
    spaces)."""
    gap = g.legend_px
    first = (f'<tspan fill="{BONAFIDE_COLOR}">●</tspan>/<tspan fill="{SPOOF_COLOR}">●</tspan> each 4 s window'
             f'<tspan dx="{gap}" fill="{INK}">━</tspan> smoothed'
             f'<tspan dx="{gap}" fill="{ALARM_BG}">■</tspan> alarm')
    second = f'<tspan fill="{SILENT_COLOR}">○</tspan> silent or no speech: not counted'
    line = g.legend_px + 4
    return (f'<text x="4" y="{line}" fill="{INK}" font-size="{g.legend_px}">{first}</text>'
            f'<text x="4" y="{2 * line}" fill="{INK}" font-size="{g.legend_px}">{second}</text>')
