"""webapp.model_pool.ModelPool without a server: models loaded on demand, and what a failed loading leaves."""

from __future__ import annotations

import time

from webapp.model_pool import ModelPool
from webapp.settings import MODELS, ON_DEMAND_MODELS


def test_rawnet2_is_on_demand_and_not_loaded_at_startup():
    assert ON_DEMAND_MODELS == ("RawNet2",) and MODELS[:2] == ("AASIST", "AASIST-L")
    pool = ModelPool()
    assert pool.on_demand == ["RawNet2"] and pool.others("AASIST") == ["AASIST-L", "RawNet2"]


def test_a_model_that_cannot_load_says_why_and_is_not_retried_in_a_loop():
    missing = "./no-such-checkpoint.pth"
    pool = ModelPool(models=["AASIST", missing], on_demand=[missing])
    assert pool.loaded(missing) is None  # starts loading it in the background
    deadline = time.monotonic() + 30
    while pool.load_error(missing) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "no file or folder" in pool.load_error(missing)
    assert pool.loaded(missing) is None and "no file or folder" in pool.load_error(missing)  # no new attempt
