"""Finding, verifying and loading model weights: built-in models, local files and Hugging Face Hub repos.

    from aasist.models.weights import load_model
    model, checkpoint = load_model("AASIST")        # or "AASIST-L", a local path, or a Hub repo id "owner/name"

The built-in models are those of ``aasist.models.registry``. Where a built-in model's weights come from, in this
order (one log line names the source that served each model):

1. ``AASIST_WEIGHTS_DIR=DIR``, when ``DIR/<name>.pth`` exists (``AASIST.pth``, ``AASIST-L.pth``, ``RawNet2.pth``,
   ``W2V2-AASIST.pth``, ``AntiDeepfake-Small.pth``, ...) or a checkpoint folder ``DIR/<name>/``;
2. the Hugging Face Hub, through ``huggingface_hub.hf_hub_download`` (its cache and its environment variables
   ``HF_HOME``, ``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``, ``HF_TOKEN``, ``HF_ENDPOINT`` work as huggingface_hub defines
   them), downloading on first use; when the Hub cannot be reached (name not resolved, connection refused: checked
   with one quick connection, so there is no retry loop) or ``HF_HUB_OFFLINE`` is set, its cache;
3. the copies packaged with aasist (``aasist/pretrained/``: AASIST and AASIST-L, 1.7 MB, MIT), so that the library
   and the demo work offline out of the box.

Every file is checked against the registry's published SHA-256 before it is unpickled, wherever it came from
(``AASIST_ALLOW_UNVERIFIED=1`` loads a mismatching file with a warning). A model without a published checksum
(RawNet2) has its SHA-256 recorded on first download (``aasist.models.cache``): a later file of the same Hub commit
that differs is refused. Beside that record, ``aasist.inference.known_answer`` keeps how many of the bundled examples
the file's model called right the first time it was loaded.

Every message of ``WeightsError`` is one sentence meant for the user of the CLI or the web app.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import socket
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union
from urllib.parse import urlparse

import torch
from huggingface_hub import constants as hf_constants
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, LocalEntryNotFoundError, RemoteEntryNotFoundError,
                                    RepositoryNotFoundError, RevisionNotFoundError)
from torch import nn

from ..text import one_sentence
from . import cache, registry
from .antideepfake import ARCHITECTURE as ANTIDEEPFAKE
from .antideepfake import W2V_SMALL_CONFIG, build_antideepfake, is_antideepfake, published_config
from .antideepfake import from_authors_state_dict as antideepfake_state_dict
from .fairseq_wav2vec2 import transformers_config
from .lcnn import LCNN
from .model import AASIST, ModelDimensions
from .rawnet2 import RAWNET2_CONFIG, RawNet2
from .registry import RegisteredModel
from .w2v2_aasist import ARCHITECTURE as W2V2_AASIST
from .w2v2_aasist import XLSR_300M_CONFIG, build_w2v2_aasist, from_authors_state_dict

log = logging.getLogger("aasist.weights")

WEIGHTS_DIR_ENV = "AASIST_WEIGHTS_DIR"
ALLOW_UNVERIFIED_ENV = "AASIST_ALLOW_UNVERIFIED"

DEFAULT_MODEL = registry.DEFAULT_MODEL
DEFAULT_REVISION = "main"
PACKAGED_DIR = Path(__file__).resolve().parents[1] / "pretrained"  # AASIST.pth, AASIST-L.pth (registry: packaged)
HUB_PROBE_TIMEOUT_S = 3.0
MMAP_MIN_BYTES = 200 * 1024 * 1024

# (downloaded bytes, total bytes or None): a Hub download's progress, for the page.
DownloadProgress = Callable[[int, Optional[int]], None]

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


# The built-in models by name (aasist.models.registry declares them).
BUILTIN_MODELS: dict[str, RegisteredModel] = {m.name: m for m in registry.MODELS}


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
    architecture: str  # a key of ARCHITECTURES: "AASIST", "RawNet2", "LCNN", "W2V2-AASIST", "AntiDeepfake"
    config: dict  # model_config-style hyper-parameters of that architecture
    state_dict: dict[str, torch.Tensor] = field(repr=False)
    source: str = ""  # where it came from, for messages: a path or "hf://owner/name@revision/filename"
    sha256_note: str = ""  # how the checksum was checked, for reports ("matches the published SHA-256", ...)
    served_by: str = ""  # which source served a built-in model, for logs ("the copy packaged with aasist; ...")
    commit: Optional[str] = None  # the Hub commit of a built-in model's file from the Hub or its cache; else None


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


def recorded_sha256(model: RegisteredModel) -> Optional[dict]:
    """What was recorded on the first download of a model without a published checksum: {"sha256", "commit",
    "recorded_at"}, or None."""
    return cache.recorded_sha256(model.repo_id, model.filename)


def _record_sha256(model: RegisteredModel, path: Path, commit: Optional[str]) -> tuple[str, str]:
    """(SHA-256, note for reports) of a downloaded file that has no published checksum: recorded the first time (per
    Hub commit), compared later. A file of an already recorded commit that differs is refused (changed or damaged)."""
    actual = file_sha256(path)
    entry = recorded_sha256(model)
    if entry is not None and entry.get("commit") == commit:
        if entry["sha256"] != actual:
            if not _allow_unverified():
                raise WeightsError(
                    f"{model.filename} of Hub repo {model.repo_id} (commit {commit}) has the SHA-256 {actual}, not "
                    f"the {entry['sha256']} recorded on its first download; delete it from the Hub cache to "
                    f"download it again, or set {ALLOW_UNVERIFIED_ENV}=1 to load it anyway."
                )
            return actual, "no published checksum; does NOT match the one recorded on first download"
        return actual, f"no published checksum; recorded on first download ({entry.get('recorded_at', '?')})"
    try:
        entry = cache.record_sha256(model.repo_id, model.filename, actual, commit)
    except OSError as error:  # a read-only cache: the checksum is still shown, just not kept
        log.warning("could not record the SHA-256 of %s in %s (%s)", model.name, cache.default_cache_dir(),
                    error.strerror or error)
        return actual, "no published checksum; not recorded (the cache folder is read-only)"
    log.info("%s: SHA-256 %s recorded on first download (no published checksum)", model.name, actual)
    return actual, f"no published checksum; recorded on first download ({entry['recorded_at']})"


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
        # The authors' files hold CUDA tensors: map_location makes them load on any machine. A large file (W2V2-AASIST,
        # 1.27 GB) is memory-mapped rather than read whole: the model's own copy is then the only one in memory.
        state_dict = None
        if path.stat().st_size > MMAP_MIN_BYTES:
            try:
                state_dict = torch.load(path, map_location=device, weights_only=True, mmap=True)
            except RuntimeError:  # a file in the legacy (non-zip) format cannot be mapped
                state_dict = None
        if state_dict is None:
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
        raise WeightsError(f"{path} is not a checkpoint of AASIST, AASIST-L, RawNet2, W2V2-AASIST or AntiDeepfake: "
                           f"{error}") from error
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
    check = {"AASIST": ModelDimensions.from_config, W2V2_AASIST: transformers_config,
             ANTIDEEPFAKE: transformers_config}.get(architecture)
    if check is not None:
        try:
            check(model_config)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise WeightsError(
                f"{config_path} has an invalid {architecture} model_config ({type(error).__name__}: {error})."
            ) from error
    return architecture, model_config


def _is_rawnet2(state_dict: dict) -> bool:
    return "fc2_gru.weight" in state_dict and "gru.weight_ih_l0" in state_dict


def _is_w2v2_aasist(state_dict: dict) -> bool:
    return "ssl_model.model.post_extract_proj.weight" in state_dict and "LL.weight" in state_dict


def _published_config(architecture: str, state_dict: dict) -> dict:
    """The published configuration of an architecture whose weights do not say it, in plain JSON types (as a
    config.json would give): recognised from the weights' names where it was published in several structures."""
    recognise = STRUCTURE_RECOGNISERS.get(architecture)
    config = recognise(state_dict) if recognise is not None else DEFAULT_CONFIGS[architecture]
    return json.loads(json.dumps(config))


def _checkpoint_from_file(name: str, path: Path, source: str, device) -> Checkpoint:
    """A single weights file with no config (.pth, .pt or .safetensors): an AASIST variant, recognised from its
    shapes, or a RawNet2, W2V2-AASIST or AntiDeepfake in its published configuration (recognised from its names)."""
    state_dict = _without_module_prefix(load_state_dict(path, device))
    note = "no published checksum (not a built-in model)"
    for architecture, recognised in (("RawNet2", _is_rawnet2), (W2V2_AASIST, _is_w2v2_aasist),
                                     (ANTIDEEPFAKE, is_antideepfake)):
        if recognised(state_dict):
            config = _published_config(architecture, state_dict)
            return Checkpoint(name, path, file_sha256(path), False, architecture, config, state_dict, source, note)
    config = _aasist_config(state_dict, path)
    return Checkpoint(name, path, file_sha256(path), False, "AASIST", config, state_dict, source, note)


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


def _hub_file(repo_id: str, filename: str, revision: str, fix: str = "", missing_ok: bool = False,
              progress: Optional[DownloadProgress] = None, local_only: bool = False) -> Optional[Path]:
    """Download (or find in the Hub cache) one file; every huggingface_hub failure becomes one WeightsError.

    ``fix`` is appended to the "cannot reach the Hub" advice; with ``missing_ok``, a file the repo lacks gives None.
    ``progress`` hears of the download's bytes; ``local_only`` looks in the cache only.
    """
    endpoint = hf_constants.ENDPOINT
    what = f"{filename} of Hub repo {repo_id} (revision {revision!r}, endpoint {endpoint})"
    try:
        tqdm_class = _reporting_tqdm(progress) if progress is not None else None
        return Path(hf_hub_download(repo_id, filename, revision=revision, tqdm_class=tqdm_class,
                                    local_files_only=local_only))
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


def _reporting_tqdm(progress: DownloadProgress):
    """A huggingface_hub progress bar class that also tells ``progress`` (the terminal bar stays as it is)."""
    from huggingface_hub.utils import tqdm as hub_tqdm

    class ReportingTqdm(hub_tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.reported = 0  # counted here: a disabled bar does not count

        def update(self, n=1):
            self.reported += n or 0
            progress(self.reported, self.total)
            return super().update(n)

    return ReportingTqdm


def hub_unreachable(endpoint: Optional[str] = None, timeout_s: float = HUB_PROBE_TIMEOUT_S) -> Optional[str]:
    """Why the Hub cannot be reached (e.g. "huggingface.co: name not resolved"), or None when a connection opens.

    One TCP connection, no retries: huggingface_hub itself retries a failing request five times with back-off
    (about 25 s), which is right for a flaky network and wrong for none. Behind a proxy nothing is probed (None).
    """
    if any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                                                "ALL_PROXY", "all_proxy")):
        return None
    url = urlparse(endpoint or hf_constants.ENDPOINT)
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return f"{host}: name not resolved"
    reason = f"{host}: no address"
    for family, kind, proto, _name, address in addresses[:2]:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(timeout_s)
                sock.connect(address)
            return None
        except ConnectionRefusedError:
            reason = f"{host}:{port}: connection refused"
        except socket.timeout:
            reason = f"{host}:{port}: no answer within {timeout_s:g} s"
        except OSError as error:
            reason = f"{host}:{port}: {error.strerror or error}"
    return reason


@dataclass(frozen=True)
class _Found:
    path: Path
    source: str  # for messages and reports
    served_by: str  # for the log line: which source served the model
    commit: Optional[str] = None  # the Hub commit of a file from the Hub or its cache
    offline: bool = False  # the Hub was not asked (unreachable or HF_HUB_OFFLINE)


def _hub_commit(path: Path) -> Optional[str]:
    """The commit of a file in the Hub cache (``.../snapshots/<commit>/<file>``)."""
    return path.parent.name if path.parent.parent.name == "snapshots" else None


def _find_builtin(model: RegisteredModel, revision: str, progress: Optional[DownloadProgress]) -> _Found:
    """The weights file of a built-in model: AASIST_WEIGHTS_DIR, the Hub (or its cache), the packaged copy."""
    weights_dir = os.environ.get(WEIGHTS_DIR_ENV, "").strip()
    if weights_dir:
        for path in (Path(weights_dir).expanduser() / model.weights_file, Path(weights_dir).expanduser() / model.name):
            if path.is_file() or (path / CONFIG_NAME).is_file():  # <name>.pth, or a checkpoint folder <name>/
                return _Found(path, str(path), f"{WEIGHTS_DIR_ENV} ({path})")
        log.info("%s: %s holds no %s; looking on the Hub", model.name, WEIGHTS_DIR_ENV, model.weights_file)

    hub = f"{model.repo_id}@{revision}"
    source = f"hf://{hub}/{model.filename}"
    if hf_constants.is_offline_mode():
        why_offline = "HF_HUB_OFFLINE is set"
    else:
        unreachable = hub_unreachable()
        why_offline = f"the Hub could not be reached ({unreachable})" if unreachable else None
    if why_offline is None:
        fix = f", or put {model.weights_file} in a folder named by {WEIGHTS_DIR_ENV}"
        path = _hub_file(model.repo_id, model.filename, revision, fix=fix, progress=progress)
        return _Found(path, source, f"the Hugging Face Hub ({hub}, cache {hf_constants.HF_HUB_CACHE})",
                      _hub_commit(path))

    try:
        cached = _hub_file(model.repo_id, model.filename, revision, local_only=True)
    except WeightsError:
        cached = None
    if cached is not None:
        return _Found(cached, source, f"the Hub cache ({hub}); {why_offline}", _hub_commit(cached), offline=True)
    if model.packaged:
        path = PACKAGED_DIR / model.filename
        return _Found(path, str(path), f"the copy packaged with aasist; {why_offline}", offline=True)
    raise WeightsError(
        f"{model.name} is downloaded from the Hub on first use ({model.filename} of {model.repo_id}, "
        f"{model.size_mb:g} MB) and it is not in the cache {hf_constants.HF_HUB_CACHE}, but {why_offline}; connect "
        f"once to download it, or put it in a folder named by {WEIGHTS_DIR_ENV} as {model.weights_file}."
    )


def _without_module_prefix(state_dict: dict) -> dict:
    """Weights saved from an ``nn.DataParallel`` wrapper carry a ``module.`` prefix on every name."""
    if state_dict and all(k.startswith("module.") for k in state_dict):
        return {k[len("module."):]: v for k, v in state_dict.items()}
    return state_dict


def _builtin_checkpoint(name: str, revision: str, device, progress: Optional[DownloadProgress] = None) -> Checkpoint:
    model = BUILTIN_MODELS[name]
    found = _find_builtin(model, revision, progress)
    if found.path.is_dir():  # a checkpoint folder in AASIST_WEIGHTS_DIR (a reduced test model, say)
        checkpoint = _checkpoint_from_folder(name, found.path, device)
        if checkpoint.architecture != model.architecture:
            raise WeightsError(f"{found.path} holds a {checkpoint.architecture} checkpoint, not {model.architecture}.")
        checkpoint.sha256_note, checkpoint.served_by = "no published checksum (local folder)", found.served_by
        log.info("%s: weights from %s", name, found.served_by, extra={"weights_source": True})
        return checkpoint
    # Check the bytes before unpickling them, wherever they came from (Hub, cache, local folder or package).
    if model.sha256 is not None:
        sha256, verified = _verify_builtin(name, found.path, found.source)
        note = "matches the published SHA-256" if verified else "does NOT match the published SHA-256"
    elif found.commit is not None:
        (sha256, note), verified = _record_sha256(model, found.path, found.commit), False
    else:
        sha256, verified, note = file_sha256(found.path), False, "no published checksum (local file)"
    state_dict = _without_module_prefix(load_state_dict(found.path, device))
    if model.architecture == "AASIST":
        config = _aasist_config(state_dict, found.path)
    else:
        config = _published_config(model.architecture, state_dict)
    # One line per model load: which source served it (a warning when the Hub was wanted but not reachable).
    # (``extra``: an application that says it in its own words, as app.py does, can filter this record out.)
    level = logging.WARNING if found.offline and not hf_constants.is_offline_mode() else logging.INFO
    log.log(level, "%s: weights from %s", name, found.served_by, extra={"weights_source": True})
    return Checkpoint(name, found.path, sha256, verified, model.architecture, config, state_dict, found.source, note,
                      found.served_by, found.commit)


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
    progress: Optional[DownloadProgress] = None,
) -> Checkpoint:
    """Resolve a model spec and load its weights, without building the network.

    ``model`` is, in this order:
      1. a built-in model name (``builtin_model_names()``), checked against its published SHA-256;
      2. an existing local path: a ``.pth``/``.pt``/``.safetensors`` state dict of AASIST or AASIST-L (the variant is
         recognised from its shapes), or a checkpoint folder (``config.json`` + ``model.safetensors``);
      3. a Hub repo id ``owner/name``: its checkpoint folder, or the weights file named by ``filename``.
    ``revision`` (a branch, tag or commit hash) applies to Hub downloads; ``progress(done_bytes, total_bytes)``
    hears of a built-in model's download.
    """
    spec = os.fspath(model)
    if spec in BUILTIN_MODELS:
        if filename is not None and filename != BUILTIN_MODELS[spec].filename:
            raise WeightsError(
                f"A filename cannot be chosen for the built-in model {spec}; give a Hub repo id instead."
            )
        return _builtin_checkpoint(spec, revision, device, progress)

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
    "RawNet2": RawNet2,  # aasist/models/rawnet2.py
    "LCNN": LCNN,  # aasist/models/lcnn.py
    W2V2_AASIST: build_w2v2_aasist,  # aasist/models/w2v2_aasist.py (transformers' wav2vec 2.0, the authors' key names)
    ANTIDEEPFAKE: build_antideepfake,  # aasist/models/antideepfake.py (the same, mean pooling and one linear layer)
}

# The published configuration of an architecture whose weights do not say it (AASIST variants are recognised from
# their shapes instead).
DEFAULT_CONFIGS: dict = {"RawNet2": RAWNET2_CONFIG, W2V2_AASIST: XLSR_300M_CONFIG, ANTIDEEPFAKE: W2V_SMALL_CONFIG}

# Architectures published in several structures: state dict -> the published configuration its names say, in place
# of DEFAULT_CONFIGS' (AntiDeepfake: w2v_small, or w2v_large / mms_300m; antideepfake.STRUCTURES).
STRUCTURE_RECOGNISERS: dict = {ANTIDEEPFAKE: published_config}

# Architectures whose checkpoints use other names than this library's modules: renamed before a strict load.
STATE_DICT_ADAPTERS: dict = {W2V2_AASIST: from_authors_state_dict, ANTIDEEPFAKE: antideepfake_state_dict}


def _load_problem(error: Exception) -> str:
    """The gist of load_state_dict's many-line error: the first missing and unexpected names, or the first line."""
    text = str(error)
    missing = re.search(r"Missing key\(s\) in state_dict: ([^\n]*)", text)
    unexpected = re.search(r"Unexpected key\(s\) in state_dict: ([^\n]*)", text)
    mismatch = re.search(r"size mismatch for ([^\n]*)", text)
    parts = []
    for label, match in (("missing", missing), ("unexpected", unexpected), ("size mismatch for", mismatch)):
        if match:
            names = match.group(1).rstrip(". ")
            parts.append(f"{label} {names[:160]}{'...' if len(names) > 160 else ''}")
    return "; ".join(parts) if parts else one_sentence(error).rstrip(".")


def build_model(checkpoint: Checkpoint, device: Union[str, torch.device, None] = None) -> nn.Module:
    """The network of a checkpoint, with its weights loaded strictly, in eval mode."""
    build = ARCHITECTURES.get(checkpoint.architecture)
    if build is None:
        raise WeightsError(
            f"{checkpoint.name} is a {checkpoint.architecture} checkpoint, which this version cannot run yet "
            f"(supported: {', '.join(ARCHITECTURES)})."
        )
    adapt = STATE_DICT_ADAPTERS.get(checkpoint.architecture, lambda state_dict: state_dict)
    try:
        net = build(checkpoint.config)
        net.load_state_dict(adapt(checkpoint.state_dict), strict=True)
    except (RuntimeError, KeyError, TypeError, ValueError) as error:
        where = f" ({checkpoint.source})" if checkpoint.source and checkpoint.source != checkpoint.name else ""
        raise WeightsError(
            f"The weights of {checkpoint.name}{where} do not fit its {checkpoint.architecture} config "
            f"({_load_problem(error)})."
        ) from error
    if device is not None:
        net = net.to(device)
    return net.eval()


def load_model(
    model: Union[str, os.PathLike] = DEFAULT_MODEL,
    revision: str = DEFAULT_REVISION,
    filename: Optional[str] = None,
    device: Union[str, torch.device] = "cpu",
    progress: Optional[DownloadProgress] = None,
) -> tuple[nn.Module, Checkpoint]:
    """``load_checkpoint`` then ``build_model``: (network in eval mode on ``device``, checkpoint)."""
    checkpoint = load_checkpoint(model, revision=revision, filename=filename, device=device, progress=progress)
    return build_model(checkpoint, device), checkpoint


__all__ = ["ALLOW_UNVERIFIED_ENV", "ARCHITECTURES", "BUILTIN_MODELS", "Checkpoint", "DownloadProgress", "PACKAGED_DIR",
           "UnverifiedWeightsWarning", "WEIGHTS_DIR_ENV", "WeightsError", "build_model", "builtin_model_names",
           "file_sha256", "hub_unreachable", "load_checkpoint", "load_model", "load_state_dict", "recorded_sha256"]
