"""The Evaluate tab: labelled recordings in, each model's EER and the rest out.

In process: the page's handler on the example clips (real_* bona fide, synthetic_* spoof) and a corrupt file, a zip
of labelled folders (unpacked safely and cleaned up), and every bad input as one sentence. Through the running app
(`python app.py`, the run's shared server): Chromium uploads the two sets and sees the table and the DET chart, on a
desktop and on a phone (its charts drawn for it, nothing wider than the screen), and gradio_client calls `/evaluate`.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from browser import drop_files, image_sizes, local_page, open_tab, sideways_px

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from webapp.evaluate_tab import (  # noqa: E402  (importing the web app starts nothing)
    LEFT_OUT_COLUMNS,
    MODEL_COLUMNS,
    NO_MODEL,
    WRONG_COLUMNS,
    EvaluateTab,
)
from webapp.labelled_uploads import NO_RECORDINGS, missing_class_text  # noqa: E402
from webapp.model_pool import ModelPool  # noqa: E402
from webapp.settings import EXAMPLES_DIR, Limits  # noqa: E402

EVALUATION_TIMEOUT_MS = 120_000
REAL = sorted(EXAMPLES_DIR.glob("real_*"))
SYNTHETIC = sorted(EXAMPLES_DIR.glob("synthetic_*"))


def one_sentence(message: str) -> None:
    """A message for people: one line, one or two clauses ending in a full stop, no traceback, no server path."""
    assert "\n" not in message and "Traceback" not in message, message
    assert message.endswith("."), message
    assert tempfile.gettempdir() not in message and "/tmp/" not in message, message


@pytest.fixture(scope="module")
def env(weights_dir, onnx_cache_dir, tmp_path_factory):
    """The packaged weights, offline; results and scratch folders in this test's temporary folder."""
    gradio_dir = tmp_path_factory.mktemp("gradio")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
        patch.setenv("AASIST_CACHE_DIR", onnx_cache_dir)
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("GRADIO_TEMP_DIR", str(gradio_dir))
        yield gradio_dir


@pytest.fixture(scope="module")
def pool(env) -> ModelPool:
    return ModelPool()


@pytest.fixture(scope="module")
def tab(pool) -> EvaluateTab:
    return EvaluateTab(pool)


@pytest.fixture(scope="module")
def corrupt(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corrupt") / "broken_take.wav"
    path.write_bytes(b"not a recording " * 64)
    return path


def page_changes(tab, *arguments) -> list:
    """What the page's Evaluate changes, update by update (``EvaluateUpdate.changes()``)."""
    return [update.changes() for update in tab.evaluate_page(*arguments)]


@pytest.fixture(scope="module")
def page_updates(tab, corrupt) -> list:
    """The page's Evaluate on the example clips, a corrupt file among the real ones, with AASIST and AASIST-L."""
    return page_changes(tab, [str(p) for p in REAL] + [str(corrupt)], [str(p) for p in SYNTHETIC], None,
                        ["AASIST", "AASIST-L"])


@pytest.fixture(scope="module")
def page_result(page_updates) -> dict:
    """What the page shows once the evaluation is done: every update applied."""
    return {name: value for changes in page_updates for name, value in changes.items()}


@pytest.fixture(scope="module")
def desktop_widths() -> dict:
    """How wide the desktop's charts are (image pixels), whatever the evaluation: {component: width}."""
    from aasist.evaluation.evaluation import Evaluation, model_evaluation
    from aasist.views.evaluation_report import evaluation_figures

    model = model_evaluation("AASIST", np.array([0.1, 0.6]), np.array([0.9]), bootstrap_rounds=10)
    figures = evaluation_figures(Evaluation([model], [], "2025-03-04T05:06:07+00:00", 10, 0))
    return {"det": figures.det.shape[1], "distributions": figures.scores.shape[1]}


def write_zip(path: Path, members: dict) -> Path:
    """A zip of ``{name inside the zip: file to store, or bytes}``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, source in members.items():
            zipped.writestr(name, source if isinstance(source, bytes) else Path(source).read_bytes())
    return path


# --- the page's handler, in process --------------------------------------------------------------------------------


def test_the_table_gives_each_models_eer_interval_threshold_and_errors(page_result):
    table = page_result["table"]
    assert list(table.columns) == list(MODEL_COLUMNS)
    assert list(table["Model"]) == ["AASIST", "AASIST-L"]
    for _, row in table.iterrows():
        assert row["Bona fide"] == len(REAL) and row["Spoof"] == len(SYNTHETIC)  # the corrupt file is not counted
        # As all the page's text, each number joined to its unit by a no-break space.
        assert row["EER"].endswith("\u00a0%") and "–" in row["95\u00a0% interval"]
        assert 0 <= float(row["Threshold at the EER"]) <= 1
        assert re.fullmatch(rf"\d+ of {len(REAL)} \(\d+\.\d\u00a0%\)", row["False alarms at 0.5"])
        assert re.fullmatch(rf"\d+ of {len(SYNTHETIC)} \(\d+\.\d\u00a0%\)", row["Misses at 0.5"])
    data = page_result["result_json"]
    assert [m["model"] for m in data["models"]] == ["AASIST", "AASIST-L"]
    first = data["models"][0]
    assert table.iloc[0]["False alarms at 0.5"].startswith(f"{first['false_alarms_at_0.5']} of ")
    assert first["eer_ci95"][0] <= first["eer"] <= first["eer_ci95"][1]
    json.dumps(data)


def test_the_notes_the_charts_and_the_recordings_left_out(page_result, corrupt):
    from aasist.evaluation.evaluation import FEW_PER_CLASS

    summary = page_result["summary"]
    assert f'data-n-bonafide="{len(REAL)}"' in summary and f'data-n-spoof="{len(SYNTHETIC)}"' in summary
    assert 'data-left-out="1"' in summary and "AASIST and AASIST-L" in summary
    notes = summary.split('<ul class="evaluation-notes">')[1]
    assert notes.count("<li>") >= 4  # left out, the small set's wide interval, one per model
    assert "could not be decoded" in notes and f"under {FEW_PER_CLASS} in a class" in notes
    assert page_result["results"]["visible"] is True
    for name, width in (("det", 900), ("distributions", 900)):
        image = page_result[name]
        assert isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[1] >= width, name
        assert image.std() > 10, name  # drawn, not blank
    left_out = page_result["left_out"]["value"]
    assert list(left_out.columns) == list(LEFT_OUT_COLUMNS)
    assert list(left_out["Recording"]) == [corrupt.name] and list(left_out["Label"]) == ["bona fide"]
    assert "not an audio file" in left_out.iloc[0]["Why it was left out"]
    one_sentence(left_out.iloc[0]["Why it was left out"].split(": ", 1)[1])


def test_the_most_wrong_calls_are_the_wrong_ones_most_wrong_first(page_result):
    wrong = page_result["most_wrong"]["value"]
    assert list(wrong.columns) == list(WRONG_COLUMNS)
    names = {p.name for p in REAL + SYNTHETIC}
    margins = []
    for _, row in wrong.iterrows():
        assert row["Recording"] in names and row["Model"] in ("AASIST", "AASIST-L")
        assert row["Called at 0.5"] != row["Label"]
        assert (row["Spoof probability"] >= 0.5) == (row["Called at 0.5"] == "spoof")
        margins.append(abs(row["Spoof probability"] - 0.5))
    assert margins == sorted(margins, reverse=True)
    assert page_result["most_wrong"]["visible"] == (len(wrong) > 0)


def test_the_json_and_the_report_name_the_recordings_as_given(page_result, corrupt):
    files = page_result["result_json"]["files"]
    assert [f["file"] for f in files] == [p.name for p in REAL] + [corrupt.name] + [p.name for p in SYNTHETIC]
    assert [f["label"] for f in files] == ["bona fide"] * (len(REAL) + 1) + ["spoof"] * len(SYNTHETIC)
    assert "error" in files[len(REAL)] and set(files[0]["spoof_probability"]) == {"AASIST", "AASIST-L"}
    report = page_result["report"]
    assert report["interactive"] is True
    path = Path(report["value"])
    assert path.name == "evaluation-report.html" and path.is_file()
    text = path.read_text()
    assert all(p.name in text for p in REAL + SYNTHETIC) and corrupt.name in text
    assert text.count("data:image/png;base64,") == 4 and "<script" not in text.lower()  # each chart twice: desktop,
    assert text.count('<source media="') == 2  # and a phone's
    assert str(EXAMPLES_DIR) not in text and tempfile.gettempdir() not in text


def test_the_results_come_before_the_report(page_updates):
    """The page shows the results first, the report's button disabled (a previous report is not this one's), then
    the report: writing it draws the charts for the other screen too."""
    assert [sorted(changes) for changes in page_updates][1:] == [["report"]]
    first = page_updates[0]
    assert first["report"]["interactive"] is False and first["report"]["value"] is None
    assert {"summary", "table", "det", "distributions"} <= set(first)


def test_a_phone_gets_charts_drawn_for_it(tab, desktop_widths):
    """The width the page shows the charts at (measured in the browser) draws them for that screen: 2 image pixels
    per CSS px. The report embeds them as its phone's charts, and the desktop's beside them."""
    shown = {}
    for changes in page_changes(tab, [str(p) for p in REAL[:2]], [str(p) for p in SYNTHETIC[:2]], None, ["AASIST"],
                                340):
        shown.update(changes)
    assert shown["det"].shape[1] == 680 and shown["distributions"].shape[1] == 680
    text = Path(shown["report"]["value"]).read_text()
    assert re.findall(r'<source [^>]*width="(\d+)"', text) == ["340", "340"]
    assert re.findall(r'<img [^>]*width="(\d+)"', text) == [str(desktop_widths["det"]),
                                                             str(desktop_widths["distributions"])]


def test_a_zip_of_labelled_folders_at_any_depth_is_unpacked_safely_and_removed(tab, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the zip is unpacked
    archive = write_zip(tmp_path / "my set.zip", {
        **{f"set/Real/{p.name}": p for p in REAL[:2]},
        **{f"set/takes/2024/fake/{p.name}": p for p in SYNTHETIC[:2]},
        "set/README.txt": b"not a recording, ignored",
        f"__MACOSX/set/Real/._{REAL[0].name}": b"macOS metadata, ignored",
        # A name that climbs out of the zip: it becomes a name, never a path on the server.
        f"../../bonafide/{REAL[2].name}": REAL[2],
    })
    result = tab.evaluate(archive=str(archive), models=["AASIST"])  # the API's handler
    files = [(f["file"], f["label"]) for f in result["files"]]
    assert files == ([(f"set/Real/{p.name}", "bona fide") for p in REAL[:2]]
                     + [(f"set/takes/2024/fake/{p.name}", "spoof") for p in SYNTHETIC[:2]]
                     + [(f"bonafide/{REAL[2].name}", "bona fide")])
    assert [m["model"] for m in result["models"]] == ["AASIST"]
    assert result["models"][0]["n_bonafide"] == 3 and result["models"][0]["n_spoof"] == 2
    assert list(scratch.iterdir()) == []  # unpacked into a temporary folder, removed afterwards
    assert not (tmp_path.parent / "bonafide").exists() and not (tmp_path / "bonafide").exists()


def test_drops_and_a_zip_together(tab, tmp_path):
    archive = write_zip(tmp_path / "more.zip", {f"spoof/{SYNTHETIC[0].name}": SYNTHETIC[0]})
    result = tab.evaluate([str(REAL[0])], None, str(archive), ["AASIST"])
    assert [(f["file"], f["label"]) for f in result["files"]] == [(REAL[0].name, "bona fide"),
                                                                  (f"spoof/{SYNTHETIC[0].name}", "spoof")]


# --- bad input: one sentence -----------------------------------------------------------------------------------------


def bad_zips(folder: Path) -> dict:
    clip = REAL[0]
    (folder / "not_a_zip.zip").write_bytes(b"PK\x03\x04 but not really a zip")
    return {
        "unlabelled": write_zip(folder / "unlabelled.zip", {f"recordings/{clip.name}": clip}),
        "partly": write_zip(folder / "partly.zip", {f"bonafide/{clip.name}": clip, f"other/{SYNTHETIC[0].name}":
                                                    SYNTHETIC[0]}),
        "empty": write_zip(folder / "empty.zip", {"bonafide/notes.txt": b"no audio here"}),
        "not_a_zip": folder / "not_a_zip.zip",
        "one_class": write_zip(folder / "one_class.zip", {f"real/{clip.name}": clip}),
    }


@pytest.mark.parametrize("case, expected", [
    ("nothing", NO_RECORDINGS),
    ("no_spoof", missing_class_text("spoof")),
    ("no_bonafide", missing_class_text("bona fide")),
    ("no_model", NO_MODEL),
    ("unknown_model", "Unknown model 'AASIST-XL'"),
    ("zip_unlabelled", "holds no folder named bonafide/real or spoof/fake"),
    ("zip_partly", "1 recording(s) in 'partly.zip' lie in no folder named bonafide/real or spoof/fake (e.g. "
                   f"'other/{SYNTHETIC[0].name}')"),
    ("zip_empty", "'empty.zip' holds no recordings"),
    ("zip_not_a_zip", "'not_a_zip.zip' is not a zip archive that can be read"),
    ("zip_one_class", missing_class_text("spoof")),
])
def test_bad_input_is_one_sentence(tab, tmp_path, case, expected):
    zips = bad_zips(tmp_path)
    real, synthetic = [str(p) for p in REAL[:1]], [str(p) for p in SYNTHETIC[:1]]
    arguments = {
        "nothing": (None, None, None, None), "no_spoof": (real, [], None, None),
        "no_bonafide": ([], synthetic, None, None), "no_model": (real, synthetic, None, []),
        "unknown_model": (real, synthetic, None, ["AASIST-XL"]),
        **{f"zip_{name}": (None, None, str(path), None) for name, path in zips.items()},
    }[case]
    for handler in (tab.evaluate, lambda *a: page_changes(tab, *a)):  # the API and the page say the same
        with pytest.raises(gr.Error) as raised:
            handler(*arguments)
        assert expected in raised.value.message
        one_sentence(raised.value.message)


def test_no_scoreable_recording_of_a_class_is_one_sentence(tab, corrupt):
    with pytest.raises(gr.Error, match=r"No bona fide recording could be scored \(of 2: 1 failed") as raised:
        tab.evaluate([str(corrupt)], [str(SYNTHETIC[0])], None, ["AASIST"])
    one_sentence(raised.value.message)


@pytest.mark.parametrize("limits, expected", [
    (Limits(max_evaluation_files=3), "That is 4 recordings; this demo evaluates at most 3 at a time."),
    (Limits(max_evaluation_mb=0.2), "this demo evaluates at most 0.2 MB at a time."),
    (Limits(max_evaluation_audio_s=10), "this demo evaluates at most 10 s of audio at a time."),
])
def test_the_limits_are_checked_before_anything_is_scored(limits, expected, tmp_path):
    class NoModels(ModelPool):
        def get(self, *args, **kwargs):
            raise AssertionError("a model was loaded for a set over the limits")

    tab = EvaluateTab(NoModels(), limits=limits)
    drops = ([str(p) for p in REAL[:2]], [str(p) for p in SYNTHETIC[:2]])
    archive = write_zip(tmp_path / "set.zip", {**{f"real/{p.name}": p for p in REAL[:2]},
                                               **{f"fake/{p.name}": p for p in SYNTHETIC[:2]}})
    for arguments in ((*drops, None, None), (None, None, str(archive), None)):
        with pytest.raises(gr.Error) as raised:
            tab.evaluate(*arguments)
        assert expected in raised.value.message
        one_sentence(raised.value.message)


# --- through the running app -----------------------------------------------------------------------------------------


@pytest.fixture
def page(browser, server):
    """A fresh page on the app; any request to another host is aborted and makes the test fail."""
    with local_page(browser, server) as page:
        yield page


PHONE_HEIGHT = 844  # tests/browser.py's PHONE
CHARTS = ("evaluate-det", "evaluate-distributions")
TABLES = ("evaluate-table", "evaluate-wrong", "evaluate-left-out")


def open_evaluate_tab(page) -> None:
    """The Evaluate tab (on a phone its name is in the tab bar's "More tabs" menu), its content drawn."""
    open_tab(page, "Evaluate")
    page.wait_for_selector("#evaluate-button")
    page.wait_for_selector("#evaluate-models input:checked")  # the tab's content drawn


def evaluate_on_page(page, corrupt: Path) -> dict:
    """Upload the example clips (the corrupt file among the real ones), click Evaluate; done once both charts are
    shown and the report is ready. Returns how long the results and the report took after the click (seconds)."""
    drop_files(page, "evaluate-bonafide", REAL + [corrupt], EVALUATION_TIMEOUT_MS)
    drop_files(page, "evaluate-spoof", SYNTHETIC, EVALUATION_TIMEOUT_MS)
    started = time.perf_counter()
    page.click("#evaluate-button")
    page.wait_for_selector("#evaluate-summary .evaluation-summary", timeout=EVALUATION_TIMEOUT_MS)
    # Loaded where they are: not scrolled into view (wait_for_images), which would take the summary off the screen.
    page.wait_for_function("ids => ids.every(id => { const img = document.querySelector('#' + id + ' img');"
                           " return img && img.complete && img.naturalWidth > 0; })", arg=list(CHARTS),
                           timeout=EVALUATION_TIMEOUT_MS)
    results = time.perf_counter() - started
    page.wait_for_function("() => !document.querySelector('#evaluate-report').disabled",
                           timeout=EVALUATION_TIMEOUT_MS)
    return {"results": results, "report": time.perf_counter() - started}


def chart_sizes(page) -> dict:
    """Each chart's [natural width, shown width] (CSS px), once loaded."""
    return {elem_id: [natural_w, shown_w] for elem_id, (natural_w, _, shown_w, _) in
            image_sizes(page, CHARTS, EVALUATION_TIMEOUT_MS).items()}


def test_page_evaluates_two_uploaded_sets(page, corrupt, desktop_widths):
    """At 1400 px: the table with each model's numbers, and the desktop's charts, as drawn for the report."""
    open_evaluate_tab(page)
    ticked = page.locator("#evaluate-models input:checked")
    assert ticked.count() == 2
    took = evaluate_on_page(page, corrupt)
    summary = page.locator("#evaluate-summary .evaluation-summary")
    assert summary.get_attribute("data-n-bonafide") == str(len(REAL))
    assert summary.get_attribute("data-n-spoof") == str(len(SYNTHETIC))
    table = page.locator("#evaluate-table").inner_text()
    assert "AASIST-L" in table and "%" in table
    headers = [h.strip() for h in page.locator("#evaluate-table th").all_inner_texts() if h.strip()]
    assert headers[:len(MODEL_COLUMNS)] == list(MODEL_COLUMNS)
    sizes = chart_sizes(page)
    assert {elem_id: natural for elem_id, (natural, _) in sizes.items()} == {
        "evaluate-det": desktop_widths["det"], "evaluate-distributions": desktop_widths["distributions"]}
    assert sizes["evaluate-det"][1] > 400
    assert "Traceback" not in page.content()
    print(f"\nEvaluate on a desktop (1400 px): results {took['results']:.2f} s, report {took['report']:.2f} s after "
          "the click")


@pytest.mark.timing
def test_page_evaluates_on_a_phone(browser, server, corrupt, tmp_path):
    """At 390 x 844 (2 device pixels per CSS px): the page never scrolls sideways, the summary comes into view by
    itself, the charts are drawn for the width they are shown at and the tables fit the screen (scrolling inside
    themselves when wider)."""
    with local_page(browser, server, phone=True) as page:
        try:
            open_evaluate_tab(page)
            took = evaluate_on_page(page, corrupt)
            # The summary (what was evaluated, the notes) on the screen, its first lines at least, without a gesture.
            page.wait_for_function(
                "height => { const box = document.querySelector('#evaluate-summary').getBoundingClientRect();"
                " return box.top >= -2 && box.top + Math.min(box.height, 300) <= height; }", arg=PHONE_HEIGHT,
                timeout=EVALUATION_TIMEOUT_MS)
            assert sideways_px(page) == 0
            for elem_id, (natural, shown) in chart_sizes(page).items():
                # 2 image pixels per CSS px shown: sharp, and the charts' text as large as drawn (10 CSS px or more).
                assert shown > 300 and 1.7 * shown <= natural <= 2.3 * shown, (elem_id, natural, shown)
            for elem_id in TABLES:
                table = page.locator(f"#{elem_id}")
                table.scroll_into_view_if_needed()
                box = table.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (elem_id, box)
            assert sideways_px(page) == 0
            assert "Traceback" not in page.content()
        finally:
            page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    print(f"\nEvaluate on a phone (390 px): results {took['results']:.2f} s, report {took['report']:.2f} s after the "
          "click")


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_api_evaluate_returns_the_evaluation(client):
    from gradio_client import handle_file

    result = client.predict([handle_file(str(p)) for p in REAL[:2]], [handle_file(str(p)) for p in SYNTHETIC[:2]],
                            models=["AASIST"], api_name="/evaluate")
    assert [m["model"] for m in result["models"]] == ["AASIST"]
    model = result["models"][0]
    assert {"eer", "eer_ci95", "threshold_at_eer", "false_alarms_at_0.5", "misses_at_0.5", "n_bonafide",
            "n_spoof"} <= set(model)
    assert model["n_bonafide"] == 2 and model["n_spoof"] == 2
    assert [f["file"] for f in result["files"]] == [p.name for p in REAL[:2] + SYNTHETIC[:2]]


def test_api_evaluate_says_what_is_missing_in_one_sentence(client):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as raised:
        client.predict([handle_file(str(REAL[0]))], api_name="/evaluate")
    assert missing_class_text("spoof") in str(raised.value)
