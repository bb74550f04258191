"""webapp.model_pool.ModelPool without a server: models loaded on demand, and what a failed loading leaves."""

from __future__ import annotations

import time
from pathlib import Path

from webapp.model_pool import ModelPool
from webapp.settings import MODELS, ON_DEMAND_MODELS


def test_rawnet2_is_on_demand_and_not_loaded_at_startup():
    large = ["W2V2-AASIST", "AntiDeepfake-Small", "AntiDeepfake-Large-NDA"]
    assert ON_DEMAND_MODELS == ("RawNet2", *large) and MODELS[:2] == ("AASIST", "AASIST-L")
    pool = ModelPool()
    assert pool.on_demand == ["RawNet2", *large]
    assert pool.others("AASIST") == ["AASIST-L", "RawNet2", *large]
    # A comparison fetches RawNet2 (70.5 MB) but not W2V2-AASIST (1.27 GB) nor AntiDeepfake (380 MB, 1.27 GB): only
    # choosing them does.
    assert pool.fetched_to_compare("RawNet2") and not any(pool.fetched_to_compare(name) for name in large)


def test_a_model_that_cannot_load_says_why_and_is_not_retried_in_a_loop():
    missing = "./no-such-checkpoint.pth"
    pool = ModelPool(models=["AASIST", missing], on_demand=[missing])
    assert pool.loaded(missing) is None  # starts loading it in the background
    deadline = time.monotonic() + 30
    while pool.load_error(missing) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "no file or folder" in pool.load_error(missing)
    assert pool.loaded(missing) is None and "no file or folder" in pool.load_error(missing)  # no new attempt


def test_the_live_monitor_offers_w2v2_aasist_only_at_hops_it_keeps_up_with():
    import gradio as gr
    import pytest

    from webapp.live_tab import LiveTab

    tab = LiveTab(ModelPool(on_demand=MODELS))  # nothing is loaded: the refusal comes first
    with pytest.raises(gr.Error, match="every 2 s or less often"):
        tab.start("W2V2-AASIST", 0.95, 1.0)


def test_a_comparison_loads_each_model_once_and_says_why_one_is_missing(monkeypatch, weights_dir, onnx_cache_dir):
    from aasist.audio import load_audio

    monkeypatch.setenv("AASIST_WEIGHTS_DIR", str(weights_dir))
    monkeypatch.setenv("AASIST_CACHE_DIR", onnx_cache_dir)
    missing = "./no-such-checkpoint.pth"
    pool = ModelPool(models=["AASIST", missing], on_demand=[missing])
    audio = load_audio(Path(__file__).resolve().parents[1] / "assets" / "examples" / "real_arctic_awb_a0007.wav")
    result = pool.analyze(audio, "AASIST", "full")
    loading = []
    pool.add_agreement(result, audio, on_load=lambda model: loading.append(model))
    assert loading == [missing]  # announced once, loaded once (not fetched first and again by the comparison)
    assert [m.model for m in result.agreement.models] == ["AASIST"]
    assert "no file or folder" in result.agreement.unavailable[missing]
