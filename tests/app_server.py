"""`python app.py` in a subprocess on a free loopback port, for the tests that drive the running demo.

    with running_app(weights_dir, work_dir, onnx_cache_dir) as app:
        app.url            # http://127.0.0.1:PORT/, once the page is served
        app.pid            # the server's process (for /proc/PID/status)
        app.temp_dir       # its GRADIO_TEMP_DIR: every upload and result it keeps
        app.log()          # what it printed so far

Nothing leaves the machine: analytics are off, the Hub is offline and the weights are read from ``weights_dir``.
The app fetches no recommended model unless ``extra_env`` names one (``AASIST_RECOMMENDED_MODEL``): its verdicts
are AASIST's, as offline.
With ``weights_dir=None`` the app gets its weights as on a Space, through huggingface_hub: ``extra_env`` then names
the Hub (``HF_ENDPOINT``: a local one, tests/hub_server.py) and its cache (``HF_HOME``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 240  # the first run on a machine exports the ONNX graph (about 10 s per model on 2 cores)
STOP_TIMEOUT_S = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen
    temp_dir: Path
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_app(weights_dir: Optional[Path], work_dir: Path, onnx_cache_dir: str, extra_env: Optional[dict] = None
                ) -> Iterator[AppServer]:
    """Start the app, wait until it serves (or fail with its log), stop it afterwards.

    After it stops, its log must not show a crash: a bad upload must produce a message, never kill the server.
    """
    assert weights_dir is not None or "HF_ENDPOINT" in (extra_env or {}), "without weights_dir, name a local Hub"
    port = free_port()
    temp_dir = work_dir / "gradio"
    temp_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("AASIST_WEIGHTS_DIR", "HF_HUB_OFFLINE")}
    env.update(
        GRADIO_ANALYTICS_ENABLED="False",
        GRADIO_SERVER_NAME="127.0.0.1",
        GRADIO_SERVER_PORT=str(port),
        GRADIO_TEMP_DIR=str(temp_dir),
        PYTHONUNBUFFERED="1",
    )
    if weights_dir is not None:
        env.update(AASIST_WEIGHTS_DIR=str(weights_dir), HF_HUB_OFFLINE="1")
    # The exported ONNX graphs: reused between test runs, never written to the home folder.
    env.setdefault("AASIST_CACHE_DIR", onnx_cache_dir)
    # No recommended model (AntiDeepfake-Small) unless a test asks for one: the page's verdicts are AASIST's.
    env["AASIST_RECOMMENDED_MODEL"] = ""
    env.update(extra_env or {})
    log_path = work_dir / "app.log"
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    server = AppServer(url, proc, temp_dir, log_path)
    served = False
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited with {proc.returncode} before serving:\n{server.log()[-4000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not serve within {STARTUP_TIMEOUT_S} s:\n{server.log()[-4000:]}")
            time.sleep(0.5)
        served = True
        yield server
    finally:
        alive = proc.poll() is None
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        text = server.log()
        assert alive or not served, f"app.py died while the tests ran (exit {proc.returncode}):\n{text[-4000:]}"
        assert "Segmentation fault" not in text


def warmed_up(server: AppServer, clip: Path) -> AppServer:
    """Wait until the server has loaded its model (one /analyze of ``clip``): the background loader then no longer
    competes for the 2 cores with what a test times or records in real time."""
    from gradio_client import Client, handle_file

    Client(server.url, verbose=False).predict(handle_file(str(clip)), api_name="/analyze")
    return server
