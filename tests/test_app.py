"""The web demo, end to end: `python app.py` in a subprocess, driven by a real browser and by gradio_client.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``), driven by Playwright; CI installs it
(``.ci/run``). Without it these tests fail with a message saying so: they never skip. Nothing leaves the machine:
Gradio's analytics are off, the weights are read from ``AASIST_WEIGHTS_DIR`` and the browser's requests to any other
host are aborted (and recorded: the test fails if the page tried).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from browser import drop_files, image_sizes, local_page, numbers_split_from_units, sideways_px, upload_recording
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from webapp.analysis_tab import AnalysisTab  # noqa: E402  (the modules under test; importing them starts nothing)
from webapp.examples import example_label, find_examples  # noqa: E402
from webapp.model_pool import ModelPool  # noqa: E402
from webapp.settings import EXAMPLES_DIR, LIMITS, MODELS, Limits  # noqa: E402
from webapp.texts import api_text, limits_text  # noqa: E402
from aasist.views.present import TABLE_COLUMNS, keep_units_together  # noqa: E402

ANALYSIS_TIMEOUT_MS = 60_000
FIGURES = ("spectrogram", "spectral-attention", "temporal-attention")


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def examples() -> dict:
    """One real and one synthetic example clip, as the page lists them."""
    found = find_examples()
    real = [p for p in found if example_label(p).startswith("Real")]
    synthetic = [p for p in found if example_label(p).startswith("Synthetic")]
    if not real or not synthetic:
        pytest.fail(f"expected real and synthetic example clips in {EXAMPLES_DIR}, found {[p.name for p in found]}")
    return {"real": real[0], "synthetic": synthetic[0]}


@pytest.fixture(scope="module")
def phone_clip(examples, tmp_path_factory) -> Path:
    """A real example resampled to 8 kHz: telephone-band audio, which the page must warn about."""
    from scipy.signal import resample_poly

    x, sr = sf.read(examples["real"], dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    y = resample_poly(x, 8000, sr).astype(np.float32)
    path = tmp_path_factory.mktemp("clips") / "phone_call.wav"
    sf.write(path, y, 8000)
    return path


@pytest.fixture(scope="module")
def no_speech_clips(tmp_path_factory) -> dict:
    """A 440 Hz tone and white noise, 3 s each: sounds the model scores, but with no speech in them."""
    folder = tmp_path_factory.mktemp("no-speech")
    t = np.arange(3 * 16000) / 16000
    clips = {"tone": folder / "tone_440hz.wav", "noise": folder / "white_noise.wav"}
    sf.write(clips["tone"], (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    sf.write(clips["noise"], (0.1 * np.random.default_rng(20).standard_normal(len(t))).astype(np.float32), 16000)
    return clips


@pytest.fixture
def page(browser, server, tmp_path):
    """A fresh page on the app; any request to another host is aborted and makes the test fail."""
    from playwright.sync_api import Error as PlaywrightError

    with local_page(browser, server) as page:
        yield page
        try:  # for looking at afterwards only: a slow screenshot on a busy machine must not fail a passed test
            page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        except PlaywrightError as err:
            print(f"no screenshot of the page: {err.message.splitlines()[0]}")


# --- helpers ----------------------------------------------------------------------------------------------------


def upload(page, path: Path) -> None:
    upload_recording(page, path, ANALYSIS_TIMEOUT_MS)


def wait_for_results(page) -> dict:
    page.wait_for_selector("#verdict [data-verdict]", timeout=ANALYSIS_TIMEOUT_MS)
    page.wait_for_function(
        """ids => ids.every(id => {
            const img = document.querySelector('#' + id + ' img');
            return img && img.complete && img.naturalWidth > 0;
        })""",
        arg=list(FIGURES),
        timeout=ANALYSIS_TIMEOUT_MS,
    )
    sizes = page.evaluate(
        """ids => Object.fromEntries(ids.map(id => {
            const img = document.querySelector('#' + id + ' img');
            const box = img.getBoundingClientRect();
            return [id, [img.naturalWidth, img.naturalHeight, box.width, box.height]];
        }))""",
        list(FIGURES),
    )
    return sizes


def verdict_of(page) -> str:
    return page.locator("#verdict [data-verdict]").get_attribute("data-verdict")


def colour_pixels(page, elem_id: str, colour: str, tolerance: int = 4) -> int:
    """How many pixels of the figure ``#elem_id`` on the page are ``colour`` ("#rrggbb"), within ``tolerance``."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return page.evaluate(
        """([id, rgb, tol]) => {
            const img = document.querySelector('#' + id + ' img');
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (Math.abs(data[i] - rgb[0]) <= tol && Math.abs(data[i + 1] - rgb[1]) <= tol
                    && Math.abs(data[i + 2] - rgb[2]) <= tol) n++;
            }
            return n;
        }""",
        [elem_id, rgb, tolerance],
    )


def wait_for_report(page) -> None:
    """The last step of an analysis on the page: the report is ready to download."""
    page.wait_for_function("() => !document.querySelector('#report-button').disabled", timeout=ANALYSIS_TIMEOUT_MS)


# --- the page in a browser --------------------------------------------------------------------------------------


def test_page_analyzes_an_uploaded_clip(page, examples, tmp_path):
    upload(page, examples["real"])
    started = time.perf_counter()
    page.click("#analyze-button")
    sizes = wait_for_results(page)
    elapsed = time.perf_counter() - started
    print(f"\nclick to verdict and all figures: {elapsed:.2f} s ({examples['real'].name})")

    verdict = page.locator("#verdict")
    text = verdict.inner_text()
    assert verdict_of(page) in ("spoof", "bona fide")
    assert "spoof probability" in text
    assert "%" in text
    assert examples["real"].name in text
    assert "Likely" in text
    # Where speech was found: the blue strip under the spectrogram, and its seconds next to the verdict.
    from aasist.views.drawing import NO_SPEECH_COLOR, SPEECH_COLOR

    assert colour_pixels(page, "spectrogram", SPEECH_COLOR) > 2000
    assert colour_pixels(page, "spectrogram", NO_SPEECH_COLOR) < 50  # every window holds speech: none grey
    assert "s of speech" in text
    # The warnings area always says something: a warning list or that the input looks fine.
    assert page.locator("#warnings").inner_text().strip()
    # Every figure is an image that rendered, at (about) display resolution, and is shown on the page.
    for name, (natural_w, natural_h, shown_w, shown_h) in sizes.items():
        assert natural_w >= 900 and natural_h >= 300, (name, natural_w, natural_h)
        assert shown_w > 400 and shown_h > 150, (name, shown_w, shown_h)
    # The HS-GAL maps are uniform in the published checkpoints: explained, not drawn.
    assert "1e-26" in page.locator("#hsgal-note").inner_text()
    assert page.locator("#heterogeneous img").count() == 0 or not page.locator("#heterogeneous").is_visible()
    # The JSON of the result is on the page too.
    page.get_by_text("Result as data (JSON)").click()
    assert "spoof_probability" in page.locator("#result-json").inner_text()
    page.screenshot(path=str(tmp_path / "analysis.png"), full_page=True)


def test_page_analyzes_with_rawnet2_and_shows_its_bands_and_gates(page, examples):
    # RawNet2 comes from AASIST_WEIGHTS_DIR here (tests/conftest.py); on a Space it is downloaded on first use.
    page.locator("#model label", has_text="RawNet2").click()
    page.locator("#robustness-option input").uncheck()
    upload(page, examples["synthetic"])
    page.click("#analyze-button")
    page.wait_for_selector("#verdict [data-verdict]", timeout=ANALYSIS_TIMEOUT_MS)
    page.wait_for_function("() => { const img = document.querySelector('#filter-scaling img');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=ANALYSIS_TIMEOUT_MS)
    assert "RawNet2" in page.locator("#verdict").inner_text()
    # AASIST's attention figures and notes give way to RawNet2's own figure and guide.
    assert not page.locator("#spectral-attention").is_visible() and not page.locator("#hsgal-note").is_visible()
    guide = page.locator("#how-to-read").inner_text()
    assert "20 fixed frequency bands" in guide and "not a frequency band" in guide
    assert page.locator("#filter-scaling img").evaluate("img => img.naturalWidth") >= 900


def test_page_analyzes_with_w2v2_aasist_over_its_learnt_features(page, examples):
    # The reduced W2V2-AASIST made with the authors' code, as a checkpoint folder in AASIST_WEIGHTS_DIR.
    page.locator("#model label", has_text="W2V2-AASIST").click()
    page.locator("#robustness-option input").uncheck()
    upload(page, examples["real"])
    page.click("#analyze-button")
    wait_for_results(page)
    assert "W2V2-AASIST" in page.locator("#verdict").inner_text()
    guide = page.locator("#how-to-read").inner_text()
    assert "learnt feature axis, not Hz" in guide and "42 groups" in guide


def test_api_scores_the_w2v2_reference_as_the_authors_model(client, reference_dir, tmp_path):
    from gradio_client import handle_file

    outputs = np.load(reference_dir / "w2v2_aasist" / "w2v2_aasist_reference.npz")
    path = tmp_path / "excerpt.wav"
    sf.write(path, outputs["x"][1], 16000, subtype="FLOAT")
    result = client.predict(handle_file(str(path)), model="W2V2-AASIST", analysis="asvspoof", api_name="/analyze")
    assert result["score"] == pytest.approx(float(outputs["logits"][1, 1]), abs=1e-3)


def test_page_checks_robustness_compares_models_and_offers_a_report(page, examples, tmp_path):
    upload(page, examples["real"])
    page.locator("#compare-option input").check()
    assert page.locator("#robustness-option input").is_checked()  # on by default
    page.click("#analyze-button")
    wait_for_results(page)
    page.wait_for_selector("#robustness-summary [data-state]", timeout=ANALYSIS_TIMEOUT_MS)
    page.wait_for_function("() => { const img = document.querySelector('#robustness img');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=ANALYSIS_TIMEOUT_MS)
    summary = page.locator("#robustness-summary").inner_text()
    assert "edits" in summary and "verdict" in summary
    # Every model of the registry side by side (RawNet2 from AASIST_WEIGHTS_DIR, tests/conftest.py), each with its
    # training data and published results.
    # W2V2-AASIST (1.27 GB) and the AntiDeepfake models (380 MB, 1.27 GB) take part once someone has chosen them
    # (another test may have), else the comparison says so.
    rows = page.locator("#agreement tr[data-model]")
    names = [rows.nth(i).get_attribute("data-model") for i in range(rows.count())]
    assert names[:3] == list(MODELS[:3]) and names[3:] == [m for m in MODELS[3:] if m in names[3:]]
    assert "ASVspoof 2021 DF" in rows.nth(2).locator(".model-facts").inner_text()
    agreement = page.locator("#agreement").inner_text()
    assert all(m in names or f"{m} could not take part" in agreement for m in MODELS[3:])
    state = page.locator("#robustness-summary [data-state]").get_attribute("data-state")
    caution = page.locator("#verdict").inner_text()
    assert ("Fragile" in caution) == (state == "fragile")
    button = page.locator("#report-button")
    page.wait_for_function("() => !document.querySelector('#report-button').disabled", timeout=ANALYSIS_TIMEOUT_MS)
    with page.expect_download() as download:
        button.click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    text = report.read_text()
    assert examples["real"].name in text and "Robustness" in text and "AASIST-L" in text
    assert text.count("data:image/png;base64,") >= 4  # spectrogram, robustness and the two attention figures
    assert "<script" not in text.lower()


def test_page_says_no_speech_for_a_tone_and_for_noise(page, server, no_speech_clips):
    """No verdict without speech: a grey card with the reason and no probability shown as meaningful; the robustness
    check and the model comparison, both asked for, say they were not run; the figure marks no speech."""
    from aasist.views.drawing import NO_SPEECH_COLOR, SPEECH_COLOR
    from aasist.views.present import NOT_RUN_WITHOUT_SPEECH, no_speech_reason, verdict_headline
    from aasist.audio.speech import SpeechPresence

    reason = keep_units_together(no_speech_reason(SpeechPresence(0.0, 0.0)))  # its "0.5 s" joined on the page
    grey = "rgb({}, {}, {})".format(*(int(NO_SPEECH_COLOR[i:i + 2], 16) for i in (1, 3, 5)))
    for n, clip in enumerate(no_speech_clips.values()):
        if n:
            page.reload()
            page.wait_for_selector("#analyze-button")
        page.locator("#compare-option input").check()
        assert page.locator("#robustness-option input").is_checked()
        upload(page, clip)
        page.click("#analyze-button")
        page.wait_for_selector('#verdict [data-verdict="no_speech"]', timeout=ANALYSIS_TIMEOUT_MS)
        wait_for_report(page)
        card = page.locator("#verdict .verdict")
        assert page.locator("#verdict .verdict-headline").inner_text().strip() == verdict_headline("no_speech")
        text = card.inner_text()
        assert reason in text, (clip.name, text)
        assert "Spoof probability: not meaningful" in text and "%" not in text.split(reason)[0], text
        assert page.locator("#verdict .verdict-bar").count() == 0
        assert card.evaluate("e => getComputedStyle(e).borderLeftColor") == grey
        assert page.locator("#verdict .verdict-headline").evaluate("e => getComputedStyle(e).color") == grey
        for area in ("#robustness-summary", "#agreement"):
            assert NOT_RUN_WITHOUT_SPEECH in page.locator(f'{area} [data-state="not_run"]').inner_text(), area
        assert page.locator("#agreement tr[data-model]").count() == 0
        assert page.locator("#robustness img").count() == 0
        page.wait_for_function("() => { const img = document.querySelector('#spectrogram img');"
                               " return img && img.complete && img.naturalWidth > 0; }", timeout=ANALYSIS_TIMEOUT_MS)
        assert colour_pixels(page, "spectrogram", SPEECH_COLOR) == 0  # no speech region drawn
        assert colour_pixels(page, "spectrogram", NO_SPEECH_COLOR) > 500  # the windows, grey
        assert clip.name in page.locator("#verdict").inner_text()


def test_page_reports_a_bad_file_and_keeps_serving(page, tmp_path, examples):
    bad = tmp_path / "not_audio.wav"
    bad.write_bytes(b"this is not a recording " * 200)
    page.locator("#audio-input input[type=file]").set_input_files(str(bad))
    page.wait_for_timeout(500)
    page.click("#analyze-button")
    toast = page.locator(".toast-body").first
    toast.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    message = toast.inner_text()
    assert "not an audio file" in message or "Record or upload" in message
    assert "Traceback" not in page.content()
    # The same page then analyses a real clip.
    page.reload()
    page.wait_for_selector("#analyze-button")
    upload(page, examples["synthetic"])
    page.click("#analyze-button")
    wait_for_results(page)
    assert verdict_of(page) in ("spoof", "bona fide")


def test_page_warns_about_telephone_audio(page, phone_clip):
    upload(page, phone_clip)
    page.click("#analyze-button")
    wait_for_results(page)
    warnings = page.locator("#warnings .input-warnings")
    warnings.wait_for()
    assert page.locator('#warnings li[data-code="band_limited"]').count() == 1
    assert "kHz" in warnings.inner_text()


def test_example_runs_with_one_click(page, examples):
    page.locator("#examples").get_by_text(example_label(examples["synthetic"]), exact=True).click()
    wait_for_results(page)
    assert examples["synthetic"].name in page.locator("#verdict").inner_text()


# --- on a phone, and the same on a desktop ---------------------------------------------------------------------

RESULT_FIGURES = ("spectrogram", "robustness", "spectral-attention", "temporal-attention")
DESKTOP_WIDTHS = {"spectrogram": 1200, "robustness": 1100, "spectral-attention": 1100, "temporal-attention": 1100}


@pytest.mark.timing
def test_page_on_a_phone_draws_figures_for_it_and_shows_the_verdict(browser, server, examples, tmp_path):
    with local_page(browser, server, phone=True) as page:
        try:
            assert sideways_px(page) == 0  # fits the screen: nothing to scroll sideways
            page.locator("#examples").get_by_text(example_label(examples["synthetic"]), exact=True).click()
            page.wait_for_selector("#verdict [data-verdict]", timeout=ANALYSIS_TIMEOUT_MS)
            # The verdict came into view by itself: its card's top is on the screen, with the headline under it.
            box = page.locator("#verdict").bounding_box()
            assert -1 <= box["y"] and box["y"] + 120 <= 844, box
            assert examples["synthetic"].name in page.locator("#verdict").inner_text()
            wait_for_report(page)  # every figure drawn, the robustness check too
            sizes = image_sizes(page, RESULT_FIGURES, ANALYSIS_TIMEOUT_MS)
            for name, (natural_w, natural_h, shown_w, shown_h) in sizes.items():
                # Drawn for the width it is shown at, at the phone's 2 pixels per CSS px: its text stays as large
                # as it was drawn (10 CSS px and more, tests/test_plots.py).
                assert shown_w > 250 and natural_w <= 2.3 * shown_w, (name, natural_w, shown_w)
                assert natural_w >= 1.7 * shown_w, (name, natural_w, shown_w)  # and sharp
            assert sideways_px(page) == 0
            # No number on one line and its unit on the next: in the verdict card ("17 %" broke there), the
            # warnings, the limits, the guides, the options.
            shown, split = numbers_split_from_units(page, "#verdict")
            assert shown >= 3 and split == [], split
            shown, split = numbers_split_from_units(page)
            assert shown >= 20 and split == [], split
        finally:
            page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)


def test_page_on_a_desktop_keeps_its_figures(page, examples):
    page.locator("#examples").get_by_text(example_label(examples["synthetic"]), exact=True).click()
    wait_for_report(page)
    sizes = image_sizes(page, RESULT_FIGURES, ANALYSIS_TIMEOUT_MS)
    assert {name: natural_w for name, (natural_w, *_) in sizes.items()} == DESKTOP_WIDTHS


def test_batch_tab_gives_a_table_and_a_csv(page, examples, no_speech_clips, tmp_path):
    page.get_by_role("tab", name="Batch").click()
    files = [examples["real"], examples["synthetic"], no_speech_clips["tone"]]
    drop_files(page, "batch-files", files, ANALYSIS_TIMEOUT_MS)
    page.click("#batch-button")
    link = page.locator("#batch-csv a").first
    link.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    table = page.locator("#batch-table").inner_text()
    assert examples["real"].name in table and examples["synthetic"].name in table
    headers = page.locator("#batch-table th").all_inner_texts()
    assert [h.strip() for h in headers if h.strip()][:8] == [header for _, header in TABLE_COLUMNS]
    with page.expect_download() as download:
        link.click()
    csv_path = tmp_path / "batch.csv"
    download.value.save_as(csv_path)
    with open(csv_path) as f:
        rows = {row["file"]: row for row in csv.DictReader(f)}
    assert list(rows) == [p.name for p in files]
    assert float(rows[examples["real"].name]["speech_s"]) > 1.0
    tone = rows[no_speech_clips["tone"].name]
    assert tone["verdict"] == "no_speech" and float(tone["speech_s"]) == 0.0
    assert "no_speech" in table


# --- the API ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_api_analyze_returns_the_result_dictionary(client, examples):
    from gradio_client import handle_file

    result = client.predict(handle_file(str(examples["synthetic"])), api_name="/analyze")
    assert isinstance(result, dict)
    assert {"verdict", "spoof_probability", "score", "duration_s", "sample_rate", "windows", "warnings", "model",
            "protocol", "file"} <= set(result)
    assert result["verdict"] in ("spoof", "bona fide")
    assert 0.0 <= result["spoof_probability"] <= 1.0
    assert (result["verdict"] == "spoof") == (result["spoof_probability"] >= 0.5)
    assert result["model"] == "AASIST" and result["protocol"] == "full"
    assert result["file"] == examples["synthetic"].name
    assert result["windows"] and all(0.0 <= w["spoof_probability"] <= 1.0 for w in result["windows"])
    assert result["windows"][0]["start_s"] == 0.0
    assert isinstance(result["warnings"], list)
    assert "attention" not in result
    json.dumps(result)


def test_api_analyze_options_and_warnings(client, phone_clip):
    from gradio_client import handle_file

    result = client.predict(handle_file(str(phone_clip)), model="AASIST-L", analysis="asvspoof",
                            include_attention=True, api_name="/analyze")
    assert result["model"] == "AASIST-L" and result["protocol"] == "asvspoof"
    assert len(result["windows"]) == 1
    assert result["sample_rate"] == 8000
    assert "band_limited" in [w["code"] for w in result["warnings"]]
    assert all(w["message"] for w in result["warnings"])
    attention = result["attention"]
    assert len(attention["spectral"]["weight"]) == 23
    assert attention["heterogeneous_uniform"] is True


def test_api_robustness_and_model_agreement(client, examples):
    from gradio_client import handle_file

    result = client.predict(handle_file(str(examples["synthetic"])), robustness=True, compare_models=True,
                            api_name="/analyze")
    check = result["robustness"]
    assert [e["name"] for e in check["edits"]] == ["leading_silence", "trim_silence", "quieter_12db", "louder_6db",
                                                   "grid_shift", "telephone_band", "noise_30db", "ogg_vorbis"]
    assert check["stable"] == (check["flipped_by"] == [])
    assert check["min_probability"] <= result["spoof_probability"] <= check["max_probability"]
    assert [m["model"] for m in result["agreement"]["models"]][:3] == ["AASIST", "AASIST-L", "RawNet2"]
    plain = client.predict(handle_file(str(examples["synthetic"])), api_name="/analyze")
    assert "robustness" not in plain and "agreement" not in plain
    assert plain["spoof_probability"] == result["spoof_probability"]


def test_api_says_no_speech_and_runs_no_check(client, no_speech_clips):
    from gradio_client import handle_file

    result = client.predict(handle_file(str(no_speech_clips["tone"])), robustness=True, compare_models=True,
                            api_name="/analyze")
    assert result["verdict"] == "no_speech" and result["spoof_probability_meaningful"] is False
    assert result["speech"] == {"seconds": 0.0, "share": 0.0, "regions": []}
    assert "robustness" not in result and "agreement" not in result


def test_api_analyze_with_rawnet2(client, examples):
    from gradio_client import handle_file

    result = client.predict(handle_file(str(examples["synthetic"])), model="RawNet2", include_attention=True,
                            api_name="/analyze")
    assert result["model"] == "RawNet2" and result["verdict"] in ("spoof", "bona fide")
    assert "filter_scaling" in result and "attention" not in result


def test_api_analyze_rejects_a_bad_file_with_a_message(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    with pytest.raises(AppError, match="not an audio file"):
        client.predict(handle_file(str(bad)), api_name="/analyze")


def test_api_lists_only_analyze_and_evaluate(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/analyze", "/evaluate"]
    parameters = endpoints["/analyze"]["parameters"]
    assert [p["parameter_name"] for p in parameters] == ["audio", "model", "analysis", "include_attention",
                                                         "robustness", "compare_models"]
    assert [p["parameter_has_default"] for p in parameters] == [False, True, True, True, True, True]


# --- in process: limits and wording ------------------------------------------------------------------------------


def test_long_recordings_are_cut_at_the_limit_with_a_warning(monkeypatch, weights_dir, tmp_path, onnx_cache_dir):
    monkeypatch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
    monkeypatch.setenv("AASIST_CACHE_DIR", onnx_cache_dir)
    tab = AnalysisTab(ModelPool(), limits=Limits(max_duration_s=5))
    rng = np.random.default_rng(0)
    path = tmp_path / "long.wav"
    sf.write(path, (0.05 * rng.standard_normal(16000 * 8)).astype(np.float32), 16000)
    result = tab.analyze(str(path))
    assert result["truncated_to_s"] == 5
    assert result["duration_s"] == pytest.approx(5.0)
    truncated = [w for w in result["warnings"] if w["code"] == "truncated"]
    assert truncated and "only its first 5 s were analysed" in truncated[0]["message"]


def test_page_text_states_the_limits():
    text = limits_text(LIMITS)
    # Each number joined to its unit by a no-break space, as all the page's text.
    assert "50\u00a0MB" in text and "10\u00a0minutes" in text and str(LIMITS.concurrency) in text
    assert "/analyze" in api_text(LIMITS) and "handle_file" in api_text(LIMITS)


# --- small pieces of the page -------------------------------------------------------------------------------------


def test_an_antideepfake_result_shows_its_frames_with_their_own_guide(antideepfake_reference_folders, examples):
    """What the model looked at, for AntiDeepfake: its frame-by-frame figure in #frame-scores, its guide, and none
    of the other models' figures (in process: the updates the page's handler sends)."""
    from aasist.audio.decoding import load_audio
    from aasist.inference.detector import Detector
    from aasist.views.plots import draw_all
    from webapp.analysis_tab import inner_figures
    from webapp.texts import HOW_TO_READ_ANTIDEEPFAKE

    audio = load_audio(examples["real"])
    result = Detector.from_pretrained(str(antideepfake_reference_folders["small"])).analyze(audio, with_attention=True)
    figures = draw_all(audio, result)
    updates = inner_figures(figures, result)
    assert updates["frame_scores"]["visible"] and updates["frame_scores"]["value"] is figures.frame_scores
    assert not any(updates[name]["visible"] for name in ("spectral", "temporal", "filter_scaling", "heterogeneous",
                                                         "hsgal_note"))
    assert updates["how_to_read"] == HOW_TO_READ_ANTIDEEPFAKE
    guide = " ".join(HOW_TO_READ_ANTIDEEPFAKE.split())
    assert "20 ms frame" in guide and "mean of the frames' *logits*" in guide and "This is not attention" in guide


def test_example_labels_come_from_file_names():
    assert example_label(Path("real_arctic_awb_a0007.wav")) == "Real: ARCTIC awb a0007"
    assert example_label(Path("real_arctic_slt_a0009_phone_8khz.wav")) == "Real: ARCTIC slt a0009 (phone, 8\u00a0kHz)"
    assert example_label(Path("synthetic_espeak_en_us.wav")) == "Synthetic: eSpeak US"
    assert example_label(Path("synthetic_flite_slt_a0009.wav")) == "Synthetic: Flite slt a0009"
    assert example_label(Path("flite_hello.wav")).startswith("Synthetic")


def test_percent_wording():
    from aasist.text import percent_text

    assert percent_text(0.0) == "< 0.1 %"
    assert percent_text(1.0) == "> 99.9 %"
    assert percent_text(0.5) == "50 %"
    assert percent_text(0.034) == "3.4 %"
