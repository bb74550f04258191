"""Shared test fixtures: where the reference material and the authors' checkpoints lie.

Both are in the repository: the authors' two MIT-licensed checkpoints ship inside the package (``aasist/pretrained/``,
with their licence and provenance), and ``tests/data/reference/`` holds the authors' outputs for them, a perturbed
test checkpoint, the RawNet2 reference and the t-DCF test vectors, each folder with a README.
``AASIST_TEST_DATA_DIR`` points the tests at another copy of ``tests/data``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA_DIR = Path(os.environ.get("AASIST_TEST_DATA_DIR", REPO_ROOT / "tests" / "data"))
WEIGHTS_DIR = REPO_ROOT / "aasist" / "pretrained"
REFERENCE_DIR = TEST_DATA_DIR / "reference"


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    if not (WEIGHTS_DIR / "AASIST.pth").exists():
        pytest.fail(f"the authors' checkpoints are expected in {WEIGHTS_DIR} (see aasist/pretrained/README.md)")
    return WEIGHTS_DIR


@pytest.fixture(scope="session")
def rawnet2_file(tmp_path_factory) -> Path:
    """A full-size RawNet2 in the ASVspoof 2021 baseline's format (a plain state dict of the baseline configuration),
    with seeded random weights: the released file cannot be downloaded here, and its format is what matters."""
    import torch

    from aasist.models.rawnet2 import RawNet2

    torch.manual_seed(2021)
    path = tmp_path_factory.mktemp("rawnet2") / "pre_trained_DF_RawNet2.pth"
    torch.save(RawNet2().state_dict(), path)
    return path


@pytest.fixture(scope="session")
def w2v2_reference_folder(tmp_path_factory) -> Path:
    """The reduced W2V2-AASIST of tests/data/reference/w2v2_aasist/ (made with the authors' code) as a checkpoint
    folder: config.json (architecture, model_config in fairseq's field names) and the authors' key names."""
    import json

    import torch
    from safetensors.torch import save_file

    reference = REFERENCE_DIR / "w2v2_aasist"
    config = json.loads((reference / "w2v2_aasist_reference.json").read_text())["small_config"]
    state = torch.load(reference / "w2v2_aasist_small_random.pth", map_location="cpu", weights_only=True)
    folder = tmp_path_factory.mktemp("w2v2") / "W2V2-AASIST"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architecture": "W2V2-AASIST", "model_config": config}))
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    return folder


@pytest.fixture(scope="session")
def antideepfake_reference_folders(tmp_path_factory) -> dict:
    """The reduced AntiDeepfake models of tests/data/reference/antideepfake/ (made with the authors' code) as
    checkpoint folders, {"small": .../AntiDeepfake-Small, "large": .../AntiDeepfake-Large-NDA}: config.json
    (architecture, model_config in fairseq's field names) and model.safetensors with the authors' key names."""
    import json

    import torch
    from safetensors.torch import save_file

    reference = REFERENCE_DIR / "antideepfake"
    configs = json.loads((reference / "antideepfake_reference.json").read_text())["configs"]
    root = tmp_path_factory.mktemp("antideepfake")
    folders = {}
    for structure, name in (("small", "AntiDeepfake-Small"), ("large", "AntiDeepfake-Large-NDA")):
        state = torch.load(reference / f"antideepfake_{structure}_random.pth", map_location="cpu", weights_only=True)
        folder = folders[structure] = root / name
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"architecture": "AntiDeepfake",
                                                        "model_config": configs[structure]}))
        save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    return folders


@pytest.fixture(scope="session")
def weights_of_every_model(weights_dir, rawnet2_file, w2v2_reference_folder, antideepfake_reference_folders,
                           tmp_path_factory) -> Path:
    """A folder as AASIST_WEIGHTS_DIR may name one: the two packaged checkpoints, ``RawNet2.pth`` (full size, random
    weights), the reduced W2V2-AASIST as a checkpoint folder ``W2V2-AASIST/`` and the reduced AntiDeepfake models as
    ``AntiDeepfake-Small/`` and ``AntiDeepfake-Large-NDA/``."""
    folder = tmp_path_factory.mktemp("weights-of-every-model")
    for name in ("AASIST.pth", "AASIST-L.pth"):
        (folder / name).symlink_to(weights_dir / name)
    (folder / "RawNet2.pth").symlink_to(rawnet2_file)
    (folder / "W2V2-AASIST").symlink_to(w2v2_reference_folder, target_is_directory=True)
    for reduced in antideepfake_reference_folders.values():
        (folder / reduced.name).symlink_to(reduced, target_is_directory=True)
    return folder


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
def demo_server(weights_of_every_model, tmp_path_factory, onnx_cache_dir):
    """One `python app.py` for the whole run (tests/app_server.py), its model loaded and warmed up, shared by the page,
    capture and live tests: none of them reads what another leaves behind. Tests that count the server's temporary
    files or memory (tests/test_hardening.py) or boot it themselves (tests/test_space_boot.py) start their own."""
    from app_server import running_app, warmed_up

    with running_app(weights_of_every_model, tmp_path_factory.mktemp("demo-server"), onnx_cache_dir) as server:
        yield warmed_up(server, REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav")


@pytest.fixture(scope="module")
def server(demo_server) -> str:
    """The URL of the run's shared `python app.py` (``demo_server``); a module that needs more of it, or a server of
    its own, defines its own ``server``."""
    return demo_server.url


@pytest.fixture(scope="session")
def model_env(weights_of_every_model, onnx_cache_dir) -> dict:
    """The environment that makes ``Detector.from_pretrained`` read the test weights (RawNet2 included), offline."""
    return {"AASIST_WEIGHTS_DIR": str(weights_of_every_model), "AASIST_CACHE_DIR": onnx_cache_dir,
            "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="session")
def aasist_detector(model_env):
    """AASIST with the default backend (ONNX Runtime on the CPU), as every surface uses it."""
    from aasist.inference.detector import Detector

    with pytest.MonkeyPatch.context() as patch:
        for key, value in model_env.items():
            patch.setenv(key, value)
        return Detector.from_pretrained("AASIST")


@pytest.fixture(scope="session")
def packaged_detectors(weights_dir, onnx_cache_dir) -> list:
    """The two packaged models, AASIST and AASIST-L, on ONNX Runtime: a pipeline's detectors (report, page texts)."""
    from aasist.inference.detector import Detector

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
        patch.setenv("AASIST_CACHE_DIR", onnx_cache_dir)
        return [Detector.from_pretrained(name, backend="onnx") for name in ("AASIST", "AASIST-L")]


# --- load: the timing-sensitive tests with busy CPUs beside them ---------------------------------------------------
# `pytest --cpu-burners N` keeps N more processes spinning for the whole run, as another tenant of a Space or a CI
# machine would: the browser, server and live tests must wait for events, not for time, to pass under it.

BURNER_MAX_S = 3 * 3600  # a burner ends by itself after this, or as soon as the test run that started it is gone
_BURN = """
import os, sys, time
parent, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < end and os.getppid() == parent:
    sum(range(100_000))
"""


def pytest_addoption(parser):
    parser.addoption("--cpu-burners", type=int, default=0, metavar="N",
                     help="run N processes that keep a CPU core busy beside the tests (a load test; CI uses 1)")


SERVER_FIXTURES = {"demo_server", "server", "browser", "playwright"}

# `pytest -n 3`: the server tests on one worker, the rest on the others at a lower priority (tests/workers.py).
from workers import (GROUPS_KEY, pytest_configure_node, pytest_xdist_make_scheduler,  # noqa: E402,F401
                     write_server_tests, yield_to_server_tests)


def pytest_configure(config):
    config.addinivalue_line("markers", "server: drives a running app.py or a browser (given to every test that uses "
                                       f"one of the fixtures {', '.join(sorted(SERVER_FIXTURES))})")
    config.addinivalue_line("markers", "timing: its outcome depends on when things happen (audio streamed or "
                                       "recorded in real time, requests that overlap, a download or a model loading "
                                       "in the background, a page that scrolls as its figures arrive): the tests CI "
                                       "runs a second time with a CPU burner beside them (-m timing --cpu-burners 1)")
    if hasattr(config, "workerinput") and GROUPS_KEY in config.workerinput:
        yield_to_server_tests(config)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)
    if hasattr(config, "workerinput") and GROUPS_KEY in config.workerinput:
        write_server_tests(config, items)


def pytest_report_header(config):
    n = config.getoption("--cpu-burners")
    return [f"cpu burners: {n} busy process{'es' if n != 1 else ''} beside the tests"] if n else []


def pytest_sessionstart(session):
    """Start the burners once per run: in the main process (with pytest-xdist, not in each worker)."""
    import subprocess
    import sys

    config = session.config
    if hasattr(config, "workerinput"):
        return
    config.cpu_burners = [subprocess.Popen([sys.executable, "-c", _BURN, str(os.getpid()), str(BURNER_MAX_S)])
                          for _ in range(config.getoption("--cpu-burners"))]


def pytest_sessionfinish(session):
    for burner in getattr(session.config, "cpu_burners", []):
        burner.kill()
        burner.wait()
