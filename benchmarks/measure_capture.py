"""Measure what the browser's microphone processing does to the verdict, through the real page.

For each example clip, Chromium's fake microphone (``--use-fake-device-for-media-stream
--use-file-for-fake-audio-capture=CLIP%noloop``) plays the clip into the page's own recorder (Record, Stop, Analyze)
twice: with the page's capture script (``assets/capture.js``: echo cancellation, noise suppression and automatic gain
control off) and with the browser's defaults (the script disabled before it runs). Printed: the spoof probability of
the clip as an uploaded file and of both recordings, the recordings' peak level and what the browser reported it
applied (``MediaStreamTrack.getSettings()``).

    python benchmarks/measure_capture.py [--model AASIST] [--clip assets/examples/x.wav ...]

Needs Playwright (requirements-dev.txt) and Debian's chromium; starts app.py itself. About 15 s per clip.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import local_weights_dir, machine_description, use_local_weights  # noqa: E402

# Runs before the page's own scripts: capture.js returns at once when window.aasistCapture exists, so getUserMedia
# keeps the browser's defaults; the stand-in only records what the browser applied.
BROWSER_DEFAULTS = """
window.aasistCapture = {settings: null, json() { return ""; }};
const defaultGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await defaultGetUserMedia(constraints);
  window.aasistCapture.settings = stream.getAudioTracks()[0].getSettings();
  return stream;
};
"""


def main() -> None:
    import soundfile as sf

    from aasist import Detector
    from app_server import running_app
    from playwright.sync_api import sync_playwright
    from test_capture import EXTRA_RECORDING_S, open_with_microphone, record_and_analyze
    from webapp.examples import find_examples
    from webapp.settings import DEFAULT_MODEL

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, nargs="*", help="clips to play (default: every example clip)")
    args = parser.parse_args()
    clips = args.clip or find_examples()
    print(f"machine: {machine_description()}; weights: {use_local_weights()}")
    detector = Detector.from_pretrained(DEFAULT_MODEL)

    rows = []
    with tempfile.TemporaryDirectory() as work, running_app(local_weights_dir(), Path(work),
                                                             str(Path(work) / "onnx")) as server:
        with sync_playwright() as playwright:
            for clip in clips:
                seconds = sf.info(str(clip)).duration + EXTRA_RECORDING_S
                row = {"clip": clip.name, "file": detector.analyze(clip).spoof_probability}
                for condition, init in (("as spoken", ""), ("browser defaults", BROWSER_DEFAULTS)):
                    browser, page = open_with_microphone(playwright, server.url, clip, init)
                    try:
                        got = record_and_analyze(page, seconds)
                        recording = sorted(Path(server.temp_dir).rglob("audio.wav"), key=lambda p: p.stat().st_mtime)
                        peak = float(np.abs(sf.read(str(recording[-1]), dtype="float32")[0]).max()) if recording \
                            else float("nan")
                    finally:
                        browser.close()
                    applied = got["settings"] or {}
                    on = [k for k in ("autoGainControl", "noiseSuppression", "echoCancellation") if applied.get(k)]
                    row[condition] = (got["spoof_probability"], peak, ", ".join(on) or "none")
                rows.append(row)
                print(f"{clip.name}: file {row['file']:.3f}, as spoken {row['as spoken'][0]:.3f}, "
                      f"browser defaults {row['browser defaults'][0]:.3f}", flush=True)

    print("\n| clip | uploaded file | recorded, processing off (peak) | recorded, browser defaults (peak; on) |")
    print("|---|---|---|---|")
    for row in rows:
        off, default = row["as spoken"], row["browser defaults"]
        print(f"| {row['clip']} | {row['file']:.3f} | {off[0]:.3f} ({off[1]:.2f}) | "
              f"{default[0]:.3f} ({default[1]:.2f}; {default[2]}) |")


if __name__ == "__main__":
    main()
