"""The Evaluate tab's recordings: two drops (real, AI-generated) or a zip of labelled folders (``bonafide/`` or
``real/``, ``spoof/`` or ``fake/``, at any depth), or both, checked against the demo's limits (``Limits``).

A zip is unpacked into a folder the caller removes afterwards; no name inside it becomes a path on the server (each
recording is written as ``<its number>/<its file name>``), and the number and size of its recordings are checked
before anything is unpacked.
"""

from __future__ import annotations

import logging
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import gradio as gr

from .errors import user_error
from .recordings import file_name
from .settings import Limits
from .texts import duration_text

log = logging.getLogger("aasist.app")

NO_RECORDINGS = ("Give labelled recordings first: real ones in the first box and AI-generated ones in the second, or "
                 "a zip with bonafide/ and spoof/ folders.")
COPY_BLOCK = 1 << 20


def missing_class_text(missing: str) -> str:
    """The sentence when one kind of recording was not given (``missing``: "bona fide" or "spoof")."""
    kind = "real (bona fide)" if missing == "bona fide" else "AI-generated (spoof)"
    return (f"Give {kind} recordings too: the EER measures how well a model tells the two kinds apart, so it needs "
            "both.")


@dataclass(frozen=True)
class Recording:
    """A labelled recording on the server: where it is, its label, and what the page calls it."""

    path: str
    label: str  # aasist.audio.labels.BONA_FIDE or SPOOF
    name: str


def labelled_recordings(bonafide, spoof, archive, folder: Path, limits: Limits, progress) -> list:
    """Every labelled recording given, checked against the limits; the zip unpacked into ``folder``."""
    from aasist.audio.labels import BONA_FIDE, SPOOF

    paths = [(path_of(p), label) for given, label in ((bonafide, BONA_FIDE), (spoof, SPOOF))
             for p in (given or [])]
    recordings = [Recording(path, label, file_name(path)) for path, label in paths]
    if not recordings and not archive:
        raise user_error(NO_RECORDINGS)
    _check_count(len(recordings), limits)
    size = sum(_size(r.path) for r in recordings)
    _check_size(size, limits)
    if archive:
        progress(None, desc="Unpacking the zip")
        recordings += unpack_recordings(path_of(archive), folder, limits, len(recordings), size)
    for label in (BONA_FIDE, SPOOF):
        if not any(r.label == label for r in recordings):
            raise user_error(missing_class_text(label))
    progress(None, desc="Reading the recordings")
    seconds = total_duration_s(recordings)
    if seconds > limits.max_evaluation_audio_s:
        raise user_error(f"The recordings last {_length_text(seconds)} in all; this demo evaluates at most "
                         f"{duration_text(limits.max_evaluation_audio_s)} of audio at a time.")
    return recordings


def _member_parts(info: zipfile.ZipInfo) -> tuple:
    """The parts of a member's name, as the visitor sees them (``.``, ``..`` and empty parts dropped; both slashes
    separate): only used for labels and names, never as a path."""
    return tuple(p for p in PurePosixPath(info.filename.replace("\\", "/")).parts if p not in ("", ".", "..", "/"))


def _is_recording(info: zipfile.ZipInfo, parts: tuple) -> bool:
    """An audio file of the set: not a folder, a link, or hidden (macOS's ``__MACOSX/`` and ``._`` copies)."""
    from aasist.audio.labels import AUDIO_SUFFIXES as EVALUATED_SUFFIXES

    if info.is_dir() or not parts or stat.S_ISLNK(info.external_attr >> 16):
        return False
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return PurePosixPath(parts[-1]).suffix.lower() in EVALUATED_SUFFIXES


def _safe_leaf(name: str) -> str:
    """A file name to write a member under: the member's own (so that error messages name it), kept short."""
    suffix = PurePosixPath(name).suffix[:10]
    stem = name[: len(name) - len(suffix)] if suffix else name
    stem = "".join(c if c.isprintable() else "_" for c in stem).strip() or "recording"
    return stem[:100] + suffix


def unpack_recordings(archive: str, folder: Path, limits: Limits, counted: int = 0, size: int = 0) -> list:
    """The labelled recordings of a zip (``Recording``), unpacked into ``folder``. ``counted`` recordings of
    ``size`` bytes are already given (the drops): the limits are on the whole set. A ``gr.Error`` (one sentence) when
    the zip cannot be read, is too large, or holds recordings outside labelled folders or none at all."""
    from aasist.audio.labels import folder_label

    name = file_name(archive)
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [(info, _member_parts(info)) for info in zipped.infolist()]
            members = [(info, parts) for info, parts in members if _is_recording(info, parts)]
            if not members:
                raise user_error(f"'{name}' holds no recordings (WAV, FLAC, MP3, OGG, Opus or AIFF files); put them "
                                 "in folders named bonafide/ (or real/) and spoof/ (or fake/).")
            # Only folders inside the zip count, never where it was unpacked.
            labels = [folder_label(parts[:-1]) for _, parts in members]
            unlabelled = ["/".join(parts) for (_, parts), label in zip(members, labels) if label is None]
            if len(unlabelled) == len(members):
                raise user_error(f"'{name}' holds no folder named bonafide/real or spoof/fake: put the real recordings "
                                 "in a folder named bonafide and the AI-generated ones in one named spoof.")
            if unlabelled:
                raise user_error(f"{len(unlabelled)} recording(s) in '{name}' lie in no folder named bonafide/real or "
                                 f"spoof/fake (e.g. '{unlabelled[0]}'); put them in such a folder or leave them out.")
            _check_count(counted + len(members), limits)
            _check_size(size + sum(info.file_size for info, _ in members), limits)
            if any(info.flag_bits & 0x1 for info, _ in members):
                raise user_error(f"'{name}' is protected by a password; zip the recordings again without one.")
            budget = limits.max_evaluation_mb * 1e6 - size
            recordings = []
            for number, ((info, parts), label) in enumerate(zip(members, labels)):
                target = folder / f"{number:05d}" / _safe_leaf(parts[-1])
                target.parent.mkdir(parents=True)
                with zipped.open(info) as source, open(target, "wb") as out:
                    while block := source.read(COPY_BLOCK):
                        budget -= len(block)
                        if budget < 0:  # a member larger than its header said
                            raise user_error(f"The recordings in '{name}' take more than "
                                             f"{limits.max_evaluation_mb:g} MB unpacked; this demo evaluates at most "
                                             f"{limits.max_evaluation_mb:g} MB at a time.")
                        out.write(block)
                recordings.append(Recording(str(target), label, "/".join(parts)))
            return recordings
    except gr.Error:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as err:
        log.info("unreadable zip %s: %s", name, err)
        raise user_error(f"'{name}' is not a zip archive that can be read (it may be damaged, or use a compression "
                         "this demo cannot unpack); zip the folders again.") from None


def _check_count(n: int, limits: Limits) -> None:
    if n > limits.max_evaluation_files:
        raise user_error(f"That is {n} recordings; this demo evaluates at most {limits.max_evaluation_files} at a "
                         "time.")


def _check_size(total_bytes: int, limits: Limits) -> None:
    if total_bytes > limits.max_evaluation_mb * 1e6:
        raise user_error(f"The recordings take {total_bytes / 1e6:.0f} MB; this demo evaluates at most "
                         f"{limits.max_evaluation_mb:g} MB at a time.")


def total_duration_s(recordings: list) -> float:
    """The recordings' total length as their headers give it (a file that cannot be opened counts 0: the evaluation
    lists it with its error)."""
    from aasist.audio.decoding import SAMPLE_RATE, DecodedStream

    total = 0.0
    for recording in recordings:
        try:
            with DecodedStream(recording.path) as decoded:
                samples = decoded.expected_samples
        except Exception:  # noqa: BLE001 - any file that cannot be opened is the evaluation's to report
            continue
        total += (samples or 0) / SAMPLE_RATE
    return total


def path_of(upload) -> str:
    """An upload's path (Gradio gives a path; older clients an object with ``.name``)."""
    return str(getattr(upload, "name", upload))


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # gone: the evaluation lists it with its error


def _length_text(seconds: float) -> str:
    """'45 s', '12 min', '1 h 23 min'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
