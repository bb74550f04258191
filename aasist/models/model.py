"""AASIST and AASIST-L (Jung et al., ICASSP 2022), written to load the authors' checkpoints unchanged.

Parameter names follow the authors' release so that ``load_state_dict(strict=True)`` works. The behaviours
that the weights do not show, including the ones that look like mistakes, are kept and marked "authors' quirk";
``tests/data/reference/README.md`` lists them and ``tests/test_model_parity.py`` checks every captured tensor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 64600  # the authors' fixed input length, about 4.04 s
MIN_SAMPLES = 2315  # shortest input that survives the sinc filter and the seven max-pools of the encoder
N_SPECTRAL_NODES = 23  # 70 sinc filters max-pooled by 3 (filter 69 falls off the end)
# Each temporal node is one max-pool cell of the encoder's time axis: 3 (first pool) x 3**6 (six blocks) samples.
SAMPLES_PER_TEMPORAL_NODE = 3 * 3**6

# Names of the attention-carrying layers, in forward order.
GAT_LAYERS = ("GAT_layer_S", "GAT_layer_T")
HTRG_LAYERS = ("HtrgGAT_layer_ST11", "HtrgGAT_layer_ST12", "HtrgGAT_layer_ST21", "HtrgGAT_layer_ST22")
POOL_LAYERS = ("pool_S", "pool_T", "pool_hS1", "pool_hT1", "pool_hS2", "pool_hT2")


class InputTooShortError(ValueError):
    """Raised for a waveform shorter than the encoder can take."""


@dataclass(frozen=True)
class ModelDimensions:
    """Hyper-parameters of an AASIST variant (the ``model_config`` of the authors' configs)."""

    filts: tuple = (70, (1, 32), (32, 32), (32, 64), (64, 64))
    gat_dims: tuple = (64, 32)
    pool_ratios: tuple = (0.5, 0.7, 0.5, 0.5)
    temperatures: tuple = (2.0, 2.0, 100.0, 100.0)
    first_conv: int = 128
    nb_samp: int = WINDOW_SAMPLES

    @classmethod
    def from_config(cls, config: dict) -> "ModelDimensions":
        """Build from an authors'-style ``model_config`` dict (extra keys such as ``architecture`` are ignored)."""
        filts = config["filts"]
        return cls(
            filts=(int(filts[0]),) + tuple(tuple(int(c) for c in f) for f in filts[1:]),
            gat_dims=tuple(int(d) for d in config["gat_dims"]),
            pool_ratios=tuple(float(r) for r in config["pool_ratios"]),
            temperatures=tuple(float(t) for t in config["temperatures"]),
            first_conv=int(config.get("first_conv", 128)),
            nb_samp=int(config.get("nb_samp", WINDOW_SAMPLES)),
        )

    def to_config(self) -> dict:
        config = asdict(self)
        config["filts"] = [self.filts[0]] + [list(f) for f in self.filts[1:]]
        config["architecture"] = "AASIST"
        return config

    @classmethod
    def from_state_dict(cls, state_dict: dict) -> "ModelDimensions":
        """Recognise the variant from the checkpoint's shapes (AASIST or AASIST-L).

        Pool ratios are not stored in a checkpoint, so a state dict whose shapes match neither published variant
        is refused: its ratios could not be known.
        """
        try:
            shapes = (
                tuple(state_dict["GAT_layer_S.att_proj.weight"].shape),
                tuple(state_dict["HtrgGAT_layer_ST11.att_proj.weight"].shape),
                tuple(state_dict["pos_S"].shape),
            )
        except KeyError as missing:
            raise ValueError(f"this is not an AASIST checkpoint (no parameter {missing}).") from None
        for dims in (AASIST_DIMS, AASIST_L_DIMS):
            c_out, (d0, d1) = dims.filts[-1][-1], dims.gat_dims
            if shapes == ((d0, c_out), (d1, d0), (1, N_SPECTRAL_NODES, c_out)):
                return dims
        raise ValueError(f"the checkpoint's shapes {shapes} match neither AASIST nor AASIST-L.")


AASIST_DIMS = ModelDimensions()
AASIST_L_DIMS = ModelDimensions(
    filts=(70, (1, 32), (32, 32), (32, 24), (24, 24)),
    gat_dims=(24, 32),
    pool_ratios=(0.4, 0.5, 0.7, 0.5),
)


def sinc_band_edges(n_filters: int = 70, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The n_filters + 1 band edges (Hz) of the sinc front end: evenly spaced in mel over 0..sr/2."""
    freqs = np.linspace(0, sample_rate // 2, 257)  # the authors' 512-point FFT grid
    mel = 2595 * np.log10(1 + freqs / 700)
    edges_mel = np.linspace(mel.min(), mel.max(), n_filters + 1)
    return 700 * (10 ** (edges_mel / 2595) - 1)


def spectral_node_bands(n_filters: int = 70) -> np.ndarray:
    """(23, 2) frequency range in Hz covered by each spectral node: node k max-pools sinc filters 3k..3k+2.

    Approximate: the encoder's (2, 3) convolutions mix neighbouring rows a little.
    """
    edges = sinc_band_edges(n_filters)
    k = np.arange(N_SPECTRAL_NODES)
    return np.stack([edges[3 * k], edges[3 * k + 3]], axis=1)


class SincConv(nn.Module):
    """Fixed mel-spaced band-pass filters (not learned, not in the state dict)."""

    def __init__(self, out_channels: int, kernel_size: int, sample_rate: int = SAMPLE_RATE):
        super().__init__()
        if kernel_size % 2 == 0:  # authors' quirk: an even kernel size is forced odd (128 -> 129 taps)
            kernel_size += 1
        edges = sinc_band_edges(out_channels, sample_rate)
        # Authors' precision: the tap positions are a float32 tensor, so sinc's argument is rounded to float32;
        # the float64 products are then cast to float32. Matching this keeps parity at ~1e-6 instead of ~1e-4.
        n = torch.arange(-(kernel_size - 1) / 2, (kernel_size - 1) / 2 + 1)
        window = torch.tensor(np.hamming(kernel_size), dtype=torch.float32)
        filters = torch.empty(out_channels, kernel_size)
        for i in range(out_channels):
            f_lo, f_hi = edges[i], edges[i + 1]  # numpy float64 scalars: the products stay float64
            high = 2 * f_hi / sample_rate * np.sinc((2 * f_hi * n / sample_rate).numpy())
            low = 2 * f_lo / sample_rate * np.sinc((2 * f_lo * n / sample_rate).numpy())
            filters[i] = window * torch.tensor(high - low, dtype=torch.float32)
        self.register_buffer("filters", filters.unsqueeze(1), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(x, self.filters)


class ResidualBlock(nn.Module):
    """``pool=False``: no (1, 3) max-pool at the end, as in W2V2-AASIST's encoder (``aasist.models.w2v2_aasist``)."""

    def __init__(self, channels: tuple, first: bool = False, pool: bool = True):
        super().__init__()
        c_in, c_out = channels
        self.pool = pool
        if not first:
            # Authors' quirk: bn1 is computed and then discarded in their forward. It stays here only so the
            # checkpoints load with strict=True; skipping it changes no output.
            self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=(2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=(2, 3), padding=(0, 1))
        self.conv_downsample = (
            nn.Conv2d(c_in, c_out, kernel_size=(1, 3), padding=(0, 1)) if c_in != c_out else None
        )

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv2(F.selu(self.bn2(self.conv1(x))))
        identity = x if self.conv_downsample is None else self.conv_downsample(x)
        return F.max_pool2d(out + identity, (1, 3)) if self.pool else out + identity


def _pairwise_products(x: Tensor) -> Tensor:
    """(B, N, D) -> (B, N, N, D) with entry (i, j) = x_i * x_j."""
    return x.unsqueeze(2) * x.unsqueeze(1)


def _batch_norm_nodes(bn: nn.BatchNorm1d, x: Tensor) -> Tensor:
    """BatchNorm1d over the flattened (batch * nodes, dim), as the authors apply it."""
    return bn(x.reshape(-1, x.shape[-1])).reshape(x.shape)


class GraphAttentionLayer(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, temperature: float):
        super().__init__()
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_weight = nn.Parameter(torch.empty(out_dim, 1))
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(0.2)
        self.temperature = temperature
        nn.init.xavier_normal_(self.att_weight)

    def forward(self, x: Tensor, capture: Optional[dict] = None, name: str = "") -> Tensor:
        x = self.input_drop(x)
        score = (torch.tanh(self.att_proj(_pairwise_products(x))) @ self.att_weight).squeeze(-1)
        score = score / self.temperature
        att = torch.softmax(score, dim=-1)  # row i: a distribution over neighbours j
        if capture is not None:
            capture[f"{name}:score"] = score
            capture[name] = att
        x = self.proj_with_att(att @ x) + self.proj_without_att(x)
        return F.selu(_batch_norm_nodes(self.bn, x))


class HtrgGraphAttentionLayer(nn.Module):
    """Heterogeneous stacking graph attention (HS-GAL) over [temporal nodes; spectral nodes] and a master node."""

    def __init__(self, in_dim: int, out_dim: int, temperature: float):
        super().__init__()
        self.proj_type1 = nn.Linear(in_dim, in_dim)
        self.proj_type2 = nn.Linear(in_dim, in_dim)
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_projM = nn.Linear(in_dim, out_dim)
        self.att_weight11 = nn.Parameter(torch.empty(out_dim, 1))
        self.att_weight22 = nn.Parameter(torch.empty(out_dim, 1))
        self.att_weight12 = nn.Parameter(torch.empty(out_dim, 1))
        self.att_weightM = nn.Parameter(torch.empty(out_dim, 1))
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.proj_with_attM = nn.Linear(in_dim, out_dim)
        self.proj_without_attM = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(0.2)
        self.temperature = temperature
        for weight in (self.att_weight11, self.att_weight22, self.att_weight12, self.att_weightM):
            nn.init.xavier_normal_(weight)

    def forward(
        self, x1: Tensor, x2: Tensor, master: Tensor, capture: Optional[dict] = None, name: str = ""
    ) -> tuple:
        n1 = x1.shape[1]
        x = torch.cat([self.proj_type1(x1), self.proj_type2(x2)], dim=1)
        x = self.input_drop(x)

        pairs = torch.tanh(self.att_proj(_pairwise_products(x)))
        # Authors' quirk: the same att_weight12 scores both mixed blocks (temporal->spectral and spectral->temporal).
        is_type1 = torch.arange(x.shape[1], device=x.device) < n1
        same_1 = is_type1.unsqueeze(1) & is_type1.unsqueeze(0)
        same_2 = ~is_type1.unsqueeze(1) & ~is_type1.unsqueeze(0)
        weight = torch.where(
            same_1.unsqueeze(-1),
            self.att_weight11.squeeze(-1),
            torch.where(same_2.unsqueeze(-1), self.att_weight22.squeeze(-1), self.att_weight12.squeeze(-1)),
        )
        score = (pairs * weight).sum(-1) / self.temperature
        att = torch.softmax(score, dim=-1)

        # The master node attends over the concatenated nodes before their own update.
        master_score = (torch.tanh(self.att_projM(x * master)) @ self.att_weightM).squeeze(-1) / self.temperature
        master_att = torch.softmax(master_score, dim=-1)
        new_master = self.proj_with_attM(master_att.unsqueeze(1) @ x) + self.proj_without_attM(master)

        if capture is not None:
            capture[f"{name}:score"] = score
            capture[name] = att
            capture[f"{name}:master_score"] = master_score
            capture[f"{name}:master"] = master_att

        x = self.proj_with_att(att @ x) + self.proj_without_att(x)
        x = F.selu(_batch_norm_nodes(self.bn, x))
        return x[:, :n1], x[:, n1:], new_master


class GraphPool(nn.Module):
    def __init__(self, ratio: float, in_dim: int, dropout: float = 0.3):
        super().__init__()
        self.ratio = ratio
        self.proj = nn.Linear(in_dim, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: Tensor, capture: Optional[dict] = None, name: str = "") -> Tensor:
        scores = torch.sigmoid(self.proj(self.drop(h)))  # (B, N, 1)
        # int() of the Python float product, as the authors compute it (0.7 * 90 keeps 62).
        k = max(int(h.shape[1] * self.ratio), 1)
        _, kept = torch.topk(scores, k, dim=1)  # descending score order
        if capture is not None:
            capture[name] = scores.squeeze(-1)
            capture[f"{name}:kept"] = kept.squeeze(-1)
        return torch.gather(h * scores, 1, kept.expand(-1, -1, h.shape[-1]))


class AASIST(nn.Module):
    """The AASIST network. ``forward`` returns the logits (index 0 spoof, index 1 bona fide)."""

    def __init__(self, dims: ModelDimensions = AASIST_DIMS):
        super().__init__()
        self.dims = dims
        filts = dims.filts

        self.conv_time = SincConv(filts[0], dims.first_conv)
        self.first_bn = nn.BatchNorm2d(1)
        self.encoder = residual_encoder(filts)
        self._build_graph(dims, N_SPECTRAL_NODES)

    def _build_graph(self, dims: ModelDimensions, n_spectral_nodes: int) -> None:
        """The graph back end (positional embedding, masters, GAT and HS-GAL layers, pools, output), shared with
        W2V2-AASIST (``aasist.models.w2v2_aasist``)."""
        filts, gat_dims = dims.filts, dims.gat_dims
        pool_ratios, temperatures = dims.pool_ratios, dims.temperatures
        c_out = filts[-1][-1]
        self.pos_S = nn.Parameter(torch.randn(1, n_spectral_nodes, c_out))
        self.master1 = nn.Parameter(torch.randn(1, 1, gat_dims[0]))
        self.master2 = nn.Parameter(torch.randn(1, 1, gat_dims[0]))

        self.GAT_layer_S = GraphAttentionLayer(c_out, gat_dims[0], temperatures[0])
        self.GAT_layer_T = GraphAttentionLayer(c_out, gat_dims[0], temperatures[1])
        # Authors' quirk: all four heterogeneous layers use temperatures[2]; temperatures[3] is unused.
        self.HtrgGAT_layer_ST11 = HtrgGraphAttentionLayer(gat_dims[0], gat_dims[1], temperatures[2])
        self.HtrgGAT_layer_ST12 = HtrgGraphAttentionLayer(gat_dims[1], gat_dims[1], temperatures[2])
        self.HtrgGAT_layer_ST21 = HtrgGraphAttentionLayer(gat_dims[0], gat_dims[1], temperatures[2])
        self.HtrgGAT_layer_ST22 = HtrgGraphAttentionLayer(gat_dims[1], gat_dims[1], temperatures[2])

        self.pool_S = GraphPool(pool_ratios[0], gat_dims[0])
        self.pool_T = GraphPool(pool_ratios[1], gat_dims[0])
        # Authors' quirk: all four of these pools use pool_ratios[2]; pool_ratios[3] is unused.
        self.pool_hS1 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hT1 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hS2 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hT2 = GraphPool(pool_ratios[2], gat_dims[1])

        self.drop = nn.Dropout(0.5)
        self.drop_way = nn.Dropout(0.2)
        self.out_layer = nn.Linear(5 * gat_dims[1], 2)

    @classmethod
    def from_state_dict(cls, state_dict: dict, dims: Optional[ModelDimensions] = None) -> "AASIST":
        """A model in eval mode with ``state_dict`` loaded strictly; the variant is recognised when not given."""
        model = cls(dims or ModelDimensions.from_state_dict(state_dict))
        model.load_state_dict(state_dict, strict=True)
        return model.eval()

    def _branch(self, k: int, out_T: Tensor, out_S: Tensor, capture: Optional[dict]) -> tuple:
        first = getattr(self, f"HtrgGAT_layer_ST{k}1")
        second = getattr(self, f"HtrgGAT_layer_ST{k}2")
        pool_S, pool_T = getattr(self, f"pool_hS{k}"), getattr(self, f"pool_hT{k}")
        master = getattr(self, f"master{k}")  # (1, 1, dim), broadcast over the batch

        T, S, master = first(out_T, out_S, master, capture, f"HtrgGAT_layer_ST{k}1")
        S = pool_S(S, capture, f"pool_hS{k}")
        T = pool_T(T, capture, f"pool_hT{k}")
        T_aug, S_aug, master_aug = second(T, S, master, capture, f"HtrgGAT_layer_ST{k}2")
        return (
            self.drop_way(T + T_aug),
            self.drop_way(S + S_aug),
            self.drop_way(master + master_aug),
        )

    def node_features(self, x: Tensor, capture: Optional[dict] = None) -> tuple:
        """(B, samples) raw waveform -> the graph's node features (e_S (B, 23, C) with pos_S, e_T (B, T, C))."""
        if x.shape[-1] < MIN_SAMPLES:
            raise InputTooShortError(
                f"AASIST needs at least {MIN_SAMPLES} samples ({MIN_SAMPLES / SAMPLE_RATE:.3f} s at 16 kHz); "
                f"got {x.shape[-1]}."
            )
        x = self.conv_time(x.unsqueeze(1)).unsqueeze(1)
        x = F.selu(self.first_bn(F.max_pool2d(torch.abs(x), (3, 3))))
        e = self.encoder(x)  # (B, C, 23, T)
        e_S = torch.amax(torch.abs(e), dim=3).transpose(1, 2) + self.pos_S
        e_T = torch.amax(torch.abs(e), dim=2).transpose(1, 2)
        return e_S, e_T

    def embed(self, x: Tensor, capture: Optional[dict] = None) -> Tensor:
        """(B, samples) raw waveform in [-1, 1] -> (B, 160) readout vector ``last_hidden``."""
        return self.readout(*self.node_features(x, capture), capture)

    def readout(self, e_S: Tensor, e_T: Tensor, capture: Optional[dict] = None) -> Tensor:
        """The graph back end: spectral and temporal node features -> (B, 5 * gat_dims[1]) ``last_hidden``."""
        out_S = self.pool_S(self.GAT_layer_S(e_S, capture, "GAT_layer_S"), capture, "pool_S")
        out_T = self.pool_T(self.GAT_layer_T(e_T, capture, "GAT_layer_T"), capture, "pool_T")

        T1, S1, master1 = self._branch(1, out_T, out_S, capture)
        T2, S2, master2 = self._branch(2, out_T, out_S, capture)
        out_T, out_S, master = torch.maximum(T1, T2), torch.maximum(S1, S2), torch.maximum(master1, master2)

        return torch.cat(
            [
                torch.amax(torch.abs(out_T), dim=1),
                out_T.mean(dim=1),
                torch.amax(torch.abs(out_S), dim=1),
                out_S.mean(dim=1),
                master.squeeze(1),
            ],
            dim=1,
        )

    def forward(self, x: Tensor, capture: Optional[dict] = None) -> Tensor:
        """Logits (B, 2). Pass a dict as ``capture`` to receive the attention and pooling tensors
        (keys as in the reference npz, plus ``last_hidden``); without it nothing extra is kept."""
        last_hidden = self.embed(x, capture)
        if capture is not None:
            capture["last_hidden"] = last_hidden
        return self.out_layer(self.drop(last_hidden))


def residual_encoder(filts: tuple, pool: bool = True) -> nn.Sequential:
    """The six residual blocks (``encoder.0.0`` ... ``encoder.5.0``, as the authors name them)."""
    return nn.Sequential(
        *[
            nn.Sequential(ResidualBlock(channels, first=(i == 0), pool=pool))
            for i, channels in enumerate([filts[1], filts[2], filts[3], filts[4], filts[4], filts[4]])
        ]
    )


def capture_attention(model: AASIST, x: Tensor) -> tuple:
    """Convenience: (logits, dict of attention tensors) for a batch, without gradients."""
    capture: dict[str, Any] = {}
    with torch.inference_mode():
        logits = model(x, capture)
    return logits, capture


def attention_keys() -> tuple:
    """Names of the tensors ``forward(x, capture)`` fills, in a fixed order (also the ONNX graph's extra outputs)."""
    keys = []
    for name in GAT_LAYERS:
        keys += [name, f"{name}:score"]
    for name in HTRG_LAYERS:
        keys += [name, f"{name}:score", f"{name}:master", f"{name}:master_score"]
    for name in POOL_LAYERS:
        keys += [name, f"{name}:kept"]
    return tuple(keys)
