"""The live monitor's chart: a small SVG string of the spoof probability over the last 30 s of a stream.

Redrawn for every hop of every live session, so it is built directly (well under a millisecond) rather than as a
matplotlib figure (tens of milliseconds of the 2 cores the scoring needs).
"""

from __future__ import annotations

import numpy as np

from .model import SAMPLE_RATE, WINDOW_SAMPLES
from .plots import BONAFIDE_COLOR, GRID, INK, MUTED, SPOOF_COLOR


LIVE_SPAN_S = 30.0  # the chart shows the last 30 s, or the first 30 s from the start
LIVE_WIDTH, LIVE_HEIGHT = 900, 250
_LIVE_LEFT, _LIVE_RIGHT, _LIVE_TOP, _LIVE_BOTTOM = 46, 16, 30, 34
SILENT_COLOR = "#9ca3af"
ALARM_BG = "#fecaca"


def draw_live_chart(updates, threshold: float, now_s: float, span_s: float = LIVE_SPAN_S) -> str:
    """SVG of a live stream so far: each window's spoof probability (dots), the smoothed probability (line), the
    alarm threshold (dashed), the spans while the alarm was raised (red) and the first 4.04 s, before any window
    could be scored (hatched). ``updates``: the ``streaming.StreamUpdate``s so far, in order.

    The root element carries ``data-points`` (windows drawn), ``data-alarms`` (alarm spans) and ``data-t`` (the
    stream time shown), which the page's tests read.
    """
    import html

    x_min = max(0.0, now_s - span_s)
    x_max = max(span_s, now_s)
    plot_w = LIVE_WIDTH - _LIVE_LEFT - _LIVE_RIGHT
    plot_h = LIVE_HEIGHT - _LIVE_TOP - _LIVE_BOTTOM

    def x(t: float) -> float:
        return _LIVE_LEFT + (min(max(t, x_min), x_max) - x_min) / (x_max - x_min) * plot_w

    def y(p: float) -> float:
        return _LIVE_TOP + (1.0 - p) * plot_h

    parts = [
        f'<rect x="{_LIVE_LEFT}" y="{_LIVE_TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        f'stroke="{GRID}"/>',
        '<defs><pattern id="live-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="3" height="8" fill="{GRID}"/></pattern></defs>',
    ]
    waiting_end = WINDOW_SAMPLES / SAMPLE_RATE
    if x_min < waiting_end:
        right = x(min(waiting_end, max(now_s, x_min)))
        parts.append(f'<rect x="{x(x_min):.1f}" y="{_LIVE_TOP}" width="{right - x(x_min):.1f}" height="{plot_h}" '
                     'fill="url(#live-hatch)"/>')
        parts.append(f'<text x="{(x(x_min) + x(waiting_end)) / 2:.1f}" y="{_LIVE_TOP + 16}" '
                     f'text-anchor="middle" fill="{MUTED}" font-size="11">waiting for 4 s</text>')

    # Alarm spans: from the update that raised the alarm to the one that cleared it (or now).
    spans, raised_at = [], None
    for update in updates:
        if update.alarm and raised_at is None:
            raised_at = update.t_end_s
        elif not update.alarm and raised_at is not None:
            spans.append((raised_at, update.t_end_s))
            raised_at = None
    if raised_at is not None:
        spans.append((raised_at, now_s))
    for start, end in spans:
        if end >= x_min:
            parts.append(f'<rect class="alarm-span" x="{x(start):.1f}" y="{_LIVE_TOP}" '
                         f'width="{max(x(end) - x(start), 2):.1f}" height="{plot_h}" fill="{ALARM_BG}" '
                         'fill-opacity="0.75"/>')

    for p in (0.25, 0.5, 0.75):
        parts.append(f'<line x1="{_LIVE_LEFT}" x2="{_LIVE_LEFT + plot_w}" y1="{y(p):.1f}" y2="{y(p):.1f}" '
                     f'stroke="{GRID}"/>')
    for p in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{_LIVE_LEFT - 6}" y="{y(p) + 4:.1f}" text-anchor="end" fill="{MUTED}" '
                     f'font-size="11">{p:g}</text>')
    step = 5 if x_max - x_min <= 60 else 10
    for t in range(int(np.ceil(x_min / step)) * step, int(x_max) + 1, step):
        parts.append(f'<text x="{x(t):.1f}" y="{LIVE_HEIGHT - _LIVE_BOTTOM + 16}" text-anchor="middle" '
                     f'fill="{MUTED}" font-size="11">{t} s</text>')
    parts.append(f'<line class="threshold" x1="{_LIVE_LEFT}" x2="{_LIVE_LEFT + plot_w}" y1="{y(threshold):.1f}" '
                 f'y2="{y(threshold):.1f}" stroke="{SPOOF_COLOR}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    parts.append(f'<text x="{_LIVE_LEFT + plot_w - 4}" y="{y(threshold) - 5:.1f}" text-anchor="end" '
                 f'fill="{SPOOF_COLOR}" font-size="11">alarm threshold {threshold:.2f}</text>')

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
    legend = (f'<text x="{_LIVE_LEFT}" y="18" fill="{INK}" font-size="12">'
              f'<tspan fill="{BONAFIDE_COLOR}">●</tspan>/<tspan fill="{SPOOF_COLOR}">●</tspan> each 4 s window   '
              f'<tspan fill="{INK}">━</tspan> smoothed   <tspan fill="{SILENT_COLOR}">○</tspan> silent or no speech (not counted)'
              f'   <tspan fill="{ALARM_BG}">■</tspan> alarm</text>')
    label = html.escape(f"Spoof probability over the last {span_s:.0f} s of the live stream")
    return (f'<svg class="live-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LIVE_WIDTH} {LIVE_HEIGHT}" '
            f'width="100%" role="img" aria-label="{label}" data-points="{len(shown)}" data-alarms="{len(spans)}" '
            f'data-t="{now_s:.2f}" font-family="inherit">{legend}{"".join(parts)}</svg>')
