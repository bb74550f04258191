"""Screenshots of the web demo for the README: starts `app.py`, analyses example clips in headless Chromium, and
streams one into the Live tab through Chromium's fake microphone.

    python scripts/screenshots.py                                                # writes docs/screenshots/*.png
    python scripts/screenshots.py --url http://127.0.0.1:7860/                   # use a server already running
    python scripts/screenshots.py --only no_speech,analysis                      # retake only these shots
    python scripts/screenshots.py --only phone                                   # docs/screenshots/phone/*.png
    python scripts/screenshots.py --only recommended                             # the default verdict (below)

The shots show AASIST's page (no recommended model), except ``recommended``: a second ``app.py`` whose
AntiDeepfake-Small is a full-size model with seeded random weights (the released file could not be downloaded where
these were made: its verdicts mean nothing, the layout is what is shown), on the desktop and a 390 px phone.

Needs Playwright (requirements-dev.txt) and Debian's ``chromium`` (or ``--chromium PATH``); never downloads a browser.
Also prints how long each analysis took from the click to the last figure on screen.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIGURES = ("spectrogram", "spectral-attention", "temporal-attention")
FRAGILE_EXAMPLE = "real_arctic_slt_a0009.wav"  # bona fide, but trimming its silence or 12 dB less flips it


@contextmanager
def running_app(url: str | None, **env_changes):
    if url:
        yield url
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", GRADIO_SERVER_NAME="127.0.0.1",
               GRADIO_SERVER_PORT=str(port), AASIST_RECOMMENDED_MODEL="")
    env.update(env_changes)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("app.py did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def analyze(page, clip: Path) -> float:
    """Upload, click Analyze, wait for the verdict, every figure and the robustness check; seconds from the click."""
    page.locator("#audio-input input[type=file]").set_input_files(str(clip))
    page.wait_for_selector('#audio-input [data-testid^="waveform-"]')
    started = time.perf_counter()
    page.click("#analyze-button")
    page.wait_for_selector("#verdict [data-verdict]", timeout=120_000)
    page.wait_for_function(
        "ids => ids.every(id => { const i = document.querySelector('#' + id + ' img');"
        " return i && i.complete && i.naturalWidth > 0; })", arg=list(FIGURES), timeout=120_000)
    page.wait_for_function("() => !document.querySelector('#report-button').disabled", timeout=120_000)
    return time.perf_counter() - started


def live(playwright, chromium: str, url: str, clip: Path, seconds: float, out: Path) -> None:
    """The Live tab with a microphone playing ``clip`` over and over: Record, ``seconds`` of streaming, screenshot."""
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={clip}"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, permissions=["microphone"])
    page = context.new_page()
    page.goto(url)
    page.get_by_role("tab", name="Live").click()
    page.locator("#live-audio button:has-text('Record')").first.click()
    page.wait_for_timeout(int(seconds * 1000))
    page.mouse.move(0, 0)
    page.screenshot(path=str(out), clip=clip_between(page, "h1", "#live-log"), full_page=True)
    page.locator("#live-audio button:has-text('Stop')").first.click()
    browser.close()


def clip_between(page, top_selector: str, bottom_selector: str, margin: int = 16) -> dict:
    """The full-width band of the page from one element to another (page coordinates: scrolled to the top)."""
    page.evaluate("window.scrollTo(0, 0)")
    top = page.locator(top_selector).first.bounding_box()
    bottom = page.locator(bottom_selector).first.bounding_box()
    y0 = max(top["y"] - margin, 0)
    return {"x": 0, "y": y0, "width": page.viewport_size["width"], "height": bottom["y"] + bottom["height"] + margin - y0}


SHOTS = ("analysis", "cautions", "warning", "no_speech", "models", "batch", "evaluate", "live", "phone",
         "recommended")  # for --only
NO_SPEECH_NAME = "tone_440hz.wav"  # the sound the "no speech" shot analyses: 4 s of a 440 Hz tone


def tone_file(folder: Path) -> Path:
    """A 4-second 440 Hz tone as a WAV file: a sound without speech (at -29 dBFS, where no level warning applies)."""
    import numpy as np
    import soundfile as sf

    t = np.arange(4 * 16000) / 16000
    path = folder / NO_SPEECH_NAME
    sf.write(path, (0.05 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    return path


def evaluation_set(folder: Path, examples: list) -> tuple[list, list]:
    """The Evaluate shot's labelled set: the example clips, plus the real ones 6 dB below full scale and the synthetic
    ones quiet (peak 0.03 and 0.06), where loudness sways the model (README, "Microphone capture"): (bona fide,
    spoof) files."""
    import numpy as np
    import soundfile as sf

    real = [p for p in examples if p.name.startswith("real_")]
    synthetic = [p for p in examples if p.name.startswith("synthetic_")]
    bonafide, spoof = list(real), list(synthetic)
    for clips, peaks, into in ((real, (0.5,), bonafide), (synthetic, (0.03, 0.06), spoof)):
        for clip in clips:
            x, sr = sf.read(clip, dtype="float32")
            for peak in peaks:
                path = folder / f"{clip.stem}_peak{peak:g}.wav"
                sf.write(path, (x * peak / max(float(np.abs(x).max()), 1e-6)).astype(np.float32), sr)
                into.append(path)
    return bonafide, spoof


def phone_shots(playwright, chromium: str, url: str, clip: Path, examples: list, out: Path) -> list:
    """The page on a 390 x 844 phone (device pixel ratio 2, as tests/browser.py's PHONE): the screen right after
    Analyze (the verdict scrolled into view), each result figure as drawn for the phone, the Batch table, the
    Evaluate tab's charts (the example clips as the labelled set), the Live tab with the fake microphone playing
    ``clip``, and the downloaded report. Returns the files written."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import FAKE_MICROPHONE, PHONE, drop_files, open_tab, wait_for_images

    out.mkdir(parents=True, exist_ok=True)
    taken = []
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS + FAKE_MICROPHONE + [
        f"--use-file-for-fake-audio-capture={clip}"])
    context = browser.new_context(permissions=["microphone"], accept_downloads=True, **PHONE)
    page = context.new_page()

    def shot(name: str, selector: str = "") -> None:
        path = out / f"{name}.png"
        if selector:
            page.locator(selector).screenshot(path=str(path))
        else:
            page.screenshot(path=str(path))
        taken.append(path)

    page.goto(url)
    page.wait_for_selector("#analyze-button")
    seconds = analyze(page, clip)
    print(f"phone: {clip.name}: click to verdict and all figures in {seconds:.2f} s")
    page.evaluate("document.querySelector('#verdict').scrollIntoView({block: 'start'})")
    shot("verdict")
    for elem_id in ("spectrogram", "robustness", "spectral-attention", "temporal-attention"):
        wait_for_images(page, [elem_id], 60_000)
        shot(elem_id, f"#{elem_id}")
    with page.expect_download() as download:
        page.click("#report-button")
    report = out / "report.tmp.html"  # opened by the browser as HTML, removed after the shot
    download.value.save_as(report)

    page.evaluate("window.scrollTo(0, 0)")
    open_tab(page, "Batch")
    page.locator("#batch-files input[type=file]").set_input_files([str(p) for p in examples[:4]])
    page.wait_for_timeout(1000)
    page.click("#batch-button")
    page.locator("#batch-csv a").first.wait_for(timeout=120_000)
    page.locator("#batch-table").scroll_into_view_if_needed()
    shot("batch")

    page.evaluate("window.scrollTo(0, 0)")
    open_tab(page, "Evaluate")
    for elem_id, prefix in (("evaluate-bonafide", "real_"), ("evaluate-spoof", "synthetic_")):
        drop_files(page, elem_id, [p for p in examples if p.name.startswith(prefix)], 120_000)
    page.click("#evaluate-button")
    for elem_id in ("evaluate-det", "evaluate-distributions"):
        page.locator(f"#{elem_id}").wait_for(timeout=300_000)
        wait_for_images(page, [elem_id], 300_000)
        shot(elem_id, f"#{elem_id}")

    page.evaluate("window.scrollTo(0, 0)")
    open_tab(page, "Live")
    page.locator("#live-audio button:has-text('Record')").first.click()
    page.wait_for_timeout(10_000)
    page.locator("#live-status").scroll_into_view_if_needed()
    shot("live")
    page.locator("#live-audio button:has-text('Stop')").first.click()

    reader = context.new_page()
    reader.goto(report.resolve().as_uri())
    reader.screenshot(path=str(out / "report.png"))
    taken.append(out / "report.png")
    report.unlink()
    browser.close()
    return taken


def random_antideepfake_weights(folder: Path) -> Path:
    """A weights folder (AASIST_WEIGHTS_DIR) with the packaged AASIST checkpoints and a full-size AntiDeepfake-Small
    of seeded random weights (checkpoint folder ``AntiDeepfake-Small/``)."""
    import json

    import torch
    from safetensors.torch import save_file

    from aasist.models.antideepfake import W2V_SMALL_CONFIG, AntiDeepfake

    for name in ("AASIST.pth", "AASIST-L.pth"):
        (folder / name).symlink_to(ROOT / "aasist" / "pretrained" / name)
    model = folder / "AntiDeepfake-Small"
    model.mkdir()
    torch.manual_seed(26)
    state = AntiDeepfake(W2V_SMALL_CONFIG).state_dict()
    (model / "config.json").write_text(json.dumps({"architecture": "AntiDeepfake", "model_config": W2V_SMALL_CONFIG}))
    save_file({k: v.contiguous() for k, v in state.items()}, str(model / "model.safetensors"))
    return folder


def recommended_shots(playwright, chromium: str, url: str, clip: Path, out: Path) -> list:
    """The default verdict (AntiDeepfake-Small's, AASIST beside it) on the desktop and a 390 px phone: the verdict
    card with the limits beside it, and what the models looked at."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import PHONE, wait_for_images

    from gradio_client import Client, handle_file

    client, deadline = Client(url, verbose=False), time.monotonic() + 600
    while "notice" in client.predict(handle_file(str(clip)), api_name="/analyze"):  # AASIST's until it is loaded
        if time.monotonic() > deadline:
            raise SystemExit("AntiDeepfake-Small was not ready within 10 minutes")
        time.sleep(2)
    taken = []
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    for name, options in (("recommended", dict(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)),
                          ("phone/recommended", PHONE)):
        page = browser.new_page(**options)
        page.goto(url)
        page.wait_for_selector("#analyze-button")
        page.locator("#robustness-option input").uncheck()
        page.locator("#audio-input input[type=file]").set_input_files(str(clip))
        page.wait_for_selector('#audio-input [data-testid^="waveform-"]')
        page.click("#analyze-button")
        page.wait_for_selector("#verdict .verdict-beside", timeout=120_000)
        wait_for_images(page, ["frame-scores", *FIGURES], 120_000)  # (scrolled to: a phone loads them lazily)
        page.wait_for_function("() => !document.querySelector('#report-button').disabled", timeout=120_000)
        page.mouse.move(0, 0)
        if name.startswith("phone"):
            page.evaluate("document.querySelector('#verdict').scrollIntoView({block: 'start'})")
            page.screenshot(path=str(out / f"{name}.png"))
        else:
            page.screenshot(path=str(out / f"{name}.png"), full_page=True, clip=clip_between(page, "h1", "#caveat"))
            page.screenshot(path=str(out / f"{name}_figures.png"), full_page=True,
                            clip=clip_between(page, "h2:has-text('What the model looked at')", "#hsgal-note"))
            taken.append(out / f"{name}_figures.png")
        taken.append(out / f"{name}.png")
        page.close()
    browser.close()
    return taken


def fresh(page) -> None:
    page.reload()
    page.wait_for_selector("#analyze-button")


def main() -> None:
    import tempfile

    from webapp.examples import example_label, find_examples

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (default: start app.py)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--clip", type=Path, help="the recording to show (default: the first synthetic example)")
    parser.add_argument("--only", help=f"take only these shots (comma-separated, of {', '.join(SHOTS)}; "
                                       "analysis includes attention.png, cautions robustness.png)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else set(SHOTS)
    if only - set(SHOTS):
        parser.error(f"unknown shots {', '.join(sorted(only - set(SHOTS)))}; choose from {', '.join(SHOTS)}")

    examples = find_examples()
    synthetic = [p for p in examples if example_label(p).startswith("Synthetic")]
    clip = args.clip or (synthetic or examples)[0]
    args.out.mkdir(parents=True, exist_ok=True)
    taken = []

    def shot(name: str, **kwargs) -> None:
        path = args.out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, **kwargs)
        taken.append(path)

    from playwright.sync_api import sync_playwright

    if only - {"recommended"}:
        with running_app(args.url) as url, sync_playwright() as playwright, tempfile.TemporaryDirectory() as scratch:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
            page.goto(url)
            page.wait_for_selector("#analyze-button")
            if "analysis" in only:
                seconds = analyze(page, clip)
                print(f"{clip.name}: click to verdict and all figures in {seconds:.2f} s")
                page.mouse.move(0, 0)
                page.wait_for_timeout(300)
                shot("analysis", clip=clip_between(page, "h1", "#spectrogram"))
                shot("attention", clip=clip_between(page, "h2:has-text('What the model looked at')", "#hsgal-note"))

            if "cautions" in only:
                # The robustness check and the model comparison on a real clip whose verdict is fragile.
                fragile = next((p for p in examples if p.name == FRAGILE_EXAMPLE), clip)
                fresh(page)
                page.locator("#compare-option input").check()
                analyze(page, fragile)
                page.mouse.move(0, 0)
                shot("cautions", clip=clip_between(page, "#verdict", "#report-button"))
                shot("robustness", clip=clip_between(page, "h2:has-text('Would the verdict survive')", "#robustness"))

            # A clip with an input warning: the phone-quality example, if there is one.
            phone = [p for p in examples if "phone" in p.name or "8khz" in p.name.lower()]
            if "warning" in only and phone:
                fresh(page)
                analyze(page, phone[0])
                page.mouse.move(0, 0)
                shot("warning", clip=clip_between(page, "h1", "#warnings"))

            if "no_speech" in only:
                # A sound without speech: no verdict, and the robustness check and the comparison not run.
                fresh(page)
                page.locator("#compare-option input").check()
                analyze(page, tone_file(Path(scratch)))
                page.mouse.move(0, 0)
                page.wait_for_timeout(300)
                shot("no_speech", clip=clip_between(page, "h1", "#robustness-summary"))

            if "models" in only:
                # The models of the registry, as the "API and about" tab lists them.
                page.get_by_role("tab", name="API and about").click()
                page.locator("#models-list").wait_for()
                shot("models", clip=clip_between(page, "#models-list", "#models-list"))
                page.get_by_role("tab", name="Analyze a recording").click()

            if "batch" in only:
                page.get_by_role("tab", name="Batch").click()
                page.locator("#batch-files input[type=file]").set_input_files([str(p) for p in examples[:6]])
                page.wait_for_timeout(1000)
                page.click("#batch-button")
                page.locator("#batch-csv a").first.wait_for(timeout=120_000)
                page.wait_for_timeout(300)
                shot("batch", clip=clip_between(page, "h1", "#batch-csv"))

            if "evaluate" in only:
                # The Evaluate tab on a small labelled set: the table, the notes and the DET chart.
                bonafide, spoof = evaluation_set(Path(scratch), examples)
                page.get_by_role("tab", name="Evaluate").click()
                for elem_id, files in (("evaluate-bonafide", bonafide), ("evaluate-spoof", spoof)):
                    page.locator(f"#{elem_id} input[type=file]").set_input_files([str(p) for p in files])
                    page.wait_for_function(
                        "([id, name]) => document.querySelector('#' + id).innerText.replace(/\\s/g, '').includes(name)",
                        arg=[elem_id, files[-1].stem], timeout=120_000)
                page.click("#evaluate-button")
                page.wait_for_function("() => { const i = document.querySelector('#evaluate-det img');"
                                       " return i && i.complete && i.naturalWidth > 0; }", timeout=300_000)
                page.mouse.move(0, 0)
                page.wait_for_timeout(300)
                shot("evaluate", clip=clip_between(page, "#evaluate-summary", "#evaluate-det"))
            browser.close()
            if "live" in only:
                live(playwright, args.chromium, url, clip, 10, args.out / "live.png")
                taken.append(args.out / "live.png")
            if "phone" in only:
                taken += phone_shots(playwright, args.chromium, url, clip, examples, args.out / "phone")
    if "recommended" in only:
        with tempfile.TemporaryDirectory() as weights, sync_playwright() as playwright:
            (args.out / "phone").mkdir(parents=True, exist_ok=True)
            env = dict(AASIST_WEIGHTS_DIR=str(random_antideepfake_weights(Path(weights))), HF_HUB_OFFLINE="1",
                       AASIST_RECOMMENDED_MODEL="AntiDeepfake-Small")
            with running_app(None, **env) as url:
                taken += recommended_shots(playwright, args.chromium, url, clip, args.out)
    for path in taken:
        print(path)


if __name__ == "__main__":
    main()
