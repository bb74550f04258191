"""Model agreement: the same recording scored by several models, and a caution when their verdicts differ.

    from aasist.inference.pipeline import Pipeline
    result = Pipeline([Detector.from_pretrained("AASIST"), Detector.from_pretrained("AASIST-L")]).analyze("speech.wav")
    result.agreement.agree, result.agreement.message    # the first model's result, with the agreement attached

The two published models were trained on the same data, so agreement is no proof; disagreement, though, shows the
verdict hangs on details of one model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from .detector import DetectionResult


@dataclass(frozen=True)
class ModelVerdict:
    model: str
    spoof_probability: float
    verdict: str

    def to_dict(self) -> dict:
        return {"model": self.model, "spoof_probability": round(float(self.spoof_probability), 6),
                "verdict": self.verdict}


@dataclass(frozen=True)
class ModelAgreement:
    models: list  # ModelVerdict, the main model first
    unavailable: dict = field(default_factory=dict)  # model -> one sentence: why it could not score the recording

    @property
    def agree(self) -> bool:
        return len({m.verdict for m in self.models}) <= 1

    @property
    def message(self) -> Optional[str]:
        """One sentence of caution when the models disagree; None when they agree."""
        if self.agree:
            return None
        said = [f"{m.model} says {m.verdict} ({m.spoof_probability:.2f})" for m in self.models]
        listed = said[0] + " and " + said[1] if len(said) == 2 else ", ".join(said[:-1]) + " and " + said[-1]
        who = "The two models" if len(said) == 2 else "The models"
        return f"{who} disagree: {listed}, so treat this verdict with extra caution."

    def to_dict(self) -> dict:
        data = {"models": [m.to_dict() for m in self.models], "agree": self.agree, "message": self.message}
        if self.unavailable:
            data["unavailable"] = [{"model": m, "error": e} for m, e in self.unavailable.items()]
        return data


def model_agreement(results: Sequence[DetectionResult], unavailable: Optional[dict] = None) -> ModelAgreement:
    """The agreement of results that several models gave for the same recording (the main one first);
    ``unavailable``: the models that could not score it, with why."""
    return ModelAgreement([ModelVerdict(r.model, float(r.spoof_probability), r.verdict) for r in results],
                          dict(unavailable or {}))

