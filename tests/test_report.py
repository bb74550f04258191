"""The report to keep (aasist.views.report), opened in a real browser with the network off.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``) driven by Playwright, as in
tests/test_app.py; without it this test fails with a message saying so. Every request the page makes other than its
own file:// URL is aborted and recorded, and the test fails if there was any.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from browser import numbers_split_from_units, sideways_px

from aasist.audio.decoding import load_audio

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "assets" / "examples" / "synthetic_flite_slt_a0009.wav"


@pytest.fixture(scope="module")
def analysed(packaged_detectors):
    from aasist.inference.pipeline import Pipeline

    audio = load_audio(CLIP)
    result = Pipeline(packaged_detectors).analyze(audio, with_attention=True, robustness=True)
    return packaged_detectors[0], audio, result


def open_offline(browser, path: Path):
    """(context, page, attempted): the report opened with the network off, every other request aborted and listed."""
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
    return context, page, attempted


def test_report_opens_offline_with_the_verdict_and_figures(analysed, browser, tmp_path):
    from aasist import __version__
    from aasist.views.present import keep_units_together, speech_text
    from aasist.views.report import write_report

    detector, audio, result = analysed
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    path = write_report(result, audio, tmp_path / "reports", source_path=CLIP, generated_at=when)
    assert path == tmp_path / "reports" / "synthetic_flite_slt_a0009-report.html"

    context, page, attempted = open_offline(browser, path)

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
    # The library's sentences, each number joined to its unit by a no-break space ("16000 Hz").
    for expected in (result.robustness.summary_sentence(), "Model agreement", detector.checkpoint.sha256,
                     f"aasist {__version__}", "synthetic_flite_slt_a0009.wav", "2025-03-04 05:06:07 UTC",
                     "16000 Hz", f"{result.duration_s:.2f} s", "never as proof",
                     f"{detector.checkpoint.sha256} (matches the published SHA-256)",
                     f"Speech found (Silero VAD)\t{speech_text(result.speech)}"):
        assert keep_units_together(expected) in text, expected
    from aasist.models.weights import file_sha256

    assert file_sha256(CLIP) in text
    assert attempted == [], f"the report tried to load {attempted}"
    context.close()

    # A second report of the same file does not overwrite the first.
    again = write_report(result, audio, tmp_path / "reports", source_path=CLIP, generated_at=when)
    assert again.name == "synthetic_flite_slt_a0009-report-2.html" and path.read_text() == again.read_text()


def test_report_of_a_recording_without_speech(packaged_detectors, browser, tmp_path):
    """A 440 Hz tone: no verdict. The report says so in grey with the reason, marks the probability not meaningful,
    says that the robustness check and the model agreement were not run, and how much speech there was."""
    import numpy as np

    from aasist.audio.decoding import prepare_waveform
    from aasist.inference.pipeline import Pipeline
    from aasist.views.present import NOT_RUN_WITHOUT_SPEECH, keep_units_together, no_speech_reason, verdict_headline
    from aasist.views.report import write_report

    t = np.arange(5 * 16000) / 16000
    audio = prepare_waveform((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    result = Pipeline(packaged_detectors).analyze(audio, with_attention=True, robustness=True)
    assert result.verdict == "no_speech" and result.robustness is None and result.agreement is None
    path = write_report(result, audio, tmp_path)
    context, page, attempted = open_offline(browser, path)

    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "no_speech"
    assert page.locator("#verdict .verdict-headline").inner_text() == verdict_headline("no_speech")
    text = verdict.inner_text()
    assert keep_units_together(no_speech_reason(result.speech)) in text and "Spoof probability: not meaningful" in text
    assert "spoof probability (threshold" not in text  # no percentage as if it were a verdict
    colours = page.evaluate("""() => [...document.querySelectorAll('#verdict, #verdict .verdict-headline')]
        .map(e => [getComputedStyle(e).borderLeftColor, getComputedStyle(e).color])""")
    red, green = "rgb(220, 38, 38)", "rgb(22, 163, 74)"
    assert not {red, green} & {c for pair in colours for c in pair}, colours
    for section in ("robustness", "agreement"):
        assert page.locator(f"#{section}").get_attribute("data-state") == "not_run"
        assert NOT_RUN_WITHOUT_SPEECH in page.locator(f"#{section}").inner_text()
    details = page.locator("#details").inner_text()
    assert "Speech found (Silero VAD)\tno speech" in details and "Speech regions\tnone" in details
    figures = page.eval_on_selector_all("figure", "fs => fs.map(f => f.dataset.figure)")
    assert "spectrogram" in figures and "robustness" not in figures
    assert attempted == [], f"the report tried to load {attempted}"
    context.close()


# What a figure shows: whether the phone's image (its <source>) or the desktop's (its <img src>) is in use, the CSS
# px it is displayed at, and the pixels of the image in use (decoded afresh: naturalWidth of a "2x" source is halved).
FIGURES_SHOWN_JS = """async () => Promise.all([...document.querySelectorAll('figure')].map(async figure => {
    const img = figure.querySelector('img'), source = figure.querySelector('source');
    const probe = new Image();
    probe.src = img.currentSrc;
    await probe.decode();
    return {name: figure.dataset.figure, phone: !!source && img.currentSrc === source.srcset.split(' ')[0],
            desktop: img.currentSrc === img.src, shown: img.getBoundingClientRect().width, pixels: probe.naturalWidth};
}))"""


def open_offline_at(browser, path: Path, width: int, height: int, scale: float):
    context = browser.new_context(offline=True, viewport={"width": width, "height": height},
                                  device_scale_factor=scale)
    context.route("**/*", lambda route: route.continue_() if route.request.url == path.as_uri() else route.abort())
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page


def test_report_reads_on_a_phone_and_keeps_the_desktop_figures_on_a_desktop(analysed, browser, tmp_path):
    """On a 390 x 844 phone (2 device pixels per CSS px) the page never scrolls sideways and every figure is the one
    drawn for a phone, at most 2.3 image pixels per CSS px it is shown at; at 1400 px the desktop figures, drawn
    for the page's own width. Printed: how long writing the report takes and how large it is, with the figures
    given (as the web page gives them) and drawn here."""
    import time

    from aasist.views.layout import PHONE
    from aasist.views.plots import draw_all
    from aasist.views.report import write_report

    detector, audio, result = analysed
    desktop_figures = draw_all(audio, result)
    started = time.perf_counter()
    path = write_report(result, audio, tmp_path, source_path=CLIP, figures=desktop_figures)
    took = time.perf_counter() - started
    print(f"\nreport with the desktop figures given (phone ones drawn): {took * 1000:.0f} ms, "
          f"{path.stat().st_size / 1e6:.2f} MB")
    expected = {"spectrogram", "robustness", "spectral_attention", "temporal_attention"}

    context, page = open_offline_at(browser, path, 390, 844, 2)
    assert sideways_px(page) == 0
    assert page.locator("#verdict").is_visible()
    shown = page.evaluate(FIGURES_SHOWN_JS)
    assert {f["name"] for f in shown} == expected
    for figure in shown:
        assert figure["phone"] and not figure["desktop"], figure
        assert figure["pixels"] == PHONE.width_px * PHONE.pixel_ratio, figure
        assert figure["pixels"] <= 2.3 * figure["shown"], figure
    for table in page.locator(".table-scroll").all():  # wide tables scroll in their box, not the page
        assert table.bounding_box()["x"] + table.bounding_box()["width"] <= 390
    # No number on one line and its unit on the next ("17 %" in the limits, "16000 Hz", the verdict's "%").
    shown, split = numbers_split_from_units(page)
    assert shown >= 10 and split == [], split
    context.close()

    context, page = open_offline_at(browser, path, 1400, 1000, 1)
    shown = page.evaluate(FIGURES_SHOWN_JS)
    assert {f["name"] for f in shown} == expected
    for figure in shown:
        assert figure["desktop"] and not figure["phone"], figure
        assert figure["pixels"] == getattr(desktop_figures, figure["name"]).shape[1], figure
        assert figure["pixels"] <= 1.05 * figure["shown"], figure  # at (about) its own size
    context.close()

    # A phone's page gives its figures: the report draws the desktop's.
    phone_figures = draw_all(audio, result, PHONE)
    started = time.perf_counter()
    again = write_report(result, audio, tmp_path, source_path=CLIP, figures=phone_figures)
    took = time.perf_counter() - started
    print(f"report with the phone figures given (desktop ones drawn): {took * 1000:.0f} ms, "
          f"{again.stat().st_size / 1e6:.2f} MB")
    assert again.stat().st_size == pytest.approx(path.stat().st_size, rel=0.01)
