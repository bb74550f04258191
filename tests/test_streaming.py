"""Live streams: chunks of any size and rate in, the same window scores as the whole recording, an alarm with
hysteresis, windows without speech (tones, noise, chirps, music) kept out of it, and faults (silence, early end, NaN
chunks, rate changes) handled; the `stream` command (in process, and once through a pipe)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from aasist import Detector
from aasist.audio.decoding import AudioError, StreamResampler, load_audio, mono_samples, prepare_waveform, resample
from aasist.models.model import WINDOW_SAMPLES
from aasist.audio.speech import MIN_SPEECH_S
from aasist.inference.streaming import StreamingDetector
from command_line import cli_in_process, run_cli
from numerics import assert_within_summation_bound, resampler_difference_bound

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "assets" / "examples"
SR = 16000


def clip(name: str) -> np.ndarray:
    return load_audio(EXAMPLES / name).waveform


@pytest.fixture(scope="module")
def detector(aasist_detector) -> Detector:
    return aasist_detector


@pytest.fixture(scope="module")
def real() -> np.ndarray:
    """13 s of real speech at 16 kHz (LibriVox, then two CMU ARCTIC speakers)."""
    return np.concatenate([clip("real_librivox_austen.wav"), clip("real_arctic_awb_a0007.wav"),
                           clip("real_arctic_slt_a0009.wav")])


@pytest.fixture(scope="module")
def synthetic() -> np.ndarray:
    """11 s of synthetic speech at 16 kHz (flite and espeak-ng voices)."""
    return np.concatenate([clip("synthetic_flite_awb_a0007.wav"), clip("synthetic_espeak_en_us.wav"),
                           clip("synthetic_flite_slt_a0009.wav")])


# Sounds that are not speech, 0.3 peak (about -10 dBFS): none of them may ever count towards the smoothing or the
# alarm, whatever the model makes of them (it calls the tone spoof with a probability of 0.9999).
def tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * hz * np.arange(round(seconds * SR)) / SR)).astype(np.float32)


def white_noise(seconds: float, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(round(seconds * SR))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def pink_noise(seconds: float, seed: int = 1) -> np.ndarray:
    """1/f power: white noise shaped in the frequency domain."""
    n = round(seconds * SR)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    x = np.fft.irfft(spectrum / np.sqrt(np.maximum(np.arange(len(spectrum)), 1)), n)
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def chirp(seconds: float, f0: float = 100.0, f1: float = 6000.0) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * seconds) * t**2))).astype(np.float32)


def music(seconds: float, seed: int = 2) -> np.ndarray:
    """A plucked melody: quarter-second notes with five harmonics and a decay, a chord under every fourth."""
    rng, n, note = np.random.default_rng(seed), round(seconds * SR), SR // 4
    x = np.zeros(n)
    for i, begin in enumerate(range(0, n, note)):
        t = np.arange(min(note, n - begin)) / SR
        hz, decay = 220 * 2 ** (rng.integers(0, 24) / 12), np.exp(-6 * t)
        x[begin : begin + len(t)] += decay * sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 6))
        if i % 4 == 0:
            x[begin : begin + len(t)] += 0.5 * decay * sum(np.sin(2 * np.pi * 110 * r * t) for r in (1, 1.25, 1.5))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


NOT_SPEECH = {"tone 440 Hz": tone, "white noise": white_noise, "pink noise": pink_noise, "chirp": chirp,
              "music": music}


def random_chunks(n: int, rng: np.random.Generator, rate: int):
    """Slices covering range(n): tiny (1-16 samples), ordinary (up to 0.3 s) and long ones crossing several hops."""
    begin = 0
    while begin < n:
        kind = rng.choice(3, p=[0.2, 0.7, 0.1])
        size = int(rng.integers(1, 17) if kind == 0 else rng.integers(17, rate * 3 // 10) if kind == 1
                   else rng.integers(rate * 2, rate * 5))
        yield slice(begin, begin + size)
        begin += size


def stream_all(stream: StreamingDetector, x: np.ndarray, rate: int, step_s: float = 0.1) -> list:
    step = max(1, round(step_s * rate))
    updates = []
    for begin in range(0, len(x), step):
        updates += stream.push(x[begin : begin + step], rate)
    return updates + stream.finish()


def scored(updates: list) -> list:
    return [u for u in updates if u.status == "scored"]


# ---------------------------------------------------------------------------------------------------------------
# Exactness


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_resampler_reads_are_the_one_shot_result(rate):
    x = np.random.default_rng(rate).uniform(-1, 1, rate * 2 + 13).astype(np.float32)
    resampler, parts = StreamResampler(rate), []
    for part in random_chunks(len(x), np.random.default_rng(1), rate):
        resampler.push(x[part])
        parts.append(resampler.read())
    parts.append(resampler.finish())
    assert sum(len(p) for p in parts[:-1]) > len(x) * SR / rate - 200  # read() hands out all but the filter's lag
    # The same sums as the one-shot path, run in other chunks (so possibly in another order): float rounding only.
    assert_within_summation_bound(np.concatenate(parts), resample(x, rate), resampler_difference_bound(x, rate))


@pytest.mark.parametrize("rate, layout", [(8000, "float mono"), (16000, "int16 mono"), (44100, "float stereo"),
                                          (48000, "int16 stereo")])
def test_streamed_windows_are_the_whole_recordings_windows(detector, real, rate, layout):
    x16 = real[: 10 * SR]
    x = x16 if rate == SR else resample_poly(x16, rate // math.gcd(rate, SR), SR // math.gcd(rate, SR))
    x = x.astype(np.float32)
    if "stereo" in layout:
        x = np.stack([x, 0.5 * x[::-1]], axis=1)  # two different channels
    if "int16" in layout:
        x = np.round(np.clip(x, -1, 1 - 2**-15) * 32768).astype(np.int16)

    stream = StreamingDetector(detector, hop_s=2.0, keep_audio_s=math.inf)
    updates = []
    for part in random_chunks(len(x), np.random.default_rng(rate), rate):
        updates += stream.push(x[part], rate)
    updates += stream.finish()

    whole = prepare_waveform(x, rate).waveform  # the whole recording resampled at once by aasist.audio.decoding
    bound = resampler_difference_bound(mono_samples(x, rate)[0], rate)  # float rounding only (tests/numerics.py)
    assert_within_summation_bound(stream.audio(), whole, bound)
    assert stream.received_s == pytest.approx(len(whole) / SR)
    assert [u.t_end_s for u in updates] == pytest.approx([0.0375, 2.0375, 4.0375, 6.0375, 8.0375])
    assert [u.status for u in updates] == ["waiting", "waiting", "scored", "scored", "scored"]
    for update in scored(updates):
        end = round(update.t_end_s * SR)
        expected = detector.analyze(whole[end - WINDOW_SAMPLES : end], sample_rate=SR)
        # Logits within 1e-4 (the model's own float tolerance, as in the parity tests), so the margin within 2e-4 and
        # the probability, its logistic (slope at most 1/4), within 5e-5.
        assert update.score == pytest.approx(expected.score, abs=1e-4)
        assert update.spoof_probability == pytest.approx(expected.spoof_probability, abs=5e-5)


def test_windows_are_those_of_analyze_with_the_same_hop(detector, real):
    updates = stream_all(StreamingDetector(detector, hop_s=1.0), real, SR)
    result = detector.analyze(real, sample_rate=SR, hop_s=1.0)
    grid = [w for w in result.windows if round(w.end_s * SR - WINDOW_SAMPLES) % SR == 0]  # not the end-aligned one
    assert [u.t_end_s for u in scored(updates)] == pytest.approx([w.end_s for w in grid])
    # One window at a time here, batches in analyze: the model's float tolerance (logits 1e-4, probability 5e-5).
    assert [u.spoof_probability for u in scored(updates)] == pytest.approx([w.spoof_probability for w in grid],
                                                                           abs=5e-5)


# ---------------------------------------------------------------------------------------------------------------
# Smoothing and the alarm


def test_alarm_on_synthetic_speech_and_hysteresis_when_real_speech_follows(detector, synthetic, real):
    # A threshold of 0.6 with a margin of 0.2: the smoothed probability passes 0.53 on its way down, which holds the
    # alarm (below the threshold, above threshold - margin) before real speech clears it.
    stream = StreamingDetector(detector, threshold=0.6, margin=0.2, smoothing=7, min_hops=3)
    updates = scored(stream_all(stream, np.concatenate([synthetic, real]), SR))

    alarm, run, held_below_threshold, recent = False, 0, False, []
    for u in updates:  # the rule, replayed from the windows' own probabilities
        recent = (recent + [math.log(u.spoof_probability / (1 - u.spoof_probability))])[-7:]
        assert u.smoothed_probability == pytest.approx(1 / (1 + math.exp(-np.mean(recent))), abs=1e-6)
        run = run + 1 if u.smoothed_probability >= 0.6 else 0
        kinds = [e.kind for e in u.events]
        if not alarm and run >= 3:
            alarm = True
            assert kinds == ["alarm_on"] and u.events[0].t_s == u.t_end_s
        elif alarm and u.smoothed_probability < 0.4:
            alarm = False
            assert kinds == ["alarm_off"]
        else:
            assert kinds == []
            held_below_threshold |= alarm and u.smoothed_probability < 0.6
        assert u.alarm == alarm

    summary = stream.summary()
    assert summary.alarm_raised and len(summary.alarms) == 1
    on_s, off_s = summary.alarms[0]
    assert on_s == pytest.approx(6.0375)  # the third full window of synthetic speech
    assert len(synthetic) / SR < off_s < (len(synthetic) + len(real)) / SR  # cleared by the real speech
    assert held_below_threshold
    assert summary.to_dict()["alarms"] == [[6.0375, off_s]]


def test_no_alarm_on_real_speech(detector):
    x = np.concatenate([clip("real_arctic_awb_a0007.wav")] * 3)  # a 4.0 s clip is shorter than one window: loop it
    stream = StreamingDetector(detector)
    updates = stream_all(stream, x, SR)
    assert len(scored(updates)) == 8 and not any(u.alarm or u.events for u in updates)
    summary = stream.summary()
    assert not summary.alarm_raised and summary.alarms == []
    assert summary.overall_probability < 0.5 and summary.hops_scored == 8 and summary.silent_hops == 0
    assert summary.no_speech_hops == 0 and all(u.speech_s >= MIN_SPEECH_S for u in scored(updates))


# ---------------------------------------------------------------------------------------------------------------
# Windows without speech


@pytest.mark.parametrize("sound", NOT_SPEECH)
def test_sounds_without_speech_are_never_counted(detector, sound):
    # The most eager alarm there is (one window, one hop, at 0.5): any window that counted could raise it.
    stream = StreamingDetector(detector, threshold=0.5, min_hops=1, smoothing=1, margin=0.0)
    updates = stream_all(stream, NOT_SPEECH[sound](9.0), SR)
    windows = [u for u in updates if u.status != "waiting"]
    assert len(windows) == 5 and {u.status for u in windows} == {"no_speech"}
    for u in windows:
        assert u.spoof_probability is not None and u.score is not None  # scored and reported, not counted
        assert u.speech_s < MIN_SPEECH_S and u.smoothed_probability is None and not u.alarm and not u.events
        assert u.to_dict()["status"] == "no_speech" and u.to_dict()["speech_s"] == u.speech_s
    summary = stream.summary()
    assert summary.no_speech_hops == summary.hops_scored == 5 and summary.silent_hops == 0
    assert summary.counted_hops == 0 and not summary.alarm_raised and summary.overall_probability is None
    assert summary.max_probability is None and summary.to_dict()["no_speech_hops"] == 5
    assert any("No scored window held speech" in note for note in summary.notes)


def test_sounds_without_speech_leave_the_smoothing_and_the_alarm_as_they_were(detector, synthetic, real):
    """Synthetic speech raises the alarm; a tone, then noise, neither clear it nor move the smoothing; real speech
    afterwards picks up the smoothing where the synthetic speech left it, and clears the alarm."""
    pause = np.concatenate([tone(3.0), white_noise(3.0)])
    stream = StreamingDetector(detector, threshold=0.6, margin=0.2)
    updates = stream_all(stream, np.concatenate([synthetic, pause, real]), SR)
    synthetic_end, pause_end = len(synthetic) / SR, (len(synthetic) + len(pause)) / SR
    without = [u for u in updates if u.status == "no_speech"]
    # Windows that lie within the pause have no speech (those that reach into the speech on either side may).
    assert {u.t_end_s for u in updates if synthetic_end + 0.5 < u.t_end_s - 4.0375 and u.t_end_s < pause_end - 0.5
            } <= {u.t_end_s for u in without}
    assert len(without) >= 2
    assert stream.summary().no_speech_hops == len(without)

    smoothed, alarm, recent = None, False, []
    for u in updates:  # the rule, replayed from the counted windows' own probabilities only
        if u.status == "scored":
            recent = (recent + [math.log(u.spoof_probability / (1 - u.spoof_probability))])[-7:]
            smoothed = 1 / (1 + math.exp(-np.mean(recent)))
        elif u.status == "no_speech":
            assert not u.events
        if smoothed is not None:
            assert u.smoothed_probability == pytest.approx(smoothed, abs=1e-6)
        alarm = alarm or any(e.kind == "alarm_on" for e in u.events)
        alarm = alarm and not any(e.kind == "alarm_off" for e in u.events)
        assert u.alarm == alarm
    assert all(u.alarm for u in without)  # raised by the synthetic speech, held through the pause
    summary = stream.summary()
    (on_s, off_s), = summary.alarms
    assert on_s < synthetic_end and off_s is not None and off_s > pause_end  # cleared by the real speech


# ---------------------------------------------------------------------------------------------------------------
# Silence, early ends, bad chunks, rate changes, skipping


def test_silence_is_marked_and_neither_raises_nor_clears_the_alarm(detector, synthetic):
    quiet = (np.random.default_rng(0).standard_normal(6 * SR) * 1e-4).astype(np.float32)  # -80 dBFS room noise
    stream = StreamingDetector(detector)
    updates = stream_all(stream, np.concatenate([synthetic, quiet]), SR)
    silent = [u for u in updates if u.status == "silent"]
    assert len(silent) >= 2
    before = [u for u in updates if u.status == "scored"][-1]
    for u in silent:
        assert u.spoof_probability is not None and u.score is not None  # scored, shown, not counted
        assert u.alarm and u.smoothed_probability == before.smoothed_probability and not u.events
        assert u.speech_s is None  # silence is not checked for speech
    summary = stream.summary()
    assert summary.silent_hops == len(silent) and summary.alarm_raised

    only_silence = StreamingDetector(detector)
    updates = stream_all(only_silence, np.zeros(7 * SR, np.float32), SR)
    assert {u.status for u in updates} == {"waiting", "silent"}
    assert all(u.smoothed_probability is None and not u.alarm for u in updates)
    summary = only_silence.summary()
    assert not summary.alarm_raised and summary.max_probability is None and summary.overall_probability is None
    assert any("silent" in note for note in summary.notes)


def test_a_stream_that_stops_before_the_first_window_waits_and_says_so(detector, real):
    stream = StreamingDetector(detector, hop_s=0.5)
    updates = stream_all(stream, real[: int(2.5 * SR)], SR)
    assert [u.status for u in updates] == ["waiting"] * 5
    assert all(u.spoof_probability is None and u.score is None and u.smoothed_probability is None
               and u.speech_s is None for u in updates)
    summary = stream.summary()
    assert summary.hops_scored == 0 and summary.duration_s == pytest.approx(2.5)
    assert summary.unscored_tail_s == pytest.approx(2.5) and "before the first full window" in summary.notes[0]
    with pytest.raises(ValueError, match="reset"):
        stream.push(real[:100], SR)
    stream.reset()
    assert stream.received_s == 0 and stream.push(real[:SR], SR)[0].status == "waiting"


def test_a_stream_that_stops_mid_hop_reports_the_unscored_tail(detector, real):
    stream = StreamingDetector(detector, hop_s=2.0)
    stream_all(stream, real[: int(7.3 * SR)], SR)
    summary = stream.summary()
    assert summary.hops_scored == 2 and summary.unscored_tail_s == pytest.approx(7.3 - 6.0375)
    assert summary.finished and "1.26 s" in summary.notes[0]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_chunk_with_nan_or_inf_is_dropped_and_the_stream_goes_on(detector, real, bad):
    x = real[: 6 * SR]
    clean = stream_all(StreamingDetector(detector, hop_s=2.0), x, SR)

    stream = StreamingDetector(detector, hop_s=2.0)
    updates = stream.push(x[: 3 * SR], SR)
    broken = np.array(x[:1600])
    broken[100] = bad
    with pytest.raises(AudioError) as error:
        stream.push(broken, SR)
    message = str(error.value)
    assert "NaN or infinity" in message and "dropped" in message and "\n" not in message
    updates += stream.push(x[3 * SR :], SR) + stream.finish()
    assert [u.to_dict() for u in updates] == [u.to_dict() for u in clean]


def test_a_sample_rate_change_is_an_event_not_an_error(detector, real):
    first, second = real[: 3 * SR], real[3 * SR : 9 * SR]
    first_44k = resample_poly(first, 441, 160).astype(np.float32)
    stream, updates = StreamingDetector(detector), []
    for begin in range(0, len(first_44k), 4410):
        updates += stream.push(first_44k[begin : begin + 4410], 44100)
    for begin in range(0, len(second), 1600):
        updates += stream.push(second[begin : begin + 1600], SR)
    updates += stream.finish()
    events = [e for u in updates for e in u.events]
    assert [e.kind for e in events] == ["sample_rate_changed"]
    assert events[0].t_s == pytest.approx(3.0, abs=0.01) and "44100 Hz to 16000 Hz" in events[0].message
    assert stream.received_s == pytest.approx(9.0, abs=0.01)
    assert len(scored(updates)) == 5 and stream.summary().events == events


def test_latest_only_scores_the_newest_hop_and_counts_the_skipped(detector, real):
    stream = StreamingDetector(detector, hop_s=1.0)
    updates = stream.push(real[: 9 * SR], SR, latest_only=True)
    assert len(updates) == 1
    newest = updates[0]
    assert newest.t_end_s == pytest.approx(8.0375) and newest.status == "scored" and newest.skipped == 4
    end = round(newest.t_end_s * SR)
    expected = detector.analyze(real[end - WINDOW_SAMPLES : end], sample_rate=SR).spoof_probability
    assert newest.spoof_probability == pytest.approx(expected, abs=5e-5)  # logits within 1e-4
    assert [u.status for u in stream.push(real[9 * SR : 10 * SR], SR, latest_only=True)] == ["scored"]
    summary = stream.summary()
    assert summary.skipped_hops == 4 and summary.hops_scored == 2 and "skipped" in summary.notes[0]

    everything = StreamingDetector(detector, hop_s=1.0).push(real[: 9 * SR], SR)
    assert [u.status for u in everything] == ["waiting"] * 4 + ["scored"] * 5


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(hop_s=0.1), "between 0.25 and 4.04"), (dict(hop_s=5), "between 0.25 and 4.04"),
    (dict(hop_s="fast"), "must be a number"), (dict(threshold=1.0), "between 0 and 1"),
    (dict(threshold=0.5, margin=0.6), "below the threshold"), (dict(margin=-0.1), "at least 0"),
    (dict(min_hops=0), "min_hops"), (dict(smoothing=2.5), "smoothing"), (dict(keep_audio_s=0), "keep_audio_s"),
])
def test_bad_settings_are_one_sentence(detector, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment) as error:
        StreamingDetector(detector, **kwargs)
    assert "\n" not in str(error.value)


def test_kept_audio_and_results_are_json_ready(detector, real):
    with pytest.raises(ValueError, match="keep_audio_s"):
        StreamingDetector(detector).audio()
    stream = StreamingDetector(detector, hop_s=4.04, keep_audio_s=5.0)
    updates = stream_all(stream, real[: 11 * SR], SR)
    assert len(stream.audio()) == 5 * SR and stream.audio_start_s == pytest.approx(6.0)
    np.testing.assert_array_equal(stream.audio(), real[6 * SR : 11 * SR])  # 16 kHz in: the samples as they are
    json.dumps([u.to_dict() for u in updates] + [stream.summary().to_dict()])
    assert set(updates[-1].to_dict()) == {"t_end_s", "status", "spoof_probability", "score", "smoothed_probability",
                                          "alarm", "skipped", "speech_s", "events"}
    assert all(u.status == "scored" and u.to_dict()["speech_s"] >= MIN_SPEECH_S for u in updates)


# ---------------------------------------------------------------------------------------------------------------
# The command line


def run_stream(*args, stdin: bytes | None = None, env=None):
    """``stream ARGS`` in this process (tests/command_line.py); test_cli_stdin_s16le_jsonl pipes into the real one."""
    return cli_in_process("stream", *args, stdin=stdin, env=env)


def test_cli_file_exit_status_is_3_on_synthetic_speech_and_0_on_real(model_env):
    # 4.52 s: two windows at a 0.25 s hop, so the alarm needs 2 hops
    synthetic = run_stream(EXAMPLES / "synthetic_espeak_en_us.wav", "--hop", "0.25", "--min-hops", "2",
                           "--smoothing", "2", "--threshold", "0.5", "--margin", "0.1", env=model_env)
    assert synthetic.returncode == 3, synthetic.stderr
    lines = synthetic.stdout.splitlines()
    assert lines[0] == "   0.04 s  waiting for 4 s of audio"
    assert any(line.startswith("   4.29 s  spoof ") and line.endswith("ALARM") for line in lines)
    assert "alarm raised at 4.29 s, still raised at the end" in lines

    real = run_stream(EXAMPLES / "real_librivox_austen.wav", "--model", "AASIST", "--backend", "onnx", env=model_env)
    assert real.returncode == 0, real.stderr
    text = real.stdout
    assert "   6.04 s  spoof " in text and "no alarm raised" in text and "ALARM" not in text
    assert "summary: 6.05 s of audio, 3 windows scored" in text and "0.01 s (less than one hop)" in text


def test_cli_stdin_s16le_jsonl(model_env):
    pcm = sf.read(EXAMPLES / "real_librivox_austen.wav", dtype="int16")[0].tobytes()
    proc = run_cli("stream", "-", "--jsonl", "--hop", "2", stdin=pcm, env=model_env)  # through a pipe
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["type"] for r in rows] == ["update"] * 4 + ["summary"]
    assert [r["status"] for r in rows[:4]] == ["waiting", "waiting", "scored", "scored"]
    assert [r["t_end_s"] for r in rows[:4]] == [0.0375, 2.0375, 4.0375, 6.0375]
    assert set(rows[2]) == {"type", "t_end_s", "status", "spoof_probability", "score", "smoothed_probability",
                            "alarm", "skipped", "speech_s", "events"}
    assert rows[-1]["duration_s"] == 6.05 and rows[-1]["alarm_raised"] is False and rows[-1]["hops_scored"] == 2


def test_cli_stdin_f32le_stereo_44k_raises_the_alarm(model_env):
    x = resample_poly(clip("synthetic_espeak_en_us.wav"), 441, 160).astype("<f4")
    proc = run_stream("-", "--format", "f32le", "--rate", "44100", "--channels", "2", "--hop", "0.25", "--jsonl",
                      "--min-hops", "2",
                      stdin=np.stack([x, x], axis=1).tobytes(), env=model_env)
    assert proc.returncode == 3, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[-1]["type"] == "summary" and rows[-1]["alarm_raised"] is True
    assert any(e["kind"] == "alarm_on" for r in rows[:-1] for e in r["events"])


def test_cli_never_raises_the_alarm_on_sounds_without_speech(model_env, tmp_path):
    """Every sound of NOT_SPEECH in one file, with the most eager alarm: exit status 0, every window "no speech"."""
    sounds = tmp_path / "not-speech.wav"
    sf.write(sounds, np.concatenate([make(5.0) for make in NOT_SPEECH.values()]), SR, subtype="PCM_16")
    eager = ("--threshold", "0.5", "--min-hops", "1", "--smoothing", "1", "--margin", "0", "--hop", "2")
    proc = run_stream(sounds, *eager, "--jsonl", env=model_env)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    windows = [r for r in rows[:-1] if r["status"] != "waiting"]
    assert len(windows) == 11 and {r["status"] for r in windows} == {"no_speech"}
    assert all(r["speech_s"] < MIN_SPEECH_S and r["smoothed_probability"] is None for r in windows)
    summary = rows[-1]
    assert summary["no_speech_hops"] == 11 and not summary["alarm_raised"] and summary["overall_probability"] is None

    text = run_stream(sounds, *eager, env=model_env)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert "   4.04 s  no speech (not counted)" in lines and "ALARM" not in text.stdout
    assert "summary: 25.00 s of audio, 11 windows scored (0 silent, 11 without speech, 0 skipped)" in lines
    assert "no alarm raised" in lines and any(line.startswith("note: No scored window held speech") for line in lines)


@pytest.mark.parametrize("args, data, fragment", [
    (("--format", "s16le"), b"\x00\x01" * 8001 + b"\x07", "1 stray byte"),
    (("--format", "f32le"), (np.sin(np.arange(32000) / 9) * 8000).astype("<i2").tobytes(), "not f32le audio"),
    (("--format", "s16le"), b"", "No audio arrived"),
    (("--hop", "9"), b"\x00\x00" * 100, "between 0.25 and 4.04"),
])
def test_cli_bad_stdin_is_one_sentence(model_env, args, data, fragment):
    proc = run_stream("-", *args, stdin=data, env=model_env)
    stderr = proc.stderr
    assert proc.returncode == 2 and "Traceback" not in stderr
    assert stderr.startswith("error: ") and len(stderr.strip().splitlines()) == 1 and fragment in stderr
