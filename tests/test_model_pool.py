"""webapp.model_pool.ModelPool without a server: models loaded on demand, and what a failed loading leaves."""

from __future__ import annotations

import time

from webapp.model_pool import ModelPool
from webapp.settings import MODELS, ON_DEMAND_MODELS


def test_rawnet2_is_on_demand_and_not_loaded_at_startup():
    assert ON_DEMAND_MODELS == ("RawNet2", "W2V2-AASIST") and MODELS[:2] == ("AASIST", "AASIST-L")
    pool = ModelPool()
    assert pool.on_demand == ["RawNet2", "W2V2-AASIST"]
    assert pool.others("AASIST") == ["AASIST-L", "RawNet2", "W2V2-AASIST"]
    # A comparison fetches RawNet2 (70.5 MB) but not W2V2-AASIST (1.27 GB): only choosing it does.
    assert pool.fetched_to_compare("RawNet2") and not pool.fetched_to_compare("W2V2-AASIST")


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
