"""Live detection: score audio while it arrives, chunk by chunk, with a smoothed probability and an alarm.

    from aasist import Detector
    from aasist.inference.streaming import StreamingDetector

    stream = StreamingDetector(Detector.from_pretrained("AASIST"), hop_s=1.0)
    for chunk in microphone_chunks():                  # any size, any rate, any channels, int16 or float
        for update in stream.push(chunk, sample_rate=44100):
            print(update.t_end_s, update.status, update.spoof_probability, update.alarm)
    stream.finish()
    print(stream.summary().to_dict())

How it works:

- Chunks are mixed to mono and resampled to 16 kHz incrementally (``audio.StreamResampler``): the stream's 16 kHz
  signal is the one ``aasist.audio.decoding`` makes from the whole recording at once, within float rounding, however the
  audio was cut into chunks. Only the last window is kept (and, with ``keep_audio_s``, that much recent audio).
- Every hop (``hop_s``, 0.25-4.04 s) the newest full 64600-sample window (4.04 s) is scored, exactly as
  ``Detector.analyze`` scores those 64600 samples. Hop boundaries lie at 4.0375 s + k * hop, so the stream's windows
  are the windows ``Detector.analyze(recording, hop_s=hop)`` cuts from the same recording.
- **No provisional score before 4.04 s.** A window is never tiled from a shorter start: a tiled partial window is
  exactly the too-short input the model misjudges (real speech under 2 s, tiled to 4 s, is often called spoof), so
  the hops before the first full window are updates with status ``"waiting"`` and no probability.
- **Smoothing**: ``smoothed_probability`` combines the last ``smoothing`` windows with speech in log-odds, the
  rule of the whole-recording result (``detector.aggregate_spoof_probability``). ``smoothing`` counts windows and
  ``min_hops`` hops, so their span in seconds follows the hop; the defaults (7 windows, 3 hops) were measured at 1 s.
- **Alarm with hysteresis**: raised when the smoothed probability is at or above ``threshold`` for ``min_hops``
  consecutive scored hops, cleared when it falls below ``threshold - margin``; each change is an ``alarm_on`` /
  ``alarm_off`` event with its time.
- **Only speech is evidence**: a window that ``diagnostics`` would call silent (loudest 20 ms frame below -60 dBFS)
  is reported with status ``"silent"``; any other window is checked for speech (``aasist.audio.speech``, Silero VAD on
  the window's own 64600 samples, about 15 ms), and one with less than ``MIN_SPEECH_S`` (0.5 s) of speech is
  reported with status ``"no_speech"`` (a tone, a chirp, noise, music, a pause). Both are scored and reported (the
  model's number, which means nothing there, is kept for the record), but leave the smoothing and the alarm as they
  were: an alarm raised before a pause stays raised through it, and the next speech decides. ``"silent"`` is kept
  apart because it says more (the microphone may be muted or unplugged) and needs no speech check.
- Faults: a chunk with NaN or infinite samples raises ``AudioError`` (one sentence) and is dropped, and the stream
  goes on; a sample rate that changes mid-stream flushes the old resampler and continues at the new rate (a
  ``sample_rate_changed`` event); a stream that stops before 4.04 s or mid-hop is summarised, saying what was not
  scored.
- Threads: one StreamingDetector per stream; several streams may share one ``Detector`` from different threads
  (the ONNX backend runs one window at a time behind a lock, the torch backend's forward pass keeps no state).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..audio.decoding import AudioError, StreamResampler, mono_samples
from ..audio.level import is_silent
from ..audio.speech import MIN_SPEECH_S, SpeechFinder
from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES
from .detector import _round, aggregate_spoof_probability, spoof_probability_from_logits
from .stream_settings import (  # noqa: F401 - the stream's defaults, documented as this module's
    DEFAULT_HOP_S,
    DEFAULT_MARGIN,
    DEFAULT_MIN_HOPS,
    DEFAULT_SMOOTHING,
    DEFAULT_THRESHOLD,
    MAX_HOP_S,
    MIN_HOP_S,
    checked_hop_s,
    checked_threshold,
    number,
)

WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE  # 4.0375 s, the model's fixed input
SCORE_GROUP = 8  # windows scored per backend call when one push crosses many hops (bounds memory)

# "waiting": before the first full window; "scored": a window with speech, counted towards the smoothing and the
# alarm; "silent" and "no_speech": scored and reported, not counted (see the module docstring).
STATUSES = ("waiting", "scored", "silent", "no_speech")


def _round_optional(x: Optional[float], digits: int = 6) -> Optional[float]:
    """``_round`` for the values a stream may not have yet (None before the first full window)."""
    return None if x is None else _round(x, digits)


@dataclass
class StreamEvent:
    kind: str  # "alarm_on", "alarm_off" or "sample_rate_changed"
    t_s: float  # stream time (seconds of 16 kHz audio) when it happened
    message: str  # one plain sentence

    def to_dict(self) -> dict:
        return {"kind": self.kind, "t_s": _round(self.t_s, 4), "message": self.message}


@dataclass
class StreamUpdate:
    t_end_s: float  # end of the window (the hop boundary), in seconds since the stream began
    status: str  # one of STATUSES: "waiting" (less than one window received), "scored", or "silent" / "no_speech"
    # (scored, not counted)
    spoof_probability: Optional[float]  # of the window; None while waiting (without speech it means nothing)
    score: Optional[float]  # bona fide logit of the window; None while waiting
    smoothed_probability: Optional[float]  # last `smoothing` windows with speech in log-odds; None before the first
    alarm: bool  # alarm state after this update
    events: list = field(default_factory=list)  # StreamEvent, in order
    skipped: int = 0  # stale hops not scored just before this one (push(latest_only=True))
    speech_s: Optional[float] = None  # seconds of speech found in the window; None while waiting and when silent

    def to_dict(self) -> dict:
        return {
            "t_end_s": _round(self.t_end_s, 4),
            "status": self.status,
            "spoof_probability": _round_optional(self.spoof_probability),
            "score": _round_optional(self.score),
            "smoothed_probability": _round_optional(self.smoothed_probability),
            "alarm": self.alarm,
            "skipped": self.skipped,
            "speech_s": _round_optional(self.speech_s, 3),
            "events": [e.to_dict() for e in self.events],
        }


@dataclass
class StreamSummary:
    duration_s: float  # 16 kHz audio received
    hops_scored: int  # windows run through the model, silent ones and those without speech included
    silent_hops: int  # of those, silent: not counted towards the smoothing and the alarm
    no_speech_hops: int  # of those, not silent but with less than MIN_SPEECH_S of speech: not counted either
    skipped_hops: int  # full windows not scored because a push(latest_only=True) moved past them
    max_probability: Optional[float]  # over the counted windows (with speech); None when there were none
    mean_probability: Optional[float]
    overall_probability: Optional[float]  # the counted windows in log-odds: the whole-recording rule
    alarms: list  # (on_s, off_s or None while still raised)
    alarm_raised: bool
    unscored_tail_s: float  # audio after the last hop boundary (less than one hop, or everything before 4.04 s)
    finished: bool  # finish() was called; otherwise a summary so far
    events: list = field(default_factory=list)  # every StreamEvent
    notes: list = field(default_factory=list)  # plain sentences: what was not scored, and why

    @property
    def counted_hops(self) -> int:
        """Scored windows with speech: those the smoothing, the alarm and the probabilities above are made of."""
        return self.hops_scored - self.silent_hops - self.no_speech_hops

    def to_dict(self) -> dict:
        return {
            "duration_s": _round(self.duration_s, 4),
            "hops_scored": self.hops_scored,
            "silent_hops": self.silent_hops,
            "no_speech_hops": self.no_speech_hops,
            "skipped_hops": self.skipped_hops,
            "max_probability": _round_optional(self.max_probability),
            "mean_probability": _round_optional(self.mean_probability),
            "overall_probability": _round_optional(self.overall_probability),
            "alarms": [[_round(on, 4), _round_optional(off, 4)] for on, off in self.alarms],
            "alarm_raised": self.alarm_raised,
            "unscored_tail_s": _round(self.unscored_tail_s, 4),
            "finished": self.finished,
            "events": [e.to_dict() for e in self.events],
            "notes": list(self.notes),
        }


class StreamingDetector:
    """Scores a live stream with a ``Detector`` (see the module docstring): ``push`` chunks, then ``finish``."""

    def __init__(
        self,
        detector,
        hop_s: float = DEFAULT_HOP_S,
        threshold: float = DEFAULT_THRESHOLD,
        min_hops: int = DEFAULT_MIN_HOPS,
        margin: float = DEFAULT_MARGIN,
        smoothing: int = DEFAULT_SMOOTHING,
        keep_audio_s: Optional[float] = None,
        speech_finder: Optional[SpeechFinder] = None,
    ):
        """``speech_finder``: the speech check of every window; by default the detector's (``Detector.speech_finder``,
        shared by every stream of that detector), or a new one for a scorer that has none."""
        hop_s = checked_hop_s(hop_s)
        threshold = checked_threshold(threshold)
        margin = number(margin, "margin")
        if not 0 <= margin < threshold:
            raise ValueError(f"The margin must be at least 0 and below the threshold ({threshold:g}), "
                             f"not {margin:g}.")
        for name, value in (("min_hops", min_hops), ("smoothing", smoothing)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a whole number, 1 or more, not {value!r}.")
        if keep_audio_s is not None:
            keep_audio_s = number(keep_audio_s, "keep_audio_s")
            if not keep_audio_s > 0:
                raise ValueError(f"keep_audio_s must be a positive number of seconds or None, not {keep_audio_s:g}.")
        if not callable(getattr(detector, "score_windows", None)):
            raise ValueError(f"A StreamingDetector needs an aasist Detector, not {type(detector).__name__}.")

        self.detector = detector
        self.speech_finder = speech_finder or getattr(detector, "speech_finder", None) or SpeechFinder()
        self.hop_s = hop_s
        self.hop_samples = round(hop_s * SAMPLE_RATE)
        self.threshold = threshold
        self.min_hops = int(min_hops)
        self.margin = margin
        self.smoothing = int(smoothing)
        self.keep_audio_s = keep_audio_s
        self._keep = WINDOW_SAMPLES  # samples kept: the window, or keep_audio_s when longer (inf: everything)
        if keep_audio_s is not None:
            self._keep = math.inf if math.isinf(keep_audio_s) else max(self._keep, round(keep_audio_s * SAMPLE_RATE))
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next push starts a new stream."""
        with self._lock:
            self._resampler: Optional[StreamResampler] = None
            self._channels: Optional[int] = None
            self._signal = _SampleBuffer()
            # The first hop boundary: the earliest one after 0 on the grid 64600 + k * hop.
            self._next_boundary = WINDOW_SAMPLES - (WINDOW_SAMPLES - 1) // self.hop_samples * self.hop_samples
            self._last_boundary = 0
            self._recent: deque = deque(maxlen=self.smoothing)  # logits of the last counted windows (with speech)
            self._smoothed: Optional[float] = None
            self._run = 0  # consecutive scored hops with the smoothed probability at or above the threshold
            self._alarm = False
            self._alarms: list = []
            self._events: list = []
            self._pending: list = []  # events waiting for the next update
            self._scored = self._silent = self._no_speech = self._skipped = 0
            self._logits: list = []  # of every counted window (with speech)
            self._finished = False

    @property
    def received_s(self) -> float:
        """Seconds of 16 kHz audio received so far (the resampler holds back a few ms until the next chunk)."""
        return self._signal.end / SAMPLE_RATE

    @property
    def alarm(self) -> bool:
        return self._alarm

    @property
    def alarms(self) -> list:
        """(on_s, off_s or None while raised) of every alarm so far, as in ``summary()``, without its arithmetic."""
        with self._lock:
            return list(self._alarms)

    @property
    def skipped_hops(self) -> int:
        """Full windows passed over so far by ``push(latest_only=True)``."""
        return self._skipped

    @property
    def audio_start_s(self) -> float:
        """Where ``audio()`` begins in the stream (0 unless more than ``keep_audio_s`` was received)."""
        return self._signal.start / SAMPLE_RATE

    def audio(self) -> np.ndarray:
        """The kept 16 kHz mono recording (float32): the last ``keep_audio_s`` seconds received."""
        if self.keep_audio_s is None:
            raise ValueError("This stream keeps no audio; create it with keep_audio_s=SECONDS to keep the recording.")
        with self._lock:
            return self._signal.array()

    def recent_audio(self, seconds: float) -> np.ndarray:
        """A copy of the last ``seconds`` of the 16 kHz signal (at most what the stream keeps: one window, or
        ``keep_audio_s``), e.g. to show the input level."""
        with self._lock:
            n = min(max(0, round(seconds * SAMPLE_RATE)), self._signal.end - self._signal.start)
            return self._signal.slice(self._signal.end - n, self._signal.end).copy()

    def push(self, chunk, sample_rate: int, latest_only: bool = False) -> list:
        """Add a chunk; one ``StreamUpdate`` per hop boundary it crossed (with ``latest_only``, only the newest,
        whose ``skipped`` counts the full windows passed over: what a live server that cannot keep up does).

        ``chunk``: (n,), (n, channels) or (channels, n) samples, int16/int32/uint8 PCM or float in [-1, 1], as
        ``Detector.analyze`` takes arrays. Raises ``AudioError`` (the chunk is dropped, the stream goes on) for NaN or
        infinite samples, an unsupported sample rate or an array that is not audio.
        """
        with self._lock:
            if self._finished:
                raise ValueError("This stream has finished; call reset() to start a new one.")
            x = np.asarray(chunk)
            if x.size == 0:
                return []
            if x.dtype.kind in "fc" and not np.isfinite(x).all():
                raise AudioError(f"The chunk at {self.received_s:.2f} s contains invalid sample values (NaN or "
                                 "infinity), so it was dropped; the stream goes on with the next chunk.")
            mono, self._channels = mono_samples(x, sample_rate, self._channels)
            rate = int(sample_rate)
            if self._resampler is None:
                self._resampler = StreamResampler(rate)
            elif rate != self._resampler.sample_rate:
                old = self._resampler.sample_rate
                self._signal.append(self._resampler.finish())
                self._resampler = StreamResampler(rate)
                event = StreamEvent(
                    "sample_rate_changed", self.received_s,
                    f"The sample rate changed from {old} Hz to {rate} Hz at {self.received_s:.2f} s; the stream "
                    "goes on at the new rate.")
                self._events.append(event)
                self._pending.append(event)
            self._resampler.push(mono)
            self._signal.append(self._resampler.read())
            updates = self._advance(latest_only)
            self._signal.keep_last(self._keep)
            return updates

    def finish(self) -> list:
        """End of the stream: the resampler's last samples, and the updates of the hops they complete. A partial hop
        at the end is not scored (``summary().unscored_tail_s``). Further pushes need ``reset()``."""
        with self._lock:
            if self._finished:
                return []
            if self._resampler is not None:
                self._signal.append(self._resampler.finish())
            updates = self._advance(latest_only=False)
            self._signal.keep_last(self._keep)
            self._finished = True
            return updates

    def summary(self) -> StreamSummary:
        """What the stream came to (so far, before ``finish``)."""
        with self._lock:
            logits = np.array(self._logits).reshape(-1, 2)
            p = spoof_probability_from_logits(logits)
            received = self._signal.end
            tail = received - self._last_boundary if self._last_boundary >= WINDOW_SAMPLES else received
            notes = []
            if self._finished and self._last_boundary < WINDOW_SAMPLES:
                notes.append(f"The stream ended after {received / SAMPLE_RATE:.2f} s, before the first full window "
                             f"of {WINDOW_S:.2f} s, so nothing was scored.")
            elif self._finished and tail > 0:
                notes.append(f"The last {tail / SAMPLE_RATE:.2f} s (less than one hop) was not scored.")
            if self._skipped:
                hops = "1 hop was" if self._skipped == 1 else f"{self._skipped} hops were"
                notes.append(f"{hops} skipped because the scoring could not keep up.")
            if self._scored and self._silent == self._scored:
                notes.append("Every scored window was silent, so there was no speech to judge.")
            elif self._scored and self._silent + self._no_speech == self._scored:
                notes.append(f"No scored window held speech (at least {MIN_SPEECH_S:g} s), so there was nothing to "
                             "judge.")
            return StreamSummary(
                duration_s=received / SAMPLE_RATE,
                hops_scored=self._scored,
                silent_hops=self._silent,
                no_speech_hops=self._no_speech,
                skipped_hops=self._skipped,
                max_probability=float(p.max()) if len(p) else None,
                mean_probability=float(p.mean()) if len(p) else None,
                overall_probability=aggregate_spoof_probability(logits) if len(p) else None,
                alarms=list(self._alarms),
                alarm_raised=bool(self._alarms),
                unscored_tail_s=tail / SAMPLE_RATE,
                finished=self._finished,
                events=list(self._events),
                notes=notes,
            )

    # -----------------------------------------------------------------------------------------------------------

    def _advance(self, latest_only: bool) -> list:
        """The updates of every hop boundary the received signal has reached. A hop counts as done only once its
        group of windows was scored, so an interrupted scoring (Ctrl-C, a backend error) is retried, not lost."""
        boundaries = list(range(self._next_boundary, self._signal.end + 1, self.hop_samples))
        if not boundaries:
            return []
        skipped = 0
        if latest_only and len(boundaries) > 1:
            skipped = sum(b >= WINDOW_SAMPLES for b in boundaries[:-1])
            boundaries = boundaries[-1:]

        updates = []
        for group in range(0, len(boundaries), SCORE_GROUP):
            ends = boundaries[group : group + SCORE_GROUP]
            full = [b for b in ends if b >= WINDOW_SAMPLES]
            windows = [self._signal.slice(b - WINDOW_SAMPLES, b) for b in full]
            logits = iter(self.detector.score_windows(np.stack(windows)) if windows else [])
            for end, window in zip(ends, [None] * (len(ends) - len(full)) + windows):
                update = self._waiting(end) if window is None else self._scored_update(end, window, next(logits))
                updates.append(update)
            self._next_boundary = ends[-1] + self.hop_samples
            self._last_boundary = ends[-1]
        updates[-1].skipped = skipped
        self._skipped += skipped
        if self._pending:
            updates[0].events[:0] = self._pending
            self._pending = []
        return updates

    def _waiting(self, end: int) -> StreamUpdate:
        return StreamUpdate(end / SAMPLE_RATE, "waiting", None, None, self._smoothed, self._alarm)

    def _scored_update(self, end: int, window: np.ndarray, logits: np.ndarray) -> StreamUpdate:
        t = end / SAMPLE_RATE
        probability = float(spoof_probability_from_logits(logits[None])[0])
        self._scored += 1
        if is_silent(window):
            self._silent += 1
            return StreamUpdate(t, "silent", probability, float(logits[1]), self._smoothed, self._alarm)
        speech = self.speech_finder.find(window)
        if not speech.enough:  # a tone, noise, music, a pause: the model's number means nothing
            self._no_speech += 1
            return StreamUpdate(t, "no_speech", probability, float(logits[1]), self._smoothed, self._alarm,
                                speech_s=speech.seconds)

        self._logits.append(logits)
        self._recent.append(logits)
        self._smoothed = aggregate_spoof_probability(np.stack(self._recent))
        self._run = self._run + 1 if self._smoothed >= self.threshold else 0
        events = []
        if not self._alarm and self._run >= self.min_hops:
            self._alarm = True
            self._alarms.append((t, None))
            events.append(StreamEvent(
                "alarm_on", t,
                f"Possible spoofed speech: the smoothed spoof probability has been at or above {self.threshold:.2f} "
                f"for {self._run} hops ({self._smoothed:.2f} now)."))
        elif self._alarm and self._smoothed < self.threshold - self.margin:
            self._alarm = False
            self._alarms[-1] = (self._alarms[-1][0], t)
            events.append(StreamEvent(
                "alarm_off", t,
                f"Alarm cleared: the smoothed spoof probability fell to {self._smoothed:.3f}, below "
                f"{self.threshold - self.margin:.2f}."))
        self._events.extend(events)
        return StreamUpdate(t, "scored", probability, float(logits[1]), self._smoothed, self._alarm, events,
                            speech_s=speech.seconds)


class _SampleBuffer:
    """The newest samples of the stream's 16 kHz signal, addressed by their position in the stream; appends are
    amortised O(1) (the storage doubles, dropped samples are only moved out on a reallocation)."""

    def __init__(self):
        self._data = np.zeros(0, np.float32)
        self._begin = 0  # index in _data of the oldest kept sample
        self._stop = 0  # index in _data after the newest
        self.end = 0  # stream position after the newest sample (samples received)

    @property
    def start(self) -> int:
        return self.end - (self._stop - self._begin)

    def append(self, x: np.ndarray) -> None:
        n = len(x)
        if self._stop + n > len(self._data):
            kept = self._stop - self._begin
            data = np.empty(max(2 * (kept + n), 1 << 16), np.float32)
            data[:kept] = self._data[self._begin : self._stop]
            self._data, self._begin, self._stop = data, 0, kept
        self._data[self._stop : self._stop + n] = x
        self._stop += n
        self.end += n

    def keep_last(self, n) -> None:
        if n != math.inf:
            self._begin = max(self._begin, self._stop - n)

    def slice(self, begin: int, stop: int) -> np.ndarray:
        """Samples [begin, stop) of the stream (a view)."""
        offset = self._begin - self.start
        return self._data[begin + offset : stop + offset]

    def array(self) -> np.ndarray:
        return self._data[self._begin : self._stop].copy()

