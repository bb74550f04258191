"""Sounds that are not speech, made the same way every run: what a user might feed the detector by mistake (a test
tone, a sweep, noise, silence), and what speech presence must refuse to judge."""

from __future__ import annotations

import numpy as np

SR = 16000


def non_speech(seconds: float = 10.0, seed: int = 0) -> dict:
    """name -> mono float32 at 16 kHz, peaks at 0.3 (digital silence stays zero)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.arange(len(spectrum)), 1)
    sounds = {
        "tone": np.sin(2 * np.pi * 440 * t),
        "chirp": np.sin(2 * np.pi * (100 * t + 7000 / (2 * seconds) * t ** 2)),  # 100 Hz -> 7.1 kHz
        "white": white,
        "pink": np.fft.irfft(spectrum / np.sqrt(f), n),
        "brown": np.cumsum(white) - np.cumsum(white).mean(),
        "silence": np.zeros(n),
    }
    return {name: _peak(x, 0.3) for name, x in sounds.items()}


def _peak(x: np.ndarray, peak: float) -> np.ndarray:
    top = np.max(np.abs(x))
    return (x * (peak / top) if top > 0 else x).astype(np.float32)
