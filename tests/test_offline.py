"""Out of the box, without a network: a fresh clone's CLI and app give results from the packaged weights.

As a new user's machine would be: no ``AASIST_WEIGHTS_DIR``, an empty Hugging Face cache, and a Hub that cannot be
reached (a closed port: connection refused; a name that does not resolve), or ``HF_HUB_OFFLINE`` set. The ONNX
graphs come from the run's cache (tests/conftest.py), as they would from a user's second run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app_server import running_app
from hub_server import closed_port_url

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "assets" / "examples" / "real_arctic_awb_a0007.wav"


def new_user_env(tmp_path: Path, onnx_cache_dir: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "AASIST_"))}
    env.update(HF_HOME=str(tmp_path / "hf"), AASIST_CACHE_DIR=onnx_cache_dir, **extra)
    return env


@pytest.mark.parametrize("hub", ["connection refused", "name not resolved", "HF_HUB_OFFLINE"])
def test_detect_works_offline_from_the_packaged_weights(hub, tmp_path, onnx_cache_dir):
    extra = {"connection refused": {"HF_ENDPOINT": closed_port_url()},
             "name not resolved": {"HF_ENDPOINT": "http://hub.invalid"},
             "HF_HUB_OFFLINE": {"HF_HUB_OFFLINE": "1"}}[hub]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "aasist", "detect", str(REAL), "--models", "AASIST,AASIST-L",
                           "--json"], capture_output=True, text=True, cwd=REPO, timeout=120,
                          env=new_user_env(tmp_path, onnx_cache_dir, **extra))
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert result["verdict"] == "bona fide" and len(result["agreement"]["models"]) == 2
    lines = proc.stderr.strip().splitlines()
    # One line per model says where its weights came from when the Hub was wanted; none when offline was asked for.
    expected = [] if hub == "HF_HUB_OFFLINE" else [
        f"{name}: weights from the copy packaged with aasist; the Hub could not be reached" for name in ("AASIST",
                                                                                                     "AASIST-L")]
    assert len(lines) == len(expected) and all(line.startswith(e) for line, e in zip(lines, expected)), proc.stderr
    assert hub == "HF_HUB_OFFLINE" or hub in proc.stderr
    print(f"detect offline ({hub}): {elapsed:.1f} s")


def test_app_works_offline_from_the_packaged_weights(tmp_path, onnx_cache_dir):
    from gradio_client import Client, handle_file

    env = new_user_env(tmp_path, onnx_cache_dir, HF_ENDPOINT=closed_port_url())
    extra = {k: env[k] for k in ("HF_ENDPOINT", "HF_HOME")}
    with running_app(None, tmp_path / "app", onnx_cache_dir, extra_env=extra) as app:
        started = time.monotonic()
        result = Client(app.url, verbose=False).predict(handle_file(str(REAL)), api_name="/analyze")
        print(f"first result from an offline app.py: {time.monotonic() - started:.1f} s after it served")
        assert result["verdict"] == "bona fide" and result["model"] == "AASIST"
        # The line comes when the model is loaded ("loaded") or, if the start-up loading got there first, once it
        # is also warmed up ("ready"), which may be just after this first result.
        deadline = time.monotonic() + 60
        while "model AASIST " not in app.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        log = app.log()
    served = [line for line in log.splitlines() if "weights from" in line]
    # AASIST served (AASIST-L may be loading still): one line per model, never twice, naming the source.
    # ("loaded" when the request asked for it first, "ready" when the start-up loading got there first.)
    assert any(re.search(r"model AASIST (loaded|ready).* weights from the copy packaged with aasist; the Hub could "
                         r"not be reached", line) for line in served), log[-3000:]
    models = [line.split("model ")[1].split(" ")[0] for line in served]
    assert len(models) == len(set(models)) <= 2, served
    assert len(log.strip().splitlines()) <= 6, log  # Gradio's two lines, then one per model
    assert "Retrying" not in log and "RawNet2" not in log  # no retry loop; the on-demand model is not fetched
