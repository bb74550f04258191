"""RawNet2 (aasist.models.rawnet2), the ASVspoof 2021 baseline: the organisers' outputs and state dict, the values it
captures to explain a decision, and its ONNX graph against torch (tests/data/reference/rawnet2/README.md).

Exports take a few seconds for the full-size model, so it is exported once per session into the run's ONNX cache.
"""

from __future__ import annotations

import argparse
import copy
import json
import warnings

import numpy as np
import pytest
import torch

from aasist.inference import onnx_backend as ob
from aasist.inference.backends import TorchBackend
from aasist.inference.detector import Detector, _make_backend
from aasist.models.filter_scaling import FilterScaling
from aasist.models.model import SAMPLE_RATE, WINDOW_SAMPLES
from aasist.models.rawnet2 import N_BLOCKS, RawNet2, band_edges_hz, capture_keys

ATOL = 1e-4  # absolute, as every parity test of the project


@pytest.fixture(scope="module")
def reference(reference_dir) -> dict:
    folder = reference_dir / "rawnet2"
    spec = json.loads((folder / "rawnet2_reference.json").read_text())
    arrays = np.load(folder / "rawnet2_reference.npz")
    state_dict = torch.load(folder / "rawnet2_small_random.pth", map_location="cpu", weights_only=True)
    return dict(spec, x=arrays["x"], log_softmax=arrays["log_softmax"], state_dict=state_dict)


@pytest.fixture(scope="module")
def small_model(reference) -> RawNet2:
    net = RawNet2(copy.deepcopy(reference["small_config"]))
    net.load_state_dict(reference["state_dict"], strict=True)
    return net.eval()


@pytest.fixture(scope="module")
def full_model() -> RawNet2:
    """The baseline's architecture (``RawNet2()``) with seeded random weights: the size and graph of the release.

    As for the small reference model, the GRU and FC weights are scaled by 4 and the batch norms get random running
    statistics: with PyTorch's default initialisation the log-probabilities hardly depend on the input (the same to
    1e-4 for every window), which would make a parity check of the logits say little.
    """
    torch.manual_seed(0)
    net = RawNet2()
    with torch.no_grad():
        for name, parameter in net.named_parameters():
            if name.startswith(("gru.", "fc1_gru.", "fc2_gru.")):
                parameter.mul_(4)
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    return net.eval()


def _torch(net: RawNet2, windows: np.ndarray) -> dict:
    capture = {}
    with torch.inference_mode():
        logits = net(torch.from_numpy(np.ascontiguousarray(windows, dtype=np.float32)), capture)
    return {"logits": logits.numpy(), **{k: v.numpy() for k, v in capture.items()}}


def _max_differences(expected: dict, got: dict) -> dict:
    assert set(got) == set(expected)
    return {k: float(np.max(np.abs(got[k].astype(np.float64) - expected[k]))) for k in expected}


# ---------------------------------------------------------------------------------------------------------------
# The organisers' reference


def test_small_reference_model_reproduces_the_baseline(small_model, reference):
    with torch.inference_mode():
        out = small_model(torch.from_numpy(reference["x"])).numpy()
    np.testing.assert_allclose(out, reference["log_softmax"], atol=ATOL, rtol=0)


def test_full_config_has_the_baseline_state_dict(reference):
    want = {name: list(shape) for name, shape in reference["full_state_dict_shapes"].items()}
    assert len(want) == 119
    for net in (RawNet2(copy.deepcopy(reference["full_config"])), RawNet2()):
        assert {name: list(t.shape) for name, t in net.state_dict().items()} == want


# ---------------------------------------------------------------------------------------------------------------
# Captured values


def test_capture_explains_without_changing_the_output(small_model, reference):
    x = torch.from_numpy(reference["x"])
    capture = {}
    with torch.inference_mode():
        plain = small_model(x)
        captured = small_model(x, capture)
    assert torch.equal(plain, captured)
    assert tuple(capture) == capture_keys()
    n_filters = reference["small_config"]["filts"][0]
    channels = [20, 20, 32, 32, 32, 32]  # small_config: filts [20, [20, 20], [20, 32], [32, 32]]
    assert capture["sinc_band_magnitude"].shape == (3, n_filters)
    assert bool((capture["sinc_band_magnitude"] >= 0).all())
    for i, c in enumerate(channels):
        gates = capture[f"block{i}_scale"]
        assert gates.shape == (3, c)
        assert bool(((gates > 0) & (gates < 1)).all())  # sigmoid gates


def test_band_edges_are_the_sinc_front_end(small_model):
    edges = small_model.band_edges_hz()
    assert edges.shape == (20, 2)
    np.testing.assert_array_equal(edges, band_edges_hz(20))
    assert edges[0, 0] == 0 and edges[-1, 1] == pytest.approx(SAMPLE_RATE / 2)
    np.testing.assert_array_equal(edges[1:, 0], edges[:-1, 1])  # contiguous, increasing
    assert bool(np.all(np.diff(edges, axis=1) > 0))


# ---------------------------------------------------------------------------------------------------------------
# ONNX


def test_small_reference_graph_reproduces_the_baseline(small_model, reference):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = ob.export_verified(small_model)  # checked against torch at batches 2 and 1 on the way
    assert [str(w.message) for w in caught] == []  # tracing RawNet2 (its length check, its GRU) is quiet
    backend = ob.OnnxBackend(data, max_batch=8)
    assert backend.capture_keys == capture_keys()
    logits, captured = backend.run(reference["x"], with_attention=True)
    difference = float(np.max(np.abs(logits - reference["log_softmax"])))
    print(f"\nRawNet2 small reference, ONNX vs the organisers' log_softmax: max abs difference {difference:.2e}")
    assert difference <= ATOL
    expected = _torch(small_model, reference["x"])
    assert max(_max_differences(expected, {"logits": logits, **captured}).values()) <= ATOL


@pytest.fixture(scope="module")
def full_detectors(full_model, onnx_cache_dir) -> dict:
    """Detectors on the full-size model: the default backend (ONNX on the CPU, from the run's cache) and torch."""
    class Checkpoint:
        architecture = "RawNet2"
        sha256 = None  # no file: the cache is keyed by the state dict's checksum

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AASIST_CACHE_DIR", onnx_cache_dir)
        onnx = _make_backend(None, full_model, Checkpoint(), "cpu")
    assert isinstance(onnx, ob.OnnxBackend) and onnx.where.startswith(onnx_cache_dir)
    torch_backend = TorchBackend(full_model, "cpu")
    return {name: Detector(backend, model_name="RawNet2", architecture="RawNet2")
            for name, backend in (("onnx", onnx), ("torch", torch_backend))}


def test_full_size_graph_matches_torch_through_the_detector(full_detectors, reference):
    windows = reference["x"]  # three speech excerpts; the export was checked on two other windows
    runs = {name: d.backend.run(windows, with_attention=True) for name, d in full_detectors.items()}
    (onnx_logits, onnx_captured), (torch_logits, torch_captured) = runs["onnx"], runs["torch"]
    logits_difference = float(np.max(np.abs(onnx_logits - torch_logits)))
    differences = _max_differences(torch_captured, onnx_captured)
    print(f"\nRawNet2 full size (random weights), ONNX vs torch: logits {logits_difference:.2e}, captured "
          f"{max(differences.values()):.2e}")
    assert set(onnx_captured) == set(capture_keys())
    assert logits_difference <= ATOL and max(differences.values()) <= ATOL
    np.testing.assert_array_equal(full_detectors["onnx"].score_windows(windows[:1]), onnx_logits[:1])


def test_analyze_gives_filter_scaling(full_detectors, reference):
    audio = reference["x"][0][: 3 * SAMPLE_RATE]  # one window (tiled): both backends explain the same one
    results = {name: d.analyze(audio, sample_rate=SAMPLE_RATE, with_attention=True)
               for name, d in full_detectors.items()}
    for result in results.values():
        scaling = result.filter_scaling
        assert isinstance(scaling, FilterScaling) and result.attention is None
        assert scaling.window_index == 0 and scaling.tiled and scaling.start_s == 0
        assert scaling.band_edges_hz.shape == (20, 2) and scaling.band_magnitude.shape == (20,)
        assert [s.shape for s in scaling.block_scales] == [(20,), (20,), (128,), (128,), (128,), (128,)]
        data = json.loads(json.dumps(result.to_dict(include_attention=True)))
        assert set(data["filter_scaling"]) == {"window_index", "start_s", "tiled", "band_edges_hz",
                                               "band_magnitude", "block_scales"}
        assert len(data["filter_scaling"]["block_scales"]) == N_BLOCKS
        assert "filter_scaling" not in result.to_dict()
    onnx, torch_ = results["onnx"].filter_scaling, results["torch"].filter_scaling
    assert np.max(np.abs(onnx.band_magnitude - torch_.band_magnitude)) <= ATOL
    for a, b in zip(onnx.block_scales, torch_.block_scales):
        assert np.max(np.abs(a - b)) <= ATOL


def test_cache_key_names_the_architecture(small_model, full_model):
    small, full = ob.graph_file_name(small_model), ob.graph_file_name(full_model)
    assert small.startswith("rawnet2-") and full.startswith("rawnet2-") and small != full
    assert ob.graph_file_name(full_model, "f" * 64) != full
    assert ob.state_dict_sha256(full_model)[:16] in full


def test_export_onnx_command_takes_a_rawnet2_checkpoint(small_model, reference, tmp_path, monkeypatch, capsys):
    from safetensors.torch import save_file

    folder = tmp_path / "rawnet2-checkpoint"
    folder.mkdir()
    config = {"architecture": "RawNet2", "model_config": reference["small_config"]}
    (folder / "config.json").write_text(json.dumps(config))
    save_file({k: v.contiguous() for k, v in small_model.state_dict().items()}, str(folder / "model.safetensors"))
    monkeypatch.setenv("AASIST_CACHE_DIR", str(tmp_path / "cache"))
    args = argparse.Namespace(model=str(folder), revision="main", filename=None, output=None)
    assert ob.run_export(args) == 0, capsys.readouterr().err
    written = capsys.readouterr().out.split()[-1]
    assert written.startswith(str(tmp_path / "cache" / "onnx" / "rawnet2-"))
    logits, _ = ob.OnnxBackend(written).run(reference["x"])
    np.testing.assert_allclose(logits, reference["log_softmax"], atol=ATOL, rtol=0)


def test_window_length_is_fixed(full_detectors):
    with pytest.raises(ValueError, match=f"exactly {WINDOW_SAMPLES} samples"):
        full_detectors["onnx"].backend.run(np.zeros((1, WINDOW_SAMPLES - 1), np.float32))
