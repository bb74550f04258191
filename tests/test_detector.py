"""The detector: window geometry, the authors' protocol, aggregation, attention mapping, the Python API.

What is compared with torch's own logits runs on the torch backend (``detector``); the rest of the API on the default
backend, ONNX Runtime (``aasist_detector``, conftest.py), as users get it and about three times faster."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from aasist import Detector
from aasist.audio.decoding import AudioError
from aasist.inference.backends import TorchBackend
from aasist.inference.detector import spoof_probability_from_logits
from aasist.models.model import AASIST, MIN_SAMPLES, SAMPLES_PER_TEMPORAL_NODE, WINDOW_SAMPLES
from aasist.audio.windows import WindowGeometry, tile_to_length

SR = 16000


@pytest.fixture(scope="module")
def model(weights_dir):
    state = torch.load(weights_dir / "AASIST.pth", map_location="cpu", weights_only=True)
    return AASIST.from_state_dict(state)


@pytest.fixture(scope="module")
def detector(model):
    return Detector(TorchBackend(model, device="cpu"), model_name="AASIST")


@pytest.fixture(scope="module")
def reference(reference_dir):
    return np.load(reference_dir / "aasist_reference.npz")


def logits_of(model, x: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]).numpy()[0]


def test_asvspoof_protocol_reproduces_the_reference(detector, reference):
    x = reference["input/x_64600_batch2"]
    logits = reference["AASIST/x_64600_batch2/logits"]
    for i in range(2):
        # The reference inputs are noise: the model's own verdict, without the speech check.
        result = detector.analyze(x[i], sample_rate=SR, protocol="asvspoof", find_speech=False)
        assert result.score == pytest.approx(float(logits[i, 1]), abs=1e-4)
        expected_p = float(torch.softmax(torch.from_numpy(logits[i]), 0)[0])
        assert result.spoof_probability == pytest.approx(expected_p, abs=5e-5)  # logits 1e-4 -> probability 5e-5
        assert result.verdict == ("spoof" if expected_p >= 0.5 else "bona fide")
        assert len(result.windows) == 1


def test_asvspoof_protocol_tiles_a_short_recording(detector, model, reference):
    x = reference["input/x_16000"][0]
    result = detector.analyze(x, sample_rate=SR, protocol="asvspoof")
    tiled = tile_to_length(x, WINDOW_SAMPLES)
    assert np.array_equal(tiled[16000:32000], x)  # repeated, not padded
    assert result.score == pytest.approx(float(logits_of(model, tiled)[1]), abs=1e-5)


def test_asvspoof_protocol_cuts_a_long_recording(detector, model, reference):
    x = reference["input/x_100000"][0]
    result = detector.analyze(x, sample_rate=SR, protocol="asvspoof")
    assert result.score == pytest.approx(float(logits_of(model, x[:WINDOW_SAMPLES])[1]), abs=1e-5)
    assert result.duration_s == pytest.approx(100000 / SR)


def test_window_geometry():
    g = WindowGeometry()
    assert g.starts(WINDOW_SAMPLES) == [0]
    assert g.starts(1000) == [0]
    n = 10 * SR
    assert g.starts(n) == [0, WINDOW_SAMPLES, n - WINDOW_SAMPLES]  # last window aligned to the end
    assert len(g.starts(60 * SR)) == 15
    half = WindowGeometry.with_hop_seconds(2.0)
    assert half.starts(n) == [0, 32000, 64000, n - WINDOW_SAMPLES]
    with pytest.raises(ValueError):
        WindowGeometry.with_hop_seconds(0)


def test_full_protocol_scores_every_window(detector, aasist_detector, model, reference):
    x = np.concatenate([reference["input/x_100000"][0], reference["input/x_64600_batch2"][1]])
    result = detector.analyze(x, sample_rate=SR)
    starts = WindowGeometry().starts(len(x))
    assert [w.start_s for w in result.windows] == [s / SR for s in starts]
    assert result.windows[-1].end_s == pytest.approx(len(x) / SR)
    per_window = np.stack([logits_of(model, x[s : s + WINDOW_SAMPLES]) for s in starts])
    margins = per_window[:, 0].astype(np.float64) - per_window[:, 1]
    np.testing.assert_allclose([w.score for w in result.windows], per_window[:, 1], atol=1e-4)
    # Aggregated in log-odds: the sigmoid of the mean spoof-minus-bona-fide margin.
    assert result.spoof_probability == pytest.approx(float(1 / (1 + np.exp(-np.mean(margins)))), abs=1e-4)
    np.testing.assert_allclose([w.spoof_probability for w in result.windows],
                               spoof_probability_from_logits(per_window), atol=1e-4)
    assert result.score == pytest.approx(float(np.mean(per_window[:, 1])), abs=1e-4)

    overlapping = aasist_detector.analyze(x, sample_rate=SR, hop_s=1.0)  # the default backend: no torch to compare
    assert len(overlapping.windows) > len(result.windows)


def test_batching_does_not_change_scores(model, reference):
    x = np.tile(reference["input/x_100000"][0], 2)  # 4 windows: one full batch of 3 and a partial one
    one = Detector(TorchBackend(model, "cpu"), batch_size=1).analyze(x, sample_rate=SR)
    many = Detector(TorchBackend(model, "cpu"), batch_size=3).analyze(x, sample_rate=SR)
    assert len(one.windows) == 4
    np.testing.assert_allclose([w.score for w in one.windows], [w.score for w in many.windows], atol=1e-4)


def test_attention_of_the_most_decisive_window(detector, reference):
    x = np.concatenate([reference["input/x_64600_batch2"][0], reference["input/x_64600_batch2"][1]])
    result = detector.analyze(x, sample_rate=SR, with_attention=True, find_speech=False)  # noise, as above
    assert result.verdict == "spoof" and result.speech is None
    att = result.attention
    # The second half is the reference utterance the model calls spoof with a logit margin of ~12.
    assert att.window_index == result.most_decisive_window == 1
    assert att.start_s == pytest.approx(WINDOW_SAMPLES / SR)
    np.testing.assert_allclose(att.spectral_map, reference["AASIST/x_64600_batch2/att/GAT_layer_S"][1], atol=1e-4)
    np.testing.assert_array_equal(att.kept_spectral, reference["AASIST/x_64600_batch2/att/pool_S:kept"][1])
    assert att.spectral_bands_hz.shape == (23, 2)
    assert att.temporal_map.shape == (29, 29)
    assert att.temporal_times_s[0, 0] == pytest.approx(att.start_s)
    assert att.temporal_times_s[1, 0] - att.temporal_times_s[0, 0] == pytest.approx(SAMPLES_PER_TEMPORAL_NODE / SR)
    hs1 = reference["AASIST/x_64600_batch2/att/pool_hS1:kept"][1]
    np.testing.assert_array_equal(att.branch_kept["spectral_1"], att.kept_spectral[hs1])
    # Both published checkpoints have uniform heterogeneous attention: nothing to draw.
    assert att.heterogeneous_uniform and att.heterogeneous_maps == {}
    as_dict = result.to_dict(include_attention=True)
    assert len(as_dict["attention"]["spectral"]["weight"]) == 23
    assert "attention" not in result.to_dict()


def test_perturbed_checkpoint_shows_heterogeneous_attention(reference_dir, reference):
    state = torch.load(reference_dir / "aasist_perturbed.pth", map_location="cpu", weights_only=True)
    detector = Detector(TorchBackend(AASIST.from_state_dict(state), "cpu"))
    result = detector.analyze(reference["input/x_16000"][0], sample_rate=SR, with_attention=True)
    assert not result.attention.heterogeneous_uniform
    assert set(result.attention.heterogeneous_maps) == {f"HtrgGAT_layer_ST{k}" for k in (11, 12, 21, 22)}


def test_files_and_arrays_at_other_rates_and_channels(aasist_detector, tmp_path, reference):
    x16 = reference["input/x_100000"][0]
    stereo_44k = np.stack([x16, x16], axis=1)
    path = tmp_path / "speech.wav"
    sf.write(path, stereo_44k, 16000, subtype="FLOAT")
    from_file = aasist_detector.analyze(path)
    from_array = aasist_detector.analyze(x16, sample_rate=SR)
    assert from_file.file == str(path) and from_array.file is None
    assert from_file.score == pytest.approx(from_array.score, abs=1e-4)
    assert from_file.sample_rate == 16000

    import torchaudio.functional as AF

    up = AF.resample(torch.from_numpy(x16), SR, 44100).numpy()
    resampled = aasist_detector.analyze(up, sample_rate=44100)
    assert resampled.sample_rate == 44100
    assert resampled.duration_s == pytest.approx(len(x16) / SR, abs=1e-3)
    # The same audio resampled up and back down: the model is sensitive to it, but not to the verdict.
    assert resampled.verdict == from_array.verdict
    assert abs(resampled.score - from_array.score) < 1.5


def test_too_short_is_a_clear_error(aasist_detector):
    with pytest.raises(AudioError, match="too short"):
        aasist_detector.analyze(np.zeros(MIN_SAMPLES - 1, dtype=np.float32), sample_rate=SR)


def test_short_recording_is_tiled_and_warned_about(aasist_detector, reference):
    result = aasist_detector.analyze(reference["input/x_16000"][0], sample_rate=SR)
    assert len(result.windows) == 1
    assert result.windows[0].end_s == pytest.approx(1.0)
    assert "too_short" in [w.code for w in result.warnings]


def test_result_dictionary(aasist_detector, reference):
    d = aasist_detector.analyze(reference["input/x_100000"][0], sample_rate=SR).to_dict()
    assert set(d) >= {"file", "model", "spoof_probability", "spoof_probability_meaningful", "score", "verdict",
                      "duration_s", "sample_rate", "speech", "windows", "warnings"}
    assert set(d["windows"][0]) == {"start_s", "end_s", "spoof_probability", "score", "speech_s"}
    assert set(d["speech"]) == {"seconds", "share", "regions"}
    assert d["verdict"] == "no_speech" and d["spoof_probability_meaningful"] is False  # the input is noise
    assert 0.0 <= d["spoof_probability"] <= 1.0
    without = aasist_detector.analyze(reference["input/x_100000"][0], sample_rate=SR, find_speech=False).to_dict()
    assert "speech" not in without and set(without["windows"][0]) == {"start_s", "end_s", "spoof_probability", "score"}
    assert without["verdict"] in ("spoof", "bona fide") and without["spoof_probability_meaningful"] is True


def test_unknown_protocol(aasist_detector):
    with pytest.raises(ValueError, match="protocol"):
        aasist_detector.analyze(np.zeros(SR * 3, dtype=np.float32), sample_rate=SR, protocol="first4")
