"""The sliding window over a recording that arrives in blocks: cut, batch, score, keep only what is still needed.

``Detector.analyze`` feeds it a whole recording at once, or a long file block by block (``audio.DecodedStream``);
both give the same windows (``windows.WindowGeometry``) and the same logits. Memory stays bounded whatever the
length: the samples kept are those a window still to be cut needs (at most a window and a hop), and of the
attention captured with each batch, only that of the windows with the lowest and the highest bona fide logit (one of
them is the most decisive window, known once the verdict is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ..audio.windows import WindowGeometry

# (windows (N, window) float32, with_attention) -> (logits (N, 2), {name: (N, ...)} or None)
RunBatch = Callable[[np.ndarray, bool], tuple]
ProgressCallback = Callable[[int, Optional[int]], None]


@dataclass
class ScoredWindows:
    """Every window's start sample and logits (in order), the recording's length in 16 kHz samples, and the captured
    attention of the extreme windows (window index -> {name: array without the batch axis})."""

    starts: list
    logits: np.ndarray  # (N, 2)
    num_samples: int
    attention: dict = field(default_factory=dict)
    tiled: bool = False  # the recording was shorter than a window and repeated to fill it


class SlidingWindowScorer:
    """Push 16 kHz samples in order, then ``finish()``.

    ``first_only``: the authors' protocol (only the first window). ``expected_samples``: the length announced by a
    file's header, for ``progress(done, total)``'s total (None when unknown; the total is exact once known).
    """

    def __init__(self, run_batch: RunBatch, geometry: WindowGeometry, batch_size: int, *, first_only: bool = False,
                 with_attention: bool = False, expected_samples: Optional[int] = None,
                 progress: Optional[ProgressCallback] = None):
        self.run_batch = run_batch
        self.geometry = geometry
        self.batch_size = max(1, batch_size)
        self.first_only = first_only
        self.with_attention = with_attention
        self.progress = progress
        self._expected = expected_samples
        self._buffer = np.zeros(0, np.float32)
        self._buffer_start = 0  # sample index of _buffer[0] in the recording
        self._received = 0
        self._next_grid = geometry.offset  # the next grid window's start (the grid before the end-aligned one)
        self._pending: list = []  # (start, samples) cut, not yet scored
        self._starts: list = []
        self._logits: list = []
        self._extremes: dict = {}  # "low"/"high" -> (bona fide logit, window index, attention)

    def push(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, np.float32).reshape(-1)
        self._buffer = np.concatenate([self._buffer, samples]) if len(self._buffer) else samples
        self._received += len(samples)
        window, hop = self.geometry.window, self.geometry.hop
        while self._wants_grid() and self._next_grid + window <= self._received:
            self._pending.append((self._next_grid, self._slice(self._next_grid, window)))
            self._next_grid += hop
            if len(self._pending) >= self.batch_size:
                self._score_pending()
        self._trim()

    def finish(self) -> ScoredWindows:
        """Score what is left, the end-aligned last window (or the tiled one, for a recording under a window)."""
        final = self.geometry.starts(self._received)
        if self.first_only:
            final = final[:1]
        scored = set(self._starts) | {start for start, _ in self._pending}
        for start in final:
            if start not in scored:
                if self._received < self.geometry.window:  # tiled: the whole recording is still in the buffer
                    cut = self.geometry.cut(self._buffer, [0])[0]
                else:
                    cut = self._slice(start, self.geometry.window)
                self._pending.append((start, cut))
        self._expected = self._received
        self._score_pending()
        order = np.argsort(self._starts, kind="stable")
        logits = np.concatenate(self._logits) if self._logits else np.zeros((0, 2))
        index_of = {int(old): new for new, old in enumerate(order)}
        attention = {index_of[i]: captured for _, i, captured in self._extremes.values() if captured is not None}
        return ScoredWindows([self._starts[i] for i in order], logits[order], self._received, attention,
                             self.geometry.tiles(self._received))

    # --- internals --------------------------------------------------------------------------------------------

    def _wants_grid(self) -> bool:
        return not (self.first_only and (self._starts or self._pending))

    def _slice(self, start: int, length: int) -> np.ndarray:
        begin = start - self._buffer_start
        return self._buffer[begin : begin + length].copy()

    def _trim(self) -> None:
        """Keep the samples from the next grid window's start, and the last window's worth (the end-aligned one)."""
        keep_from = self._received - self.geometry.window
        if self._wants_grid():
            keep_from = min(keep_from, self._next_grid)
        keep_from = max(keep_from, self._buffer_start)
        if keep_from > self._buffer_start:
            self._buffer = self._buffer[keep_from - self._buffer_start :].copy()
            self._buffer_start = keep_from

    def _score_pending(self) -> None:
        if not self._pending:
            return
        starts = [start for start, _ in self._pending]
        batch = np.stack([samples for _, samples in self._pending])
        self._pending = []
        for begin in range(0, len(batch), self.batch_size):
            part = batch[begin : begin + self.batch_size]
            logits, attention = self.run_batch(part, self.with_attention)
            first_index = len(self._starts)
            self._starts.extend(starts[begin : begin + len(part)])
            self._logits.append(np.asarray(logits))
            self._keep_extremes(np.asarray(logits), attention, first_index)
            if self.progress is not None:
                self.progress(len(self._starts), self._expected_windows())

    def _keep_extremes(self, logits: np.ndarray, attention: Optional[dict], first_index: int) -> None:
        for j, bona_fide_logit in enumerate(logits[:, 1]):
            for name, better in (("low", np.less), ("high", np.greater)):
                kept = self._extremes.get(name)
                if kept is None or better(bona_fide_logit, kept[0]):
                    captured = None if not attention else {k: np.array(v[j]) for k, v in attention.items()}
                    self._extremes[name] = (float(bona_fide_logit), first_index + j, captured)

    def _expected_windows(self) -> Optional[int]:
        if self._expected is None:
            return None
        return 1 if self.first_only else len(self.geometry.starts(self._expected))
