"""How well do the models do on your own labelled recordings? EER with a bootstrap interval, per model.

    from aasist import evaluate, labelled_files
    files = labelled_files(["my_set/"])                 # aasist.audio.labels: folders named for their label, or a CSV
    evaluation = evaluate(files, [Detector.from_pretrained("AASIST"), Detector.from_pretrained("AASIST-L")])
    evaluation.models[0].eer, evaluation.models[0].eer_ci95, evaluation.to_dict()

Each recording is decoded once and scored by every model. The EER is ``aasist.evaluation.metrics``' (the ASVspoof
definition), computed on the recordings' spoof probabilities (bona fide is the target class: its score is 1 - p).
Recordings that fail to decode are listed with their error, and recordings without speech (verdict ``no_speech``,
``aasist.audio.speech``) are listed apart: neither counts in the numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ..audio.labels import BONA_FIDE, SPOOF, EvaluationError, LabelledFile
from ..text import one_sentence
from . import metrics

DEMO_THRESHOLD = 0.5  # the demo's decision threshold on the spoof probability
BOOTSTRAP_ROUNDS = 1000
FEW_PER_CLASS = 20  # under this many recordings of a class the interval is wide, and the result says so

ProgressCallback = Callable[[int, int], None]


@dataclass
class FileScore:
    """One recording: its label, and each model's spoof probability, or the one sentence why it has none."""

    file: str
    label: str
    spoof_probability: dict = field(default_factory=dict)  # model -> spoof probability
    error: str = ""  # why it could not be scored (left out of the numbers)
    no_speech: bool = False  # no speech found: listed apart, left out of the numbers
    speech_s: Optional[float] = None
    duration_s: Optional[float] = None

    @property
    def counted(self) -> bool:
        return not self.error and not self.no_speech

    def to_dict(self) -> dict:
        data = {"file": self.file, "label": self.label}
        if self.error:
            data["error"] = self.error
            return data
        data["spoof_probability"] = {model: round(float(p), 6) for model, p in self.spoof_probability.items()}
        data["no_speech"] = self.no_speech
        if self.speech_s is not None:
            data["speech_s"] = round(self.speech_s, 3)
        if self.duration_s is not None:
            data["duration_s"] = round(self.duration_s, 4)
        return data


@dataclass
class ModelEvaluation:
    """One model on the counted recordings. Rates are in percent; ``threshold_at_eer`` is a spoof probability."""

    model: str
    eer: float
    eer_ci95: tuple  # (low, high), percent: bootstrap over recordings
    threshold_at_eer: float
    false_alarms_at_05: int  # bona fide recordings called spoof at the demo's threshold 0.5
    misses_at_05: int  # spoof recordings called bona fide at 0.5
    n_bonafide: int
    n_spoof: int
    bonafide_scores: np.ndarray = field(repr=False)  # spoof probabilities of the bona fide recordings
    spoof_scores: np.ndarray = field(repr=False)  # and of the spoof ones
    weights_sha256: Optional[str] = None
    architecture: Optional[str] = None
    # The EER threshold on the metric's own scores (1 - p): the counts below use it, since 1 - (1 - p) may round
    # past p and move the recording at the threshold to the other side.
    metric_threshold: Optional[float] = field(default=None, repr=False)

    @property
    def false_alarms_at_eer(self) -> int:
        """Bona fide recordings called spoof at the threshold of the EER (``metrics``: rejected when 1 - p <= t)."""
        return int(np.sum(1 - self.bonafide_scores <= self._t))

    @property
    def misses_at_eer(self) -> int:
        return int(np.sum(1 - self.spoof_scores > self._t))

    @property
    def _t(self) -> float:
        return 1 - self.threshold_at_eer if self.metric_threshold is None else self.metric_threshold

    @property
    def false_alarm_rate_at_05(self) -> float:
        return 100.0 * self.false_alarms_at_05 / self.n_bonafide

    @property
    def miss_rate_at_05(self) -> float:
        return 100.0 * self.misses_at_05 / self.n_spoof

    def det_curve(self) -> tuple:
        """(miss rate, false alarm rate, spoof-probability threshold), fractions, at every threshold (as
        ``metrics.compute_det_curve``): a miss is spoof called bona fide, a false alarm bona fide called spoof."""
        frr, far, thresholds = metrics.compute_det_curve(1 - self.bonafide_scores, 1 - self.spoof_scores)
        # bona fide rejected (frr) = false alarm; spoof accepted (far) = miss.
        return far, frr, 1 - thresholds

    def to_dict(self) -> dict:
        return {"model": self.model, "eer": round(self.eer, 4), "eer_ci95": [round(v, 4) for v in self.eer_ci95],
                "threshold_at_eer": round(self.threshold_at_eer, 6), "false_alarms_at_0.5": self.false_alarms_at_05,
                "misses_at_0.5": self.misses_at_05, "n_bonafide": self.n_bonafide, "n_spoof": self.n_spoof,
                "weights_sha256": self.weights_sha256}


def call_at_05(spoof_probability: float) -> str:
    """What the demo calls a recording at its threshold 0.5: ``SPOOF`` or ``BONA_FIDE``."""
    return SPOOF if spoof_probability >= DEMO_THRESHOLD else BONA_FIDE


@dataclass
class WrongCall:
    """A recording a model gets wrong, and by how much (the spoof probability's distance past the threshold 0.5)."""

    file: str
    label: str
    model: str
    spoof_probability: float

    @property
    def margin(self) -> float:
        p = self.spoof_probability
        return p - DEMO_THRESHOLD if self.label == BONA_FIDE else DEMO_THRESHOLD - p

    @property
    def called(self) -> str:
        """What the demo called it at 0.5 (the other label)."""
        return call_at_05(self.spoof_probability)


@dataclass
class Evaluation:
    models: list  # ModelEvaluation, in the order of the detectors
    files: list  # FileScore, in the order given
    created: str  # ISO 8601 date and time (UTC)
    bootstrap_rounds: int
    seed: int

    @property
    def counted_files(self) -> list:
        return [f for f in self.files if f.counted]

    @property
    def failed_files(self) -> list:
        return [f for f in self.files if f.error]

    @property
    def no_speech_files(self) -> list:
        return [f for f in self.files if not f.error and f.no_speech]

    def most_wrong(self, n: int = 10) -> list:
        """The ``n`` worst calls at the threshold 0.5 over all models, most wrong first (``WrongCall``)."""
        wrong = [WrongCall(f.file, f.label, model, float(p)) for f in self.counted_files
                 for model, p in f.spoof_probability.items()
                 if call_at_05(p) != f.label]
        return sorted(wrong, key=lambda w: -w.margin)[:n]

    def to_dict(self) -> dict:
        return {"created": self.created, "bootstrap_rounds": self.bootstrap_rounds, "seed": self.seed,
                "models": [m.to_dict() for m in self.models], "files": [f.to_dict() for f in self.files]}


# --- scoring and numbers ------------------------------------------------------------------------------------------


def evaluate(files: Sequence[LabelledFile], detectors: Sequence, progress: Optional[ProgressCallback] = None,
             bootstrap_rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> Evaluation:
    """Score every recording with every detector (decoded once, speech found once) and compute each model's numbers.

    ``progress(done, total)`` after each recording. Raises ``EvaluationError`` when, after leaving out the files
    that failed and those without speech, a class has no recording left.
    """
    from ..audio.decoding import load_audio

    scores = []
    for done, item in enumerate(files, 1):
        score = FileScore(item.path, item.label)
        try:
            audio = load_audio(item.path)
            main = detectors[0].analyze(audio)
            score.duration_s, score.no_speech = float(main.duration_s), main.no_speech
            score.speech_s = None if main.speech is None else float(main.speech.seconds)
            score.spoof_probability[main.model] = float(main.spoof_probability)
            for detector in detectors[1:]:
                other = detector.analyze(audio, speech=main.speech)
                score.spoof_probability[other.model] = float(other.spoof_probability)
        except Exception as error:  # decoding errors are one user-facing sentence; anything else is named
            score = FileScore(item.path, item.label, error=one_sentence(error))
        scores.append(score)
        if progress is not None:
            progress(done, len(files))
    return evaluation_of(scores, detectors, bootstrap_rounds, seed)


def evaluation_of(scores: list, detectors: Sequence, bootstrap_rounds: int = BOOTSTRAP_ROUNDS,
                  seed: int = 0) -> Evaluation:
    """The numbers of scored recordings (``FileScore``) for each detector's model."""
    counted = [s for s in scores if s.counted]
    n_bonafide = sum(s.label == BONA_FIDE for s in counted)
    n_spoof = len(counted) - n_bonafide
    if n_bonafide == 0 or n_spoof == 0:
        missing = "bona fide" if n_bonafide == 0 else "spoof"
        raise EvaluationError(f"No {missing} recording could be scored (of {len(scores)}: "
                              f"{sum(bool(s.error) for s in scores)} failed, "
                              f"{sum(s.no_speech and not s.error for s in scores)} without speech); an EER needs "
                              "both classes.")
    models = []
    for detector in detectors:
        name = detector.model_name
        bonafide = np.array([s.spoof_probability[name] for s in counted if s.label == BONA_FIDE], np.float64)
        spoof = np.array([s.spoof_probability[name] for s in counted if s.label == SPOOF], np.float64)
        models.append(model_evaluation(name, bonafide, spoof, bootstrap_rounds, seed,
                                       weights_sha256=getattr(detector.checkpoint, "sha256", None),
                                       architecture=getattr(detector, "architecture", None)))
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    return Evaluation(models, list(scores), created, bootstrap_rounds, seed)


def model_evaluation(model: str, bonafide: np.ndarray, spoof: np.ndarray, bootstrap_rounds: int = BOOTSTRAP_ROUNDS,
                     seed: int = 0, weights_sha256: Optional[str] = None,
                     architecture: Optional[str] = None) -> ModelEvaluation:
    """One model's numbers from the spoof probabilities of the bona fide and the spoof recordings."""
    eer, threshold = metrics.compute_eer(1 - bonafide, 1 - spoof)
    return ModelEvaluation(
        model=model, eer=100 * eer, eer_ci95=eer_interval(bonafide, spoof, bootstrap_rounds, seed),
        threshold_at_eer=float(1 - threshold),
        false_alarms_at_05=int(np.sum(bonafide >= DEMO_THRESHOLD)), misses_at_05=int(np.sum(spoof < DEMO_THRESHOLD)),
        n_bonafide=len(bonafide), n_spoof=len(spoof), bonafide_scores=bonafide, spoof_scores=spoof,
        weights_sha256=weights_sha256, architecture=architecture, metric_threshold=float(threshold))


def eer_interval(bonafide: np.ndarray, spoof: np.ndarray, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> tuple:
    """95 % percentile interval of the EER (percent) over ``rounds`` bootstrap resamples of the recordings, each class
    resampled with replacement to its own size (so that every resample has both classes), seeded."""
    rng = np.random.default_rng(seed)
    eers = np.empty(rounds)
    for i in range(rounds):
        b = bonafide[rng.integers(0, len(bonafide), len(bonafide))]
        s = spoof[rng.integers(0, len(spoof), len(spoof))]
        eers[i] = metrics.compute_eer(1 - b, 1 - s)[0]
    low, high = np.percentile(eers * 100, [2.5, 97.5])
    return float(low), float(high)
