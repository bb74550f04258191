"""Tolerances that follow from float32 arithmetic, for tests that compare two computations of the same sums.

Two float32 sums of the same ``n`` products, added in different orders (another chunking, another instruction set,
another library's blocking), each lie within ``gamma(n) * sum(|w_i x_i|)`` of the exact sum (Higham, *Accuracy and
Stability of Numerical Algorithms*, 2nd ed., eq. 3.5; fused multiply-adds only tighten it), so they differ by at
most twice that. A test that allowed a fixed 1e-6 instead held on one machine and failed on another (1.43e-6 with
AVX-512): these bounds hold on any machine.
"""

from __future__ import annotations

import numpy as np
import torch

FLOAT32_UNIT_ROUNDOFF = 2.0**-24


def gamma(n: int, unit_roundoff: float = FLOAT32_UNIT_ROUNDOFF) -> float:
    """Higham's gamma_n = n u / (1 - n u): the relative error bound of a sum of n products."""
    return n * unit_roundoff / (1 - n * unit_roundoff)


def resampler_difference_bound(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Per output sample, the most that two float32 runs of ``aasist.audio.decoding``'s resampling filter on ``x``
    (mono, ``sample_rate`` -> 16 kHz) can differ when their sums run in different orders: ``2 gamma(taps) sum|w||x|``.

    ``sum|w||x|`` is torchaudio's filter run in float64 on ``|x|`` with ``|w|``, so the bound is taken where the signal
    is, not at full scale.
    """
    import torchaudio

    from aasist.audio.decoding import RESAMPLING, SAMPLE_RATE, _resampler

    if sample_rate == SAMPLE_RATE:
        return np.zeros(len(x))  # no filter: the samples themselves, exactly
    transform = torchaudio.transforms.Resample(sample_rate, SAMPLE_RATE, **RESAMPLING)
    kernel = transform.kernel.to(torch.float64).abs()  # (new, 1, taps): one row per output phase
    stride, new = sample_rate // transform.gcd, SAMPLE_RATE // transform.gcd
    padded = torch.nn.functional.pad(torch.from_numpy(np.abs(x).astype(np.float64))[None, None],
                                     (transform.width, transform.width + stride))
    sums = torch.nn.functional.conv1d(padded, kernel, stride=stride)[0].T.reshape(-1)
    sums = sums[: -(-new * len(x) // stride)].numpy()
    taps = _resampler(sample_rate)[0].shape[-1]  # the widest sum the resampler runs (zero taps add no error)
    return 2 * gamma(taps) * sums


def assert_within_summation_bound(got: np.ndarray, expected: np.ndarray, bound: np.ndarray) -> None:
    """``got`` equals ``expected`` within ``bound`` per sample (same length); the message names the sample that
    exceeds its bound the most."""
    assert got.shape == expected.shape, (got.shape, expected.shape)
    excess = np.abs(got.astype(np.float64) - expected.astype(np.float64)) - bound
    worst = int(np.argmax(excess)) if len(excess) else 0
    assert not len(excess) or excess[worst] <= 0, (
        f"sample {worst}: |{got[worst]} - {expected[worst]}| exceeds the float32 summation bound {bound[worst]:.3g}")
