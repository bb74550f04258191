"""RawNet2 for anti-spoofing (Tak et al., ICASSP 2021), the ASVspoof 2021 baseline, trained by ``aasist.training``.

Layer names follow the baseline's release (``Sinc_conv``, ``block0``..``block5``, ``fc_attention0``..,
``bn_before_gru``, ``gru``, ``fc1_gru``, ``fc2_gru``), so its state dicts load with ``strict=True``. As there:

- the sinc front end is fixed (mel-spaced band edges, not learned, not in the state dict): the same filters as the
  AASIST front end (``aasist.models.model.SincConv``), with ``first_conv`` taps (1024, forced odd to 1025);
- each residual block applies conv1 to the block input: bn1 is computed and discarded in the baseline's forward
  (baseline quirk), so it is kept only for the parameter names and changes no output;
- filter-wise feature-map scaling after every block: ``x * s + s`` with s = sigmoid(fc(avgpool(x)));
- GRU over time, last step, two linear layers; the output is ``log_softmax`` of the last layer, as in the baseline.
  Log-probabilities are valid logits (softmax gives the same probabilities), index 1 = bona fide, index 0 = spoof,
  and the score of the ASVspoof protocol is ``output[:, 1]``, as the baseline scored.

``forward(x, capture)`` also fills a dict with what explains the decision (``capture_keys()``, same output):

- ``sinc_band_magnitude`` (B, 20): the mean magnitude each fixed sinc band passes in the window (after abs and the
  first max-pool, before ``first_bn``), the one value here that belongs to a frequency band (``band_edges_hz``);
- ``block0_scale`` .. ``block5_scale`` (B, C_i): the filter-wise feature-map scales (sigmoid gates) of each block.
  They act on learnt filters (channels), not on bands: block 0's conv1 already mixes the 20 sinc bands.
"""

from __future__ import annotations

import copy
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .model import SAMPLE_RATE, SincConv, sinc_band_edges

# The ASVspoof 2021 LA/DF baseline's model_config (model_config_RawNet.yaml).
RAWNET2_CONFIG = {
    "architecture": "RawNet2",
    "nb_samp": 64600,
    "first_conv": 1024,
    "in_channels": 1,
    "filts": [20, [20, 20], [20, 128], [128, 128]],
    "blocks": [2, 4],
    "nb_fc_node": 1024,
    "gru_node": 1024,
    "nb_gru_layer": 3,
    "nb_classes": 2,
}


N_BLOCKS = 6
SINC_MAGNITUDE_KEY = "sinc_band_magnitude"


def block_scale_key(block: int) -> str:
    """Capture key of block ``block``'s filter-wise scales: ``block3_scale``."""
    return f"block{block}_scale"


def capture_keys() -> tuple:
    """Names of the tensors ``RawNet2.forward(x, capture)`` fills, in a fixed order (the ONNX graph's extra outputs)."""
    return (SINC_MAGNITUDE_KEY,) + tuple(block_scale_key(i) for i in range(N_BLOCKS))


def band_edges_hz(n_filters: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """(n_filters, 2) low and high edge in Hz of each fixed sinc band, as ``SincConv`` builds them."""
    edges = sinc_band_edges(n_filters, sample_rate)
    return np.stack([edges[:-1], edges[1:]], axis=1)


class ResidualBlock(nn.Module):
    def __init__(self, channels: tuple, first: bool = False):
        super().__init__()
        c_in, c_out = channels
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm1d(c_in)  # baseline quirk: computed then discarded; kept for the state dict
        self.lrelu = nn.LeakyReLU(negative_slope=0.3)
        self.conv1 = nn.Conv1d(c_in, c_out, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel_size=3, padding=1)
        self.downsample = c_in != c_out
        if self.downsample:
            self.conv_downsample = nn.Conv1d(c_in, c_out, kernel_size=1)
        self.mp = nn.MaxPool1d(3)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv2(self.lrelu(self.bn2(self.conv1(x))))
        identity = self.conv_downsample(x) if self.downsample else x
        return self.mp(out + identity)


class RawNet2(nn.Module):
    """``forward(x)``: (B, samples) waveform at 16 kHz -> (B, 2) log-probabilities (index 1 = bona fide)."""

    def __init__(self, config: Optional[dict] = None):
        super().__init__()
        config = copy.deepcopy(RAWNET2_CONFIG if config is None else config)
        self.config = config
        filts = config["filts"]
        if int(config.get("in_channels", 1)) != 1:
            raise ValueError("RawNet2 takes a single-channel waveform (in_channels must be 1).")
        c1, c2 = list(filts[1]), list(filts[2])
        self.Sinc_conv = SincConv(int(filts[0]), int(config["first_conv"]))
        self.first_bn = nn.BatchNorm1d(int(filts[0]))
        self.selu = nn.SELU()
        self.block0 = nn.Sequential(ResidualBlock(c1, first=True))
        self.block1 = nn.Sequential(ResidualBlock(c1))
        self.block2 = nn.Sequential(ResidualBlock(c2))
        c2_same = [c2[1], c2[1]]  # the baseline rewrites filts[2][0] = filts[2][1] for blocks 3-5
        self.block3 = nn.Sequential(ResidualBlock(c2_same))
        self.block4 = nn.Sequential(ResidualBlock(c2_same))
        self.block5 = nn.Sequential(ResidualBlock(c2_same))
        self.avgpool = nn.AdaptiveAvgPool1d(1)
        for i, c in enumerate([c1[-1], c1[-1], c2[-1], c2[-1], c2[-1], c2[-1]]):
            setattr(self, f"fc_attention{i}", nn.Sequential(nn.Linear(c, c)))
        self.bn_before_gru = nn.BatchNorm1d(c2[-1])
        self.gru = nn.GRU(
            input_size=c2[-1],
            hidden_size=int(config["gru_node"]),
            num_layers=int(config["nb_gru_layer"]),
            batch_first=True,
        )
        self.fc1_gru = nn.Linear(int(config["gru_node"]), int(config["nb_fc_node"]))
        self.fc2_gru = nn.Linear(int(config["nb_fc_node"]), int(config.get("nb_classes", 2)))

    @property
    def min_samples(self) -> int:
        """Shortest input with at least one GRU step: the sinc taps, then seven max-pools by 3."""
        return self.Sinc_conv.filters.shape[-1] - 1 + 3**7

    def band_edges_hz(self) -> np.ndarray:
        """(20, 2) Hz edges of the sinc bands, in the order of ``sinc_band_magnitude``."""
        return band_edges_hz(self.Sinc_conv.filters.shape[0])

    def forward(self, x: Tensor, capture: Optional[dict] = None) -> Tensor:
        """Log-probabilities (B, 2); pass a dict as ``capture`` to receive ``capture_keys()`` (module docstring)."""
        tracing = torch.jit.is_tracing()
        if not tracing and x.shape[-1] < self.min_samples:  # an export is traced at the full window
            raise ValueError(f"RawNet2 needs at least {self.min_samples} samples; got {x.shape[-1]}.")
        x = F.max_pool1d(torch.abs(self.Sinc_conv(x.unsqueeze(1))), 3)
        if capture is not None:
            capture[SINC_MAGNITUDE_KEY] = x.mean(dim=-1)
        x = self.selu(self.first_bn(x))
        for i in range(N_BLOCKS):
            h = getattr(self, f"block{i}")(x)
            scale = torch.sigmoid(getattr(self, f"fc_attention{i}")(self.avgpool(h).flatten(1)))
            if capture is not None:
                capture[block_scale_key(i)] = scale
            scale = scale.unsqueeze(-1)
            x = h * scale + scale
        x = self.selu(self.bn_before_gru(x)).transpose(1, 2)  # (B, time, channels)
        if not tracing:  # re-packs cuDNN weights (a no-op on the CPU); nothing for a graph to record
            self.gru.flatten_parameters()
        x, _ = self.gru(x)
        x = self.fc2_gru(self.fc1_gru(x[:, -1, :]))
        return F.log_softmax(x, dim=1)
