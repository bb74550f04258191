"""AntiDeepfake (Ge, Wang et al., NII, "Post-training for Deepfake Speech Detection", arXiv 2506.21090): a wav2vec 2.0
front end post-trained on about 56,000 hours of real and 18,000 hours of synthetic speech, then the simplest head,
written to load the authors' checkpoints (nii-yamagishilab/AntiDeepfake, ``models/W2V.py``) without fairseq.

- Input: the whole recording (mono, 16 kHz, no trimming, no padding), layer-normalised over all of its samples
  (``layer_norm(wav, wav.shape)``, the authors' test pipeline ``dataio/dataio.py``).
- Front end: ``transformers``' ``Wav2Vec2Model`` configured as the authors' fairseq model
  (``aasist.models.fairseq_wav2vec2``): ``w2v_small`` (Wav2Vec2-Small-AntiDeepfake, 95 M parameters) has a group-norm
  feature extractor, no conv bias and a post-LN transformer; ``w2v_large`` (Wav2Vec2-Large-AntiDeepfake[-NDA], 0.3 B;
  ``mms_300m`` has the same structure and shapes) a layer-norm feature extractor, conv bias and a pre-LN transformer.
  The features are the last hidden states (fairseq's ``features_only`` output), one per 20 ms frame.
- Head: the features averaged over time (the authors' ``AdaptiveAvgPool1d(1)``) and one ``Linear(D, 2)``,
  ``proj_fc``. Index 1 is the real class: the authors score with ``logits[:, 1]``, and the spoof probability is
  softmax index 0, as for the project's other models.
- ``forward_seg``: the same ``proj_fc`` applied to every frame's features (the authors' ``forward_seg``).
  ``forward(x, capture)`` puts them in ``capture`` from the features it pools (no second pass through the front end):
  the detector's ``FrameScores`` (``aasist.models.frame_scores``), the model's own per-frame reading.

Key names: the authors' checkpoints (Zenodo record 15580543's ``.ckpt``, the nii-yamagishilab Hub repos) hold
``m_ssl.model.*`` (fairseq's ``Wav2Vec2Model``, with its pre-training parts) and ``proj_fc.*``. What the Hub copies
hold could only be read from their model pages (the Hub cannot be reached where this was written): the Arena's
"bit-exact copies" (SpeechAntiSpoofingBenchmarks/Wav2Vec2-Small-AntiDeepfake, .../Wav2Vec2-Large-AntiDeepfake-NDA)
are tagged Safetensors (F32; 95 M and 0.3 B parameters) and wav2vec2, their file names and key layout are not shown;
the nii-yamagishilab pages point to an inference script on each page. So ``from_authors_state_dict`` accepts the
authors' names, this module's own (``frontend.*``, transformers' names) and transformers' ``wav2vec2.*`` prefix for the
front end, each with ``proj_fc.*`` for the head.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .fairseq_wav2vec2 import BASE_CONFIG, LARGE_CONFIG, rename_state_dict, transformers_config

ARCHITECTURE = "AntiDeepfake"
SAMPLE_RATE = 16000
FRAME_SAMPLES = 320  # the feature extractor's total stride (5 x 2**6): one feature per 20 ms
FRAME_RECEPTIVE_SAMPLES = 400  # what one frame's conv features see (25 ms); the shortest input that gives a frame
FRAME_LOGITS_KEY = "frame_logits"  # forward's capture: forward_seg's per-frame logits (B, frames, 2)

# Recordings up to this long are scored whole, as the authors score every recording; a longer one is cut into windows
# of this length (hop: the detector's, by default one window after another, the last aligned to the end). 13 s is the
# longest segment the authors trained on: a longer window would ask the model about lengths it never saw, and its
# self-attention costs grow with the square of the length.
WHOLE_UP_TO_S = 13.0
WINDOW_SAMPLES = int(WHOLE_UP_TO_S * SAMPLE_RATE)

# The published structures, in fairseq's Wav2Vec2Config field names (the checkpoint-folder format uses these): the
# inference fields of the authors' models/W2V_configs.py.
W2V_SMALL_CONFIG = BASE_CONFIG
W2V_LARGE_CONFIG = LARGE_CONFIG
STRUCTURES = {"w2v_small": W2V_SMALL_CONFIG, "w2v_large": W2V_LARGE_CONFIG, "mms_300m": W2V_LARGE_CONFIG}

AUTHORS_FRONT_END = "m_ssl.model."
TRANSFORMERS_FRONT_END = "wav2vec2."
FRONT_END = "frontend."
HEAD = "proj_fc."


def from_authors_state_dict(state_dict: dict) -> dict:
    """The authors' key names (``m_ssl.model.*``: fairseq's names; ``proj_fc.*``; an optional ``module.`` prefix)
    -> this module's, the unused pre-training parts dropped. A state dict already in this module's layout
    (``frontend.*``) or with transformers' ``wav2vec2.*`` front end passes with only that prefix changed."""
    renamed = rename_state_dict(state_dict, AUTHORS_FRONT_END, FRONT_END)
    return {FRONT_END + k[len(TRANSFORMERS_FRONT_END):] if k.startswith(TRANSFORMERS_FRONT_END) else k: v
            for k, v in renamed.items()}


def is_antideepfake(state_dict: dict) -> bool:
    """Whether a state dict (any of the layouts ``from_authors_state_dict`` takes) is an AntiDeepfake model's."""
    front_ends = (AUTHORS_FRONT_END, FRONT_END, TRANSFORMERS_FRONT_END)
    keys = [k[len("module."):] if k.startswith("module.") else k for k in state_dict]
    return HEAD + "weight" in keys and any(k.startswith(front_ends) for k in keys)


def published_config(state_dict: dict) -> dict:
    """The published structure a state dict has: ``w2v_large`` when its feature extractor has a norm after the
    second conv layer (layer-norm mode), else ``w2v_small`` (a group norm after the first only)."""
    ours = from_authors_state_dict(state_dict)
    large = any(k.startswith(FRONT_END + "feature_extractor.conv_layers.1.layer_norm.") for k in ours)
    return STRUCTURES["w2v_large" if large else "w2v_small"]


def normalise(x: Tensor) -> Tensor:
    """Each recording (row) layer-normalised over all of its samples: the authors' ``layer_norm(wav, wav.shape)``."""
    return F.layer_norm(x, x.shape[-1:])


class AntiDeepfake(nn.Module):
    """``forward(x, capture=None)``: (B, samples) waveforms at 16 kHz, each a whole recording (or one window of a long
    one) -> logits (B, 2), index 1 real; with a ``capture`` dict, also the per-frame logits (``FRAME_LOGITS_KEY``).
    ``forward_seg(x)``: per-frame logits (B, frames, 2), one per 20 ms."""

    def __init__(self, config: Optional[dict] = None):
        super().__init__()
        from transformers import Wav2Vec2Model

        self.config = dict(W2V_SMALL_CONFIG if config is None else config)
        self.frontend = Wav2Vec2Model(transformers_config(self.config))
        self.proj_fc = nn.Linear(self.frontend.config.hidden_size, 2)

    def features(self, x: Tensor) -> Tensor:
        """The front end's last hidden states (B, frames, D) of the normalised input.

        The normalisation is here, not in the audio pipeline, because it must apply to exactly what the model scores:
        the authors normalise the whole recording they score, and the detector gives the model a whole recording (up
        to ``WHOLE_UP_TO_S``) or one window of a longer one, the live monitor one window; each is normalised on its
        own. Rows of a batch are normalised separately, so batching changes nothing."""
        return self.frontend(normalise(x)).last_hidden_state

    def forward(self, x: Tensor, capture: Optional[dict] = None) -> Tensor:
        features = self.features(x)
        if capture is not None:  # forward_seg from the same features: one more small matrix product
            capture[FRAME_LOGITS_KEY] = self.proj_fc(features)
        return self.proj_fc(features.mean(dim=1))

    def forward_seg(self, x: Tensor) -> Tensor:
        """Per-frame logits (B, frames, 2): ``proj_fc`` on each frame's features (frame i starts at sample
        ``i * FRAME_SAMPLES`` and sees ``FRAME_RECEPTIVE_SAMPLES``); their mean over frames is ``forward``'s logits,
        as the head is linear."""
        return self.proj_fc(self.features(x))


def build_antideepfake(model_config: dict) -> AntiDeepfake:
    return AntiDeepfake(model_config)
