"""Warnings about recordings the model is known to misjudge, in words a non-expert can act on.

Each check is cheap (a few ms for 60 s of audio) and comes from what the pretrained AASIST did on real
recordings: short clips and 8 kHz (phone) audio are often called spoof even when real, leading silence can
make synthetic speech look real (the ASVspoof 2019 silence shortcut), and the level itself sways the verdict (loud
speech reads as spoof, quiet speech as real; ``aasist.audio.level`` measures where a recording or a live input
stands). The thresholds, and what they were measured on, sit next to each constant (the level's in ``level``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..models.model import SAMPLE_RATE
from ..text import share_percent_text
from .decoding import Audio
from .level import (FRAME, LOUD_REAL_CALLED_SPOOF, LOUD_SPEECH_DBFS, QUIET_SPEECH_DBFS, QUIET_SYNTHETIC_PASSED,
                    QUIET_SYNTHETIC_PASSED_AS_FOUND, SILENT_DBFS, InputLevel, frame_levels_db, input_level_from_frames,
                    speech_frames_of_levels)
from .speech import SpeechPresence

# Real speech shorter than about 2 s often came out as spoof, with probability close to 1.
SHORT_S = 2.0

EDGE_SILENCE_S = 0.5  # the shortcut: 0.5 s of added leading silence turned several synthetic clips "bona fide"

# Clipping: share of samples at or above 0.99 of full scale (0.99 rather than 1.0 because resampling a clipped
# file ripples its flat tops). Speech clipped by 2x gain (about 3 dB over full scale) reaches 0.1 %.
CLIP_LEVEL = 0.99
CLIP_FRACTION = 0.001

# Band limitation: mean power density of 4.5-7 kHz against 2-3.4 kHz on the non-silent 32 ms frames. Measured on
# 16 real recordings (CMU ARCTIC, LibriVox, CMU Sphinx test data): -15 to +11 dB as they are; through 8 kHz
# (resampled, mu-law, GSM, MP3 at 8 kHz, 300-3400 Hz band-pass) -29 to -108 dB, and -26 to -34 dB when a codec
# re-encoded the result at 16 kHz. Wideband synthetic speech (espeak-ng, flite) gave -4 to -20 dB.
BAND_LIMITED_RATE = 8000  # an input sampled at this rate or lower cannot hold anything above 4 kHz
BAND_LIMITED_DB = -25.0
SPECTRUM_FRAME = 512
SPECTRUM_MAX_FRAMES = 1000  # evenly spaced, enough for a stable average and fast on long files
HIGH_BAND_HZ = (4500.0, 7000.0)  # clear of the 4 kHz edge and of the resampler's roll-off above 7.5 kHz
MID_BAND_HZ = (2000.0, 3400.0)  # the top of the telephone band, present in phone audio too


@dataclass(frozen=True)
class InputWarning:
    code: str  # little_speech, too_short, silent, band_limited, clipped, loud, quiet, leading_silence, trailing_silence;
    # browser_processing and truncated (the page), weights_suspect (aasist.inference.known_answer)
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


# The warnings whose "in our tests" are measurements of AASIST (and AASIST-L, its light twin): the only models whose
# released weights could be run where the measurements were made. Another model's result gets them with a note that
# says so (``for_architecture``), since how that model reacts to short clips, phone band, loudness, silences or the
# browser's processing has not been measured.
MEASURED_FOR_AASIST = frozenset({"too_short", "band_limited", "loud", "quiet", "leading_silence", "trailing_silence",
                                 "browser_processing"})
MEASURED_FOR_AASIST_NOTE = "(Measured for AASIST, not for this model.)"
AASIST_FAMILY = "AASIST"  # the architecture of AASIST and AASIST-L (aasist.models.registry)


def for_architecture(warnings: list, architecture: str | None) -> list:
    """``warnings`` as a result of a model of ``architecture`` shows them: the ones measured for AASIST say so, once,
    when the model is not of AASIST's family (None: not known, left as they are)."""
    if architecture is None or architecture == AASIST_FAMILY:
        return list(warnings)
    return [InputWarning(w.code, f"{w.message} {MEASURED_FOR_AASIST_NOTE}")
            if w.code in MEASURED_FOR_AASIST and not w.message.endswith(MEASURED_FOR_AASIST_NOTE) else w
            for w in warnings]


def diagnose(audio: Audio, speech: SpeechPresence | None = None) -> list[InputWarning]:
    """Warnings for ``audio``, most important first; an empty list for clean, wideband speech of 2 s or more.
    ``speech``: where the recording holds speech (``aasist.audio.speech``), for the little-speech warning."""
    meter = SignalMeter()
    meter.push(audio.waveform)
    return meter.warnings(audio.sample_rate, speech)


class SignalMeter:
    """What ``diagnose`` measures, gathered block by block so that a long file never has to be in memory at once
    (``Detector.analyze`` on a file): each 20 ms frame's level, the peak, the clipped samples, and each 32 ms
    frame's power in the two bands of the phone-band test. It keeps about 4 MB per hour of audio."""

    def __init__(self):
        self.num_samples = 0
        self.peak = 0.0
        self.clipped = 0
        self._levels: list = []
        self._band_powers: list = []  # (frames, 2): mean power density in HIGH_BAND_HZ, MID_BAND_HZ
        self._level_rest = np.zeros(0, np.float32)  # samples of a 20 ms frame not yet whole
        self._spectrum_rest = np.zeros(0, np.float32)

    def push(self, x: np.ndarray) -> None:
        """The next mono 16 kHz samples."""
        x = np.asarray(x, np.float32).reshape(-1)
        if not len(x):
            return
        self.num_samples += len(x)
        self.peak = max(self.peak, float(np.max(np.abs(x))))
        self.clipped += int(np.count_nonzero(np.abs(x) >= CLIP_LEVEL))
        whole, self._level_rest = _whole_frames(np.concatenate([self._level_rest, x]), FRAME)
        if len(whole):
            self._levels.append(frame_levels_db(whole))
        whole, self._spectrum_rest = _whole_frames(np.concatenate([self._spectrum_rest, x]), SPECTRUM_FRAME)
        if len(whole):
            self._band_powers.append(_band_powers(whole.reshape(-1, SPECTRUM_FRAME)))

    def levels(self) -> np.ndarray:
        """Every whole 20 ms frame's level in dBFS, as ``_frame_levels_db`` gives for the whole signal at once."""
        if self._levels:
            return np.concatenate(self._levels)
        return frame_levels_db(self._level_rest)  # under 20 ms: one short frame (or -120 for no samples)

    def warnings(self, sample_rate: int, speech: SpeechPresence | None = None) -> list[InputWarning]:
        """``diagnose``'s warnings for what was pushed (``sample_rate``: the input's, before resampling)."""
        return _warnings(self, sample_rate, speech)

    def band_powers(self) -> np.ndarray:
        return np.concatenate(self._band_powers) if self._band_powers else np.zeros((0, 2))


def _whole_frames(x: np.ndarray, frame: int) -> tuple:
    """(the whole frames of ``x``, the rest)."""
    whole = len(x) // frame * frame
    return x[:whole], x[whole:].copy()


def _warnings(meter: SignalMeter, sample_rate: int, speech_presence: SpeechPresence | None) -> list[InputWarning]:
    warnings = []
    duration_s = meter.num_samples / SAMPLE_RATE
    if speech_presence is not None and speech_presence.little:
        warnings.append(InputWarning(
            "little_speech",
            f"Only {_seconds(speech_presence.seconds)} of the {_seconds(duration_s)} recording is speech "
            f"({share_percent_text(speech_presence.share)}): the verdict rests on that alone, and the model's "
            "windows also read the silence or sounds around it.",
        ))
    if duration_s < SHORT_S:
        warnings.append(InputWarning(
            "too_short",
            f"The recording is only {_seconds(duration_s)} long: in our tests the model often labelled real speech "
            f"shorter than about {SHORT_S:.0f} s as spoof, so a \"spoof\" verdict may well be a false alarm.",
        ))

    levels = meter.levels()
    loudest, speech = speech_frames_of_levels(levels)
    if loudest < SILENT_DBFS:
        level = "all its samples are zero" if loudest <= -119 else f"its loudest moment is {loudest:.0f} dBFS"
        warnings.append(InputWarning(
            "silent",
            f"The recording is essentially silent ({level}, where speech is usually -30 to -10 dBFS): there is "
            "no speech to judge, so the verdict means nothing.",
        ))

    if speech_presence is not None and not speech_presence.enough:
        # No speech: warnings about the speech's band, level and surrounding silences would mislead.
        clipped_warning = _clipped_warning(meter)
        return warnings + ([clipped_warning] if clipped_warning else [])

    band_limited = _band_limited_message(sample_rate, meter.band_powers(), speech, silent=loudest < SILENT_DBFS)
    if band_limited:
        warnings.append(InputWarning("band_limited", band_limited))

    clipped_warning = _clipped_warning(meter)
    if clipped_warning:
        warnings.append(clipped_warning)

    level_warning = _level_warning(input_level_from_frames(meter.peak, levels, loudest, speech))
    if level_warning:
        warnings.append(level_warning)

    if loudest >= SILENT_DBFS and speech.any():
        lead = int(np.argmax(speech)) * FRAME / SAMPLE_RATE
        trail = int(np.argmax(speech[::-1])) * FRAME / SAMPLE_RATE
        if lead > EDGE_SILENCE_S:
            warnings.append(InputWarning(
                "leading_silence",
                f"The recording starts with {lead:.1f} s of silence: the model partly judges by the length of "
                "silences (a shortcut learnt from its training data) and in our tests 0.5 s of silence made some "
                "synthetic clips pass as real, so a \"bona fide\" verdict is less trustworthy; trim the silence "
                "and try again.",
            ))
        if trail > EDGE_SILENCE_S:
            warnings.append(InputWarning(
                "trailing_silence",
                f"The recording ends with {trail:.1f} s of silence: the model partly judges by the length of "
                "silences (a shortcut learnt from its training data), so the verdict is less trustworthy; trim the "
                "silence and try again.",
            ))
    return warnings


def _clipped_warning(meter: SignalMeter) -> InputWarning | None:
    clipped = meter.clipped / meter.num_samples if meter.num_samples else 0.0
    if clipped < CLIP_FRACTION:
        return None
    return InputWarning(
        "clipped",
        f"The recording is clipped (distorted): {share_percent_text(clipped)} of its samples are at full scale, and "
        "the model was not trained on distorted audio, so treat the verdict with caution.",
    )


def _level_warning(level: InputLevel) -> InputWarning | None:
    shown = f"{round(level.speech_dbfs)} dBFS" if level.speech_dbfs is not None else ""
    if level.leaning == "loud":
        called, of = LOUD_REAL_CALLED_SPOOF
        return InputWarning(
            "loud",
            f"The speech is very loud ({shown}, as automatic gain control or a microphone held close makes it): in "
            f"our tests the model called {called} of {of} real recordings spoof once brought to "
            f"{LOUD_SPEECH_DBFS:.0f} dBFS or more, and none of them at their own level, so a \"spoof\" verdict may "
            "well be a false alarm.",
        )
    if level.leaning == "quiet":
        passed, of = QUIET_SYNTHETIC_PASSED
        passed_as_found, of_as_found = QUIET_SYNTHETIC_PASSED_AS_FOUND
        return InputWarning(
            "quiet",
            f"The speech is very quiet ({shown}): in our tests {passed} of {of} synthetic recordings brought below "
            f"{QUIET_SPEECH_DBFS:.0f} dBFS passed as real (against {passed_as_found} of {of_as_found} at their own "
            "level), so a \"bona fide\" verdict is less trustworthy; record closer to the microphone or turn the "
            "level up.",
        )
    return None


def _band_limited_message(sample_rate: int, band_powers: np.ndarray, speech: np.ndarray,
                          silent: bool) -> str | None:
    consequence = (
        "the model was trained on wideband 16 kHz speech and in our tests often labelled real recordings made "
        "at 8 kHz as spoof, so a \"spoof\" verdict may well be a false alarm."
    )
    if sample_rate <= BAND_LIMITED_RATE:
        return (
            f"The recording was sampled at {sample_rate} Hz (phone quality), so it holds no sound above "
            f"{sample_rate / 2000:g} kHz: {consequence}"
        )
    if silent:
        return None
    ratio_db = _band_ratio_db(band_powers, speech)
    if ratio_db is not None and ratio_db < BAND_LIMITED_DB:
        return (
            f"The recording has almost no sound above 4 kHz (the 4.5-7 kHz range is {-ratio_db:.0f} dB quieter "
            f"than the 2-3.4 kHz range), like phone or 8 kHz audio: {consequence}"
        )
    return None


def high_band_ratio_db(x: np.ndarray, speech: np.ndarray | None = None) -> float | None:
    """Mean power density of 4.5-7 kHz over that of 2-3.4 kHz, in dB, on the non-silent frames of ``x``.

    ``speech`` marks the non-silent 20 ms frames (all frames count when None). None when there is nothing to
    measure (too short, or no power at all in the 2-3.4 kHz band).
    """
    n = len(x) // SPECTRUM_FRAME
    return _band_ratio_db(_band_powers(x[: n * SPECTRUM_FRAME].reshape(n, SPECTRUM_FRAME)), speech)


def _band_powers(frames: np.ndarray) -> np.ndarray:
    """(frames, 2): each 512-sample frame's mean power density in HIGH_BAND_HZ and in MID_BAND_HZ."""
    power = np.abs(np.fft.rfft(frames * np.hanning(SPECTRUM_FRAME).astype(np.float32), axis=1)) ** 2
    freqs = np.fft.rfftfreq(SPECTRUM_FRAME, 1 / SAMPLE_RATE)
    bands = [(freqs >= low) & (freqs < high) for low, high in (HIGH_BAND_HZ, MID_BAND_HZ)]
    return np.stack([power[:, band].mean(axis=1) for band in bands], axis=1).astype(np.float64)


def _band_ratio_db(band_powers: np.ndarray, speech: np.ndarray | None) -> float | None:
    """The high-to-mid band ratio over the spectrum frames whose centre lies in a non-silent 20 ms frame (up to
    ``SPECTRUM_MAX_FRAMES`` of them, evenly spaced). The mean of the frames' band means is the band mean of their
    mean spectrum, so frames can be measured as they arrive."""
    n = len(band_powers)
    if n == 0:
        return None
    chosen = band_powers
    if speech is not None and speech.any():
        # Map each spectrum frame to the 20 ms level frame at its centre.
        centre = (np.arange(n) * SPECTRUM_FRAME + SPECTRUM_FRAME // 2) // FRAME
        chosen = chosen[speech[np.minimum(centre, len(speech) - 1)]]
    if len(chosen) > SPECTRUM_MAX_FRAMES:
        chosen = chosen[np.linspace(0, len(chosen) - 1, SPECTRUM_MAX_FRAMES).astype(int)]
    high, mid = chosen.mean(axis=0)
    if mid <= 0:
        return None
    return float(10 * np.log10(max(high, 1e-30) / mid))


def _seconds(value: float) -> str:
    # Rounded down, so that 1.96 s does not read "2.0 s" next to "shorter than 2 s".
    return f"{math.floor(value * 10) / 10:.1f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


# Browser capture processing. Measured through the page with Chromium's fake microphone playing the example clips
# (benchmarks/measure_capture.py, README "Microphone capture"): with the browser's default automatic gain control,
# noise suppression and echo cancellation, real speech that scored 0.04 as a file scored 0.98 (ARCTIC slt) and 0.90
# (LibriVox); with the three off, every clip stayed within 0.03 of its file.
BROWSER_PROCESSING = {"autoGainControl": "automatic gain control", "noiseSuppression": "noise suppression",
                      "echoCancellation": "echo cancellation"}


def browser_processing_warning(applied: dict) -> InputWarning | None:
    """A warning when the browser's capture settings (``MediaStreamTrack.getSettings()``) show processing left on.

    ``applied`` maps the settings' names to what the browser reported; a feature it did not report is not assumed on.
    """
    on = [label for key, label in BROWSER_PROCESSING.items() if applied.get(key) is True]
    if not on:
        return None
    return InputWarning(
        "browser_processing",
        f"Your browser cleaned up the recording ({' / '.join(on)}) although the page asked it not to; this often "
        "makes real speech look synthetic, so a \"spoof\" verdict may well be a false alarm: try another browser, "
        "or upload a recording instead.",
    )
