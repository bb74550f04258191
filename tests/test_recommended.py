"""The page's default verdict on a Space-like start: AASIST's at once, AntiDeepfake-Small's once it is fetched.

``python app.py`` with no weights folder and the Hub reachable (a local Hub-compatible server, tests/hub_server.py,
paced as a network would be): AASIST is downloaded and ready first, then AntiDeepfake-Small (full size, seeded random
weights: the released file cannot be downloaded here, and its size and layout are what matter) is fetched in the
background. An analysis asked for meanwhile gets AASIST's verdict with a notice that the stronger model is still being
fetched; once it is there, the default choice ("Recommended") gives AntiDeepfake-Small's verdict with AASIST's answer
and attention beside it. Offline, see tests/test_model_pool.py.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app_server import running_app  # noqa: E402
from browser import upload_recording  # noqa: E402
from hub_server import HubServer  # noqa: E402

from aasist.models.weights import BUILTIN_MODELS  # noqa: E402

EXAMPLE = REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav"
READY_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def antideepfake_small_full(tmp_path_factory) -> Path:
    """A full-size AntiDeepfake-Small (the w2v_small structure, 95 M parameters, 380 MB) with seeded random weights,
    as the registered repo's file."""
    import torch
    from safetensors.torch import save_file

    from aasist.models.antideepfake import W2V_SMALL_CONFIG, AntiDeepfake

    torch.manual_seed(26)
    state = AntiDeepfake(W2V_SMALL_CONFIG).state_dict()
    path = tmp_path_factory.mktemp("antideepfake-small") / BUILTIN_MODELS["AntiDeepfake-Small"].filename
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return path


def wait_for_log(server, pattern: str, timeout_s: float = READY_TIMEOUT_S) -> str:
    deadline = time.monotonic() + timeout_s
    while not re.search(pattern, server.log()):
        assert time.monotonic() < deadline, f"no {pattern!r} in the log:\n{server.log()[-4000:]}"
        time.sleep(0.5)
    return server.log()


@pytest.mark.timing
def test_a_space_gives_aasists_verdict_at_once_and_antideepfakes_once_fetched(weights_dir, antideepfake_small_full,
                                                                             tmp_path, browser, onnx_cache_dir):
    small = BUILTIN_MODELS["AntiDeepfake-Small"]
    repos = {b.repo_id: {b.filename: weights_dir / b.filename} for b in BUILTIN_MODELS.values() if b.packaged}
    repos[small.repo_id] = {small.filename: antideepfake_small_full}
    with HubServer(repos, bytes_per_second=50e6) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"),
               "AASIST_RECOMMENDED_MODEL": "AntiDeepfake-Small"}
        with running_app(None, tmp_path / "app", onnx_cache_dir, extra_env=env) as server:
            client = Client(server.url, verbose=False)
            # Asked for at once, with every setting left as it is: AASIST's verdict, and why it is AASIST's.
            first = client.predict(handle_file(str(EXAMPLE)), api_name="/analyze")
            wait_for_log(server, r"model AntiDeepfake-Small ready")
            then = client.predict(handle_file(str(EXAMPLE)), api_name="/analyze")
            page = browser.new_page()
            try:
                page.goto(server.url)
                page.wait_for_selector("#analyze-button")
                assert page.locator("#model input:checked").input_value() == "recommended"
                page.locator("#robustness-option input").uncheck()
                upload_recording(page, EXAMPLE)
                page.click("#analyze-button")
                page.wait_for_selector("#verdict .verdict-beside", timeout=120_000)
                page.wait_for_selector("#spectral-attention img", timeout=60_000)
                page.wait_for_selector("#frame-scores img", timeout=60_000)  # its own reading, frame by frame
                verdict = page.locator("#verdict").inner_text()
                beside = page.locator("#verdict .verdict-beside").inner_text()
                guide = page.locator("#how-to-read").inner_text()
                status_hidden = not page.locator("#model-status").is_visible()
            finally:
                page.close()
            log = server.log()
    assert first["model"] == "AASIST" and first["verdict"] == "bona fide", first
    assert first["notice"].startswith("AntiDeepfake-Small, the stronger model, is still being fetched"), first
    assert "beside" not in first
    assert then["model"] == "AntiDeepfake-Small" and "notice" not in then, then
    assert then["beside"]["model"] == "AASIST" and then["beside"]["verdict"] == "bona fide"
    assert "AntiDeepfake-Small" in verdict and beside.startswith("AASIST, run beside it, ")
    assert "The attention figures are AASIST's, not AntiDeepfake-Small's." in guide, guide
    assert status_hidden
    assert f"/{small.repo_id}/resolve/main/{small.filename}" in {p for m, p in hub.requests if m == "GET"}
    assert re.search(r"recommended model AntiDeepfake-Small fetched in", log)
    assert not re.search(r"traceback|exception", log, re.IGNORECASE), log[-4000:]
