"""The report of an evaluation (aasist.views.evaluation_report), built from known numbers and opened in a real browser
with the network off.

No model runs: the recordings' probabilities are made up (``FileScore``) and ``evaluation_of`` computes the numbers,
so that every number the report shows can be checked against the library's own. The browser is Debian's Chromium
driven by Playwright (tests/browser.py), as in tests/test_report.py, whose ``open_offline`` aborts and records every
request other than the file's own.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from browser import numbers_split_from_units, sideways_px

from aasist.evaluation.evaluation import BONA_FIDE, SPOOF, FileScore, evaluation_of

CREATED = "2025-03-04T05:06:07+00:00"
ERROR = "The file 'broken.wav' is not audio that can be decoded (unknown format)."
ODD_NAME = "set/spoof/<b>odd & \"name\"</b>.wav"
SHA = {"AASIST": "a" * 64, "AASIST-L": "b" * 64}


def _detector(name: str):
    """What ``evaluation_of`` reads of a detector: its model's name, architecture and weights' checksum."""
    return SimpleNamespace(model_name=name, architecture=name, checkpoint=SimpleNamespace(sha256=SHA[name]))


def _scores(n_bonafide: int = 12, n_spoof: int = 9, seed: int = 0) -> list:
    """Recordings with made-up probabilities of AASIST (good) and AASIST-L (worse), a few wrong at 0.5, one that
    could not be decoded, one without speech and one with characters that HTML must escape."""
    rng = np.random.default_rng(seed)
    scores = []
    for k in range(n_bonafide + n_spoof):
        label = BONA_FIDE if k < n_bonafide else SPOOF
        sign = -1 if label == BONA_FIDE else 1
        probabilities = {name: float(1 / (1 + np.exp(-rng.normal(sign * separation, 1.5))))
                         for name, separation in (("AASIST", 2.5), ("AASIST-L", 1.0))}
        name = ODD_NAME if k == n_bonafide else f"set/{label.replace(' ', '')}/clip_{k:03d}.wav"
        scores.append(FileScore(name, label, probabilities, speech_s=3.0, duration_s=4.0))
    scores.append(FileScore("set/spoof/broken.wav", SPOOF, error=ERROR))
    scores.append(FileScore("set/bonafide/tone.wav", BONA_FIDE, {"AASIST": 0.99, "AASIST-L": 0.97}, no_speech=True,
                            speech_s=0.0, duration_s=5.0))
    return scores


@pytest.fixture(scope="module")
def evaluation():
    evaluation = evaluation_of(_scores(), [_detector("AASIST"), _detector("AASIST-L")], bootstrap_rounds=200, seed=7)
    evaluation.created = CREATED
    assert evaluation.most_wrong(10) and evaluation.failed_files and evaluation.no_speech_files
    return evaluation


@pytest.fixture(scope="module")
def figures(evaluation):
    from aasist.views.evaluation_report import evaluation_figures

    return evaluation_figures(evaluation)


def test_report_opens_offline_with_every_part(evaluation, figures, browser, tmp_path):
    from test_report import open_offline

    from aasist import __version__
    from aasist.views.evaluation_report import write_evaluation_report
    from aasist.views.present import (EVALUATION_LIMITS, EVALUATION_NOT_DECODED, MODEL_LIMITS, eer_interval_text,
                                      eer_text, evaluation_notes, evaluation_set_text, keep_units_together)

    path = write_evaluation_report(evaluation, tmp_path / "reports")  # figures drawn here
    assert path == tmp_path / "reports" / "evaluation-report.html"
    context, page, attempted = open_offline(browser, path)

    assert page.title() == "AASIST evaluation: AASIST, AASIST-L, 2025-03-04 05:06:07 UTC"
    assert page.inner_text("h1") == "Is this voice real? Evaluation report"
    assert "2025-03-04 05:06:07 UTC" in page.inner_text("header")
    assert evaluation_set_text(evaluation) in page.inner_text("#set")

    # One row per model, with the library's numbers.
    rows = page.locator("#models tr[data-model]")
    assert rows.count() == 2
    for i, m in enumerate(evaluation.models):
        row = rows.nth(i)
        assert row.get_attribute("data-model") == m.model
        cells = row.locator("td").all_inner_texts()
        # Each number joined to its unit by a no-break space ("12.3 %"), as in every report.
        assert cells[:4] == [m.model, keep_units_together(eer_text(m.eer)),
                             keep_units_together(eer_interval_text(m.eer_ci95)), f"{m.threshold_at_eer:.6g}"]
        assert cells[4].startswith(f"{m.false_alarms_at_05} of {m.n_bonafide}")
        assert cells[5].startswith(f"{m.misses_at_05} of {m.n_spoof}")
        assert cells[6].startswith(f"{m.false_alarms_at_eer} of {m.n_bonafide}")
        assert cells[7].startswith(f"{m.misses_at_eer} of {m.n_spoof}")
        assert cells[8:] == [str(m.n_bonafide), str(m.n_spoof)]

    # With what: architecture, weights, library, bootstrap.
    versions = page.inner_text("#versions")
    for expected in (SHA["AASIST"], SHA["AASIST-L"], f"aasist {__version__}", "200 rounds, seed 7"):
        assert expected in versions, expected

    notes = page.locator("#notes li").all_inner_texts()
    assert notes == [keep_units_together(note) for note in evaluation_notes(evaluation)] and len(notes) >= 3

    # Both figures load from the file itself.
    images = page.eval_on_selector_all(
        "figure img", "imgs => imgs.map(i => ({figure: i.closest('figure').dataset.figure, "
                      "src: i.src.slice(0, 22), width: i.naturalWidth, ok: i.complete}))")
    assert [i["figure"] for i in images] == ["det", "scores"]
    assert all(i["src"] == "data:image/png;base64," and i["ok"] and i["width"] > 0 for i in images), images
    assert images[0]["width"] == figures.det.shape[1]

    # The recordings most wrong, those left out with the reason, and every recording.
    assert page.locator("#most-wrong tr").count() == 1 + len(evaluation.most_wrong(10))
    worst = evaluation.most_wrong(1)[0]
    assert page.locator("#most-wrong tr").nth(1).locator("td").all_inner_texts()[:3] == [
        worst.file, worst.label, worst.model]
    failed = page.locator('#left-out li[data-state="failed"]')
    assert failed.count() == 1
    assert failed.inner_text() == f"set/spoof/broken.wav (spoof): {EVALUATION_NOT_DECODED}: {ERROR}"
    no_speech = page.locator('#left-out li[data-state="no_speech"]')
    assert no_speech.count() == 1 and "set/bonafide/tone.wav" in no_speech.inner_text()
    recordings = page.locator("#recordings-table tr")
    assert recordings.count() == 1 + len(evaluation.files)
    assert page.locator('#recordings-table tr[data-counted="false"]').count() == 2
    odd = page.locator("#recordings-table tr", has_text="odd &").locator("td").all_inner_texts()
    odd_score = next(f for f in evaluation.files if f.file == ODD_NAME)
    assert odd[0] == ODD_NAME  # shown as written, not read as HTML
    assert odd[2:4] == [f"{odd_score.spoof_probability[m]:.6g}" for m in ("AASIST", "AASIST-L")]
    wrong_cells = page.locator("#recordings-table td.wrong").count()
    assert wrong_cells == sum(m.false_alarms_at_05 + m.misses_at_05 for m in evaluation.models) > 0

    limits = page.inner_text("#limits")
    assert EVALUATION_LIMITS in limits and MODEL_LIMITS[-1] in limits
    assert attempted == [], f"the report tried to load {attempted}"
    context.close()

    # A second report in the same folder does not overwrite the first.
    again = write_evaluation_report(evaluation, tmp_path / "reports", figures=figures)
    assert again.name == "evaluation-report-2.html" and path.is_file()


def test_report_is_self_contained_and_escaped(evaluation, figures):
    from aasist.views.evaluation_report import evaluation_report_html

    document = evaluation_report_html(evaluation, figures=figures)
    assert document.startswith("<!DOCTYPE html>") and "<style>" in document
    for external in ("<script", "<link", 'src="http', "url(", "@import"):
        assert external not in document, external
    assert ODD_NAME not in document and "&lt;b&gt;odd &amp; &quot;name&quot;&lt;/b&gt;.wav" in document

    fragment = evaluation_report_html(evaluation, full_document=False, figures=figures)
    assert fragment.startswith('<div class="evaluation-report">') and fragment.endswith("</div>")
    assert "<html" not in fragment and "<style" not in fragment and 'data-figure="det"' in fragment


def test_report_when_nothing_is_wrong_or_left_out(tmp_path):
    """Perfect models on a small set: the report says that nothing is wrong and nothing was left out."""
    from aasist.views.evaluation_report import evaluation_report_html
    from aasist.views.present import EVALUATION_NOTHING_LEFT_OUT, EVALUATION_NOTHING_WRONG

    scores = [FileScore(f"{label}_{k}.wav", label, {"AASIST": p, "AASIST-L": p})
              for k, (label, p) in enumerate([(BONA_FIDE, 0.01), (BONA_FIDE, 0.2), (SPOOF, 0.97)])]
    evaluation = evaluation_of(scores, [_detector("AASIST"), _detector("AASIST-L")], bootstrap_rounds=20)
    assert evaluation.models[0].eer == 0
    document = evaluation_report_html(evaluation)
    assert EVALUATION_NOTHING_WRONG in document and EVALUATION_NOTHING_LEFT_OUT in document
    assert 'class="num wrong"' not in document


# --- on a phone ------------------------------------------------------------------------------------------------------


def _open(browser, path, phone: bool):
    """(context, page): the report opened offline on a 390 x 844 phone (2 device pixels per CSS px) or in a 1400 px
    wide window."""
    from browser import PHONE

    context = browser.new_context(offline=True, **(PHONE if phone else dict(viewport={"width": 1400, "height": 900})))
    context.route("**/*", lambda route: route.continue_() if route.request.url == path.as_uri() else route.abort())
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page


def _shown_figures(page) -> dict:
    """{figure: [natural width, shown width, from the phone's source]} of the figures' images, as the browser picked
    them (widths in CSS px: an image of a "2x" source is naturally half its pixel width)."""
    return page.eval_on_selector_all(
        "figure img", "imgs => Object.fromEntries(imgs.map(i => [i.closest('figure').dataset.figure,"
                      " [i.naturalWidth, i.width, i.currentSrc !== i.src]]))")


def test_report_reads_on_a_phone_and_keeps_the_desktop_figures_on_a_desktop(evaluation, figures, browser, tmp_path):
    """On a phone the page never scrolls sideways: each figure is the one drawn for a phone, at most 2.3 image
    pixels per CSS px it is shown at, and the wide tables scroll inside their box. At 1400 px: the desktop's
    figures, at their own size."""
    from aasist.views.evaluation_report import write_evaluation_report
    from aasist.views.layout import PHONE

    path = write_evaluation_report(evaluation, tmp_path, figures=figures)  # the desktop's given, the phone's drawn
    context, page = _open(browser, path, phone=True)
    try:
        assert sideways_px(page) == 0
        shown = _shown_figures(page)
        assert set(shown) == {"det", "scores"}
        for name, (natural, width, phone) in shown.items():
            pixels = natural * PHONE.pixel_ratio  # drawn 360 CSS px wide at 2 pixels per CSS px
            assert phone and pixels == 720 and width >= 300 and pixels <= 2.3 * width, (name, natural, width)
        boxes = page.eval_on_selector_all(
            ".table-scroll", "divs => divs.map(d => [d.getBoundingClientRect().right, d.scrollWidth, d.clientWidth])")
        assert len(boxes) >= 3 and all(right <= 390 for right, _, _ in boxes), boxes
        assert any(inside > box for _, inside, box in boxes)  # the models' table, ten columns: scrolls inside
        for selector in ("#left-out li", "#most-wrong td.file"):
            right = page.eval_on_selector_all(selector, "els => Math.max(...els.map(e => e.getBoundingClientRect()"
                                                        ".right))")
            assert right <= 390, selector
        # No number on one line and its unit on the next (the EERs' "%", the notes' "95 % interval").
        numbers, split = numbers_split_from_units(page)
        assert numbers >= 10 and split == [], split
    finally:
        context.close()
    context, page = _open(browser, path, phone=False)
    try:
        assert _shown_figures(page) == {"det": [figures.det.shape[1]] * 2 + [False],
                                        "scores": [figures.scores.shape[1]] * 2 + [False]}
    finally:
        context.close()


def test_the_page_figures_are_embedded_with_the_other_layout_drawn(evaluation):
    """The figures given (the page's) go into the report as they are; the other layout is drawn. A narrow page's
    serve as the phone's only when drawn about as wide as a phone's (aasist.views.layout.PHONE)."""
    import re

    from aasist.views.evaluation_report import evaluation_figures, evaluation_report_html
    from aasist.views.layout import PHONE, Layout
    from aasist.views.report import png_data_uri

    def sizes(document: str) -> tuple:
        return (re.findall(r'<source [^>]*width="(\d+)"', document),
                re.findall(r'<img [^>]*width="(\d+)"', document))

    for layout, phone_width in ((PHONE, "360"), (Layout(width_px=340), "340"), (Layout(width_px=600), "360")):
        given = evaluation_figures(evaluation, layout)
        document = evaluation_report_html(evaluation, figures=given)
        assert sizes(document) == ([phone_width] * 2, ["960", "1100"]), layout
        assert (png_data_uri(given.det) in document) == (phone_width == str(layout.width_px))
        assert document.count("data:image/png;base64,") == 4
