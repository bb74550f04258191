"""Models by architecture name, and the checkpoint folder that training writes.

A checkpoint folder (the format ``aasist.models.weights`` loads, like huggingface_hub's PyTorchModelHubMixin)::

    config.json         {"architecture": "AASIST" | "RawNet2" | "LCNN", "model_config": {...}, "training": {...}}
    model.safetensors   the state dict
    README.md           model card with YAML front matter (license, tags, datasets, metrics)
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Callable, Optional, Union

import torch
import yaml
from torch import nn

from ..models.weights import ARCHITECTURES, CONFIG_NAME, MODEL_CARD_NAME, WEIGHTS_NAME

CHECKPOINT_FILES = (CONFIG_NAME, WEIGHTS_NAME, MODEL_CARD_NAME)

PathLike = Union[str, Path]


# Architecture name -> constructor(model_config): the registry the detector loads checkpoints with.
MODEL_BUILDERS = ARCHITECTURES


def architecture_of(model_config: dict) -> str:
    architecture = model_config.get("architecture", "AASIST")
    if architecture not in MODEL_BUILDERS:
        raise ValueError(
            f"unknown architecture {architecture!r} in model_config: expected one of {', '.join(MODEL_BUILDERS)}."
        )
    return architecture


def build_model(model_config: dict) -> nn.Module:
    """A freshly initialised network for an authors'-style ``model_config`` (its ``architecture`` key picks it)."""
    return MODEL_BUILDERS[architecture_of(model_config)](model_config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def save_weights(path: PathLike, model: nn.Module, metadata: Optional[dict] = None) -> None:
    """The state dict as safetensors (CPU, contiguous), written atomically."""
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    meta = {"format": "pt", **{k: str(v) for k, v in (metadata or {}).items()}}
    _atomic_write(Path(path), lambda tmp: save_file(state, str(tmp), metadata=meta))


def model_card(name: str, architecture: str, model_config: dict, training: dict, n_parameters: int) -> str:
    """README.md with YAML front matter for the Hub."""
    track = training.get("track", "LA")
    dev_eer = training.get("dev_eer_percent")
    front = {
        "license": training.get("license", "mit"),
        "library_name": "pytorch",
        "pipeline_tag": "audio-classification",
        "tags": ["audio", "speech", "anti-spoofing", "deepfake-detection", "asvspoof", architecture.lower()],
        "datasets": ["asvspoof2019"],
        "metrics": ["eer"],
    }
    if dev_eer is not None:
        metrics = [{"type": "eer", "value": round(float(dev_eer), 4), "name": "EER (%)"}]
        if training.get("dev_min_tdcf") is not None:
            metrics.append({"type": "min-tdcf", "value": round(float(training["dev_min_tdcf"]), 6),
                            "name": "min t-DCF"})
        front["model-index"] = [{
            "name": name,
            "results": [{
                "task": {"type": "audio-classification", "name": "Speech anti-spoofing"},
                "dataset": {"name": f"ASVspoof 2019 {track} (dev)", "type": "asvspoof2019", "split": "dev"},
                "metrics": metrics,
            }],
        }]  # fmt: skip
    lines = [
        "---",
        yaml.safe_dump(front, sort_keys=False).rstrip(),
        "---",
        "",
        f"# {name}",
        "",
        f"{'An' if architecture in ('AASIST', 'LCNN') else 'A'} {architecture} speech anti-spoofing countermeasure ({n_parameters:,} parameters) trained on the "
        f"ASVspoof 2019 {track} training set with the `aasist` training pipeline. It tells whether a recording "
        "is bona fide (real human speech) or spoofed (synthetic or converted speech).",
        "",
        "## Use",
        "",
        "```bash",
        "python -m aasist detect --model OWNER/REPO speech.wav",
        "```",
        "",
        f"Input: 16 kHz mono waveform, {int(model_config.get('nb_samp', 64600))} samples per window. Output: two "
        "logits, index 0 = spoof, index 1 = bona fide; the ASVspoof score is the bona fide logit (higher = more "
        "bona fide).",
        "",
        "## Training",
        "",
    ]
    for key, label in (
        ("epoch", "best epoch (by dev EER)"),
        ("epochs", "epochs"),
        ("batch_size", "batch size per process"),
        ("world_size", "processes"),
        ("train_trials", "training trials"),
        ("skipped_files", "unreadable files skipped"),
        ("augmentation", "waveform augmentation"),
    ):
        if key in training:
            lines.append(f"- {label}: {training[key]}")
    if dev_eer is not None:
        lines.append(f"- dev EER: {float(dev_eer):.4f} %")
    if training.get("dev_min_tdcf") is not None:
        lines.append(f"- dev min t-DCF: {float(training['dev_min_tdcf']):.6f}")
    lines += [
        "",
        "## Limitations",
        "",
        f"Trained on ASVspoof 2019 {track} only. Countermeasures trained this way are much weaker out of domain "
        "(other attacks, codecs, channels, languages, recordings in the wild): the published AASIST reaches 0.83 % "
        "EER on ASVspoof 2019 LA but about 43 % on In-the-Wild. Do not rely on a single verdict.",
        "",
    ]
    return "\n".join(lines)


def save_checkpoint_folder(
    folder: PathLike,
    model: nn.Module,
    model_config: dict,
    training: Optional[dict] = None,
    name: Optional[str] = None,
) -> Path:
    """Write config.json, model.safetensors and README.md into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    architecture = architecture_of(model_config)
    training = dict(training or {})
    training.setdefault("torch_version", torch.__version__)
    training.setdefault("python_version", platform.python_version())
    config = {"architecture": architecture, "model_config": model_config, "training": training}
    save_weights(folder / WEIGHTS_NAME, model)
    _atomic_write(folder / CONFIG_NAME, lambda tmp: tmp.write_text(json.dumps(config, indent=2) + "\n"))
    card = model_card(name or architecture, architecture, model_config, training, count_parameters(model))
    _atomic_write(folder / MODEL_CARD_NAME, lambda tmp: tmp.write_text(card, encoding="utf-8"))
    return folder


def read_checkpoint_config(folder: PathLike) -> dict:
    return json.loads((Path(folder) / CONFIG_NAME).read_text(encoding="utf-8"))


def load_checkpoint_folder(folder: PathLike, device: Union[str, torch.device] = "cpu") -> tuple:
    """(network in eval mode with the weights loaded strictly, config.json dict) of a checkpoint folder."""
    from safetensors.torch import load_file

    config = read_checkpoint_config(folder)
    model = build_model(dict(config["model_config"], architecture=config["architecture"]))
    model.load_state_dict(load_file(str(Path(folder) / WEIGHTS_NAME), device=str(device)), strict=True)
    return model.to(device).eval(), config
