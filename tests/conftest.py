"""Shared test fixtures: where the reference material and the authors' checkpoints lie.

Both are in the repository, under ``tests/data/`` (``weights/``: the authors' two MIT-licensed checkpoints, with
their licence and provenance; ``reference/``: the authors' outputs for them, a perturbed test checkpoint and the
t-DCF test vectors, each folder with a README). ``AASIST_TEST_DATA_DIR`` points the tests at another copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA_DIR = Path(os.environ.get("AASIST_TEST_DATA_DIR", REPO_ROOT / "tests" / "data"))
WEIGHTS_DIR = TEST_DATA_DIR / "weights"
REFERENCE_DIR = TEST_DATA_DIR / "reference"


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    if not (WEIGHTS_DIR / "AASIST.pth").exists():
        pytest.fail(f"the authors' checkpoints are expected in {WEIGHTS_DIR} (see tests/data/weights/README.md)")
    return WEIGHTS_DIR


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def onnx_cache_dir(request, tmp_path_factory) -> str:
    """Where the exported ONNX graphs go: $AASIST_CACHE_DIR, else pytest's cache folder (reused between runs, never
    the home folder), else (with ``-p no:cacheprovider``) a temporary folder."""
    if os.environ.get("AASIST_CACHE_DIR"):
        return os.environ["AASIST_CACHE_DIR"]
    cache = getattr(request.config, "cache", None)
    return str(cache.mkdir("aasist-cache") if cache is not None else tmp_path_factory.mktemp("aasist-cache"))


@pytest.fixture(scope="session")
def playwright():
    """Playwright, to drive Debian's Chromium (tests/browser.py); fails when Chromium is missing."""
    from browser import CHROMIUM, MISSING

    if not Path(CHROMIUM).is_file():
        pytest.fail(MISSING.format(path=CHROMIUM))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    """One headless Chromium for the tests that need no microphone."""
    from browser import launch

    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def model_env(weights_dir, onnx_cache_dir) -> dict:
    """The environment that makes ``Detector.from_pretrained`` read the test weights, offline."""
    return {"AASIST_WEIGHTS_DIR": str(weights_dir), "AASIST_CACHE_DIR": onnx_cache_dir, "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="session")
def aasist_detector(model_env):
    """AASIST with the default backend (ONNX Runtime on the CPU), as every surface uses it."""
    from aasist.detector import Detector

    with pytest.MonkeyPatch.context() as patch:
        for key, value in model_env.items():
            patch.setenv(key, value)
        return Detector.from_pretrained("AASIST")
