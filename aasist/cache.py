"""Where aasist keeps what it makes once and reuses: exported ONNX graphs, checksums recorded on first download.

``$AASIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/aasist``, else ``~/.cache/aasist``. (Downloaded weights stay in the
Hugging Face Hub cache, where huggingface_hub puts them.) Nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

CACHE_DIR_ENV = "AASIST_CACHE_DIR"
SHA256_RECORDS = "sha256-records.json"  # checksums recorded on first download, per Hub repo and file


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


def record_sha256(repo_id: str, filename: str, sha256: str, commit: Optional[str]) -> dict:
    """Record a Hub file's checksum (raises OSError when the cache folder is not writable); returns the record."""
    records = _read_records()
    entry = {"sha256": sha256, "commit": commit,
             "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    records[f"{repo_id}/{filename}"] = entry
    write_atomically(json.dumps(records, indent=2).encode(), _records_path())
    return entry
