"""Speech presence: how much of a recording is speech, before anyone says whether that speech is real.

The anti-spoofing models answer "bona fide" or "spoof" for any sound, a tone or a fan included, and their answer on
sounds that are not speech means nothing. Silero VAD (snakers4/silero-vad, MIT) says, for every 32 ms frame of
16 kHz audio, how likely it is speech; its ONNX model ships inside the PyPI package, so nothing is downloaded.

    finder = SpeechFinder()
    presence = finder.find(waveform_16k)          # SpeechPresence: seconds, share, regions
    tracker = finder.tracker(); tracker.push(block) ...; tracker.presence()   # the same, block by block

The thresholds below were chosen on recordings assembled offline (benchmarks/measure_speech_presence.py, README
"Speech presence"), where what they were measured on is listed.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from .level import SAMPLE_RATE, input_level  # numpy only: the page's wording reads this module's thresholds
# without loading torch; SAMPLE_RATE is also Silero VAD's rate

FRAME_SAMPLES = 512  # the VAD's frame at 16 kHz (32 ms)
CONTEXT_SAMPLES = 64  # the end of the previous frame that the VAD sees with each frame
FRAMES_PER_CALL = 512  # frames per ONNX call (16.4 s of audio): one call per block instead of one per frame

# A frame is speech from THRESHOLD on, until the probability drops under THRESHOLD - 0.15 (the package's
# hysteresis); regions shorter than MIN_REGION_MS are dropped, gaps shorter than MIN_GAP_MS are bridged, and each
# region is widened by PAD_MS on both sides (the package's defaults; see README "Speech presence").
# THRESHOLD kept at the default by measurement (benchmarks/measure_speech_presence.py): without levelling (below),
# 0.3 instead of 0.5 gave back only 3 of the 10 simulated far-field recordings that had no speech found (talker
# 10-16 m away, RT60 1-1.3 s, speech at -46 to -50 dBFS over room noise), and found 0.32 s of "speech" in bird-like
# whistles and in a hum (0.5: none in 30 sounds without words). Levelling gave all 10 back.
THRESHOLD = 0.5
MIN_REGION_MS = 250
MIN_GAP_MS = 100
PAD_MS = 30

# No verdict under this much speech. Measured on 176 speech recordings and 30 sounds without words (README "Speech
# presence"): in every speech recording the VAD found 0.84 s or more (the least: 1.0-1.25 s cuts of speech; 8 kHz and
# mu-law phone band, pink noise at 0 dB SNR and far-field talkers up to 16 m all 1.3 s or more), and it found 0.00 s
# in every tone, chirp, noise, silence, room tone, music-like and household sound and sung vowel or hum. Any value
# from 0.25 to 0.75 s splits them alike; 1.0 s would withhold 8 short clips' verdicts.
MIN_SPEECH_S = 0.5
# Warn when less than this share of the recording is speech: the verdict then rests on a few seconds.
LITTLE_SPEECH_SHARE = 1 / 3

# What the VAD hears is brought up to this speech level first (each 16.4 s block by its own active speech level, as
# aasist.audio.level measures it; never turned down, at most MAX_GAIN_DB up, silence left alone); the models' input
# is not touched. Quiet distant talkers are what the VAD alone missed: 10 of 30 simulated far-field recordings (10-16
# m, RT60 1-1.3 s, speech at -46 to -50 dBFS, 8-12 dB over room noise) had no speech found; levelled, none of the 176
# speech recordings lost its verdict and none of the 30 sounds without words gained one.
TARGET_SPEECH_DBFS = -26.0
MAX_GAIN_DB = 30.0


@dataclass(frozen=True)
class SpeechPresence:
    """Where a recording holds speech: ``seconds`` of speech, its ``share`` of the recording, and the ``regions``
    ((start_s, end_s), in order, not overlapping)."""

    seconds: float
    share: float
    regions: tuple = ()

    @property
    def enough(self) -> bool:
        """Whether there is enough speech for a real-or-synthetic verdict to mean anything."""
        return self.seconds >= MIN_SPEECH_S

    @property
    def little(self) -> bool:
        """Enough for a verdict, but less than ``LITTLE_SPEECH_SHARE`` of the recording."""
        return self.enough and self.share < LITTLE_SPEECH_SHARE

    def seconds_between(self, start_s: float, end_s: float) -> float:
        """Seconds of speech between ``start_s`` and ``end_s`` (a window's span)."""
        return float(sum(max(0.0, min(end, end_s) - max(start, start_s)) for start, end in self.regions))

    def to_dict(self) -> dict:
        return {"seconds": round(self.seconds, 3), "share": round(self.share, 4),
                "regions": [[round(start, 3), round(end, 3)] for start, end in self.regions]}


class SpeechFinder:
    """Silero VAD's sequence model (one ONNX call per 16 s block). Safe to share between threads: the recurrent
    state lives in each call or ``SpeechTracker``, not here."""

    def __init__(self, threshold: float = THRESHOLD, level_to_dbfs: Optional[float] = TARGET_SPEECH_DBFS):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread: the frames run in sequence (a recurrent state), and the page's other threads score windows.
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(_model_file()), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        self.threshold = threshold
        self.level_to_dbfs = level_to_dbfs  # None: the VAD hears the samples as they are
        self._to_regions = _package_state_machine()

    def find(self, waveform: np.ndarray) -> SpeechPresence:
        """The speech in mono 16 kHz samples."""
        tracker = self.tracker()
        tracker.push(waveform)
        return tracker.presence()

    def tracker(self) -> "SpeechTracker":
        return SpeechTracker(self)

    def regions(self, probabilities: np.ndarray, num_samples: int) -> tuple:
        """Speech regions in seconds from per-frame probabilities (the package's state machine)."""
        found = self._to_regions(
            probabilities.tolist(), sampling_rate=SAMPLE_RATE, threshold=self.threshold,
            min_speech_duration_ms=MIN_REGION_MS, min_silence_duration_ms=MIN_GAP_MS, speech_pad_ms=PAD_MS,
            audio_length_samples=num_samples)
        return tuple((r["start"] / SAMPLE_RATE, min(r["end"], num_samples) / SAMPLE_RATE) for r in found)


class SpeechTracker:
    """Speech presence of audio that arrives in blocks (long files, streams): the same frames, gains, state and
    result as ``SpeechFinder.find`` on the whole, keeping only the per-frame probabilities (31 numbers a second).
    The VAD runs on whole blocks of ``FRAMES_PER_CALL`` frames counted from the start, each at its own gain."""

    def __init__(self, finder: SpeechFinder):
        self.finder = finder
        self._state = (np.zeros((1, 1, 128), np.float32), np.zeros((1, 1, 128), np.float32))
        self._context = np.zeros(CONTEXT_SAMPLES, np.float32)
        self._pending = np.zeros(0, np.float32)  # samples of a frame not yet whole
        self._probabilities: list = []
        self.num_samples = 0

    def push(self, samples: np.ndarray) -> None:
        samples = np.nan_to_num(np.asarray(samples, np.float32).reshape(-1), nan=0.0, posinf=0.0, neginf=0.0)
        self.num_samples += len(samples)
        self._pending = np.concatenate([self._pending, samples])
        block = FRAMES_PER_CALL * FRAME_SAMPLES
        whole = len(self._pending) // block * block
        for begin in range(0, whole, block):
            values, self._state, self._context = self._block_probabilities(self._pending[begin : begin + block])
            self._probabilities.append(values)
        self._pending = self._pending[whole:]

    def probabilities(self) -> np.ndarray:
        """Per-frame speech probabilities so far, the last partial frame zero-padded (as the package does)."""
        done = np.concatenate(self._probabilities) if self._probabilities else np.zeros(0, np.float32)
        if not len(self._pending):
            return done
        padded = np.pad(self._pending, (0, -len(self._pending) % FRAME_SAMPLES))
        last, _, _ = self._block_probabilities(padded)
        return np.concatenate([done, last])

    def presence(self) -> SpeechPresence:
        probabilities = self.probabilities()
        regions = self.finder.regions(probabilities, self.num_samples)
        seconds = float(sum(end - start for start, end in regions))
        duration = self.num_samples / SAMPLE_RATE
        return SpeechPresence(seconds, seconds / duration if duration else 0.0, regions)

    def _block_probabilities(self, samples: np.ndarray):
        """Probabilities of a block of whole frames at the block's gain, each frame seen with the 64 samples before
        it; and the state and context after them."""
        gain_db = 0.0 if self.finder.level_to_dbfs is None else vad_gain_db(samples, self.finder.level_to_dbfs)
        frames = (samples * np.float32(10 ** (gain_db / 20))).reshape(-1, FRAME_SAMPLES)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT_SAMPLES:]])
        values, h, c = self.finder.session.run(["speech_probs", "hn", "cn"], {
            "input": np.concatenate([contexts, frames], axis=1), "h": self._state[0], "c": self._state[1]})
        return np.asarray(values, np.float32).reshape(-1), (h, c), frames[-1, -CONTEXT_SAMPLES:].copy()


def vad_gain_db(samples: np.ndarray, target_dbfs: float = TARGET_SPEECH_DBFS) -> float:
    """The gain that brings a block's active speech level to ``target_dbfs`` for the VAD: 0 dB for silence and for
    blocks already at that level or louder, at most ``MAX_GAIN_DB``."""
    level = input_level(samples).speech_dbfs
    if level is None:
        return 0.0
    return float(np.clip(target_dbfs - level, 0.0, MAX_GAIN_DB))


def _model_file() -> Path:
    """The sequence model's file inside the silero-vad package (see ``_package_state_machine`` for why the package
    is not imported for it)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The silero-vad package is missing; install the requirements (pip install -r "
                           "requirements.txt).")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "silero_vad_16k_sequence.onnx"


def _package_state_machine():
    """silero-vad's ``get_speech_timestamps_from_probs``, imported without its side effect: the package's
    ``__init__`` runs ``torch.set_num_threads(1)`` (silero_vad/model.py), which would slow every torch model in this
    process, so the thread count is put back."""
    import torch

    threads = torch.get_num_threads()
    try:
        from silero_vad.utils_vad import get_speech_timestamps_from_probs
    finally:
        torch.set_num_threads(threads)
    return get_speech_timestamps_from_probs


def find_speech(waveform: np.ndarray, finder: Optional[SpeechFinder] = None) -> SpeechPresence:
    """The speech in mono 16 kHz samples, with a new ``SpeechFinder`` unless one is given."""
    return (finder or SpeechFinder()).find(waveform)
