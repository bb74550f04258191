"""ONNX Runtime backend: a model's graph (AASIST or RawNet2) exported once, checked against torch, cached, and run
on the CPU.

    from aasist.inference.onnx_backend import OnnxBackend
    backend = OnnxBackend.from_model(model, weights_sha256=checkpoint.sha256)   # exports on first use, then cached
    logits, captured = backend.run(windows, with_attention=True)                # windows: (batch, 64600) float32

Why and how (measured on 2 CPU cores, see README "Speed"):
- The exporter is the TorchScript one (``torch.onnx.export(..., dynamo=False)``): it needs the ``onnx`` package
  (pinned in requirements.txt) but not ``onnxscript``, which torch 2.11's default dynamo exporter requires; it exports
  these models exactly (logits within ~1e-6). Running a cached graph needs only onnxruntime.
- AASIST's graph pools keep floor(N * ratio) nodes with N fixed when tracing, so a graph is only valid for the window
  length it was traced with: every graph is traced at ``WINDOW_SAMPLES`` (the detector always feeds that), with a
  dynamic batch axis, and other lengths are refused.
- The graph's outputs are the logits and every tensor the model's ``forward(x, capture)`` fills, in the order of
  ``capture_keys(model)`` (AASIST: ``model.attention_keys()``; RawNet2: ``rawnet2.capture_keys()``; ONNX names with
  ``:`` replaced by ``__``), so the app's figures come from the same single pass. They are intermediate values the
  logits need anyway: asking for them costs nothing measurable, and a run without them asks ORT for the logits only.
- Every new graph is run against the torch model (logits and captured tensors within ``PARITY_ATOL``, kept indices
  exactly, batch 1 and 2) before it is cached; a graph that fails is never written.
- The cache (``$AASIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/aasist``, else ``~/.cache/aasist``; graphs in ``onnx/``)
  is keyed by the architecture, the weights' SHA-256, the model's hyper-parameters and the versions of aasist, torch,
  onnx and onnxruntime, and written atomically (temporary file, then rename). When it is not writable, a folder in the
  system temp dir is used, and failing that the graph stays in memory: a read-only disk never stops inference.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import re
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from torch import nn

from ..models.cache import CACHE_DIR_ENV, default_cache_dir, one_at_a_time, write_atomically
from ..models.model import AASIST, SAMPLE_RATE, WINDOW_SAMPLES, attention_keys
from ..models.rawnet2 import RawNet2
from ..models.rawnet2 import capture_keys as rawnet2_capture_keys
from ..text import one_sentence

OPSET = 17  # well supported by onnxruntime 1.32 and by the TorchScript exporter
INPUT_NAME = "waveform"
LOGITS_NAME = "logits"
PARITY_ATOL = 1e-4  # absolute, as the parity tests against the authors' implementation
NUM_THREADS_ENV = "AASIST_NUM_THREADS"

Graph = Union[Path, bytes]  # a graph file, or the serialized graph when no folder could hold it


class OnnxExportError(RuntimeError):
    """The model could not be exported, or the exported graph does not reproduce torch; nothing was cached."""


class OnnxUnavailableError(RuntimeError):
    """onnxruntime is not installed."""


# ---------------------------------------------------------------------------------------------------------------
# Names


def output_name(key: str) -> str:
    """ONNX output name of a capture key: ``pool_S:kept`` -> ``pool_S__kept``."""
    return key.replace(":", "__")


def capture_key(name: str) -> str:
    """The capture key of an ONNX output name (``output_name`` undone): ``pool_S__kept`` -> ``pool_S:kept``."""
    return name.replace("__", ":")


OUTPUT_KEYS = {output_name(k): k for k in attention_keys()}  # AASIST's graph: ONNX output name -> attention key
OUTPUT_NAMES = (LOGITS_NAME,) + tuple(OUTPUT_KEYS)

EXPORTABLE = (AASIST, RawNet2)  # the architectures whose forward(x, capture) this backend exports


def exportable(model: nn.Module) -> bool:
    """Whether this backend can export ``model`` (an AASIST or a RawNet2; not W2V2-AASIST, an AASIST subclass whose
    300M-parameter front end runs on torch)."""
    return type(model) in EXPORTABLE


def _not_exportable(model: nn.Module) -> str:
    return f"the ONNX backend runs AASIST and RawNet2 models only, not {type(model).__name__}; use backend='torch'."


def capture_keys(model: nn.Module) -> tuple:
    """Keys of the captured tensors that ``model``'s graph outputs after the logits, in output order."""
    if isinstance(model, AASIST):
        return attention_keys()
    if isinstance(model, RawNet2):
        return rawnet2_capture_keys()
    raise ValueError(_not_exportable(model))


def output_names(model: nn.Module) -> tuple:
    """ONNX output names of ``model``'s graph: the logits, then ``capture_keys(model)``."""
    return (LOGITS_NAME,) + tuple(output_name(k) for k in capture_keys(model))


# ---------------------------------------------------------------------------------------------------------------
# CPUs


def _cgroup_cpu_limit() -> Optional[float]:
    """CPUs allowed by the container's CFS quota (cgroup v2 or v1), or None when unlimited or unknown.

    Containers (a Hugging Face Space included) often see every core of the host in ``sched_getaffinity`` while their
    quota allows two: a thread per visible core would then oversubscribe the two they get.
    """
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            return int(quota) / int(period)
        return None
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def available_cpus() -> int:
    """Cores this process may use: ``$AASIST_NUM_THREADS`` if set, else its CPU affinity capped by the cgroup quota."""
    override = os.environ.get(NUM_THREADS_ENV, "").strip()
    if override:
        try:
            return max(1, int(override))
        except ValueError:
            warnings.warn(f"{NUM_THREADS_ENV}={override!r} is not a whole number; ignoring it.", stacklevel=2)
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        n = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    if limit is not None:
        n = min(n, max(1, math.ceil(limit)))
    return max(1, n)


# ---------------------------------------------------------------------------------------------------------------
# Export and verification


class _WithCapture(nn.Module):
    """The model with its captured tensors as extra outputs, in ``capture_keys(model)`` order."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.keys = capture_keys(model)

    def forward(self, x):
        capture: dict = {}
        logits = self.model(x, capture)
        return (logits,) + tuple(capture[k] for k in self.keys)


exports_done = 0  # graphs exported by this process (the tests check that a cached graph is not exported again)

# The export traces the model, and the tracer warns (TracerWarning) where the pools turn a node count into a Python
# int: that is why a graph is only valid at the window length it was traced with, which the backend enforces, and
# every graph is checked against torch before it is cached. Expected, so not shown: the tracer's own switch turns
# these warnings off while an export runs (RawNet2's GRU checks its input's shapes the same way). Not
# warnings.catch_warnings, which is not thread-safe: the app exports in a background thread while the web server
# starts, and a catch_warnings in another thread (Gradio has some) could restore the filters under it, showing the
# warnings, or silencing every warning of the process for good. The exporter's two DeprecationWarnings about the
# legacy TorchScript path (chosen on purpose, see above) get a filter of their own, matching their messages only; so
# does the notice it gives for every GRU (RawNet2's) that a batch size other than the traced one may fail: the GRU's
# initial state is made from the input's batch size, and every graph is checked at batches 2 and 1.
_tracer_switch_lock = threading.Lock()
_exports_running = 0
_tracer_warned_before = True


_EXPECTED_EXPORTER_NOTICES = (
    ("You are using the legacy TorchScript-based ONNX export", DeprecationWarning),
    ("The feature will be removed. Please remove usage of this function", DeprecationWarning),
    ("Exporting a model to ONNX with a batch_size other than 1, with a variable length with GRU", UserWarning),
)


@contextmanager
def _tracer_warnings_off():
    global _exports_running, _tracer_warned_before
    for notice, category in _EXPECTED_EXPORTER_NOTICES:  # idempotent: the same filter is moved to the front
        warnings.filterwarnings("ignore", message=re.escape(notice), category=category)
    get_warn = getattr(torch._C, "_jit_get_tracer_state_warn", None)  # private API: tolerate its absence
    set_warn = getattr(torch._C, "_jit_set_tracer_state_warn", None)
    switch = get_warn is not None and set_warn is not None
    with _tracer_switch_lock:  # exports may overlap in threads: the last one out restores the switch
        if switch and not _exports_running:
            _tracer_warned_before = get_warn()
            set_warn(False)
        _exports_running += 1
    try:
        yield
    finally:
        with _tracer_switch_lock:
            _exports_running -= 1
            if switch and not _exports_running:
                set_warn(_tracer_warned_before)


def _export_bytes(model: nn.Module) -> bytes:
    global exports_done
    if not exportable(model):
        raise OnnxExportError(
            f"only AASIST and RawNet2 models can be exported to ONNX, not {type(model).__name__}; run it with the "
            "torch backend."
        )
    wrapper = _WithCapture(model).eval()  # eval() matters: the exporter traces the mode the module is in
    example = torch.zeros(2, WINDOW_SAMPLES)  # batch 2, so that nothing is specialised to a batch of one
    buffer = io.BytesIO()
    names = output_names(model)
    dynamic = {name: {0: "batch"} for name in (INPUT_NAME,) + names}
    was_training = model.training
    model.eval()
    try:
        with _tracer_warnings_off(), torch.no_grad():
            torch.onnx.export(
                wrapper,
                (example,),
                buffer,
                dynamo=False,
                opset_version=OPSET,
                input_names=[INPUT_NAME],
                output_names=list(names),
                dynamic_axes=dynamic,
                do_constant_folding=True,
            )
    except Exception as error:
        raise OnnxExportError(f"exporting the model to ONNX failed ({type(error).__name__}: {error}).") from error
    finally:
        model.train(was_training)
    exports_done += 1
    return buffer.getvalue()


def verification_windows() -> np.ndarray:
    """Two fixed 64600-sample test windows: seeded noise, and a speech-like signal (harmonics, syllable AM)."""
    rng = np.random.default_rng(20220522)
    noise = 0.1 * rng.standard_normal(WINDOW_SAMPLES)
    t = np.arange(WINDOW_SAMPLES) / SAMPLE_RATE
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 20))
    syllables = np.clip(np.sin(2 * np.pi * 3.1 * t), 0, None) ** 2
    speech = 0.3 * voiced * syllables + 0.01 * rng.standard_normal(WINDOW_SAMPLES)
    return np.stack([noise, speech]).astype(np.float32)


def _torch_outputs(model: nn.Module, windows: np.ndarray) -> dict:
    capture: dict = {}
    with torch.inference_mode():
        logits = model(torch.from_numpy(windows), capture)
    out = {LOGITS_NAME: logits.numpy()}
    out.update({k: capture[k].numpy() for k in capture_keys(model)})
    return out


def compare_outputs(expected: dict, got: dict, atol: float = PARITY_ATOL) -> list:
    """Problems (one string each) between two {key: array} dicts: float arrays within atol, integer arrays exactly."""
    problems = []
    for key, want in expected.items():
        have = got.get(key)
        if have is None:
            problems.append(f"{key}: missing")
        elif have.shape != want.shape:
            problems.append(f"{key}: shape {have.shape} instead of {want.shape}")
        elif want.dtype.kind in "iu":
            if not np.array_equal(have, want):
                problems.append(f"{key}: {int(np.sum(have != want))} indices differ")
        else:
            diff = float(np.max(np.abs(have.astype(np.float64) - want))) if want.size else 0.0
            if not diff <= atol:  # also catches NaN
                problems.append(f"{key}: max abs difference {diff:.2e} > {atol:g}")
    return problems


def verify_graph(model: nn.Module, session, atol: float = PARITY_ATOL) -> None:
    """Run the graph and the torch model on the verification windows (batch 2, then batch 1); raise if they differ."""
    windows = verification_windows()
    for batch in (windows, windows[1:]):
        expected = _torch_outputs(model, batch)
        got = _run_session(session, batch, with_attention=True)
        problems = compare_outputs(expected, got, atol)
        if problems:
            raise OnnxExportError(
                f"the exported ONNX graph does not reproduce the torch model at batch {len(batch)} "
                f"({'; '.join(problems[:3])}{'; ...' if len(problems) > 3 else ''}), so it was not cached."
            )


def export_verified(model: nn.Module, num_threads: Optional[int] = None) -> bytes:
    """The serialized graph of ``model``, checked against torch (raises ``OnnxExportError`` when it differs)."""
    data = _export_bytes(model)
    verify_graph(model, make_session(data, num_threads))
    return data


def export_onnx(model: nn.Module, path: Union[str, os.PathLike], verify: bool = True) -> Path:
    """Export ``model`` (AASIST or RawNet2) at the fixed 64600-sample window (dynamic batch) to ``path``, atomically.

    Outputs: ``logits`` and every tensor of ``capture_keys(model)`` (``:`` written ``__``). With ``verify`` (the
    default) the graph is first checked against torch and nothing is written when it differs.
    """
    data = export_verified(model) if verify else _export_bytes(model)
    path = Path(path)
    write_atomically(data, path)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Cache


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def state_dict_sha256(model: nn.Module) -> str:
    """SHA-256 over a model's state dict (names, dtypes, shapes and bytes), for weights that have no file."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return digest.hexdigest()


def _architecture_key(model: nn.Module) -> tuple:
    """(file name prefix, text of the hyper-parameters) of an exportable model."""
    if isinstance(model, AASIST):
        return "aasist", repr(model.dims)
    if isinstance(model, RawNet2):
        return "rawnet2", json.dumps(model.config, sort_keys=True, default=str)
    raise ValueError(_not_exportable(model))


def graph_file_name(model: nn.Module, weights_sha256: Optional[str] = None) -> str:
    """Cache file name: architecture, weights checksum, hyper-parameters and every version the graph depends on."""
    from .._version import __version__

    prefix, hyper_parameters = _architecture_key(model)
    sha = (weights_sha256 or state_dict_sha256(model)).lower()
    dims = hashlib.sha256(hyper_parameters.encode()).hexdigest()[:8]
    versions = (
        f"aasist{__version__}-torch{torch.__version__}-onnx{_version('onnx')}-ort{_version('onnxruntime')}-opset{OPSET}"
    )
    name = f"{prefix}-{sha[:16]}-{dims}-{versions}.onnx"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def cached_graph_path(model: nn.Module, weights_sha256: Optional[str] = None,
                      cache_dir: Union[str, os.PathLike, None] = None) -> Path:
    """Where the graph of ``model`` is cached (whether or not it is there yet)."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / "onnx" / graph_file_name(model, weights_sha256)


def _fallback_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"aasist-{uid}" / "onnx"


def ensure_graph(model: nn.Module, weights_sha256: Optional[str] = None,
                 cache_dir: Union[str, os.PathLike, None] = None, num_threads: Optional[int] = None) -> tuple:
    """The cached graph of ``model``, exporting and verifying it first when it is not cached.

    Returns ``(graph, session)``: ``graph`` is the file (or, when no folder was writable, the bytes), ``session`` an
    ``InferenceSession`` already open on it. Never fails because of the cache: an unwritable folder is replaced by one
    in the temp dir, then by memory, with a warning; an unreadable cached file is exported again.
    """
    name = cached_graph_path(model, weights_sha256, cache_dir).name
    primary = cached_graph_path(model, weights_sha256, cache_dir).parent
    # Processes sharing the cache (a Space's app and a batch job, parallel jobs) export a graph once: the others wait
    # here, then load the file the first one wrote.
    with one_at_a_time(primary / f".{name}.lock"):
        return _cached_or_exported(model, weights_sha256, primary, name, num_threads)


def _cached_or_exported(model: nn.Module, weights_sha256: Optional[str], primary: Path, name: str,
                        num_threads: Optional[int]) -> tuple:
    """``ensure_graph``'s work, under its lock (warnings name ``ensure_graph``'s caller: ``stacklevel=3``)."""
    candidates = [primary] + ([_fallback_dir()] if _fallback_dir() != primary else [])
    for folder in candidates:  # a graph already cached in either place
        path = folder / name
        if path.is_file():
            try:
                return path, make_session(path, num_threads)
            except Exception as error:  # e.g. a file truncated by hand; atomic writes never leave one
                warnings.warn(f"the cached ONNX graph {path} could not be loaded ({error}); exporting it again.",
                              stacklevel=3)

    data = export_verified(model, num_threads)
    failures = []
    for folder in candidates:
        path = folder / name
        try:
            write_atomically(data, path)
        except OSError as error:
            failures.append(f"{folder} ({error.strerror or error})")
            continue
        if failures:
            warnings.warn(f"the ONNX cache folder is not writable: {failures[0]}; cached the graph in {folder}.",
                          stacklevel=3)
        return path, make_session(path, num_threads)
    warnings.warn(
        f"no folder could hold the ONNX graph ({'; '.join(failures)}): keeping it in memory, so it is exported again "
        f"in every new process; set {CACHE_DIR_ENV} to a writable folder.",
        stacklevel=3,
    )
    return data, make_session(data, num_threads)


# ---------------------------------------------------------------------------------------------------------------
# Running


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError as error:
        raise OnnxUnavailableError(
            "the ONNX backend needs onnxruntime (pip install onnxruntime); or choose backend='torch'."
        ) from error
    return onnxruntime


def make_session(graph: Graph, num_threads: Optional[int] = None):
    """An onnxruntime CPU session: all graph optimizations, sequential, one intra-op thread per available core."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = num_threads or available_cpus()
    options.inter_op_num_threads = 1
    # Idle worker threads would otherwise spin for a while after each run, taking a core from the figures and the
    # web server on a 2-core machine; measured: no cost to the model's latency.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The memory pattern pre-plans one block for every activation of the graph: 320 MB more at batch 1 instead of
    # 180 MB without it, for no measurable speed-up (0.076 s per window either way on 2 cores).
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    source = graph if isinstance(graph, bytes) else str(graph)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def _run_session(session, windows: np.ndarray, with_attention: bool) -> dict:
    """{"logits": ..., capture key: ...} of one run: every output of the graph with ``with_attention``, else logits."""
    names = [o.name for o in session.get_outputs()] if with_attention else [LOGITS_NAME]
    values = session.run(names, {INPUT_NAME: windows})
    return {capture_key(n): v for n, v in zip(names, values)}


class OnnxBackend:
    """A model's graph (AASIST or RawNet2) on onnxruntime (CPU), with its captured tensors from the same pass.

    ``max_batch`` bounds the windows per ORT call: batching does not make a window faster on the CPU (measured), but
    every extra window in a call adds ~0.5 GB of activations (AASIST) to the peak memory.
    """

    name = "onnx"
    supports_attention = True

    def __init__(self, graph: Graph, num_threads: Optional[int] = None, session=None, max_batch: int = 1):
        self.graph = graph if isinstance(graph, bytes) else Path(graph)
        self.num_threads = num_threads or available_cpus()
        self.session = session if session is not None else make_session(self.graph, self.num_threads)
        self.max_batch = max(1, int(max_batch))
        shape = self.session.get_inputs()[0].shape
        self.window_samples = shape[-1] if isinstance(shape[-1], int) else WINDOW_SAMPLES
        self.capture_keys = tuple(capture_key(o.name) for o in self.session.get_outputs() if o.name != LOGITS_NAME)
        self._lock = threading.Lock()  # one run at a time: two concurrent runs would just share the same cores

    @classmethod
    def from_model(cls, model: nn.Module, weights_sha256: Optional[str] = None,
                   cache_dir: Union[str, os.PathLike, None] = None, num_threads: Optional[int] = None,
                   max_batch: int = 1) -> "OnnxBackend":
        """The backend for ``model`` (AASIST or RawNet2): its cached graph, exported and checked against torch on
        first use."""
        if not exportable(model):
            raise ValueError(_not_exportable(model))
        graph, session = ensure_graph(model, weights_sha256, cache_dir, num_threads)
        return cls(graph, num_threads, session=session, max_batch=max_batch)

    @property
    def where(self) -> str:
        return "memory" if isinstance(self.graph, bytes) else str(self.graph)

    def run(self, windows: np.ndarray, with_attention: bool = False) -> tuple:
        """(logits (B, 2) float32, {capture key: array} or None) for windows (B, 64600) float32."""
        windows = np.asarray(windows, dtype=np.float32)
        if windows.ndim == 1:
            windows = windows[None, :]
        if windows.ndim != 2 or windows.shape[-1] != self.window_samples:
            got = windows.shape[-1] if windows.ndim == 2 else f"an array of shape {windows.shape}"
            raise ValueError(
                f"The ONNX graph takes windows of exactly {self.window_samples} samples "
                f"({self.window_samples / SAMPLE_RATE:.4g} s at 16 kHz), not {got}; cut the recording with "
                "aasist.audio.windows.WindowGeometry, or use the torch backend."
            )
        windows = np.ascontiguousarray(windows)
        parts = []
        with self._lock:
            for begin in range(0, len(windows), self.max_batch):
                parts.append(_run_session(self.session, windows[begin : begin + self.max_batch], with_attention))
        logits = np.concatenate([p[LOGITS_NAME] for p in parts])
        if not with_attention:
            return logits, None
        captured = {k: np.concatenate([p[k] for p in parts]) for k in self.capture_keys}
        return logits, captured


# ---------------------------------------------------------------------------------------------------------------
# Command line: python -m aasist export-onnx


def add_export_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "export-onnx",
        help="export a model to ONNX (done automatically on first use; this pre-fills the cache)",
        description="Export an AASIST or RawNet2 model to an ONNX graph at the fixed 64600-sample window, check it "
                    "against PyTorch, and write it to the cache (or to --output).",
    )
    p.add_argument("--model", default="AASIST",
                   help="built-in name (AASIST, AASIST-L, RawNet2), a local .pth or checkpoint folder, or a Hub "
                        "repo id (AASIST and RawNet2 architectures)")
    p.add_argument("--revision", default="main", help="Hub revision (branch, tag or commit); default main")
    p.add_argument("--filename", default=None, help="file inside a Hub repo, when it is not the default")
    p.add_argument("--output", metavar="PATH", default=None,
                   help=f"where to write the graph (default: the cache, ${CACHE_DIR_ENV} or ~/.cache/aasist)")
    p.set_defaults(handler=run_export)


def _copy_of_cached(cached: Path, output: Union[str, os.PathLike]) -> Optional[Path]:
    """``output`` written with the cached graph of the same weights (checked against torch when it was exported), or
    None when there is none that loads: then the caller exports."""
    if not cached.is_file():
        return None
    try:
        make_session(cached)
    except Exception:  # unreadable (truncated by hand, say): export instead
        return None
    write_atomically(cached.read_bytes(), Path(output))
    return Path(output)


def run_export(args: argparse.Namespace) -> int:
    try:
        from ..models.weights import build_model, load_checkpoint

        checkpoint = load_checkpoint(args.model, revision=args.revision, filename=args.filename)
        net = build_model(checkpoint)
        if not exportable(net):
            raise ValueError(f"{args.model} is a {checkpoint.architecture} model: only AASIST and RawNet2 models "
                             "export to ONNX.")
        target = cached_graph_path(net, checkpoint.sha256)
        if args.output:
            try:
                path = _copy_of_cached(target, args.output) or export_onnx(net, args.output)
            except OSError as error:
                raise OSError(f"could not write {args.output} ({error.strerror or error}).") from error
            print(f"wrote {path}")
            return 0
        already = target.is_file()
        graph, _session = ensure_graph(net, checkpoint.sha256)
    except Exception as error:
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2
    if isinstance(graph, bytes):
        print("error: no folder was writable, so the graph could not be saved; pass --output PATH.", file=sys.stderr)
        return 1
    print(f"{'already cached' if already and graph == target else 'wrote'} {graph}")
    return 0
