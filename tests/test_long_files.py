"""Long files in bounded memory: a file is decoded, measured and scored block by block, with the same result as the
recording decoded whole (the peak memory of a 1-hour file is measured by benchmarks/bench_long_file.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from command_line import cli_in_process

from aasist.audio.decoding import DECODE_BLOCK_SAMPLES, load_audio, prepare_waveform
from aasist.audio.diagnostics import SignalMeter, diagnose
from aasist.inference.sliding_window import SlidingWindowScorer
from aasist.audio.windows import WindowGeometry

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "assets" / "examples").glob("*.wav"))
SR = 16000


@pytest.fixture(scope="module")
def long_stereo_file(tmp_path_factory) -> Path:
    """75 s of the example clips with pauses, at 44.1 kHz in stereo: several decode blocks, many windows."""
    rng = np.random.default_rng(7)
    parts = []
    for path in EXAMPLES * 2:
        parts += [load_audio(path).waveform, 0.003 * rng.standard_normal(int(rng.uniform(0.2, 2.5) * SR))]
    x = np.concatenate(parts)[: 75 * SR].astype(np.float32)
    rate = 44100
    y = np.interp(np.arange(int(len(x) * rate / SR)) * SR / rate, np.arange(len(x)), x)
    path = tmp_path_factory.mktemp("long") / "long_stereo.flac"
    sf.write(path, np.stack([y, 0.8 * y], axis=1), rate, subtype="PCM_16")
    assert 75 * rate * 2 > 4 * DECODE_BLOCK_SAMPLES
    return path


@pytest.mark.parametrize("options", [{}, {"hop_s": 3.0, "with_attention": True}, {"protocol": "asvspoof"}],
                         ids=["default", "hop_attention", "asvspoof"])
def test_a_file_read_in_blocks_gives_the_result_of_the_whole_recording(aasist_detector, long_stereo_file, options):
    from_file = aasist_detector.analyze(long_stereo_file, **options).to_dict(include_attention=True)
    in_memory = aasist_detector.analyze(load_audio(long_stereo_file), **options).to_dict(include_attention=True)
    assert from_file.pop("file") == str(long_stereo_file) and in_memory.pop("file") is None
    assert from_file == in_memory
    n = round(from_file["duration_s"] * SR)
    expected = WindowGeometry.with_hop_seconds(options.get("hop_s")).starts(n)
    assert len(from_file["windows"]) == (1 if options.get("protocol") else len(expected)) and len(expected) > 15


def test_the_signal_meter_fed_in_blocks_warns_as_diagnose_does():
    rng = np.random.default_rng(11)
    speech = load_audio(EXAMPLES[0]).waveform
    cases = {
        "edges of silence": np.concatenate([np.zeros(SR), speech, np.zeros(SR)]),
        "loud and clipped": np.clip(speech * 8, -1, 1),
        "phone band": load_audio(REPO / "assets" / "examples" / "real_arctic_slt_a0009_phone_8khz.wav").waveform,
        "under 20 ms": speech[:200],
        "quiet": speech * 0.01,
    }
    for name, x in cases.items():
        whole = diagnose(prepare_waveform(x, SR))
        meter = SignalMeter()
        begin = 0
        while begin < len(x):
            size = int(rng.integers(1, 5000))
            meter.push(x[begin : begin + size])
            begin += size
        assert meter.warnings(SR) == whole, name


def _fake_model(windows: np.ndarray, with_attention: bool):
    """Logits that depend on every sample of a window, and a 'capture' that names it."""
    logits = np.stack([windows.mean(axis=1), windows.std(axis=1) + np.arange(len(windows)) * 0], axis=1)
    return logits, ({"first_sample": windows[:, :1].copy()} if with_attention else None)


@pytest.mark.parametrize("n_seconds, hop_s, offset_s, first_only", [
    (37.3, None, 0.0, False), (37.3, 1.0, 0.0, False), (37.3, 0.3, 2.2, False), (37.3, None, 1.3, True),
    (2.5, None, 0.0, False), (2.5, 1.0, 0.7, True), (64600 / SR, None, 0.0, False), (4.5, 1.0, 9.0, False),
])
def test_the_sliding_window_cuts_the_same_windows_from_blocks(n_seconds, hop_s, offset_s, first_only):
    x = np.random.default_rng(5).standard_normal(int(n_seconds * SR)).astype(np.float32)
    geometry = WindowGeometry.with_hop_seconds(hop_s, offset_s=offset_s)
    expected_starts = geometry.starts(len(x))[: 1 if first_only else None]
    expected = _fake_model(geometry.cut(x, expected_starts), False)[0]

    def scored(block_sizes):
        scorer = SlidingWindowScorer(_fake_model, geometry, batch_size=3, first_only=first_only,
                                     with_attention=True)
        begin = 0
        for size in block_sizes:
            scorer.push(x[begin : begin + size])
            begin += size
        scorer.push(x[begin:])
        return scorer.finish()

    rng = np.random.default_rng(int(n_seconds * 10))
    for sizes in ([], rng.integers(1, 30000, size=100).tolist(), [1] * 50 + [SR * 3] * 5):
        result = scored(sizes)
        assert result.starts == expected_starts and result.num_samples == len(x)
        np.testing.assert_array_equal(result.logits, expected)
        for index, captured in result.attention.items():  # the extremes' captures belong to their windows
            window = geometry.cut(x, [expected_starts[index]])[0]
            assert captured["first_sample"][0] == window[0]


def test_detect_shows_a_progress_bar_when_asked(model_env, long_stereo_file):
    def detect(*args):  # in process (tests/command_line.py): tqdm writes to sys.stderr as it is at each call
        return cli_in_process("detect", long_stereo_file, "--json", *args, env=model_env)

    shown = detect("--progress")
    assert shown.returncode == 0 and json.loads(shown.stdout)[0]["verdict"] in ("bona fide", "spoof")
    n = len(json.loads(shown.stdout)[0]["windows"])
    assert "long_stereo.flac" in shown.stderr and f"{n}/{n}" in shown.stderr and "window" in shown.stderr
    quiet = detect()  # stderr is not a terminal here: no bar
    assert "window/s" not in quiet.stderr and f"{n}/{n}" not in quiet.stderr
    assert json.loads(quiet.stdout) == json.loads(shown.stdout)
