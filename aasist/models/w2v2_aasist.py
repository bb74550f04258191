"""W2V2-AASIST (Tak, Todisco, Wang, Jung, Yamagishi & Evans, Odyssey 2022): a wav2vec 2.0 XLS-R front end fine-tuned
with an AASIST back end, written to load the authors' checkpoints (TakHemlata/SSL_Anti-spoofing) without fairseq.

- Front end: ``transformers``' ``Wav2Vec2Model`` configured as fairseq's (``transformers_config``): layer-norm
  feature extractor with conv bias, pre-LN transformer ("stable layer norm"), 128-tap grouped positional convolution.
  The authors' keys (``ssl_model.model.*``, fairseq's names) are renamed by ``from_authors_state_dict``
  (``aasist.models.fairseq_wav2vec2``); fairseq's pre-training parts (quantizer, ``project_q``, ``final_proj``,
  ``mask_emb``) are not used at inference and dropped.
  The features are the last hidden states after the final layer norm (fairseq's ``features_only`` output).
- Back end: the AASIST graph of ``aasist.models.model`` (the same layers and names), on the front end's features. The
  authors' quirks are kept: the features go through ``LL`` (1024 -> 128), a 3 x 3 max-pool, batch norm and SELU
  before the encoder; the encoder's residual blocks have no max-pool; ``first_bn1`` and SELU follow the encoder; the
  spectral and temporal node features are the encoder output weighted by a softmax of the ``attention`` convolution
  over time and over the feature axis; ``pos_S`` has 42 positions (128 / 3); the heterogeneous layers get the master
  parameters themselves (broadcast over the batch).
- The "spectral" nodes are 42 groups of learnt feature dimensions, not frequency bands; a temporal node covers three
  20 ms frames (``SAMPLES_PER_TEMPORAL_NODE``).
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .fairseq_wav2vec2 import LARGE_CONFIG, rename_state_dict
from .fairseq_wav2vec2 import UNUSED_PREFIXES, conv_layers, transformers_config  # noqa: F401 (this module's API)
from .model import AASIST, ModelDimensions, residual_encoder

ARCHITECTURE = "W2V2-AASIST"
N_FEATURE_NODES = 42  # LL's 128 outputs max-pooled by 3
FRAME_SAMPLES = 320  # the feature extractor's total stride: 5 x 2**6
SAMPLES_PER_TEMPORAL_NODE = 3 * FRAME_SAMPLES  # the back end's first max-pool takes 3 frames

# The back end's hyper-parameters, fixed in the authors' Model.
BACKEND_DIMS = ModelDimensions(
    filts=(128, (1, 32), (32, 32), (32, 64), (64, 64)),
    gat_dims=(64, 32),
    pool_ratios=(0.5, 0.5, 0.5, 0.5),
    temperatures=(2.0, 2.0, 100.0, 100.0),
)

# XLS-R 300M's structure, in fairseq's Wav2Vec2Config field names (the checkpoint-folder format uses these).
XLSR_300M_CONFIG = LARGE_CONFIG

AUTHORS_FRONT_END = "ssl_model.model."
FRONT_END = "frontend."


def from_authors_state_dict(state_dict: dict) -> dict:
    """The authors' key names (fairseq's front end under ``ssl_model.model.``, an optional ``module.`` prefix)
    -> this module's; the unused pre-training parts are dropped."""
    return rename_state_dict(state_dict, AUTHORS_FRONT_END, FRONT_END)


class W2V2AASIST(AASIST):
    """``forward(x, capture=None)``: (B, samples) waveform at 16 kHz -> logits (B, 2), index 1 bona fide; with a
    ``capture`` dict, AASIST's attention tensors (``aasist.models.model.attention_keys``) and the front end's
    features."""

    def __init__(self, config: Optional[dict] = None):
        nn.Module.__init__(self)
        from transformers import Wav2Vec2Model

        self.config = dict(XLSR_300M_CONFIG if config is None else config)
        self.dims = BACKEND_DIMS
        self.frontend = Wav2Vec2Model(transformers_config(self.config))
        self.LL = nn.Linear(self.frontend.config.hidden_size, BACKEND_DIMS.filts[0])
        self.first_bn = nn.BatchNorm2d(1)
        self.first_bn1 = nn.BatchNorm2d(BACKEND_DIMS.filts[-1][-1])
        self.encoder = residual_encoder(BACKEND_DIMS.filts, pool=False)  # authors' quirk: no max-pool per block
        channels = BACKEND_DIMS.filts[-1][-1]
        self.attention = nn.Sequential(
            nn.Conv2d(channels, 128, kernel_size=(1, 1)), nn.SELU(), nn.BatchNorm2d(128),
            nn.Conv2d(128, channels, kernel_size=(1, 1)),
        )
        self._build_graph(BACKEND_DIMS, N_FEATURE_NODES)

    def features(self, x: Tensor) -> Tensor:
        """The front end's last hidden states (B, frames, hidden), after its final layer norm."""
        return self.frontend(x).last_hidden_state

    def node_features(self, x: Tensor, capture: Optional[dict] = None) -> tuple:
        features = self.features(x)
        if capture is not None:
            capture["ssl_features"] = features
        h = self.LL(features).transpose(1, 2).unsqueeze(1)  # (B, 1, 128, frames)
        h = F.selu(self.first_bn(F.max_pool2d(h, (3, 3))))
        h = F.selu(self.first_bn1(self.encoder(h)))  # (B, 64, 42, frames / 3)
        w = self.attention(h)
        e_S = torch.sum(h * F.softmax(w, dim=-1), dim=-1).transpose(1, 2) + self.pos_S
        e_T = torch.sum(h * F.softmax(w, dim=-2), dim=-2).transpose(1, 2)
        return e_S, e_T


def build_w2v2_aasist(model_config: dict) -> W2V2AASIST:
    return W2V2AASIST(model_config)
