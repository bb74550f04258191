"""The live monitor's sessions: one per visitor, each feeding a ``aasist.inference.streaming.StreamingDetector``.

The microphone streams its audio in chunks (``webapp.live_tab``); every hop the session's stream scores the newest
4 s window, smooths and raises or clears the alarm; a window without speech (silence, a tone, music, noise) is shown
but changes neither. A session is kept here (not in ``gr.State``, so that it is freed as soon as the page is closed),
with the 16 kHz recording for a whole-recording analysis afterwards. What the page shows (alarms, skipped windows,
the threshold) is read from the stream itself.

Sharing the CPU: a model run takes one of the pool's compute slots. A live session never waits for one: when all are
busy (long analyses), its audio is kept and, once a slot is free, only the newest window is scored; the windows passed
over are counted (by the stream) and the page says so. Gradio's page sends a chunk every 0.1 s and holds the next ones
back until the previous one is handled, so a session must stay quick (about 2 ms a chunk, plus a model run once a
hop).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from aasist.text import one_sentence, percent_text

from .texts import duration_text

if TYPE_CHECKING:
    from aasist.inference.streaming import StreamingDetector

    from .model_pool import ModelPool

log = logging.getLogger("aasist.app")

LEVEL_S = 4.0  # the level shown is that of the last 4 s
IDLE_EXPIRY_S = 900  # a session not heard from for this long is dropped, even if the page never said goodbye


@dataclass(frozen=True)
class LogEntry:
    t_s: float  # stream time (seconds of audio received)
    kind: str  # a StreamEvent's kind, or "skipped", "bad_chunk", "limit", "summary", "model" (it could not load)
    message: str


class BadChunk(Exception):
    """A piece of the microphone stream that cannot be used; the message says why, in one sentence."""


@dataclass(frozen=True)
class Chunk:
    samples: np.ndarray  # (frames, channels), float32
    rate: int


def read_chunk(path: str) -> Chunk:
    """A streamed chunk, read from its file; ``BadChunk`` when it cannot be read."""
    import soundfile as sf

    try:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        raise BadChunk(f"A piece of the microphone stream could not be read ({one_sentence(err)}); it was "
                       "skipped.") from None
    if not np.isfinite(samples).all():
        raise BadChunk("A piece of the microphone stream held invalid sample values (NaN or infinity); it was "
                       "skipped.")
    return Chunk(samples, rate)


class LiveSession:
    """One visitor's live stream: its streaming detector, every update so far (for the chart) and its own notes.

    The stream is made once the model is loaded (``ready``); audio that arrives before (a visitor pressing Record
    while the server is still starting) is kept in ``pending`` and scored then. Until the stream exists the
    requested threshold is kept here; afterwards the stream's is the one.
    """

    def __init__(self, model: str, hop_s: float, threshold: float, time_limit_s: float):
        self.model = model
        self.hop_s = hop_s
        self.time_limit_s = time_limit_s
        self.stream: Optional[StreamingDetector] = None
        self.capture: dict = {}  # the browser's capture settings of the microphone track
        self.updates: list = []  # every StreamUpdate, oldest first
        self.pending: list = []  # chunks not yet fed to the stream: (samples (frames, channels), sample rate)
        self.level = None  # aasist.audio.level.InputLevel of the last LEVEL_S
        self.stopped: Optional[str] = None  # why the session ended ("stopped", "limit"), None while live
        self.last_seen = time.monotonic()
        self.lock = threading.Lock()
        self._requested_threshold = threshold
        self._notes: list = []  # LogEntry of what the stream does not know: bad chunks, the limit, the summary

    # --- what the page shows ----------------------------------------------------------------------------------------

    @property
    def received_s(self) -> float:
        """Seconds of audio received, scored or not."""
        fed = self.stream.received_s if self.stream is not None else 0.0
        return fed + sum(len(samples) / rate for samples, rate in self.pending)

    @property
    def threshold(self) -> float:
        return self.stream.threshold if self.stream is not None else self._requested_threshold

    @property
    def skipped(self) -> int:
        """Windows passed over to stay live."""
        return self.stream.skipped_hops if self.stream is not None else 0

    @property
    def alarms(self) -> list:
        return self.stream.alarms if self.stream is not None else []

    def browser_processing(self):
        """The input warning when the browser left its processing on (``aasist.audio.diagnostics``), else None."""
        from aasist.audio.diagnostics import browser_processing_warning

        return browser_processing_warning(self.capture)

    def log(self) -> list:
        """The event log, oldest first: the stream's events and skipped windows, and this session's notes."""
        entries = list(self._notes)
        for update in self.updates:
            if update.skipped:
                were = "s were" if update.skipped != 1 else " was"
                entries.append(LogEntry(update.t_end_s, "skipped", f"The server was busy: {update.skipped} window"
                                                                   f"{were} skipped to stay live."))
            entries += [LogEntry(event.t_s, event.kind, event.message) for event in update.events]
        # In time order; at the same time, the stream's events before the notes that close the session.
        return sorted(entries, key=lambda entry: (entry.t_s, entry.kind in ("limit", "summary")))

    # --- feeding it -------------------------------------------------------------------------------------------------

    def set_threshold(self, threshold: float) -> None:
        """The alarm threshold, from the page's slider (applies at once)."""
        if self.stream is not None:
            self.stream.threshold = threshold
        self._requested_threshold = threshold

    def note(self, kind: str, message: str) -> None:
        self._notes.append(LogEntry(self.received_s, kind, message))

    def ready(self, pool: ModelPool) -> bool:
        """Whether the stream exists; if the model is not loaded yet, its loading is started (in the background)."""
        if self.stream is None:
            detector = pool.loaded(self.model)
            if detector is None:
                error = pool.load_error(self.model)
                if error and not any(entry.kind == "model" for entry in self._notes):
                    self.note("model", f"{self.model} could not be loaded, so nothing is scored: {error}")
                return False
            from aasist.inference.streaming import StreamingDetector

            self.stream = StreamingDetector(detector, hop_s=self.hop_s, threshold=self._requested_threshold,
                                            keep_audio_s=self.time_limit_s)
        return True

    def receive(self, chunk: Chunk, pool: ModelPool) -> bool:
        """Keep a chunk (up to the time limit) and, if the model is loaded and a compute slot is free at once, score
        what was kept; stop the session at its time limit. False when the limit was reached before: nothing kept."""
        from aasist.audio.level import input_level

        room = int((self.time_limit_s - self.received_s) * chunk.rate + 1e-6)
        if room <= 0:
            return False
        self.pending.append((chunk.samples[:room], chunk.rate))
        if self.ready(pool) and pool.slots.acquire(blocking=False):
            try:
                self._push_pending()
            finally:
                pool.slots.release()
        if self.received_s >= self.time_limit_s - 1e-3:
            self.stop("limit", pool)
        if self.stream is not None:
            recent = self.stream.recent_audio(LEVEL_S)
            self.level = input_level(recent) if len(recent) else None
        return True

    def stop(self, reason: str, pool: ModelPool) -> None:
        """Finish the stream (``reason``: "stopped" or "limit") and note what it came to."""
        if self.stopped:
            return
        if self.stream is None:  # stopped while the model was loading: wait for it, then score what was kept
            pool.get(self.model)
            self.ready(pool)
        with pool.compute_slot():
            self._push_pending()
            self.updates.extend(self.stream.finish())
        self.stopped = reason
        summary = self.stream.summary()
        if reason == "limit":
            self.note("limit", f"The live session reached its limit of {duration_text(self.time_limit_s)} and "
                               "stopped; press Stop, then Record to start a new one.")
        verdict = "the alarm was raised" if summary.alarm_raised else "no alarm was raised"
        counted, quiet = summary.counted_hops, summary.silent_hops + summary.no_speech_hops
        overall = ("" if summary.overall_probability is None else
                   f"; {'the one window' if counted == 1 else f'all {counted} windows'} with speech"
                   f"{'' if counted == 1 else ' together'}: spoof probability "
                   f"{percent_text(summary.overall_probability)}")
        if quiet and counted:  # (with none counted, the stream's note says so)
            overall += f"; {quiet} window{'s' if quiet != 1 else ''} without speech not counted"
        self.note("summary", f"{summary.duration_s:.1f} s listened to, {verdict}{overall}. " + " ".join(summary.notes))

    def _push_pending(self) -> None:
        """Feed the chunks kept so far to the stream; it scores only the newest window and counts the ones passed
        over."""
        from aasist.audio.decoding import AudioError

        groups: list = []  # consecutive chunks of the same rate and channel count, pushed as one
        for samples, rate in self.pending:
            if groups and groups[-1][1] == rate and groups[-1][0][-1].shape[1] == samples.shape[1]:
                groups[-1][0].append(samples)
            else:
                groups.append(([samples], rate))
        self.pending = []
        for chunks, rate in groups:
            try:
                self.updates += self.stream.push(np.concatenate(chunks), rate, latest_only=True)
            except AudioError as err:
                self.note("bad_chunk", str(err))


class LiveSessions:
    """The live sessions, one per browser session (``gr.Request.session_hash``).

    A page that was closed is remembered (the last ``GONE_REMEMBERED``): a chunk or a Record event of it that
    arrives after the page said goodbye must not open a session that nobody would ever close.

    ``in_memory`` counts the sessions whose objects (stream, audio, updates) still exist, dropped or not: a dropped
    session is freed once the last handler that held it returns, and the log says so ("live session freed (N in
    memory)"). That, not the process's resident memory (which the allocator and Gradio's own caches move), is what
    shows that a visitor who left is forgotten.
    """

    GONE_REMEMBERED = 10_000

    def __init__(self):
        self._sessions: dict = {}
        self._gone: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        # The count has a lock of its own: a session's finalizer runs in whichever thread drops the last reference,
        # and that can be inside close() or start(), which hold self._lock.
        self._in_memory = 0
        self._count_lock = threading.Lock()

    def start(self, key: str, session: LiveSession) -> bool:
        """Register ``session``; False (nothing registered) when the page of ``key`` was closed."""
        now = time.monotonic()
        with self._lock:
            if key in self._gone:
                return False
            for old in [k for k, s in self._sessions.items() if now - s.last_seen > IDLE_EXPIRY_S]:
                del self._sessions[old]
            self._sessions[key] = session
        with self._count_lock:
            self._in_memory += 1
        weakref.finalize(session, self._freed)
        return True

    def _freed(self) -> None:
        """A session object is gone: called by its finalizer, in whichever thread dropped the last reference."""
        with self._count_lock:
            self._in_memory -= 1
            left = self._in_memory
        log.info("live session freed (%d in memory)", left)

    @property
    def in_memory(self) -> int:
        """Sessions registered here whose objects still exist (open ones, and dropped ones a handler still holds)."""
        with self._count_lock:
            return self._in_memory

    def close(self, key: str) -> bool:
        """The page of ``key`` is gone: drop its session (True if it had one) and refuse new ones."""
        with self._lock:
            self._gone[key] = None
            while len(self._gone) > self.GONE_REMEMBERED:
                self._gone.popitem(last=False)
            return self._sessions.pop(key, None) is not None

    def get(self, key: str) -> Optional[LiveSession]:
        with self._lock:
            return self._sessions.get(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
