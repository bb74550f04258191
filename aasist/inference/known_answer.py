"""A known-answer check of downloaded weights: the bundled labelled examples, scored once per downloaded file.

The released weights of RawNet2, W2V2-AASIST and the AntiDeepfake models cannot be downloaded where this project is
built, so a loader bug (a tensor loaded into the wrong layer, a wrong normalisation) would first show on a Space. The
first time such a model's file is loaded from the Hub (or from its cache), ``Detector.from_pretrained`` scores the
example recordings of ``assets/examples`` with it (``aasist/assets/examples`` in an installed package; their names
say their label: ``real_*`` bona fide, ``synthetic_*`` spoof; whole-recording analysis, verdict at 0.5; a recording
without speech is not counted), and the count is recorded beside the file's SHA-256 record (``aasist.models.cache``),
for the same file and Hub commit: later loads read it, a new file is checked again. A model that called fewer than half
of them right gets the result warning ``weights_suspect`` next to its verdicts
(``weights_suspect_text``).

    check = for_loaded(detector)          # KnownAnswer, or None where no check applies or it could not run
    check.correct, check.total, check.suspect

Only built-in models without a packaged copy are checked: AASIST and AASIST-L ship with the package with published
checksums (and their outputs are checked against the authors' in the tests), and local files (``AASIST_WEIGHTS_DIR``,
checkpoint folders, paths) are the user's own. Seven short clips are a smoke test of the loading, not an evaluation:
a good count says nothing of the model's accuracy on other audio. Nothing here raises into the user's path: a check
that cannot run or be recorded is logged and skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ..models import cache
from ..text import one_sentence

if TYPE_CHECKING:
    from .detector import Detector
    from ..audio.diagnostics import InputWarning
    from ..audio.labels import LabelledFile
    from ..models.registry import RegisteredModel

log = logging.getLogger("aasist.known_answer")


def _examples_dir() -> Path:
    """The example clips (the page's): ``aasist/assets/examples`` in an installed package (pyproject.toml ships the
    checkout's ``assets/examples`` there), else ``assets/examples`` of the checkout."""
    package = Path(__file__).resolve().parents[1]  # aasist/
    installed = package / "assets" / "examples"
    return installed if installed.is_dir() else package.parent / "assets" / "examples"


EXAMPLES_DIR = _examples_dir()
WEIGHTS_SUSPECT = "weights_suspect"  # the result warning's code


@dataclass(frozen=True)
class KnownAnswer:
    """How many of the bundled examples a model's weights file called right, and which file that was."""

    model: str
    correct: int
    total: int  # the examples counted (those with speech)
    checked_at: str  # "2025-06-30 14:05 UTC"
    sha256: str  # of the weights file that was checked
    commit: Optional[str]  # its Hub commit
    wrong: tuple = ()  # the names of the examples it called wrong

    @property
    def suspect(self) -> bool:
        """Fewer than half right: the weights may not have loaded correctly."""
        return self.total > 0 and 2 * self.correct < self.total

    def to_dict(self) -> dict:
        return {"correct": self.correct, "total": self.total, "checked_at": self.checked_at, "sha256": self.sha256,
                "commit": self.commit, "wrong": list(self.wrong)}

    @classmethod
    def from_dict(cls, model: str, data: Optional[dict]) -> Optional["KnownAnswer"]:
        """The check as recorded, or None when there is none (or the record is not one: a hand-edited file)."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(model, int(data["correct"]), int(data["total"]), str(data["checked_at"]), str(data["sha256"]),
                       data.get("commit"), tuple(data.get("wrong") or ()))
        except (KeyError, TypeError, ValueError):
            return None

    def warning(self) -> Optional["InputWarning"]:
        """The result warning next to this model's verdicts when the check found it suspect, else None."""
        if not self.suspect:
            return None
        from ..audio.diagnostics import InputWarning

        return InputWarning(WEIGHTS_SUSPECT, weights_suspect_text(self.model, self.correct, self.total))


def weights_suspect_text(model: str, correct: int, total: int) -> str:
    """The result warning of a model that got fewer than half of the bundled examples right on its first load."""
    return (f"The weights of {model} may not have loaded correctly: on its first load it called only {correct} of "
            f"the {total} bundled example recordings right, fewer than half, so its verdict may mean nothing.")


def labelled_examples(folder: Path = EXAMPLES_DIR) -> list["LabelledFile"]:
    """The bundled examples with their labels, from the first word of their names (``real_``, ``synthetic_``: the
    folder names that ``aasist.audio.labels`` reads as labels); files named otherwise are left out."""
    from ..audio.labels import AUDIO_SUFFIXES, FOLDER_LABELS, LabelledFile

    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        label = FOLDER_LABELS.get(path.stem.split("_")[0].lower())
        if path.suffix.lower() in AUDIO_SUFFIXES and label is not None:
            found.append(LabelledFile(str(path), label))
    return found


def score(detector: "Detector", examples: list["LabelledFile"]) -> KnownAnswer:
    """Score ``examples`` with ``detector`` (whole recording, verdict at 0.5) and count the right verdicts."""
    correct, total, wrong = 0, 0, []
    for example in examples:
        result = detector.analyze(example.path)
        if result.no_speech:  # no verdict to compare
            continue
        total += 1
        if result.verdict == example.label:  # the labels are spelt as the verdicts
            correct += 1
        else:
            wrong.append(Path(example.path).name)
    checkpoint = detector.checkpoint
    return KnownAnswer(detector.model_name, correct, total, cache.utc_now_text(), checkpoint.sha256,
                       checkpoint.commit, tuple(wrong))


def checked_model(detector: "Detector") -> Optional["RegisteredModel"]:
    """The registry entry of a detector whose weights the check applies to: a built-in model without a packaged
    copy, its file from the Hub or its cache. None otherwise."""
    from ..models.registry import registered

    model = registered(detector.model_name)
    checkpoint = detector.checkpoint
    if model is None or model.packaged or checkpoint is None:
        return None
    return model if getattr(checkpoint, "commit", None) and getattr(checkpoint, "sha256", None) else None


def recorded(model: "RegisteredModel") -> Optional[KnownAnswer]:
    """The check recorded for the model's recorded weights file (``models``, the about tab), or None."""
    return KnownAnswer.from_dict(model.name, cache.recorded_known_answer(model.repo_id, model.filename))


def for_loaded(detector: "Detector", folder: Path = EXAMPLES_DIR) -> Optional[KnownAnswer]:
    """The known-answer check of a freshly loaded detector's weights: the recorded one when this file and commit
    were checked before, else scored now and recorded. None where no check applies (see ``checked_model``), when no
    example is there, or when the check failed (logged)."""
    try:
        model = checked_model(detector)
        if model is None:
            return None
        checkpoint = detector.checkpoint
        before = recorded(model)
        if before is not None and (before.sha256, before.commit) == (checkpoint.sha256, checkpoint.commit):
            return before
        examples = labelled_examples(folder)
        if not examples:
            log.info("%s: no bundled examples in %s, so no known-answer check", model.name, folder)
            return None
        check = score(detector, examples)
        _record(model, check)
        return check
    except Exception as error:  # noqa: BLE001 - a failed check must never stop the model from being used
        log.warning("%s: the known-answer check could not run and was skipped (%s: %s)", detector.model_name,
                    type(error).__name__, one_sentence(error))
        return None


def _record(model: "RegisteredModel", check: KnownAnswer) -> None:
    level = logging.WARNING if check.suspect else logging.INFO
    log.log(level, "%s: known-answer check on first load: %d of %d bundled examples called right%s", model.name,
            check.correct, check.total, f" (wrong: {', '.join(check.wrong)})" if check.wrong else "")
    try:
        kept = cache.record_known_answer(model.repo_id, model.filename, check.to_dict())
    except OSError as error:  # a read-only cache: the check still counts for this process
        log.warning("%s: could not record its known-answer check in %s (%s)", model.name, cache.default_cache_dir(),
                    error.strerror or error)
        return
    if not kept:  # e.g. a mismatching file loaded with AASIST_ALLOW_UNVERIFIED: its record is another file's
        log.warning("%s: its known-answer check was not recorded: the SHA-256 on record is of another file or commit",
                    model.name)
