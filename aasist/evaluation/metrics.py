"""EER and the ASVspoof 2019 min t-DCF, computed exactly as the challenge's (and the AASIST authors') evaluation code.

The DET curve puts a threshold at every pooled score (plus one just below the lowest); the EER is the mean of the
miss and false-alarm rates where their difference is smallest (first such point), and the ASV operating point of the
t-DCF is the ASV system's own EER threshold. ``tests/test_metrics.py`` checks these against values that the authors'
code printed for the score files in ``tests/data/reference/tdcf/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .protocols import read_columns

PathLike = Union[str, Path]

# ASVspoof 2019 t-DCF cost model (evaluation plan, and the authors' evaluation.py).
P_SPOOF = 0.05
COST_MODEL = {
    "Pspoof": P_SPOOF,  # prior of a spoofing attack
    "Ptar": (1 - P_SPOOF) * 0.99,  # prior of a target speaker
    "Pnon": (1 - P_SPOOF) * 0.01,  # prior of a non-target speaker
    "Cmiss_asv": 1,  # ASV falsely rejecting a target speaker
    "Cfa_asv": 10,  # ASV falsely accepting a non-target speaker
    "Cmiss_cm": 1,  # CM falsely rejecting a bona fide trial
    "Cfa_cm": 10,  # CM falsely accepting a spoof
}


class MetricError(ValueError):
    """The scores cannot give the requested metric (for example no bona fide trial, or NaN scores)."""


def compute_det_curve(target_scores, nontarget_scores) -> tuple:
    """(frr, far, thresholds) with a threshold just below the lowest score and then at every sorted score.

    A trial counts as rejected at threshold t when its score is <= t (the sort is stable, targets first on ties).
    """
    target_scores = np.asarray(target_scores, dtype=np.float64)
    nontarget_scores = np.asarray(nontarget_scores, dtype=np.float64)
    if target_scores.size == 0 or nontarget_scores.size == 0:
        raise MetricError("an error rate needs at least one score of each class.")
    n_scores = target_scores.size + nontarget_scores.size
    all_scores = np.concatenate((target_scores, nontarget_scores))
    labels = np.concatenate((np.ones(target_scores.size), np.zeros(nontarget_scores.size)))

    indices = np.argsort(all_scores, kind="mergesort")
    labels = labels[indices]
    tar_trial_sums = np.cumsum(labels)
    nontarget_trial_sums = nontarget_scores.size - (np.arange(1, n_scores + 1) - tar_trial_sums)

    frr = np.concatenate((np.atleast_1d(0), tar_trial_sums / target_scores.size))
    far = np.concatenate((np.atleast_1d(1), nontarget_trial_sums / nontarget_scores.size))
    thresholds = np.concatenate((np.atleast_1d(all_scores[indices[0]] - 0.001), all_scores[indices]))
    return frr, far, thresholds


def compute_eer(target_scores, nontarget_scores) -> tuple:
    """(EER as a fraction in 0..1, threshold at the EER point)."""
    frr, far, thresholds = compute_det_curve(target_scores, nontarget_scores)
    min_index = np.argmin(np.abs(frr - far))
    eer = np.mean((frr[min_index], far[min_index]))
    return float(eer), float(thresholds[min_index])


def obtain_asv_error_rates(tar_asv, non_asv, spoof_asv, asv_threshold: float) -> tuple:
    """(Pfa_asv, Pmiss_asv, Pmiss_spoof_asv) at ``asv_threshold`` (accept when score >= threshold)."""
    tar_asv, non_asv, spoof_asv = (np.asarray(a, dtype=np.float64) for a in (tar_asv, non_asv, spoof_asv))
    pfa_asv = np.sum(non_asv >= asv_threshold) / non_asv.size
    pmiss_asv = np.sum(tar_asv < asv_threshold) / tar_asv.size
    pmiss_spoof_asv = None if spoof_asv.size == 0 else np.sum(spoof_asv < asv_threshold) / spoof_asv.size
    return pfa_asv, pmiss_asv, pmiss_spoof_asv


def compute_tdcf_curve(bonafide_cm, spoof_cm, pfa_asv, pmiss_asv, pmiss_spoof_asv, cost_model=COST_MODEL) -> tuple:
    """(normalised t-DCF at every CM threshold, thresholds), ASVspoof 2019 definition."""
    if pmiss_spoof_asv is None:
        raise MetricError("the t-DCF needs ASV scores of spoofed trials ('spoof' lines in the ASV score file).")
    combined = np.concatenate((np.asarray(bonafide_cm, np.float64), np.asarray(spoof_cm, np.float64)))
    if not np.all(np.isfinite(combined)):
        raise MetricError("the CM scores contain NaN or infinity.")
    if np.unique(combined).size < 3:
        raise MetricError("the t-DCF needs soft CM scores, not binary decisions (fewer than 3 distinct scores).")

    pmiss_cm, pfa_cm, thresholds = compute_det_curve(bonafide_cm, spoof_cm)
    c1 = cost_model["Ptar"] * (cost_model["Cmiss_cm"] - cost_model["Cmiss_asv"] * pmiss_asv) - (
        cost_model["Pnon"] * cost_model["Cfa_asv"] * pfa_asv
    )
    c2 = cost_model["Cfa_cm"] * cost_model["Pspoof"] * (1 - pmiss_spoof_asv)
    if c1 < 0 or c2 < 0:
        raise MetricError("the t-DCF weights are negative: the ASV scores are not those of a reasonable system.")
    tdcf = c1 * pmiss_cm + c2 * pfa_cm
    return tdcf / np.minimum(c1, c2), thresholds


@dataclass(frozen=True)
class CMScores:
    """A countermeasure score file: one trial per line, ``utterance attack key score``."""

    utterances: list
    attacks: list
    keys: np.ndarray  # "bonafide" or "spoof"
    scores: np.ndarray  # float64, higher = more bona fide

    @property
    def bonafide(self) -> np.ndarray:
        return self.scores[self.keys == "bonafide"]

    @property
    def spoof(self) -> np.ndarray:
        return self.scores[self.keys == "spoof"]


@dataclass(frozen=True)
class ASVScores:
    """An ASV score file: ``source key score`` per line, key ``target``, ``nontarget`` or ``spoof``."""

    keys: np.ndarray
    scores: np.ndarray

    def of(self, key: str) -> np.ndarray:
        return self.scores[self.keys == key]


def read_cm_scores(path: PathLike) -> CMScores:
    """A CM score file (``utterance attack key score``); ``ProtocolFileError`` names a missing file or a bad line."""
    rows = read_columns(path, ("utterance", "attack", "key", "score"), "CM score file",
                        choices={"key": ("bonafide", "spoof")}, numeric=("score",))
    return CMScores(
        utterances=[r[0] for r in rows],
        attacks=[r[1] for r in rows],
        keys=np.array([r[2] for r in rows]),
        scores=np.array([float(r[3]) for r in rows], dtype=np.float64),
    )


def read_asv_scores(path: PathLike) -> ASVScores:
    """An ASV score file (``source key score``, key ``target``, ``nontarget`` or ``spoof``)."""
    rows = read_columns(path, ("source", "key", "score"), "ASV score file",
                        choices={"key": ("target", "nontarget", "spoof")}, numeric=("score",))
    return ASVScores(keys=np.array([r[1] for r in rows]), scores=np.array([float(r[2]) for r in rows]))


def eer_percent(bonafide_scores, spoof_scores) -> float:
    """Equal error rate in percent."""
    return compute_eer(bonafide_scores, spoof_scores)[0] * 100


def min_tdcf(bonafide_cm, spoof_cm, asv: ASVScores) -> float:
    """ASVspoof 2019 minimum normalised t-DCF of a CM, with the ASV system fixed at its own EER threshold."""
    tar_asv, non_asv, spoof_asv = asv.of("target"), asv.of("nontarget"), asv.of("spoof")
    _, asv_threshold = compute_eer(tar_asv, non_asv)
    pfa_asv, pmiss_asv, pmiss_spoof_asv = obtain_asv_error_rates(tar_asv, non_asv, spoof_asv, asv_threshold)
    curve, _ = compute_tdcf_curve(bonafide_cm, spoof_cm, pfa_asv, pmiss_asv, pmiss_spoof_asv)
    return float(curve[np.argmin(curve)])


@dataclass(frozen=True)
class Evaluation:
    eer_percent: float
    min_tdcf: Optional[float]
    eer_per_attack: dict  # attack id -> EER (%) of the bona fide trials against that attack alone

    def summary(self) -> str:
        text = f"EER: {self.eer_percent:.4f} %"
        if self.min_tdcf is not None:
            text += f"  min t-DCF: {self.min_tdcf:.6f}"
        return text


def evaluate_scores(cm: CMScores, asv: Optional[ASVScores] = None) -> Evaluation:
    """EER (%), per-attack EER and, given the ASV scores, min t-DCF of a CM score set."""
    bona, spoof = cm.bonafide, cm.spoof
    attacks = np.array(cm.attacks)
    per_attack = {
        a: eer_percent(bona, cm.scores[(attacks == a) & (cm.keys == "spoof")])
        for a in sorted(set(attacks[cm.keys == "spoof"].tolist()))
    }
    return Evaluation(
        eer_percent=eer_percent(bona, spoof),
        min_tdcf=None if asv is None else min_tdcf(bona, spoof, asv),
        eer_per_attack=per_attack,
    )


def evaluate_score_files(cm_path: PathLike, asv_path: Optional[PathLike] = None) -> Evaluation:
    return evaluate_scores(read_cm_scores(cm_path), None if asv_path is None else read_asv_scores(asv_path))
