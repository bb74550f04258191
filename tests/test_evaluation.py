"""Evaluation on your own labelled recordings (aasist.evaluation.evaluation) and ``python -m aasist evaluate``.

The numbers against ``aasist.evaluation.metrics`` on known scores; labels from folders and from a CSV; a broken file, a
tone and a missing class; then the real command line on a small set made of assets/examples (real_* bona fide,
synthetic_* spoof) with a broken file and a tone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from command_line import cli_in_process
import soundfile as sf

from aasist.audio.labels import BONA_FIDE, SPOOF, EvaluationError, LabelledFile, labelled_files
from aasist.evaluation import metrics
from aasist.evaluation.evaluation import BOOTSTRAP_ROUNDS, FileScore, evaluate, evaluation_of, model_evaluation
from aasist.views.present import EVALUATION_LIMITS, evaluation_notes
from signals import SR, non_speech

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "assets" / "examples"
REAL = ("real_arctic_awb_a0007.wav", "real_arctic_slt_a0009.wav", "real_librivox_austen.wav")
SYNTHETIC = ("synthetic_espeak_en_us.wav", "synthetic_flite_awb_a0007.wav", "synthetic_flite_slt_a0009.wav")


def one_sentence(text: str) -> bool:
    return "\n" not in text.strip() and text.strip().endswith(".") and "Traceback" not in text


# --- the numbers on known scores ---------------------------------------------------------------------------------


def overlapping_scores(seed: int = 0) -> tuple:
    """Spoof probabilities of 30 bona fide and 25 spoof recordings whose classes overlap."""
    rng = np.random.default_rng(seed)
    return rng.beta(2, 5, 30), rng.beta(5, 2, 25)


def test_eer_is_metrics_eer_with_a_reproducible_interval_around_it():
    bonafide, spoof = overlapping_scores()
    m = model_evaluation("m", bonafide, spoof, bootstrap_rounds=300, seed=7)
    eer, _ = metrics.compute_eer(1 - bonafide, 1 - spoof)  # bona fide is the target class: its score is 1 - p
    assert m.eer == pytest.approx(100 * eer) and 0 < m.eer < 50
    low, high = m.eer_ci95
    assert low <= m.eer <= high and low < high
    assert model_evaluation("m", bonafide, spoof, bootstrap_rounds=300, seed=7).eer_ci95 == (low, high)
    assert model_evaluation("m", bonafide, spoof, bootstrap_rounds=300, seed=8).eer_ci95 != (low, high)
    assert (m.n_bonafide, m.n_spoof) == (30, 25)
    assert m.false_alarms_at_05 == np.sum(bonafide >= 0.5) and m.misses_at_05 == np.sum(spoof < 0.5)
    assert m.false_alarm_rate_at_05 == pytest.approx(100 * np.mean(bonafide >= 0.5))
    data = m.to_dict()
    assert set(data) >= {"model", "eer", "eer_ci95", "threshold_at_eer", "false_alarms_at_0.5", "misses_at_0.5",
                         "n_bonafide", "n_spoof"}
    assert data["eer"] == pytest.approx(m.eer, abs=1e-4) and data["eer_ci95"] == pytest.approx([low, high], abs=1e-4)

    separated = model_evaluation("m", np.array([0.1, 0.2, 0.3]), np.array([0.7, 0.9]), bootstrap_rounds=50)
    assert separated.eer == 0 and separated.eer_ci95 == (0, 0)
    assert 0.3 < separated.threshold_at_eer <= 0.7
    assert separated.false_alarms_at_eer == separated.misses_at_eer == 0


def test_threshold_at_eer_is_a_spoof_probability_with_the_eer_errors():
    """At ``threshold_at_eer`` (spoof at or above it) the errors are those the EER averages. Distinct scores (a tie
    across the classes has no threshold between them), exact in binary, so that 1 - (1 - p) == p (see the next
    test)."""
    pool = np.random.default_rng(1).permutation(np.arange(1, 128))
    bonafide = pool[pool < 85][:30] / 128
    spoof = np.setdiff1d(pool[pool > 40], pool[pool < 85][:30])[:25] / 128
    m = model_evaluation("m", bonafide, spoof, bootstrap_rounds=10)
    assert m.false_alarms_at_eer == np.sum(bonafide >= m.threshold_at_eer)
    assert m.misses_at_eer == np.sum(spoof < m.threshold_at_eer)
    rates = (100 * m.false_alarms_at_eer / m.n_bonafide, 100 * m.misses_at_eer / m.n_spoof)
    assert np.mean(rates) == pytest.approx(m.eer)
    miss_rate, false_alarm_rate, thresholds = m.det_curve()
    at = np.argmin(np.abs(miss_rate - false_alarm_rate))
    assert thresholds[at] == pytest.approx(m.threshold_at_eer)
    assert (100 * false_alarm_rate[at], 100 * miss_rate[at]) == pytest.approx(rates)


def test_errors_at_the_eer_threshold_add_up_to_the_eer_on_any_scores():
    bonafide, spoof = overlapping_scores(seed=4)
    m = model_evaluation("m", bonafide, spoof, bootstrap_rounds=10)
    rates = (100 * m.false_alarms_at_eer / m.n_bonafide, 100 * m.misses_at_eer / m.n_spoof)
    assert np.mean(rates) == pytest.approx(m.eer)


# --- labels ------------------------------------------------------------------------------------------------------


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_folder_labels_at_any_depth_and_in_any_case(tmp_path):
    root = tmp_path / "set"
    expected = {
        touch(root / "Bonafide" / "a.wav"): BONA_FIDE,
        touch(root / "calls" / "REAL" / "2024" / "b.FLAC"): BONA_FIDE,
        touch(root / "genuine" / "c.mp3"): BONA_FIDE,
        touch(root / "spoof" / "d.wav"): SPOOF,
        touch(root / "tts" / "Fake" / "e.ogg"): SPOOF,
        touch(root / "fake" / "real" / "f.wav"): BONA_FIDE,  # the nearest folder decides
    }
    touch(root / "spoof" / "notes.txt")  # not audio: not evaluated
    files = labelled_files([root])
    assert {Path(f.path): f.label for f in files} == expected
    assert labelled_files([root / "spoof" / "d.wav"]) == [LabelledFile(str(root / "spoof" / "d.wav"), SPOOF)]

    touch(root / "misc" / "g.wav")
    with pytest.raises(EvaluationError) as error:
        labelled_files([root])
    assert "g.wav" in str(error.value) and "--labels" in str(error.value) and one_sentence(str(error.value))
    with pytest.raises(EvaluationError, match="does not exist"):
        labelled_files([tmp_path / "nowhere"])
    with pytest.raises(EvaluationError, match="No labelled recordings"):
        labelled_files([touch(tmp_path / "empty" / "spoof" / "x.txt").parent])


def test_csv_labels_relative_paths_and_a_header(tmp_path):
    absolute = touch(tmp_path / "elsewhere" / "c.wav")
    labels = tmp_path / "set" / "labels.csv"
    labels.parent.mkdir()
    labels.write_text(f"file,label\n# a comment\na.wav,bonafide\nsub/b.flac, Fake \n\n{absolute},Real\n"
                      "d.wav,bona fide\ne.wav,SPOOF\n", encoding="utf-8")
    files = labelled_files([], labels_csv=labels)
    assert files == [LabelledFile(str(labels.parent / "a.wav"), BONA_FIDE),
                     LabelledFile(str(labels.parent / "sub" / "b.flac"), SPOOF),
                     LabelledFile(str(absolute), BONA_FIDE),
                     LabelledFile(str(labels.parent / "d.wav"), BONA_FIDE),
                     LabelledFile(str(labels.parent / "e.wav"), SPOOF)]

    labels.write_text("a.wav,bonafide\nb.wav,maybe\n")
    with pytest.raises(EvaluationError) as error:
        labelled_files([], labels_csv=labels)
    assert "Line 2" in str(error.value) and "'maybe'" in str(error.value) and one_sentence(str(error.value))
    labels.write_text("a.wav\n")
    with pytest.raises(EvaluationError, match="Line 1 .* has no label") as error:
        labelled_files([], labels_csv=labels)
    assert one_sentence(str(error.value))
    with pytest.raises(EvaluationError, match="does not exist"):
        labelled_files([], labels_csv=tmp_path / "none.csv")


# --- scoring real recordings: a broken file, a tone, a missing class ---------------------------------------------


@pytest.fixture(scope="module")
def example_set(tmp_path_factory) -> Path:
    """bonafide/: three real examples and a 5 s tone (no speech); spoof/: three synthetic ones and a broken file."""
    root = tmp_path_factory.mktemp("evaluation") / "set"
    for folder, names in (("bonafide", REAL), ("spoof", SYNTHETIC)):
        (root / folder).mkdir(parents=True)
        for name in names:
            shutil.copy(EXAMPLES / name, root / folder / name)
    sf.write(root / "bonafide" / "tone.wav", non_speech(5.0)["tone"], SR)
    (root / "spoof" / "broken.wav").write_text("this is not audio")
    return root


@pytest.fixture(scope="module")
def scored(example_set, aasist_detector):
    calls = []
    files = labelled_files([example_set])
    evaluation = evaluate(files, [aasist_detector], progress=lambda done, total: calls.append((done, total)),
                          bootstrap_rounds=200, seed=3)
    return files, evaluation, calls


def test_a_broken_file_and_a_tone_are_listed_apart_and_left_out(scored):
    files, evaluation, calls = scored
    assert calls == [(i, len(files)) for i in range(1, len(files) + 1)] and len(files) == 8
    assert [f.file for f in evaluation.files] == [f.path for f in files]

    (broken,) = evaluation.failed_files
    assert broken.file.endswith("broken.wav") and broken.label == SPOOF
    assert "not an audio file" in broken.error and one_sentence(broken.error)
    assert broken.to_dict() == {"file": broken.file, "label": SPOOF, "error": broken.error}
    (tone,) = evaluation.no_speech_files
    assert tone.file.endswith("tone.wav") and tone.no_speech and not tone.counted
    assert len(evaluation.counted_files) == 6

    (m,) = evaluation.models
    assert (m.model, m.n_bonafide, m.n_spoof) == ("AASIST", 3, 3)
    counted = evaluation.counted_files
    bonafide = np.array([f.spoof_probability["AASIST"] for f in counted if f.label == BONA_FIDE])
    spoof = np.array([f.spoof_probability["AASIST"] for f in counted if f.label == SPOOF])
    assert np.array_equal(m.bonafide_scores, bonafide) and np.array_equal(m.spoof_scores, spoof)
    assert m.eer == pytest.approx(100 * metrics.compute_eer(1 - bonafide, 1 - spoof)[0])
    assert m.eer_ci95[0] <= m.eer <= m.eer_ci95[1]
    assert m.weights_sha256 and m.architecture == "AASIST"

    data = evaluation.to_dict()
    assert (data["bootstrap_rounds"], data["seed"]) == (200, 3)
    assert [f["file"] for f in data["files"]] == [f.path for f in files]
    notes = evaluation_notes(evaluation)
    assert "Of 8 recordings, 1 could not be decoded and 1 hold no speech" in notes[0]


def test_a_class_with_no_scored_recording_is_one_sentence(scored, aasist_detector):
    _, evaluation, _ = scored
    # Only the tone (no speech) is left of the bona fide class: no EER.
    without_bonafide = [f for f in evaluation.files if f.label == SPOOF or f.no_speech]
    with pytest.raises(EvaluationError) as error:
        evaluation_of(without_bonafide, [aasist_detector])
    assert str(error.value).startswith("No bona fide recording could be scored (of 5: 1 failed, 1 without speech)")
    assert one_sentence(str(error.value))
    # Nothing decodes: the error comes before any model runs.
    with pytest.raises(EvaluationError, match="No bona fide recording"):
        evaluate([LabelledFile(f.file, f.label) for f in evaluation.failed_files], [aasist_detector])
    with pytest.raises(EvaluationError, match="No spoof recording"):
        evaluation_of([FileScore("a.wav", BONA_FIDE, {"AASIST": 0.2})], [aasist_detector])


# --- the command line --------------------------------------------------------------------------------------------


def run_cli(*args, env):
    """``evaluate ARGS`` in this process (tests/command_line.py)."""
    return cli_in_process("evaluate", *args, env=env)


def test_cli_json_of_both_default_models_with_a_report(example_set, model_env, tmp_path):
    proc = run_cli(example_set, "--json", "--bootstrap", "100", "--seed", "1", "--report", tmp_path / "report",
                   env=model_env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert (data["bootstrap_rounds"], data["seed"]) == (100, 1)
    assert [m["model"] for m in data["models"]] == ["AASIST", "AASIST-L"]  # the default models
    by_name = {Path(f["file"]).name: f for f in data["files"]}
    assert set(by_name) == set(REAL) | set(SYNTHETIC) | {"tone.wav", "broken.wav"}
    assert set(by_name["broken.wav"]) == {"file", "label", "error"} and by_name["broken.wav"]["label"] == SPOOF
    assert by_name["tone.wav"]["no_speech"] is True
    for model in data["models"]:
        assert set(model) >= {"model", "eer", "eer_ci95", "threshold_at_eer", "false_alarms_at_0.5",
                              "misses_at_0.5", "n_bonafide", "n_spoof"}
        assert (model["n_bonafide"], model["n_spoof"]) == (3, 3)
        counted = [f for f in data["files"] if "error" not in f and not f["no_speech"]]
        bonafide = np.array([f["spoof_probability"][model["model"]] for f in counted if f["label"] == BONA_FIDE])
        spoof = np.array([f["spoof_probability"][model["model"]] for f in counted if f["label"] == SPOOF])
        assert model["eer"] == pytest.approx(100 * metrics.compute_eer(1 - bonafide, 1 - spoof)[0], abs=1e-3)
        low, high = model["eer_ci95"]
        assert low <= model["eer"] <= high
        assert model["false_alarms_at_0.5"] == np.sum(bonafide >= 0.5)
        assert model["misses_at_0.5"] == np.sum(spoof < 0.5)
    assert Path(data["report"]).is_file() and Path(data["report"]).parent == tmp_path / "report"


def test_cli_table_from_a_csv_of_labels(example_set, model_env, monkeypatch, capsys):
    """The readable table (in this process: the same `main` as `python -m aasist`), labels from a CSV."""
    from aasist.cli import main

    for key, value in model_env.items():
        monkeypatch.setenv(key, value)
    labels = example_set / "labels.csv"
    labels.write_text("file,label\n" + "".join(f"bonafide/{name},real\n" for name in (*REAL, "tone.wav"))
                      + "".join(f"spoof/{name},fake\n" for name in (*SYNTHETIC, "broken.wav")))
    assert main(["evaluate", "--labels", str(labels), "--models", "AASIST-L", "--bootstrap", "50"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no progress bar when stderr is not a terminal
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["model", "EER", "95"]
    row = next(line for line in lines if line.startswith("AASIST-L "))
    eer, low, high = row.split()[1], *row.split()[3].split("-")
    assert float(low) <= float(eer) <= float(high)
    assert row.split()[-2:] == ["3", "3"]  # bona fide, spoof counted
    assert "note: Of 8 recordings, 1 could not be decoded and 1 hold no speech" in out
    assert f"note: {EVALUATION_LIMITS}" in out and "AASIST-L: at the threshold of its EER" in out
    failed = lines[lines.index("not decoded (1, left out):") + 1]
    assert failed.startswith(f"  {example_set / 'spoof' / 'broken.wav'} [spoof]: ") and "not an audio file" in failed
    assert lines[lines.index("no speech found (1, left out):") + 1].startswith(
        f"  {example_set / 'bonafide' / 'tone.wav'} [bona fide]")


def test_cli_without_labels_exits_2_with_one_sentence(model_env, tmp_path):
    unlabelled = tmp_path / "recordings"
    unlabelled.mkdir()
    shutil.copy(EXAMPLES / REAL[0], unlabelled)
    proc = run_cli(unlabelled, env=model_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: 1 file(s) lie in no folder named bonafide/real or spoof/fake")
    assert one_sentence(proc.stderr)


@pytest.mark.parametrize("args, message", [
    ([], "Give the recordings to evaluate"),
    (["x", "--models", "AASIST,AASIST"], "--models names AASIST twice"),
    (["x", "--models", " , "], "--models needs model names"),
    (["x", "--checkpoint", "AASIST"], "--checkpoint applies only with --database"),
    (["x", "--database", "db", "--checkpoint", "AASIST", "--scores", "s.txt"], "PATH... does not apply with "
                                                                              "--database"),
    (["--database", "db", "--json", "--checkpoint", "AASIST", "--scores", "s.txt"], "--json does not apply"),
    (["--database", "db", "--scores", "s.txt"], "--database needs --checkpoint."),
])
def test_cli_usage_errors_are_one_sentence(args, message, capsys):
    """Told before any recording is read or model loaded; --database keeps the ASVspoof scorer's options apart."""
    from aasist.cli import main

    assert main(["evaluate", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {message}") and one_sentence(err)


def test_cli_unknown_model_exits_2(example_set, model_env, monkeypatch, capsys):
    from aasist.cli import main

    for key, value in model_env.items():
        monkeypatch.setenv(key, value)
    assert main(["evaluate", str(example_set), "--models", "AASIST,NoSuchModel"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: Unknown model 'NoSuchModel'") and one_sentence(err)


def test_cli_help_names_the_defaults(capsys):
    from aasist.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["evaluate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: AASIST,AASIST-L" in text and f"(default {BOOTSTRAP_ROUNDS})" in text
    assert "--database DB" in text and "--checkpoint" in text
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["evaluate", "x", "--bootstrap", "0"])
    assert exit_.value.code == 2
