"""Input warnings: each code fires on the input it describes, and clean real speech raises none."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torchaudio

from aasist.audio.decoding import RESAMPLING, load_audio, prepare_waveform
from aasist.audio.diagnostics import InputWarning, diagnose, high_band_ratio_db
from aasist.audio.level import LOUD_SPEECH_DBFS, QUIET_SPEECH_DBFS, input_level

EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"
SR = 16000


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """Clean wideband real speech: CMU ARCTIC awb, 4 s."""
    return load_audio(EXAMPLES / "real_arctic_awb_a0007.wav").waveform


def codes(x: np.ndarray, sample_rate: int = SR) -> list:
    return [w.code for w in diagnose(prepare_waveform(x, sample_rate))]


def message(x: np.ndarray, code: str) -> str:
    return next(w.message for w in diagnose(prepare_waveform(x, SR)) if w.code == code)


def noise(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * SR)) * 10 ** (dbfs / 20)).astype(np.float32)


LOUD_EXAMPLES = {"synthetic_flite_slt_a0009.wav"}  # flite's slt voice speaks at -16 dBFS: loud, truly


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.wav") if "8khz" not in p.name))
def test_clean_examples_have_no_warnings(name):
    assert [w.code for w in diagnose(load_audio(EXAMPLES / name))] == (["loud"] if name in LOUD_EXAMPLES else [])


def test_too_short(speech):
    assert codes(speech[: int(1.5 * SR)]) == ["too_short"]
    assert "1.5 s long" in message(speech[: int(1.5 * SR)], "too_short")
    assert "1.9 s long" in message(speech[: int(1.99 * SR)], "too_short")  # rounded down, never "2.0 s"
    assert codes(speech[: 2 * SR]) == []


def test_silent():
    assert codes(np.zeros(3 * SR, np.float32)) == ["silent"]
    assert codes(noise(3, -75)) == ["silent"]
    assert "all its samples are zero" in message(np.zeros(3 * SR, np.float32), "silent")
    assert re.search(r"loudest moment is -7\d dBFS", message(noise(3, -75), "silent"))


def test_silent_and_short():
    assert codes(np.zeros(SR, np.float32)) == ["too_short", "silent"]


def test_band_limited_by_sample_rate():
    warnings = diagnose(load_audio(EXAMPLES / "real_arctic_slt_a0009_phone_8khz.wav"))
    assert [w.code for w in warnings] == ["band_limited"]
    assert "8000 Hz" in warnings[0].message and "false alarm" in warnings[0].message


def test_band_limited_by_spectrum(speech):
    # The same speech through 8 kHz and back: 16 kHz on paper, nothing above 4 kHz.
    x = torch.from_numpy(speech)
    narrow = torchaudio.functional.resample(torchaudio.functional.resample(x, SR, 8000, **RESAMPLING), 8000, SR,
                                            **RESAMPLING).numpy()
    assert codes(narrow) == ["band_limited"]
    assert "dB quieter" in message(narrow, "band_limited")
    # Telephone band-pass (300-3400 Hz) with a little wideband noise from the line.
    telephone = torchaudio.functional.lowpass_biquad(torchaudio.functional.highpass_biquad(x, SR, 300), SR, 3400)
    telephone = torchaudio.functional.lowpass_biquad(telephone, SR, 3400).numpy() + noise(4, -70)[: len(speech)]
    assert "band_limited" in codes(telephone)  # (band-passing also quietens the soft ending into "silence")


def test_high_band_ratio_separates_wideband_from_narrowband(speech):
    # The calibration in numbers: wideband speech measured -15..+11 dB, speech through 8 kHz -29 dB or lower.
    assert high_band_ratio_db(speech) > -15
    assert high_band_ratio_db(np.zeros(100, np.float32)) is None


def test_clipped(speech):
    loud = np.clip(speech * 4, -1, 1)
    assert codes(loud) == ["clipped", "loud"]
    assert re.search(r"clipped \(distorted\): \d+\.\d % of its samples", message(loud, "clipped"))
    assert "clipped" not in codes(np.clip(speech * 1.4, -1, 1))  # peak 0.91: nothing at full scale


def test_leading_and_trailing_silence(speech):
    pad = np.zeros(int(0.8 * SR), np.float32)
    assert codes(np.concatenate([pad, speech])) == ["leading_silence"]
    assert codes(np.concatenate([speech, pad])) == ["trailing_silence"]
    both = np.concatenate([pad, speech, pad])
    assert codes(both) == ["leading_silence", "trailing_silence"]
    assert "starts with 0.8 s of silence" in message(both, "leading_silence")
    assert '"bona fide" verdict is less trustworthy' in message(both, "leading_silence")
    assert "ends with 0.8 s of silence" in message(both, "trailing_silence")
    # 0.3 s is ordinary; background noise 45 dB below the speech counts as silence too.
    assert codes(np.concatenate([np.zeros(int(0.3 * SR), np.float32), speech])) == []
    assert codes(np.concatenate([noise(1.0, -60), speech])) == ["leading_silence"]


@pytest.mark.parametrize("gain", [1.0, 0.3, 0.1, 0.01])
def test_quiet_speech_is_not_silence(speech, gain):
    # Down to 40 dB quieter (loudest frame about -53 dBFS) the speech is quiet, not silent, and has no silent edges.
    quiet = ["quiet"] if gain <= 0.1 else []  # speech level -41 dBFS and below
    assert codes(speech * gain) == quiet
    assert codes(np.concatenate([np.zeros(int(0.8 * SR), np.float32), speech * gain])) == quiet + ["leading_silence"]


def test_silent_suppresses_edge_silence():
    x = np.concatenate([np.zeros(SR, np.float32), noise(1, -70), np.zeros(SR, np.float32)])
    assert codes(x) == ["silent"]


def test_every_warning_at_once(speech):
    x = np.concatenate([np.zeros(SR, np.float32), np.clip(speech[: int(0.6 * SR)] * 8, -1, 1),
                        np.zeros(int(0.35 * SR), np.float32)])
    assert codes(x) == ["too_short", "clipped", "loud", "leading_silence"]


def test_warning_is_a_frozen_record():
    warning = InputWarning("silent", "The recording is silent.")
    assert warning.to_dict() == {"code": "silent", "message": "The recording is silent."}
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.code = "clipped"


def test_messages_are_plain_sentences(speech):
    x = np.concatenate([np.zeros(SR, np.float32), np.clip(speech * 8, -1, 1), np.zeros(SR, np.float32)])
    for warning in diagnose(prepare_waveform(x, 8000)):
        assert warning.message[0].isupper() and warning.message.endswith(".")
        assert "\n" not in warning.message


def test_fast_on_a_minute_of_audio():
    audio = prepare_waveform(noise(60, -20), SR)
    diagnose(audio)
    best = min(_timed(diagnose, audio) for _ in range(3))
    assert best < 0.1  # about 3 ms on 2 CPU cores; generous for slow CI machines


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


# Input level (aasist.audio.level.input_level) and the loud / quiet warnings.

def tone_bursts(amplitude: float, seconds: float = 1.0) -> np.ndarray:
    """1 kHz tone, silence, tone: a whole number of cycles per 20 ms frame, so every tone frame has RMS A/sqrt(2)."""
    t = np.arange(int(seconds * SR)) / SR
    tone = (amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    return np.concatenate([tone, np.zeros(len(tone), np.float32), tone])


def test_input_level_of_a_tone_at_a_known_level():
    level = input_level(tone_bursts(0.5))
    assert level.peak_dbfs == pytest.approx(-6.0, abs=0.05)
    assert level.speech_dbfs == pytest.approx(-9.0, abs=0.05)  # the silent second does not count
    assert level.leaning == "loud"
    assert level.message.startswith("Input level: peak -6 dBFS, speech -9 dBFS, loud: ")


@pytest.mark.parametrize("dbfs, leaning", [(-10, "loud"), (-18, "loud"), (-18.6, None), (-27, None), (-36, None),
                                           (-36.6, "quiet"), (-45, "quiet")])
def test_leaning_follows_the_measured_thresholds(dbfs, leaning):
    x = noise(3, dbfs)
    level = input_level(x)
    assert level.speech_dbfs == pytest.approx(dbfs, abs=0.1)
    assert level.leaning == leaning
    # The file warning says the same, with the level shown in the label's whole dB.
    assert [c for c in codes(x) if c in ("loud", "quiet")] == ([leaning] if leaning else [])
    assert f"speech {round(level.speech_dbfs)} dBFS" in level.message


def test_loud_and_quiet_thresholds_are_the_measured_ones():
    assert (LOUD_SPEECH_DBFS, QUIET_SPEECH_DBFS) == (-18.0, -36.0)


def test_speech_level_moves_with_the_gain_and_ignores_pauses(speech):
    base = input_level(speech).speech_dbfs
    assert base == pytest.approx(-21.3, abs=0.1)  # the awb clip as distributed
    # Within 0.5 dB: the silence rule's cut sits 35 to 40 dB below the loudest frame depending on the level.
    for gain in (0.03, 0.1, 0.5, 1.4):
        assert input_level(speech * gain).speech_dbfs == pytest.approx(base + 20 * np.log10(gain), abs=0.5)
    padded = np.concatenate([np.zeros(SR, np.float32), speech, np.zeros(SR, np.float32)])
    assert input_level(padded).speech_dbfs == pytest.approx(base, abs=0.05)


def test_real_clip_scaled_up_reads_loud_and_down_reads_quiet():
    audio = load_audio(EXAMPLES / "real_arctic_slt_a0009.wav")  # peak 0.65, speech -19 dBFS: a good level
    assert input_level(audio).leaning is None
    assert input_level(audio) == input_level(audio.waveform)  # Audio or its samples: the same answer
    louder = audio.waveform * (0.9 / np.max(np.abs(audio.waveform)))  # what automatic gain control aims for
    loud = input_level(louder)
    assert loud.leaning == "loud" and loud.peak_dbfs == pytest.approx(-0.9, abs=0.05)
    assert "move away from the microphone or lower the input gain" in loud.message
    assert codes(louder) == ["loud"]
    assert re.search(r"very loud \(-1[56] dBFS.*called 11 of 18 real recordings spoof", message(louder, "loud"))
    assert '"spoof" verdict may well be a false alarm' in message(louder, "loud")

    quieter = audio.waveform * 0.05  # 26 dB down: speech about -45 dBFS
    quiet = input_level(quieter)
    assert quiet.leaning == "quiet" and quiet.speech_dbfs == pytest.approx(-44.6, abs=0.5)
    assert "move closer to the microphone or raise the input gain" in quiet.message
    assert codes(quieter) == ["quiet"]
    assert re.search(r"very quiet \(-4[45] dBFS\).*182 of 220 synthetic recordings", message(quieter, "quiet"))
    assert '"bona fide" verdict is less trustworthy' in message(quieter, "quiet")


def test_silence_has_no_speech_level():
    for x in (np.zeros(3 * SR, np.float32), noise(3, -75), np.zeros(0, np.float32)):
        level = input_level(x)
        assert level.speech_dbfs is None and level.leaning is None
        assert level.message.endswith("no speech heard.")
    assert input_level(np.zeros(SR, np.float32)).peak_dbfs == -120.0
    assert codes(np.zeros(3 * SR, np.float32)) == ["silent"]  # silent, not also "quiet"


def test_input_level_is_a_frozen_record_with_plain_messages(speech):
    level = input_level(speech)
    assert level.to_dict() == {"peak_dbfs": level.peak_dbfs, "speech_dbfs": level.speech_dbfs, "leaning": None,
                               "message": level.message}
    with pytest.raises(dataclasses.FrozenInstanceError):
        level.leaning = "loud"
    for x in (speech, speech * 1.4, speech * 0.05, np.zeros(SR, np.float32)):
        text = input_level(x).message
        assert text[0].isupper() and text.endswith(".") and "\n" not in text
        assert not re.search(r"\.\s", text), text  # one sentence


def test_input_level_is_fast_enough_for_the_live_monitor():
    x = noise(60, -20)
    input_level(x)
    assert min(_timed(input_level, x) for _ in range(3)) < 0.1
