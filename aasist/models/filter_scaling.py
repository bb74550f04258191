"""What RawNet2 weighed in one window: the fixed sinc bands' magnitudes and the filter-wise scales of its blocks.

RawNet2 (``aasist.models.rawnet2``) has no attention over frequencies or times; what it has is a gate per learnt filter
after each residual block (filter-wise feature-map scaling, ``x * s + s`` with ``s`` in 0..1). ``FilterScaling`` holds
one window's gates with what the 20 fixed sinc bands passed into the network, as ``forward(x, capture)`` gives them:

- ``band_magnitude`` (20,): the mean magnitude each sinc band passed in the window (after abs and max-pool, before the
  first batch norm), with its band edges in Hz: the only values here that belong to a frequency band;
- ``block_scales``: the 6 blocks' gates, (20,), (20,), (128,), (128,), (128,), (128,) for the baseline. Each acts on a
  learnt filter (channel); block 0's first convolution already mixes the sinc bands, so filter ``k`` of block 0 is
  not sinc band ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import SAMPLE_RATE
from .rawnet2 import N_BLOCKS, SINC_MAGNITUDE_KEY, band_edges_hz, block_scale_key


def _listed(values, digits: int = 6) -> list:
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


@dataclass
class FilterScaling:
    """RawNet2's sinc band magnitudes and block gates in one window (the most decisive one, see ``Detector``)."""

    window_index: int
    start_s: float  # where the window starts in the recording
    tiled: bool  # the recording was shorter than a window and was repeated to fill it
    band_edges_hz: np.ndarray  # (20, 2) low and high edge of each fixed sinc band
    band_magnitude: np.ndarray  # (20,) mean magnitude each band passed in the window
    block_scales: list  # N_BLOCKS arrays (C_i,) of gates in 0..1, one per learnt filter of the block

    def to_dict(self) -> dict:
        return {
            "window_index": self.window_index,
            "start_s": float(round(float(self.start_s), 4)),
            "tiled": self.tiled,
            "band_edges_hz": _listed(self.band_edges_hz, 3),
            "band_magnitude": _listed(self.band_magnitude),
            "block_scales": [_listed(s) for s in self.block_scales],
        }


def filter_scaling(raw: dict, window_index: int, start_sample: int, tiled: bool) -> FilterScaling:
    """One window's captured RawNet2 tensors (no batch axis, keys of ``rawnet2.capture_keys()``) as a FilterScaling."""
    magnitude = np.asarray(raw[SINC_MAGNITUDE_KEY], dtype=np.float32)
    return FilterScaling(
        window_index=window_index,
        start_s=start_sample / SAMPLE_RATE,
        tiled=tiled,
        band_edges_hz=band_edges_hz(len(magnitude)),
        band_magnitude=magnitude,
        block_scales=[np.asarray(raw[block_scale_key(i)], dtype=np.float32) for i in range(N_BLOCKS)],
    )


def is_filter_scaling_capture(raw: dict) -> bool:
    """Whether captured tensors are RawNet2's (rather than AASIST's attention)."""
    return SINC_MAGNITUDE_KEY in raw
