"""The robustness check, model agreement and reports, through the library and the real command line.

Real example clips (assets/examples) and the authors' checkpoints; the ONNX backend, as users get it on a CPU.
The report in a real browser is tested in tests/test_report.py.
"""

from __future__ import annotations

import csv
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from command_line import cli_in_process

from aasist.audio.decoding import load_audio, prepare_waveform
from aasist.audio.level import FRAME, speech_frames
from aasist.models.model import SAMPLE_RATE, WINDOW_SAMPLES
from aasist.inference.pipeline import ROBUSTNESS, WINDOWS, Pipeline
from aasist.inference.robustness import EDITS, EDITS_BY_NAME, MAX_CHECK_S, EditResult, RobustnessResult
from aasist.audio.windows import WindowGeometry, tile_to_length

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "assets" / "examples"
REAL_SHORT = EXAMPLES / "real_arctic_slt_a0009.wav"  # 3.1 s: one repeated window
REAL_LONG = EXAMPLES / "real_librivox_austen.wav"  # 6.05 s: two windows
SYNTHETIC = EXAMPLES / "synthetic_flite_awb_a0007.wav"
EDIT_NAMES = ["leading_silence", "trim_silence", "quieter_12db", "louder_6db", "grid_shift", "telephone_band",
              "noise_30db", "ogg_vorbis"]
ROBUSTNESS_KEYS = {"edits", "stable", "flipped_by", "min_probability", "max_probability", "seconds_checked",
                   "part_checked", "base_probability", "base_verdict", "summary"}


@pytest.fixture(scope="module")
def detectors(model_env):
    from aasist.inference.detector import Detector

    with pytest.MonkeyPatch.context() as patch:
        for key, value in model_env.items():
            patch.setenv(key, value)
        return {name: Detector.from_pretrained(name, backend="onnx") for name in ("AASIST", "AASIST-L")}


def verdict_of(p: float) -> str:
    return "spoof" if p >= 0.5 else "bona fide"


# --- the check through the library --------------------------------------------------------------------------------


def test_robustness_is_deterministic_and_has_the_documented_shape(detectors):
    detector = detectors["AASIST"]
    steps = []
    first = Pipeline([detector]).analyze(str(REAL_LONG), robustness=True, progress=steps.append)
    second = Pipeline([detector]).analyze(str(REAL_LONG), robustness=True)
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())  # identical, noise and codec included

    check = first.to_dict()["robustness"]
    assert set(check) == ROBUSTNESS_KEYS
    assert [e["name"] for e in check["edits"]] == EDIT_NAMES == [e.name for e in EDITS]
    for edit in check["edits"]:
        assert set(edit) == {"name", "description", "spoof_probability", "verdict"}
        assert edit["verdict"] == verdict_of(edit["spoof_probability"]) and edit["description"]
    # The whole recording was checked, so the unedited excerpt is the analysis itself.
    assert check["part_checked"] == "the whole recording"
    assert check["seconds_checked"] == pytest.approx(first.duration_s, abs=1e-3)
    assert check["base_probability"] == round(first.spoof_probability, 6) and check["base_verdict"] == first.verdict
    flipped = [e["name"] for e in check["edits"] if e["verdict"] != first.verdict]
    assert check["flipped_by"] == flipped and check["stable"] == (not flipped)
    probabilities = [check["base_probability"]] + [e["spoof_probability"] for e in check["edits"]]
    assert check["min_probability"] == min(probabilities) and check["max_probability"] == max(probabilities)
    assert check["summary"] == first.robustness.summary_sentence()
    grid = next(e for e in check["edits"] if e["name"] == "grid_shift")
    assert grid["description"] == "the 4 s analysis windows start 1 s later"  # 6 s: a real grid to shift

    # Progress in stages: the two windows, then one step per edit, each stage ending complete.
    stages = [s.stage for s in steps]
    assert stages == [WINDOWS] * stages.count(WINDOWS) + [ROBUSTNESS] * stages.count(ROBUSTNESS)
    for stage, total in ((WINDOWS, 2), (ROBUSTNESS, len(EDITS))):
        counts = [(s.done, s.total) for s in steps if s.stage == stage]
        assert counts[-1] == (total, total) and all(t == total for _, t in counts), counts
        assert [d for d, _ in counts] == sorted(d for d, _ in counts)


def test_short_clip_shifts_half_a_window_and_edits_compare_with_the_unedited_clip(detectors):
    detector = detectors["AASIST"]
    audio = load_audio(REAL_SHORT)
    short = prepare_waveform(audio.waveform[: int(1.5 * SAMPLE_RATE)], SAMPLE_RATE)
    result = Pipeline([detector]).analyze(short, robustness=True)
    grid = next(e for e in result.robustness.edits if e.name == "grid_shift")
    assert "half a window" in grid.description
    # The shifted window is the repeated clip starting 2.02 s (mod 1.5 s) in: score it by hand.
    offset = WINDOW_SAMPLES // 2
    window = tile_to_length(short.waveform, WINDOW_SAMPLES + offset)[offset:]
    logits, _ = detector.backend.run(window[None, :])
    expected = 1 / (1 + np.exp(-(float(logits[0, 0]) - float(logits[0, 1]))))
    # Scored in a batch with the other edits there, alone here: logits within 1e-4, so the probability within 5e-5.
    assert grid.spoof_probability == pytest.approx(expected, abs=5e-5)
    for edit in result.robustness.edits:
        assert edit.flips == (edit.verdict != result.verdict)


def test_long_recording_checks_its_first_30_seconds(detectors):
    detector = detectors["AASIST"]
    parts = [load_audio(p).waveform for p in sorted(EXAMPLES.glob("real_*.wav")) if "8khz" not in p.name]
    x = np.concatenate(parts * 4)  # about 53 s of real speech
    assert len(x) / SAMPLE_RATE > MAX_CHECK_S + 10
    result = Pipeline([detector]).analyze(x, sample_rate=SAMPLE_RATE, robustness=True)
    check = result.robustness
    assert check.seconds_checked == MAX_CHECK_S
    assert check.part_checked == f"the first 30 s of {len(x) / SAMPLE_RATE:.1f} s"
    # The edits are compared with the unedited first 30 s, scored on their own.
    alone = detector.analyze(x[: int(MAX_CHECK_S * SAMPLE_RATE)], sample_rate=SAMPLE_RATE)
    assert check.base_probability == pytest.approx(alone.spoof_probability, abs=1e-9)
    assert "Checked on the first 30 s" in check.summary_sentence()


def test_edits_do_what_their_names_say():
    x = load_audio(REAL_LONG).waveform
    edited = {e.name: e.apply(x) for e in EDITS}
    assert len(edited["leading_silence"].waveform) == len(x) + SAMPLE_RATE // 2
    assert not edited["leading_silence"].waveform[: SAMPLE_RATE // 2].any()
    quieter = edited["quieter_12db"].waveform
    assert 20 * np.log10(np.max(np.abs(quieter)) / np.max(np.abs(x))) == pytest.approx(-12, abs=1e-3)
    louder = edited["louder_6db"].waveform
    assert np.max(np.abs(louder)) <= 0.99 + 1e-6 and np.max(np.abs(louder)) > np.max(np.abs(x))
    assert edited["grid_shift"].window_offset_s == 1.0 and np.array_equal(edited["grid_shift"].waveform, x)

    # Noise at 30 dB below the speech, measured on the speech frames.
    noise = (edited["noise_30db"].waveform - x).astype(np.float64)
    speech = speech_frames(x)
    frames = lambda s: s[: len(speech) * FRAME].reshape(len(speech), FRAME)[speech]  # noqa: E731
    snr = 10 * np.log10(np.mean(frames(x.astype(np.float64)) ** 2) / np.mean(frames(noise) ** 2))
    assert snr == pytest.approx(30, abs=0.3)

    # Telephone band: nothing left above 4 kHz.
    phone = edited["telephone_band"].waveform
    spectrum = np.abs(np.fft.rfft(phone)) ** 2
    freqs = np.fft.rfftfreq(len(phone), 1 / SAMPLE_RATE)
    assert spectrum[freqs > 4100].sum() < 1e-4 * spectrum.sum()
    for name in ("telephone_band", "noise_30db", "ogg_vorbis", "quieter_12db", "louder_6db"):
        assert len(edited[name].waveform) == len(x) and edited[name].waveform.dtype == np.float32

    # Trimming: a clip with 0.8 s of silence around it comes back to about its own length.
    padded = np.concatenate([np.zeros(12800, np.float32), x, np.zeros(12800, np.float32)])
    trimmed = EDITS_BY_NAME["trim_silence"].apply(padded)
    assert abs(len(trimmed.waveform) - len(x)) < 0.25 * SAMPLE_RATE and not trimmed.unchanged
    silent = EDITS_BY_NAME["trim_silence"].apply(np.zeros(SAMPLE_RATE, np.float32))
    assert silent.unchanged


def test_window_offset_in_the_geometry():
    geometry = WindowGeometry.with_hop_seconds(None, offset_s=1.0)
    n = 10 * SAMPLE_RATE
    assert WindowGeometry().starts(n) == [0, WINDOW_SAMPLES, n - WINDOW_SAMPLES]
    assert geometry.starts(n) == [SAMPLE_RATE, SAMPLE_RATE + WINDOW_SAMPLES, n - WINDOW_SAMPLES]
    assert geometry.starts(WINDOW_SAMPLES + 100) == [100]  # the offset passes the last window: only that one
    short = np.arange(1000, dtype=np.float32)
    cut = WindowGeometry(offset=300).cut(short, [0])[0]
    assert cut[0] == 300 and cut[700] == 0 and len(cut) == WINDOW_SAMPLES
    with pytest.raises(ValueError, match="offset"):
        WindowGeometry.with_hop_seconds(None, offset_s=-1)


def test_summary_sentence_names_the_edits_that_flip():
    def edit(name, p, flips):
        return EditResult(name, "", p, verdict_of(p), flips)

    fragile = RobustnessResult([edit("quieter_12db", 0.2, True), edit("leading_silence", 0.1, True),
                                edit("ogg_vorbis", 0.9, False)], 0.97, "spoof", 10.0, "the whole recording")
    assert fragile.summary_sentence() == (
        "The verdict held under 1 of 3 edits; lowering the volume by 12 dB or adding half a second of silence at "
        "the start turns it to bona fide.")
    assert fragile.flipped_by == ["quieter_12db", "leading_silence"] and not fragile.stable
    assert (fragile.min_probability, fragile.max_probability) == (0.1, 0.97)
    stable = RobustnessResult([edit("quieter_12db", 0.03, False)], 0.01, "bona fide", 45.0,
                              "the first 30 s of 45.0 s")
    assert stable.stable and stable.summary_sentence() == (
        "The verdict (bona fide) held under all 1 edits: the spoof probability stayed between 0.01 and 0.03. "
        "Checked on the first 30 s of 45.0 s, which alone is judged bona fide (0.01).")


# --- model agreement ----------------------------------------------------------------------------------------------


def test_agreement_of_the_two_published_models(detectors):
    from aasist.inference.agreement import ModelAgreement, ModelVerdict

    result = Pipeline([detectors["AASIST"], detectors["AASIST-L"]]).analyze(str(SYNTHETIC))
    assert result.model == "AASIST" and result.file == str(SYNTHETIC)
    agreement = result.to_dict()["agreement"]
    assert [m["model"] for m in agreement["models"]] == ["AASIST", "AASIST-L"]
    alone = detectors["AASIST-L"].analyze(str(SYNTHETIC))
    assert agreement["models"][1]["spoof_probability"] == round(alone.spoof_probability, 6)
    assert agreement["agree"] is True and agreement["message"] is None  # both call the flite voice spoof

    split = ModelAgreement([ModelVerdict("AASIST", 0.97, "spoof"), ModelVerdict("AASIST-L", 0.12, "bona fide")])
    assert not split.agree
    assert split.message == ("The two models disagree: AASIST says spoof (0.97) and AASIST-L says bona fide "
                             "(0.12), so treat this verdict with extra caution.")


# --- the command line ---------------------------------------------------------------------------------------------


def run_cli(*args, env=None):
    """The CLI in this process (tests/command_line.py): its options, tables and reports are what is tested here."""
    return cli_in_process(*args, env=env)


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [(tag, value) for name, value in attrs if name in ("src", "href") and value]

    def handle_data(self, data):
        self.text.append(data)


def test_cli_robustness_models_and_reports(model_env, tmp_path):
    # Two inputs with the same file name (in different folders), and a name with HTML in it.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    same_a, same_b = tmp_path / "a" / "clip.wav", tmp_path / "b" / "clip.wav"
    shutil.copy(REAL_SHORT, same_a)
    shutil.copy(SYNTHETIC, same_b)
    odd = tmp_path / "a" / '<b>odd & "name".wav'
    shutil.copy(REAL_SHORT, odd)
    reports, table = tmp_path / "reports", tmp_path / "out.csv"

    proc = run_cli("detect", same_a, same_b, odd, "--robustness", "--models", "AASIST,AASIST-L", "--report",
                   reports, "--json", "--csv", table, env=model_env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["file"] for r in rows] == [str(same_a), str(same_b), str(odd)]
    for row in rows:
        assert row["model"] == "AASIST"
        assert set(row["robustness"]) == ROBUSTNESS_KEYS
        assert [e["name"] for e in row["robustness"]["edits"]] == EDIT_NAMES
        assert [m["model"] for m in row["agreement"]["models"]] == ["AASIST", "AASIST-L"]
        assert set(row["agreement"]) == {"models", "agree", "message"}
    assert rows[0]["robustness"] == rows[2]["robustness"]  # the same audio under another name
    assert rows[1]["verdict"] == "spoof"

    with open(table) as f:
        lines = list(csv.DictReader(f))
    assert {"stable", "flipped_by", "models_agree", "model_probabilities", "report"} <= set(lines[0])
    for line, row in zip(lines, rows):
        assert line["stable"] == str(row["robustness"]["stable"])
        assert line["flipped_by"] == ";".join(row["robustness"]["flipped_by"])
        assert line["model_probabilities"].startswith("AASIST=")

    # One report per input, none overwritten.
    paths = [Path(r["report"]) for r in rows]
    assert len(set(paths)) == 3 and all(p.parent == reports and p.is_file() for p in paths)
    assert [p.name for p in paths[:2]] == ["clip-report.html", "clip-report-2.html"]
    for path, row in zip(paths, rows):
        document = path.read_text(encoding="utf-8")
        parser = _Html()
        parser.feed(document)
        assert "script" not in parser.tags and "http://" not in document and "https://" not in document
        images = [url for tag, url in parser.urls if tag == "img"]
        assert len(images) >= 3 and all(url.startswith("data:image/png;base64,") for url in images)
        assert all(tag == "img" for tag, _ in parser.urls)  # nothing else is loaded or linked
        text = " ".join(parser.text)
        assert f"({row['verdict']})" in text and "Robustness check" in text and "Model agreement" in text
        assert Path(row["file"]).name in text  # the file name, as text
    odd_report = paths[2].read_text(encoding="utf-8")
    assert "<b>odd" not in odd_report and "&lt;b&gt;odd &amp; &quot;name&quot;.wav" in odd_report


def test_cli_model_and_models_together_is_refused(model_env):
    proc = run_cli("detect", REAL_SHORT, "--model", "AASIST-L", "--models", "AASIST,AASIST-L", env=model_env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("error: use either --model or --models, not both (the first of --models is the "
                                   "main model).")


def test_robustness_figure_marks_the_edits_that_flip():
    from types import SimpleNamespace

    from aasist.views.robustness_figure import draw_robustness

    assert draw_robustness(SimpleNamespace(robustness=None)) is None
    probabilities = [0.9, 0.95, 0.2, 0.99, 0.7, 1.0, 0.0, 0.97]
    edits = [EditResult(e.name, "", p, verdict_of(p), p < 0.5) for e, p in zip(EDITS, probabilities)]
    check = RobustnessResult(edits, 0.93, "spoof", 30.0, "the first 30 s of 95.2 s")
    fig = draw_robustness(SimpleNamespace(robustness=check))
    texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text") and o.get_text())]
    assert sum("flips the verdict" in t for t in texts) == 2
    assert {"first 30 s, as it is", "12 dB quieter", "faint noise (30 dB SNR)"} <= set(texts)
    assert any(t.startswith("The verdict held under 6 of 8 edits") for t in texts)
