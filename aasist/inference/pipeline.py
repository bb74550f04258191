"""Composition: one recording through several models and the robustness check, in stages.

``Detector`` is the inference object (a recording in, one model's result out), like pyannote.audio's
``Inference``; ``Pipeline`` puts detectors together, like pyannote's ``Pipeline``: the first detector gives the
result, the others its model agreement (``aasist.inference.agreement``), and the robustness check
(``aasist.inference.robustness``) re-scores it under benign edits.

    from aasist.inference.pipeline import Pipeline
    pipeline = Pipeline([Detector.from_pretrained("AASIST"), Detector.from_pretrained("AASIST-L")])
    result = pipeline.analyze("speech.wav", robustness=True)
    result.agreement.agree, result.robustness.stable

Without speech (verdict ``no_speech``) the other models and the robustness check are not run: there is nothing
for them to judge, and ``result.agreement`` / ``result.robustness`` stay None.

The stages can also be run one by one (the web page shows the verdict before the others are done): ``score``,
then ``add_agreement`` and ``add_robustness``. Progress comes per stage (``StageProgress``): its name, and how many
of its steps are done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from .agreement import model_agreement
import numpy as np

from ..audio.decoding import Audio, load_audio
from .detector import DetectionResult, Detector, _as_audio

# The stages, in the order they run; each counts its own steps.
WINDOWS = "windows"  # the main model scores the recording's windows
OTHER_MODELS = "other_models"  # each other model scores the recording (one step a model)
BESIDE = "beside"  # the model shown beside the verdict scores the recording (one step)
ROBUSTNESS = "robustness"  # the main model re-scores each benign edit (one step an edit)


@dataclass(frozen=True)
class StageProgress:
    stage: str  # WINDOWS, OTHER_MODELS or ROBUSTNESS
    done: int
    total: int


StageCallback = Callable[[StageProgress], None]


class Pipeline:
    """The first detector's result, with the agreement of the others and, when asked, the robustness check.

    ``protocol`` and ``hop_s`` are how every model scores the recording (see ``Detector.analyze``).
    """

    def __init__(self, detectors: Sequence[Detector], protocol: str = "full", hop_s: Optional[float] = None):
        if not detectors:
            raise ValueError("A Pipeline needs at least one detector.")
        self.detectors = list(detectors)
        self.protocol = protocol
        self.hop_s = hop_s

    @property
    def main(self) -> Detector:
        return self.detectors[0]

    def analyze(self, source, sample_rate: Optional[int] = None, *, with_attention: bool = False,
                robustness: bool = False, progress: Optional[StageCallback] = None) -> DetectionResult:
        """Every stage for ``source`` (a path, bytes, an ``Audio``, or an array with ``sample_rate``), decoded once.

        The result has ``.agreement`` when the pipeline has two or more detectors, ``.robustness`` with
        ``robustness=True``; ``.file`` is ``source`` when it is a path.
        """
        # A file is not decoded here: each model reads it block by block (bounded memory at any length), and the
        # robustness check decodes only the part it checks.
        audio = _as_audio(source, sample_rate) if isinstance(source, np.ndarray) else source
        result = self.score(audio, with_attention=with_attention, progress=progress)
        result.file = str(source) if isinstance(source, (str, Path)) else None
        if len(self.detectors) > 1:
            self.add_agreement(result, audio, progress=progress)
        if robustness:
            self.add_robustness(result, audio, progress=progress)
        return result

    def score(self, audio, *, with_attention: bool = False,
              progress: Optional[StageCallback] = None) -> DetectionResult:
        """The main model's result for a decoded ``Audio`` or a file (stage ``WINDOWS``)."""
        on_windows = None if progress is None else _reporter(progress, WINDOWS)
        return self.main.analyze(audio, protocol=self.protocol, hop_s=self.hop_s, with_attention=with_attention,
                                 progress=on_windows)

    def add_agreement(self, result: DetectionResult, audio, progress: Optional[StageCallback] = None,
                      unavailable: Optional[dict] = None) -> None:
        """Score ``audio`` with the other models (no attention) and attach the agreement of all (stage
        ``OTHER_MODELS``); ``unavailable``: models that could not be loaded (name -> why), said with it. Nothing
        without speech."""
        if result.no_speech:
            return
        others = self.detectors[1:]
        report = None if progress is None else _reporter(progress, OTHER_MODELS)
        scored = []
        for detector in others:
            if report is not None:
                report(len(scored), len(others))
            scored.append(detector.analyze(audio, protocol=self.protocol, hop_s=self.hop_s, speech=result.speech))
        if report is not None:
            report(len(scored), len(others))
        result.agreement = model_agreement([result, *scored], unavailable)

    def add_beside(self, result: DetectionResult, audio, beside: Detector,
                   progress: Optional[StageCallback] = None) -> None:
        """Score ``audio`` with ``beside`` too, with its attention, and attach its result as ``result.beside`` (stage
        ``BESIDE``): the page shows AASIST's answer and attention beside a stronger model's verdict. Nothing without
        speech."""
        if result.no_speech:
            return
        report = None if progress is None else _reporter(progress, BESIDE)
        if report is not None:
            report(0, 1)
        result.beside = beside.analyze(audio, protocol=self.protocol, hop_s=self.hop_s, with_attention=True,
                                       speech=result.speech)
        if report is not None:
            report(1, 1)

    def add_robustness(self, result: DetectionResult, audio, progress: Optional[StageCallback] = None) -> None:
        """Re-score ``audio`` with the main model under the benign edits and attach the check (stage
        ``ROBUSTNESS``). Nothing without speech."""
        if result.no_speech:
            return
        from .robustness import EDITS, MAX_CHECK_S, check_robustness

        report = None if progress is None else _reporter(progress, ROBUSTNESS)
        if report is not None:
            report(0, len(EDITS))
        from ..models.registry import registered

        model = registered(self.main.model_name)
        limit = model.robustness_max_s if model is not None else MAX_CHECK_S
        recording_s = None
        if not isinstance(audio, Audio):  # a file: decode only what is checked
            audio = load_audio(audio, max_duration_s=limit)
            recording_s = result.duration_s
        result.robustness = check_robustness(self.main, audio, base=result, protocol=self.protocol,
                                             hop_s=self.hop_s, progress=report, max_check_s=limit,
                                             recording_s=recording_s)


def _reporter(progress: StageCallback, stage: str) -> Callable[[int, int], None]:
    return lambda done, total: progress(StageProgress(stage, done, total))
