"""AntiDeepfake without fairseq: parity with the authors' model for both structures (tests/data/reference/antideepfake/,
made with their models/W2V.py and fairseq), the full-size models' names and shapes, weights that do not fit, the
windows it scores, and the checkpoint folders through the real CLI."""

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

from aasist.models.antideepfake import (
    FRAME_LOGITS_KEY,
    FRONT_END,
    STRUCTURES,
    W2V_LARGE_CONFIG,
    W2V_SMALL_CONFIG,
    WINDOW_SAMPLES,
    AntiDeepfake,
    from_authors_state_dict,
    is_antideepfake,
    normalise,
    published_config,
)
from aasist.models.registry import registered

REPO = Path(__file__).resolve().parents[1]
STRUCTURE_NAMES = ("small", "large")
LICENCE = "CC BY-NC-SA 4.0 (non-commercial)"


@pytest.fixture(scope="module")
def reference(reference_dir) -> dict:
    folder = reference_dir / "antideepfake"
    return {
        "json": json.loads((folder / "antideepfake_reference.json").read_text()),
        "outputs": np.load(folder / "antideepfake_reference.npz"),
        "states": {s: torch.load(folder / f"antideepfake_{s}_random.pth", map_location="cpu", weights_only=True)
                   for s in STRUCTURE_NAMES},
        "shapes": json.loads((folder / "antideepfake_full_state_dict_shapes.json").read_text()),
    }


@pytest.fixture(scope="module")
def reduced(reference) -> dict:
    """The reduced models of both structures with the authors' weights, in eval mode."""
    models = {}
    for structure in STRUCTURE_NAMES:
        model = AntiDeepfake(reference["json"]["configs"][structure])
        model.load_state_dict(from_authors_state_dict(reference["states"][structure]), strict=True)
        models[structure] = model.eval()
    return models


@pytest.mark.parametrize("structure", STRUCTURE_NAMES)
def test_reduced_models_reproduce_the_authors_normalised_input_features_and_logits(reference, reduced, structure):
    outputs = reference["outputs"]
    for i, length in enumerate(reference["json"]["lengths"]):
        x = torch.from_numpy(outputs[f"{structure}_x{i}"]).float()[None]
        assert x.shape[1] == length
        with torch.inference_mode():
            norm, features, logits = normalise(x), reduced[structure].features(x), reduced[structure](x)
        assert np.abs(norm[0].numpy() - outputs[f"{structure}_norm{i}"]).max() <= 1e-6
        assert np.abs(features[0].numpy() - outputs[f"{structure}_features{i}"]).max() <= 1e-5  # measured 7.2e-7
        assert np.abs(logits[0].numpy() - outputs[f"{structure}_logits{i}"].reshape(-1)).max() <= 1e-4  # 9.5e-7


def test_forward_seg_gives_the_head_on_each_20_ms_frame(reference, reduced):
    x = torch.from_numpy(reference["outputs"]["small_x1"]).float()[None]  # 64600 samples: 201 frames
    with torch.inference_mode():
        frames, logits = reduced["small"].forward_seg(x), reduced["small"](x)
    assert frames.shape == (1, 201, 2)
    assert torch.allclose(frames.mean(dim=1), logits, atol=1e-5)  # the head is linear: its mean is the whole's


def _conv_frames(samples: int, config: dict) -> int:
    """How many frames wav2vec 2.0's conv front end gives for ``samples``: each convolution, unpadded, in turn."""
    from aasist.models.fairseq_wav2vec2 import conv_layers

    for _, kernel, stride in conv_layers(config["conv_feature_layers"]):
        samples = (samples - kernel) // stride + 1
    return samples


@pytest.mark.parametrize("structure", STRUCTURE_NAMES)
def test_frame_logits_come_from_the_same_pass_and_average_to_the_pooled_logits(reference, reduced, structure):
    """``forward(x, capture)``: forward_seg's per-frame logits from the features it pools, the pooled logits as
    without a capture; the frames' mean is the pooled logits (the head is linear and mean pooling commutes with it),
    to float32 rounding; one frame per 320 samples, as the conv front end's arithmetic gives."""
    config = reference["json"]["configs"][structure]
    for i, length in enumerate(reference["json"]["lengths"]):
        x = torch.from_numpy(reference["outputs"][f"{structure}_x{i}"]).float()[None]
        capture = {}
        with torch.inference_mode():
            logits, plain = reduced[structure](x, capture), reduced[structure](x)
        frames = capture[FRAME_LOGITS_KEY]
        assert torch.equal(logits, plain)  # the capture changes nothing in the logits
        assert frames.shape == (1, _conv_frames(length, config), 2) == (1, (length - 400) // 320 + 1, 2)
        assert torch.allclose(frames.mean(dim=1), logits, rtol=0, atol=1e-5)
    assert [_conv_frames(n, config) for n in reference["json"]["lengths"]] == [124, 201, 316]


@pytest.mark.parametrize("structure", STRUCTURE_NAMES)
def test_analyze_with_attention_gives_each_frames_spoof_probability_in_time(reference, antideepfake_reference_folders,
                                                                            structure):
    """Through the detector (a checkpoint folder, on torch): the recording scored whole has its frames' logits, each
    frame at the centre of the 400 samples its conv features see, their mean the authors' logits."""
    from aasist.inference.detector import Detector
    from aasist.models.frame_scores import FrameScores

    detector = Detector.from_pretrained(str(antideepfake_reference_folders[structure]))
    for i, length in enumerate(reference["json"]["lengths"]):
        x = reference["outputs"][f"{structure}_x{i}"].astype(np.float32)
        result = detector.analyze(x, sample_rate=16000, find_speech=False, with_attention=True)
        frames = result.frame_scores
        assert isinstance(frames, FrameScores) and result.attention is None and result.filter_scaling is None
        n = (length - 400) // 320 + 1
        assert frames.logits.shape == (n, 2) and (frames.start_s, frames.end_s) == (0.0, length / 16000)
        assert frames.times_s == pytest.approx((np.arange(n) * 320 + 200) / 16000)
        authors = reference["outputs"][f"{structure}_logits{i}"].reshape(-1)
        assert np.abs(frames.mean_logits - authors).max() <= 1e-4
        assert frames.mean_logits[1] == pytest.approx(result.score, abs=1e-5)
        softmax = torch.softmax(torch.from_numpy(frames.logits).double(), dim=-1)[:, 0].numpy()
        assert frames.spoof_probability == pytest.approx(softmax, abs=1e-12)
    data = result.to_dict(include_attention=True)["frame_scores"]
    assert set(data) == {"window_index", "start_s", "end_s", "frame_hop_s", "frame_span_s", "times_s", "logits",
                         "spoof_probability"}
    assert (data["frame_hop_s"], data["frame_span_s"]) == (0.02, 0.025) and len(data["logits"]) == n
    assert "frame_scores" not in result.to_dict()
    assert detector.analyze(x, sample_rate=16000, find_speech=False).frame_scores is None


def test_frame_scores_of_a_long_recording_are_the_decisive_windows(reference, reduced):
    from aasist.inference.backends import TorchBackend
    from aasist.inference.detector import Detector

    detector = Detector(TorchBackend(reduced["small"], "cpu"), model_name="AntiDeepfake-Small",
                        architecture="AntiDeepfake")
    longer = np.tile(reference["outputs"]["small_x0"].astype(np.float32), 6)[: WINDOW_SAMPLES + 16000]  # 14 s
    result = detector.analyze(longer, sample_rate=16000, find_speech=False, with_attention=True)
    i = result.most_decisive_window
    window, frames = result.windows[i], result.frame_scores
    assert frames.window_index == i and (frames.start_s, frames.end_s) == (window.start_s, window.end_s)
    assert len(frames.logits) == (WINDOW_SAMPLES - 400) // 320 + 1  # 649
    assert frames.times_s[0] == pytest.approx(window.start_s + 0.0125)
    assert frames.mean_logits[1] == pytest.approx(window.score, abs=1e-5)


@pytest.mark.parametrize("name, config", [("w2v_small", W2V_SMALL_CONFIG), ("w2v_large", W2V_LARGE_CONFIG),
                                          ("mms_300m", W2V_LARGE_CONFIG)])
def test_the_authors_full_size_checkpoints_load_strictly(reference, name, config):
    shapes = reference["shapes"][name]
    # Meta tensors: every name and shape of the authors' full-size model, no memory (0.3 B values for the large).
    authors = {key: torch.zeros(shape, device="meta") for key, shape in shapes.items()}
    assert is_antideepfake(authors) and published_config(authors) is STRUCTURES[name] == config
    with torch.device("meta"):
        model = AntiDeepfake(config)
    model.load_state_dict(from_authors_state_dict(authors), strict=True)
    n_values = sum(int(np.prod(shape)) for shape in shapes.values())
    assert n_values == {"w2v_small": 95_046_146}.get(name, 317_392_642)


def test_this_modules_own_and_transformers_layouts_load_too(reduced):
    own = reduced["small"].state_dict()
    assert from_authors_state_dict(own).keys() == own.keys()
    transformers_layout = {k.replace(FRONT_END, "wav2vec2.", 1): v for k, v in own.items()}
    assert from_authors_state_dict(transformers_layout).keys() == own.keys()
    assert is_antideepfake(transformers_layout) and published_config(own) is W2V_SMALL_CONFIG
    assert published_config(reduced["large"].state_dict()) is W2V_LARGE_CONFIG


@pytest.mark.parametrize("change, named", [
    (lambda s: s.update({"m_ssl.model.encoder.layers.9.fc1.weight": s.pop("m_ssl.model.encoder.layers.1.fc1.weight")}),
     "encoder.layers.1.feed_forward.intermediate_dense.weight"),
    (lambda s: s.update({"proj_fc.weight": torch.zeros(2, 65)}), "proj_fc.weight"),
])
def test_weights_that_do_not_fit_get_one_sentence_naming_the_mismatch(reference, change, named):
    from aasist.models.weights import Checkpoint, WeightsError, build_model

    state = dict(reference["states"]["small"])
    change(state)
    checkpoint = Checkpoint("AntiDeepfake-Small", Path("model.safetensors"), "0" * 64, False, "AntiDeepfake",
                            reference["json"]["configs"]["small"], state)
    with pytest.raises(WeightsError) as error:
        build_model(checkpoint)
    message = str(error.value)
    assert named in message and "\n" not in message and message.count(". ") == 0 and message.endswith(").")


def test_a_recording_up_to_13_s_is_scored_whole_and_a_longer_one_in_13_s_windows(reference, reduced):
    from aasist.inference.backends import TorchBackend
    from aasist.inference.detector import Detector

    detector = Detector(TorchBackend(reduced["small"], "cpu"), model_name="AntiDeepfake-Small",
                        architecture="AntiDeepfake")
    x = reference["outputs"]["small_x0"].astype(np.float32)  # 2.5 s: not tiled, not padded
    result = detector.analyze(x, sample_rate=16000, find_speech=False)
    assert [(w.start_s, w.end_s) for w in result.windows] == [(0.0, 2.5)]
    assert result.score == pytest.approx(float(reference["outputs"]["small_logits0"].reshape(-1)[1]), abs=1e-4)
    longer = np.tile(x, 6)[: WINDOW_SAMPLES + 16000]  # 14 s: two 13 s windows, the last aligned to the end
    result = detector.analyze(longer, sample_rate=16000, find_speech=False)
    assert [(w.start_s, w.end_s) for w in result.windows] == [(0.0, 13.0), (1.0, 14.0)]


def test_registry_entries():
    small, large = registered("AntiDeepfake-Small"), registered("AntiDeepfake-Large-NDA")
    assert small.architecture == large.architecture == "AntiDeepfake" and small.licence == large.licence == LICENCE
    assert small.repo_id == "SpeechAntiSpoofingBenchmarks/Wav2Vec2-Small-AntiDeepfake" and small.size_mb == 380
    assert large.repo_id == "SpeechAntiSpoofingBenchmarks/Wav2Vec2-Large-AntiDeepfake-NDA" and large.size_mb == 1270
    assert {r.benchmark: r.eer_percent for r in small.results} == {"In-the-Wild": 5.31}
    assert {r.benchmark: r.eer_percent for r in large.results} == {"In-the-Wild": 2.94}
    assert not small.packaged and not small.fetched_to_compare and not large.fetched_to_compare
    assert "56,000 hours of real and 18,000 hours of synthetic speech" in small.trained_on


def test_checkpoint_folders_score_through_detect_with_the_authors_logits(reference, antideepfake_reference_folders,
                                                                         tmp_path, onnx_cache_dir):
    env = dict(os.environ, HF_HUB_OFFLINE="1", AASIST_CACHE_DIR=onnx_cache_dir)
    runs = {}
    for structure, folder in antideepfake_reference_folders.items():
        files = []
        for i in range(3):
            files.append(tmp_path / f"{structure}{i}.wav")
            # float samples at 16 kHz: the model sees exactly the reference input
            sf.write(files[-1], reference["outputs"][f"{structure}_x{i}"], 16000, subtype="FLOAT")
        runs[structure] = subprocess.Popen(  # both at once: each start costs seconds of imports
            [sys.executable, "-m", "aasist", "detect", *map(str, files), "--model", str(folder), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    listed = subprocess.run([sys.executable, "-m", "aasist", "models", "--json"], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=60)
    for structure, run in runs.items():
        stdout, stderr = run.communicate(timeout=180)
        assert run.returncode == 0, stderr
        results = json.loads(stdout)
        expected = [float(reference["outputs"][f"{structure}_logits{i}"].reshape(-1)[1]) for i in range(3)]
        assert [r["score"] for r in results] == pytest.approx(expected, abs=1e-3)  # the authors' logit[1]
        assert all(len(r["windows"]) == 1 for r in results)  # each recording whole
    entries = {m["name"]: m for m in json.loads(listed.stdout)}
    assert entries["AntiDeepfake-Small"]["licence"] == entries["AntiDeepfake-Large-NDA"]["licence"] == LICENCE
