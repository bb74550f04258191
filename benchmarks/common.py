"""What the benchmarks share: where the weights come from, and a one-line description of the machine.

    from common import machine_description, use_local_weights   # the benchmarks run as scripts from this folder
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_DIR_ENV = "AASIST_WEIGHTS_DIR"
CHECKPOINT_FILES = ("AASIST.pth", "AASIST-L.pth")

# Folders tried in this order when neither --weights-dir nor AASIST_WEIGHTS_DIR names one.
LOCAL_WEIGHTS_DIRS = (
    REPO_ROOT.parent / "shared" / "weights",  # a shared folder beside the checkout, when there is one
    REPO_ROOT / "aasist" / "pretrained",  # the copies packaged with the library (aasist/pretrained/README.md)
)


def _holds_checkpoints(folder: Path) -> bool:
    return all((folder / name).is_file() for name in CHECKPOINT_FILES)


def local_weights_dir() -> Optional[Path]:
    """``$AASIST_WEIGHTS_DIR``, else ``../shared/weights`` beside the repository, else ``aasist/pretrained``: the
    first that holds both checkpoints (``$AASIST_WEIGHTS_DIR`` whenever it is set); None if none does."""
    if os.environ.get(WEIGHTS_DIR_ENV):
        return Path(os.environ[WEIGHTS_DIR_ENV])
    return next((folder for folder in LOCAL_WEIGHTS_DIRS if _holds_checkpoints(folder)), None)


def use_local_weights(weights_dir: Optional[Path] = None) -> str:
    """Set ``AASIST_WEIGHTS_DIR`` for this process and its children; return where the weights will come from.

    Order: ``weights_dir`` (a --weights-dir option), else ``local_weights_dir()``, else the Hub (the variable stays
    unset).
    """
    folder = weights_dir if weights_dir is not None else local_weights_dir()
    if folder is None:
        return "the Hugging Face Hub (or its local cache)"
    os.environ[WEIGHTS_DIR_ENV] = str(folder)
    return str(folder)


def machine_description() -> str:
    """'AMD EPYC, 2 cores available (AVX-512), Linux 6.1': the numbers depend on all three."""
    from aasist.inference.onnx_backend import available_cpus

    cpu = platform.processor() or "?"
    cpuinfo = Path("/proc/cpuinfo")
    flags = ""
    try:
        flags = cpuinfo.read_text()
        for line in flags.splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    simd = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "no AVX2")
    return f"{cpu}, {available_cpus()} cores available ({simd}), {platform.system()} {platform.release()}"


def median_time(fn, repeats: int) -> float:
    """Median seconds of ``repeats`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
