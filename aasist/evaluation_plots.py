"""Figures of an evaluation on labelled recordings (``aasist.evaluation.Evaluation``): the DET curves of every model
and the score distributions, in the style of ``aasist.plots`` (plain Agg figures, axes placed in inches).

    from aasist.evaluation_plots import draw_det_curves
    fig = draw_det_curves(evaluation)
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .plots import (
    BONAFIDE_COLOR,
    GRID,
    INK,
    LABEL_SIZE,
    MUTED,
    SPOOF_COLOR,
    TICK_SIZE,
    _axes,
    _new_figure,
    _panel_title,
    _title,
)

# --- an evaluation on labelled recordings (aasist.evaluation) -----------------------------------------------------

# One colour per model from Okabe and Ito's colour-blind-safe palette, each with its own marker and line style too,
# so that no model is told apart by colour alone.
MODEL_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
MODEL_MARKERS = ("o", "s", "D", "^", "v", "P", "X")
MODEL_DASHES = ("-", (0, (6, 2)), (0, (1.5, 1.5)), (0, (7, 2, 1.5, 2)), (0, (3, 2)), (0, (9, 3)), (0, (1, 3)))
DET_TICKS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4)  # as the ASVspoof and NIST DET plots
DET_WIDE_TICKS = (0.6, 0.8, 0.95, 0.99)  # added when a model's EER is near or past 50 %
DET_MIN_RATE = 0.0005  # the axes' lower edge: a rate of 0 (or under 0.05 %) is drawn on it
DET_MAX_RATE = 0.6  # the upper edge, and a rate of 1 is drawn on it...
DET_WIDE_MAX_RATE = 0.995  # ...or on this one when an EER is above DET_WIDE_ABOVE
DET_WIDE_ABOVE = 0.45
SCORE_BINS = 40  # the score distributions' histogram: bins of 2.5 % of probability


def _model_style(i: int) -> tuple:
    """(colour, marker, line style) of the ``i``-th model of an evaluation, the same in every evaluation figure."""
    return (MODEL_COLORS[i % len(MODEL_COLORS)], MODEL_MARKERS[i % len(MODEL_MARKERS)],
            MODEL_DASHES[i % len(MODEL_DASHES)])


def det_axis_range(evaluation) -> tuple:
    """(lowest, highest) error rate (fractions) on the DET chart's axes: 0.05 % to 60 %, or to 99.5 % when a
    model's EER is above 45 % (its point would otherwise sit on the edge)."""
    worst = max((m.eer / 100 for m in evaluation.models), default=0.0)
    return DET_MIN_RATE, (DET_MAX_RATE if worst <= DET_WIDE_ABOVE else DET_WIDE_MAX_RATE)


def probit(rate, low: float = DET_MIN_RATE, high: float = DET_MAX_RATE) -> np.ndarray:
    """Error rates (fractions) on the DET chart's normal-deviate scale, clipped into [``low``, ``high``] first (a rate
    of 0 or 1 has no normal deviate: it is drawn on the axes' edge)."""
    from scipy.special import ndtri

    return ndtri(np.clip(np.asarray(rate, dtype=np.float64), low, high))


def _rate_label(rate: float) -> str:
    return f"{rate * 100:g}"


def draw_det_curves(evaluation) -> Figure:
    """The DET curves of every model of an ``aasist.evaluation.Evaluation`` on one chart, as the ASVspoof and NIST
    tools draw them: false alarm rate (bona fide called spoof) across, miss rate (spoof called bona fide) up, both
    on normal-deviate (probit) scales; each model's EER point marked on the dashed EER diagonal and labelled.

    The EER markers carry ``gid="eer-point:<model>"`` and the curves ``gid="det-curve:<model>"`` (for tests)."""
    import textwrap

    from matplotlib.lines import Line2D

    from .evaluation import FEW_PER_CLASS
    from .present import eer_interval_text, eer_text

    low, high = det_axis_range(evaluation)
    ticks = [t for t in DET_TICKS + DET_WIDE_TICKS if t <= high]
    edge_lo, edge_hi = float(probit(low, low, high)), float(probit(high, low, high))
    models = list(evaluation.models)
    n_bonafide = models[0].n_bonafide if models else 0
    n_spoof = models[0].n_spoof if models else 0

    coarse = " (few: the curves are coarse steps)" if min(n_bonafide, n_spoof) < FEW_PER_CLASS else ""
    subtitle = textwrap.wrap(f"{n_bonafide} bona fide and {n_spoof} spoof recordings{coarse}. Lower left is better; "
                             "the marked point on each curve is its equal error rate (EER).", 125)
    size = 5.0
    fig = _new_figure(0.7 + size + 0.8 + 0.19 * len(subtitle), width_in=9.6)
    _title(fig, "How often each model errs, at every threshold (DET curves)", "\n".join(subtitle))
    ax = _axes(fig, 0.85, 0.7, size, size)
    ax.set_xlim(edge_lo, edge_hi)
    ax.set_ylim(edge_lo, edge_hi)
    positions = probit(ticks, low, high)
    labels = [_rate_label(t) for t in ticks]
    ax.set_xticks(positions, labels)
    ax.set_yticks(positions, labels)
    ax.grid(True, color=GRID, lw=0.7)
    ax.set_axisbelow(True)
    ax.set_xlabel("False alarm rate (%): bona fide recordings called spoof")
    ax.set_ylabel("Miss rate (%): spoof recordings called bona fide")
    diagonal = (0, (4, 3))
    ax.plot([edge_lo, edge_hi], [edge_lo, edge_hi], color=MUTED, lw=1.0, ls=diagonal, zorder=1, gid="eer-line")

    handles, names = [], []
    order = sorted(range(len(models)), key=lambda i: models[i].eer)
    placed = []  # (probit of the EER, side) of the labels placed so far: close ones are pushed apart
    for rank, i in enumerate(order):
        m = models[i]
        color, marker, dashes = _model_style(i)
        miss, false_alarm, _ = m.det_curve()
        ax.plot(probit(false_alarm, low, high), probit(miss, low, high), color=color, lw=1.9, ls=dashes, zorder=3,
                gid=f"det-curve:{m.model}", solid_joinstyle="miter", clip_on=False)  # clipped into range above
        at = float(probit(m.eer / 100, low, high))
        ax.plot([at], [at], marker=marker, ms=8.5, color=color, mec="white", mew=1.3, ls="none", zorder=5,
                gid=f"eer-point:{m.model}", clip_on=False)
        # Labels alternate below-right and above-left of the diagonal; close ones on one side are stacked.
        side = "below" if rank % 2 == 0 else "above"
        if at < edge_lo + 0.25 * (edge_hi - edge_lo):  # near the lower left corner: keep the label inside
            side = "above-right"
        crowd = sum(1 for p, s in placed if s == side and abs(p - at) < 0.45)
        placed.append((at, side))
        step = 11 * crowd
        dx, dy, ha, va = {"below": (9 + step, -9 - step, "left", "top"),
                          "above": (-9 - step, 9 + step, "right", "bottom"),
                          "above-right": (8, 8 + step, "left", "bottom")}[side]
        ax.annotate(eer_text(m.eer), xy=(at, at), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                    fontsize=TICK_SIZE + 0.5, fontweight="bold", color=color, zorder=6,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for i, m in enumerate(models):
        color, marker, dashes = _model_style(i)
        handles.append(Line2D([0], [0], color=color, lw=1.9, ls=dashes, marker=marker, ms=7, mec="white", mew=1.0))
        names.append(f"{m.model}\nEER {eer_text(m.eer)} (95 %: {eer_interval_text(m.eer_ci95)})")
    handles.append(Line2D([0], [0], color=MUTED, lw=1.0, ls=diagonal))
    names.append("EER line: as many misses\nas false alarms")
    w, h = fig.get_size_inches()
    legend = fig.legend(handles, names, loc="upper left", bbox_to_anchor=(6.15 / w, (0.7 + size) / h),
                        fontsize=LABEL_SIZE, frameon=False, handlelength=3.0, labelspacing=1.1, borderaxespad=0)
    for text in legend.get_texts():
        text.set_color(INK)
    # What the clipped edges mean, under the legend.
    fig.text(6.15 / w, 0.7 / h, f"Rates of 0 are drawn on the left and lower edges\n({_rate_label(low)} %), rates "
             f"above {_rate_label(high)} % on the right and upper ones.", fontsize=TICK_SIZE - 0.5, color=MUTED,
             va="bottom", ha="left")
    return fig


def draw_score_distributions(evaluation) -> Figure:
    """Small multiples, one panel per model of an ``aasist.evaluation.Evaluation``: the spoof probability of every
    counted recording, the bona fide ones in the upper lane and the spoof ones in the lower (a dot each, jittered
    across the lane; with 20 or more in a lane also a histogram behind the dots), the demo's threshold 0.5 (dashed)
    and the model's threshold at its EER (solid, in the model's colour of the DET chart).

    The dots of a lane carry ``gid="scores:<model>:bona fide"`` / ``"scores:<model>:spoof"`` and the EER threshold
    ``gid="eer-threshold:<model>"`` (for tests)."""
    import textwrap

    from .evaluation import BONA_FIDE, DEMO_THRESHOLD, FEW_PER_CLASS, SPOOF
    from .present import eer_interval_text, eer_text

    models = list(evaluation.models)
    subtitle = textwrap.wrap("Each dot is one recording's spoof probability. Dashed: the demo's threshold 0.5; solid: "
                             "the model's threshold at its EER. Dots on the wrong side of a line are that threshold's "
                             "errors.", 150)
    panel_in, gap_in, top_in, bottom_in = 1.3, 0.72, 1.05 + 0.19 * (len(subtitle) - 1), 0.62
    n = max(len(models), 1)
    fig = _new_figure(top_in + n * panel_in + (n - 1) * gap_in + bottom_in)
    _title(fig, "What each model said about the bona fide and the spoof recordings", "\n".join(subtitle))
    left, width = 1.55, 7.75
    for i, m in enumerate(models):
        color, _, _ = _model_style(i)
        ax = _axes(fig, left, bottom_in + (n - 1 - i) * (panel_in + gap_in), width, panel_in)
        lanes = ((1.0, m.bonafide_scores, BONAFIDE_COLOR, BONA_FIDE, m.false_alarms_at_05, "spoof"),
                 (0.0, m.spoof_scores, SPOOF_COLOR, SPOOF, m.misses_at_05, "bona fide"))
        tallest = max(int(np.histogram(np.clip(s, 0, 1), SCORE_BINS, (0, 1))[0].max(initial=0)) for _, s, *_ in lanes)
        for lane, scores, lane_color, label, wrong, called in lanes:
            scores = np.asarray(scores, dtype=np.float64)
            if len(scores) >= FEW_PER_CLASS and tallest > 0:
                counts, edges = np.histogram(np.clip(scores, 0, 1), SCORE_BINS, (0, 1))
                ax.stairs(lane - 0.4 + counts / tallest * 0.8, edges, baseline=lane - 0.4, fill=True,
                          color=lane_color, alpha=0.16, lw=0, zorder=1)
            rng = np.random.default_rng(1000 * i + int(lane))  # the same jitter in every drawing
            jitter = rng.uniform(-0.3, 0.3, len(scores)) if len(scores) > 1 else np.zeros(len(scores))
            many = len(scores)
            dot, alpha = (38, 0.9) if many <= 30 else ((20, 0.6) if many <= 150 else (10, 0.38))
            ax.scatter(scores, lane + jitter, s=dot, c=lane_color, alpha=alpha, linewidths=0, zorder=5,
                       gid=f"scores:{m.model}:{label}")
            ax.text(1.015, lane, f"{wrong} of {len(scores)} called {called}\nat 0.5",
                    transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=TICK_SIZE - 0.5, color=MUTED,
                    linespacing=1.05)
        ax.axvline(DEMO_THRESHOLD, color=MUTED, lw=1.1, ls=(0, (4, 3)), zorder=2)
        threshold = float(m.threshold_at_eer)
        ax.axvline(threshold, color=color, lw=1.6, zorder=4, gid=f"eer-threshold:{m.model}")  # under the dots
        right = threshold < 0.82
        ax.text(threshold + (0.006 if right else -0.006), 1.62, f"at EER: {threshold:.3g}", ha="left" if right else
                "right", va="center", fontsize=TICK_SIZE - 0.5, color=color, fontweight="bold", zorder=6,
                bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.85))
        ax.set_ylim(-0.55, 1.85)
        ax.set_yticks([1.0, 0.0], [f"bona fide\n(n = {m.n_bonafide})", f"spoof\n(n = {m.n_spoof})"])
        for tick, tick_color in zip(ax.get_yticklabels(), (BONAFIDE_COLOR, SPOOF_COLOR)):
            tick.set_color(tick_color)
            tick.set_fontweight("bold")
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(-0.015, 1.015)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
        ax.grid(True, axis="x", color=GRID, lw=0.6)
        ax.set_axisbelow(True)
        _panel_title(ax, f"{m.model}: EER {eer_text(m.eer)} (95 % interval {eer_interval_text(m.eer_ci95)})")
        if i == n - 1:
            ax.set_xlabel("Spoof probability (the model's output; the demo calls 0.5 and above spoof)")
    return fig
