"""The report to keep (aasist.report), opened in a real browser with the network off.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``) driven by Playwright, as in
tests/test_app.py; without it this test fails with a message saying so. Every request the page makes other than its
own file:// URL is aborted and recorded, and the test fails if there was any.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from aasist.audio import load_audio

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "assets" / "examples" / "synthetic_flite_slt_a0009.wav"


@pytest.fixture(scope="module")
def analysed(weights_dir, onnx_cache_dir):
    from aasist.detector import Detector
    from aasist.pipeline import Pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
        patch.setenv("AASIST_CACHE_DIR", onnx_cache_dir)
        detectors = [Detector.from_pretrained(name, backend="onnx") for name in ("AASIST", "AASIST-L")]
    audio = load_audio(CLIP)
    result = Pipeline(detectors).analyze(audio, with_attention=True, robustness=True)
    return detectors[0], audio, result


def test_report_opens_offline_with_the_verdict_and_figures(analysed, browser, tmp_path):
    from aasist import __version__
    from aasist.report import write_report

    detector, audio, result = analysed
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    path = write_report(result, audio, tmp_path / "reports", source_path=CLIP, generated_at=when)
    assert path == tmp_path / "reports" / "synthetic_flite_slt_a0009-report.html"

    context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
    attempted = []

    def block(route):
        if route.request.url == path.as_uri():
            return route.continue_()
        attempted.append(route.request.url)
        return route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    verdict = page.locator("#verdict")
    assert verdict.is_visible()
    assert verdict.get_attribute("data-verdict") == result.verdict == "spoof"
    assert "Likely AI-generated or manipulated (spoof)" in verdict.inner_text()
    images = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => ({src: i.src.slice(0, 22), ok: i.complete && i.naturalWidth > 0}))")
    assert len(images) >= 3
    assert all(i["src"] == "data:image/png;base64," and i["ok"] for i in images), images
    figures = page.eval_on_selector_all("figure", "fs => fs.map(f => f.dataset.figure)")
    assert {"spectrogram", "robustness", "spectral_attention", "temporal_attention"} <= set(figures)

    text = page.inner_text("body")
    for expected in (result.robustness.summary_sentence(), "Model agreement", detector.checkpoint.sha256,
                     f"aasist {__version__}", "synthetic_flite_slt_a0009.wav", "2025-03-04 05:06:07 UTC",
                     "16000 Hz", f"{result.duration_s:.2f} s", "never as proof",
                     f"{detector.checkpoint.sha256} (matches the published SHA-256)"):
        assert expected in text, expected
    from aasist.weights import file_sha256

    assert file_sha256(CLIP) in text
    assert attempted == [], f"the report tried to load {attempted}"
    context.close()

    # A second report of the same file does not overwrite the first.
    again = write_report(result, audio, tmp_path / "reports", source_path=CLIP, generated_at=when)
    assert again.name == "synthetic_flite_slt_a0009-report-2.html" and path.read_text() == again.read_text()
