"""The figures of one analysis (aasist.plots): what they show, on which axes, and how long they take (printed)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from aasist import evaluation_plots, plots
from aasist.audio import load_audio, prepare_waveform
from aasist.model import SAMPLE_RATE, WINDOW_SAMPLES

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = Path(os.environ.get("AASIST_EXAMPLES_DIR", REPO_ROOT / "assets" / "examples"))
WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE


@pytest.fixture(scope="module")
def detector(weights_dir):
    from aasist.detector import Detector

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
        return Detector.from_pretrained("AASIST")


@pytest.fixture(scope="module")
def real_clip() -> Path:
    clips = sorted(p for p in EXAMPLES_DIR.glob("*") if p.suffix.lower() in {".wav", ".flac", ".mp3", ".ogg"})
    real = [p for p in clips if not re.search(r"synth|spoof|tts|espeak|flite|festival|nanotts", p.name, re.I)]
    if not real:
        pytest.fail(f"expected a real speech example in {EXAMPLES_DIR}")
    return real[0]


def _speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    """Harmonic bursts with pauses: enough structure for the model and the figures, no file needed."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = (np.sin(2 * np.pi * 2.5 * t) > -0.3).astype(np.float32)
    x = 0.1 * voiced * envelope + 0.003 * rng.standard_normal(len(t))
    return x.astype(np.float32)


def _axis_by_label(fig, *, xlabel=None, ylabel=None):
    for ax in fig.axes:
        if (xlabel is None or ax.get_xlabel() == xlabel) and (ylabel is None or ax.get_ylabel() == ylabel):
            return ax
    raise AssertionError(f"no axes with xlabel={xlabel!r} ylabel={ylabel!r} in {[a.get_xlabel() for a in fig.axes]}")


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text") and o.get_text()))


def _timed_draw(audio, result, label: str):
    """draw_all, timed: the median of 3 calls after a first one (which imports librosa and loads fonts).

    Single calls vary by a few hundred ms when Python's full garbage collection runs in them; the app avoids most of
    that with gc.freeze() after start-up.
    """
    plots.draw_all(audio, result)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        figures = plots.draw_all(audio, result)
        runs.append((time.perf_counter() - started, figures))
    total, figures = sorted(runs, key=lambda run: run[0])[1]
    parts = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in figures.timings.items())
    print(f"\ndraw_all, {label}: {total * 1000:.0f} ms ({parts})")
    return figures


def test_real_clip_figures(detector, real_clip):
    audio = load_audio(real_clip)
    result = detector.analyze(audio, with_attention=True)
    figures = _timed_draw(audio, result, f"{real_clip.name} ({audio.duration_s:.1f} s)")

    for name in ("spectrogram", "spectral_attention", "temporal_attention"):
        image = getattr(figures, name)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, name
        assert 1000 <= image.shape[1] <= 1300 and 380 <= image.shape[0] <= 560, (name, image.shape)
        assert image.std() > 10, f"{name} looks blank"
    assert figures.heterogeneous is None  # uniform in the published checkpoint: not drawn
    assert "heterogeneous" not in figures.figures

    # Spectrogram: Hz up to Nyquist over the whole recording, the probability on the same time axis underneath.
    fig = figures.figures["spectrogram"]
    spec = _axis_by_label(fig, ylabel="Frequency (Hz)")
    prob = _axis_by_label(fig, xlabel="Time (s)")
    assert spec.get_ylim() == (0, SAMPLE_RATE / 2)
    assert spec.get_xlim() == pytest.approx((0, audio.duration_s))
    assert prob.get_xlim() == pytest.approx((0, audio.duration_s))
    assert prob.get_shared_x_axes().joined(spec, prob)
    assert prob.get_ylim() == (0, 1)
    assert "probability" in prob.get_ylabel()
    assert any(line.get_ydata()[0] == 0.5 for line in prob.get_lines())  # the threshold
    assert len(spec.images) == 1  # imshow, not a mesh
    assert spec.images[0].get_array().shape[1] <= plots.MAX_COLUMNS
    assert "attention plots" in _texts(fig)  # the decisive window is marked

    # Spectral attention: 23 bands along the same frequency axis, kept ones coloured.
    fig = figures.figures["spectral_attention"]
    bars = _axis_by_label(fig, xlabel="Share of attention")
    assert bars.get_ylim() == (0, SAMPLE_RATE / 2)
    from matplotlib.colors import to_hex

    (band_bars,) = bars.containers
    assert len(band_bars) == 23
    kept = [bar for bar in band_bars if to_hex(bar.get_facecolor()) == plots.KEPT_COLOR]
    assert len(kept) == len(result.attention.kept_spectral)
    assert _axis_by_label(fig, xlabel="attended band (Hz)").get_ylabel() == "attending band (Hz)"

    # Temporal attention: one bar per temporal node, on the decisive window's absolute times.
    fig = figures.figures["temporal_attention"]
    bars = _axis_by_label(fig, ylabel="Share of\nattention")
    start = result.attention.start_s
    assert bars.get_xlim() == pytest.approx((start, start + WINDOW_S))
    (node_bars,) = bars.containers
    assert len(node_bars) == len(result.attention.temporal_weight)
    assert _axis_by_label(fig, xlabel="Time in the recording (s)")


def test_short_input_is_tiled_and_says_so(detector):
    audio = prepare_waveform(_speechlike(1.5), SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    assert result.attention.tiled
    figures = _timed_draw(audio, result, "1.5 s synthetic")
    assert "repeated audio" in _texts(figures.figures["temporal_attention"])
    spec = _axis_by_label(figures.figures["spectrogram"], ylabel="Frequency (Hz)")
    assert spec.get_xlim() == pytest.approx((0, 1.5))


@pytest.mark.parametrize("seconds", [10, 60])
def test_long_input_is_drawn_at_display_resolution(detector, seconds):
    audio = prepare_waveform(_speechlike(seconds, seed=seconds), SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    figures = _timed_draw(audio, result, f"{seconds} s synthetic, {len(result.windows)} windows")
    spec = _axis_by_label(figures.figures["spectrogram"], ylabel="Frequency (Hz)")
    assert spec.images[0].get_array().shape[1] <= plots.MAX_COLUMNS
    assert spec.get_xlim() == pytest.approx((0, seconds))
    prob = _axis_by_label(figures.figures["spectrogram"], xlabel="Time (s)")
    assert len(prob.get_lines()) == len(result.windows) + 1  # one per window, plus the threshold


def test_authors_protocol_marks_what_was_not_analysed(detector):
    audio = prepare_waveform(_speechlike(9.0), SAMPLE_RATE)
    result = detector.analyze(audio, protocol="asvspoof", with_attention=True)
    figures = plots.draw_all(audio, result)
    assert "not analysed" in _texts(figures.figures["spectrogram"])


def test_without_attention_only_the_spectrogram(detector):
    audio = prepare_waveform(_speechlike(5.0), SAMPLE_RATE)
    result = detector.analyze(audio)
    figures = plots.draw_all(audio, result)
    assert figures.spectrogram is not None
    assert figures.spectral_attention is None and figures.temporal_attention is None and figures.heterogeneous is None


def test_heterogeneous_maps_drawn_only_when_not_uniform(detector, reference_dir):
    from aasist.detector import window_attention

    reference = np.load(reference_dir / "aasist_reference.npz")
    prefix = "AASIST-perturbed/x_64600_batch2/att/"
    raw = {k[len(prefix):]: reference[k][0] for k in reference.files if k.startswith(prefix)}
    attention = window_attention(raw, 0, 0, False)
    assert not attention.heterogeneous_uniform
    audio = prepare_waveform(reference["input/x_64600_batch2"][0], SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    assert result.attention.heterogeneous_uniform
    assert plots.draw_heterogeneous(result) is None

    result.attention = attention
    figures = plots.draw_all(audio, result)
    assert figures.heterogeneous is not None and figures.heterogeneous.shape[2] == 3
    assert len(figures.figures["heterogeneous"].axes) == 4


def test_silence_and_very_short_input_do_not_break_the_spectrogram():
    db, seconds_per_column = plots.log_spectrogram(np.zeros(100, dtype=np.float32))
    assert np.isfinite(db).all() and db.max() == 0 and seconds_per_column > 0
    db, _ = plots.log_spectrogram(np.zeros(16000 * 600, dtype=np.float32))  # 10 minutes
    assert db.shape[1] <= plots.MAX_COLUMNS


@pytest.fixture(scope="module")
def rawnet2_detector(reference_dir):
    """RawNet2 with the organisers' small reference weights (tests/data/reference/rawnet2): fast on torch."""
    import json

    import torch

    from aasist.backends import TorchBackend
    from aasist.detector import Detector
    from aasist.rawnet2 import RawNet2

    folder = reference_dir / "rawnet2"
    net = RawNet2(json.loads((folder / "rawnet2_reference.json").read_text())["small_config"])
    net.load_state_dict(torch.load(folder / "rawnet2_small_random.pth", map_location="cpu", weights_only=True))
    return Detector(TorchBackend(net, "cpu"), model_name="RawNet2", architecture="RawNet2")


def test_filter_scaling_figure_for_rawnet2_only(rawnet2_detector, detector):
    from aasist.report import render_report

    audio = prepare_waveform(_speechlike(6.0, seed=3), SAMPLE_RATE)
    result = rawnet2_detector.analyze(audio, with_attention=True)
    figures = plots.draw_all(audio, result)
    image = figures.filter_scaling
    assert image is not None and image.dtype == np.uint8 and image.shape[2] == 3 and image.std() > 10
    assert figures.spectral_attention is None and figures.temporal_attention is None  # RawNet2 has no attention

    fig = figures.figures["filter_scaling"]
    bands = _axis_by_label(fig, ylabel="Level (dB re strongest band)")
    (band_bars,) = bands.containers
    assert len(band_bars) == 20
    assert bands.get_xlim() == pytest.approx((0, SAMPLE_RATE / 2))
    heat = _axis_by_label(fig, ylabel="Residual block")
    gates = heat.images[0].get_array()
    assert gates.shape == (6, 32)  # blocks x the widest block's filters (small reference model)
    assert gates.mask[:2, 20:].all() and not gates.mask[2:].any()  # blocks 0-1 have 20 filters
    assert 0 < gates.min() and gates.max() < 1
    assert "not per band" in _texts(fig) and "20 filters" in _texts(fig)

    report = render_report(result, audio, figures=figures)
    assert 'data-figure="filter_scaling"' in report

    aasist_result = detector.analyze(audio, with_attention=True)
    assert aasist_result.attention is not None and aasist_result.filter_scaling is None
    assert plots.draw_filter_scaling(audio, aasist_result) is None


# --- speech presence: the strip under the spectrogram, and windows without speech -----------------------------------


def _tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _speech_strip(fig):
    return _axis_by_label(fig, ylabel="Speech")


def _strip_spans(strip) -> list:
    """The (start, end) seconds of the blue spans drawn in the speech strip."""
    from matplotlib.colors import to_hex

    spans = []
    for collection in strip.collections:
        colours = {to_hex(c) for c in collection.get_facecolors()}
        assert colours <= {plots.SPEECH_COLOR}, colours
        for path in collection.get_paths():
            xs = path.vertices[:, 0]
            spans.append((float(xs.min()), float(xs.max())))
    return sorted(spans)


def _window_lines(prob) -> list:
    """(colour, dashed) of each window's line in the timeline (the threshold line left out)."""
    from matplotlib.colors import to_hex

    return [(to_hex(line.get_color()), line.get_linestyle() != "-") for line in prob.get_lines()
            if len(set(line.get_ydata())) == 1 and line.get_ydata()[0] != 0.5 and len(line.get_xdata()) == 2
            and line.get_xdata()[0] != line.get_xdata()[1]]


def _legend_texts(fig) -> list:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_spectrogram_marks_where_speech_was_found(detector, real_clip):
    audio = load_audio(real_clip)
    result = detector.analyze(audio)
    assert result.verdict in ("spoof", "bona fide") and result.speech.regions
    fig = plots.draw_spectrogram(audio, result)
    strip = _speech_strip(fig)
    spec = _axis_by_label(fig, ylabel="Frequency (Hz)")
    assert strip.get_shared_x_axes().joined(spec, strip) and strip.get_xlim() == pytest.approx((0, audio.duration_s))
    spans = _strip_spans(strip)
    assert np.asarray(spans) == pytest.approx(np.asarray(result.speech.regions), abs=1e-6)
    assert f"{result.speech.seconds:.1f} s of speech" in _texts(fig)
    # Every window holds speech: coloured by its probability, solid, and no legend for grey windows.
    prob = _axis_by_label(fig, xlabel="Time (s)")
    assert all(w.has_speech for w in result.windows)
    assert {colour for colour, _ in _window_lines(prob)} <= {plots.SPOOF_COLOR, plots.BONAFIDE_COLOR}
    assert not any(dashed for _, dashed in _window_lines(prob)) and _legend_texts(fig) == []


def test_windows_without_speech_are_grey_with_a_legend(detector, real_clip):
    """Speech followed by 9 s of silence: a verdict, but the windows of silence are grey, dashed and explained."""
    speech = load_audio(real_clip).waveform
    audio = prepare_waveform(np.concatenate([speech, np.zeros(9 * SAMPLE_RATE, np.float32)]), SAMPLE_RATE)
    result = detector.analyze(audio)
    assert result.verdict in ("spoof", "bona fide")
    without = [not w.has_speech for w in result.windows]
    assert any(without) and not all(without)
    fig = plots.draw_spectrogram(audio, result)
    lines = _window_lines(_axis_by_label(fig, xlabel="Time (s)"))
    assert len(lines) == len(result.windows)
    for (colour, dashed), grey in zip(lines, without):
        assert (colour == plots.NO_SPEECH_COLOR) == grey and dashed == grey
    assert _legend_texts(fig) == ["window with under 0.5 s of speech"]
    assert max(end for _, end in _strip_spans(_speech_strip(fig))) < len(speech) / SAMPLE_RATE + 0.1


def test_a_tone_has_no_speech_and_nothing_drawn_as_a_verdict(detector):
    from aasist.present import shown_probability, verdict_headline

    audio = prepare_waveform(_tone(5.0), SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    assert result.verdict == "no_speech" and result.speech.regions == ()
    figures = plots.draw_all(audio, result)
    fig = figures.figures["spectrogram"]
    assert _strip_spans(_speech_strip(fig)) == []
    text = _texts(fig)
    assert "no speech found" in text and "where speech was found (none)" in text
    assert f"{verdict_headline('no_speech')}: spoof probability {shown_probability(result)}" in text
    lines = _window_lines(_axis_by_label(fig, xlabel="Time (s)"))
    assert lines and all(colour == plots.NO_SPEECH_COLOR and dashed for colour, dashed in lines)
    assert _legend_texts(fig) == ["window with under 0.5 s of speech"]
    # No red or green in the timeline's background either: grey without a verdict.
    from matplotlib.colors import to_hex

    prob = _axis_by_label(fig, xlabel="Time (s)")
    assert {to_hex(patch.get_facecolor()) for patch in prob.patches if patch.get_fill()} == {plots.NO_SPEECH_BG}
    assert figures.spectrogram.std() > 10


# --- an evaluation on labelled recordings: DET curves and score distributions ----------------------------------------


def _evaluation(models: dict, n_bonafide: int, n_spoof: int, seed: int = 0):
    """An ``Evaluation`` of made-up models, no audio: ``models`` maps a name to how far apart (in logits) it puts
    the two classes; each class's spoof probabilities are logistic of a normal around -/+ that."""
    from aasist.evaluation import Evaluation, model_evaluation

    rng = np.random.default_rng(seed)
    built = []
    for name, separation in models.items():
        bonafide = 1 / (1 + np.exp(-rng.normal(-separation, 1.5, n_bonafide)))
        spoof = 1 / (1 + np.exp(-rng.normal(separation, 1.5, n_spoof)))
        built.append(model_evaluation(name, bonafide, spoof, bootstrap_rounds=50, seed=seed))
    return Evaluation(built, [], "2025-03-04T05:06:07+00:00", 50, seed)


def _by_gid(fig, gid: str):
    found = [artist for artist in fig.findobj(lambda a: a.get_gid() == gid)]
    assert len(found) == 1, (gid, found)
    return found[0]


FOUR_MODELS = {"AASIST": 2.5, "AASIST-L": 1.2, "RawNet2": 0.4, "W2V2-AASIST": 3.5}


@pytest.mark.parametrize("n_bonafide, n_spoof", [(250, 250), (2, 1), (40, 7)])
def test_det_curves_on_probit_axes_with_each_eer_where_the_metrics_put_it(n_bonafide, n_spoof):
    from matplotlib.colors import to_hex
    from scipy.stats import norm

    from aasist import metrics
    from aasist.present import eer_text

    evaluation = _evaluation(FOUR_MODELS, n_bonafide, n_spoof)
    fig = evaluation_plots.draw_det_curves(evaluation)
    low, high = evaluation_plots.det_axis_range(evaluation)
    ax = _axis_by_label(fig, xlabel="False alarm rate (%): bona fide recordings called spoof")
    assert ax.get_ylabel() == "Miss rate (%): spoof recordings called bona fide"
    # Normal-deviate axes, ticked at the DET tools' rates.
    shown = [r for r in (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99) if r <= high]
    for axis in (ax.xaxis, ax.yaxis):
        assert axis.get_ticklocs() == pytest.approx(norm.ppf(shown))
        assert [t.get_text() for t in axis.get_ticklabels()] == [f"{r * 100:g}" for r in shown]
    assert ax.get_xlim() == pytest.approx(norm.ppf([low, high])) and ax.get_ylim() == ax.get_xlim()
    diagonal = _by_gid(fig, "eer-line")
    assert diagonal.get_xdata() == pytest.approx(diagonal.get_ydata())

    colours = set()
    legend = " ".join(_legend_texts(fig))
    for m in evaluation.models:
        eer, _ = metrics.compute_eer(1 - m.bonafide_scores, 1 - m.spoof_scores)  # bona fide is the target class
        point = _by_gid(fig, f"eer-point:{m.model}")
        assert point.get_xdata()[0] == pytest.approx(norm.ppf(np.clip(eer, low, high)))
        assert point.get_ydata()[0] == pytest.approx(point.get_xdata()[0])
        curve = _by_gid(fig, f"det-curve:{m.model}")
        miss, false_alarm, _ = m.det_curve()
        assert curve.get_xdata() == pytest.approx(norm.ppf(np.clip(false_alarm, low, high)))
        assert curve.get_ydata() == pytest.approx(norm.ppf(np.clip(miss, low, high)))
        assert np.isfinite(curve.get_xydata()).all()  # rates of 0 and 1 are clipped onto the edges
        assert eer_text(m.eer) in _texts(fig) and f"{m.model}\nEER {eer_text(m.eer)}" in legend
        assert point.get_color() == curve.get_color()
        colours.add(to_hex(curve.get_color()))
    assert colours == set(evaluation_plots.MODEL_COLORS[:4])  # one colour-blind-safe colour each
    image = plots.render_figure(fig)
    assert image.shape[1] == 960 and image.std() > 10


def test_det_axes_widen_for_an_eer_near_chance():
    from scipy.stats import norm

    evaluation = _evaluation({"coin": 0.0}, 200, 200, seed=4)
    assert evaluation.models[0].eer > 45
    low, high = evaluation_plots.det_axis_range(evaluation)
    assert high > 0.95
    fig = evaluation_plots.draw_det_curves(evaluation)
    point = _by_gid(fig, "eer-point:coin")
    ax = point.axes
    assert ax.get_xlim()[0] < point.get_xdata()[0] < ax.get_xlim()[1] - 0.5  # not on the edge
    assert point.get_xdata()[0] == pytest.approx(norm.ppf(evaluation.models[0].eer / 100))


def test_det_curves_of_one_perfect_model_with_three_recordings():
    """Perfectly separated: EER 0, drawn in the lower left corner; the curve lies on the edges, all finite."""
    evaluation = _evaluation({"AASIST": 8.0}, 2, 1)
    assert evaluation.models[0].eer == 0
    fig = evaluation_plots.draw_det_curves(evaluation)
    point = _by_gid(fig, "eer-point:AASIST")
    assert point.get_xdata()[0] == pytest.approx(point.axes.get_xlim()[0])
    assert np.isfinite(_by_gid(fig, "det-curve:AASIST").get_xydata()).all()
    assert "few: the curves are coarse steps" in _texts(fig)
    assert plots.render_figure(fig).std() > 10


@pytest.mark.parametrize("names, n_bonafide, n_spoof", [(["AASIST"], 2, 1), (list(FOUR_MODELS), 250, 250),
                                                         (["AASIST", "RawNet2"], 30, 12)])
def test_score_distributions_one_panel_per_model(names, n_bonafide, n_spoof):
    from aasist.present import eer_text

    evaluation = _evaluation({name: FOUR_MODELS[name] for name in names}, n_bonafide, n_spoof)
    fig = evaluation_plots.draw_score_distributions(evaluation)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(panels) == len(names)
    for ax, m in zip(panels, evaluation.models):
        assert ax.get_title(loc="left").startswith(f"{m.model}: EER {eer_text(m.eer)}")
        assert ax.get_xlim()[0] < 0 and ax.get_xlim()[1] > 1
        for label, scores in (("bona fide", m.bonafide_scores), ("spoof", m.spoof_scores)):
            dots = _by_gid(fig, f"scores:{m.model}:{label}")
            assert dots.axes is ax
            assert np.asarray(dots.get_offsets())[:, 0] == pytest.approx(scores)  # a dot per recording
        threshold = _by_gid(fig, f"eer-threshold:{m.model}")
        assert threshold.get_xdata()[0] == pytest.approx(m.threshold_at_eer) and threshold.axes is ax
        assert any(line.get_xdata()[0] == 0.5 and line.get_linestyle() != "-" for line in ax.get_lines())
        text = _texts(fig)
        assert f"{m.false_alarms_at_05} of {m.n_bonafide} called spoof" in text
        assert f"{m.misses_at_05} of {m.n_spoof} called bona fide" in text
        # Histograms behind the dots only where a lane holds enough recordings to show a shape.
        assert bool(ax.patches) == (max(n_bonafide, n_spoof) >= 20)
    image = plots.render_figure(fig)
    assert image.shape[1] == 1100 and image.std() > 10
    assert fig.get_size_inches()[1] < 2.5 + 2.05 * len(names)  # grows with the models, not the recordings


def test_evaluation_figures_of_a_large_set():
    """4 models and 1000 recordings (2000 would change nothing: a DET curve has a point per recording, the score
    panels a dot each); how long each figure takes is printed."""
    evaluation = _evaluation(FOUR_MODELS, 500, 500)
    for draw in (evaluation_plots.draw_det_curves, evaluation_plots.draw_score_distributions):
        plots.render_figure(draw(evaluation))  # fonts loaded
        started = time.perf_counter()
        image = plots.render_figure(draw(evaluation))
        took = time.perf_counter() - started
        assert image.std() > 10
        print(f"\n{draw.__name__}, 4 models x 1000 recordings: {took * 1000:.0f} ms")
