"""Finding, verifying and loading model weights: built-in models, local files and Hugging Face Hub repos.

    from aasist.weights import load_model
    model, checkpoint = load_model("AASIST")        # or "AASIST-L", a local path, or a Hub repo id "owner/name"

Hub downloads go through ``huggingface_hub.hf_hub_download``, so its cache and its environment variables
(``HF_HOME``, ``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``, ``HF_TOKEN``, ``HF_ENDPOINT``) work as huggingface_hub defines them.
Two variables of our own:

- ``AASIST_WEIGHTS_DIR=DIR``: read the built-in models from ``DIR/AASIST.pth`` and ``DIR/AASIST-L.pth``, not the Hub.
- ``AASIST_ALLOW_UNVERIFIED=1``: load a built-in model whose file does not match its published SHA-256 (warns).

Every message of ``WeightsError`` is one sentence meant for the user of the CLI or the web app.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

import torch
from huggingface_hub import constants as hf_constants
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from torch import nn

from .lcnn import LCNN
from .model import AASIST, ModelDimensions
from .present import one_sentence
from .rawnet2 import RawNet2

WEIGHTS_DIR_ENV = "AASIST_WEIGHTS_DIR"
ALLOW_UNVERIFIED_ENV = "AASIST_ALLOW_UNVERIFIED"

DEFAULT_MODEL = "AASIST"
DEFAULT_REVISION = "main"

# The checkpoint-folder format, shared with the training pipeline (PyTorchModelHubMixin style):
# config.json = {"architecture": ..., "model_config": {...}, ...}, weights in model.safetensors, optional model card.
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
MODEL_CARD_NAME = "README.md"

STATE_DICT_SUFFIXES = (".pth", ".pt")
SAFETENSORS_SUFFIX = ".safetensors"

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class WeightsError(RuntimeError):
    """The weights could not be found, downloaded, verified or read; the message says why and what to do."""


class UnverifiedWeightsWarning(UserWarning):
    """A built-in model was loaded although its file does not match the published checksum."""


@dataclass(frozen=True)
class BuiltinModel:
    repo_id: str
    filename: str
    sha256: str


# The authors' released checkpoints (ASVspoof 2019 LA), as published on the Hub.
BUILTIN_MODELS: dict[str, BuiltinModel] = {
    "AASIST": BuiltinModel(
        repo_id="SpeechAntiSpoofingBenchmarks/AASIST",
        filename="AASIST.pth",
        sha256="51d2d9cf0738172f61e2a384ec50a54a55363240f67c971ed55a92435bc1a1c0",
    ),
    "AASIST-L": BuiltinModel(
        repo_id="SpeechAntiSpoofingBenchmarks/AASIST-L",
        filename="AASIST-L.pth",
        sha256="814331d088032bb4c3fa61cc014789eadeed464209dd094ab3a2dd6ffbdce27a",
    ),
}


@dataclass
class Checkpoint:
    """Weights ready to build a model from.

    ``verified`` is True only for a built-in model whose file matched its published SHA-256; files that are not
    built-in models have no reference checksum and are never "verified" (``sha256`` still identifies them).
    """

    name: str  # the model spec as requested
    path: Path  # the local weights file (for a checkpoint folder: its model.safetensors)
    sha256: str
    verified: bool
    architecture: str  # "AASIST", "RawNet2" or "LCNN"
    config: dict  # model_config-style hyper-parameters of that architecture
    state_dict: dict[str, torch.Tensor] = field(repr=False)
    source: str = ""  # where it came from, for messages: a path or "hf://owner/name@revision/filename"


def builtin_model_names() -> list[str]:
    return list(BUILTIN_MODELS)


# ---------------------------------------------------------------------------------------------------------------
# Checksums


# Digest per (real path, size, mtime): a second load of the same file in one process does not hash it again.
_DIGESTS: dict[tuple[str, int, int], str] = {}


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Union[str, os.PathLike]) -> str:
    """SHA-256 (hex) of a file, cached per path, size and modification time."""
    real = Path(path).resolve()  # the Hub cache hands out symlinks to its blobs
    stat = real.stat()
    key = (str(real), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = _hash_file(real)
    return _DIGESTS[key]


def _allow_unverified() -> bool:
    return os.environ.get(ALLOW_UNVERIFIED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _verify_builtin(name: str, path: Path, source: str) -> tuple[str, bool]:
    """(sha256, verified) of a built-in model's file; a mismatch is refused unless AASIST_ALLOW_UNVERIFIED is set."""
    expected = BUILTIN_MODELS[name].sha256
    actual = file_sha256(path)
    if actual == expected:
        return actual, True
    if not _allow_unverified():
        raise WeightsError(
            f"The file for {name} ({source}) is not the published checkpoint: its SHA-256 is {actual} but "
            f"{expected} was expected; set {ALLOW_UNVERIFIED_ENV}=1 to load it anyway."
        )
    warnings.warn(
        f"Loading {name} from {source} although its SHA-256 {actual} is not the published {expected} "
        f"({ALLOW_UNVERIFIED_ENV} is set): its results may not be those of the published model.",
        UnverifiedWeightsWarning,
        stacklevel=3,
    )
    return actual, False


# ---------------------------------------------------------------------------------------------------------------
# Reading files


def _weights_only_reason(error: Exception) -> str:
    """The useful line of torch's long weights_only error, e.g. "unsupported GLOBAL posix.system"."""
    match = re.search(r"unsupported GLOBAL \S+|Unsupported global: \S+|Unsupported operand \d+", str(error))
    return match.group(0) if match else type(error).__name__


def load_state_dict(path: Union[str, os.PathLike], device: Union[str, torch.device] = "cpu") -> dict:
    """Tensors of a ``.safetensors`` file, or of a PyTorch file read with ``weights_only=True`` (never without)."""
    path = Path(path)
    if path.suffix == SAFETENSORS_SUFFIX:
        from safetensors.torch import load_file

        try:
            return load_file(str(path), device=str(device))
        except Exception as error:  # safetensors raises its own SafetensorError for any malformed file
            raise WeightsError(f"{path} is not a readable safetensors file ({error}).") from error

    try:
        # The authors' files hold CUDA tensors: map_location makes them load on any machine.
        state_dict = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as error:
        # weights_only refuses any pickle that names code to run; a file that is not a pickle ends up here too.
        raise WeightsError(
            f"Refused to load {path}: it is not a plain PyTorch file of tensors ({_weights_only_reason(error)}), "
            "and loading it without weights_only could run code hidden in it."
        ) from error
    except Exception as error:  # noqa: BLE001 - a damaged pickle fails in many ways (EOFError, IndexError, KeyError...)
        detail = f"{type(error).__name__}: {error}" if str(error) else "the file is empty or cut short"
        raise WeightsError(f"{path} is not a readable PyTorch checkpoint ({detail}).") from error
    if not isinstance(state_dict, dict) or not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise WeightsError(f"{path} does not hold a state dict (a mapping of parameter names to tensors).")
    return state_dict


def _aasist_config(state_dict: dict, path: Path) -> dict:
    """The model_config of an AASIST state dict, recognised from its shapes (AASIST or AASIST-L)."""
    try:
        config = ModelDimensions.from_state_dict(state_dict).to_config()
    except ValueError as error:
        raise WeightsError(f"{path} is not a checkpoint of AASIST or AASIST-L: {error}") from error
    return json.loads(json.dumps(config))  # plain JSON types (lists), as a config.json would give


def _read_config(config_path: Path) -> tuple[str, dict]:
    """(architecture, model_config) of a checkpoint folder's config.json."""
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WeightsError(f"{config_path} is not a readable JSON file ({error}).") from error
    architectures = sorted(ARCHITECTURES)
    architecture = config.get("architecture") if isinstance(config, dict) else None
    model_config = config.get("model_config") if isinstance(config, dict) else None
    if architecture not in architectures or not isinstance(model_config, dict):
        raise WeightsError(
            f"{config_path} is not a checkpoint config: it needs \"architecture\" (one of {', '.join(architectures)}) "
            "and a \"model_config\" object."
        )
    if architecture == "AASIST":
        try:
            ModelDimensions.from_config(model_config)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise WeightsError(
                f"{config_path} has an invalid AASIST model_config ({type(error).__name__}: {error})."
            ) from error
    return architecture, model_config


def _checkpoint_from_file(name: str, path: Path, source: str, device) -> Checkpoint:
    """A single weights file of an AASIST variant (.pth, .pt or .safetensors, with no config)."""
    state_dict = load_state_dict(path, device)
    config = _aasist_config(state_dict, path)
    return Checkpoint(name, path, file_sha256(path), False, "AASIST", config, state_dict, source)


def _checkpoint_from_folder_files(name: str, config_path: Path, weights_path: Path, source: str, device) -> Checkpoint:
    architecture, config = _read_config(config_path)
    state_dict = load_state_dict(weights_path, device)
    return Checkpoint(name, weights_path, file_sha256(weights_path), False, architecture, config, state_dict, source)


def _checkpoint_from_folder(name: str, folder: Path, device) -> Checkpoint:
    missing = [n for n in (CONFIG_NAME, WEIGHTS_NAME) if not (folder / n).is_file()]
    if missing:
        raise WeightsError(
            f"{folder} is not a checkpoint folder: it has no {' and no '.join(missing)} "
            f"(a checkpoint folder holds {CONFIG_NAME} and {WEIGHTS_NAME})."
        )
    return _checkpoint_from_folder_files(name, folder / CONFIG_NAME, folder / WEIGHTS_NAME, str(folder), device)


# ---------------------------------------------------------------------------------------------------------------
# The Hub


def _hub_file(repo_id: str, filename: str, revision: str, fix: str = "", missing_ok: bool = False) -> Optional[Path]:
    """Download (or find in the Hub cache) one file; every huggingface_hub failure becomes one WeightsError.

    ``fix`` is appended to the "cannot reach the Hub" advice; with ``missing_ok``, a file the repo lacks gives None.
    """
    endpoint = hf_constants.ENDPOINT
    what = f"{filename} of Hub repo {repo_id} (revision {revision!r}, endpoint {endpoint})"
    try:
        return Path(hf_hub_download(repo_id, filename, revision=revision))
    except LocalEntryNotFoundError as error:
        # Raised when the Hub could not be asked (offline mode, no network, proxy, server down) and the file is
        # not in the cache: say what was tried and every way out.
        if hf_constants.is_offline_mode():
            reason, advice = "HF_HUB_OFFLINE is set", "unset HF_HUB_OFFLINE to download it"
        else:
            reason, advice = "the Hub could not be reached", "check the connection (and HF_ENDPOINT, if set)"
        raise WeightsError(
            f"Could not get {what}: {reason} and the file is not in the cache {hf_constants.HF_HUB_CACHE}; "
            f"{advice}, or download it once while online (`hf download {repo_id} {filename} --revision {revision}`)"
            f"{fix}."
        ) from error
    except GatedRepoError as error:  # before RepositoryNotFoundError, its parent class
        raise WeightsError(
            f"Hub repo {repo_id} is gated: accept its conditions on its page at {endpoint} and set HF_TOKEN "
            "(or run `hf auth login`)."
        ) from error
    except RepositoryNotFoundError as error:
        raise WeightsError(
            f"There is no Hub repo {repo_id} at {endpoint}, or it is private and no valid token was given "
            "(set HF_TOKEN or run `hf auth login`)."
        ) from error
    except RevisionNotFoundError as error:
        raise WeightsError(
            f"Hub repo {repo_id} has no revision {revision!r} (expected a branch, a tag or a commit hash)."
        ) from error
    except RemoteEntryNotFoundError as error:
        if missing_ok:
            return None
        raise WeightsError(f"Hub repo {repo_id} has no file {filename} at revision {revision!r}.") from error
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise WeightsError(f"Downloading {what} failed with HTTP status {status}: {one_sentence(error)}") from error
    except Exception as error:  # e.g. an invalid repo id, a dropped connection mid-download, a full disk
        raise WeightsError(f"Downloading {what} failed ({type(error).__name__}: {error}).") from error


def _checkpoint_from_repo(name: str, repo_id: str, revision: str, filename: Optional[str], device) -> Checkpoint:
    source = f"hf://{repo_id}@{revision}"
    if filename is not None:
        if Path(filename).suffix not in STATE_DICT_SUFFIXES + (SAFETENSORS_SUFFIX,):
            raise WeightsError(
                f"{filename} is not a weights file: pass a .pth, .pt or .safetensors file of {repo_id}, "
                "or no filename for a checkpoint folder."
            )
        path = _hub_file(repo_id, filename, revision)
        return _checkpoint_from_file(name, path, f"{source}/{filename}", device)

    # No filename: the repo should be a checkpoint folder (config.json + model.safetensors).
    config_path = _hub_file(repo_id, CONFIG_NAME, revision, missing_ok=True)
    weights_path = _hub_file(repo_id, WEIGHTS_NAME, revision, missing_ok=True) if config_path else None
    if config_path is None or weights_path is None:
        lacking = CONFIG_NAME if config_path is None else WEIGHTS_NAME
        raise WeightsError(
            f"Hub repo {repo_id} (revision {revision!r}) is not a checkpoint folder, as it has no {lacking}: "
            "name its weights file with --filename (for example --filename AASIST.pth)."
        )
    return _checkpoint_from_folder_files(name, config_path, weights_path, source, device)


def _builtin_checkpoint(name: str, revision: str, device) -> Checkpoint:
    builtin = BUILTIN_MODELS[name]
    weights_dir = os.environ.get(WEIGHTS_DIR_ENV, "").strip()
    if weights_dir:
        path = Path(weights_dir).expanduser() / builtin.filename
        if not path.is_file():
            raise WeightsError(
                f"{WEIGHTS_DIR_ENV} is set but {path} does not exist: put {builtin.filename} there, or unset "
                f"{WEIGHTS_DIR_ENV} to download it from the Hub."
            )
        source = str(path)
    else:
        fix = f", or set {WEIGHTS_DIR_ENV} to a folder holding {builtin.filename}"
        path = _hub_file(builtin.repo_id, builtin.filename, revision, fix=fix)
        source = f"hf://{builtin.repo_id}@{revision}/{builtin.filename}"
    # Check the bytes before unpickling them, wherever they came from (Hub, cache or local folder).
    sha256, verified = _verify_builtin(name, path, source)
    state_dict = load_state_dict(path, device)
    return Checkpoint(name, path, sha256, verified, "AASIST", _aasist_config(state_dict, path), state_dict, source)


def _looks_like_path(spec: str) -> bool:
    return (
        spec.startswith((".", "/", "~", "\\"))
        or spec.endswith(STATE_DICT_SUFFIXES + (SAFETENSORS_SUFFIX, ".bin", ".ckpt"))
        or spec.count("/") > 1
        or "\\" in spec
    )


def load_checkpoint(
    model: Union[str, os.PathLike] = DEFAULT_MODEL,
    revision: str = DEFAULT_REVISION,
    filename: Optional[str] = None,
    device: Union[str, torch.device] = "cpu",
) -> Checkpoint:
    """Resolve a model spec and load its weights, without building the network.

    ``model`` is, in this order:
      1. a built-in model name (``builtin_model_names()``), checked against its published SHA-256;
      2. an existing local path: a ``.pth``/``.pt``/``.safetensors`` state dict of AASIST or AASIST-L (the variant is
         recognised from its shapes), or a checkpoint folder (``config.json`` + ``model.safetensors``);
      3. a Hub repo id ``owner/name``: its checkpoint folder, or the weights file named by ``filename``.
    ``revision`` (a branch, tag or commit hash) applies to Hub downloads.
    """
    spec = os.fspath(model)
    if spec in BUILTIN_MODELS:
        if filename is not None and filename != BUILTIN_MODELS[spec].filename:
            raise WeightsError(
                f"A filename cannot be chosen for the built-in model {spec}; give a Hub repo id instead."
            )
        return _builtin_checkpoint(spec, revision, device)

    path = Path(spec).expanduser()
    if path.is_dir():
        return _checkpoint_from_folder(spec, path, device)
    if path.is_file():
        if path.suffix not in STATE_DICT_SUFFIXES + (SAFETENSORS_SUFFIX,):
            raise WeightsError(f"{path} is not a weights file: expected a .pth, .pt or .safetensors file, or a folder.")
        return _checkpoint_from_file(spec, path, str(path), device)

    if _REPO_ID.match(spec) and not _looks_like_path(spec):
        return _checkpoint_from_repo(spec, spec, revision, filename, device)

    builtins = ", ".join(BUILTIN_MODELS)
    problem = f"There is no file or folder {spec!r}" if _looks_like_path(spec) else f"Unknown model {spec!r}"
    raise WeightsError(
        f"{problem}: give a built-in model name ({builtins}), the path of an existing .pth/.pt state dict "
        "or checkpoint folder, or a Hugging Face Hub repo id such as owner/name."
    )


# ---------------------------------------------------------------------------------------------------------------
# Building models


def build_aasist(model_config: dict) -> AASIST:
    return AASIST(ModelDimensions.from_config(model_config))


# Architecture name -> constructor(model_config) of a freshly initialised network. The one registry of the project:
# training builds new networks from it, build_model() loads checkpoints into them.
ARCHITECTURES: dict[str, Callable[[dict], nn.Module]] = {
    "AASIST": build_aasist,
    "RawNet2": RawNet2,  # aasist/rawnet2.py
    "LCNN": LCNN,  # aasist/lcnn.py
}


def build_model(checkpoint: Checkpoint, device: Union[str, torch.device, None] = None) -> nn.Module:
    """The network of a checkpoint, with its weights loaded strictly, in eval mode."""
    build = ARCHITECTURES.get(checkpoint.architecture)
    if build is None:
        raise WeightsError(
            f"{checkpoint.name} is a {checkpoint.architecture} checkpoint, which this version cannot run yet "
            f"(supported: {', '.join(ARCHITECTURES)})."
        )
    try:
        net = build(checkpoint.config)
        net.load_state_dict(checkpoint.state_dict, strict=True)
    except (RuntimeError, KeyError, TypeError, ValueError) as error:
        raise WeightsError(
            f"The weights of {checkpoint.name} do not fit its {checkpoint.architecture} config "
            f"({one_sentence(error)})."
        ) from error
    if device is not None:
        net = net.to(device)
    return net.eval()


def load_model(
    model: Union[str, os.PathLike] = DEFAULT_MODEL,
    revision: str = DEFAULT_REVISION,
    filename: Optional[str] = None,
    device: Union[str, torch.device] = "cpu",
) -> tuple[nn.Module, Checkpoint]:
    """``load_checkpoint`` then ``build_model``: (network in eval mode on ``device``, checkpoint)."""
    checkpoint = load_checkpoint(model, revision=revision, filename=filename, device=device)
    return build_model(checkpoint, device), checkpoint


__all__ = [
    "ALLOW_UNVERIFIED_ENV",
    "ARCHITECTURES",
    "BUILTIN_MODELS",
    "BuiltinModel",
    "Checkpoint",
    "UnverifiedWeightsWarning",
    "WEIGHTS_DIR_ENV",
    "WeightsError",
    "build_model",
    "builtin_model_names",
    "file_sha256",
    "load_checkpoint",
    "load_model",
    "load_state_dict",
]
