"""aasist.inference.known_answer: the bundled examples scored once per downloaded weights file, recorded, shown, and a
warning next to the verdicts of weights that got fewer than half of them right.

The downloads go through the real huggingface_hub code to ``hub_server.HubServer`` serving the full-size RawNet2 with
seeded random weights (``rawnet2_file``): huggingface_hub reads ``HF_ENDPOINT`` and ``HF_HOME`` when it is imported,
so each load runs in a child Python process with an empty Hub cache and aasist cache under tmp_path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from aasist.models import cache

from aasist.inference import known_answer
from aasist.audio.diagnostics import MEASURED_FOR_AASIST_NOTE, InputWarning, for_architecture
from aasist.inference.known_answer import WEIGHTS_SUSPECT, KnownAnswer, labelled_examples, weights_suspect_text
from aasist.views.present import cautions
from aasist.models.registry import registered
from aasist.models.weights import file_sha256
from command_line import cli_in_process
from hub_server import HubServer, fake_commit

REPO_ROOT = Path(__file__).resolve().parents[1]
RAWNET2 = registered("RawNet2")
EXAMPLE = REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav"

# Runs in the child: loads RawNet2 (torch backend: no ONNX export to wait for) once per entry of argv[1], each with
# its own AASIST_CACHE_DIR, and prints what the check gave, whether it scored (its log line), the warnings of an
# analysis and of `detect --json`.
CHILD = r"""
import contextlib, io, json, logging, os, sys
from aasist.cli import main
from aasist.inference.detector import Detector

scored = []
class Heard(logging.Handler):
    def emit(self, record):
        if "known-answer check on first load" in record.getMessage():
            scored.append(record.getMessage())
logging.getLogger("aasist.known_answer").addHandler(Heard())
logging.getLogger("aasist.known_answer").setLevel(logging.INFO)

results = []
for call in json.loads(sys.argv[1]):
    os.environ["AASIST_CACHE_DIR"] = call["cache"]
    del scored[:]
    detector = Detector.from_pretrained("RawNet2", backend="torch")
    check = detector.known_answer
    result = {"known_answer": None if check is None else check.to_dict(), "scored": len(scored)}
    if call.get("analyze"):
        result["warnings"] = [w.to_dict() for w in detector.analyze(call["analyze"]).warnings]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["detect", call["analyze"], "--model", "RawNet2", "--backend", "torch", "--json"])
        result["detect"] = {"code": code, "json": json.loads(out.getvalue())}
    results.append(result)
print("RESULTS " + json.dumps(results))
"""


def run_child(calls: list, hub_url: str, hf_home: Path) -> list:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE", "AASIST_", "TRANSFORMERS_"))}
    env.update(PYTHONPATH=str(REPO_ROOT), HF_ENDPOINT=hub_url, HF_HOME=str(hf_home), HF_HUB_DISABLE_XET="1",
               HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1", HF_HUB_DISABLE_IMPLICIT_TOKEN="1")
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(calls)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert done.returncode == 0 and lines, f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1][len("RESULTS "):])


def models_json(cache_dir: Path) -> dict:
    listed = cli_in_process("models", "--json", env={"AASIST_CACHE_DIR": cache_dir})
    assert listed.returncode == 0, listed.stderr
    return {m["name"]: m for m in json.loads(listed.stdout)}


# ---------------------------------------------------------------------------------------------------------------
# The examples, the verdict on a check, the sentences


def test_the_bundled_examples_are_labelled_from_their_names():
    examples = labelled_examples()
    labels = {Path(e.path).name: e.label for e in examples}
    assert len(examples) == 7
    assert all(label == ("bona fide" if name.startswith("real_") else "spoof") for name, label in labels.items())
    assert sum(label == "spoof" for label in labels.values()) == 3
    assert labelled_examples(REPO_ROOT / "no-such-folder") == []


@pytest.mark.parametrize("correct, total, suspect", [(3, 7, True), (4, 7, False), (0, 1, True), (1, 2, False),
                                                     (0, 0, False)])
def test_fewer_than_half_right_is_suspect(correct, total, suspect):
    check = KnownAnswer("RawNet2", correct, total, "2025-01-01 00:00 UTC", "ab" * 32, "c" * 40)
    assert check.suspect is suspect
    warning = check.warning()
    if suspect:
        assert warning.code == WEIGHTS_SUSPECT
        assert warning.message == weights_suspect_text("RawNet2", correct, total)
        assert f"{correct} of the {total}" in warning.message and "may not have loaded correctly" in warning.message
    else:
        assert warning is None
    assert KnownAnswer.from_dict("RawNet2", check.to_dict()) == check


def test_a_damaged_record_is_no_check():
    for data in (None, [], {"correct": 1}, {"correct": "x", "total": 7, "checked_at": "", "sha256": ""}):
        assert KnownAnswer.from_dict("RawNet2", data) is None


def test_local_and_packaged_weights_are_not_checked():
    local = SimpleNamespace(sha256="ab" * 32, commit=None)
    hub = SimpleNamespace(sha256="ab" * 32, commit="c" * 40)
    for name, checkpoint in (("RawNet2", local), ("AASIST", hub), ("my/model", hub), ("RawNet2", None)):
        detector = SimpleNamespace(model_name=name, checkpoint=checkpoint)
        assert known_answer.checked_model(detector) is None
        assert known_answer.for_loaded(detector) is None  # nothing scored, nothing raised
    assert known_answer.checked_model(SimpleNamespace(model_name="RawNet2", checkpoint=hub)) is RAWNET2


def test_a_check_that_fails_is_logged_and_skipped(tmp_path, monkeypatch, caplog):
    class Broken:
        model_name = "RawNet2"
        checkpoint = SimpleNamespace(sha256="ab" * 32, commit="c" * 40)

        def analyze(self, path):
            raise RuntimeError("the backend fell over")

    monkeypatch.setenv("AASIST_CACHE_DIR", str(tmp_path))
    assert known_answer.for_loaded(Broken()) is None
    assert "could not run and was skipped" in caplog.text and "the backend fell over" in caplog.text


def test_the_aasist_cautions_say_whose_measurements_they_are():
    warnings = [InputWarning("too_short", "Short."), InputWarning("clipped", "Clipped."),
                InputWarning("loud", "Loud.")]
    assert for_architecture(warnings, "AASIST") == warnings
    noted = for_architecture(warnings, "RawNet2")
    assert [w.message for w in noted] == [f"Short. {MEASURED_FOR_AASIST_NOTE}", "Clipped.",
                                          f"Loud. {MEASURED_FOR_AASIST_NOTE}"]
    assert for_architecture(noted, "AntiDeepfake") == noted  # once


def test_a_weights_warning_is_not_called_an_input_warning():
    suspect = KnownAnswer("RawNet2", 1, 7, "", "", None).warning()
    result = SimpleNamespace(verdict="spoof", warnings=[suspect], agreement=None, robustness=None)
    assert cautions(result) == ["A warning below: read it before trusting this result."]
    result.warnings = [suspect, InputWarning("loud", "Loud.")]
    assert cautions(result) == ["2 warnings below: read them before trusting this result."]
    # Their heading, in the report and on the page, says so too.
    from aasist.views.present import warnings_heading
    from webapp.views import warnings_html

    assert warnings_heading(result.warnings) == "Warnings"
    assert warnings_heading([InputWarning("loud", "Loud.")]) == "Input warnings"
    assert "Check the input and the model</div>" in warnings_html(result.warnings)


# ---------------------------------------------------------------------------------------------------------------
# Through the Hub


def test_the_first_download_is_checked_once_recorded_and_listed(rawnet2_file, tmp_path):
    cache_dir = tmp_path / "cache"
    with HubServer({RAWNET2.repo_id: {RAWNET2.filename: rawnet2_file}}) as hub:
        first, again = run_child([{"cache": str(cache_dir)}, {"cache": str(cache_dir)}], hub.url, tmp_path / "hf")
        [later] = run_child([{"cache": str(cache_dir)}], hub.url, tmp_path / "hf")  # another process
    check = first["known_answer"]
    assert first["scored"] == 1 and check["total"] == 7 and 0 <= check["correct"] <= 7
    assert check["sha256"] == file_sha256(rawnet2_file) and check["commit"] == fake_commit("main")
    assert len(check["wrong"]) == 7 - check["correct"]
    # Not scored again: read from the record, in the same process and in the next.
    assert again == later == {"known_answer": check, "scored": 0}

    listed = models_json(cache_dir)
    assert listed["RawNet2"]["known_answer"] == check and listed["RawNet2"]["sha256"] == check["sha256"]
    assert listed["AASIST"]["known_answer"] is None and listed["W2V2-AASIST"]["known_answer"] is None
    table = cli_in_process("models", env={"AASIST_CACHE_DIR": cache_dir}).stdout
    assert f"known-answer check: {check['correct']} of the 7 bundled examples called right" in table

    # A new file (another commit) replaces the SHA-256 record, and with it the check: it is checked again.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_CACHE_DIR", str(cache_dir))
        cache.record_sha256(RAWNET2.repo_id, RAWNET2.filename, "ef" * 32, "d" * 40)
        assert cache.recorded_known_answer(RAWNET2.repo_id, RAWNET2.filename) is None
    assert models_json(cache_dir)["RawNet2"]["known_answer"] is None


def _record(cache_dir: Path, rawnet2_file: Path, correct: int) -> None:
    """The records of a first download whose check called ``correct`` of 7 right (as aasist.models.cache writes
    them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_CACHE_DIR", str(cache_dir))
        sha256, commit = file_sha256(rawnet2_file), fake_commit("main")
        cache.record_sha256(RAWNET2.repo_id, RAWNET2.filename, sha256, commit)
        check = KnownAnswer("RawNet2", correct, 7, "2025-01-01 00:00 UTC", sha256, commit)
        assert cache.record_known_answer(RAWNET2.repo_id, RAWNET2.filename, check.to_dict())


def test_weights_that_got_fewer_than_half_right_say_so_next_to_every_verdict(rawnet2_file, tmp_path):
    suspect, fine = tmp_path / "suspect", tmp_path / "fine"
    _record(suspect, rawnet2_file, correct=2)
    _record(fine, rawnet2_file, correct=4)
    with HubServer({RAWNET2.repo_id: {RAWNET2.filename: rawnet2_file}}) as hub:
        low, half = run_child([{"cache": str(suspect), "analyze": str(EXAMPLE)},
                               {"cache": str(fine), "analyze": str(EXAMPLE)}], hub.url, tmp_path / "hf")
    sentence = weights_suspect_text("RawNet2", 2, 7)
    assert low["scored"] == 0 and low["known_answer"]["correct"] == 2  # the recorded check, not scored again
    assert low["warnings"][0] == {"code": WEIGHTS_SUSPECT, "message": sentence}
    [detected] = low["detect"]["json"]
    assert low["detect"]["code"] == 0 and detected["warnings"][0] == {"code": WEIGHTS_SUSPECT, "message": sentence}
    assert half["scored"] == 0 and half["known_answer"]["correct"] == 4
    assert all(w["code"] != WEIGHTS_SUSPECT for w in half["warnings"] + half["detect"]["json"][0]["warnings"])
    assert models_json(suspect)["RawNet2"]["known_answer"]["correct"] == 2


def test_local_weights_are_never_checked_and_their_cautions_say_whose_they_are(rawnet2_file, weights_dir, tmp_path,
                                                                                monkeypatch):
    from aasist.inference.detector import Detector

    folder = tmp_path / "weights"
    folder.mkdir()
    (folder / "RawNet2.pth").symlink_to(rawnet2_file)
    monkeypatch.setenv("AASIST_WEIGHTS_DIR", str(folder))
    monkeypatch.setenv("AASIST_CACHE_DIR", str(tmp_path / "cache"))
    phone = REPO_ROOT / "assets" / "examples" / "real_arctic_slt_a0009_phone_8khz.wav"
    rawnet2 = Detector.from_pretrained("RawNet2", backend="torch")
    assert rawnet2.known_answer is None and not (tmp_path / "cache").exists()  # nothing scored, nothing recorded
    [band] = [w for w in rawnet2.analyze(phone).warnings if w.code == "band_limited"]
    assert band.message.endswith(f"8 kHz as spoof, so a \"spoof\" verdict may well be a false alarm. "
                                 f"{MEASURED_FOR_AASIST_NOTE}")
    aasist = Detector.from_pretrained("AASIST", backend="torch")
    [band] = [w for w in aasist.analyze(phone).warnings if w.code == "band_limited"]
    assert aasist.known_answer is None and MEASURED_FOR_AASIST_NOTE not in band.message


def test_the_pages_browser_processing_warning_says_whose_measurement_it_is():
    from webapp.recordings import add_demo_warnings

    for architecture, noted in (("RawNet2", True), ("AASIST", False)):
        result = SimpleNamespace(warnings=[], architecture=architecture)
        add_demo_warnings(result, SimpleNamespace(truncated=False), 600, capture={"autoGainControl": True})
        [processed] = result.warnings
        assert processed.code == "browser_processing"
        assert processed.message.endswith(MEASURED_FOR_AASIST_NOTE) is noted
