"""EER and min t-DCF against the values the authors' evaluation code printed for tests/data/reference/tdcf/."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aasist.evaluation import metrics
from aasist.evaluation.protocols import ProtocolFileError

CASES = ("easy", "hard", "tiny")


@pytest.fixture(scope="module")
def expected(reference_dir):
    return json.loads((reference_dir / "tdcf" / "expected.json").read_text())


@pytest.mark.parametrize("case", CASES)
def test_eer_and_min_tdcf_match_authors_code(case, expected, reference_dir):
    want = expected[case]
    tdcf_dir = reference_dir / "tdcf"
    result = metrics.evaluate_score_files(tdcf_dir / want["cm_scores"], tdcf_dir / want["asv_scores"])
    assert result.eer_percent == pytest.approx(want["eer_percent"], rel=1e-9, abs=1e-12)
    assert result.min_tdcf == pytest.approx(want["min_tdcf"], rel=1e-9, abs=1e-12)


def test_all_reference_cases_are_covered(expected):
    assert set(expected) == set(CASES)


def test_score_file_readers(reference_dir):
    cm = metrics.read_cm_scores(reference_dir / "tdcf" / "tiny.cm_scores.txt")
    assert len(cm.utterances) == len(cm.scores) == len(cm.attacks)
    assert set(cm.keys.tolist()) == {"bonafide", "spoof"}
    assert all(a == "-" for a, k in zip(cm.attacks, cm.keys) if k == "bonafide")
    asv = metrics.read_asv_scores(reference_dir / "tdcf" / "tiny.asv_scores.txt")
    assert {"target", "nontarget", "spoof"} <= set(asv.keys.tolist())


def test_eer_simple_cases():
    assert metrics.eer_percent([1.0, 2.0, 3.0], [-1.0, -2.0]) == 0.0
    assert metrics.eer_percent([-1.0, -2.0], [1.0, 2.0, 3.0]) == 100.0
    # one bona fide below one spoof of four: miss 1/4 and false alarm 1/4 meet at 25 %
    assert metrics.eer_percent([0.5, 2, 3, 4], [-1, -2, -3, 1]) == pytest.approx(25.0)


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(metrics.MetricError):
        metrics.eer_percent([], [1.0])
    bad = tmp_path / "bad.txt"
    bad.write_text("LA_E_1 - bonafide\n")
    with pytest.raises(ProtocolFileError, match="line 1: a CM score file line has 4 columns"):
        metrics.read_cm_scores(bad)
    bad.write_text("LA_E_1 - maybe 0.3\n")
    with pytest.raises(ProtocolFileError, match="the key is 'maybe', expected 'bonafide' or 'spoof'"):
        metrics.read_cm_scores(bad)
    bad.write_text("LA_E_1 - bonafide high\n")
    with pytest.raises(ProtocolFileError, match="the score 'high' is not a number"):
        metrics.read_cm_scores(bad)
    bad.write_text("LA_0001 impostor 1.5\n")
    with pytest.raises(ProtocolFileError, match="the key is 'impostor'"):
        metrics.read_asv_scores(bad)
    with pytest.raises(metrics.MetricError, match="soft"):
        asv = metrics.ASVScores(np.array(["target", "nontarget", "spoof"]), np.array([1.0, 0.0, 0.5]))
        metrics.min_tdcf([1.0, 1.0], [0.0, 0.0], asv)
