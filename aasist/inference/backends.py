"""Inference backends: run a batch of fixed-length windows through a model, optionally with its inner values.

A backend takes a float32 array (batch, 64600) and returns the logits (batch, 2) as numpy, plus, when asked, the
tensors the model's ``forward(x, capture)`` fills: AASIST's attention (named as in ``model.attention_keys()``),
RawNet2's sinc band magnitudes and filter-wise scales (``rawnet2.capture_keys()``), AntiDeepfake's per-frame logits
(``antideepfake.FRAME_LOGITS_KEY``; torch only). The detector does not care which backend it has.
"""

from __future__ import annotations

from typing import Optional, Protocol

import numpy as np
import torch
from torch import nn

from ..models.antideepfake import AntiDeepfake
from ..models.model import AASIST
from ..models.rawnet2 import RawNet2

CAPTURING = (AASIST, RawNet2, AntiDeepfake)  # architectures whose forward takes a capture dict


class Backend(Protocol):
    name: str
    supports_attention: bool

    def run(self, windows: np.ndarray, with_attention: bool = False) -> tuple:
        """-> (logits (B, 2) float32, dict of captured arrays (attention, filter scales, frame logits) or None)."""
        ...


class TorchBackend:
    """Eager PyTorch; the reference path, and the one for GPUs and for architectures without an ONNX export."""

    name = "torch"

    def __init__(self, model: nn.Module, device: Optional[str] = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.supports_attention = isinstance(model, CAPTURING)

    def run(self, windows: np.ndarray, with_attention: bool = False) -> tuple:
        x = torch.from_numpy(np.ascontiguousarray(windows, dtype=np.float32)).to(self.device)
        capture = {} if (with_attention and self.supports_attention) else None
        with torch.inference_mode():
            logits = self.model(x, capture) if capture is not None else self.model(x)
        attention = None
        if capture is not None:
            # (Not the readout vector, nor W2V2-AASIST's front-end features: 201 x 1024 per window, never drawn.)
            attention = {k: v.detach().cpu().numpy() for k, v in capture.items()
                         if k not in ("last_hidden", "ssl_features")}
        return logits.float().cpu().numpy(), attention
