"""The Live and Batch tabs and the model agreement on a phone (``browser.PHONE``: 390 x 844 CSS px, device pixel
ratio 2), in a real browser, and the same page on a desktop (1400 px).

On the phone the page never scrolls sideways; the live chart is the one drawn for a phone
(``live_chart.draw_live_chart(width=...)``), its text at least 10 CSS px as shown; the Batch table scrolls inside
itself with the file and its verdict readable without scrolling; the model agreement puts each model's training and
published results under its row. At 1400 px the desktop's chart and table are shown as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from browser import (FAKE_MICROPHONE, PHONE, drop_files, launch, local_page, open_tab, sideways_px,  # noqa: E402
                     upload_recording)
from test_app import ANALYSIS_TIMEOUT_MS  # noqa: E402
from test_live import FIRST_WINDOW_S, HOP_S, example, wait_for_stream_time  # noqa: E402

from aasist.views.present import TABLE_COLUMNS  # noqa: E402
from webapp.batch_tab import COLUMN_WIDTHS  # noqa: E402

DESKTOP_WIDTH = 1400
MIN_TEXT_PX = 10  # the smallest text a figure may show on a phone (the issue)

# Each live chart's layout, whether it is shown, and the smallest text in it in CSS px (its font size in SVG units
# times the scale it is drawn at).
CHARTS = """
() => [...document.querySelectorAll('#live-chart svg.live-chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return {layout: svg.dataset.layout, shown: box.width > 0, width: box.width, right: box.right,
          points: parseInt(svg.dataset.points), smallest_text: Math.min(...sizes)};
})
"""
# Where an element is on the screen, in CSS px.
BOX = ("e => { const r = e.getBoundingClientRect();"
       " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }")

# The Batch table: its width, whether it scrolls inside itself, and the file and verdict columns' cells: [text, left,
# right] (and the verdict's lines of text).
BATCH_CELLS = """
([fileCol, verdictCol]) => {
  const viewport = document.querySelector('#batch-table .virtual-table-viewport');
  const cells = col => [...document.querySelectorAll(`#batch-table .body-cell[data-col="${col}"]`)];
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; };
  return {width: viewport.clientWidth, scrolls: viewport.scrollWidth > viewport.clientWidth,
          files: cells(fileCol).map(c => [c.innerText.replace(/\\s/g, ''), ...box(c)]),
          verdicts: cells(verdictCol).map(c => [c.innerText.trim(), ...box(c),
                                                c.querySelector('span').getClientRects().length])};
}
"""


@pytest.mark.timing
def test_live_tab_on_a_phone_shows_the_phone_chart(playwright, server, tmp_path):
    """Synthetic speech into the fake microphone for two windows, on a phone; then the same page at 1400 px."""
    clip = example("synthetic_flite_slt")
    browser = launch(playwright, *FAKE_MICROPHONE, f"--use-file-for-fake-audio-capture={clip}")
    try:
        page = browser.new_context(**PHONE, permissions=["microphone"]).new_page()
        page.goto(server)
        page.wait_for_selector("#analyze-button")
        open_tab(page, "Live")
        page.locator("#live-audio button:has-text('Record')").first.click()
        wait_for_stream_time(page, FIRST_WINDOW_S + HOP_S, chart='#live-chart svg[data-layout="narrow"]')
        page.locator("#live-audio button:has-text('Stop')").first.click()
        page.wait_for_selector('#live-status .live-status[data-state="stopped"]', timeout=ANALYSIS_TIMEOUT_MS)
        page.locator("#live-chart").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "live-phone.png"), full_page=True)
        on_phone = {chart["layout"]: chart for chart in page.evaluate(CHARTS)}
        sideways = sideways_px(page)
        status, log = (page.locator(card).evaluate(BOX) for card in ("#live-status .live-status", "#live-log .live-log"))
        headline = page.locator("#live-status .live-headline")
        headline_px = headline.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 1000})
        on_desktop = {chart["layout"]: chart for chart in page.evaluate(CHARTS)}
    finally:
        browser.close()
    assert sideways == 0
    phone = on_phone["narrow"]
    assert phone["shown"] and not on_phone["desktop"]["shown"], on_phone
    assert phone["points"] >= 2  # both windows drawn
    assert phone["smallest_text"] >= MIN_TEXT_PX, on_phone
    assert phone["right"] <= 390 and phone["width"] >= 320, on_phone  # as wide as the screen's column
    for box in (status, log):
        assert box["left"] >= 0 and box["right"] <= 390, box
    assert 16 <= headline_px <= 22  # the status's headline: large, yet "Stopped after 6.1 s" fits a line or two
    assert on_desktop["desktop"]["shown"] and not on_desktop["narrow"]["shown"], on_desktop
    assert on_desktop["desktop"]["points"] == phone["points"]


def test_batch_table_on_a_phone_shows_file_and_verdict(browser, server, tmp_path):
    """Three example clips through the Batch tab on a phone: the page does not scroll sideways, the table scrolls
    inside itself, and each row's file and verdict are on the screen, the verdict on one line."""
    clips = [example(prefix) for prefix in ("real_arctic_slt_a0009_phone", "synthetic_flite_awb", "real_librivox")]
    headers = [header for _, header in TABLE_COLUMNS]
    file_col, verdict_col = headers.index("File"), headers.index("Verdict")
    with local_page(browser, server, phone=True) as page:
        open_tab(page, "Batch")
        drop_files(page, "batch-files", clips, ANALYSIS_TIMEOUT_MS)
        page.click("#batch-button")
        page.locator("#batch-csv a").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        page.locator("#batch-table").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "batch-phone.png"), full_page=True)
        sideways = sideways_px(page)
        table = page.evaluate(BATCH_CELLS, [file_col, verdict_col])
        page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 1000})
        # The table lays its columns out again after the resize (a frame or more later under load): measure then.
        page.wait_for_function("() => { const v = document.querySelector('#batch-table .virtual-table-viewport');"
                               " return v.scrollWidth <= v.clientWidth; }", timeout=30_000)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        desktop = page.evaluate(BATCH_CELLS, [file_col, verdict_col])
    assert sideways == 0
    assert table["scrolls"]  # the other columns are a swipe away inside the table
    assert sorted(name for name, *_ in table["files"]) == sorted(p.name for p in clips)
    for _, left, right in table["files"]:
        assert left >= 0 and right <= 390 and right - left >= 120, table  # about 14 characters a line, or more
    assert {verdict for verdict, *_ in table["verdicts"]} <= {"spoof", "bona fide"}, table
    for _, left, right, lines in table["verdicts"]:
        assert left >= 0 and right <= 390 and lines == 1, table
    # At 1400 px the columns have their desktop widths again, a share of the table's (webapp/batch_tab.py).
    _, left, right = desktop["files"][0]
    assert not desktop["scrolls"]
    assert (right - left) / desktop["width"] == pytest.approx(float(COLUMN_WIDTHS["file"].rstrip("%")) / 100, abs=0.01)


def test_model_agreement_on_a_phone_puts_the_facts_under_each_row(browser, server):
    """Compare models on a phone: each model's training and published results under its row, across the table;
    at 1400 px in a column of their own, as before."""
    with local_page(browser, server, phone=True) as page:
        upload_recording(page, example("synthetic_flite_awb"), ANALYSIS_TIMEOUT_MS)
        page.locator("#robustness-option input[type=checkbox]").set_checked(False)
        page.locator("#compare-option input[type=checkbox]").set_checked(True)
        page.click("#analyze-button")
        page.wait_for_selector("#agreement .agreement", timeout=ANALYSIS_TIMEOUT_MS)
        row = page.locator('#agreement tr[data-model="AASIST"]')
        model, facts = (row.locator(cell).evaluate(BOX) for cell in ("td >> nth=0", "td.model-facts"))
        table = page.locator("#agreement table").evaluate(BOX)
        header_shown = page.locator("#agreement th.model-facts").is_visible()
        sideways = sideways_px(page)
        page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 1000})
        desktop_model, desktop_facts = (row.locator(cell).evaluate(BOX) for cell in ("td >> nth=0", "td.model-facts"))
        desktop_header_shown = page.locator("#agreement th.model-facts").is_visible()
    assert sideways == 0
    assert facts["top"] >= model["bottom"] - 1, (model, facts)  # under the row
    assert facts["left"] - table["left"] <= 1 and facts["right"] >= table["right"] - 1, (facts, table)
    assert table["right"] <= 390 and not header_shown
    assert desktop_facts["left"] > desktop_model["right"] and desktop_header_shown  # beside, as before
