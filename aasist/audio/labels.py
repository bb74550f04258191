"""Which recordings are bona fide and which spoof: folders named for their label, a CSV of ``file,label``, and the
bundled examples' names (``aasist.inference.known_answer``).

    from aasist import labelled_files
    files = labelled_files(["my_set/"])                 # bonafide/ or real/, spoof/ or fake/ folders, at any depth
    files = labelled_files(["my_set/"], labels_csv="labels.csv")   # or a CSV: file,label

What the evaluation (``aasist.evaluation``) and the known-answer check of downloaded weights score: files found and
labelled here, before any model runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

PathLike = Union[str, Path]

BONA_FIDE, SPOOF = "bona fide", "spoof"  # the labels, spelt as the detector's verdicts
FOLDER_LABELS = {"bonafide": BONA_FIDE, "bona_fide": BONA_FIDE, "bona-fide": BONA_FIDE, "real": BONA_FIDE,
                 "genuine": BONA_FIDE, "spoof": SPOOF, "fake": SPOOF, "synthetic": SPOOF}
CSV_LABELS = {**FOLDER_LABELS, "bona fide": BONA_FIDE}
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif")


class EvaluationError(ValueError):
    """The recordings cannot be evaluated (no labels found here; one class missing, ``aasist.evaluation``); the
    message is one sentence."""


@dataclass(frozen=True)
class LabelledFile:
    path: str
    label: str  # BONA_FIDE or SPOOF


def labelled_files(paths: Sequence[PathLike], labels_csv: Optional[PathLike] = None) -> list:
    """The labelled recordings under ``paths`` (files or folders): labelled by ``labels_csv`` (``file,label`` rows,
    files relative to the CSV's folder or absolute; a header row is allowed) when given, else by the nearest folder
    above each file named ``bonafide``/``real``/``genuine`` or ``spoof``/``fake``/``synthetic`` (any case, any
    depth). Without a CSV, files under no such folder are an error; with one, only the CSV's files are evaluated (and
    ``paths`` may be empty). Raises ``EvaluationError`` (one sentence) when nothing is labelled."""
    if labels_csv is not None:
        files = _from_csv(Path(labels_csv))
    else:
        files, unlabelled = [], []
        for path in _audio_files(paths):
            label = folder_label(path.parent.parts)
            if label is None:
                unlabelled.append(path)
            else:
                files.append(LabelledFile(str(path), label))
        if unlabelled:
            raise EvaluationError(
                f"{len(unlabelled)} file(s) lie in no folder named bonafide/real or spoof/fake (e.g. "
                f"'{unlabelled[0]}'); put them in such folders, or give their labels in a CSV with --labels.")
    if not files:
        raise EvaluationError("No labelled recordings found: give folders named bonafide/real and spoof/fake, or a "
                              "CSV of file,label.")
    return files


def _audio_files(paths: Sequence[PathLike]) -> list:
    found = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        elif path.exists():
            found.append(path)
        else:
            raise EvaluationError(f"'{path}' does not exist; check the path.")
    return found


def folder_label(folders) -> Optional[str]:
    """The label of the nearest of ``folders`` (names, outermost first) that names one (``FOLDER_LABELS``), or
    None."""
    for folder in reversed(tuple(folders)):
        label = FOLDER_LABELS.get(folder.lower())
        if label is not None:
            return label
    return None


def _from_csv(path: Path) -> list:
    if not path.is_file():
        raise EvaluationError(f"The labels file '{path}' does not exist; check the path.")
    files = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for number, row in enumerate(csv.reader(f), 1):
            if not row or not row[0].strip() or row[0].strip().startswith("#"):
                continue
            if len(row) < 2:
                raise EvaluationError(f"Line {number} of '{path.name}' has no label; write file,label.")
            name, label = row[0].strip(), row[1].strip().lower()
            if number == 1 and name.lower() in ("file", "path") and label == "label":
                continue
            if label not in CSV_LABELS:
                raise EvaluationError(f"Line {number} of '{path.name}' has the label '{row[1].strip()}'; use "
                                      "bonafide/real or spoof/fake.")
            file = Path(name) if Path(name).is_absolute() else path.parent / name
            files.append(LabelledFile(str(file), CSV_LABELS[label]))
    return files
