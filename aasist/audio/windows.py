"""Window geometry: how a recording of any length becomes fixed-length model inputs (64600 samples for the AASIST
family; AntiDeepfake's whole recording up to 13 s, see ``for_architecture``).

Kept in one place so that the detector, the ONNX export (which is only valid at 64600 samples) and the training
data loader cut recordings the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES


def tile_to_length(x: np.ndarray, length: int = WINDOW_SAMPLES) -> np.ndarray:
    """Repeat a short waveform until it is ``length`` samples long, as the authors' evaluation does."""
    if len(x) >= length:
        return x[:length]
    repeats = length // len(x) + 1
    return np.tile(x, repeats)[:length]


@dataclass(frozen=True)
class WindowGeometry:
    """Fixed-length windows with a hop; the last window is aligned to the end of the recording.

    ``offset`` starts the grid that many samples later (the robustness check's grid shift): the windows start at
    ``offset``, ``offset + hop``, ..., the last one still aligned to the end (only that one when the offset passes
    it). A recording shorter than a window is repeated to fill it (``tile``); there the offset starts the window that
    far into the repeated recording. Without ``tile`` (AntiDeepfake, which scores a recording of any length as it
    is) a shorter recording is one window of its own length, and the offset does not apply to it.
    """

    window: int = WINDOW_SAMPLES
    hop: int = WINDOW_SAMPLES  # default: no overlap (a 60 s recording needs 15 windows)
    sample_rate: int = SAMPLE_RATE
    offset: int = 0
    tile: bool = True

    def __post_init__(self):
        if self.window <= 0 or self.hop <= 0:
            raise ValueError("window and hop must be positive numbers of samples.")
        if self.offset < 0:
            raise ValueError("the window offset must be zero or a positive number of samples.")

    @classmethod
    def with_hop_seconds(cls, hop_s: Optional[float], offset_s: float = 0.0, window: int = WINDOW_SAMPLES,
                         tile: bool = True) -> "WindowGeometry":
        """``hop_s`` None: one window after another (the hop is the window)."""
        if hop_s is not None and not hop_s > 0:
            raise ValueError(f"the hop must be a positive number of seconds, not {hop_s}.")
        if not offset_s >= 0:
            raise ValueError(f"the window offset must be zero or a positive number of seconds, not {offset_s}.")
        hop = window if hop_s is None else max(1, round(hop_s * SAMPLE_RATE))
        return cls(window=window, hop=hop, offset=round(offset_s * SAMPLE_RATE), tile=tile)

    @classmethod
    def for_architecture(cls, architecture: str, hop_s: Optional[float] = None,
                         offset_s: float = 0.0) -> "WindowGeometry":
        """The windows a model's architecture scores: 64600 samples, a shorter recording tiled (the AASIST family's
        fixed input); AntiDeepfake: the whole recording up to ``antideepfake.WHOLE_UP_TO_S`` (13 s, the longest
        segment its authors trained on), never tiled nor padded, a longer one in windows of that length."""
        if architecture == "AntiDeepfake":
            from ..models.antideepfake import WINDOW_SAMPLES as WHOLE_UP_TO

            return cls.with_hop_seconds(hop_s, offset_s, window=WHOLE_UP_TO, tile=False)
        return cls.with_hop_seconds(hop_s, offset_s)

    def tiles(self, n_samples: int) -> bool:
        """Whether a recording of ``n_samples`` is repeated to fill the window."""
        return self.tile and n_samples < self.window

    def starts(self, n_samples: int) -> list:
        """Start sample of each window for a recording of ``n_samples`` (one window when it is shorter)."""
        last = n_samples - self.window
        if last <= 0:
            return [0]
        starts = list(range(min(self.offset, last), last + 1, self.hop))
        if starts[-1] != last:
            starts.append(last)
        return starts

    def cut(self, x: np.ndarray, starts: list) -> np.ndarray:
        """(n_windows, window) float32 array; a recording shorter than a window is tiled (from ``offset`` on), or
        without ``tile`` one window of its own length."""
        if len(x) < self.window and not self.tile:
            return np.asarray(x, np.float32)[None, :]
        if len(x) < self.window:
            rotated = np.roll(x, -(self.offset % len(x))) if self.offset else x  # the repetition, from the offset on
            return tile_to_length(rotated, self.window)[None, :].astype(np.float32, copy=False)
        return np.stack([x[s : s + self.window] for s in starts]).astype(np.float32, copy=False)

    def span_seconds(self, start: int, n_samples: int) -> tuple:
        """(start_s, end_s) of the part of the recording a window covers (a tiled window covers all of it)."""
        end = min(start + self.window, n_samples)
        return start / self.sample_rate, end / self.sample_rate
