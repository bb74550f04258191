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

from aasist.audio import RESAMPLING, load_audio, prepare_waveform
from aasist.diagnostics import InputWarning, diagnose, high_band_ratio_db

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


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.wav") if "8khz" not in p.name))
def test_clean_examples_have_no_warnings(name):
    assert diagnose(load_audio(EXAMPLES / name)) == []


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
    assert codes(loud) == ["clipped"]
    assert re.search(r"clipped \(distorted\): \d+\.\d % of its samples", message(loud, "clipped"))
    assert codes(np.clip(speech * 1.4, -1, 1)) == []  # peak 0.91: nothing at full scale


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
    assert codes(speech * gain) == []
    assert codes(np.concatenate([np.zeros(int(0.8 * SR), np.float32), speech * gain])) == ["leading_silence"]


def test_silent_suppresses_edge_silence():
    x = np.concatenate([np.zeros(SR, np.float32), noise(1, -70), np.zeros(SR, np.float32)])
    assert codes(x) == ["silent"]


def test_every_warning_at_once(speech):
    x = np.concatenate([np.zeros(SR, np.float32), np.clip(speech[: int(0.6 * SR)] * 8, -1, 1),
                        np.zeros(int(0.35 * SR), np.float32)])
    assert codes(x) == ["too_short", "clipped", "leading_silence"]


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
