"""The input level: how loud a recording or a live input is, where its silences are, and whether its level is one
that sways the models' verdict.

Measured on 20 ms frames of 16 kHz samples (numpy only: ``aasist.audio.speech`` levels what its detector hears with
it, and the page's wording may read it before torch is loaded). ``input_level`` gives the peak and the active speech
level (RMS over the non-silent frames) with one plain sentence; the input warnings (``aasist.audio.diagnostics``), the
robustness check's silence edits and the live stream's silence test use the same frames and silence rule.

    level = input_level(waveform_16k)       # InputLevel: peak_dbfs, speech_dbfs, leaning ("loud", "quiet", None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000  # the models' rate (aasist.models.model.SAMPLE_RATE), kept here so that this module, and
# aasist.audio.speech which reads it, load without torch

# Level analysis on 20 ms frames. A frame is silence when it is 40 dB below the loudest frame or under -50 dBFS,
# but always at least 35 dB below the loudest frame: with the -50 dBFS floor alone, the same real recordings played
# 10 dB quieter grew 0.5 s of "silence" from their soft word endings (measured on 16 CMU ARCTIC, LibriVox and CMU
# Sphinx recordings; with this rule their edge silences stay the same at any gain).
FRAME = SAMPLE_RATE // 50
SILENCE_FLOOR_DBFS = -50.0
SILENCE_RANGE_DB = 40.0
SILENCE_MIN_RANGE_DB = 35.0
SILENT_DBFS = -60.0  # loudest frame below this: nothing to analyse

# Level: the models read loudness. Measured with benchmarks/measure_level.py on 12 real recordings (CMU ARCTIC,
# LibriVox, CMU Sphinx test data; speech levels -30 to -19 dBFS as found, none called spoof) and 56 synthetic ones
# (espeak-ng, flite and festival voices), each scaled to peaks 0.03-0.9 in 3 dB steps and once through an AGC-like
# compressor. The speech level is the active speech level (RMS over the non-silent 20 ms frames).
# Loud: at -18 dBFS or more, AASIST called 11 of 18 versions of real recordings spoof (AASIST-L 13): 3 of 8 plainly
# scaled ones (LibriVox), 8 of 10 compressed ones. Quiet: below -36 dBFS, 182 of 220 versions of synthetic recordings
# passed as real with AASIST (AASIST-L 102), against 2 of the 56 as found.
LOUD_SPEECH_DBFS = -18.0
QUIET_SPEECH_DBFS = -36.0
LOUD_REAL_CALLED_SPOOF = (11, 18)  # AASIST, versions of real recordings at LOUD_SPEECH_DBFS or more
QUIET_SYNTHETIC_PASSED = (182, 220)  # AASIST, versions of synthetic recordings below QUIET_SPEECH_DBFS
QUIET_SYNTHETIC_PASSED_AS_FOUND = (2, 56)


@dataclass(frozen=True)
class InputLevel:
    peak_dbfs: float  # the largest sample, in dB below full scale (-120 for all zeros)
    speech_dbfs: float | None  # active speech level: RMS over the non-silent 20 ms frames; None when silent
    leaning: str | None  # "loud" or "quiet" when the level itself sways the verdict (see LOUD_/QUIET_), else None
    message: str  # one plain sentence for the page and the live monitor

    def to_dict(self) -> dict:
        return {"peak_dbfs": self.peak_dbfs, "speech_dbfs": self.speech_dbfs, "leaning": self.leaning,
                "message": self.message}


def input_level(audio_or_waveform) -> InputLevel:
    """The input level of a recording (``Audio``) or of mono 16 kHz samples on the [-1, 1] scale, e.g. the last
    seconds from a live microphone, and whether it lies where the pretrained models' verdict leans with loudness."""
    x = np.asarray(getattr(audio_or_waveform, "waveform", audio_or_waveform))
    levels = frame_levels_db(x)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return input_level_from_frames(peak, levels, *speech_frames_of_levels(levels))


def input_level_from_frames(peak: float, levels: np.ndarray, loudest: float, speech: np.ndarray) -> InputLevel:
    """The input level from the largest sample, each 20 ms frame's level, the loudest of them and which of them are
    speech (``speech_frames_of_levels``): what ``input_level`` gives, from measurements gathered block by block."""
    peak_dbfs = round(20 * math.log10(max(peak, 1e-6)), 1)  # -120 for digital silence, like the frame levels
    if loudest < SILENT_DBFS:
        return InputLevel(peak_dbfs, None, None, f"Input level: peak {round(peak_dbfs)} dBFS, no speech heard.")
    speech_dbfs = round(float(10 * np.log10(np.mean(10 ** (levels[speech] / 10)))), 1)
    # Judged on the whole dB shown, so that the label always agrees with the number next to it.
    shown = round(speech_dbfs)
    heading = f"Input level: peak {round(peak_dbfs)} dBFS, speech {shown} dBFS"  # round(-0.4) shows "0", not "-0"
    if shown >= LOUD_SPEECH_DBFS:
        called, of = LOUD_REAL_CALLED_SPOOF
        return InputLevel(peak_dbfs, speech_dbfs, "loud", (
            f"{heading}, loud: at {LOUD_SPEECH_DBFS:.0f} dBFS or more the model called {called} of {of} real "
            "recordings spoof in our tests, so move away from the microphone or lower the input gain."))
    if shown < QUIET_SPEECH_DBFS:
        passed, of = QUIET_SYNTHETIC_PASSED
        return InputLevel(peak_dbfs, speech_dbfs, "quiet", (
            f"{heading}, quiet: below {QUIET_SPEECH_DBFS:.0f} dBFS {passed} of {of} synthetic recordings passed as "
            "real in our tests, so move closer to the microphone or raise the input gain."))
    return InputLevel(peak_dbfs, speech_dbfs, None, (
        f"{heading}, a good level: in our tests the level swayed the verdict least with speech between "
        f"{QUIET_SPEECH_DBFS:.0f} and {LOUD_SPEECH_DBFS:.0f} dBFS."))


def loudest_frame_dbfs(x: np.ndarray) -> float:
    """Level of the loudest 20 ms frame of 16 kHz samples, in dBFS (-120 for digital silence)."""
    return float(frame_levels_db(x).max())


def is_silent(x: np.ndarray) -> bool:
    """Whether 16 kHz samples are what ``diagnose`` calls silent: the loudest 20 ms frame below ``SILENT_DBFS``."""
    return loudest_frame_dbfs(x) < SILENT_DBFS


def speech_frames_of_levels(levels: np.ndarray) -> tuple[float, np.ndarray]:
    """The loudest 20 ms frame's level and which frames are speech (not silence), by the silence rule above."""
    loudest = float(levels.max()) if len(levels) else -np.inf
    threshold = min(max(SILENCE_FLOOR_DBFS, loudest - SILENCE_RANGE_DB), loudest - SILENCE_MIN_RANGE_DB)
    return loudest, levels >= threshold


def frame_levels_db(x: np.ndarray) -> np.ndarray:
    """RMS level of each whole 20 ms frame, in dBFS."""
    if len(x) == 0:
        return np.full(1, -120.0)
    n = len(x) // FRAME
    frames = x[: n * FRAME].reshape(n, FRAME) if n else x[None, :]  # under 20 ms: one short frame
    return 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)


def speech_frames(x: np.ndarray) -> np.ndarray:
    """Which 20 ms frames (``FRAME`` samples) of 16 kHz samples ``x`` hold sound rather than silence, by the rule of
    the silence warnings; all False when the recording is essentially silent."""
    loudest, speech = speech_frames_of_levels(frame_levels_db(x))
    return speech if loudest >= SILENT_DBFS else np.zeros_like(speech)
