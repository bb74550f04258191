"""Figures of an evaluation on labelled recordings (``aasist.evaluation.evaluation.Evaluation``): the DET curves of
every model and the score distributions, drawn as the analysis figures are (``aasist.views.drawing``: plain Agg
figures, axes placed in inches), for the desktop (the default) or a narrow screen (``aasist.views.layout``: the legend
under the chart, notes above each panel).

    from aasist.views.evaluation_plots import draw_det_curves
    fig = draw_det_curves(evaluation)                          # the desktop's
    fig = draw_det_curves(evaluation, layout=Layout(width_px=360))   # a phone's
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from .drawing import (BONAFIDE_COLOR, GRID, INK, MATPLOTLIB_LINE_SPACING, MUTED, NARROW_MARGIN_IN, SPOOF_COLOR,
                      axes_at, figure_title, lines_in, new_figure, panel_title, panel_title_size, title_height_in,
                      wrap_to_width)
from .layout import DESKTOP, LABEL_SIZE, TICK_SIZE, Layout

# --- an evaluation on labelled recordings (aasist.evaluation.evaluation) ---------------------------------------------

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
DIAGONAL = (0, (4, 3))  # the EER line's dashes

DET_TITLE = "How often each model errs, at every threshold (DET curves)"
DET_X_LABEL = "False alarm rate (%): bona fide recordings called spoof"
DET_Y_LABEL = "Miss rate (%): spoof recordings called bona fide"
EER_LINE_NAME = "EER line: as many misses\nas false alarms"
SCORES_TITLE = "What each model said about the bona fide and the spoof recordings"
SCORES_SUBTITLE = ("Each dot is one recording's spoof probability. Dashed: the demo's threshold 0.5; solid: the "
                   "model's threshold at its EER. Dots on the wrong side of a line are that threshold's errors.")
SCORES_X_LABEL = "Spoof probability (the model's output; the demo calls 0.5 and above spoof)"



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


def _label_width_in(text: str, size: float) -> float:
    """About how wide a tick label of digits and points is, in inches (DejaVu Sans: digits 0.64 em, '.' 0.32 em)."""
    return sum(0.32 if c == "." else 0.64 for c in text) * size / 72


def _unbroken(text: str) -> str:
    """``text`` with no line break between a number and its '%' (``wrap_to_width`` breaks at plain spaces only)."""
    return text.replace(" %", "\u00a0%")



# --- DET curves -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetScale:
    """The DET chart's axes: the rates (fractions) on its edges, and their normal deviates."""

    low: float
    high: float

    @classmethod
    def of(cls, evaluation) -> "DetScale":
        low, high = det_axis_range(evaluation)
        return cls(low, high)

    def at(self, rate) -> np.ndarray:
        return probit(rate, self.low, self.high)

    @property
    def edges(self) -> tuple:
        return float(self.at(self.low)), float(self.at(self.high))

    def ticks(self, layout: Layout, size_in: float = 0.0) -> list:
        """The rates ticked: the DET tools' ones; on a narrow chart ``size_in`` inches wide, only those whose labels
        keep apart (from the lowest up)."""
        ticks = [t for t in DET_TICKS + DET_WIDE_TICKS if t <= self.high]
        if not layout.narrow:
            return ticks
        edge_lo, edge_hi = self.edges
        kept, last_right = [], -np.inf
        for t in ticks:
            at = (float(self.at(t)) - edge_lo) / (edge_hi - edge_lo) * size_in
            half = _label_width_in(_rate_label(t), layout.tick_size) / 2
            if at - half >= last_right + DET_TICK_GAP_IN:
                kept.append(t)
                last_right = at + half
        return kept


@dataclass(frozen=True)
class DetFrame:
    """A DET figure laid out for its screen: the square chart, its axis labels, and where the legend and the note on
    the clipped edges go (figure fractions, upper left corners)."""

    fig: Figure
    ax: object
    x_label: str
    y_label: str
    legend_at: tuple  # (x, y) of the legend's upper left corner
    note_at: tuple  # (x, y) of the note's lower left corner (desktop) or upper left (narrow)
    note: str

    @property
    def size_in(self) -> float:
        """The chart's side in inches."""
        return self.ax.get_position().width * self.fig.get_size_inches()[0]


def _det_subtitle(models: list) -> str:
    from ..evaluation.evaluation import FEW_PER_CLASS

    n_bonafide = models[0].n_bonafide if models else 0
    n_spoof = models[0].n_spoof if models else 0
    coarse = " (few: the curves are coarse steps)" if min(n_bonafide, n_spoof) < FEW_PER_CLASS else ""
    return (f"{n_bonafide} bona fide and {n_spoof} spoof recordings{coarse}. Lower left is better; the marked point on "
            "each curve is its equal error rate (EER).")


def _edges_note(scale: DetScale, separator: str) -> str:
    return (f"Rates of 0 are drawn on the left and lower edges{separator}({_rate_label(scale.low)} %), rates above "
            f"{_rate_label(scale.high)} % on the right and upper ones.")


def _desktop_det_frame(models: list, scale: DetScale) -> DetFrame:
    """The chart 5 inches square on the left, the legend and the note beside it."""
    import textwrap

    subtitle = textwrap.wrap(_det_subtitle(models), 125)
    size = 5.0
    fig = new_figure(0.7 + size + 0.8 + 0.19 * len(subtitle), width_in=9.6)
    figure_title(fig, DET_TITLE, "\n".join(subtitle))
    ax = axes_at(fig, 0.85, 0.7, size, size)
    w, h = fig.get_size_inches()
    return DetFrame(fig, ax, DET_X_LABEL, DET_Y_LABEL, legend_at=(6.15 / w, (0.7 + size) / h),
                    note_at=(6.15 / w, 0.7 / h), note=_edges_note(scale, "\n"))


# The narrow DET figure, in inches: room for the tick labels beside and under the chart, and the gaps.
NARROW_DET_TICKS_IN = 0.3  # the y tick labels and their pad, left of the chart
NARROW_DET_RIGHT_IN = 0.14  # half the last x tick label
NARROW_DET_BELOW_IN = 0.24  # the x tick labels, under the chart
NARROW_GAP_IN = 0.14
DET_TICK_GAP_IN = 0.07  # the least space between two tick labels of a narrow chart


def _legend_height_in(entries: int, layout: Layout, lines_per_entry: int = 2, spacing: float = 0.6) -> float:
    """How tall a figure legend of ``entries`` two-line entries is (``fig.legend`` with ``labelspacing=spacing``)."""
    size = layout.label_size
    return (entries * lines_in(size, lines_per_entry, MATPLOTLIB_LINE_SPACING) + (entries - 1) * spacing * size / 72
            + 2 * 0.4 * size / 72)  # 0.4: matplotlib's border pad


def _narrow_det_frame(models: list, scale: DetScale, layout: Layout) -> DetFrame:
    """The chart as wide as the screen lets it be, square; the legend under it, then the note."""
    width = layout.width_in(0)
    margin = NARROW_MARGIN_IN
    subtitle = _det_subtitle(models)
    top = title_height_in(DET_TITLE, subtitle, layout)
    rough = width - margin - NARROW_DET_TICKS_IN - 0.3 - NARROW_DET_RIGHT_IN
    y_label = wrap_to_width(DET_Y_LABEL, rough, layout.label_size)
    left = margin + lines_in(layout.label_size, len(y_label), MATPLOTLIB_LINE_SPACING) + NARROW_DET_TICKS_IN
    size = width - left - NARROW_DET_RIGHT_IN
    x_label = wrap_to_width(DET_X_LABEL, size, layout.label_size)
    under = NARROW_DET_BELOW_IN + lines_in(layout.label_size, len(x_label), MATPLOTLIB_LINE_SPACING) + NARROW_GAP_IN
    legend = _legend_height_in(len(models) + 1, layout)
    note = wrap_to_width(_unbroken(_edges_note(scale, " ")), width - 2 * margin, layout.tick_size)
    height = (top + size + under + legend + NARROW_GAP_IN
              + lines_in(layout.tick_size, len(note), MATPLOTLIB_LINE_SPACING) + margin)
    fig = new_figure(height, layout=layout)
    figure_title(fig, DET_TITLE, subtitle, layout)
    bottom = height - top - size
    ax = axes_at(fig, left, bottom, size, size, layout)
    legend_top = bottom - under
    return DetFrame(fig, ax, "\n".join(x_label), "\n".join(y_label), legend_at=(margin / width, legend_top / height),
                    note_at=(margin / width, (legend_top - legend - NARROW_GAP_IN) / height), note="\n".join(note))


def _det_axes(frame: DetFrame, scale: DetScale, layout: Layout) -> None:
    """Limits, probit ticks, grid, axis labels and the dashed EER diagonal."""
    ax = frame.ax
    edge_lo, edge_hi = scale.edges
    ticks = scale.ticks(layout, frame.size_in)
    ax.set_xlim(edge_lo, edge_hi)
    ax.set_ylim(edge_lo, edge_hi)
    positions = scale.at(ticks)
    labels = [_rate_label(t) for t in ticks]
    ax.set_xticks(positions, labels)
    ax.set_yticks(positions, labels)
    ax.grid(True, color=GRID, lw=0.7)
    ax.set_axisbelow(True)
    ax.set_xlabel(frame.x_label)
    ax.set_ylabel(frame.y_label)
    ax.plot([edge_lo, edge_hi], [edge_lo, edge_hi], color=MUTED, lw=1.0, ls=DIAGONAL, zorder=1, gid="eer-line")


@dataclass(frozen=True)
class DetLine:
    """How a model's curve and EER marker are drawn on a screen."""

    width: float
    marker: float

    @classmethod
    def of(cls, layout: Layout) -> "DetLine":
        return cls(1.6, 7.0) if layout.narrow else cls(1.9, 8.5)


def _det_points(models: list, scale: DetScale) -> list:
    """Each model's DET curve as (points, 2) on the chart's scales: (false alarm rate, miss rate), computed once for
    the curve drawn and for the places of the narrow chart's labels."""
    points = []
    for m in models:
        miss, false_alarm, _ = m.det_curve()
        points.append(np.column_stack([scale.at(false_alarm), scale.at(miss)]))
    return points


def _det_curves(ax, models: list, points: list, scale: DetScale, layout: Layout) -> list:
    """Each model's DET curve (``points``) and EER marker; the models ranked by their EER (best first), as indices."""
    line = DetLine.of(layout)
    order = sorted(range(len(models)), key=lambda i: models[i].eer)
    for i in order:
        m = models[i]
        color, marker, dashes = _model_style(i)
        ax.plot(points[i][:, 0], points[i][:, 1], color=color, lw=line.width, ls=dashes, zorder=3,
                gid=f"det-curve:{m.model}", solid_joinstyle="miter", clip_on=False)  # clipped into range above
        at = float(scale.at(m.eer / 100))
        ax.plot([at], [at], marker=marker, ms=line.marker, color=color, mec="white", mew=1.3, ls="none", zorder=5,
                gid=f"eer-point:{m.model}", clip_on=False)
    return order


@dataclass(frozen=True)
class LabelPlace:
    """Where an EER label goes: its offset from the marker (points) and its alignment."""

    dx: float
    dy: float
    ha: str
    va: str


def _desktop_label_places(models: list, order: list, scale: DetScale) -> dict:
    """Labels alternate below-right and above-left of the diagonal; close ones on one side are stacked."""
    edge_lo, edge_hi = scale.edges
    places, placed = {}, []  # placed: (probit of the EER, side) of the labels placed so far
    for rank, i in enumerate(order):
        at = float(scale.at(models[i].eer / 100))
        side = "below" if rank % 2 == 0 else "above"
        if at < edge_lo + 0.25 * (edge_hi - edge_lo):  # near the lower left corner: keep the label inside
            side = "above-right"
        crowd = sum(1 for p, s in placed if s == side and abs(p - at) < 0.45)
        placed.append((at, side))
        step = 11 * crowd
        places[i] = LabelPlace(*{"below": (9 + step, -9 - step, "left", "top"),
                                 "above": (-9 - step, 9 + step, "right", "bottom"),
                                 "above-right": (8, 8 + step, "left", "bottom")}[side])
    return places


# Where a narrow chart's EER label may go around its marker: (x, y) directions, tried at growing distances (points);
# each place is scored by what the label would cover and how far it is, and the cheapest wins.
_NARROW_DIRECTIONS = ((1, 1), (-1, -1), (1, -1), (-1, 1), (1, 0), (-1, 0), (0, 1), (0, -1))
_NARROW_DISTANCES = (6, 13, 22, 34)
_ALIGN_X = {1: "left", 0: "center", -1: "right"}
_ALIGN_Y = {1: "bottom", 0: "center", -1: "top"}


def _narrow_candidates() -> list:
    """(place, its own cost: the farther, the dearer) of every place a narrow chart's EER label may take."""
    return [(LabelPlace(sx * d, sy * d, _ALIGN_X[sx], _ALIGN_Y[sy]), 0.5 * k + d)
            for d in _NARROW_DISTANCES for k, (sx, sy) in enumerate(_NARROW_DIRECTIONS)]


def _box_of(place: LabelPlace, x: float, y: float, w: float, h: float) -> tuple:
    """(left, bottom, right, top) in inches of a label ``w`` x ``h`` inches placed at ``place`` from (x, y)."""
    left = x + place.dx / 72 - {"left": 0, "center": w / 2, "right": w}[place.ha]
    bottom = y + place.dy / 72 - {"bottom": 0, "center": h / 2, "top": h}[place.va]
    return left, bottom, left + w, bottom + h


def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _points_along(path: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` (or closer) along a polyline (n, 2), its ends included."""
    segments = np.diff(path, axis=0)
    counts = np.maximum(1, (np.hypot(segments[:, 0], segments[:, 1]) / step).astype(int))
    first = np.repeat(np.cumsum(counts) - counts, counts)
    fraction = (np.arange(counts.sum()) - first) / np.repeat(counts, counts)
    return np.vstack([np.repeat(path[:-1], counts, axis=0) + fraction[:, None] * np.repeat(segments, counts, axis=0),
                      path[-1:]])


@dataclass(frozen=True)
class ChartMarks:
    """What an EER label on a narrow DET chart should leave visible, in inches from the chart's lower left corner:
    the EER markers, and points along every curve and the diagonal."""

    size: float  # the chart's side
    markers: np.ndarray  # (models, 2)
    curves: np.ndarray  # (points, 2)

    @classmethod
    def of(cls, models: list, points: list, scale: DetScale, size: float) -> "ChartMarks":
        edge_lo, edge_hi = scale.edges
        to_in = size / (edge_hi - edge_lo)
        paths = [np.array([[edge_lo, edge_lo], [edge_hi, edge_hi]]), *points]
        at = np.array([float(scale.at(m.eer / 100)) for m in models])
        return cls(size, (np.column_stack([at, at]) - edge_lo) * to_in,
                   np.vstack([_points_along((path - edge_lo) * to_in, 0.03) for path in paths]))

    def cost(self, box: tuple, labels: list) -> float:
        """What a label in ``box`` covers: the chart's edge or a label placed before (``labels``) by far the most,
        then a marker, then each curve point."""
        left, bottom, right, top = box
        outside = max(0.0, -left) + max(0.0, -bottom) + max(0.0, right - self.size) + max(0.0, top - self.size)
        covered = sum(_overlap(box, other) for other in labels)
        near = 0.05  # a marker's half size
        markers = np.sum((self.markers[:, 0] + near > left) & (self.markers[:, 0] - near < right)
                         & (self.markers[:, 1] + near > bottom) & (self.markers[:, 1] - near < top))
        curves = np.sum((self.curves[:, 0] > left) & (self.curves[:, 0] < right) & (self.curves[:, 1] > bottom)
                        & (self.curves[:, 1] < top))
        return 1000 * (outside + covered) + 20 * float(markers) + float(curves)


def _narrow_label_places(ax, models: list, points: list, order: list, scale: DetScale, texts: dict,
                         size: float) -> dict:
    """Each EER label, best EER first, at the place around its marker that covers least (``ChartMarks.cost``)."""
    marks = ChartMarks.of(models, points, scale, size)
    renderer = ax.figure.canvas.get_renderer()
    pad = 0.03  # the label's white box, inches
    boxes, places = [], {}
    for i in order:
        text = texts[i]
        w, h, _ = renderer.get_text_width_height_descent(text.get_text(), text.get_fontproperties(), ismath=False)
        w, h = w / ax.figure.dpi + 2 * pad, h / ax.figure.dpi + 2 * pad
        x, y = marks.markers[i]
        best = None  # (cost, place, box)
        for place, own in _narrow_candidates():
            box = _box_of(place, x, y, w, h)
            cost = marks.cost(box, boxes) + own
            if best is None or cost < best[0]:
                best = (cost, place, box)
        places[i] = best[1]
        boxes.append(best[2])
    return places


def _det_labels(ax, models: list, points: list, order: list, scale: DetScale, layout: Layout,
                size: float) -> None:
    """Each model's EER as a label by its marker, in its colour."""
    from .present import eer_text

    font = (layout.tick_size + 0.5) if layout.narrow else TICK_SIZE + 0.5
    texts = {}
    for i in order:
        at = float(scale.at(models[i].eer / 100))
        texts[i] = ax.annotate(eer_text(models[i].eer), xy=(at, at), xytext=(0, 0), textcoords="offset points",
                               fontsize=font, fontweight="bold", color=_model_style(i)[0], zorder=6,
                               bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    places = (_narrow_label_places(ax, models, points, order, scale, texts, size) if layout.narrow
              else _desktop_label_places(models, order, scale))
    for i, text in texts.items():
        place = places[i]
        text.set_position((place.dx, place.dy))
        text.set_horizontalalignment(place.ha)
        text.set_verticalalignment(place.va)


def _det_legend(frame: DetFrame, models: list, layout: Layout) -> None:
    """Each model's line, marker and EER with its interval, and the EER line; the note on the clipped edges."""
    from matplotlib.lines import Line2D

    from .present import eer_interval_text, eer_text

    line = DetLine.of(layout)
    handles, names = [], []
    for i, m in enumerate(models):
        color, marker, dashes = _model_style(i)
        handles.append(Line2D([0], [0], color=color, lw=line.width, ls=dashes, marker=marker, ms=line.marker - 1.5,
                              mec="white", mew=1.0))
        names.append(f"{m.model}\nEER {eer_text(m.eer)} (95 %: {eer_interval_text(m.eer_ci95)})")
    handles.append(Line2D([0], [0], color=MUTED, lw=1.0, ls=DIAGONAL))
    names.append(EER_LINE_NAME)
    size, spacing, handle = (layout.label_size, 0.6, 2.4) if layout.narrow else (LABEL_SIZE, 1.1, 3.0)
    legend = frame.fig.legend(handles, names, loc="upper left", bbox_to_anchor=frame.legend_at, fontsize=size,
                              frameon=False, handlelength=handle, labelspacing=spacing, borderaxespad=0)
    for text in legend.get_texts():
        text.set_color(INK)
    if layout.narrow:
        frame.fig.text(*frame.note_at, frame.note, fontsize=layout.tick_size, color=MUTED, va="top", ha="left",
                       linespacing=MATPLOTLIB_LINE_SPACING)
    else:
        frame.fig.text(*frame.note_at, frame.note, fontsize=TICK_SIZE - 0.5, color=MUTED, va="bottom", ha="left")


def draw_det_curves(evaluation, layout: Layout = DESKTOP) -> Figure:
    """The DET curves of every model of an ``aasist.evaluation.evaluation.Evaluation`` on one chart, as the ASVspoof and
    NIST tools draw them: false alarm rate (bona fide called spoof) across, miss rate (spoof called bona fide) up, both
    on normal-deviate (probit) scales; each model's EER point marked on the dashed EER diagonal and labelled.

    ``layout``: the desktop's (the legend beside the chart) or a narrow one (the chart as wide as the screen, the
    legend under it). The EER markers carry ``gid="eer-point:<model>"`` and the curves ``gid="det-curve:<model>"``
    (for tests)."""
    models = list(evaluation.models)
    scale = DetScale.of(evaluation)
    frame = _narrow_det_frame(models, scale, layout) if layout.narrow else _desktop_det_frame(models, scale)
    _det_axes(frame, scale, layout)
    points = _det_points(models, scale)
    order = _det_curves(frame.ax, models, points, scale, layout)
    _det_labels(frame.ax, models, points, order, scale, layout, frame.size_in)
    _det_legend(frame, models, layout)
    return frame.fig


# --- score distributions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    """One class's lane in a model's panel: where it lies, its recordings' scores, and how many 0.5 calls wrong."""

    height: float  # its centre on the panel's y axis
    scores: np.ndarray
    color: str
    label: str  # the class
    wrong: int  # called the other class at 0.5...
    called: str  # ...this one

    def wrong_note(self, separator: str = " ") -> str:
        return f"{self.wrong} of {len(self.scores)} called {self.called}{separator}at 0.5"


def _lanes(m) -> tuple:
    """A panel's two lanes: the bona fide recordings above, the spoof ones below."""
    from ..evaluation.evaluation import BONA_FIDE, SPOOF

    return (Lane(1.0, np.asarray(m.bonafide_scores, dtype=np.float64), BONAFIDE_COLOR, BONA_FIDE,
                 m.false_alarms_at_05, SPOOF),
            Lane(0.0, np.asarray(m.spoof_scores, dtype=np.float64), SPOOF_COLOR, SPOOF, m.misses_at_05, BONA_FIDE))


def _draw_lanes(ax, m, i: int, layout: Layout) -> None:
    """The dots of each lane (with a histogram behind them when the lane holds enough), and on the desktop, right
    of each lane, how many of its recordings 0.5 calls wrong."""
    from ..evaluation.evaluation import FEW_PER_CLASS

    lanes = _lanes(m)
    histograms = [np.histogram(np.clip(lane.scores, 0, 1), SCORE_BINS, (0, 1)) for lane in lanes]
    tallest = max(int(counts.max(initial=0)) for counts, _ in histograms)
    shrink = 0.6 if layout.narrow else 1.0  # a phone's panel is a third as wide: smaller dots
    for lane, (counts, edges) in zip(lanes, histograms):
        scores, y = lane.scores, lane.height
        if len(scores) >= FEW_PER_CLASS and tallest > 0:
            ax.stairs(y - 0.4 + counts / tallest * 0.8, edges, baseline=y - 0.4, fill=True,
                      color=lane.color, alpha=0.16, lw=0, zorder=1)
        rng = np.random.default_rng(1000 * i + int(y))  # the same jitter in every drawing
        jitter = rng.uniform(-0.3, 0.3, len(scores)) if len(scores) > 1 else np.zeros(len(scores))
        many = len(scores)
        dot, alpha = (38, 0.9) if many <= 30 else ((20, 0.6) if many <= 150 else (10, 0.38))
        ax.scatter(scores, y + jitter, s=dot * shrink, c=lane.color, alpha=alpha, linewidths=0, zorder=5,
                   gid=f"scores:{m.model}:{lane.label}")
        if not layout.narrow:
            ax.text(1.015, y, lane.wrong_note("\n"), transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontsize=TICK_SIZE - 0.5, color=MUTED, linespacing=1.05)


def _threshold_label_right(ax, text: str, threshold: float, layout: Layout) -> bool:
    """Whether the label of the EER threshold goes right of its line (else left): on a phone, wherever it fits."""
    from matplotlib.font_manager import FontProperties

    if not layout.narrow:
        return threshold < 0.82
    renderer = ax.figure.canvas.get_renderer()
    width_px, _, _ = renderer.get_text_width_height_descent(
        text, FontProperties(size=layout.tick_size, weight="bold"), ismath=False)
    axes_px = ax.get_position().width * ax.figure.get_size_inches()[0] * ax.figure.dpi
    xmin, xmax = ax.get_xlim()
    return threshold + (width_px + 0.06 * ax.figure.dpi) / axes_px * (xmax - xmin) <= xmax


def _draw_thresholds(ax, m, i: int, layout: Layout) -> None:
    """The demo's threshold 0.5 (dashed) and the model's at its EER (solid, labelled, in the model's colour)."""
    from ..evaluation.evaluation import DEMO_THRESHOLD

    color, _, _ = _model_style(i)
    ax.axvline(DEMO_THRESHOLD, color=MUTED, lw=1.1, ls=(0, (4, 3)), zorder=2)
    threshold = float(m.threshold_at_eer)
    ax.axvline(threshold, color=color, lw=1.6, zorder=4, gid=f"eer-threshold:{m.model}")  # under the dots
    text = f"at EER: {threshold:.3g}"
    size = layout.tick_size if layout.narrow else TICK_SIZE - 0.5
    right = _threshold_label_right(ax, text, threshold, layout)
    ax.text(threshold + (0.006 if right else -0.006), 1.62, text, ha="left" if right else
            "right", va="center", fontsize=size, color=color, fontweight="bold", zorder=6,
            bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.85))


def _panel_axis(ax, m, layout: Layout) -> None:
    """The lanes named on the left (with their counts on the desktop), the probability ticks below."""
    lanes = ([f"bona fide\n(n = {m.n_bonafide})", f"spoof\n(n = {m.n_spoof})"] if not layout.narrow
             else ["bona fide", "spoof"])
    ax.set_ylim(-0.55, 1.85)
    ax.set_yticks([1.0, 0.0], lanes)
    for tick, tick_color in zip(ax.get_yticklabels(), (BONAFIDE_COLOR, SPOOF_COLOR)):
        tick.set_color(tick_color)
        tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(-0.015, 1.015)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
    ax.grid(True, axis="x", color=GRID, lw=0.6)
    ax.set_axisbelow(True)


def _panel_title_text(m) -> str:
    from .present import eer_interval_text, eer_text

    return f"{m.model}: EER {eer_text(m.eer)} (95 % interval {eer_interval_text(m.eer_ci95)})"


def _desktop_scores(evaluation) -> Figure:
    import textwrap

    models = list(evaluation.models)
    subtitle = textwrap.wrap(SCORES_SUBTITLE, 150)
    panel_in, gap_in, top_in, bottom_in = 1.3, 0.72, 1.05 + 0.19 * (len(subtitle) - 1), 0.62
    n = max(len(models), 1)
    fig = new_figure(top_in + n * panel_in + (n - 1) * gap_in + bottom_in)
    figure_title(fig, SCORES_TITLE, "\n".join(subtitle))
    left, width = 1.55, 7.75
    for i, m in enumerate(models):
        ax = axes_at(fig, left, bottom_in + (n - 1 - i) * (panel_in + gap_in), width, panel_in)
        _draw_lanes(ax, m, i, DESKTOP)
        _panel_axis(ax, m, DESKTOP)
        _draw_thresholds(ax, m, i, DESKTOP)
        panel_title(ax, _panel_title_text(m))
        if i == n - 1:
            ax.set_xlabel(SCORES_X_LABEL)
    return fig


PANEL_SPACING = 1.25  # line spacing of a narrow panel's header


@dataclass(frozen=True)
class PanelHeader:
    """A narrow panel's lines above its chart: the model and its EER, then how many of each class 0.5 calls wrong."""

    title: list
    notes: list

    @classmethod
    def of(cls, m, layout: Layout) -> "PanelHeader":
        usable = layout.width_in(0) - 2 * NARROW_MARGIN_IN
        notes = [f"{lane.label}: {lane.wrong_note()}" for lane in _lanes(m)]
        return cls(wrap_to_width(_unbroken(_panel_title_text(m)), usable, panel_title_size(layout)),
                   [line for note in notes for line in wrap_to_width(note, usable, layout.tick_size)])

    def height_in(self, layout: Layout) -> float:
        return (lines_in(panel_title_size(layout), len(self.title), PANEL_SPACING)
                + lines_in(layout.tick_size, len(self.notes), PANEL_SPACING) + 0.1)



# The narrow score panels, in inches.
NARROW_PANEL_IN = 0.95  # the two lanes
NARROW_PANEL_TICKS_IN = 0.24  # the probability ticks under a panel
NARROW_PANEL_GAP_IN = 0.2
NARROW_LANE_LABELS_IN = 0.62  # "bona fide", bold, left of the lanes
NARROW_PANEL_RIGHT_IN = 0.16  # half the last tick label "1", and a margin


def _narrow_scores(evaluation, layout: Layout) -> Figure:
    """One panel per model, stacked; above each, its title and its errors at 0.5."""
    models = list(evaluation.models)
    width, margin = layout.width_in(0), NARROW_MARGIN_IN
    headers = [PanelHeader.of(m, layout) for m in models]
    x_label = wrap_to_width(SCORES_X_LABEL, width - 2 * margin, layout.label_size)
    top = title_height_in(SCORES_TITLE, SCORES_SUBTITLE, layout)
    panels = sum(h.height_in(layout) + NARROW_PANEL_IN + NARROW_PANEL_TICKS_IN for h in headers)
    height = (top + panels + NARROW_PANEL_GAP_IN * max(len(models) - 1, 0)
              + lines_in(layout.label_size, len(x_label), MATPLOTLIB_LINE_SPACING) + margin)
    fig = new_figure(height, layout=layout)
    figure_title(fig, SCORES_TITLE, SCORES_SUBTITLE, layout)
    left = margin + NARROW_LANE_LABELS_IN
    y = height - top  # the inches left above the next panel's header
    for i, (m, header) in enumerate(zip(models, headers)):
        _panel_header(fig, header, y, layout)
        y -= header.height_in(layout) + NARROW_PANEL_IN
        ax = axes_at(fig, left, y, width - left - NARROW_PANEL_RIGHT_IN, NARROW_PANEL_IN, layout)
        _draw_lanes(ax, m, i, layout)
        _panel_axis(ax, m, layout)
        _draw_thresholds(ax, m, i, layout)  # after the axis: its label is placed where it fits
        y -= NARROW_PANEL_TICKS_IN + NARROW_PANEL_GAP_IN
    fig.text(0.5, (margin - 0.02) / height, "\n".join(x_label), fontsize=layout.label_size, color=INK, ha="center",
             va="bottom", linespacing=MATPLOTLIB_LINE_SPACING)
    return fig


def _panel_header(fig: Figure, header: PanelHeader, top_in: float, layout: Layout) -> None:
    w, h = fig.get_size_inches()
    size = panel_title_size(layout)
    fig.text(NARROW_MARGIN_IN / w, top_in / h, "\n".join(header.title), fontsize=size, color=INK, va="top",
             ha="left", linespacing=PANEL_SPACING)
    below = top_in - lines_in(size, len(header.title), PANEL_SPACING)
    fig.text(NARROW_MARGIN_IN / w, below / h, "\n".join(header.notes), fontsize=layout.tick_size, color=MUTED,
             va="top", ha="left", linespacing=PANEL_SPACING)


def draw_score_distributions(evaluation, layout: Layout = DESKTOP) -> Figure:
    """Small multiples, one panel per model of an ``aasist.evaluation.evaluation.Evaluation``: the spoof probability of
    every counted recording, the bona fide ones in the upper lane and the spoof ones in the lower (a dot each, jittered
    across the lane; with 20 or more in a lane also a histogram behind the dots), the demo's threshold 0.5 (dashed)
    and the model's threshold at its EER (solid, in the model's colour of the DET chart).

    ``layout``: the desktop's (each lane's errors at 0.5 right of it) or a narrow one (the panels as wide as the
    screen, each one's title and errors at 0.5 above it). The dots of a lane carry ``gid="scores:<model>:bona fide"``
    / ``"scores:<model>:spoof"`` and the EER threshold ``gid="eer-threshold:<model>"`` (for tests)."""
    return _narrow_scores(evaluation, layout) if layout.narrow else _desktop_scores(evaluation)
