"""The figures of one analysis (aasist.views.plots): what they show, on which axes, and how long they take (printed)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from aasist.views import (attention_figures, drawing, filter_scaling_figure, frame_scores_figure, plots,
                          robustness_figure, spectrogram_figure)
from aasist.audio.decoding import load_audio, prepare_waveform
from aasist.views.layout import DESKTOP, MIN_NARROW_PX, PHONE, Layout
from aasist.models.model import SAMPLE_RATE, WINDOW_SAMPLES
from figure_checks import all_text, axis_by_label, legend_texts, text_problems

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = Path(os.environ.get("AASIST_EXAMPLES_DIR", REPO_ROOT / "assets" / "examples"))
WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE


@pytest.fixture(scope="module")
def detector(aasist_detector):
    """The run's AASIST on ONNX Runtime (conftest.py), its graph in the run's cache, not the home folder's."""
    return aasist_detector


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
    spec = axis_by_label(fig, ylabel="Frequency (Hz)")
    prob = axis_by_label(fig, xlabel="Time (s)")
    assert spec.get_ylim() == (0, SAMPLE_RATE / 2)
    assert spec.get_xlim() == pytest.approx((0, audio.duration_s))
    assert prob.get_xlim() == pytest.approx((0, audio.duration_s))
    assert prob.get_shared_x_axes().joined(spec, prob)
    assert prob.get_ylim() == (0, 1)
    assert "probability" in prob.get_ylabel()
    assert any(line.get_ydata()[0] == 0.5 for line in prob.get_lines())  # the threshold
    assert len(spec.images) == 1  # imshow, not a mesh
    assert spec.images[0].get_array().shape[1] <= drawing.MAX_COLUMNS
    assert "attention plots" in all_text(fig)  # the decisive window is marked

    # Spectral attention: 23 bands along the same frequency axis, kept ones coloured.
    fig = figures.figures["spectral_attention"]
    bars = axis_by_label(fig, xlabel="Share of attention")
    assert bars.get_ylim() == (0, SAMPLE_RATE / 2)
    from matplotlib.colors import to_hex

    (band_bars,) = bars.containers
    assert len(band_bars) == 23
    kept = [bar for bar in band_bars if to_hex(bar.get_facecolor()) == drawing.KEPT_COLOR]
    assert len(kept) == len(result.attention.kept_spectral)
    assert axis_by_label(fig, xlabel="attended band (Hz)").get_ylabel() == "attending band (Hz)"

    # Temporal attention: one bar per temporal node, on the decisive window's absolute times.
    fig = figures.figures["temporal_attention"]
    bars = axis_by_label(fig, ylabel="Share of\nattention")
    start = result.attention.start_s
    assert bars.get_xlim() == pytest.approx((start, start + WINDOW_S))
    (node_bars,) = bars.containers
    assert len(node_bars) == len(result.attention.temporal_weight)
    assert axis_by_label(fig, xlabel="Time in the recording (s)")


def test_short_input_is_tiled_and_says_so(detector):
    audio = prepare_waveform(_speechlike(1.5), SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    assert result.attention.tiled
    figures = _timed_draw(audio, result, "1.5 s synthetic")
    assert "repeated audio" in all_text(figures.figures["temporal_attention"])
    spec = axis_by_label(figures.figures["spectrogram"], ylabel="Frequency (Hz)")
    assert spec.get_xlim() == pytest.approx((0, 1.5))


@pytest.mark.parametrize("seconds", [10, 60])
def test_long_input_is_drawn_at_display_resolution(detector, seconds):
    audio = prepare_waveform(_speechlike(seconds, seed=seconds), SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    figures = _timed_draw(audio, result, f"{seconds} s synthetic, {len(result.windows)} windows")
    spec = axis_by_label(figures.figures["spectrogram"], ylabel="Frequency (Hz)")
    assert spec.images[0].get_array().shape[1] <= drawing.MAX_COLUMNS
    assert spec.get_xlim() == pytest.approx((0, seconds))
    prob = axis_by_label(figures.figures["spectrogram"], xlabel="Time (s)")
    assert len(prob.get_lines()) == len(result.windows) + 1  # one per window, plus the threshold


def test_authors_protocol_marks_what_was_not_analysed(detector):
    audio = prepare_waveform(_speechlike(9.0), SAMPLE_RATE)
    result = detector.analyze(audio, protocol="asvspoof", with_attention=True)
    figures = plots.draw_all(audio, result)
    assert "not analysed" in all_text(figures.figures["spectrogram"])


def test_without_attention_only_the_spectrogram(detector):
    audio = prepare_waveform(_speechlike(5.0), SAMPLE_RATE)
    result = detector.analyze(audio)
    figures = plots.draw_all(audio, result)
    assert figures.spectrogram is not None
    assert figures.spectral_attention is None and figures.temporal_attention is None and figures.heterogeneous is None


def test_heterogeneous_maps_drawn_only_when_not_uniform(detector, reference_dir):
    from aasist.inference.detector import window_attention

    reference = np.load(reference_dir / "aasist_reference.npz")
    prefix = "AASIST-perturbed/x_64600_batch2/att/"
    raw = {k[len(prefix):]: reference[k][0] for k in reference.files if k.startswith(prefix)}
    attention = window_attention(raw, 0, 0, False)
    assert not attention.heterogeneous_uniform
    audio = prepare_waveform(reference["input/x_64600_batch2"][0], SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    assert result.attention.heterogeneous_uniform
    assert attention_figures.draw_heterogeneous(result) is None

    result.attention = attention
    figures = plots.draw_all(audio, result)
    assert figures.heterogeneous is not None and figures.heterogeneous.shape[2] == 3
    assert len(figures.figures["heterogeneous"].axes) == 4


def test_silence_and_very_short_input_do_not_break_the_spectrogram():
    db, seconds_per_column = drawing.log_spectrogram(np.zeros(100, dtype=np.float32))
    assert np.isfinite(db).all() and db.max() == 0 and seconds_per_column > 0
    db, _ = drawing.log_spectrogram(np.zeros(16000 * 600, dtype=np.float32))  # 10 minutes
    assert db.shape[1] <= drawing.MAX_COLUMNS


@pytest.fixture(scope="module")
def rawnet2_detector(reference_dir):
    """RawNet2 with the organisers' small reference weights (tests/data/reference/rawnet2): fast on torch."""
    import json

    import torch

    from aasist.inference.backends import TorchBackend
    from aasist.inference.detector import Detector
    from aasist.models.rawnet2 import RawNet2

    folder = reference_dir / "rawnet2"
    net = RawNet2(json.loads((folder / "rawnet2_reference.json").read_text())["small_config"])
    net.load_state_dict(torch.load(folder / "rawnet2_small_random.pth", map_location="cpu", weights_only=True))
    return Detector(TorchBackend(net, "cpu"), model_name="RawNet2", architecture="RawNet2")


def test_filter_scaling_figure_for_rawnet2_only(rawnet2_detector, detector):
    from aasist.views.report import render_report

    audio = prepare_waveform(_speechlike(6.0, seed=3), SAMPLE_RATE)
    result = rawnet2_detector.analyze(audio, with_attention=True)
    figures = plots.draw_all(audio, result)
    image = figures.filter_scaling
    assert image is not None and image.dtype == np.uint8 and image.shape[2] == 3 and image.std() > 10
    assert figures.spectral_attention is None and figures.temporal_attention is None  # RawNet2 has no attention

    fig = figures.figures["filter_scaling"]
    bands = axis_by_label(fig, ylabel="Level (dB re strongest band)")
    (band_bars,) = bands.containers
    assert len(band_bars) == 20
    assert bands.get_xlim() == pytest.approx((0, SAMPLE_RATE / 2))
    heat = axis_by_label(fig, ylabel="Residual block")
    gates = heat.images[0].get_array()
    assert gates.shape == (6, 32)  # blocks x the widest block's filters (small reference model)
    assert gates.mask[:2, 20:].all() and not gates.mask[2:].any()  # blocks 0-1 have 20 filters
    assert 0 < gates.min() and gates.max() < 1
    assert "not per band" in all_text(fig) and "20 filters" in all_text(fig)

    report = render_report(result, audio, figures=figures)
    assert 'data-figure="filter_scaling"' in report

    aasist_result = detector.analyze(audio, with_attention=True)
    assert aasist_result.attention is not None and aasist_result.filter_scaling is None
    assert filter_scaling_figure.draw_filter_scaling(audio, aasist_result) is None


@pytest.fixture(scope="module")
def antideepfake_detector(antideepfake_reference_folders):
    """The reduced AntiDeepfake-Small made with the authors' code (a checkpoint folder): on torch, with its frames."""
    from aasist.inference.detector import Detector

    return Detector.from_pretrained(str(antideepfake_reference_folders["small"]))


def test_frame_scores_figure_for_antideepfake_only(antideepfake_detector, detector):
    """AntiDeepfake's figure draws what the model computed and nothing else: each frame's spoof probability at its
    time in the recording, the 0.5 line and the window's own score; AASIST's result has no such figure."""
    from aasist.views.report import render_report
    from figure_checks import by_gid

    audio = prepare_waveform(_speechlike(6.0, seed=3), SAMPLE_RATE)
    result = antideepfake_detector.analyze(audio, with_attention=True)
    figures = plots.draw_all(audio, result)
    image = figures.frame_scores
    assert image is not None and image.dtype == np.uint8 and image.shape == (image.shape[0], 1100, 3)
    assert image.std() > 10 and set(figures.figures) == {"spectrogram", "frame_scores"}

    fig = figures.figures["frame_scores"]
    frames = result.frame_scores
    curve = by_gid(fig, "frame-scores")
    assert np.array_equal(curve.get_xdata(), frames.times_s) and curve.get_drawstyle() == "steps-mid"
    assert np.allclose(curve.get_ydata(), frames.spoof_probability)
    ax = curve.axes
    assert ax.get_xlabel() == "Time in the recording (s)" and ax.get_xlim() == pytest.approx((0.0, 6.0))
    assert ax.get_ylim() == pytest.approx((-0.02, 1.02))
    assert by_gid(fig, "pooled-score").get_ydata()[0] == pytest.approx(result.spoof_probability)  # scored whole
    assert any(list(line.get_ydata()) == [0.5, 0.5] for line in ax.lines)  # the threshold
    text = all_text(fig)
    assert "AntiDeepfake-Small, frame by frame: spoof probability of each 20 ms frame" in text
    assert "forward_seg" in text and "Not attention" in text and "mean of the frames' logits" in text
    assert "frame-by-frame plot" in all_text(figures.figures["spectrogram"])

    report = render_report(result, audio, figures=figures)
    assert 'data-figure="frame_scores"' in report

    aasist_result = detector.analyze(audio, with_attention=True)
    assert aasist_result.frame_scores is None and frame_scores_figure.draw_frame_scores(aasist_result) is None
    assert plots.draw_all(audio, aasist_result).frame_scores is None
    assert "frame_scores" not in render_report(aasist_result, audio)


# --- speech presence: the strip under the spectrogram, and windows without speech -----------------------------------


def _tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _speech_strip(fig):
    return axis_by_label(fig, ylabel="Speech")


def _strip_spans(strip) -> list:
    """The (start, end) seconds of the blue spans drawn in the speech strip."""
    from matplotlib.colors import to_hex

    spans = []
    for collection in strip.collections:
        colours = {to_hex(c) for c in collection.get_facecolors()}
        assert colours <= {drawing.SPEECH_COLOR}, colours
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


def test_spectrogram_marks_where_speech_was_found(detector, real_clip):
    audio = load_audio(real_clip)
    result = detector.analyze(audio)
    assert result.verdict in ("spoof", "bona fide") and result.speech.regions
    fig = spectrogram_figure.draw_spectrogram(audio, result)
    strip = _speech_strip(fig)
    spec = axis_by_label(fig, ylabel="Frequency (Hz)")
    assert strip.get_shared_x_axes().joined(spec, strip) and strip.get_xlim() == pytest.approx((0, audio.duration_s))
    spans = _strip_spans(strip)
    assert np.asarray(spans) == pytest.approx(np.asarray(result.speech.regions), abs=1e-6)
    assert f"{result.speech.seconds:.1f} s of speech" in all_text(fig)
    # Every window holds speech: coloured by its probability, solid, and no legend for grey windows.
    prob = axis_by_label(fig, xlabel="Time (s)")
    assert all(w.has_speech for w in result.windows)
    assert {colour for colour, _ in _window_lines(prob)} <= {drawing.SPOOF_COLOR, drawing.BONAFIDE_COLOR}
    assert not any(dashed for _, dashed in _window_lines(prob)) and legend_texts(fig) == []


def test_windows_without_speech_are_grey_with_a_legend(detector, real_clip):
    """Speech followed by 9 s of silence: a verdict, but the windows of silence are grey, dashed and explained."""
    speech = load_audio(real_clip).waveform
    audio = prepare_waveform(np.concatenate([speech, np.zeros(9 * SAMPLE_RATE, np.float32)]), SAMPLE_RATE)
    result = detector.analyze(audio)
    assert result.verdict in ("spoof", "bona fide")
    without = [not w.has_speech for w in result.windows]
    assert any(without) and not all(without)
    fig = spectrogram_figure.draw_spectrogram(audio, result)
    lines = _window_lines(axis_by_label(fig, xlabel="Time (s)"))
    assert len(lines) == len(result.windows)
    for (colour, dashed), grey in zip(lines, without):
        assert (colour == drawing.NO_SPEECH_COLOR) == grey and dashed == grey
    assert legend_texts(fig) == ["window with under 0.5 s of speech"]
    assert max(end for _, end in _strip_spans(_speech_strip(fig))) < len(speech) / SAMPLE_RATE + 0.1


def test_a_tone_has_no_speech_and_nothing_drawn_as_a_verdict(detector):
    from aasist.views.present import shown_probability, verdict_headline

    audio = prepare_waveform(_tone(5.0), SAMPLE_RATE)
    result = detector.analyze(audio, with_attention=True)
    assert result.verdict == "no_speech" and result.speech.regions == ()
    figures = plots.draw_all(audio, result)
    fig = figures.figures["spectrogram"]
    assert _strip_spans(_speech_strip(fig)) == []
    text = all_text(fig)
    assert "no speech found" in text and "where speech was found (none)" in text
    assert f"{verdict_headline('no_speech')}: spoof probability {shown_probability(result)}" in text
    lines = _window_lines(axis_by_label(fig, xlabel="Time (s)"))
    assert lines and all(colour == drawing.NO_SPEECH_COLOR and dashed for colour, dashed in lines)
    assert legend_texts(fig) == ["window with under 0.5 s of speech"]
    # No red or green in the timeline's background either: grey without a verdict.
    from matplotlib.colors import to_hex

    prob = axis_by_label(fig, xlabel="Time (s)")
    assert {to_hex(patch.get_facecolor()) for patch in prob.patches if patch.get_fill()} == {drawing.NO_SPEECH_BG}
    assert figures.spectrogram.std() > 10


def test_no_verdict_and_the_part_not_analysed_say_so_apart(detector):
    """A tone under the authors' protocol: the note that there is no verdict and the one on the part not analysed
    both read, one above the other."""
    tone = prepare_waveform(_tone(9.0), SAMPLE_RATE)
    result = detector.analyze(tone, protocol="asvspoof")
    assert result.verdict == "no_speech"
    fig = spectrogram_figure.draw_spectrogram(tone, result)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    prob = axis_by_label(fig, xlabel="Time (s)")
    notes = [t for t in prob.texts if t.get_text().startswith(("No speech found", "not analysed"))]
    assert len(notes) == 2
    first, second = (t.get_window_extent(renderer) for t in notes)
    assert not first.overlaps(second), (first, second)


# --- the narrow layout: figures drawn for a phone -------------------------------------------------------------


@pytest.fixture(scope="module")
def phone_cases(detector, real_clip, rawnet2_detector, reference_dir, w2v2_reference_folder,
                antideepfake_detector) -> dict:
    """name -> (audio, result): one of each kind of figure and of each thing a figure may have to say."""
    from aasist.inference.detector import Detector, window_attention
    from aasist.inference.pipeline import Pipeline

    cases = {}
    audio = load_audio(real_clip)
    cases["AASIST with robustness"] = (audio, Pipeline([detector]).analyze(audio, with_attention=True,
                                                                            robustness=True))
    tone = prepare_waveform(_tone(5.0), SAMPLE_RATE)
    cases["no speech"] = (tone, detector.analyze(tone, with_attention=True))
    silence = np.zeros(9 * SAMPLE_RATE, np.float32)
    gaps = prepare_waveform(np.concatenate([audio.waveform, silence]), SAMPLE_RATE)
    cases["windows without speech"] = (gaps, detector.analyze(gaps))
    short = prepare_waveform(_speechlike(1.5), SAMPLE_RATE)
    cases["short, tiled"] = (short, detector.analyze(short, with_attention=True))
    cut = prepare_waveform(_speechlike(9.0), SAMPLE_RATE)
    cases["authors' protocol"] = (cut, detector.analyze(cut, protocol="asvspoof", with_attention=True))
    rawnet2_input = prepare_waveform(_speechlike(6.0, seed=3), SAMPLE_RATE)
    cases["RawNet2"] = (rawnet2_input, rawnet2_detector.analyze(rawnet2_input, with_attention=True))

    reference = np.load(reference_dir / "aasist_reference.npz")
    prefix = "AASIST-perturbed/x_64600_batch2/att/"
    maps = prepare_waveform(reference["input/x_64600_batch2"][0], SAMPLE_RATE)
    result = detector.analyze(maps, with_attention=True)
    result.attention = window_attention({k[len(prefix):]: reference[k][0] for k in reference.files
                                         if k.startswith(prefix)}, 0, 0, False)
    cases["heterogeneous maps"] = (maps, result)
    w2v2 = Detector.from_pretrained(str(w2v2_reference_folder))
    cases["W2V2-AASIST, learnt features"] = (audio, w2v2.analyze(audio, with_attention=True))
    cases["AntiDeepfake, frame by frame"] = (audio, antideepfake_detector.analyze(audio, with_attention=True))
    return cases


EXPECTED_FIGURES = {
    "AASIST with robustness": {"spectrogram", "spectral_attention", "temporal_attention", "robustness"},
    "no speech": {"spectrogram", "spectral_attention", "temporal_attention"},
    "windows without speech": {"spectrogram"},
    "short, tiled": {"spectrogram", "spectral_attention", "temporal_attention"},
    "authors' protocol": {"spectrogram", "spectral_attention", "temporal_attention"},
    "RawNet2": {"spectrogram", "filter_scaling"},
    "heterogeneous maps": {"spectrogram", "spectral_attention", "temporal_attention", "heterogeneous"},
    "W2V2-AASIST, learnt features": {"spectrogram", "spectral_attention", "temporal_attention", "heterogeneous"},
    "AntiDeepfake, frame by frame": {"spectrogram", "frame_scores"},
}


@pytest.mark.parametrize("case", list(EXPECTED_FIGURES))
@pytest.mark.parametrize("width", [PHONE.width_px, MIN_NARROW_PX, 699])
def test_narrow_figures_fit_the_screen_with_readable_text(phone_cases, case, width):
    """Drawn as wide as the screen shows them (2 image pixels per CSS px), every text at least NARROW_TICK_SIZE
    (10 CSS px), none reaching out of its figure or into another."""
    audio, result = phone_cases[case]
    layout = Layout(width_px=width)
    figures = plots.draw_all(audio, result, layout)
    assert figures.layout == layout and set(figures.figures) == EXPECTED_FIGURES[case]
    for name, fig in figures.figures.items():
        image = getattr(figures, name)
        assert image.shape[1] == width * layout.pixel_ratio, (name, image.shape)
        assert image.std() > 10, f"{name} looks blank"
        assert text_problems(fig) == [], name


def test_narrow_figures_say_what_the_desktop_ones_do(phone_cases):
    """The same panels and notes, stacked: the spectrogram taller for its width, the robustness edits' names above
    their dots with the value at the right end, the flips still marked."""
    from dataclasses import replace
    from types import SimpleNamespace

    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_hex

    audio, result = phone_cases["AASIST with robustness"]
    phone = plots.draw_all(audio, result, PHONE)
    desktop = plots.draw_all(audio, result)

    spec = axis_by_label(phone.figures["spectrogram"], ylabel="Frequency (Hz)")
    prob = axis_by_label(phone.figures["spectrogram"], xlabel="Time (s)")
    assert prob.get_shared_x_axes().joined(spec, prob) and prob.get_xlim() == pytest.approx((0, audio.duration_s))
    assert [t.get_text() for t in prob.get_yticklabels()] == ["bona\nfide", "0.5", "spoof"]
    box, desktop_box = spec.get_position(), axis_by_label(desktop.figures["spectrogram"],
                                                           ylabel="Frequency (Hz)").get_position()
    phone_size, desktop_size = phone.figures["spectrogram"].get_size_inches(), (12.0, 5.2)
    assert (box.height * phone_size[1]) / (box.width * phone_size[0]) > 2 * (desktop_box.height * desktop_size[1]) / (
        desktop_box.width * desktop_size[0])
    assert "attention plots" in all_text(phone.figures["spectrogram"])

    # Robustness: the real check, and one where two edits flip the verdict (one of them with the longest name).
    flipped = [replace(e, spoof_probability=0.499, flips=True) if e.name in ("louder_6db", "grid_shift") else e
               for e in result.robustness.edits]
    for check in (result.robustness, replace(result.robustness, edits=flipped)):
        fig = robustness_figure.draw_robustness(SimpleNamespace(robustness=check), PHONE)
        assert text_problems(fig) == []
        (ax,) = fig.axes
        names = [t for t in ax.texts if t.get_ha() == "left"]
        values = [t for t in ax.texts if t.get_ha() == "right"]
        dots = [c.get_offsets()[0] for c in ax.collections if isinstance(c, PathCollection)]
        assert len(names) == len(values) == len(dots) == len(check.edits) + 1
        for name, value, (_, dot_y) in zip(names, values, dots):
            assert name.get_position()[1] > dot_y and value.get_position()[1] > dot_y  # above the dot line
            assert name.get_position()[0] < 0 < 1 < value.get_position()[0]  # at the line's two ends
        flips = [t for t in values if "flips the verdict" in t.get_text()]
        assert len(flips) == len(check.flipped_by)
        assert all(t.get_fontweight() == "bold"
                   and to_hex(t.get_color()) in (drawing.SPOOF_COLOR, drawing.BONAFIDE_COLOR) for t in flips)
        assert ax.get_xlim() == pytest.approx((-0.02, 1.02)) and ax.get_position().width > 0.9  # full width
    assert [t.get_text() for t in flips] == ["0.499 · flips the verdict"] * 2

    fig = phone.figures["spectral_attention"]
    bars = axis_by_label(fig, xlabel="Share of attention")
    keep = axis_by_label(fig, xlabel="Keep score")
    assert bars.get_ylim() == (0, SAMPLE_RATE / 2) and keep.get_shared_y_axes().joined(bars, keep)
    amap = axis_by_label(fig, xlabel="attended band (Hz)")
    assert amap.get_position().y1 < bars.get_position().y0  # stacked, not side by side
    side = amap.get_position().width * fig.get_size_inches()[0]
    assert side == pytest.approx(amap.get_position().height * fig.get_size_inches()[1])  # square

    fig = phone.figures["temporal_attention"]
    panels = [axis_by_label(fig, ylabel=label) for label in ("Frequency (Hz)", "Share of attention")]
    panels += [axis_by_label(fig, xlabel=label) for label in ("Time in the recording (s)", "attended time slice (s)")]
    tops = [ax.get_position().y1 for ax in panels]
    assert tops == sorted(tops, reverse=True)  # one under the other


def test_narrow_filter_scaling_and_heterogeneous_maps(phone_cases):
    audio, result = phone_cases["RawNet2"]
    fig = plots.draw_all(audio, result, PHONE).figures["filter_scaling"]
    bands = axis_by_label(fig, ylabel="dB re strongest band")
    heat = axis_by_label(fig, ylabel="Residual block")
    assert heat.get_position().y1 < bands.get_position().y0  # the gates under the bands
    assert "20 filters" in all_text(fig) and "not per band" in all_text(fig).replace("\n", " ")

    audio, result = phone_cases["heterogeneous maps"]
    fig = attention_figures.draw_heterogeneous(result, PHONE)
    corners = sorted((round(ax.get_position().x0, 3), round(ax.get_position().y0, 3)) for ax in fig.axes)
    assert len({x for x, _ in corners}) == 2 and len({y for _, y in corners}) == 2  # a 2 x 2 grid


def test_desktop_is_the_default_layout(phone_cases):
    """Without a layout, or with DESKTOP, the figures are the desktop's, at their own widths."""
    audio, result = phone_cases["AASIST with robustness"]
    default, desktop = plots.draw_all(audio, result), plots.draw_all(audio, result, DESKTOP)
    assert default.layout == desktop.layout == DESKTOP
    widths = {"spectrogram": 1200, "spectral_attention": 1100, "temporal_attention": 1100, "robustness": 1100}
    for name, width in widths.items():
        assert np.array_equal(getattr(default, name), getattr(desktop, name)), name
        assert getattr(default, name).shape[1] == width, name


def test_draw_all_for_the_desktop_and_for_a_phone_timed(phone_cases):
    """Printed: draw_all for the desktop and for a phone, the median of 3 after a first call each, in one run."""
    audio, result = phone_cases["AASIST with robustness"]
    took = {}
    for layout in (DESKTOP, PHONE):
        plots.draw_all(audio, result, layout)
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            figures = plots.draw_all(audio, result, layout)
            runs.append(time.perf_counter() - started)
        assert figures.robustness is not None and figures.layout == layout
        took[layout.narrow] = sorted(runs)[1]
    print(f"\ndraw_all with robustness: desktop {took[False] * 1000:.0f} ms, phone {took[True] * 1000:.0f} ms "
          f"({took[True] / took[False]:.2f}x)")
