"""The command line: `python -m aasist detect ...` in a subprocess as a user runs it where the process is what is
checked (its console, the Hub's environment), else ``aasist.cli.main`` in this process (tests/command_line.py)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from command_line import cli_in_process
from command_line import run_cli as run_process

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "assets" / "examples"
REAL = EXAMPLES / "real_arctic_awb_a0007.wav"
SYNTHETIC = EXAMPLES / "synthetic_flite_awb_a0007.wav"
PHONE = EXAMPLES / "real_arctic_slt_a0009_phone_8khz.wav"


def run_cli(*args, env_extra=None, cwd=REPO, timeout=180):
    """The real process, offline."""
    return run_process(*args, env={"HF_HUB_OFFLINE": "1", **(env_extra or {})}, cwd=cwd, timeout=timeout)


def cli(*args, env_extra=None):
    """The same command in this process (HF_HUB_OFFLINE is read by huggingface_hub at import, so it is left out:
    these calls name their weights with AASIST_WEIGHTS_DIR, or read no weights)."""
    return cli_in_process(*args, env=env_extra)


@pytest.fixture(scope="module")
def cli_env(model_env):
    """The test weights, offline, and the run's ONNX cache (tests/conftest.py): the CLI exports no graph that
    another test already made (tests/test_onnx.py tests the export from an empty cache)."""
    return model_env


def test_json_for_real_and_synthetic_speech_and_a_bad_file(cli_env, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio")
    out_csv = tmp_path / "results.csv"
    proc = run_cli("detect", REAL, SYNTHETIC, PHONE, bad, "--json", "--csv", out_csv, env_extra=cli_env)
    assert proc.returncode == 1, proc.stderr  # one file failed, the others ran
    assert "Traceback" not in proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["file"] for r in rows] == [str(REAL), str(SYNTHETIC), str(PHONE), str(bad)]

    real, synthetic, phone, failed = rows
    for row in (real, synthetic, phone):
        assert set(row) >= {"file", "model", "spoof_probability", "score", "verdict", "duration_s",
                            "sample_rate", "windows", "warnings"}
        assert row["model"] == "AASIST"
        assert row["verdict"] == ("spoof" if row["spoof_probability"] >= 0.5 else "bona fide")
        for window in row["windows"]:
            assert set(window) == {"start_s", "end_s", "spoof_probability", "score", "speech_s"}
    assert real["verdict"] == "bona fide" and real["warnings"] == []
    assert synthetic["verdict"] == "spoof"
    assert phone["sample_rate"] == 8000
    assert [w["code"] for w in phone["warnings"]] == ["band_limited"]

    assert set(failed) == {"file", "error"}
    assert "not an audio file" in failed["error"] and failed["error"].count("\n") == 0

    with open(out_csv) as f:
        table = list(csv.DictReader(f))
    assert [r["file"] for r in table] == [str(REAL), str(SYNTHETIC), str(PHONE), str(bad)]
    assert table[2]["warnings"] == "band_limited" and table[3]["error"]


def test_readable_table_protocol_and_model(cli_env):
    proc = cli("detect", SYNTHETIC, "--model", "AASIST-L", "--protocol", "asvspoof", env_extra=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "spoof" in proc.stdout and SYNTHETIC.name in proc.stdout


def test_all_good_files_exit_zero_and_hop_adds_windows(cli_env, weights_dir):
    plain = json.loads(cli("detect", EXAMPLES / "real_librivox_austen.wav", "--json", env_extra=cli_env).stdout)
    hop = cli("detect", EXAMPLES / "real_librivox_austen.wav", "--json", "--hop", "1", "--backend", "torch",
                  env_extra=cli_env)
    assert hop.returncode == 0, hop.stderr
    assert len(json.loads(hop.stdout)[0]["windows"]) > len(plain[0]["windows"])


def test_unknown_model_is_one_clear_line(cli_env):
    proc = cli("detect", REAL, "--model", "no-such-model", env_extra=cli_env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_missing_hub_weights_offline_is_one_clear_line(tmp_path):
    # RawNet2 does not ship with the package: offline with an empty cache, it cannot be had.
    env = {"HF_HOME": str(tmp_path / "hf"), "AASIST_CACHE_DIR": str(tmp_path / "cache")}
    env_clean = {k: v for k, v in os.environ.items() if k != "AASIST_WEIGHTS_DIR"}
    proc = subprocess.run([sys.executable, "-m", "aasist", "detect", str(REAL), "--model", "RawNet2"],
                          capture_output=True, text=True, env=dict(env_clean, HF_HUB_OFFLINE="1", **env), cwd=REPO,
                          timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "HF_HUB_OFFLINE" in proc.stderr and "RawNet2.pth" in proc.stderr


def test_models_lists_the_registry():
    from aasist.models.registry import MODELS

    listed = json.loads(cli("models", "--json").stdout)
    assert [m["name"] for m in listed] == ["AASIST", "AASIST-L", "RawNet2", "W2V2-AASIST", "AntiDeepfake-Small",
                                           "AntiDeepfake-Large-NDA"]
    for entry, model in zip(listed, MODELS):
        for key in ("name", "architecture", "repo_id", "filename", "revision", "sha256", "licence", "trained_on"):
            assert key in entry, key
        assert entry["repo_id"] == model.repo_id and entry["filename"] == model.filename
    assert listed[2]["repo_id"] == "MattyB95/pre_trained_DF_RawNet2" and listed[2]["architecture"] == "RawNet2"
    assert listed[3]["repo_id"] == "SpeechAntiSpoofingBenchmarks/W2V2-AASIST" and listed[3]["sha256"] is None
    table = cli("models").stdout
    assert "LFCC-LCNN" in table and "no public pretrained copy" in table and "22.38 %" in table


def test_rawnet2_scores_and_joins_a_three_model_comparison(cli_env, tmp_path):
    # AASIST_WEIGHTS_DIR holds RawNet2.pth: a full-size RawNet2 in the baseline's format (tests/conftest.py).
    alone = cli("detect", SYNTHETIC, "--model", "RawNet2", "--json", env_extra=cli_env)
    assert alone.returncode == 0, alone.stderr
    [result] = json.loads(alone.stdout)
    assert result["model"] == "RawNet2" and 0 <= result["spoof_probability"] <= 1
    both = cli("detect", SYNTHETIC, "--models", "AASIST,AASIST-L,RawNet2", "--json", env_extra=cli_env)
    [compared] = json.loads(both.stdout)
    models = compared["agreement"]["models"]
    assert [m["model"] for m in models] == ["AASIST", "AASIST-L", "RawNet2"]
    assert models[2]["spoof_probability"] == pytest.approx(result["spoof_probability"], abs=1e-6)
