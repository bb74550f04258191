"""Start-up of the web demo as a visitor meets it: seconds from `python app.py` to the first page and first result.

    python benchmarks/bench_startup.py [--runs 3] [--skip-fresh] [--recommended]

Spawns `python app.py` and measures, from the moment the process is started:
- first page: the first HTTP 200 on / (polled every 50 ms);
- first result: a gradio_client call of /analyze on an example clip, made as soon as the page is served (a visitor
  who clicks at once), returning its result;
- model ready: when the app logged that its default model was loaded and warmed up.

Three ways, each a fresh process (the console of each run is checked for warnings and tracebacks):
- fresh, from the Hub: empty HF_HOME and ONNX cache, no AASIST_WEIGHTS_DIR; huggingface_hub downloads the
  checkpoints from a local Hub-compatible server (tests/hub_server.py, the real repos' layout) and the ONNX graphs are
  exported: a Space's first boot, or any boot of a Space without persistent storage;
- warm, from the Hub cache: the same HF_HOME and ONNX cache again (huggingface_hub still asks the Hub whether the
  files changed, as it does on a Space);
- warm, local weights: AASIST_WEIGHTS_DIR and the same ONNX cache, offline (the README's offline quick start).

With ``--recommended``, one more start as a Space meets it with its recommended model: AntiDeepfake-Small (full size,
seeded random weights, 380 MB) on the local Hub, paced to 20 MB/s, empty caches: the first result (AASIST's) and
"recommended result", the first /analyze answered by AntiDeepfake-Small (asked for every 2 s). The other starts have
no recommended model (``AASIST_RECOMMENDED_MODEL=""``), as before it existed.

Warm runs are repeated ``--runs`` times (median, min-max). The checkpoints come from ``$AASIST_WEIGHTS_DIR``,
``../shared/weights`` beside the repository or ``aasist/pretrained`` (benchmarks/common.py). The machine is shared
with whatever else runs: its load average is printed too.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from common import local_weights_dir, machine_description  # noqa: E402
from hub_server import HubServer  # noqa: E402

EXAMPLE = REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav"
HUB_REPOS = {"SpeechAntiSpoofingBenchmarks/AASIST": "AASIST.pth",  # the built-in models' repos and files
             "SpeechAntiSpoofingBenchmarks/AASIST-L": "AASIST-L.pth"}
TIMEOUT_S = 300
TARGET_PAGE_S = 5.0  # warm caches (issue 11)
TARGET_RESULT_S = 10.0
READY_LINE = re.compile(r"^(\S+ \S+) INFO aasist.app: model AASIST ready", re.MULTILINE)
NOISE = re.compile(r"warn|traceback|error", re.IGNORECASE)


@dataclass
class Start:
    page_s: float
    result_s: float
    ready_s: Optional[float]  # the default model, from the app's log
    noise: list  # console lines that look like warnings or errors
    verdict: str
    recommended_s: Optional[float] = None  # the first result of the recommended model (``--recommended``)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env: dict, work: Path, recommended: Optional[str] = None) -> Start:
    """Run app.py until it has answered one /analyze call (and, with ``recommended``, one by that model), then
    stop it."""
    from gradio_client import Client, handle_file

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(env, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False",
               GRADIO_TEMP_DIR=str(work / "gradio"), PYTHONUNBUFFERED="1", AASIST_RECOMMENDED_MODEL=recommended or "")
    log_path = work / f"app-{port}.log"
    with open(log_path, "w") as log:
        started, started_clock = time.perf_counter(), time.time()
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"app.py did not serve within {TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        page_s = time.perf_counter() - started
        client = Client(url, verbose=False)
        result = client.predict(handle_file(str(EXAMPLE)), api_name="/analyze")
        result_s = time.perf_counter() - started
        recommended_s = None
        while recommended and time.perf_counter() - started < TIMEOUT_S:
            if client.predict(handle_file(str(EXAMPLE)), api_name="/analyze")["model"] == recommended:
                recommended_s = time.perf_counter() - started
                break
            time.sleep(2)
        while not READY_LINE.search(log_path.read_text()) and time.perf_counter() - started < TIMEOUT_S:
            time.sleep(0.2)  # the warm-up may still be running: wait for its log line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log_path.read_text(errors="replace")
    ready = READY_LINE.search(text)  # its time stamp, "2026-11-26 07:33:13,507", against the clock at the start
    ready_s = (datetime.strptime(ready.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp() - started_clock) if ready else None
    noise = [line for line in text.splitlines() if NOISE.search(line)]
    return Start(page_s, result_s, ready_s, noise, result["verdict"], recommended_s)


def hub_env(hub_url: str, hf_home: Path, onnx_cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("AASIST_WEIGHTS_DIR", "HF_HUB_OFFLINE", "HF_HUB_CACHE")}
    return dict(env, HF_ENDPOINT=hub_url, HF_HOME=str(hf_home), AASIST_CACHE_DIR=str(onnx_cache))


def summary(label: str, starts: list) -> str:
    def span(values):
        values = [v for v in values if v is not None]
        if not values:
            return "n/a"
        if len(values) == 1:
            return f"{values[0]:.1f} s"
        return f"{statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"

    noise = sum(len(s.noise) for s in starts)
    return (f"| {label} | {len(starts)} | {span([s.page_s for s in starts])} | {span([s.result_s for s in starts])} "
            f"| {span([s.ready_s for s in starts])} | {span([s.recommended_s for s in starts])} | {noise} |")


def recommended_start(weights: Path, work: Path) -> Start:
    """A Space's first start with its recommended model: AASIST's checkpoints and a full-size AntiDeepfake-Small
    (seeded random weights) on a local Hub paced to 20 MB/s, empty caches."""
    import torch
    from safetensors.torch import save_file

    from aasist.models.antideepfake import W2V_SMALL_CONFIG, AntiDeepfake
    from aasist.models.registry import registered

    small = registered("AntiDeepfake-Small")
    torch.manual_seed(26)
    path = work / small.filename
    save_file({k: v.contiguous() for k, v in AntiDeepfake(W2V_SMALL_CONFIG).state_dict().items()}, str(path))
    repos = {repo: {name: weights / name} for repo, name in HUB_REPOS.items()}
    repos[small.repo_id] = {small.filename: path}
    with HubServer(repos, bytes_per_second=20e6) as hub:
        env = hub_env(hub.url, work / "hf-home-recommended", work / "onnx-cache-recommended")
        return start_app(env, work, recommended=small.name)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3, help="starts per warm scenario (default 3)")
    p.add_argument("--skip-fresh", action="store_true", help="skip the fresh start (download and ONNX export)")
    p.add_argument("--recommended", action="store_true",
                   help="also a fresh start with AntiDeepfake-Small on the Hub at 20 MB/s (builds a 380 MB file)")
    args = p.parse_args(argv)

    weights = local_weights_dir()
    if weights is None:
        print("error: no folder with AASIST.pth and AASIST-L.pth (set AASIST_WEIGHTS_DIR)", file=sys.stderr)
        return 2
    print(f"machine: {machine_description()}; load average at start: {os.getloadavg()[0]:.1f}")
    print(f"python {sys.version.split()[0]}; weights served from {weights}")

    rows = []
    with tempfile.TemporaryDirectory(prefix="aasist-startup-") as tmp, \
            HubServer({repo: {name: weights / name} for repo, name in HUB_REPOS.items()}) as hub:
        work = Path(tmp)
        hf_home, onnx_cache = work / "hf-home", work / "onnx-cache"
        env = hub_env(hub.url, hf_home, onnx_cache)
        if args.skip_fresh:
            # Fill the caches once, unmeasured.
            start_app(env, work)
        else:
            fresh = start_app(env, work)
            rows.append(("fresh: download from the Hub, export ONNX", [fresh]))
        warm_hub = [start_app(env, work) for _ in range(args.runs)]
        rows.append(("warm: Hub cache and ONNX cache", warm_hub))
        local_env = dict(env, AASIST_WEIGHTS_DIR=str(weights), HF_HUB_OFFLINE="1")
        warm_local = [start_app(local_env, work) for _ in range(args.runs)]
        rows.append(("warm: AASIST_WEIGHTS_DIR and ONNX cache, offline", warm_local))
        downloads = [path for method, path in hub.requests if method == "GET" and path.endswith(".pth")]
        if args.recommended:
            rows.append(("fresh, with AntiDeepfake-Small at 20 MB/s", [recommended_start(weights, work)]))

    print(f"load average at the end: {os.getloadavg()[0]:.1f}; weight downloads (GET) over all runs: {len(downloads)}")
    print()
    print("| start | runs | first page | first result | model ready (log) | recommended result | warning lines |")
    print("|---|---|---|---|---|---|---|")
    for label, starts in rows:
        print(summary(label, starts))
    for label, starts in rows:
        for line in sorted({line for s in starts for line in s.noise}):
            print(f"  {label}: {line}")
    warm = warm_hub + warm_local
    page_ok = statistics.median(s.page_s for s in warm) <= TARGET_PAGE_S
    result_ok = statistics.median(s.result_s for s in warm) <= TARGET_RESULT_S
    print(f"\ntargets (warm, medians): first page <= {TARGET_PAGE_S:.0f} s: {'PASS' if page_ok else 'FAIL'}; "
          f"first result <= {TARGET_RESULT_S:.0f} s: {'PASS' if result_ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
