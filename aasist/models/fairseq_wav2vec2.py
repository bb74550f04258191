"""fairseq's wav2vec 2.0 as ``transformers``' ``Wav2Vec2Model``: the configuration and the key names.

Shared by the models whose authors built on fairseq's ``Wav2Vec2Model`` (W2V2-AASIST, AntiDeepfake), so that their
checkpoints load without fairseq. Both of fairseq's structures are covered:

- ``extractor_mode="default"``, ``layer_norm_first=False`` (wav2vec 2.0 Base, ``w2v_small``): a group norm after the
  first conv layer only, no conv bias, post-LN transformer (``feat_extract_norm="group"``,
  ``do_stable_layer_norm=False``);
- ``extractor_mode="layer_norm"``, ``layer_norm_first=True`` (Large, XLS-R, MMS): a layer norm after every conv
  layer, conv bias, pre-LN transformer (``"layer"``, ``do_stable_layer_norm=True``).

fairseq's defaults fill the fields a configuration leaves out (``Wav2Vec2Config``: ``extractor_mode="default"``,
``layer_norm_first=False``, ``conv_bias=False``, 128-tap positional convolution in 16 groups, GELU). The pre-training
parts (quantizer, ``project_q``, ``final_proj``, ``mask_emb``) are not used at inference and are dropped.
"""

from __future__ import annotations

import re

# fairseq's Wav2Vec2Config defaults, for the fields the structure depends on.
FAIRSEQ_DEFAULTS = {
    "extractor_mode": "default",
    "layer_norm_first": False,
    "conv_bias": False,
    "conv_feature_layers": "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2",
    "conv_pos": 128,
    "conv_pos_groups": 16,
    "activation_fn": "gelu",
}
EXTRACTOR_MODES = {"default": "group", "layer_norm": "layer"}

# The two published structures at full size, in fairseq's field names (checkpoint folders' model_config uses these).
BASE_CONFIG = {  # wav2vec 2.0 Base (fairseq's w2v_small): 95 M parameters
    "extractor_mode": "default",
    "layer_norm_first": False,
    "conv_bias": False,
    "encoder_layers": 12,
    "encoder_embed_dim": 768,
    "encoder_ffn_embed_dim": 3072,
    "encoder_attention_heads": 12,
    "conv_feature_layers": FAIRSEQ_DEFAULTS["conv_feature_layers"],
    "conv_pos": 128,
    "conv_pos_groups": 16,
    "activation_fn": "gelu",
}
LARGE_CONFIG = {  # wav2vec 2.0 Large, XLS-R 300M, MMS-300M: 0.3 B parameters
    **BASE_CONFIG,
    "extractor_mode": "layer_norm",
    "layer_norm_first": True,
    "conv_bias": True,
    "encoder_layers": 24,
    "encoder_embed_dim": 1024,
    "encoder_ffn_embed_dim": 4096,
    "encoder_attention_heads": 16,
}

# fairseq pre-training parts in the authors' checkpoints that inference never uses.
UNUSED_PREFIXES = ("quantizer.", "project_q.", "final_proj.", "mask_emb")

# fairseq name -> transformers name, inside the front end (applied in order).
_RENAMES = (
    (r"^feature_extractor\.conv_layers\.(\d+)\.0\.", r"feature_extractor.conv_layers.\1.conv."),
    # the layer norm of every conv layer (layer_norm mode) and the group norm of the first one (default mode)
    (r"^feature_extractor\.conv_layers\.(\d+)\.2\.1\.", r"feature_extractor.conv_layers.\1.layer_norm."),
    (r"^feature_extractor\.conv_layers\.(\d+)\.2\.(weight|bias)$", r"feature_extractor.conv_layers.\1.layer_norm.\2"),
    (r"^layer_norm\.", "feature_projection.layer_norm."),
    (r"^post_extract_proj\.", "feature_projection.projection."),
    (r"^encoder\.pos_conv\.0\.weight_g$", "encoder.pos_conv_embed.conv.parametrizations.weight.original0"),
    (r"^encoder\.pos_conv\.0\.weight_v$", "encoder.pos_conv_embed.conv.parametrizations.weight.original1"),
    (r"^encoder\.pos_conv\.0\.bias$", "encoder.pos_conv_embed.conv.bias"),
    (r"^(encoder\.layers\.\d+\.)self_attn\.", r"\1attention."),
    (r"^(encoder\.layers\.\d+\.)self_attn_layer_norm\.", r"\1layer_norm."),
    (r"^(encoder\.layers\.\d+\.)fc1\.", r"\1feed_forward.intermediate_dense."),
    (r"^(encoder\.layers\.\d+\.)fc2\.", r"\1feed_forward.output_dense."),
)
_CONV_LAYERS = re.compile(r"\[\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)\]\s*(?:\*\s*(\d+))?")


def conv_layers(spec: str) -> list:
    """fairseq's ``conv_feature_layers`` string ("[(512, 10, 5)] + [(512, 3, 2)] * 4 + ...") as (dim, kernel,
    stride) tuples; parsed, never evaluated."""
    layers = []
    for dim, kernel, stride, repeat in _CONV_LAYERS.findall(spec):
        layers += [(int(dim), int(kernel), int(stride))] * int(repeat or 1)
    if not layers or _CONV_LAYERS.sub("", spec).replace("+", "").strip():
        raise ValueError(f"conv_feature_layers {spec!r} is not a sum of [(dim, kernel, stride)] * n terms.")
    return layers


def transformers_config(fairseq_config: dict):
    """The ``transformers.Wav2Vec2Config`` of a fairseq wav2vec 2.0 configuration (its ``Wav2Vec2Config`` field
    names; fairseq's defaults for the fields left out)."""
    from transformers import Wav2Vec2Config

    config = {**FAIRSEQ_DEFAULTS, **fairseq_config}
    mode, pre_ln = config["extractor_mode"], bool(config["layer_norm_first"])
    if mode not in EXTRACTOR_MODES or (mode == "layer_norm") != pre_ln:
        # transformers ties the two together: group norm with post-LN, layer norm with pre-LN ("stable").
        raise ValueError(f"extractor_mode {mode!r} with layer_norm_first {pre_ln} is not a published wav2vec 2.0 "
                         "structure (default with false, or layer_norm with true).")
    layers = conv_layers(config["conv_feature_layers"])
    return Wav2Vec2Config(
        hidden_size=int(config["encoder_embed_dim"]),
        num_hidden_layers=int(config["encoder_layers"]),
        num_attention_heads=int(config["encoder_attention_heads"]),
        intermediate_size=int(config["encoder_ffn_embed_dim"]),
        hidden_act=config["activation_fn"],
        feat_extract_activation="gelu",
        conv_dim=tuple(d for d, _, _ in layers),
        conv_kernel=tuple(k for _, k, _ in layers),
        conv_stride=tuple(s for _, _, s in layers),
        conv_bias=bool(config["conv_bias"]),
        feat_extract_norm=EXTRACTOR_MODES[mode],
        do_stable_layer_norm=pre_ln,
        num_conv_pos_embeddings=int(config["conv_pos"]),
        num_conv_pos_embedding_groups=int(config["conv_pos_groups"]),
        mask_time_prob=0.0,  # no masking parameter: fairseq's mask_emb is a training-time part
        layer_norm_eps=1e-5,
    )


def rename_state_dict(state_dict: dict, authors_prefix: str, prefix: str) -> dict:
    """The authors' key names -> a module's: fairseq's front end under ``authors_prefix`` renamed to transformers'
    names under ``prefix``, the unused pre-training parts dropped, an optional ``module.`` prefix (DataParallel)
    removed; the other keys (the back end's) unchanged."""
    converted = {}
    for key, value in state_dict.items():
        key = key[len("module."):] if key.startswith("module.") else key
        if key.startswith(authors_prefix):
            inner = key[len(authors_prefix):]
            if inner.startswith(UNUSED_PREFIXES):
                continue
            for pattern, replacement in _RENAMES:
                inner = re.sub(pattern, replacement, inner)
            key = prefix + inner
        converted[key] = value
    return converted
