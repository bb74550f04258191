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
    from aasist.audio.decoding import load_audio

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


# --- the "Recommended" choice: AntiDeepfake-Small's verdict, AASIST's beside it -------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "assets" / "examples" / "real_arctic_awb_a0007.wav"


def test_offline_the_recommended_choice_gives_aasist_and_says_once_why(monkeypatch, weights_dir, onnx_cache_dir,
                                                                       tmp_path):
    """No Hub and no local copy of AntiDeepfake-Small: the fetch fails with one sentence, the status line says it
    (and no more "fetching"), and the default choice gives AASIST's verdict with that notice, nothing beside it."""
    from webapp.settings import RECOMMENDED
    from webapp.views import model_status_html

    for key, value in {"AASIST_WEIGHTS_DIR": str(weights_dir), "AASIST_CACHE_DIR": onnx_cache_dir,
                       "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}.items():
        monkeypatch.setenv(key, value)
    pool = ModelPool(recommended="AntiDeepfake-Small")
    assert pool.default_choice == RECOMMENDED and pool.choices()[0] == ("Recommended: AntiDeepfake-Small", RECOMMENDED)
    pool.startup.begin()
    pool.startup.finish()  # (the default model's part of the startup, done)
    assert pool.loading_state().state == "fetching"
    pool._fetch_recommended()
    state = pool.loading_state()
    assert state.state == "unavailable" and pool.fetch.state == "failed"
    assert state.error.startswith("Verdicts are AASIST's: AntiDeepfake-Small, the stronger model, needs the Hugging "
                                  "Face Hub, and it could not be fetched (")
    assert "\n" not in state.error and state.error.count(". ") <= 1, state.error
    assert 'data-state="unavailable"' in model_status_html(state)
    plan = pool.plan(RECOMMENDED)
    assert (plan.model, plan.beside, plan.notice) == ("AASIST", None, state.error)
    assert pool.plan("AASIST") == type(plan)("AASIST")  # a model chosen by name: no notice


def test_the_recommended_choice_gives_antideepfakes_verdict_with_aasists_beside(model_env, monkeypatch):
    """Once AntiDeepfake-Small is loaded (here the reduced reference, made with the authors' code), the default choice
    gives its verdict, and AASIST's result, with its attention, comes beside it: in the API's dictionary and on the
    verdict card, with one sentence saying whether they agree."""
    from webapp.analysis_tab import AnalysisTab
    from webapp.settings import RECOMMENDED
    from webapp.views import verdict_html

    for key, value in model_env.items():
        monkeypatch.setenv(key, value)
    pool = ModelPool(recommended="AntiDeepfake-Small")
    pool.get("AntiDeepfake-Small")
    plan = pool.plan(RECOMMENDED)
    assert (plan.model, plan.beside, plan.notice) == ("AntiDeepfake-Small", "AASIST", "")
    assert pool.plan("AntiDeepfake-Small") == plan  # chosen by name: the same
    data = AnalysisTab(pool).analyze(str(EXAMPLE), RECOMMENDED, "full", include_attention=True)
    assert data["model"] == "AntiDeepfake-Small" and "notice" not in data
    beside = data["beside"]
    assert beside["model"] == "AASIST" and beside["attention"]["window_index"] >= 0
    assert 0 <= beside["spoof_probability"] <= 1 and beside["verdict"] in ("bona fide", "spoof")

    from aasist.audio.decoding import load_audio

    audio = load_audio(EXAMPLE)
    result = pool.analyze(audio, plan.model, "full", with_attention=True)
    pool.add_beside(result, audio, plan.beside)
    card = verdict_html(result)
    agree = result.beside.verdict == result.verdict
    assert f'class="verdict-beside" data-model="AASIST" data-agree="{str(agree).lower()}"' in card
    assert ("AASIST, run beside it, agrees" if agree else "AASIST, run beside it, disagrees") in card


def test_the_disagreement_sentence_names_the_evidence_with_its_numbers():
    from types import SimpleNamespace

    from aasist.views.present import beside_text

    aasist = SimpleNamespace(model="AASIST", verdict="bona fide", spoof_probability=0.12)
    result = SimpleNamespace(model="AntiDeepfake-Small", verdict="spoof", spoof_probability=0.91, beside=aasist)
    assert beside_text(result) == (
        "AASIST, run beside it, disagrees (bona fide, 12 % spoof probability); the published evidence favours "
        "AntiDeepfake-Small, with an equal error rate of 5.31 % on In-the-Wild (real-world deepfakes) against "
        "AASIST's 43.01 %, and it learnt from about 74,000 hours of real and synthetic speech in many corpora and "
        "languages, AASIST from ASVspoof 2019 LA.")
    aasist.verdict = "spoof"
    assert beside_text(result) == "AASIST, run beside it, agrees (spoof, 12 % spoof probability)."
    result.verdict = "no_speech"
    assert beside_text(result) is None
