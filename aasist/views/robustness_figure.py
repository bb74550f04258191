"""The robustness check as a figure: the spoof probability of the recording and of each harmless edit of it
(``aasist.inference.robustness``), and which edits flip the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .drawing import (BONAFIDE_BG, BONAFIDE_COLOR, INK, LINE_SPACING, MUTED, NARROW_MARGIN_IN, PROBABILITY_EDGE,
                      SPOOF_BG, SPOOF_COLOR, THRESHOLD, Column, axes_at, figure_title, lines_in, new_figure,
                      text_width_in, wrap_to_width)
from .layout import DESKTOP, LABEL_SIZE, TICK_SIZE, Layout

ROBUSTNESS_TITLE = "Would the verdict survive small, harmless changes?"
ROBUSTNESS_AXIS_LABEL = "Spoof probability (left of the dashed line: bona fide, right: spoof)"


@dataclass(frozen=True)
class _RobustnessRow:
    label: str
    probability: float
    flips: bool
    is_base: bool  # the unedited recording (or the part checked)

    @property
    def color(self) -> str:
        return SPOOF_COLOR if self.probability >= THRESHOLD else BONAFIDE_COLOR

    @property
    def value(self) -> str:
        # 0.499 must not read "0.50" beside a bona fide dot
        digits = 3 if abs(self.probability - THRESHOLD) < 0.005 else 2
        return f"{self.probability:.{digits}f}"


def _robustness_rows(check) -> list:
    from ..inference.robustness import EDITS_BY_NAME, MAX_CHECK_S, WHOLE

    base_label = "as it is" if check.part_checked == WHOLE else f"first {MAX_CHECK_S:g} s, as it is"
    rows = [_RobustnessRow(base_label, float(check.base_probability), False, True)]
    rows += [_RobustnessRow(EDITS_BY_NAME[e.name].label if e.name in EDITS_BY_NAME else e.name,
                            float(e.spoof_probability), e.flips, False) for e in check.edits]
    return rows


def draw_robustness(result, layout: Layout = DESKTOP) -> Optional[Figure]:
    """Each benign edit's spoof probability as a point against the 0.5 line, the edits that flip the verdict
    highlighted; ``None`` when the result has no robustness check (``pipeline.Pipeline``). On the desktop a row per
    edit, its name left of the dot; when narrow its name above the dot line, its value at the name line's right end."""
    check = getattr(result, "robustness", None)
    if check is None:
        return None
    rows = _robustness_rows(check)
    return _narrow_robustness(check, rows, layout) if layout.narrow else _desktop_robustness(check, rows)


def _desktop_robustness(check, rows: list) -> Figure:
    import textwrap

    subtitle = textwrap.wrap(check.summary_sentence(), 150)
    top = 0.75 + 0.2 * len(subtitle)
    row_in = 0.3
    height = top + row_in * len(rows) + 0.75
    fig = new_figure(height)
    figure_title(fig, ROBUSTNESS_TITLE, "\n".join(subtitle))
    left, width = 2.65, 6.3
    ax = axes_at(fig, left, 0.6, width, row_in * len(rows))

    ax.axvspan(THRESHOLD, 1.0 + PROBABILITY_EDGE, color=SPOOF_BG, zorder=0, lw=0)
    ax.axvspan(-PROBABILITY_EDGE, THRESHOLD, color=BONAFIDE_BG, zorder=0, lw=0)
    ax.axvline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    ax.axvline(check.base_probability, color=INK, lw=0.8, alpha=0.35, zorder=1)
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        _robustness_dot(ax, row, check.base_probability, y)
        ax.text(-0.015, y, row.label, transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=LABEL_SIZE, color=INK, fontweight="bold" if (row.flips or row.is_base) else "normal")
        note = row.value + ("  flips the verdict" if row.flips else "")
        ax.text(1.02, y, note, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=TICK_SIZE,
                color=row.color if row.flips else MUTED, fontweight="bold" if row.flips else "normal")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    _probability_axis(ax, ROBUSTNESS_AXIS_LABEL)
    return fig


def _robustness_dot(ax, row: _RobustnessRow, base_probability: float, y: float) -> None:
    """The edit's dot at height ``y``, joined to the unedited recording's probability; ringed when it flips."""
    if not row.is_base:
        ax.plot([base_probability, row.probability], [y, y], color=row.color, lw=1.4, alpha=0.45, zorder=2)
    ax.scatter([row.probability], [y], s=95 if row.flips else 48, c=row.color, zorder=4,
               linewidths=1.8 if row.flips else 0, edgecolors=INK if row.flips else "none",
               marker="D" if row.is_base else "o")


def _probability_axis(ax, label: str) -> None:
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(-PROBABILITY_EDGE, 1 + PROBABILITY_EDGE)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xticklabels(["0", "0.25", "0.5", "0.75", "1"])
    ax.set_xlabel(label)


def _narrow_robustness(check, rows: list, layout: Layout) -> Figure:
    """A row per edit: its name (wrapped when it would reach its value), its value at the right end, and under them
    its dot line on the red and green halves; the 0-1 axis full width below. The axes' y unit is the inch (from the
    bottom of the rows), so that the rows are laid out as text is."""
    col = Column(layout, ROBUSTNESS_TITLE, check.summary_sentence())
    width = col.width_in - 2 * NARROW_MARGIN_IN
    name_size, dot_in, gap_in = layout.label_size, 0.24, 0.1
    placed = []  # (row, name lines, value text, height of the name lines)
    for row in rows:
        value = row.value + (" · flips the verdict" if row.flips else "")
        room = width - text_width_in(value, layout.tick_size) - 0.15
        fits = text_width_in(row.label, name_size) <= room
        lines = [row.label] if fits else wrap_to_width(row.label, room, name_size)
        placed.append((row, lines, value, lines_in(name_size, len(lines))))
    rows_in = sum(dot_in + gap_in + name_in for *_, name_in in placed)
    label_lines = wrap_to_width(ROBUSTNESS_AXIS_LABEL, width, layout.label_size)
    area = col.slot(rows_in, above_in=0.05, below_in=0.2 + lines_in(layout.label_size, len(label_lines)))
    fig = col.figure()
    ax = col.axes(area, NARROW_MARGIN_IN, width)
    ax.set_ylim(0, rows_in)

    top = rows_in
    for row, lines, value, name_in in placed:
        bold = "bold" if (row.flips or row.is_base) else "normal"
        ax.text(-PROBABILITY_EDGE, top, "\n".join(lines), ha="left", va="top", fontsize=name_size, color=INK,
                fontweight=bold, linespacing=LINE_SPACING)
        first_baseline = top - 0.8 * name_size / 72  # the value on the name's first line
        ax.text(1 + PROBABILITY_EDGE, first_baseline, value, ha="right", va="baseline", fontsize=layout.tick_size,
                color=row.color if row.flips else MUTED, fontweight="bold" if row.flips else "normal")
        band_top = top - name_in - 0.02
        y = band_top - dot_in / 2
        for start, end, color in ((-PROBABILITY_EDGE, THRESHOLD, BONAFIDE_BG),
                                  (THRESHOLD, 1 + PROBABILITY_EDGE, SPOOF_BG)):
            ax.add_patch(Rectangle((start, band_top - dot_in), end - start, dot_in, color=color, lw=0, zorder=0))
        ax.vlines([THRESHOLD], band_top - dot_in, band_top, color=MUTED, lw=1, ls=(0, (3, 2)), zorder=1)
        ax.vlines([check.base_probability], band_top - dot_in, band_top, color=INK, lw=0.8, alpha=0.35, zorder=1)
        _robustness_dot(ax, row, check.base_probability, y)
        top = band_top - dot_in - gap_in
    _probability_axis(ax, "\n".join(label_lines))
    return fig
