"""`python app.py` booting as on a Hugging Face Space, twice: first with nothing cached, then from its caches.

The Space has no AASIST_WEIGHTS_DIR and is online: the app downloads the authors' checkpoints through
huggingface_hub, checks their SHA-256, exports the ONNX graphs and caches both. Here the Hub is a local
Hub-compatible server (tests/hub_server.py) serving the checkpoints in the real repos' layout
(``SpeechAntiSpoofingBenchmarks/AASIST`` / ``AASIST.pth``, ``SpeechAntiSpoofingBenchmarks/AASIST-L`` /
``AASIST-L.pth``), and HF_HOME and the ONNX cache start empty. The page must be served before the model is ready,
say that it is loading, and an analysis asked for at once must wait for the model and succeed. A second start with
the same caches downloads nothing and exports nothing. Both consoles must be free of warnings and tracebacks.
"""

from __future__ import annotations

import re
import sys
import time
from contextlib import contextmanager
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
NOISE = re.compile(r"warn|error|traceback|exception", re.IGNORECASE)


def weight_downloads(hub: HubServer) -> set:
    """The checkpoint files the app fetched (GET; a HEAD only asks whether the file changed)."""
    return {path for method, path in hub.requests if method == "GET" and path.endswith(".pth")}


def analyze_both_models(url: str) -> dict:
    client = Client(url, verbose=False)
    return {model.name: client.predict(handle_file(str(EXAMPLE)), model=model.name, api_name="/analyze")
            for model in BUILTIN_MODELS.values() if model.packaged}


def assert_quiet(log: str) -> None:
    noisy = [line for line in log.splitlines() if NOISE.search(line)]
    assert not noisy, "the console of a normal start shows:\n" + "\n".join(noisy)


@contextmanager
def page_in_browser(browser, url: str):
    """The page in Debian's Chromium (the ``browser`` fixture)."""
    page = browser.new_page()
    try:
        page.goto(url)
        yield page
    finally:
        page.close()


@pytest.mark.timing
def test_space_boot_downloads_exports_then_reuses_every_cache(weights_dir, rawnet2_file, tmp_path, browser):
    # The models loaded at start-up (those that ship with the package); RawNet2 is on the Hub too, but is fetched only
    # when someone chooses it.
    startup = [builtin for builtin in BUILTIN_MODELS.values() if builtin.packaged]
    repos = {builtin.repo_id: {builtin.filename: weights_dir / builtin.filename} for builtin in startup}
    rawnet2 = BUILTIN_MODELS["RawNet2"]
    repos[rawnet2.repo_id] = {rawnet2.filename: rawnet2_file}
    hf_home, onnx_cache = tmp_path / "hf-home", tmp_path / "onnx-cache"
    timings = {}
    with HubServer(repos) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(hf_home), "HF_HUB_CACHE": str(hf_home / "hub")}

        # --- first boot: nothing cached ---------------------------------------------------------------------------
        started = time.perf_counter()
        with running_app(None, tmp_path / "first", str(onnx_cache), extra_env=env) as server:
            timings["first page"] = time.perf_counter() - started
            with page_in_browser(browser, server.url) as page:
                status = page.locator("#model-status")
                # The page's load event fills the line: "loading" while the download and the export run (the
                # model may be ready already on a fast machine: then the line stays hidden).
                status.wait_for(state="attached", timeout=30_000)
                page.wait_for_timeout(1500)
                line = page.locator("#model-status .model-status")  # the app's own line, whatever Gradio draws around
                seen = line.inner_text() if status.is_visible() and line.count() else ""
                results = analyze_both_models(server.url)  # asked for at once: waits for the model
                timings["first results"] = time.perf_counter() - started
                status.wait_for(state="hidden", timeout=60_000)  # the page's timer hides it once the model is ready
            # RawNet2 is not loaded at start-up: it is downloaded when someone first chooses it.
            before_chosen = weight_downloads(hub)
            rawnet2_result = Client(server.url, verbose=False).predict(handle_file(str(EXAMPLE)), model="RawNet2",
                                                                       api_name="/analyze")
            first_log = server.log()
        rawnet2_download = f"/{rawnet2.repo_id}/resolve/main/{rawnet2.filename}"
        assert seen in ("", "Loading the model… the first analysis starts as soon as it is ready."), seen
        for model, result in results.items():
            assert result["model"] == model and result["verdict"] == "bona fide", result
        fetched = {f"/{builtin.repo_id}/resolve/main/{builtin.filename}" for builtin in startup}
        assert weight_downloads(hub) == fetched | {rawnet2_download}  # RawNet2 only once chosen (below)
        assert before_chosen == fetched
        assert rawnet2_result["model"] == "RawNet2" and re.search(r"model RawNet2 loaded in .* weights from the Hugging Face Hub", first_log)
        assert all((hf_home / "hub" / f"models--{b.repo_id.replace('/', '--')}").is_dir() for b in startup)
        graphs = {p.name: p.stat().st_mtime_ns for p in (onnx_cache / "onnx").glob("*.onnx")}
        assert sorted(name.split("-")[1] for name in graphs if name.startswith("aasist-")) == sorted(
            b.sha256[:16] for b in startup)
        assert_quiet(first_log)

        # --- second boot: the same HF_HOME and ONNX cache -------------------------------------------------------
        hub.requests.clear()
        started = time.perf_counter()
        with running_app(None, tmp_path / "second", str(onnx_cache), extra_env=env) as server:
            timings["second page"] = time.perf_counter() - started
            again = analyze_both_models(server.url)
            timings["second results"] = time.perf_counter() - started
            second_log = server.log()
        assert {m: r["spoof_probability"] for m, r in again.items()} == pytest.approx(
            {m: r["spoof_probability"] for m, r in results.items()}, abs=1e-6)
        assert weight_downloads(hub) == set(), hub.requests  # HEADs (has the file changed?) only
        assert {p.name: p.stat().st_mtime_ns for p in (onnx_cache / "onnx").glob("*.onnx")} == graphs  # no export
        assert_quiet(second_log)
    print(f"\nstatus line right after the first page: {seen!r}; "
          + "; ".join(f"{k}: {v:.1f} s" for k, v in timings.items()))


def test_status_line_says_loading_until_the_default_model_is_ready():
    from webapp.model_pool import ModelPool
    from webapp.page import ModelStatus

    pool = ModelPool()  # as in a fresh server: nothing loaded
    status = ModelStatus(pool)
    shown = status.show()  # in-process use (tests, scripts): no loader, no line
    assert shown.line["visible"] is False and shown.timer.active is False
    pool.startup.begin()
    shown = status.show()
    assert shown.line["visible"] is True and shown.timer.active is True
    assert "Loading the model&hellip; the first analysis starts as soon as it is ready." in shown.line["value"]
    pool.startup.finish()
    shown = status.show()
    assert shown.line["visible"] is False and shown.timer.active is False
    pool.startup.finish("The weights could not be downloaded.")
    shown = status.show()
    assert shown.line["visible"] is True and shown.timer.active is False
    assert "could not be loaded: The weights could not be downloaded." in shown.line["value"]


@pytest.mark.timing
def test_rawnet2_is_downloaded_when_chosen_with_its_progress_on_the_page(weights_dir, rawnet2_file, tmp_path, browser,
                                                                       onnx_cache_dir):
    # A Hub that sends 20 MB per second: RawNet2's 70 MB take a few seconds, long enough to see them come.
    rawnet2 = BUILTIN_MODELS["RawNet2"]
    repos = {b.repo_id: {b.filename: weights_dir / b.filename} for b in BUILTIN_MODELS.values() if b.packaged}
    repos[rawnet2.repo_id] = {rawnet2.filename: rawnet2_file}
    with HubServer(repos, bytes_per_second=20e6) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf")}
        with running_app(None, tmp_path / "app", onnx_cache_dir, extra_env=env) as server, \
                page_in_browser(browser, server.url) as page:
            page.wait_for_selector("#analyze-button")
            page.locator("#model label", has_text="RawNet2").click()
            page.locator("#robustness-option input").uncheck()
            upload_recording(page, EXAMPLE)
            page.click("#analyze-button")
            page.wait_for_function("() => document.body.innerText.includes('Downloading RawNet2 from the Hugging "
                                   "Face Hub')", timeout=60_000)
            page.wait_for_selector("#verdict [data-verdict]", timeout=120_000)
            assert "RawNet2" in page.locator("#verdict").inner_text()
        log = server.log()
    assert f"/{rawnet2.repo_id}/resolve/main/{rawnet2.filename}" in weight_downloads(hub)
    assert re.search(r"model RawNet2 loaded in .* weights from the Hugging Face Hub", log)
    assert_quiet(log)
