"""Optional waveform augmentation for training: additive noise, RawBoost-style distortions and a codec-like channel.

RawBoost (Tak et al., ICASSP 2022) distorts raw waveforms with (1) linear and non-linear convolutive noise,
(2) impulsive signal-dependent noise and (3) stationary signal-independent (coloured) noise; this is a compact
version of the three, with random FIR band filters designed here (windowed sinc). The codec-like channel band-limits
to telephone or wide band and quantises with 8-bit mu-law, as G.711 would.

Config (``"augmentation"`` in the training config; probabilities per training window)::

    {"noise": 0.3, "rawboost": 0.3, "codec": 0.1, "snr_db": [10, 40]}
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ..models.model import SAMPLE_RATE

DEFAULT_AUGMENTATION = {"noise": 0.3, "rawboost": 0.3, "codec": 0.1, "snr_db": [10.0, 40.0]}


def band_pass_fir(f_lo: float, f_hi: float, taps: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Windowed-sinc FIR band-pass between f_lo and f_hi Hz (f_lo = 0 gives a low-pass)."""
    taps += 1 - taps % 2  # odd, symmetric
    n = np.arange(taps) - (taps - 1) / 2
    hi, lo = 2 * f_hi / sample_rate, 2 * f_lo / sample_rate
    return (np.hamming(taps) * (hi * np.sinc(hi * n) - lo * np.sinc(lo * n))).astype(np.float32)


def _filter(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    return np.convolve(x, h, mode="same").astype(np.float32)


def _peak_normalise(y: np.ndarray, reference: np.ndarray) -> np.ndarray:
    peak, ref = np.max(np.abs(y)), np.max(np.abs(reference))
    return y if peak == 0 else (y * (ref / peak)).astype(np.float32)


def _random_band(rng: np.random.Generator) -> tuple:
    centre = rng.uniform(20, 8000 - 100)
    width = rng.uniform(100, 1000)
    return max(centre - width / 2, 0.0), min(centre + width / 2, SAMPLE_RATE / 2 - 1)


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator, colour: Optional[np.ndarray] = None):
    """Add white (or, with an FIR ``colour``, coloured) Gaussian noise at ``snr_db``."""
    noise = rng.standard_normal(x.shape[0]).astype(np.float32)
    if colour is not None:
        noise = _filter(noise, colour)
    p_signal, p_noise = float(np.mean(x**2)), float(np.mean(noise**2))
    if p_signal == 0 or p_noise == 0:
        return x
    scale = np.sqrt(p_signal / (p_noise * 10 ** (snr_db / 10)))
    return (x + scale * noise).astype(np.float32)


def convolutive_noise(x: np.ndarray, rng: np.random.Generator, orders: int = 3, bands: int = 3) -> np.ndarray:
    """RawBoost (1): sum over powers j of x**j through random multi-band FIR filters, decreasing gains."""
    y = np.zeros_like(x)
    for j in range(1, orders + 1):
        taps = int(rng.integers(10, 100))
        h = sum(band_pass_fir(*_random_band(rng), taps) for _ in range(bands))
        gain = 10 ** (-rng.uniform(0, 10) * (j - 1) / 20)  # higher powers weaker
        y += gain * _filter(x**j, h)
    return _peak_normalise(y, x)


def impulsive_noise(x: np.ndarray, rng: np.random.Generator, fraction: float = 0.1, gain: float = 2.0):
    """RawBoost (2): a random ``fraction`` of samples get x + x * g * u, u uniform in [-1, 1]."""
    y = x.copy()
    idx = rng.choice(x.shape[0], size=int(fraction * x.shape[0]), replace=False)
    y[idx] += x[idx] * gain * rng.uniform(-1, 1, idx.shape[0]).astype(np.float32)
    return _peak_normalise(y, x)


def stationary_noise(x: np.ndarray, rng: np.random.Generator, snr_db: tuple = (10.0, 40.0)) -> np.ndarray:
    """RawBoost (3): coloured noise (white noise through a random band filter) at a random SNR."""
    colour = band_pass_fir(*_random_band(rng), int(rng.integers(10, 100)))
    return add_noise(x, rng.uniform(*snr_db), rng, colour)


def codec_like(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Telephone (300-3400 Hz) or wide-band (0 to 4-7.5 kHz) channel, then 8-bit mu-law quantisation."""
    if rng.random() < 0.5:
        h = band_pass_fir(300, 3400, 101)
    else:
        h = band_pass_fir(0, rng.uniform(4000, 7500), 101)
    y = np.clip(_filter(x, h), -1, 1)
    mu = 255.0
    encoded = np.round((np.sign(y) * np.log1p(mu * np.abs(y)) / np.log1p(mu) + 1) / 2 * mu)
    decoded = encoded / mu * 2 - 1
    return (np.sign(decoded) * ((1 + mu) ** np.abs(decoded) - 1) / mu).astype(np.float32)


class WaveformAugment:
    """Callable on a training window; draws its randomness from torch's RNG (seeded per DataLoader worker)."""

    def __init__(self, config: Optional[dict] = None):
        config = dict(DEFAULT_AUGMENTATION, **(config or {}))
        self.p_noise = float(config["noise"])
        self.p_rawboost = float(config["rawboost"])
        self.p_codec = float(config["codec"])
        self.snr_db = tuple(float(v) for v in config["snr_db"])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,))))
        if rng.random() < self.p_rawboost:
            x = [convolutive_noise, impulsive_noise, stationary_noise][int(rng.integers(3))](x, rng)
        if rng.random() < self.p_codec:
            x = codec_like(x, rng)
        if rng.random() < self.p_noise:
            x = add_noise(x, rng.uniform(*self.snr_db), rng)
        return x
