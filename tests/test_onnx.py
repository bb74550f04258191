"""The ONNX Runtime backend gives torch's logits and attention (within 1e-4), caches its graph, and fails safely.

Exports take a few seconds each, so every real export is shared: one graph per variant in the run's cache folder
(``onnx_cache_dir``, shared with the app and the other tests); the cache-logic tests reuse those bytes instead of
exporting again.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from command_line import cli_in_process

from aasist.inference import onnx_backend as ob
from aasist.models.model import AASIST, WINDOW_SAMPLES, attention_keys
from aasist.audio.windows import WindowGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]

VARIANTS = ("AASIST", "AASIST-L")
EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
# Public-domain LibriVox speech that Debian's pocketsphinx package installs: used when the repo has no examples.
SYSTEM_SPEECH = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def onnx_cache(onnx_cache_dir) -> Path:
    """The run's cache folder (conftest.py): the graphs the app or the other tests exported already are reused."""
    return Path(onnx_cache_dir)


@pytest.fixture(scope="module")
def models(weights_dir) -> dict:
    loaded = {}
    for name in VARIANTS:
        path = weights_dir / f"{name}.pth"
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        loaded[name] = (AASIST.from_state_dict(state_dict), _sha256(path))
    return loaded


@pytest.fixture(scope="module")
def backends(models, onnx_cache) -> dict:
    return {name: ob.OnnxBackend.from_model(net, sha, cache_dir=onnx_cache) for name, (net, sha) in models.items()}


@pytest.fixture(scope="module")
def reference(reference_dir):
    return np.load(reference_dir / "aasist_reference.npz")


def _torch(net: AASIST, windows: np.ndarray) -> dict:
    capture = {}
    with torch.inference_mode():
        logits = net(torch.from_numpy(np.ascontiguousarray(windows, dtype=np.float32)), capture)
    return {"logits": logits.numpy(), **{k: capture[k].numpy() for k in attention_keys()}}


def _onnx(backend, windows: np.ndarray) -> dict:
    logits, attention = backend.run(windows, with_attention=True)
    return {"logits": logits, **attention}


def _assert_same(expected: dict, got: dict) -> None:
    assert set(got) == set(expected)
    problems = ob.compare_outputs(expected, got, atol=1e-4)
    assert not problems, problems


def _real_recording() -> Path:
    clips = sorted(p for p in EXAMPLES_DIR.glob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if clips:
        return clips[0]
    if SYSTEM_SPEECH.is_file():
        return SYSTEM_SPEECH
    pytest.skip(f"no real recording to test on: {EXAMPLES_DIR} has no audio clip and {SYSTEM_SPEECH} is absent")


# ---------------------------------------------------------------------------------------------------------------
# Parity


@pytest.mark.parametrize("variant", VARIANTS)
def test_reference_batch_matches_torch(models, backends, reference, variant):
    x = reference["input/x_64600_batch2"]
    assert x.shape == (2, WINDOW_SAMPLES)
    net, _ = models[variant]
    got = _onnx(backends[variant], x)
    _assert_same(_torch(net, x), got)
    # and the authors' own outputs, as the torch parity tests check them
    np.testing.assert_allclose(got["logits"], reference[f"{variant}/x_64600_batch2/logits"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_batch_axis_is_dynamic(models, backends, reference, variant):
    """The graph itself takes batches of 1, 2 and 3 (the backend's default splits batches into single windows)."""
    backend = backends[variant]
    batched = ob.OnnxBackend(backend.graph, session=backend.session, max_batch=8)
    x = np.concatenate([reference["input/x_64600_batch2"], ob.verification_windows()[1:]])
    net, _ = models[variant]
    expected = _torch(net, x)
    for rows in (slice(0, 1), slice(0, 2), slice(0, 3)):
        _assert_same({k: v[rows] for k, v in expected.items()}, _onnx(batched, x[rows]))


@pytest.mark.parametrize("variant", VARIANTS)
def test_real_recording_windows_match_torch(models, backends, variant):
    from aasist.audio.decoding import load_audio

    audio = load_audio(_real_recording())
    geometry = WindowGeometry()
    windows = geometry.cut(audio.waveform, geometry.starts(len(audio.waveform)))
    net, _ = models[variant]
    _assert_same(_torch(net, windows), _onnx(backends[variant], windows))


def test_without_attention_only_logits(models, backends, reference):
    x = reference["input/x_64600_batch2"]
    logits, attention = backends["AASIST"].run(x, with_attention=False)
    assert attention is None
    np.testing.assert_allclose(logits, _torch(models["AASIST"][0], x)["logits"], atol=1e-4, rtol=0)


def test_output_names_round_trip(models):
    assert all(":" not in name for name in ob.OUTPUT_NAMES)
    assert tuple(ob.OUTPUT_KEYS.values()) == attention_keys()
    assert ob.OUTPUT_KEYS["pool_S__kept"] == "pool_S:kept"
    assert ob.output_names(models["AASIST"][0]) == ob.OUTPUT_NAMES
    assert all(ob.capture_key(name) == key for name, key in ob.OUTPUT_KEYS.items())


def test_wrong_length_is_refused(backends):
    backend = backends["AASIST"]
    for bad in (np.zeros((1, 64000), np.float32), np.zeros((2, WINDOW_SAMPLES + 1), np.float32),
                np.zeros((1, 1, WINDOW_SAMPLES), np.float32)):
        with pytest.raises(ValueError, match=f"exactly {WINDOW_SAMPLES} samples"):
            backend.run(bad)


def test_other_architectures_are_refused():
    with pytest.raises(ValueError, match="AASIST and RawNet2 models only"):
        ob.OnnxBackend.from_model(torch.nn.Linear(2, 2), "0" * 64)


# ---------------------------------------------------------------------------------------------------------------
# Cache


def test_cached_graph_is_not_exported_again(models, backends, onnx_cache):
    net, sha = models["AASIST"]
    path = backends["AASIST"].graph
    assert path == ob.cached_graph_path(net, sha, onnx_cache) and path.is_file()
    mtime, exports = path.stat().st_mtime_ns, ob.exports_done
    again = ob.OnnxBackend.from_model(net, sha, cache_dir=onnx_cache)
    assert again.graph == path
    assert ob.exports_done == exports
    assert path.stat().st_mtime_ns == mtime
    # No leftovers of its atomic write (other graphs of the shared folder may be being written by other processes).
    assert not [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.") and p.name.endswith(".tmp")]


def test_cache_key(models):
    net, sha = models["AASIST"]
    net_l, sha_l = models["AASIST-L"]
    name = ob.graph_file_name(net, sha)
    assert sha[:16] in name and name.endswith(".onnx")
    assert ob.graph_file_name(net, "f" * 64) != name  # other weights, other graph
    assert ob.graph_file_name(net_l, sha_l) != name
    for package in ("torch", "onnx", "ort", "aasist"):
        assert package in name  # library versions are part of the key
    assert ob.graph_file_name(net) == ob.graph_file_name(net, ob.state_dict_sha256(net))  # no file: state dict
    import hashlib

    dims = hashlib.sha256(repr(net.dims).encode()).hexdigest()[:8]
    assert name.startswith(f"aasist-{sha[:16]}-{dims}-aasist")  # AASIST graphs keep the names they were cached under


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AASIST_CACHE_DIR", str(tmp_path / "explicit"))
    assert ob.default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("AASIST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ob.default_cache_dir() == tmp_path / "xdg" / "aasist"


@pytest.fixture
def cheap_export(monkeypatch, backends):
    """Make 'exporting' AASIST-L hand back its already verified graph, to test the cache logic in milliseconds."""
    data = Path(backends["AASIST-L"].graph).read_bytes()
    calls = []

    def fake(model, num_threads=None):
        calls.append(model)
        return data

    monkeypatch.setattr(ob, "export_verified", fake)
    return calls


def test_unwritable_cache_falls_back_to_temp_dir(models, cheap_export, monkeypatch, tmp_path):
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("")  # a folder below a file can never be created, even by root
    monkeypatch.setattr(ob, "_fallback_dir", lambda: tmp_path / "fallback" / "onnx")
    net, sha = models["AASIST-L"]
    with pytest.warns(UserWarning, match="not writable"):
        backend = ob.OnnxBackend.from_model(net, sha, cache_dir=not_a_dir / "cache")
    assert backend.graph == tmp_path / "fallback" / "onnx" / ob.graph_file_name(net, sha)
    assert backend.run(ob.verification_windows())[0].shape == (2, 2)
    # the next load finds it there
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ob.OnnxBackend.from_model(net, sha, cache_dir=not_a_dir / "cache").graph == backend.graph
    assert len(cheap_export) == 1


def test_no_writable_folder_keeps_the_graph_in_memory(models, cheap_export, monkeypatch, tmp_path):
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("")
    monkeypatch.setattr(ob, "_fallback_dir", lambda: not_a_dir / "fallback")
    net, sha = models["AASIST-L"]
    with pytest.warns(UserWarning, match="in memory"):
        backend = ob.OnnxBackend.from_model(net, sha, cache_dir=not_a_dir / "cache")
    assert isinstance(backend.graph, bytes)
    x = ob.verification_windows()
    np.testing.assert_allclose(backend.run(x)[0], _torch(net, x)["logits"], atol=1e-4, rtol=0)


def test_corrupt_cached_graph_is_replaced(models, cheap_export, tmp_path):
    net, sha = models["AASIST-L"]
    path = ob.cached_graph_path(net, sha, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an onnx graph")
    with pytest.warns(UserWarning, match="exporting it again"):
        backend = ob.OnnxBackend.from_model(net, sha, cache_dir=tmp_path)
    assert backend.graph == path and path.stat().st_size > 100_000
    assert len(cheap_export) == 1


def test_loads_at_once_into_one_cache_export_the_graph_once(models, cheap_export, monkeypatch, tmp_path):
    """Two loads at once (two processes sharing a cache, or the app's loader and a visitor): the second waits on the
    graph's lock file, then loads what the first wrote. (flock locks two open files, even in one process.)"""
    import threading
    import time

    slow = ob.export_verified  # cheap_export's fake; slowed so that the two loads overlap

    def slow_export(model, num_threads=None):
        time.sleep(0.5)
        return slow(model, num_threads)

    monkeypatch.setattr(ob, "export_verified", slow_export)
    net, sha = models["AASIST-L"]
    graphs = []
    loads = [threading.Thread(target=lambda: graphs.append(ob.OnnxBackend.from_model(net, sha, cache_dir=tmp_path)
                                                           .graph)) for _ in range(2)]
    for load in loads:
        load.start()
    for load in loads:
        load.join()
    assert len(cheap_export) == 1
    assert graphs == [ob.cached_graph_path(net, sha, tmp_path)] * 2


def test_a_lock_held_too_long_is_given_up_on(tmp_path):
    from aasist.models.cache import one_at_a_time

    with one_at_a_time(tmp_path / ".lock") as first:
        with one_at_a_time(tmp_path / ".lock", wait_s=0.3) as second:
            assert first and not second  # the second goes on without it, as it would alone
    (tmp_path / "a-file").write_text("")
    with one_at_a_time(tmp_path / "a-file" / ".lock") as held:  # no folder can be made below a file
        assert not held


def test_graph_that_differs_from_torch_is_not_cached(models, backends, monkeypatch, tmp_path):
    data = Path(backends["AASIST-L"].graph).read_bytes()
    monkeypatch.setattr(ob, "_export_bytes", lambda model: data)
    real = ob._torch_outputs

    def off_by_a_little(model, windows):
        out = real(model, windows)
        out["logits"] = out["logits"] + 1e-3
        return out

    monkeypatch.setattr(ob, "_torch_outputs", off_by_a_little)
    net, sha = models["AASIST-L"]
    with pytest.raises(ob.OnnxExportError, match="does not reproduce the torch model"):
        ob.OnnxBackend.from_model(net, sha, cache_dir=tmp_path)
    assert not list(tmp_path.rglob("*.onnx")) and not list(tmp_path.rglob("*.tmp"))


def test_export_onnx_writes_a_verified_graph(models, backends, monkeypatch, tmp_path):
    data = Path(backends["AASIST-L"].graph).read_bytes()
    monkeypatch.setattr(ob, "_export_bytes", lambda model: data)
    out = ob.export_onnx(models["AASIST-L"][0], tmp_path / "sub" / "model.onnx")
    assert out.read_bytes() == data


def test_available_cpus(monkeypatch):
    monkeypatch.delenv("AASIST_NUM_THREADS", raising=False)
    n = ob.available_cpus()
    assert 1 <= n <= (os.cpu_count() or 1)
    monkeypatch.setenv("AASIST_NUM_THREADS", "1")
    assert ob.available_cpus() == 1


# ---------------------------------------------------------------------------------------------------------------
# Backend selection in the detector


@pytest.fixture
def detector_module():
    try:
        from aasist.inference import detector
    except ImportError as error:
        pytest.skip(f"aasist.inference.detector cannot be imported yet ({error})")
    return detector


def test_default_backend_on_cpu_is_onnx(detector_module, models, onnx_cache, monkeypatch):
    from aasist.inference.backends import TorchBackend

    monkeypatch.setenv("AASIST_CACHE_DIR", str(onnx_cache))
    net, sha = models["AASIST"]

    class Checkpoint:
        architecture = "AASIST"
        sha256 = sha

    exports = ob.exports_done
    backend = detector_module._make_backend(None, net, Checkpoint(), "cpu")
    assert isinstance(backend, ob.OnnxBackend) and ob.exports_done == exports  # from the shared cache
    assert isinstance(detector_module._make_backend("onnx", net, Checkpoint(), None if not torch.cuda.is_available()
                                                    else "cpu"), ob.OnnxBackend)
    assert isinstance(detector_module._make_backend("torch", net, Checkpoint(), "cpu"), TorchBackend)


def test_onnx_backend_refuses_other_architectures_and_gpus(detector_module, models):
    class Other:
        architecture = "LCNN"
        sha256 = "0" * 64

    with pytest.raises(ValueError, match="AASIST and RawNet2 models only.*LCNN"):
        detector_module._make_backend("onnx", torch.nn.Linear(2, 2), Other(), "cpu")
    with pytest.raises(ValueError, match="runs on the CPU"):
        detector_module._make_backend("onnx", models["AASIST"][0], Other(), "cuda")
    from aasist.inference.backends import TorchBackend

    assert isinstance(detector_module._make_backend(None, torch.nn.Linear(2, 2), Other(), "cpu"), TorchBackend)


# ---------------------------------------------------------------------------------------------------------------
# Command line


def test_export_onnx_command(weights_dir, tmp_path):
    # In process (tests/command_line.py): the export, the cache and the messages are what is tested, not Python's
    # start-up.
    env = {"AASIST_WEIGHTS_DIR": str(weights_dir), "AASIST_CACHE_DIR": str(tmp_path / "cache")}

    def export(*args):
        return cli_in_process("export-onnx", "--model", "AASIST-L", *args, env=env)

    first = export()
    if "invalid choice: 'export-onnx'" in first.stderr:
        pytest.fail("aasist/cli.py does not register export-onnx: call onnx_backend.add_export_parser(subparsers) "
                    "in build_parser")
    assert first.returncode == 0, first.stderr
    written = Path(first.stdout.split()[-1])
    assert first.stdout.startswith("wrote") and written.is_file()
    assert written.parent == tmp_path / "cache" / "onnx"

    second = export()
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("already cached") and Path(second.stdout.split()[-1]) == written

    out = tmp_path / "explicit" / "aasist-l.onnx"
    exports = ob.exports_done
    third = export("--output", str(out))
    assert third.returncode == 0, third.stderr
    assert out.is_file() and str(out) in third.stdout
    # The graph of these weights is cached (and was checked against torch when exported): copied, not exported again.
    assert ob.exports_done == exports and out.read_bytes() == written.read_bytes()

    bad = export("--model", "no-such-model")
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


def test_export_is_quiet_and_thread_safe_about_warnings(models):
    # The tracer's warnings about the pools' node counts are expected (the graph is verified against torch): they
    # are switched off at the tracer while an export runs, never with warnings.catch_warnings, which other threads
    # (the app's web server) could undo. Every other warning stays visible, and the switch is restored.
    net, _ = models["AASIST-L"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ob._export_bytes(net)
        warnings.warn("a real warning", UserWarning)
    assert [str(w.message) for w in caught] == ["a real warning"]
    assert torch._C._jit_get_tracer_state_warn() is True
