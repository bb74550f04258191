"""The training pipeline end to end on a tiny ASVspoof 2019 LA database built here in the distributed layout:
train each model for one short epoch, evaluate it, load the checkpoint folder (and in the detector); resume; DDP
under torchrun (gloo, two processes); push up to what it would upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from aasist.cli import main as cli_main
from aasist.models.lcnn import LCNN_CONFIG
from aasist.evaluation.protocols import ProtocolFileError
from aasist.training import data, push, train
from aasist.training.checkpoint import build_model, load_checkpoint_folder

REPO_ROOT = Path(__file__).resolve().parents[1]
SR = 16000
WINDOW = 16000  # 1 s windows keep the tests fast; files of 0.5 s are tiled, files of 2 s cropped

TINY_MODEL_CONFIGS = {
    "AASIST": {
        "architecture": "AASIST",
        "nb_samp": WINDOW,
        "first_conv": 128,
        "filts": [70, [1, 8], [8, 8], [8, 16], [16, 16]],
        "gat_dims": [16, 8],
        "pool_ratios": [0.5, 0.7, 0.5, 0.5],
        "temperatures": [2.0, 2.0, 100.0, 100.0],
    },
    "RawNet2": {
        "architecture": "RawNet2",
        "nb_samp": WINDOW,
        "first_conv": 128,
        "in_channels": 1,
        "filts": [8, [8, 8], [8, 16], [16, 16]],
        "blocks": [2, 4],
        "nb_fc_node": 16,
        "gru_node": 16,
        "nb_gru_layer": 1,
        "nb_classes": 2,
    },
    "LCNN": {**LCNN_CONFIG, "nb_samp": WINDOW},
}

CORRUPT_TRAIN = "LA_T_9999999"
CORRUPT_EVAL = "LA_E_9999999"


def _signal(kind: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if kind == "bonafide":  # harmonic "voice" with a little noise
        f0 = rng.uniform(100, 200)
        x = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 6))
        x = 0.3 * x / np.max(np.abs(x)) + 0.01 * rng.standard_normal(n)
    else:  # broadband noise
        x = 0.2 * rng.standard_normal(n)
    return x.astype(np.float32)


def _write_split(root: Path, split: str, prefix: str, n_per_class: int, rng, corrupt: str = "") -> list:
    flac = root / f"ASVspoof2019_LA_{split}" / "flac"
    flac.mkdir(parents=True)
    lines = []
    for i in range(2 * n_per_class):
        key = "bonafide" if i % 2 == 0 else "spoof"
        utt = f"{prefix}_{1000000 + i:07d}"
        seconds = [0.5, 1.3, 2.0][i % 3]
        sf.write(flac / f"{utt}.flac", _signal(key, seconds, rng), SR)
        attack = "-" if key == "bonafide" else f"A{7 + i % 3:02d}"
        lines.append(f"LA_{i % 3:04d} {utt} - {attack} {key}")
    if corrupt:
        sf.write(flac / f"{corrupt}.flac", _signal("bonafide", 1.0, rng), SR)
        raw = (flac / f"{corrupt}.flac").read_bytes()
        (flac / f"{corrupt}.flac").write_bytes(raw[: len(raw) // 3])  # valid header, truncated frames
        lines.append(f"LA_0000 {corrupt} - - bonafide")
    return lines


def _write_asv_scores(path: Path, rng) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [("target", 3.0), ("nontarget", -3.0), ("spoof", 1.0)]
    with open(path, "w") as f:
        for key, mean in rows:
            for score in rng.normal(mean, 1.0, 40):
                f.write(f"LA_0000 {key} {score:.6f}\n")


def make_tiny_database(db: Path) -> Path:
    """A tiny ASVspoof 2019 LA database in the distributed layout, with one truncated FLAC in train and in eval."""
    la = db / "LA"
    rng = np.random.default_rng(0)
    protocols = la / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True)
    for split, ext, prefix, n, corrupt in (
        ("train", "trn", "LA_T", 4, CORRUPT_TRAIN),
        ("dev", "trl", "LA_D", 2, ""),
        ("eval", "trl", "LA_E", 3, CORRUPT_EVAL),
    ):
        lines = _write_split(la, split, prefix, n, rng, corrupt)
        (protocols / f"ASVspoof2019.LA.cm.{split}.{ext}.txt").write_text("\n".join(lines) + "\n")
    for split in ("dev", "eval"):
        _write_asv_scores(la / "ASVspoof2019_LA_asv_scores" / f"ASVspoof2019.LA.asv.{split}.gi.trl.scores.txt", rng)
    return db


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    return make_tiny_database(tmp_path_factory.mktemp("asvspoof2019"))


def _config(tmp_path: Path, architecture: str, **extra) -> Path:
    base = json.loads((REPO_ROOT / "configs" / ("AASIST.json" if architecture == "AASIST" else
                                                 f"{architecture}.json")).read_text())  # fmt: skip
    base["model_config"] = TINY_MODEL_CONFIGS[architecture]
    base.update(extra)
    path = tmp_path / f"{architecture}.json"
    path.write_text(json.dumps(base))
    return path


def _train_args(config: Path, database: Path, output: Path, *more) -> list:
    return ["train", "--config", str(config), "--database", str(database), "--output", str(output),
            "--epochs", "1", "--batch-size", "2", "--workers", "0", "--no-progress", *more]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Data


def test_protocol_paths_and_parsing(database):
    trials, folder = data.load_split(database, "LA", "eval")
    assert folder == database / "LA" / "ASVspoof2019_LA_eval" / "flac"
    assert len(trials) == 7
    assert {t.key for t in trials} == {"bonafide", "spoof"}
    assert all((t.attack == "-") == (t.key == "bonafide") for t in trials if t.utterance != CORRUPT_EVAL)
    assert [t.label for t in trials[:2]] == [data.BONAFIDE, data.SPOOF] == [1, 0]
    # the authors' configs point at the track folder itself: that works too
    assert data.protocol_path(database / "LA", "LA", "dev") == data.protocol_path(database, "LA", "dev")
    with pytest.raises(data.DatasetError, match="does not exist"):
        data.load_split(database, "PA", "train")


def test_protocol_errors(tmp_path):
    """The same parser and the same error (ProtocolFileError, naming the file and line) as the metrics' score files."""
    bad = tmp_path / "p.txt"
    bad.write_text("LA_0001 LA_T_1 - bonafide\n")
    with pytest.raises(ProtocolFileError, match="line 1: a CM protocol file line has 5 columns"):
        data.read_protocol(bad)
    bad.write_text("LA_0001 LA_T_1 - - genuine\n")
    with pytest.raises(ProtocolFileError, match="line 1: the key is 'genuine', expected 'bonafide' or 'spoof'"):
        data.read_protocol(bad)
    bad.write_text("\n\n")
    with pytest.raises(ProtocolFileError, match="lists no trials"):
        data.read_protocol(bad)
    with pytest.raises(ProtocolFileError, match="does not exist"):
        data.read_protocol(tmp_path / "missing.txt")


def test_windows_tile_and_crop():
    x = np.arange(5, dtype=np.float32)
    assert data.eval_window(x, 12).tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    long = np.arange(100, dtype=np.float32)
    assert data.eval_window(long, 10).tolist() == list(range(10))  # the first samples, deterministic
    g = torch.Generator().manual_seed(0)
    crops = {tuple(data.random_window(long, 10, g)[:1]) for _ in range(20)}
    assert len(crops) > 1  # random start
    w = data.random_window(long, 10, g)
    assert np.array_equal(w, np.arange(w[0], w[0] + 10))
    assert data.random_window(x, 12).tolist() == data.eval_window(x, 12).tolist()  # short: tiled
    assert len(data.random_window(long, 100)) == 100  # exactly the length: no error


def test_unreadable_file_is_marked_never_zero_filled(database, capsys):
    from aasist.training.logs import training_logging

    trials, folder = data.load_split(database, "LA", "train")
    dataset = data.ASVspoofDataset(trials, folder, window=WINDOW, train=True)
    items = [dataset[i] for i in range(len(dataset))]
    bad = [item for item in items if isinstance(item, data.Unreadable)]
    assert len(bad) == 1 and bad[0].path.endswith(f"{CORRUPT_TRAIN}.flac")
    batch = data.collate(items)
    assert len(batch) == len(dataset) - 1 and batch.waveforms.shape == (len(dataset) - 1, WINDOW)
    assert torch.all(batch.waveforms.abs().amax(dim=1) > 0)
    assert batch.unreadable == bad
    log = data.UnreadableFiles()
    with training_logging():
        log.add(batch.unreadable, "train")
        log.add(batch.unreadable, "train")  # named once
    assert len(log) == 1
    err = capsys.readouterr().err
    assert err.count(CORRUPT_TRAIN) == 1


def test_augmentation_keeps_shape_and_changes_signal():
    from aasist.training.augment import WaveformAugment, codec_like, convolutive_noise, impulsive_noise

    rng = np.random.default_rng(0)
    x = _signal("bonafide", 1.0, rng)
    for fn in (convolutive_noise, impulsive_noise, codec_like):
        y = fn(x, rng)
        assert y.shape == x.shape and y.dtype == np.float32 and np.all(np.isfinite(y))
        assert not np.allclose(y, x)
    aug = WaveformAugment({"noise": 1.0, "rawboost": 1.0, "codec": 1.0})
    y = aug(x)
    assert y.shape == x.shape and not np.allclose(y, x)


# ---------------------------------------------------------------------------------------------------------------
# Configs and models


@pytest.mark.parametrize("name", ["AASIST", "AASIST-L", "RawNet2", "LCNN"])
def test_shipped_configs(name, reference_dir):
    config = train.load_config(REPO_ROOT / "configs" / f"{name}.json")
    full = train.complete_config(dict(config, database_path="DB"))
    assert full["loss_weights"] == [0.1, 0.9]
    if name.startswith("AASIST"):
        authors = json.loads((reference_dir / f"{name}.conf.json").read_text())
        assert config["model_config"] == authors["model_config"]
        assert config["optim_config"] == authors["optim_config"]
        assert config["batch_size"] == authors["batch_size"] and config["num_epochs"] == authors["num_epochs"]
        n_params = {"AASIST": 297_866, "AASIST-L": 85_306}[name]
        assert sum(p.numel() for p in build_model(config["model_config"]).parameters()) == n_params
    else:
        assert config["model_config"]["architecture"] == name


def test_cosine_schedule_matches_authors():
    assert train.cosine_annealing(0, 10, 1.0, 0.05) == pytest.approx(1.0)
    assert train.cosine_annealing(10, 10, 1.0, 0.05) == pytest.approx(0.05)
    assert train.cosine_annealing(5, 10, 1.0, 0.05) == pytest.approx(0.525)


@pytest.mark.parametrize("architecture", ["RawNet2", "LCNN"])
def test_models_output_two_logits(architecture):
    torch.manual_seed(0)
    model = build_model(TINY_MODEL_CONFIGS[architecture]).eval()
    with torch.inference_mode():
        out = model(torch.randn(3, WINDOW))
    assert out.shape == (3, 2) and torch.all(torch.isfinite(out))
    with pytest.raises(ValueError, match="at least"):
        model(torch.randn(1, model.min_samples - 1))


def test_training_config_errors(tmp_path, database, capsys):
    config = _config(tmp_path, "RawNet2")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model_config": {"architecture": "Wav2Vec"}}))
    assert cli_main(_train_args(bad, database, tmp_path / "o2")) == 2
    assert "unknown architecture" in capsys.readouterr().err
    assert cli_main(_train_args(config, tmp_path / "nowhere", tmp_path / "o3")) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli_main(_train_args(config, database, tmp_path / "o4", "--resume")) == 2
    assert "nothing to resume" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# Train, evaluate, load


def _check_run_folder(out: Path, architecture: str, epochs: int = 1) -> dict:
    best = out / "best"
    for name in ("config.json", "model.safetensors", "README.md"):
        assert (best / name).is_file(), name
    config = json.loads((best / "config.json").read_text())
    assert config["architecture"] == architecture
    assert config["model_config"] == TINY_MODEL_CONFIGS[architecture]
    assert config["training"]["track"] == "LA" and config["training"]["skipped_files"] == 1
    card = (best / "README.md").read_text()
    assert card.startswith("---\n") and "license: mit" in card and "asvspoof2019" in card and "eer" in card
    assert sorted(p.name for p in (out / "epochs").iterdir()) == [f"epoch_{e:03d}.safetensors"
                                                                  for e in range(1, epochs + 1)]  # fmt: skip
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in history] == list(range(1, epochs + 1))
    assert all(np.isfinite(h["train_loss"]) and 0 <= h["dev_eer_percent"] <= 100 for h in history)
    assert history[0]["dev_min_tdcf"] is not None  # the dev ASV scores exist
    assert (out / "resume.pt").is_file()
    log = (out / "train.log").read_text()
    assert f"{CORRUPT_TRAIN}.flac" in log and "skipped unreadable file" in log
    return config


@pytest.mark.parametrize("architecture", ["AASIST", "RawNet2", "LCNN"])
def test_train_evaluate_and_load(architecture, database, tmp_path, capsys):
    config = _config(tmp_path, architecture)
    out = tmp_path / "run"
    assert cli_main(_train_args(config, database, out)) == 0
    captured = capsys.readouterr()
    assert captured.err.count(f"{CORRUPT_TRAIN}.flac") >= 1  # named on stderr
    assert "epoch 1/1" in captured.err
    _check_run_folder(out, architecture)

    # evaluate: score file in the ASVspoof format, EER and min t-DCF printed, the corrupt eval file skipped
    scores = tmp_path / "scores.txt"
    assert cli_main(["evaluate", "--checkpoint", str(out), "--database", str(database),
                          "--scores", str(scores), "--workers", "0", "--no-progress"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert "EER: " in captured.out and "min t-DCF: " in captured.out
    assert f"{CORRUPT_EVAL}.flac" in captured.err
    trials = {t.utterance: t for t in data.read_protocol(data.protocol_path(database, "LA", "eval"))}
    lines = [line.split() for line in scores.read_text().splitlines()]
    assert len(lines) == len(trials) - 1 and CORRUPT_EVAL not in {line[0] for line in lines}
    for utt, attack, key, score in lines:
        assert (attack, key) == (trials[utt].attack, trials[utt].key)
        assert np.isfinite(float(score))
    from aasist.evaluation import metrics

    eer_printed = float(captured.out.split("EER: ")[1].split()[0])
    assert eer_printed == pytest.approx(metrics.evaluate_score_files(scores).eer_percent, abs=1e-6)

    # the checkpoint folder rebuilds the network, by our loader and by aasist.models.weights (which the detector uses)
    from aasist.models.weights import build_model as weights_build_model
    from aasist.models.weights import load_checkpoint

    net, saved = load_checkpoint_folder(out / "best")
    checkpoint = load_checkpoint(str(out / "best"))
    assert checkpoint.architecture == architecture
    net2 = weights_build_model(checkpoint)
    x = torch.from_numpy(data.eval_window(data.read_waveform(
        database / "LA" / "ASVspoof2019_LA_eval" / "flac" / f"{lines[0][0]}.flac"), WINDOW))[None]  # fmt: skip
    with torch.inference_mode():
        a, b = net(x), net2(x)
    assert torch.allclose(a, b)
    assert float(a[0, 1]) == pytest.approx(float(lines[0][3]), rel=1e-4, abs=1e-4)  # the score is the bona fide logit


def test_trained_checkpoint_runs_in_the_detector(database, tmp_path, capsys):
    from aasist.inference.detector import Detector

    out = tmp_path / "run"
    assert cli_main(_train_args(_config(tmp_path, "RawNet2"), database, out)) == 0
    capsys.readouterr()
    detector = Detector.from_pretrained(str(out / "best"), backend="torch")
    assert detector.architecture == "RawNet2"
    result = detector.analyze(_signal("bonafide", 1.5, np.random.default_rng(1)), sample_rate=SR)
    assert 0.0 <= result.spoof_probability <= 1.0


def test_resume_continues_the_run(database, tmp_path, capsys):
    config = _config(tmp_path, "RawNet2")
    out = tmp_path / "run"
    assert cli_main(_train_args(config, database, out)) == 0
    args = _train_args(config, database, out, "--resume")
    args[args.index("--epochs") + 1] = "2"
    assert cli_main(args) == 0
    err = capsys.readouterr().err
    assert "resumed from" in err
    _check_run_folder(out, "RawNet2", epochs=2)
    state = torch.load(out / "resume.pt", map_location="cpu", weights_only=True)  # tensors and plain values only
    assert state["epoch"] == 2 and len(state["history"]) == 2


def test_ddp_torchrun_two_processes(database, tmp_path):
    config = _config(tmp_path, "AASIST")
    out = tmp_path / "ddp"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO_ROOT))
    # batch 1 per process: the step where one rank draws the corrupt file is skipped by both ranks
    args = _train_args(config, database, out, "--device", "cpu")
    args[args.index("--batch-size") + 1] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "aasist", *args]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in (out / "epochs").iterdir()) == ["epoch_001.safetensors"]
    _check_run_folder(out, "AASIST")
    log = (out / "train.log").read_text()
    assert "x2" in log  # two processes
    assert json.loads((out / "best" / "config.json").read_text())["training"]["world_size"] == 2
    assert f"{CORRUPT_TRAIN}.flac" in proc.stderr


# ---------------------------------------------------------------------------------------------------------------
# Push


@pytest.fixture()
def checkpoint_folder(tmp_path) -> Path:
    from aasist.training.checkpoint import save_checkpoint_folder

    torch.manual_seed(0)
    model_config = TINY_MODEL_CONFIGS["RawNet2"]
    return save_checkpoint_folder(tmp_path / "ckpt", build_model(model_config), model_config, {"track": "LA"})


def test_push_dry_run_lists_the_files(checkpoint_folder, capsys):
    assert cli_main(["push", str(checkpoint_folder), "someone/rawnet2-la", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would upload to" in out and "someone/rawnet2-la" in out
    for name in ("config.json", "model.safetensors", "README.md"):
        assert name in out


def test_push_refuses_what_is_not_a_checkpoint(tmp_path, checkpoint_folder, capsys):
    cases = [
        ([str(tmp_path / "missing"), "a/b"], "is not a folder"),
        ([str(tmp_path), "a/b"], "is not a checkpoint folder"),
        ([str(checkpoint_folder), "not a repo id"], "not a valid Hub repo id"),
        ([str(checkpoint_folder), "justname"], "owner/name"),
    ]
    run = tmp_path / "run"
    (run / "best").mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        (run / "best" / name).write_bytes((checkpoint_folder / name).read_bytes())
    cases.append(([str(run), "a/b"], "push " + str(run / "best")))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text('{"architecture": "Nope", "model_config": {}}')
    (bad / "model.safetensors").write_bytes(b"")
    cases.append(([str(bad), "a/b"], "not a checkpoint config"))
    for argv, message in cases:
        assert cli_main(["push", *argv, "--dry-run"]) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.startswith("error: ") and err.count("\n") == 1, err


def test_push_without_token(checkpoint_folder, monkeypatch, capsys):
    monkeypatch.setattr(push, "get_token", lambda: None)
    assert cli_main(["push", str(checkpoint_folder), "someone/model"]) == 2
    assert "no Hugging Face token" in capsys.readouterr().err


def test_push_network_failure_is_one_sentence(checkpoint_folder, monkeypatch, capsys):
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(push.hf_constants, "ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setattr(push, "get_token", lambda: "hf_test_token")
    assert cli_main(["push", str(checkpoint_folder), "someone/model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: could not upload to someone/model") and err.count("\n") == 1, err


def test_push_calls_the_hub_upload_api(checkpoint_folder, monkeypatch):
    calls = []

    class FakeApi:
        def create_repo(self, repo_id, **kwargs):
            calls.append(("create_repo", repo_id, kwargs))

        def upload_folder(self, **kwargs):
            calls.append(("upload_folder", kwargs["repo_id"], kwargs))
            return "https://hub.example/someone/model/commit/abc"

    monkeypatch.setattr(push, "get_token", lambda: "hf_test_token")
    plan = push.push(checkpoint_folder, "someone/model", private=True, api=FakeApi())
    assert [c[0] for c in calls] == ["create_repo", "upload_folder"]
    assert calls[0][2]["exist_ok"] is True and calls[0][2]["private"] is True
    upload = calls[1][2]
    assert upload["folder_path"] == str(checkpoint_folder) and upload["repo_type"] == "model"
    assert set(upload["allow_patterns"]) == {"config.json", "model.safetensors", "README.md"}
    assert plan["commit_url"].endswith("/abc")
