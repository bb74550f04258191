"""aasist.models.weights: built-in models, checksums, local files, checkpoint folders and the Hub, with no network.

Hub tests run the real huggingface_hub code against ``hub_server.HubServer`` (a local HTTP endpoint serving the
authors' checkpoints). huggingface_hub reads ``HF_ENDPOINT``, ``HF_HOME`` and ``HF_HUB_OFFLINE`` once, at import,
so each Hub scenario runs in a child Python process with its own environment and a fresh cache under tmp_path.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from aasist.models import weights
from aasist.models.model import AASIST_DIMS, AASIST_L_DIMS, ModelDimensions
from aasist.models.weights import (
    BUILTIN_MODELS,
    UnverifiedWeightsWarning,
    WeightsError,
    build_model,
    builtin_model_names,
    load_checkpoint,
    load_model,
)
from hub_server import HubServer, closed_port_url, fake_commit

REPO_ROOT = Path(__file__).resolve().parents[1]
AASIST_REPO = BUILTIN_MODELS["AASIST"].repo_id
AASIST_L_REPO = BUILTIN_MODELS["AASIST-L"].repo_id
RAWNET2 = BUILTIN_MODELS["RawNet2"]

# Runs in the child: each call is load_checkpoint(**call) then a strict build; prints one JSON line of results.
CHILD = r"""
import json, os, sys, warnings
if sys.argv[2] == "no-backoff":
    # huggingface_hub retries a refused connection 5 times, sleeping 1+2+4+8+8 s: keep the retries, skip the waits.
    import time
    time.sleep = lambda seconds: None
from aasist.models.weights import UnverifiedWeightsWarning, WeightsError, build_model, load_checkpoint

results = []
for call in json.loads(sys.argv[1]):
    os.environ.update(call.pop("env", {}))
    progress = []  # (done, total) bytes of a download, when asked for
    if call.pop("progress", False):
        call["progress"] = lambda done, total: progress.append((done, total))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            checkpoint = load_checkpoint(**call)
            build_model(checkpoint)  # strict load_state_dict
            result = {
                "sha256": checkpoint.sha256, "verified": checkpoint.verified, "path": str(checkpoint.path),
                "architecture": checkpoint.architecture, "config": checkpoint.config, "source": checkpoint.source,
                "sha256_note": checkpoint.sha256_note, "progress": progress[-1:],
            }
        except WeightsError as error:
            result = {"error": str(error)}
    result["warnings"] = [str(w.message) for w in caught if issubclass(w.category, UnverifiedWeightsWarning)]
    results.append(result)
print("RESULTS " + json.dumps(results))
"""


def run_child(calls: list[dict], env: dict[str, str], no_backoff: bool = False) -> list[dict]:
    """Run load_checkpoint calls in a fresh Python process with the given environment."""
    child_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE", "AASIST_", "TRANSFORMERS_"))
    }
    child_env.update(
        PYTHONPATH=str(REPO_ROOT),
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_IMPLICIT_TOKEN="1",
    )
    child_env.update(env)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(calls), "no-backoff" if no_backoff else "-"],
        cwd=REPO_ROOT, env=child_env, capture_output=True, text=True, timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert done.returncode == 0 and lines, f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1][len("RESULTS "):])


def as_json(config: dict) -> dict:
    return json.loads(json.dumps(config))


def resolved(hub: HubServer) -> list[tuple[str, str]]:
    """The file requests the server saw (huggingface_hub also asks for /api/agent-harnesses, a 404 here)."""
    return [(method, path) for method, path in hub.requests if "/resolve/" in path]


@pytest.fixture(autouse=True)
def no_aasist_env(monkeypatch):
    monkeypatch.delenv(weights.WEIGHTS_DIR_ENV, raising=False)
    monkeypatch.delenv(weights.ALLOW_UNVERIFIED_ENV, raising=False)


@pytest.fixture
def builtin_hub(weights_dir):
    with HubServer(
        {
            AASIST_REPO: {"AASIST.pth": weights_dir / "AASIST.pth"},
            AASIST_L_REPO: {"AASIST-L.pth": weights_dir / "AASIST-L.pth"},
        },
        revisions=("main", "v1.0"),
    ) as hub:
        yield hub


@pytest.fixture
def perturbed_config(reference_dir) -> dict:
    return json.loads((reference_dir / "aasist_perturbed.conf.json").read_text())["model_config"]


def write_folder(folder: Path, state_dict: dict, architecture: str, model_config: dict) -> Path:
    """A checkpoint folder as the training pipeline writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"architecture": architecture, "model_config": model_config}
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    save_file({k: v.contiguous() for k, v in state_dict.items()}, str(folder / "model.safetensors"))
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# test checkpoint\n")
    return folder


@pytest.fixture
def aasist_folder(tmp_path, reference_dir, perturbed_config) -> Path:
    # The perturbed checkpoint's config differs from the default AASIST config, so it shows the folder's config is used.
    state_dict = torch.load(reference_dir / "aasist_perturbed.pth", map_location="cpu", weights_only=True)
    return write_folder(tmp_path / "aasist-perturbed", state_dict, "AASIST", perturbed_config)


# ---------------------------------------------------------------------------------------------------------------
# Built-in models from the (local) Hub


def test_builtin_models_download_verify_and_load(builtin_hub, tmp_path):
    env = {"HF_ENDPOINT": builtin_hub.url, "HF_HOME": str(tmp_path / "hf")}
    aasist, aasist_l, tagged, unknown = run_child(
        [{"model": "AASIST"}, {"model": "AASIST-L"}, {"model": "AASIST", "revision": "v1.0"},
         {"model": "AASIST", "revision": "no-such-branch"}],
        env,
    )
    for result, name, dims in ((aasist, "AASIST", AASIST_DIMS), (aasist_l, "AASIST-L", AASIST_L_DIMS)):
        assert "error" not in result, result
        assert result["verified"] is True and result["warnings"] == []
        assert result["sha256"] == BUILTIN_MODELS[name].sha256
        assert result["architecture"] == "AASIST" and result["config"] == as_json(dims.to_config())
        cache = tmp_path / "hf" / "hub" / f"models--SpeechAntiSpoofingBenchmarks--{name}"
        assert Path(result["path"]) == cache / "snapshots" / fake_commit("main") / f"{name}.pth"

    assert tagged["verified"] is True and fake_commit("v1.0") in tagged["path"]
    assert "no revision 'no-such-branch'" in unknown["error"] and AASIST_REPO in unknown["error"]

    requests = resolved(builtin_hub)
    for repo, filename in ((AASIST_REPO, "AASIST.pth"), (AASIST_L_REPO, "AASIST-L.pth")):
        assert ("HEAD", f"/{repo}/resolve/main/{filename}") in requests
        assert ("GET", f"/{repo}/resolve/main/{filename}") in requests
    assert ("HEAD", f"/{AASIST_REPO}/resolve/v1.0/AASIST.pth") in requests
    assert ("HEAD", f"/{AASIST_REPO}/resolve/no-such-branch/AASIST.pth") in requests


def test_builtin_model_is_read_from_cache_when_offline_or_unreachable(builtin_hub, tmp_path):
    env = {"HF_ENDPOINT": builtin_hub.url, "HF_HOME": str(tmp_path / "hf")}
    [online] = run_child([{"model": "AASIST"}], env)
    seen = len(builtin_hub.requests)
    [offline] = run_child([{"model": "AASIST"}], {**env, "HF_HUB_OFFLINE": "1"})
    assert builtin_hub.requests[seen:] == []  # the server is still up: it would have seen any request
    builtin_hub.stop()

    [unreachable] = run_child([{"model": "AASIST"}], env)  # the HEAD call fails, the cached file is used
    for result in (offline, unreachable):
        assert "error" not in result, result
        assert result["verified"] is True and result["path"] == online["path"]


def test_offline_with_empty_cache_uses_the_packaged_copies_and_asks_nothing(builtin_hub, tmp_path):
    env = {"HF_ENDPOINT": builtin_hub.url, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}
    aasist, rawnet2 = run_child([{"model": "AASIST"}, {"model": "RawNet2"}], env)
    assert aasist["verified"] is True and Path(aasist["path"]) == weights.PACKAGED_DIR / "AASIST.pth"
    # A model that does not ship with the package: one sentence saying what was tried and what to do.
    message = rawnet2["error"]
    for part in ("RawNet2", RAWNET2.filename, RAWNET2.repo_id, "HF_HUB_OFFLINE is set", "not in the cache",
                 "AASIST_WEIGHTS_DIR", "RawNet2.pth"):
        assert part in message, (part, message)
    assert builtin_hub.requests == []


@pytest.mark.parametrize("endpoint", ["closed port", "http://hub.invalid"])
def test_unreachable_hub_is_not_retried(endpoint, tmp_path):
    # No retry loop: with the waits of huggingface_hub's back-off left in (1+2+4+8+8 s), this would take 23 s.
    endpoint = closed_port_url() if endpoint == "closed port" else endpoint
    started = time.monotonic()
    aasist_l, rawnet2 = run_child([{"model": "AASIST-L"}, {"model": "RawNet2"}],
                                  {"HF_ENDPOINT": endpoint, "HF_HOME": str(tmp_path / "hf")})
    assert time.monotonic() - started < 20, "huggingface_hub's retries ran"
    assert aasist_l["verified"] is True and Path(aasist_l["path"]) == weights.PACKAGED_DIR / "AASIST-L.pth"
    message = rawnet2["error"]
    for part in (RAWNET2.filename, RAWNET2.repo_id, "could not be reached", "AASIST_WEIGHTS_DIR"):
        assert part in message, (part, message)
    assert "HF_HUB_OFFLINE is set" not in message
    assert ("connection refused" if "127.0.0.1" in endpoint else "name not resolved") in message


def test_rawnet2_from_the_hub_records_its_checksum_and_reports_progress(rawnet2_file, tmp_path):
    env = {"HF_HOME": str(tmp_path / "hf"), "AASIST_CACHE_DIR": str(tmp_path / "cache")}
    with HubServer({RAWNET2.repo_id: {RAWNET2.filename: rawnet2_file}}) as hub:
        first, again = run_child([{"model": "RawNet2", "progress": True}, {"model": "RawNet2"}],
                                 {**env, "HF_ENDPOINT": hub.url})
    sha = weights.file_sha256(rawnet2_file)
    assert first["architecture"] == "RawNet2" and first["sha256"] == sha and first["verified"] is False
    assert first["progress"] == [[rawnet2_file.stat().st_size, rawnet2_file.stat().st_size]]
    assert "recorded on first download" in first["sha256_note"] and again["sha256"] == sha
    # `models --json` shows the recorded checksum.
    listed = subprocess.run([sys.executable, "-m", "aasist", "models", "--json"], cwd=REPO_ROOT, capture_output=True,
                            text=True, env=dict(os.environ, **env), timeout=60)
    [entry] = [m for m in json.loads(listed.stdout) if m["name"] == "RawNet2"]
    assert entry["sha256"] == sha and entry["sha256_source"].startswith("recorded on first download")


def test_rawnet2_file_of_another_shape_is_one_clear_error_naming_repo_and_file(reference_dir, rawnet2_file, tmp_path):
    small = reference_dir / "rawnet2" / "rawnet2_small_random.pth"  # the reduced configuration: other shapes
    prefixed = tmp_path / "prefixed.pth"  # saved from nn.DataParallel: every name starts with "module."
    state = torch.load(rawnet2_file, map_location="cpu", weights_only=True)
    torch.save({f"module.{k}": v for k, v in state.items()}, prefixed)
    results = []
    for served in (small, prefixed):
        with HubServer({RAWNET2.repo_id: {RAWNET2.filename: served}}) as hub:
            # Each with its own caches: the same (fake) commit with other bytes would be refused as changed.
            results += run_child([{"model": "RawNet2"}], {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / served.stem),
                                                          "AASIST_CACHE_DIR": str(tmp_path / f"cache-{served.stem}")})
    wrong, module = results
    message = wrong["error"]
    for part in ("RawNet2", RAWNET2.repo_id, RAWNET2.filename, "do not fit", "size mismatch"):
        assert part in message, (part, message)
    assert len(message.splitlines()) == 1 and len(message) < 600, message
    assert "error" not in module and module["architecture"] == "RawNet2"


def test_builtin_model_with_wrong_checksum_from_hub(reference_dir, tmp_path):
    perturbed = reference_dir / "aasist_perturbed.pth"
    with HubServer({AASIST_REPO: {"AASIST.pth": perturbed}}) as hub:
        refused, allowed = run_child(
            [{"model": "AASIST"}, {"model": "AASIST", "env": {"AASIST_ALLOW_UNVERIFIED": "1"}}],
            {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf")},
        )
    actual = weights.file_sha256(perturbed)
    for part in (actual, BUILTIN_MODELS["AASIST"].sha256, "AASIST_ALLOW_UNVERIFIED=1"):
        assert part in refused["error"]
    assert allowed["verified"] is False and allowed["sha256"] == actual
    assert len(allowed["warnings"]) == 1 and actual in allowed["warnings"][0]


# ---------------------------------------------------------------------------------------------------------------
# Checkpoint folders and other Hub repos


def test_checkpoint_folder_and_pth_from_hub_repos(aasist_folder, perturbed_config, weights_dir, tmp_path):
    repos = {
        "someone/aasist-finetuned": {name: aasist_folder / name for name in ("config.json", "model.safetensors",
                                                                              "README.md")},
        "someone/raw-pth": {"weights.pth": weights_dir / "AASIST-L.pth"},
        "someone/config-only": {"config.json": aasist_folder / "config.json"},
    }
    with HubServer(repos) as hub:
        folder, no_filename, with_filename, missing_file, config_only, no_repo = run_child(
            [{"model": "someone/aasist-finetuned"}, {"model": "someone/raw-pth"},
             {"model": "someone/raw-pth", "filename": "weights.pth"},
             {"model": "someone/raw-pth", "filename": "other.pth"},
             {"model": "someone/config-only"}, {"model": "nobody/nothing"}],
            {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf")},
        )
        requests = resolved(hub)

    assert folder["architecture"] == "AASIST" and folder["config"] == perturbed_config
    assert folder["verified"] is False and folder["path"].endswith("model.safetensors")
    assert folder["sha256"] == weights.file_sha256(aasist_folder / "model.safetensors")
    assert ("GET", "/someone/aasist-finetuned/resolve/main/config.json") in requests
    assert ("GET", "/someone/aasist-finetuned/resolve/main/model.safetensors") in requests

    assert "no config.json" in no_filename["error"] and "--filename" in no_filename["error"]
    assert with_filename["config"] == as_json(AASIST_L_DIMS.to_config()) and with_filename["verified"] is False
    assert "has no file other.pth" in missing_file["error"]
    assert "no model.safetensors" in config_only["error"]
    assert "no Hub repo nobody/nothing" in no_repo["error"] and "HF_TOKEN" in no_repo["error"]


def test_checkpoint_folder_from_disk(aasist_folder, perturbed_config):
    checkpoint = load_checkpoint(str(aasist_folder))
    assert checkpoint.name == str(aasist_folder)
    assert checkpoint.architecture == "AASIST" and checkpoint.config == perturbed_config
    assert checkpoint.path == aasist_folder / "model.safetensors" and checkpoint.verified is False
    model, _ = load_model(aasist_folder)
    assert model.dims == ModelDimensions.from_config(perturbed_config) and not model.training


def test_checkpoint_folder_errors(aasist_folder, tmp_path):
    (aasist_folder / "model.safetensors").rename(tmp_path / "moved.safetensors")
    with pytest.raises(WeightsError, match="has no model.safetensors"):
        load_checkpoint(aasist_folder)

    (tmp_path / "moved.safetensors").rename(aasist_folder / "model.safetensors")
    (aasist_folder / "config.json").write_text(json.dumps({"architecture": "ResNet", "model_config": {}}))
    with pytest.raises(WeightsError, match="needs \"architecture\" \\(one of AASIST, AntiDeepfake, LCNN, RawNet2, W2V2-AASIST\\)"):
        load_checkpoint(aasist_folder)

    (aasist_folder / "config.json").write_text("{not json")
    with pytest.raises(WeightsError, match="not a readable JSON file"):
        load_checkpoint(aasist_folder)

    # A known architecture whose config lacks its hyper-parameters loads, but cannot be built.
    (aasist_folder / "config.json").write_text(json.dumps({"architecture": "RawNet2", "model_config": {"x": 1}}))
    checkpoint = load_checkpoint(aasist_folder)
    assert checkpoint.architecture == "RawNet2" and checkpoint.config == {"x": 1}
    with pytest.raises(WeightsError, match="do not fit its RawNet2 config"):
        build_model(checkpoint)

    # Weights that do not fit the config: AASIST-L dimensions for AASIST weights.
    (aasist_folder / "config.json").write_text(
        json.dumps({"architecture": "AASIST", "model_config": as_json(AASIST_L_DIMS.to_config())})
    )
    with pytest.raises(WeightsError, match="do not fit its AASIST config"):
        load_model(aasist_folder)


# ---------------------------------------------------------------------------------------------------------------
# AASIST_WEIGHTS_DIR, checksums


def test_weights_dir(monkeypatch, weights_of_every_model, tmp_path, caplog):
    monkeypatch.setenv("AASIST_WEIGHTS_DIR", str(weights_of_every_model))
    for name, dims in (("AASIST", AASIST_DIMS), ("AASIST-L", AASIST_L_DIMS)):
        model, checkpoint = load_model(name)
        assert checkpoint.path == weights_of_every_model / f"{name}.pth" and checkpoint.source == str(checkpoint.path)
        assert checkpoint.verified and checkpoint.sha256 == BUILTIN_MODELS[name].sha256
        assert model.dims == dims and not model.training
    with caplog.at_level("INFO", logger="aasist.weights"):
        model, checkpoint = load_model("RawNet2")
    assert checkpoint.architecture == "RawNet2" and not model.training
    assert [r.getMessage() for r in caplog.records] == [f"RawNet2: weights from AASIST_WEIGHTS_DIR "
                                                        f"({weights_of_every_model / 'RawNet2.pth'})"]

    # A folder without the file: the next source (offline here: the packaged copy).
    [result] = run_child([{"model": "AASIST-L"}], {"AASIST_WEIGHTS_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1",
                                                   "HF_HOME": str(tmp_path / "hf")})
    assert Path(result["path"]) == weights.PACKAGED_DIR / "AASIST-L.pth" and result["verified"] is True


def test_checksum_mismatch_in_weights_dir(monkeypatch, reference_dir, tmp_path):
    (tmp_path / "AASIST.pth").write_bytes((reference_dir / "aasist_perturbed.pth").read_bytes())
    monkeypatch.setenv("AASIST_WEIGHTS_DIR", str(tmp_path))
    actual = weights.file_sha256(tmp_path / "AASIST.pth")
    with pytest.raises(WeightsError) as error:
        load_checkpoint("AASIST")
    for part in (actual, BUILTIN_MODELS["AASIST"].sha256, "AASIST_ALLOW_UNVERIFIED=1"):
        assert part in str(error.value)

    monkeypatch.setenv("AASIST_ALLOW_UNVERIFIED", "1")
    with pytest.warns(UnverifiedWeightsWarning, match=actual):
        checkpoint = load_checkpoint("AASIST")
    assert checkpoint.verified is False and checkpoint.sha256 == actual
    assert checkpoint.config == as_json(AASIST_DIMS.to_config())


def test_digest_is_computed_once_per_file(monkeypatch, weights_dir, tmp_path):
    monkeypatch.setattr(weights, "_DIGESTS", {})
    calls = []
    real_hash = weights._hash_file
    monkeypatch.setattr(weights, "_hash_file", lambda path: calls.append(path) or real_hash(path))
    monkeypatch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
    load_checkpoint("AASIST")
    load_checkpoint("AASIST")
    assert len(calls) == 1

    copy = tmp_path / "copy.pth"
    copy.write_bytes(b"one")
    first = weights.file_sha256(copy)
    copy.write_bytes(b"other")  # new size (and mtime): hashed again
    assert weights.file_sha256(copy) != first and len(calls) == 3


# ---------------------------------------------------------------------------------------------------------------
# Local files


@pytest.mark.parametrize("name, dims", [("AASIST", AASIST_DIMS), ("AASIST-L", AASIST_L_DIMS)])
def test_local_state_dict_of_each_variant(weights_dir, name, dims):
    path = weights_dir / f"{name}.pth"
    model, checkpoint = load_model(str(path))
    assert checkpoint.name == str(path) and checkpoint.path == path
    assert checkpoint.architecture == "AASIST" and checkpoint.config == as_json(dims.to_config())
    assert checkpoint.verified is False  # only built-in names are checked against a published checksum
    assert checkpoint.sha256 == BUILTIN_MODELS[name].sha256
    assert model.dims == dims


def test_local_perturbed_checkpoint_is_recognised_as_aasist(reference_dir):
    checkpoint = load_checkpoint(reference_dir / "aasist_perturbed.pth")
    assert checkpoint.config == as_json(AASIST_DIMS.to_config())
    build_model(checkpoint)


def test_local_files_that_are_not_aasist_checkpoints(tmp_path):
    garbage = tmp_path / "garbage.pth"
    for seed in range(200):  # random bytes break the unpickler in many ways (one in a few dozen: IndexError)
        garbage.write_bytes(np.random.default_rng(seed).bytes(4096))
        with pytest.raises(WeightsError, match="(Refused to load|is not a readable PyTorch checkpoint).*garbage.pth|"
                                               "garbage.pth is not a readable PyTorch checkpoint"):
            load_checkpoint(garbage)

    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(WeightsError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(empty)

    other = tmp_path / "other.pth"
    torch.save({"layer.weight": torch.zeros(2, 2)}, other)
    with pytest.raises(WeightsError, match="not a checkpoint of AASIST, AASIST-L, RawNet2, W2V2-AASIST or AntiDeepfake"):
        load_checkpoint(other)

    not_a_dict = tmp_path / "list.pth"
    torch.save([torch.zeros(1)], not_a_dict)
    with pytest.raises(WeightsError, match="does not hold a state dict"):
        load_checkpoint(not_a_dict)

    bad_safetensors = tmp_path / "bad.safetensors"
    bad_safetensors.write_bytes(b"\x00" * 16)
    with pytest.raises(WeightsError, match="not a readable safetensors file"):
        load_checkpoint(bad_safetensors)

    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(WeightsError, match="not a weights file"):
        load_checkpoint(text)


class _Payload:
    """Unpickling this runs code: it calls open(marker, "w"), which creates the marker file."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


class _SystemPayload(_Payload):
    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


@pytest.mark.parametrize("payload", [_Payload, _SystemPayload])
@pytest.mark.parametrize("container", ["pickle", "torch.save"])
def test_malicious_pickle_is_refused_and_never_run(tmp_path, payload, container):
    # The payload really runs when unpickled without restrictions.
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(payload(control)))
    assert control.exists()

    marker = tmp_path / "PWNED"
    path = tmp_path / "model.pth"
    data = {"pos_S": torch.zeros(1, 23, 64), "evil": payload(marker)}
    if container == "pickle":
        path.write_bytes(pickle.dumps(data, protocol=2))
    else:
        torch.save(data, path)
    with pytest.raises(WeightsError, match="Refused to load .*could run code"):
        load_checkpoint(str(path))
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------------------------
# Model specs


def test_builtin_names():
    assert builtin_model_names() == ["AASIST", "AASIST-L", "RawNet2", "W2V2-AASIST", "AntiDeepfake-Small",
                                     "AntiDeepfake-Large-NDA"]
    assert all(len(m.sha256) == 64 for m in BUILTIN_MODELS.values() if m.sha256 is not None)
    # What ships with the package is what the registry publishes.
    for model in BUILTIN_MODELS.values():
        if model.packaged:
            assert weights.file_sha256(weights.PACKAGED_DIR / model.filename) == model.sha256


@pytest.mark.parametrize("spec", ["AASIST-XL", "./missing.pth", "checkpoints/missing.pth", "/no/such/folder",
                                  "a/b/c"])
def test_unknown_spec_lists_accepted_forms(spec):
    with pytest.raises(WeightsError) as error:
        load_checkpoint(spec)
    message = str(error.value)
    for part in (repr(spec), "AASIST, AASIST-L", ".pth", "checkpoint folder", "owner/name"):
        assert part in message, (part, message)


def test_filename_with_builtin_name_is_refused():
    with pytest.raises(WeightsError, match="cannot be chosen for the built-in model AASIST"):
        load_checkpoint("AASIST", filename="other.pth")
