"""Would the verdict survive? The recording re-scored under a fixed set of benign edits.

None of these edits changes who is speaking or how the voice was made, yet on real and synthetic recordings some of
them flip the pretrained models' verdict (README, "Robustness check"): lowering the level by 12 dB turned festival
voices from spoof to bona fide, half a second of leading silence turned synthetic clips bona fide and very short
real clips spoof, and moving the window grid by 1 s moved real readings across the threshold. A verdict that flips
under one of them is fragile: a caution, not a correction.

    result = Pipeline([detector]).analyze("speech.wav", robustness=True)      # aasist.inference.pipeline
    result.robustness.stable, result.robustness.flipped_by, result.robustness.summary_sentence()

Everything is deterministic (the noise is seeded). Recordings longer than ``MAX_CHECK_S`` are checked on their first
``MAX_CHECK_S`` seconds, and the result says so; every edit is compared with that unedited excerpt's verdict.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..models.model import MIN_SAMPLES, SAMPLE_RATE, WINDOW_SAMPLES
from .detector import verdict_for

MAX_CHECK_S = 30.0  # longer recordings: the first 30 s (9 edits x 8 windows stay under 6 s on 2 cores)
LEADING_SILENCE_S = 0.5
QUIETER_DB = 12.0
LOUDER_DB = 6.0
LOUDER_PEAK = 0.99  # the raised level stops short of this peak, so that nothing clips
GRID_SHIFT_S = 1.0  # recordings of one window or more; shorter ones start half a window into their repetition
NOISE_SNR_DB = 30.0  # against the speech (non-silent frames), not the whole recording
NOISE_SEED = 20240610
TELEPHONE_RATE = 8000
WHOLE = "the whole recording"  # RobustnessResult.part_checked when nothing was left out
VORBIS_COMPRESSION = 0.6  # soundfile's compression level (0 best, 1 smallest): 40-50 kbps for 16 kHz speech


@dataclass(frozen=True)
class EditedInput:
    """What one edit makes of the excerpt: the samples to score and how to cut them into windows."""

    waveform: np.ndarray
    description: str  # what was done to this recording, in one line
    window_offset_s: float = 0.0
    unchanged: bool = False  # the edit had nothing to do (e.g. no silence to trim): the excerpt's own score applies


@dataclass(frozen=True)
class BenignEdit:
    name: str
    label: str  # a few words for the figure, e.g. "12 dB quieter"
    description: str  # the edit in general, for documentation
    phrase: str  # what the summary sentence says, e.g. "lowering the volume by 12 dB"
    apply: Callable[[np.ndarray], EditedInput]


@dataclass(frozen=True)
class EditResult:
    name: str
    description: str  # what was done to this recording
    spoof_probability: float
    verdict: str
    flips: bool  # the verdict differs from the unedited excerpt's

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description,
                "spoof_probability": round(float(self.spoof_probability), 6), "verdict": self.verdict}


@dataclass(frozen=True)
class RobustnessResult:
    edits: list  # EditResult, in the order of EDITS
    base_probability: float  # of the unedited excerpt (the recording's own when it is checked whole)
    base_verdict: str
    seconds_checked: float
    part_checked: str  # "the whole recording" or "the first 30 s of 95.2 s"

    @property
    def stable(self) -> bool:
        return not self.flipped_by

    @property
    def flipped_by(self) -> list:
        return [e.name for e in self.edits if e.flips]

    @property
    def min_probability(self) -> float:
        """The lowest spoof probability of the unedited excerpt and its edits."""
        return min([self.base_probability] + [e.spoof_probability for e in self.edits])

    @property
    def max_probability(self) -> float:
        return max([self.base_probability] + [e.spoof_probability for e in self.edits])

    def summary_sentence(self) -> str:
        """One plain sentence (two when only part of the recording was checked) for the page and the report."""
        n = len(self.edits)
        if self.stable:
            text = (f"The verdict ({self.base_verdict}) held under all {n} edits: the spoof probability stayed "
                    f"between {self.min_probability:.2f} and {self.max_probability:.2f}.")
        else:
            phrases = [EDITS_BY_NAME[e.name].phrase for e in self.edits if e.flips]
            listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]
            other = "bona fide" if self.base_verdict == "spoof" else "spoof"
            text = f"The verdict held under {n - len(phrases)} of {n} edits; {listed} turns it to {other}."
        if self.part_checked != WHOLE:
            text += (f" Checked on {self.part_checked}, which alone is judged {self.base_verdict} "
                     f"({self.base_probability:.2f}).")
        return text

    def to_dict(self) -> dict:
        return {
            "edits": [e.to_dict() for e in self.edits],
            "stable": self.stable,
            "flipped_by": self.flipped_by,
            "min_probability": round(float(self.min_probability), 6),
            "max_probability": round(float(self.max_probability), 6),
            "seconds_checked": round(float(self.seconds_checked), 4),
            "part_checked": self.part_checked,
            "base_probability": round(float(self.base_probability), 6),
            "base_verdict": self.base_verdict,
            "summary": self.summary_sentence(),
        }


# --- the edits ----------------------------------------------------------------------------------------------------


def _leading_silence(x: np.ndarray) -> EditedInput:
    silence = np.zeros(round(LEADING_SILENCE_S * SAMPLE_RATE), dtype=np.float32)
    return EditedInput(np.concatenate([silence, x]), f"{LEADING_SILENCE_S:g} s of silence added at the start")


def _trim_silence(x: np.ndarray) -> EditedInput:
    from ..audio.level import FRAME, speech_frames

    speech = speech_frames(x)
    if not speech.any():
        return EditedInput(x, "nothing trimmed: no speech was found", unchanged=True)
    first, last = int(np.argmax(speech)), len(speech) - 1 - int(np.argmax(speech[::-1]))
    start = first * FRAME
    end = len(x) if last == len(speech) - 1 else (last + 1) * FRAME  # keep a last partial frame after speech
    if start == 0 and end == len(x):
        return EditedInput(x, "nothing trimmed: there is no silence at the start or end", unchanged=True)
    if end - start < MIN_SAMPLES:
        return EditedInput(x, "nothing trimmed: too little sound would remain", unchanged=True)
    return EditedInput(x[start:end], f"silence trimmed: {start / SAMPLE_RATE:.2f} s at the start, "
                                     f"{(len(x) - end) / SAMPLE_RATE:.2f} s at the end")


def _quieter(x: np.ndarray) -> EditedInput:
    return EditedInput((x * 10 ** (-QUIETER_DB / 20)).astype(np.float32), f"level lowered by {QUIETER_DB:g} dB")


def _louder(x: np.ndarray) -> EditedInput:
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak == 0:
        return EditedInput(x, "level not raised: the recording is all zeros", unchanged=True)
    gain = min(10 ** (LOUDER_DB / 20), LOUDER_PEAK / peak)
    if gain <= 1.0:
        return EditedInput(x, "level not raised: the recording already peaks at full scale", unchanged=True)
    gain_db = 20 * math.log10(gain)
    limited = " (limited so that nothing clips)" if gain_db < LOUDER_DB - 0.05 else ""
    return EditedInput((x * gain).astype(np.float32), f"level raised by {gain_db:.1f} dB{limited}")


def _grid_shift(x: np.ndarray) -> EditedInput:
    if len(x) < WINDOW_SAMPLES:  # one repeated window: start it half a window into the repetition
        offset_s = WINDOW_SAMPLES / 2 / SAMPLE_RATE
        return EditedInput(x, f"the model's window starts {offset_s:.2f} s (half a window) into the repeated "
                              "recording, which is shorter than one window", window_offset_s=offset_s)
    return EditedInput(x, f"the 4 s analysis windows start {GRID_SHIFT_S:g} s later", window_offset_s=GRID_SHIFT_S)


def _telephone_band(x: np.ndarray) -> EditedInput:
    import torch
    import torchaudio

    from ..audio.decoding import RESAMPLING, resample

    with torch.inference_mode():
        narrow = torchaudio.functional.resample(torch.from_numpy(np.ascontiguousarray(x)), SAMPLE_RATE,
                                                TELEPHONE_RATE, **RESAMPLING).numpy()
    return EditedInput(_same_length(resample(narrow, TELEPHONE_RATE), len(x)),
                       f"resampled to {TELEPHONE_RATE // 1000} kHz and back (telephone band: nothing above 4 kHz)")


def _noise(x: np.ndarray) -> EditedInput:
    from ..audio.level import FRAME, speech_frames

    speech = speech_frames(x)
    frames = x[: len(speech) * FRAME].reshape(len(speech), -1).astype(np.float64)
    power = float(np.mean(frames[speech] ** 2)) if speech.any() else 0.0
    if power <= 0:
        return EditedInput(x, "no noise added: no speech was found to set its level", unchanged=True)
    noise = np.random.default_rng(NOISE_SEED).standard_normal(len(x)) * math.sqrt(power / 10 ** (NOISE_SNR_DB / 10))
    return EditedInput((x + noise).astype(np.float32),
                       f"white noise added {NOISE_SNR_DB:g} dB below the speech level (seeded, the same every time)")


def _vorbis(x: np.ndarray) -> EditedInput:
    import soundfile as sf

    encoded = io.BytesIO()
    sf.write(encoded, np.clip(x, -1.0, 1.0), SAMPLE_RATE, format="OGG", subtype="VORBIS",
             compression_level=VORBIS_COMPRESSION)
    kbps = encoded.tell() * 8 / max(len(x) / SAMPLE_RATE, 1e-9) / 1000
    encoded.seek(0)
    decoded, _ = sf.read(encoded, dtype="float32")
    return EditedInput(_same_length(decoded, len(x)), f"encoded as Ogg Vorbis (about {kbps:.0f} kbps) and decoded")


def _same_length(y: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    return y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))


EDITS = (
    BenignEdit("leading_silence", "0.5 s silence added at start", "0.5 s of silence added at the start",
               "adding half a second of silence at the start", _leading_silence),
    BenignEdit("trim_silence", "silence trimmed at both ends",
               "silence at the start and end removed (the rule of the silence warnings)",
               "trimming the silence at the start and end", _trim_silence),
    BenignEdit("quieter_12db", "12 dB quieter", "level lowered by 12 dB", "lowering the volume by 12 dB", _quieter),
    BenignEdit("louder_6db", "up to 6 dB louder (no clipping)", "level raised by 6 dB, less where that would clip",
               "raising the volume by 6 dB", _louder),
    BenignEdit("grid_shift", "analysis windows shifted",
               "the 4 s analysis windows start 1 s later (half a window into the repetition for recordings shorter "
               "than one window)", "shifting the analysis windows", _grid_shift),
    BenignEdit("telephone_band", "telephone band (8 kHz)", "resampled to 8 kHz and back (telephone band)",
               "passing it through a telephone band (8 kHz)", _telephone_band),
    BenignEdit("noise_30db", "faint noise (30 dB SNR)", "white noise 30 dB below the speech level (seeded)",
               "adding faint background noise (30 dB below the speech)", _noise),
    BenignEdit("ogg_vorbis", "Ogg Vorbis round trip", "Ogg Vorbis encode and decode (40-50 kbps at 16 kHz)",
               "compressing it with Ogg Vorbis", _vorbis),
)
EDITS_BY_NAME = {e.name: e for e in EDITS}


# --- the check ----------------------------------------------------------------------------------------------------


def check_robustness(detector, audio, *, base=None, protocol: str = "full", hop_s: Optional[float] = None,
                     progress: Optional[Callable[[int, int], None]] = None,
                     max_check_s: float = MAX_CHECK_S, recording_s: Optional[float] = None) -> RobustnessResult:
    """Re-score ``audio`` (an ``aasist.audio.decoding.Audio``) with ``detector`` under every edit of ``EDITS``.

    ``base``: the recording's own ``DetectionResult`` with the same ``protocol`` and ``hop_s``, reused when the whole
    recording is checked (otherwise the unedited excerpt is scored first). ``progress(done, total)`` after each edit.
    ``max_check_s``: longer recordings are checked on their first ``max_check_s`` seconds (a slow model gets less).
    ``recording_s``: the whole recording's length when ``audio`` is only its beginning (a long file, decoded no
    further than the check needs). ``pipeline.Pipeline.add_robustness`` calls this and attaches the result.
    """
    x = audio.waveform
    limit = round(max_check_s * SAMPLE_RATE)
    duration_s = len(x) / SAMPLE_RATE if recording_s is None else recording_s
    if len(x) > limit or duration_s * SAMPLE_RATE > len(x) + 1:
        x = x[:limit]
        part = f"the first {max_check_s:g} s of {duration_s:.1f} s"
        base = None
    else:
        part = WHOLE

    def score(waveform, window_offset_s=0.0):
        # The edits are compared by spoof probability alone: speech presence is the unedited recording's.
        return detector.analyze(waveform, sample_rate=SAMPLE_RATE, protocol=protocol, hop_s=hop_s, find_speech=False,
                                window_offset_s=window_offset_s)

    if base is None or base.protocol != protocol:
        base = score(x)
    base_verdict = verdict_for(base.spoof_probability)  # by probability, like the edits'
    results = []
    for done, edit in enumerate(EDITS, 1):
        edited = edit.apply(x)
        scored = base if edited.unchanged else score(edited.waveform, edited.window_offset_s)
        verdict = verdict_for(scored.spoof_probability)
        results.append(EditResult(edit.name, edited.description, float(scored.spoof_probability), verdict,
                                  flips=verdict != base_verdict))
        if progress is not None:
            progress(done, len(EDITS))
    return RobustnessResult(results, float(base.spoof_probability), base_verdict, len(x) / SAMPLE_RATE, part)
