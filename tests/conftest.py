"""Shared test fixtures: where the reference material and the authors' checkpoints lie."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AASIST_SHARED_DIR", REPO_ROOT.parent / "shared"))
WEIGHTS_DIR = SHARED / "weights"
REFERENCE_DIR = SHARED / "reference"


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    if not (WEIGHTS_DIR / "AASIST.pth").exists():
        pytest.fail(f"the authors' checkpoints are expected in {WEIGHTS_DIR}")
    return WEIGHTS_DIR


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def onnx_cache_dir(request) -> str:
    """Where the exported ONNX graphs go: $AASIST_CACHE_DIR, else pytest's cache folder (reused between runs, never
    the home folder)."""
    return os.environ.get("AASIST_CACHE_DIR") or str(request.config.cache.mkdir("aasist-cache"))
