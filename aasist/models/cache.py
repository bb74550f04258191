"""Where aasist keeps what it makes once and reuses: exported ONNX graphs, checksums recorded on first download
and, beside each checksum, the known-answer check of that file (``aasist.inference.known_answer``).

``$AASIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/aasist``, else ``~/.cache/aasist``. (Downloaded weights stay in the
Hugging Face Hub cache, where huggingface_hub puts them.) Nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

CACHE_DIR_ENV = "AASIST_CACHE_DIR"
SHA256_RECORDS = "sha256-records.json"  # checksums recorded on first download, per Hub repo and file
KNOWN_ANSWER = "known_answer"  # the key of a record's known-answer check

# Records are read, changed and written back whole: two models loading at once (the page's background loader and a
# visitor's choice) must not write over each other's entry.
_RECORDS_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """``$AASIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/aasist``, else ``~/.cache/aasist``."""
    explicit = os.environ.get(CACHE_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg:
        return Path(xdg).expanduser() / "aasist"
    return Path.home() / ".cache" / "aasist"


def write_atomically(data: bytes, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename: readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@contextmanager
def one_at_a_time(lock_path: Path, wait_s: float = 600.0) -> Iterator[bool]:
    """Hold an exclusive lock on ``lock_path`` (a small file kept beside what it guards) for the ``with`` block, so that
    processes sharing a cache make a thing once: the others wait, then find it made. Yields whether the lock is held.

    Best effort, never an error: where there is no ``fcntl`` (Windows) or the folder is not writable, or the holder
    has not let go after ``wait_s`` (a process stuck mid-export), the block runs without the lock, as it would alone.
    The lock file stays: removing it could let a third process lock a new file while a waiter holds the old one.
    """
    try:
        import fcntl

        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a")
    except (ImportError, OSError):
        yield False
        return
    with handle:  # closing the file lets go of the lock, also when the block raises
        deadline = time.monotonic() + wait_s
        held = False
        while not held:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            except OSError:  # a file system without locks
                break
        yield held


def _records_path() -> Path:
    return default_cache_dir() / SHA256_RECORDS


def _read_records() -> dict:
    try:
        records = json.loads(_records_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def recorded_sha256(repo_id: str, filename: str) -> Optional[dict]:
    """What was recorded on the first download of a Hub file: {"sha256", "commit", "recorded_at"}, or None."""
    entry = _read_records().get(f"{repo_id}/{filename}")
    return entry if isinstance(entry, dict) and isinstance(entry.get("sha256"), str) else None


def utc_now_text() -> str:
    """The time of a record, as records show it: '2025-06-30 14:05 UTC'."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def record_sha256(repo_id: str, filename: str, sha256: str, commit: Optional[str]) -> dict:
    """Record a Hub file's checksum (raises OSError when the cache folder is not writable); returns the record.
    A new record replaces the file's old one whole, its known-answer check included: a new file is checked again."""
    entry = {"sha256": sha256, "commit": commit, "recorded_at": utc_now_text()}
    with _RECORDS_LOCK:
        records = _read_records()
        records[f"{repo_id}/{filename}"] = entry
        write_atomically(json.dumps(records, indent=2).encode(), _records_path())
    return entry


def recorded_known_answer(repo_id: str, filename: str) -> Optional[dict]:
    """The known-answer check recorded for the file whose checksum is recorded (``recorded_sha256``), or None: a
    check of another file or commit than the recorded one does not count."""
    entry = recorded_sha256(repo_id, filename)
    check = entry.get(KNOWN_ANSWER) if entry is not None else None
    if not isinstance(check, dict) or (check.get("sha256"), check.get("commit")) != (entry["sha256"],
                                                                                    entry.get("commit")):
        return None
    return check


def record_known_answer(repo_id: str, filename: str, check: dict) -> bool:
    """Record a known-answer check (a dict with the ``sha256`` and ``commit`` of the file it scored) beside that
    file's checksum record. False, and nothing written, when the recorded checksum is of another file or commit (or
    none is recorded); raises OSError when the cache folder is not writable."""
    with _RECORDS_LOCK:
        records = _read_records()
        entry = records.get(f"{repo_id}/{filename}")
        if not isinstance(entry, dict) or (entry.get("sha256"), entry.get("commit")) != (check.get("sha256"),
                                                                                          check.get("commit")):
            return False
        entry[KNOWN_ANSWER] = check
        write_atomically(json.dumps(records, indent=2).encode(), _records_path())
    return True
