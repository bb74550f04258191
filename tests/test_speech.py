"""Speech presence before any verdict (aasist/audio/speech.py): no speech, no verdict, through the API and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from command_line import cli_in_process

from aasist.audio.decoding import load_audio
from aasist.inference.detector import NO_SPEECH
from aasist.inference.pipeline import Pipeline
from aasist.audio.speech import MAX_GAIN_DB, MIN_SPEECH_S, SpeechFinder, vad_gain_db
from signals import SR, non_speech

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "assets" / "examples").glob("*.wav"))
NON_SPEECH = non_speech()


@pytest.fixture(scope="module")
def finder():
    return SpeechFinder()


def test_regions_are_the_packages_own(finder):
    """Our frames, state and regions are silero-vad's sequence path on the audio at the VAD's gain, exactly."""
    import torch

    threads = torch.get_num_threads()
    from silero_vad import get_speech_timestamps_sequence, load_silero_vad  # sets torch to 1 thread on import

    torch.set_num_threads(threads)
    model = load_silero_vad(sequence=True)
    for path in EXAMPLES:
        for gain_db in (0, -30):  # as it is (no gain), and 30 dB quieter (the VAD hears it turned up)
            x = load_audio(path).waveform * np.float32(10 ** (gain_db / 20))
            heard = x * np.float32(10 ** (vad_gain_db(x) / 20))
            theirs = get_speech_timestamps_sequence(heard, model, sampling_rate=SR, return_seconds=False)
            ours = finder.find(x).regions
            assert [(r["start"] / SR, min(r["end"], len(x)) / SR) for r in theirs] == list(ours), path.name


def test_quiet_speech_is_heard_and_quiet_noise_stays_noise(finder):
    """The VAD hears quiet speech turned up (far-field talkers were what it missed), and turning up quiet sounds
    without words does not make them speech."""
    rng = np.random.default_rng(2)
    speech = load_audio(EXAMPLES[0]).waveform
    far = np.convolve(speech, np.exp(-np.arange(8000) / 1600) * rng.standard_normal(8000) * 0.05)[: len(speech)]
    far = far / np.sqrt(np.mean(far ** 2)) * 10 ** (-52 / 20) + 10 ** (-62 / 20) * rng.standard_normal(len(far))
    assert vad_gain_db(far) == MAX_GAIN_DB or vad_gain_db(far) > 20
    assert finder.find(far.astype(np.float32)).enough
    for name, x in NON_SPEECH.items():
        quiet = x * np.float32(10 ** (-40 / 20))
        assert finder.find(quiet).seconds == 0, name


def test_blocks_of_any_size_give_the_same_presence(finder):
    # Over several of the VAD's 16.4 s blocks, one part 30 dB quieter (its block is turned up).
    x = np.concatenate([load_audio(p).waveform * np.float32(0.03 if i == 4 else 1) for i, p in
                        enumerate(EXAMPLES * 2)])
    whole = finder.find(x)
    rng = np.random.default_rng(1)
    tracker = finder.tracker()
    begin = 0
    while begin < len(x):
        size = int(rng.integers(1, 40000))
        tracker.push(x[begin : begin + size])
        begin += size
    assert tracker.presence() == whole
    assert whole.seconds > 40 and 0.8 < whole.share <= 1


def test_finding_speech_leaves_torchs_thread_count_alone():
    """silero-vad's package sets torch to one thread when imported; the models must keep theirs."""
    code = ("import torch; torch.set_num_threads(2); from aasist.audio.speech import SpeechFinder; SpeechFinder(); "
            "print(torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "2"


@pytest.mark.parametrize("name", sorted(NON_SPEECH))
def test_non_speech_gets_no_verdict(aasist_detector, name):
    result = aasist_detector.analyze(NON_SPEECH[name], sample_rate=SR)
    assert result.verdict == NO_SPEECH and result.no_speech
    assert result.speech.seconds < MIN_SPEECH_S
    data = result.to_dict()
    assert data["spoof_probability_meaningful"] is False and 0 <= data["spoof_probability"] <= 1
    assert data["speech"]["seconds"] == pytest.approx(result.speech.seconds, abs=1e-3)
    # Warnings that presume speech (its level, band, surrounding silences) are not given without it.
    assert not {w.code for w in result.warnings} & {"loud", "quiet", "band_limited", "leading_silence",
                                                     "trailing_silence"}


def test_speech_keeps_its_verdict(aasist_detector):
    for path in EXAMPLES:
        result = aasist_detector.analyze(path)
        assert result.verdict in ("bona fide", "spoof"), path.name
        assert result.speech.share > 0.7 and result.to_dict()["spoof_probability_meaningful"] is True
        assert all(w.speech_s > MIN_SPEECH_S for w in result.windows)


def test_little_speech_is_warned_about(aasist_detector):
    speech = load_audio(REPO / "assets" / "examples" / "real_arctic_slt_a0009.wav").waveform
    quiet_room = 0.002 * np.random.default_rng(3).standard_normal(12 * SR).astype(np.float32)
    x = np.concatenate([quiet_room[: 6 * SR], speech, quiet_room[6 * SR :]])
    result = aasist_detector.analyze(x, sample_rate=SR)
    assert result.verdict in ("bona fide", "spoof")
    warning = next(w for w in result.warnings if w.code == "little_speech")
    # 15.09 s, rounded down like every duration.
    assert "of the 15.0 s recording is speech" in warning.message
    assert result.speech.share < 1 / 3
    # Windows over room noise only are marked as such (the page greys them).
    assert [w.has_speech for w in result.windows] == [w.speech_s >= MIN_SPEECH_S for w in result.windows]
    assert not all(w.has_speech for w in result.windows) and any(w.has_speech for w in result.windows)


def test_no_comparison_and_no_robustness_check_without_speech(aasist_detector, model_env, monkeypatch):
    from aasist.inference.detector import Detector

    for key, value in model_env.items():
        monkeypatch.setenv(key, value)
    other = Detector.from_pretrained("AASIST-L")
    result = Pipeline([aasist_detector, other]).analyze(NON_SPEECH["tone"], sample_rate=SR, robustness=True)
    assert result.no_speech and result.agreement is None and result.robustness is None


def test_cli_says_no_speech_in_the_table_the_json_and_the_csv(model_env, tmp_path):
    paths = []
    for name in sorted(NON_SPEECH):  # tone, chirp, white, pink and brown noise, silence
        paths.append(tmp_path / f"{name}.wav")
        sf.write(paths[-1], NON_SPEECH[name], SR)
    speech = REPO / "assets" / "examples" / "real_arctic_awb_a0007.wav"

    def cli(*args):
        return cli_in_process("detect", *args, env=model_env)

    out = cli(*paths, speech, "--json", "--csv", tmp_path / "out.csv")
    assert out.returncode == 0, out.stderr  # a result, not an error
    results = json.loads(out.stdout)
    n = len(NON_SPEECH)
    assert [r["verdict"] for r in results] == [NO_SPEECH] * n + ["bona fide"]
    assert [r["spoof_probability_meaningful"] for r in results] == [False] * n + [True]
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows[0].split(",")[:6] == ["file", "verdict", "spoof_probability", "score", "duration_s", "speech_s"]
    assert [row.split(",")[1] for row in rows[1:]] == [NO_SPEECH] * n + ["bona fide"]

    table = cli(tmp_path / "tone.wav", "--robustness").stdout
    assert "no_speech         n/a" in table
    assert "holds no speech" in table and "Not run: the recording holds no speech to judge." in table
