"""Numbers and their units never wrap apart on the page or in a report (issue 26): "17 %" broke after "17" on a
390 px phone.

``aasist.views.present.keep_units_together`` puts a no-break space (U+00A0) between a number and its unit; the page's
HTML and Markdown (``webapp.views``, ``webapp.texts``, the components' labels and infos, the Evaluate tab's tables,
a page handler's error) and the HTML reports pass through it where they are made. The command line and the JSON
keep plain spaces: scripts read them. Checked here on the HTML of a real analysis (AASIST and AASIST-L, robustness
check, a recording that draws warnings), of one without speech, of an evaluation, and on every component of the
page as built.
"""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from aasist.views.present import NO_BREAK_SPACE, keep_units_together  # noqa: E402

NB = NO_BREAK_SPACE
# A number, a plain space and a unit: what must not be left in text shown to people. Written out here, not taken
# from the library's list, so that a unit the page uses and the list misses shows up.
PLAIN_NUMBER_UNIT = re.compile(r"\d (%|ms|s|min|h|Hz|kHz|dB|dBFS|kB|MB|GB|kbps|seconds?|minutes?|hours?)(?!\w)")
# What a browser does not show as text: style sheets, scripts, code (HTML and Markdown's), tags and attributes.
NOT_TEXT = re.compile(r"<(style|script|code|pre)\b.*?</\1\s*>|<[^>]*>|```.*?```|`[^`\n]*`", flags=re.S | re.I)
PHONE_EXAMPLE = REPO_ROOT / "assets" / "examples" / "real_arctic_slt_a0009_phone_8khz.wav"


def plain_number_units(markup: str) -> list:
    """Every "number, plain space, unit" in the text of ``markup`` (HTML or Markdown) that people read."""
    return [m.group() for m in PLAIN_NUMBER_UNIT.finditer(NOT_TEXT.sub(" ", markup))]


# --- the function ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("12 to 17 % on ASVspoof 2021", f"12 to 17{NB}% on ASVspoof 2021"),
    ("0.5 s, 4 s windows, 4.04 s", f"0.5{NB}s, 4{NB}s windows, 4.04{NB}s"),
    ("every 20 ms", f"every 20{NB}ms"),
    ("50 MB, 1.27 GB", f"50{NB}MB, 1.27{NB}GB"),
    ("12 dB quieter, peak -6 dBFS", f"12{NB}dB quieter, peak -6{NB}dBFS"),
    ("phone band (8 kHz), 16000 Hz", f"phone band (8{NB}kHz), 16000{NB}Hz"),
    ("5 min, 1 h 23 min", f"5{NB}min, 1{NB}h 23{NB}min"),
    ("10 minutes, 1 minute, 4 seconds, 2 hours", f"10{NB}minutes, 1{NB}minute, 4{NB}seconds, 2{NB}hours"),
    ("about 40-50 kbps", f"about 40-50{NB}kbps"),
    ("about 0.8 s per 4 s of audio on 2 cores", f"about 0.8{NB}s per 4{NB}s of audio on 2 cores"),  # not the count
    ("< 0.1 %", f"<{NB}0.1{NB}%"),  # the sign stays with its number too
    ("&gt; 99.9 % spoof probability", f"&gt;{NB}99.9{NB}% spoof probability"),  # as escaped in HTML
    ("<b>&lt; 0.1 %</b> (2 s)", f"<b>&lt;{NB}0.1{NB}%</b> (2{NB}s)"),
])
def test_a_number_and_its_unit_are_joined(text, expected):
    assert keep_units_together(text) == expected
    assert keep_units_together(expected) == expected  # once is enough: joined text stays as it is


@pytest.mark.parametrize("text", [
    "3 recordings, 8 harmless edits, 23 frequency bands, 3 hops, 1e-26, 4000 samples",
    "2025-06-30 14:05 UTC",  # a date and a time
    "ASVspoof 2019 LA, wav2vec 2.0, SHA-256 recorded",
    "the 4-second windows, 4sec, 4 sec, 3 spoof",  # no space, or no unit of the list
])
def test_counts_dates_and_words_are_left_alone(text):
    assert keep_units_together(text) == text


def test_markup_and_code_are_left_alone():
    """Tags and their attributes (CSS, titles, data), style sheets, scripts and code (HTML's and Markdown's) keep
    their spaces; the text around them is joined."""
    markup = ('<div class="bar" style="width: 100 %" title="threshold 50 %" data-t="4 s">50 %</div>'
              "<style>.a { margin: 0 4 s; }</style><script>let t = '4 s';</script><code>4 s</code>")
    assert keep_units_together(markup) == markup.replace(">50 %<", f">50{NB}%<")
    markdown = "Limits: 50 MB.\n\n```python\nclient.predict(x)  # first 4 s only\n```\n\nInline `4 s` and 4 s."
    assert keep_units_together(markdown) == markdown.replace("50 MB", f"50{NB}MB").replace("and 4 s", f"and 4{NB}s")
    # A Markdown quote's ">" at the start of a line stays a quote.
    assert keep_units_together("> 4 s of speech") == f"> 4{NB}s of speech"


# --- a real analysis, on the page and in the report ---------------------------------------------------------------


@pytest.fixture(scope="module")
def analysed(packaged_detectors):
    """A phone call (8 kHz) after 0.8 s of silence, scored by AASIST and AASIST-L with the robustness check: a
    verdict with warnings that give numbers and units (the band in kHz, the silence in s, the level in dBFS)."""
    import soundfile as sf

    from aasist.audio.decoding import prepare_waveform
    from aasist.inference.pipeline import Pipeline

    call, rate = sf.read(PHONE_EXAMPLE, dtype="float32")
    audio = prepare_waveform(np.concatenate([np.zeros(int(0.8 * rate), np.float32), call]), rate)
    result = Pipeline(packaged_detectors).analyze(audio, robustness=True)
    assert result.agreement is not None and result.robustness is not None
    assert {"band_limited", "leading_silence"} <= {w.code for w in result.warnings}, result.warnings
    return audio, result


@pytest.fixture(scope="module")
def without_speech(packaged_detectors):
    """A 440 Hz tone: no verdict, and the reason says how much speech a verdict needs ("0.5 s")."""
    from aasist.audio.decoding import prepare_waveform
    from aasist.inference.pipeline import Pipeline

    t = np.arange(3 * 16000) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    result = Pipeline(packaged_detectors).analyze(prepare_waveform(tone, 16000))
    assert result.verdict == "no_speech"
    return result


def test_the_page_shows_a_result_with_its_numbers_and_units_joined(analysed, without_speech):
    from aasist.audio.level import input_level
    from aasist.text import percent_text
    from aasist.audio.speech import MIN_SPEECH_S
    from webapp import views

    audio, result = analysed
    shown = {
        "verdict": views.verdict_html(result, elapsed_s=1.23),
        "warnings": views.warnings_html(result.warnings),
        "agreement": views.agreement_html(result.agreement),
        "robustness": views.robustness_html(result.robustness),
        "input level": views.input_level_html(input_level(audio)),
        "no verdict": views.verdict_html(without_speech),
    }
    for name, markup in shown.items():
        assert plain_number_units(markup) == [], name
    # Joined, not dropped: the probability, the duration, the band, the silence, the level.
    verdict = shown["verdict"]
    assert keep_units_together(percent_text(result.spoof_probability)) in verdict
    assert f"{result.duration_s:.1f}{NB}s of audio" in verdict and f"analysed in 1.2{NB}s" in verdict
    assert f">50{NB}%<" in verdict  # the scale under the bar
    assert f"8{NB}kHz" in shown["warnings"] and f"{NB}s of silence" in shown["warnings"]
    assert f"{NB}dBFS" in shown["input level"]
    assert f"{MIN_SPEECH_S:g}{NB}s or more" in shown["no verdict"]
    # The markup is as it was: attributes keep their plain spaces and their numbers.
    assert 'title="threshold 50 %"' in verdict
    assert f'data-spoof-probability="{float(result.spoof_probability):.6f}"' in verdict


def test_the_report_joins_every_number_to_its_unit(analysed, without_speech):
    from aasist.views.plots import Figures
    from aasist.views.report import render_report

    audio, result = analysed
    blank = Figures(spectrogram=np.zeros((4, 4, 3), np.uint8))
    for analysed_result in (result, without_speech):
        document = render_report(analysed_result, None, figures=blank)
        assert plain_number_units(document) == []
        assert "<style>" in document and "padding: 4px 12px 4px 0" in document  # the style sheet as it was
    document = render_report(result, None, figures=blank)
    assert f"{result.sample_rate}{NB}Hz" in document and f"{result.duration_s:.2f}{NB}s" in document
    assert f"12 to 17{NB}%" in document  # the model's limits: where "17 %" broke on a phone


def test_the_command_line_and_the_json_keep_plain_spaces(analysed):
    """Scripts parse the CLI's table and the JSON: their sentences keep ordinary spaces."""
    from aasist.cli import FileOutcome, _print_table

    _, result = analysed
    out = io.StringIO()
    _print_table([FileOutcome("call.wav", result)], out)
    table = out.getvalue()
    assert NB not in table and "8 kHz" in table  # the band_limited warning, as the library words it
    assert result.robustness.summary_sentence() in table
    data = json.dumps(result.to_dict(), ensure_ascii=False)
    assert NB not in data and "8 kHz" in data


# --- an evaluation ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation():
    """Made-up scores of two models on 5 + 4 recordings, one left out: a small set, so a note on the 95 % interval."""
    from types import SimpleNamespace

    from aasist.evaluation.evaluation import BONA_FIDE, SPOOF, FileScore, evaluation_of

    rng = np.random.default_rng(3)
    scores = [FileScore(f"{label.replace(' ', '')}/clip_{k}.wav", label,
                        {m: float(rng.uniform(0.6, 1) if (label == SPOOF) != (k == 2) else rng.uniform(0, 0.4))
                         for m in ("AASIST", "AASIST-L")}, speech_s=3.0, duration_s=4.0)
              for k, label in enumerate([BONA_FIDE] * 5 + [SPOOF] * 4)]
    scores.append(FileScore("spoof/broken.wav", SPOOF, error="The file is not audio that can be decoded."))
    detectors = [SimpleNamespace(model_name=m, architecture=m, checkpoint=SimpleNamespace(sha256="a" * 64))
                 for m in ("AASIST", "AASIST-L")]
    return evaluation_of(scores, detectors, bootstrap_rounds=50, seed=1)


def test_an_evaluation_on_the_page_and_in_its_report(evaluation):
    from aasist.views.evaluation_report import evaluation_report_html
    from webapp.evaluate_tab import MODEL_COLUMNS, left_out_table, model_table
    from webapp.views import evaluation_summary_html

    summary = evaluation_summary_html(evaluation, elapsed_s=2.5)
    assert plain_number_units(summary) == [] and f"95{NB}% interval" in summary and f"in 2.5{NB}s" in summary
    table = model_table(evaluation)
    cells = [str(value) for value in table.to_numpy().ravel()] + list(table.columns)
    assert [plain_number_units(cell) for cell in cells if plain_number_units(cell)] == []
    assert f"95{NB}% interval" in MODEL_COLUMNS and table.iloc[0]["EER"].endswith(f"{NB}%")
    assert all(not plain_number_units(reason) for reason in left_out_table(evaluation)["Why it was left out"])
    document = evaluation_report_html(evaluation)
    assert plain_number_units(document) == [] and f"95{NB}% interval" in document


# --- the page as built: every component's text ----------------------------------------------------------------------


def component_texts(block) -> dict:
    """What a component shows as text: its label, info, value (Markdown, HTML), choices' labels, headers."""
    texts = {}
    for attribute in ("label", "info", "value", "choices", "headers"):
        value = getattr(block, attribute, None)
        if isinstance(value, dict):  # a Dataframe's value
            value = value.get("headers")
        if isinstance(value, str):
            texts[attribute] = [value]
        elif isinstance(value, (list, tuple)):
            texts[attribute] = [item[0] if isinstance(item, (list, tuple)) else item for item in value
                                if isinstance(item, str) or (isinstance(item, (list, tuple)) and item
                                                             and isinstance(item[0], str))]
    return texts


def test_every_text_of_the_page_joins_its_numbers_and_units():
    """The page as built (the examples' labels, the options' infos, the limits, the guides, the About tab's models
    and API, the Evaluate tab's intro and table headers): no number apart from its unit."""
    from webapp.examples import find_examples
    from webapp.page import build_demo

    demo = build_demo(examples=find_examples())
    found, joined = [], 0
    for block in demo.blocks.values():
        for attribute, texts in component_texts(block).items():
            for text in texts:
                joined += text.count(NB)
                found += [(getattr(block, "elem_id", None), attribute, plain)
                          for plain in plain_number_units(text)]
    assert found == []
    assert joined > 50  # the texts do hold numbers and units


def test_a_page_handler_s_error_joins_its_numbers_and_units():
    """A ``gr.Error`` reaches the visitor as a toast through ``updates.bind``: joined there. Raised by the API's
    handlers (not bound), it keeps plain spaces for the scripts that read it."""
    import gradio as gr

    from webapp.errors import user_error
    from webapp.updates import bind

    @dataclass
    class View:
        status: object

    message = "The recordings take 312 MB; this demo evaluates at most 200 MB at a time."

    def handler():
        raise user_error(message)

    def stream():
        yield from ()
        raise user_error(message)

    for callback in (bind(handler, View(None))[0], lambda: list(bind(stream, View(None))[0]())):
        with pytest.raises(gr.Error) as raised:
            callback()
        assert raised.value.message == keep_units_together(message) == message.replace(" MB", f"{NB}MB")
    with pytest.raises(gr.Error) as raised:
        handler()
    assert raised.value.message == message


def test_the_batch_table_joins_an_error_s_units_and_its_csv_keeps_plain_spaces(tmp_path, monkeypatch, model_env):
    """A clip of 50 ms in the Batch tab: its error says how long it is, joined in the table on the page; the CSV, the
    same columns as the CLI's, keeps the library's sentence."""
    import csv
    from types import SimpleNamespace

    import soundfile as sf

    from webapp.batch_tab import BatchTab
    from webapp.model_pool import ModelPool

    for key, value in {**model_env, "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}.items():
        monkeypatch.setenv(key, value)
    clip = tmp_path / "blip.wav"
    sf.write(clip, np.zeros(800, np.float32) + 0.01, 16000)
    no_progress = SimpleNamespace(tqdm=lambda iterable, **kwargs: iterable)
    batch = BatchTab(ModelPool()).analyze([str(clip)], "AASIST", "full", progress=no_progress)
    shown = batch.table.iloc[0]["Error"]
    with open(batch.csv) as f:
        written = next(csv.DictReader(f))["error"]
    assert "too short to analyse (0.050 s)" in written and NB not in written
    assert shown == keep_units_together(written) and f"(0.050{NB}s)" in shown
