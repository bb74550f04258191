"""ASVspoof 2019 (LA and PA) protocols, audio and training windows.

Layout under a database path ``DB``, for track ``LA`` (``PA`` alike)::

    DB/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt
    DB/LA/ASVspoof2019_LA_{train,dev,eval}/flac/<utterance>.flac
    DB/LA/ASVspoof2019_LA_asv_scores/ASVspoof2019.LA.asv.{dev,eval}.gi.trl.scores.txt

``DB`` may also be the track folder itself (``DB/ASVspoof2019_LA_cm_protocols/...``), as the authors' configs have it.

Labels: 1 = bona fide, 0 = spoof (the authors' convention; logit index 1 is bona fide). Training windows are random
crops of ``window`` samples, tiled when the file is shorter; evaluation windows are the first ``window`` samples,
tiled when shorter, as the authors evaluate. A file that cannot be read is never replaced by zeros: the dataset
returns an ``Unreadable`` marker, ``collate`` drops it from the batch and ``UnreadableFiles`` names it in the log and
on stderr and counts it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import Dataset

from ..evaluation.protocols import read_columns
from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES

PathLike = Union[str, Path]
log = logging.getLogger("aasist.training")

TRACKS = ("LA", "PA")
SPLITS = {"train": "trn", "dev": "trl", "eval": "trl"}
BONAFIDE, SPOOF = 1, 0


class DatasetError(ValueError):
    """The database is not where or what it should be; the message says which file is missing or malformed."""


@dataclass(frozen=True)
class Trial:
    """One protocol line: speaker, utterance id, environment (``-`` for LA), attack id (``-`` for bona fide), key."""

    speaker: str
    utterance: str
    environment: str
    attack: str
    key: str

    @property
    def label(self) -> int:
        return BONAFIDE if self.key == "bonafide" else SPOOF


def _check(track: str, split: str) -> None:
    if track not in TRACKS:
        raise DatasetError(f"unknown track {track!r}: expected one of {', '.join(TRACKS)}.")
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}.")


def track_root(database: PathLike, track: str) -> Path:
    """``DB/<track>``, or ``DB`` itself when it is the track folder."""
    database = Path(database).expanduser()
    nested = database / track
    if (nested / f"ASVspoof2019_{track}_cm_protocols").is_dir() or not (
        database / f"ASVspoof2019_{track}_cm_protocols"
    ).is_dir():
        return nested
    return database


def protocol_path(database: PathLike, track: str, split: str) -> Path:
    _check(track, split)
    name = f"ASVspoof2019.{track}.cm.{split}.{SPLITS[split]}.txt"
    return track_root(database, track) / f"ASVspoof2019_{track}_cm_protocols" / name


def audio_dir(database: PathLike, track: str, split: str) -> Path:
    _check(track, split)
    return track_root(database, track) / f"ASVspoof2019_{track}_{split}" / "flac"


def asv_scores_path(database: PathLike, track: str, split: str = "eval") -> Path:
    _check(track, split)
    name = f"ASVspoof2019.{track}.asv.{split}.gi.trl.scores.txt"
    return track_root(database, track) / f"ASVspoof2019_{track}_asv_scores" / name


def read_protocol(path: PathLike) -> list:
    """The trials of a CM protocol file (five space-separated columns per line); ``ProtocolFileError`` if it is
    missing or malformed."""
    columns = ("speaker", "utterance", "environment", "attack", "key")
    rows = read_columns(path, columns, "CM protocol file", choices={"key": ("bonafide", "spoof")})
    return [Trial(*fields) for fields in rows]


def load_split(database: PathLike, track: str, split: str) -> tuple:
    """(trials, audio folder) of one split."""
    path = protocol_path(database, track, split)
    if not path.is_file():
        raise DatasetError(f"the protocol file {path} does not exist (is the database path right?).")
    return read_protocol(path), audio_dir(database, track, split)


# ---------------------------------------------------------------------------------------------------------------
# Audio and windows


class UnreadableAudio(Exception):
    pass


def read_waveform(path: PathLike) -> np.ndarray:
    """float32 mono waveform of a 16 kHz file; raises UnreadableAudio with the reason otherwise."""
    try:
        x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError, TypeError, EOFError) as error:  # LibsndfileError is a RuntimeError
        raise UnreadableAudio(f"{type(error).__name__}: {str(error).strip() or 'cannot decode'}") from error
    if sr != SAMPLE_RATE:
        raise UnreadableAudio(f"sample rate {sr} Hz, expected {SAMPLE_RATE} Hz")
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]
    if x.size == 0:
        raise UnreadableAudio("no samples")
    if not np.all(np.isfinite(x)):
        raise UnreadableAudio("non-finite samples")
    return np.ascontiguousarray(x, dtype=np.float32)


def tile_to(x: np.ndarray, length: int) -> np.ndarray:
    """Repeat ``x`` until it has ``length`` samples (the authors' padding of short files)."""
    repeats = length // x.shape[0] + 1
    return np.tile(x, repeats)[:length]


def eval_window(x: np.ndarray, length: int = WINDOW_SAMPLES) -> np.ndarray:
    """The authors' evaluation window: the first ``length`` samples, tiled when shorter."""
    return x[:length] if x.shape[0] >= length else tile_to(x, length)


def random_window(x: np.ndarray, length: int = WINDOW_SAMPLES, generator: Optional[torch.Generator] = None):
    """A training window: a random crop of ``length`` samples, tiled when shorter."""
    if x.shape[0] < length:
        return tile_to(x, length)
    start = int(torch.randint(0, x.shape[0] - length + 1, (1,), generator=generator))
    return x[start : start + length]


# ---------------------------------------------------------------------------------------------------------------
# Dataset


@dataclass(frozen=True)
class Unreadable:
    """What the dataset returns for a file it cannot read (never a zero waveform)."""

    index: int
    path: str
    reason: str


@dataclass
class Batch:
    waveforms: Optional[torch.Tensor]  # (B, window) float32, None when every file of the batch was unreadable
    labels: Optional[torch.Tensor]  # (B,) int64
    indices: list  # dataset indices of the rows
    unreadable: list  # Unreadable markers of the files dropped from this batch

    def __len__(self) -> int:
        return len(self.indices)


class ASVspoofDataset(Dataset):
    """Windows of the trials of one split: (waveform window, label, index), or an ``Unreadable`` marker."""

    def __init__(
        self,
        trials: list,
        audio_folder: PathLike,
        window: int = WINDOW_SAMPLES,
        train: bool = False,
        augment: Optional[Callable[[np.ndarray], np.ndarray]] = None,
    ):
        self.trials = list(trials)
        self.audio_folder = Path(audio_folder)
        self.window = int(window)
        self.train = train
        self.augment = augment

    def __len__(self) -> int:
        return len(self.trials)

    def path(self, index: int) -> Path:
        return self.audio_folder / f"{self.trials[index].utterance}.flac"

    def __getitem__(self, index: int):
        path = self.path(index)
        try:
            x = read_waveform(path)
        except UnreadableAudio as error:
            return Unreadable(index, str(path), str(error))
        x = random_window(x, self.window) if self.train else eval_window(x, self.window)
        if self.augment is not None:
            x = self.augment(x)
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), self.trials[index].label, index


def collate(items: list) -> Batch:
    good = [item for item in items if not isinstance(item, Unreadable)]
    bad = [item for item in items if isinstance(item, Unreadable)]
    if not good:
        return Batch(None, None, [], bad)
    return Batch(
        torch.stack([item[0] for item in good]),
        torch.tensor([item[1] for item in good], dtype=torch.long),
        [item[2] for item in good],
        bad,
    )


class UnreadableFiles:
    """Files skipped because they could not be read: each is named once in the log and on stderr, and counted."""

    def __init__(self):
        self.files: dict = {}  # path -> reason

    def __len__(self) -> int:
        return len(self.files)

    def add(self, items: Iterable[Unreadable], split: str = "") -> None:
        for item in items:
            self.add_one(item.path, item.reason, split)

    def add_one(self, path: str, reason: str, split: str = "") -> None:
        if path in self.files:
            return
        self.files[path] = reason
        where = f" of the {split} set" if split else ""
        log.warning("skipped unreadable file%s %s (%s); %d skipped so far", where, path, reason, len(self.files))

    def merge(self, files: dict, split: str = "") -> None:
        for path, reason in files.items():
            self.add_one(path, reason, split)
