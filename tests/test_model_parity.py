"""The model reproduces the authors' implementation: every tensor of aasist_reference.npz within 1e-4 on CPU float32."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from aasist.models.model import (
    AASIST,
    AASIST_DIMS,
    AASIST_L_DIMS,
    MIN_SAMPLES,
    InputTooShortError,
    ModelDimensions,
    attention_keys,
    sinc_band_edges,
    spectral_node_bands,
)

INPUTS = ("x_64600_batch2", "x_16000", "x_100000")
VARIANTS = ("AASIST", "AASIST-L", "AASIST-perturbed")


@pytest.fixture(scope="module")
def reference(reference_dir):
    return np.load(reference_dir / "aasist_reference.npz")


@pytest.fixture(scope="module")
def models(weights_dir, reference_dir):
    def load(path):
        return torch.load(path, map_location="cpu", weights_only=True)

    perturbed_config = json.loads((reference_dir / "aasist_perturbed.conf.json").read_text())["model_config"]
    return {
        "AASIST": AASIST.from_state_dict(load(weights_dir / "AASIST.pth")),
        "AASIST-L": AASIST.from_state_dict(load(weights_dir / "AASIST-L.pth")),
        "AASIST-perturbed": AASIST.from_state_dict(
            load(reference_dir / "aasist_perturbed.pth"), ModelDimensions.from_config(perturbed_config)
        ),
    }


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("input_name", INPUTS)
def test_every_reference_tensor_matches(models, reference, variant, input_name):
    x = torch.from_numpy(reference[f"input/{input_name}"])
    capture = {}
    with torch.inference_mode():
        logits = models[variant](x, capture)
    capture["logits"] = logits

    prefix = f"{variant}/{input_name}/"
    keys = [k for k in reference.files if k.startswith(prefix)]
    assert len(keys) == 34  # logits, last_hidden and 32 attention/pooling tensors
    for key in keys:
        name = key[len(prefix):].removeprefix("att/")
        expected, got = reference[key], capture[name].numpy()
        assert got.shape == expected.shape, key
        if expected.dtype == np.int64:
            np.testing.assert_array_equal(got, expected, err_msg=key)
        else:
            np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0, err_msg=key)


def test_index_one_is_bona_fide(models, reference):
    # The second reference utterance is scored strongly spoof by the authors' model: logit 0 >> logit 1.
    logits = reference["AASIST/x_64600_batch2/logits"]
    assert logits[1, 0] > logits[1, 1]
    with torch.inference_mode():
        ours = models["AASIST"](torch.from_numpy(reference["input/x_64600_batch2"])).numpy()
    assert np.argmax(ours, axis=1).tolist() == np.argmax(logits, axis=1).tolist()


def test_capture_keys_are_the_declared_ones(models, reference):
    capture = {}
    with torch.inference_mode():
        models["AASIST"](torch.from_numpy(reference["input/x_16000"]), capture)
    assert set(capture) == set(attention_keys()) | {"last_hidden"}


def test_without_capture_nothing_is_kept(models, reference):
    x = torch.from_numpy(reference["input/x_16000"])
    with torch.inference_mode():
        plain = models["AASIST"](x)
        captured = models["AASIST"](x, {})
    torch.testing.assert_close(plain, captured, rtol=0, atol=0)


def test_variants_are_recognised_from_shapes(weights_dir):
    for name, dims in (("AASIST.pth", AASIST_DIMS), ("AASIST-L.pth", AASIST_L_DIMS)):
        state = torch.load(weights_dir / name, map_location="cpu", weights_only=True)
        assert ModelDimensions.from_state_dict(state) == dims
    with pytest.raises(ValueError, match="not an AASIST checkpoint"):
        ModelDimensions.from_state_dict({"weight": torch.zeros(3)})


def test_parameter_counts_match_the_paper(models):
    # Reported: AASIST 297,866 parameters, AASIST-L 85,306 (bn1 of blocks 2-6 included, as in the checkpoints).
    assert sum(p.numel() for p in models["AASIST"].parameters()) == 297_866
    assert sum(p.numel() for p in models["AASIST-L"].parameters()) == 85_306


def test_minimum_length(models):
    model = models["AASIST-L"]
    with torch.inference_mode():
        assert model(torch.zeros(1, MIN_SAMPLES)).shape == (1, 2)
        with pytest.raises(InputTooShortError, match="at least 2315 samples"):
            model(torch.zeros(1, MIN_SAMPLES - 1))


def test_config_round_trip():
    for dims in (AASIST_DIMS, AASIST_L_DIMS):
        assert ModelDimensions.from_config(dims.to_config()) == dims


def test_spectral_node_bands_cover_the_sinc_filters():
    edges = sinc_band_edges()
    assert len(edges) == 71 and edges[0] == 0 and abs(edges[-1] - 8000) < 1e-6
    bands = spectral_node_bands()
    assert bands.shape == (23, 2)
    assert np.all(bands[1:, 0] == bands[:-1, 1])  # contiguous
    assert bands[-1, 1] < 8000  # filter 69 (the top band) is dropped by the pool
