"""W2V2-AASIST without fairseq: parity with the authors' model (tests/data/reference/w2v2_aasist/, made with their
code and the fairseq they vendor), the full model's names and shapes, the checkpoint folder through the real CLI."""

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

from aasist.models.registry import registered
from aasist.models.w2v2_aasist import (
    UNUSED_PREFIXES,
    W2V2AASIST,
    XLSR_300M_CONFIG,
    conv_layers,
    from_authors_state_dict,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference(reference_dir) -> dict:
    folder = reference_dir / "w2v2_aasist"
    config = json.loads((folder / "w2v2_aasist_reference.json").read_text())
    return {
        "config": config,
        "outputs": np.load(folder / "w2v2_aasist_reference.npz"),
        "state": torch.load(folder / "w2v2_aasist_small_random.pth", map_location="cpu", weights_only=True),
        "shapes": json.loads((folder / "w2v2_aasist_full_state_dict_shapes.json").read_text()),
    }


def test_reduced_model_reproduces_the_authors_features_and_logits(reference):
    model = W2V2AASIST(reference["config"]["small_config"])
    model.load_state_dict(from_authors_state_dict(reference["state"]), strict=True)
    model.eval()
    capture = {}
    with torch.inference_mode():
        logits = model(torch.from_numpy(reference["outputs"]["x"]), capture)
    features = np.abs(capture["ssl_features"].numpy() - reference["outputs"]["ssl_features"]).max()
    assert features <= 1e-5, features  # measured 7.2e-7
    assert np.abs(logits.numpy() - reference["outputs"]["logits"]).max() <= 1e-4  # measured 1.2e-7


def test_full_model_has_the_authors_names_and_shapes(reference):
    with torch.device("meta"):  # 317 M parameters, allocated nowhere
        model = W2V2AASIST(XLSR_300M_CONFIG)
    ours = {name: list(tensor.shape) for name, tensor in model.state_dict().items()}
    theirs = from_authors_state_dict(reference["shapes"])  # the names only: values are shapes here
    assert ours == {name: list(shape) for name, shape in theirs.items()}
    dropped = [k for k in reference["shapes"] if k.split("ssl_model.model.")[-1].startswith(UNUSED_PREFIXES)]
    assert len(ours) + len(dropped) == len(reference["shapes"]) == 674


def test_module_prefix_and_conv_layer_spec():
    assert from_authors_state_dict({"module.LL.weight": 1, "module.ssl_model.model.mask_emb": 2}) == {"LL.weight": 1}
    assert conv_layers(XLSR_300M_CONFIG["conv_feature_layers"]) == [(512, 10, 5)] + [(512, 3, 2)] * 4 + [
        (512, 2, 2)] * 2
    with pytest.raises(ValueError):
        conv_layers("__import__('os').system('true')")


def test_registry_entry():
    entry = registered("W2V2-AASIST")
    assert entry.repo_id == "SpeechAntiSpoofingBenchmarks/W2V2-AASIST" and entry.filename == "LA_model.pth"
    assert entry.sha256 is None and not entry.packaged and entry.live_min_hop_s == 2.0 and entry.robustness_max_s == 8
    assert {r.benchmark: r.eer_percent for r in entry.results}["In-the-Wild"] == 11.22


def test_reference_folder_scores_through_detect_with_the_authors_logits(reference, w2v2_reference_folder, tmp_path,
                                                                        onnx_cache_dir):
    files = []
    for i, x in enumerate(reference["outputs"]["x"]):
        files.append(tmp_path / f"excerpt{i}.wav")
        sf.write(files[-1], x, 16000, subtype="FLOAT")  # float samples: the model sees exactly the reference input
    env = dict(os.environ, HF_HUB_OFFLINE="1", AASIST_CACHE_DIR=onnx_cache_dir)
    proc = subprocess.run([sys.executable, "-m", "aasist", "detect", *map(str, files), "--model",
                           str(w2v2_reference_folder), "--protocol", "asvspoof", "--json"], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    scores = [r["score"] for r in results]  # the bona fide logit of the first window, as the authors score
    assert scores == pytest.approx(reference["outputs"]["logits"][:, 1].tolist(), abs=1e-3)


def test_attention_over_learnt_features_is_drawn_and_reported(w2v2_reference_folder, tmp_path):
    from aasist.audio.decoding import load_audio
    from aasist.inference.detector import Detector
    from aasist.views.plots import draw_all
    from aasist.views.report import write_report

    detector = Detector.from_pretrained(str(w2v2_reference_folder))
    assert detector.backend.name == "torch"  # its 300M-parameter front end is not exported to ONNX
    audio = load_audio(REPO / "assets" / "examples" / "real_arctic_awb_a0007.wav")
    result = detector.analyze(audio, with_attention=True)
    attention = result.attention
    assert attention.spectral_axis == "feature" and attention.spectral_bands_hz.shape == (42, 2)
    assert attention.temporal_times_s[0, 1] - attention.temporal_times_s[0, 0] == pytest.approx(0.06)
    data = result.to_dict(include_attention=True)["attention"]["spectral"]
    assert data["axis"] == "feature" and "feature_dims" in data and "bands_hz" not in data
    figures = draw_all(audio, result)
    assert figures.spectral_attention is not None and figures.temporal_attention is not None
    report = write_report(result, audio, tmp_path, figures=figures).read_text()
    assert "learnt features (not frequencies)" in report
