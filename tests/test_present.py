"""One voice for page, report and command line (aasist.views.present): the same result says the same headline and the
same cautions wherever it is shown, and the Batch tab's CSV has the command line's columns."""

from __future__ import annotations

import csv
import html
import io
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from aasist.text import percent_text  # noqa: E402
from aasist.views.present import CSV_COLUMNS, cautions, keep_units_together, verdict_headline  # noqa: E402

CLIP = REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav"


@pytest.fixture(scope="module")
def cautious_result():
    """A spoof verdict with every caution: two input warnings, models that disagree, two edits that flip it."""
    from aasist.inference.agreement import ModelAgreement, ModelVerdict
    from aasist.inference.detector import DetectionResult, WindowResult
    from aasist.audio.diagnostics import InputWarning
    from aasist.inference.robustness import EDITS, EditResult, RobustnessResult

    flips = {"quieter_12db", "trim_silence"}
    edits = [EditResult(e.name, e.description, 0.2 if e.name in flips else 0.9, "bona fide" if e.name in flips
                        else "spoof", flips=e.name in flips) for e in EDITS]
    return DetectionResult(
        file="call.wav", model="AASIST", protocol="full", spoof_probability=0.93, score=-2.5, verdict="spoof",
        duration_s=6.2, sample_rate=8000,
        windows=[WindowResult(0.0, 4.04, 0.9, -2.0), WindowResult(2.2, 6.2, 0.95, -3.0)],
        warnings=[InputWarning("band_limited", "Phone band."), InputWarning("loud", "Loud.")],
        agreement=ModelAgreement([ModelVerdict("AASIST", 0.93, "spoof"), ModelVerdict("AASIST-L", 0.2, "bona fide")]),
        robustness=RobustnessResult(edits, 0.93, "spoof", 6.2, "the whole recording"),
    )


def texts_of(markup: str, css_class: str) -> list:
    """The text of every element of ``css_class`` in ``markup`` (no nested elements but spans)."""
    found = re.findall(rf'<div class="{css_class}">(.*?)</div>', markup, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def test_page_report_and_cli_say_the_same_headline_and_cautions(cautious_result):
    from aasist.cli import FileOutcome, _print_table
    from aasist.views.plots import Figures
    from aasist.views.report import render_report
    from webapp.views import verdict_html

    result = cautious_result
    expected = cautions(result)
    assert len(expected) == 3 and expected[0] == "2 input warnings below: read them before trusting this result."
    assert expected[1].startswith("The two models disagree: AASIST says spoof (0.93) and AASIST-L says bona fide")
    assert expected[2] == ("Fragile: 2 harmless edits of the recording flip this verdict (see the robustness check "
                           "below).")
    headline = f"{verdict_headline('spoof')} (spoof)"

    page = verdict_html(result)
    assert texts_of(page, "verdict-headline") == [headline]
    assert texts_of(page, "verdict-caution") == expected
    assert keep_units_together(percent_text(0.93)) in page  # "93 %", its number and unit joined on the page

    report = render_report(result, None, figures=Figures(spectrogram=np.zeros((4, 4, 3), np.uint8)))
    assert texts_of(report, "verdict-headline") == [headline]
    assert texts_of(report, "caution") == expected
    assert keep_units_together(percent_text(0.93)) in report

    out = io.StringIO()
    _print_table([FileOutcome("call.wav", result)], out)
    lines = out.getvalue().splitlines()
    assert lines[2].startswith("spoof") and lines[2].endswith("call.wav")
    assert [line.split("caution: ", 1)[1] for line in lines if "caution: " in line] == expected


def test_a_single_flip_and_a_single_warning_are_said_in_the_singular(cautious_result):
    from dataclasses import replace

    from aasist.inference.robustness import RobustnessResult

    robustness = cautious_result.robustness
    one_flip = [replace(e, flips=e.name == "quieter_12db") for e in robustness.edits]
    result = replace(cautious_result, warnings=cautious_result.warnings[:1], agreement=None,
                     robustness=RobustnessResult(one_flip, 0.93, "spoof", 6.2, "the whole recording"))
    assert cautions(result) == [
        "An input warning below: read it before trusting this result.",
        "Fragile: 1 harmless edit of the recording flips this verdict (see the robustness check below).",
    ]


def test_batch_csv_has_the_cli_columns(tmp_path, monkeypatch, model_env):
    """The Batch tab and ``python -m aasist detect --csv`` write the same columns, with the same values."""
    from aasist.cli import main
    from webapp.batch_tab import BatchTab
    from webapp.model_pool import ModelPool

    for key, value in {**model_env, "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}.items():
        monkeypatch.setenv(key, value)
    no_progress = SimpleNamespace(tqdm=lambda iterable, **kwargs: iterable)
    batch = BatchTab(ModelPool()).analyze([str(CLIP)], "AASIST", "full", progress=no_progress)
    cli_csv = tmp_path / "cli.csv"
    assert main(["detect", str(CLIP), "--csv", str(cli_csv)]) == 0
    with open(batch.csv) as f:
        batch_rows = list(csv.DictReader(f))
    with open(cli_csv) as f:
        cli_rows = list(csv.DictReader(f))
    assert list(batch_rows[0]) == list(cli_rows[0]) == list(CSV_COLUMNS)
    assert batch_rows[0]["file"] == CLIP.name and cli_rows[0]["file"] == str(CLIP)
    assert {k: v for k, v in batch_rows[0].items() if k != "file"} == {k: v for k, v in cli_rows[0].items()
                                                                      if k != "file"}
