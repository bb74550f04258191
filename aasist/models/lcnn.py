"""LFCC-LCNN, the ASVspoof 2021 baseline countermeasure (Wang and Yamagishi, Interspeech 2021), trained by
``aasist.training``.

Front end: pre-emphasis 0.97, LFCC from ``torchaudio.transforms.LFCC`` (20 linear filters over 0..8 kHz, 20
coefficients, 20 ms Hamming window, 10 ms hop, 512-point FFT), with deltas and delta-deltas: 60 features per frame.
Back end, as the baseline: a light CNN of max-feature-map (MFM) convolutions with four 2x2 max-pools and dropout 0.7,
two bidirectional LSTM layers added to their input, mean over time, and a linear output layer. The baseline had one
sigmoid output; here the output layer gives two logits (index 1 = bona fide, index 0 = spoof), trained with the
same weighted cross-entropy as the other models.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

LCNN_CONFIG = {
    "architecture": "LCNN",
    "nb_samp": 64600,
    "sample_rate": 16000,
    "n_lfcc": 20,
    "n_filter": 20,
    "n_fft": 512,
    "win_length": 320,
    "hop_length": 160,
    "with_delta": True,
    "pre_emphasis": 0.97,
    "dropout": 0.7,
    "nb_classes": 2,
}


class MaxFeatureMap2D(nn.Module):
    """Split the channels in two halves and keep the element-wise maximum."""

    def forward(self, x: Tensor) -> Tensor:
        a, b = x.chunk(2, dim=1)
        return torch.maximum(a, b)


class LFCCFrontEnd(nn.Module):
    """(B, samples) -> (B, frames, features) LFCC (+ deltas), always computed in float32."""

    def __init__(self, config: dict):
        super().__init__()
        import torchaudio  # here, so that importing the model registry does not load torchaudio

        self.pre_emphasis = float(config.get("pre_emphasis", 0.97))
        self.with_delta = bool(config.get("with_delta", True))
        self._deltas = torchaudio.functional.compute_deltas
        self.lfcc = torchaudio.transforms.LFCC(
            sample_rate=int(config.get("sample_rate", 16000)),
            n_filter=int(config.get("n_filter", 20)),
            n_lfcc=int(config.get("n_lfcc", 20)),
            log_lf=True,
            speckwargs={
                "n_fft": int(config.get("n_fft", 512)),
                "win_length": int(config.get("win_length", 320)),
                "hop_length": int(config.get("hop_length", 160)),
                "window_fn": torch.hamming_window,
            },
        )

    @property
    def n_features(self) -> int:
        return self.lfcc.n_lfcc * (3 if self.with_delta else 1)

    def forward(self, x: Tensor) -> Tensor:
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.float()
            if self.pre_emphasis:
                x = torch.cat([x[:, :1], x[:, 1:] - self.pre_emphasis * x[:, :-1]], dim=1)
            feats = self.lfcc(x)  # (B, n_lfcc, frames)
            if self.with_delta:
                delta = self._deltas(feats, win_length=3)
                delta2 = self._deltas(delta, win_length=3)
                feats = torch.cat([feats, delta, delta2], dim=1)
        return feats.transpose(1, 2)


class BLSTMLayer(nn.Module):
    """Bidirectional LSTM whose output has the size of its input (hidden size half of it per direction)."""

    def __init__(self, dim: int):
        super().__init__()
        if dim % 2:
            raise ValueError("BLSTMLayer needs an even dimension.")
        self.lstm = nn.LSTM(dim, dim // 2, batch_first=True, bidirectional=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.lstm(x)[0]


def _lcnn_body(dropout: float) -> nn.Sequential:
    def conv(c_in, c_out, k):
        return nn.Conv2d(c_in, c_out, k, 1, padding=k // 2)

    return nn.Sequential(
        conv(1, 64, 5), MaxFeatureMap2D(), nn.MaxPool2d(2, 2),
        conv(32, 64, 1), MaxFeatureMap2D(), nn.BatchNorm2d(32, affine=False),
        conv(32, 96, 3), MaxFeatureMap2D(), nn.MaxPool2d(2, 2), nn.BatchNorm2d(48, affine=False),
        conv(48, 96, 1), MaxFeatureMap2D(), nn.BatchNorm2d(48, affine=False),
        conv(48, 128, 3), MaxFeatureMap2D(), nn.MaxPool2d(2, 2),
        conv(64, 128, 1), MaxFeatureMap2D(), nn.BatchNorm2d(64, affine=False),
        conv(64, 64, 3), MaxFeatureMap2D(), nn.BatchNorm2d(32, affine=False),
        conv(32, 64, 1), MaxFeatureMap2D(), nn.BatchNorm2d(32, affine=False),
        conv(32, 64, 3), MaxFeatureMap2D(), nn.MaxPool2d(2, 2),
        nn.Dropout(dropout),
    )  # fmt: skip


class LCNN(nn.Module):
    """``forward(x)``: (B, samples) waveform at 16 kHz -> (B, 2) logits (index 1 = bona fide)."""

    def __init__(self, config: Optional[dict] = None):
        super().__init__()
        self.config = dict(LCNN_CONFIG if config is None else config)
        self.front_end = LFCCFrontEnd(self.config)
        self.body = _lcnn_body(float(self.config.get("dropout", 0.7)))
        dim = (self.front_end.n_features // 16) * 32  # 32 channels x features after four 2x2 pools
        if dim == 0:
            raise ValueError("LCNN needs at least 16 features per frame (n_lfcc x 3 with deltas).")
        self.blstm = nn.Sequential(BLSTMLayer(dim), BLSTMLayer(dim))
        self.out_layer = nn.Linear(dim, int(self.config.get("nb_classes", 2)))

    @property
    def min_samples(self) -> int:
        """Shortest input that leaves one frame after the four time pools (16 frames)."""
        return 15 * int(self.config.get("hop_length", 160)) + 1

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] < self.min_samples:
            raise ValueError(f"LCNN needs at least {self.min_samples} samples; got {x.shape[-1]}.")
        h = self.body(self.front_end(x).unsqueeze(1))  # (B, 32, frames/16, features/16)
        h = h.permute(0, 2, 1, 3).flatten(2)  # (B, frames/16, 32 * features/16)
        h = (self.blstm(h) + h).mean(dim=1)
        return self.out_layer(h)
