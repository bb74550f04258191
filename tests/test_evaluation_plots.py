"""The evaluation's figures (aasist.views.evaluation_plots): on the desktop, and drawn for a phone as wide as the screen
shows them, every text at least NARROW_TICK_SIZE (10 CSS px), nothing cut off or written over, the same marks.

Made-up evaluations, no audio: each model puts the two classes a given distance apart (in logits).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from aasist.views import evaluation_plots
from aasist.views.drawing import render_figure
from aasist.views.layout import DESKTOP, PHONE, Layout
from figure_checks import (all_text, axis_by_label, by_gid, drawn_texts, legend_texts, made_up_evaluation,
                           text_problems)

FOUR_MODELS = {"AASIST": 2.5, "AASIST-L": 1.2, "RawNet2": 0.4, "W2V2-AASIST": 3.5}
WIDTHS = (280, 360, 600)  # the narrowest screen drawn for, a phone's, a small tablet's
SETS = {1: ({"AASIST": 8.0}, 2, 1), 2: ({"AASIST": 2.5, "AASIST-L": 1.2}, 30, 12), 4: (FOUR_MODELS, 250, 250)}


def _boxes(fig) -> list:
    """(text, its box in pixels) of every text the drawn figure shows."""
    renderer = fig.canvas.get_renderer()
    return [(t, t.get_window_extent(renderer)) for t in drawn_texts(fig)]


def _check_readable(fig, layout: Layout) -> np.ndarray:
    """Rendered as wide as the screen at its pixel ratio; every text NARROW_TICK_SIZE or more, inside the image, and
    apart from every other text."""
    image = render_figure(fig)
    assert image.shape[1] == round(layout.width_px * layout.pixel_ratio)
    assert len(drawn_texts(fig)) > 10
    assert text_problems(fig) == []
    return image


def _drawn_narrow(draw, width: int, n_models: int) -> tuple:
    """(evaluation, figure, image) of ``draw`` for a screen ``width`` px wide and the set of ``n_models``, checked
    readable."""
    models, n_bonafide, n_spoof = SETS[n_models]
    evaluation = made_up_evaluation(models, n_bonafide, n_spoof)
    layout = Layout(width_px=width)
    fig = draw(evaluation, layout)
    image = _check_readable(fig, layout)
    assert image.std() > 10
    return evaluation, fig, image


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("n_models", sorted(SETS))
def test_det_curves_for_a_narrow_screen(width, n_models):
    evaluation, fig, image = _drawn_narrow(evaluation_plots.draw_det_curves, width, n_models)
    renderer = fig.canvas.get_renderer()
    chart = by_gid(fig, "eer-line").axes
    box = chart.get_window_extent(renderer)
    assert box.width == pytest.approx(box.height, abs=1)  # square, as wide as the screen lets it be
    assert box.width >= 0.65 * image.shape[1]
    # The legend under the chart (and its x axis), not beside it; the note on the clipped edges under the legend.
    legend = fig.legends[0].get_window_extent(renderer)
    under_chart = chart.get_tightbbox(renderer)
    assert legend.y1 <= under_chart.y0 and legend.x0 < box.x0
    note = next(b for t, b in _boxes(fig) if t.get_text().startswith("Rates of 0"))
    assert note.y1 <= legend.y0
    for m in evaluation.models:
        assert by_gid(fig, f"det-curve:{m.model}").axes is chart
        assert by_gid(fig, f"eer-point:{m.model}").axes is chart
    # Each EER label inside the chart, by its marker.
    labels = [t for t in chart.texts if t.get_text().endswith(" %")]
    assert len(labels) == len(evaluation.models)
    for label in labels:
        inside = label.get_window_extent(renderer)
        assert box.x0 - 1 <= inside.x0 and inside.x1 <= box.x1 + 1, label.get_text()
        assert box.y0 - 1 <= inside.y0 and inside.y1 <= box.y1 + 1, label.get_text()
        marker = chart.transData.transform(label.xy)
        distance = max(inside.x0 - marker[0], marker[0] - inside.x1, inside.y0 - marker[1], marker[1] - inside.y1, 0)
        assert distance <= 40 / 72 * fig.dpi, label.get_text()  # within 40 pt


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("n_models", sorted(SETS))
def test_score_distributions_for_a_narrow_screen(width, n_models):
    evaluation, fig, image = _drawn_narrow(evaluation_plots.draw_score_distributions, width, n_models)
    renderer = fig.canvas.get_renderer()
    panels = []
    for m in evaluation.models:
        threshold = by_gid(fig, f"eer-threshold:{m.model}")
        assert threshold.get_xdata()[0] == pytest.approx(m.threshold_at_eer)
        for label in ("bona fide", "spoof"):
            assert by_gid(fig, f"scores:{m.model}:{label}").axes is threshold.axes
        panels.append(threshold.axes.get_window_extent(renderer))
    # One panel per model, stacked top to bottom, each as wide as the others and most of the screen.
    for upper, lower in zip(panels, panels[1:]):
        assert lower.y1 < upper.y0 and lower.x0 == pytest.approx(upper.x0) and lower.x1 == pytest.approx(upper.x1)
    assert all(p.width >= 0.6 * image.shape[1] for p in panels)
    # Each model's errors at 0.5 in the lines above its panel: under its title, over the chart.
    texts = {t.get_text(): b for t, b in _boxes(fig)}
    for m, panel in zip(evaluation.models, panels):
        title = next(b for text, b in texts.items() if text.replace("\u00a0", " ").startswith(f"{m.model}: EER "))
        notes = next(b for text, b in texts.items()
                     if f"bona fide: {m.false_alarms_at_05} of {m.n_bonafide} called spoof at 0.5" in text
                     and f"spoof: {m.misses_at_05} of {m.n_spoof} called bona fide at 0.5" in text)
        assert panel.y1 <= notes.y0 and notes.y1 <= title.y0 + 1


def test_the_desktop_is_the_default():
    evaluation = made_up_evaluation(FOUR_MODELS, 40, 7)
    for draw, width in ((evaluation_plots.draw_det_curves, 960), (evaluation_plots.draw_score_distributions, 1100)):
        default, desktop = render_figure(draw(evaluation)), render_figure(draw(evaluation, DESKTOP))
        assert default.shape[1] == width and np.array_equal(default, desktop)


def test_narrow_figures_of_a_large_set():
    """4 models and 1000 recordings, for a phone and for the desktop: how long each takes is printed."""
    evaluation = made_up_evaluation(FOUR_MODELS, 500, 500)
    for draw in (evaluation_plots.draw_det_curves, evaluation_plots.draw_score_distributions):
        took = {}
        for name, layout in (("desktop", DESKTOP), ("phone", PHONE)):
            render_figure(draw(evaluation, layout))  # fonts loaded
            started = time.perf_counter()
            image = render_figure(draw(evaluation, layout))
            took[name] = time.perf_counter() - started
            assert image.std() > 10
        print(f"\n{draw.__name__}, 4 models x 1000 recordings: desktop {took['desktop'] * 1000:.0f} ms, phone "
              f"{took['phone'] * 1000:.0f} ms ({took['phone'] / took['desktop']:.2f}x)")


# --- on the desktop ----------------------------------------




@pytest.mark.parametrize("n_bonafide, n_spoof", [(250, 250), (2, 1), (40, 7)])
def test_det_curves_on_probit_axes_with_each_eer_where_the_metrics_put_it(n_bonafide, n_spoof):
    from matplotlib.colors import to_hex
    from scipy.stats import norm

    from aasist.evaluation import metrics
    from aasist.views.present import eer_text

    evaluation = made_up_evaluation(FOUR_MODELS, n_bonafide, n_spoof)
    fig = evaluation_plots.draw_det_curves(evaluation)
    low, high = evaluation_plots.det_axis_range(evaluation)
    ax = axis_by_label(fig, xlabel="False alarm rate (%): bona fide recordings called spoof")
    assert ax.get_ylabel() == "Miss rate (%): spoof recordings called bona fide"
    # Normal-deviate axes, ticked at the DET tools' rates.
    shown = [r for r in (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99) if r <= high]
    for axis in (ax.xaxis, ax.yaxis):
        assert axis.get_ticklocs() == pytest.approx(norm.ppf(shown))
        assert [t.get_text() for t in axis.get_ticklabels()] == [f"{r * 100:g}" for r in shown]
    assert ax.get_xlim() == pytest.approx(norm.ppf([low, high])) and ax.get_ylim() == ax.get_xlim()
    diagonal = by_gid(fig, "eer-line")
    assert diagonal.get_xdata() == pytest.approx(diagonal.get_ydata())

    colours = set()
    legend = " ".join(legend_texts(fig))
    for m in evaluation.models:
        eer, _ = metrics.compute_eer(1 - m.bonafide_scores, 1 - m.spoof_scores)  # bona fide is the target class
        point = by_gid(fig, f"eer-point:{m.model}")
        assert point.get_xdata()[0] == pytest.approx(norm.ppf(np.clip(eer, low, high)))
        assert point.get_ydata()[0] == pytest.approx(point.get_xdata()[0])
        curve = by_gid(fig, f"det-curve:{m.model}")
        miss, false_alarm, _ = m.det_curve()
        assert curve.get_xdata() == pytest.approx(norm.ppf(np.clip(false_alarm, low, high)))
        assert curve.get_ydata() == pytest.approx(norm.ppf(np.clip(miss, low, high)))
        assert np.isfinite(curve.get_xydata()).all()  # rates of 0 and 1 are clipped onto the edges
        assert eer_text(m.eer) in all_text(fig) and f"{m.model}\nEER {eer_text(m.eer)}" in legend
        assert point.get_color() == curve.get_color()
        colours.add(to_hex(curve.get_color()))
    assert colours == set(evaluation_plots.MODEL_COLORS[:4])  # one colour-blind-safe colour each
    image = render_figure(fig)
    assert image.shape[1] == 960 and image.std() > 10


def test_det_axes_widen_for_an_eer_near_chance():
    from scipy.stats import norm

    evaluation = made_up_evaluation({"coin": 0.0}, 200, 200, seed=4)
    assert evaluation.models[0].eer > 45
    low, high = evaluation_plots.det_axis_range(evaluation)
    assert high > 0.95
    fig = evaluation_plots.draw_det_curves(evaluation)
    point = by_gid(fig, "eer-point:coin")
    ax = point.axes
    assert ax.get_xlim()[0] < point.get_xdata()[0] < ax.get_xlim()[1] - 0.5  # not on the edge
    assert point.get_xdata()[0] == pytest.approx(norm.ppf(evaluation.models[0].eer / 100))


def test_det_curves_of_one_perfect_model_with_three_recordings():
    """Perfectly separated: EER 0, drawn in the lower left corner; the curve lies on the edges, all finite."""
    evaluation = made_up_evaluation({"AASIST": 8.0}, 2, 1)
    assert evaluation.models[0].eer == 0
    fig = evaluation_plots.draw_det_curves(evaluation)
    point = by_gid(fig, "eer-point:AASIST")
    assert point.get_xdata()[0] == pytest.approx(point.axes.get_xlim()[0])
    assert np.isfinite(by_gid(fig, "det-curve:AASIST").get_xydata()).all()
    assert "few: the curves are coarse steps" in all_text(fig)
    assert render_figure(fig).std() > 10


@pytest.mark.parametrize("names, n_bonafide, n_spoof", [(["AASIST"], 2, 1), (list(FOUR_MODELS), 250, 250),
                                                         (["AASIST", "RawNet2"], 30, 12)])
def test_score_distributions_one_panel_per_model(names, n_bonafide, n_spoof):
    from aasist.views.present import eer_text

    evaluation = made_up_evaluation({name: FOUR_MODELS[name] for name in names}, n_bonafide, n_spoof)
    fig = evaluation_plots.draw_score_distributions(evaluation)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(panels) == len(names)
    for ax, m in zip(panels, evaluation.models):
        assert ax.get_title(loc="left").startswith(f"{m.model}: EER {eer_text(m.eer)}")
        assert ax.get_xlim()[0] < 0 and ax.get_xlim()[1] > 1
        for label, scores in (("bona fide", m.bonafide_scores), ("spoof", m.spoof_scores)):
            dots = by_gid(fig, f"scores:{m.model}:{label}")
            assert dots.axes is ax
            assert np.asarray(dots.get_offsets())[:, 0] == pytest.approx(scores)  # a dot per recording
        threshold = by_gid(fig, f"eer-threshold:{m.model}")
        assert threshold.get_xdata()[0] == pytest.approx(m.threshold_at_eer) and threshold.axes is ax
        assert any(line.get_xdata()[0] == 0.5 and line.get_linestyle() != "-" for line in ax.get_lines())
        text = all_text(fig)
        assert f"{m.false_alarms_at_05} of {m.n_bonafide} called spoof" in text
        assert f"{m.misses_at_05} of {m.n_spoof} called bona fide" in text
        # Histograms behind the dots only where a lane holds enough recordings to show a shape.
        assert bool(ax.patches) == (max(n_bonafide, n_spoof) >= 20)
    image = render_figure(fig)
    assert image.shape[1] == 1100 and image.std() > 10
    assert fig.get_size_inches()[1] < 2.5 + 2.05 * len(names)  # grows with the models, not the recordings


def test_evaluation_figures_of_a_large_set():
    """4 models and 1000 recordings (2000 would change nothing: a DET curve has a point per recording, the score
    panels a dot each); how long each figure takes is printed."""
    evaluation = made_up_evaluation(FOUR_MODELS, 500, 500)
    for draw in (evaluation_plots.draw_det_curves, evaluation_plots.draw_score_distributions):
        render_figure(draw(evaluation))  # fonts loaded
        started = time.perf_counter()
        image = render_figure(draw(evaluation))
        took = time.perf_counter() - started
        assert image.std() > 10
        print(f"\n{draw.__name__}, 4 models x 1000 recordings: {took * 1000:.0f} ms")
