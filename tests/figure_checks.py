"""Checks shared by the figure tests (tests/test_plots.py, tests/test_evaluation_plots.py): the texts a drawn
figure shows, whether they read on a phone, and made-up evaluations to draw."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from matplotlib.text import Text

from aasist.views.layout import NARROW_TICK_SIZE


def axis_by_label(fig, *, xlabel=None, ylabel=None):
    for ax in fig.axes:
        if (xlabel is None or ax.get_xlabel() == xlabel) and (ylabel is None or ax.get_ylabel() == ylabel):
            return ax
    raise AssertionError(f"no axes with xlabel={xlabel!r} ylabel={ylabel!r} in {[a.get_xlabel() for a in fig.axes]}")


def all_text(fig) -> str:
    """Every text of the figure, drawn or not, in one string."""
    return " ".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text") and o.get_text()))


def legend_texts(fig) -> list:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def by_gid(fig, gid: str):
    """The one artist of ``fig`` with this gid."""
    found = fig.findobj(lambda a: a.get_gid() == gid)
    assert len(found) == 1, (gid, found)
    return found[0]


def drawn_texts(fig) -> list:
    """The texts a drawn figure shows: visible, not empty, tick labels only where their tick is inside the axis."""
    off_axis = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    off_axis.update((id(tick.label1), id(tick.label2)))
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in off_axis]


def text_problems(fig) -> list:
    """Every text of a narrow figure under NARROW_TICK_SIZE (10 CSS px), reaching out of the figure, or overlapping
    another text (by more than a pixel each way); [] when it reads."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    problems, boxes = [], []
    for text in drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if text.get_fontsize() < NARROW_TICK_SIZE:
            problems.append(f"{text.get_text()!r} is {text.get_fontsize()} pt")
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
            problems.append(f"{text.get_text()!r} reaches out of the {width} x {height} figure: {box.extents}")
        boxes.append((text, box))
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if overlap_x > 1 and overlap_y > 1:
            problems.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    return problems


def made_up_evaluation(models: dict, n_bonafide: int, n_spoof: int, seed: int = 0):
    """An ``Evaluation`` of made-up models, no audio: ``models`` maps a name to how far apart (in logits) it puts
    the two classes; each class's spoof probabilities are logistic of a normal around -/+ that."""
    from aasist.evaluation.evaluation import Evaluation, model_evaluation

    rng = np.random.default_rng(seed)
    built = []
    for name, separation in models.items():
        bonafide = 1 / (1 + np.exp(-rng.normal(-separation, 1.5, n_bonafide)))
        spoof = 1 / (1 + np.exp(-rng.normal(separation, 1.5, n_spoof)))
        built.append(model_evaluation(name, bonafide, spoof, bootstrap_rounds=50, seed=seed))
    return Evaluation(built, [], "2025-03-04T05:06:07+00:00", 50, seed)
