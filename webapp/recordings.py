"""A recording as the page receives it: an upload, a recording made on the page (with the browser's capture
settings), or an example; decoded up to the demo's duration limit, with the demo's own input warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from .errors import user_error
from .texts import truncated_text

LEVEL_PREVIEW_S = 60  # the level shown under the recorder is that of the first minute
CAPTURE_SETTINGS_JS = "() => (window.aasistCapture ? window.aasistCapture.json() : '')"  # assets/capture.js
NO_CAPTURE_JS = "() => ''"  # uploads and examples carry no capture settings


def file_name(path: str) -> str:
    """What the page calls an uploaded file: its name, without Gradio's cache folders."""
    return Path(path).name


def capture_settings(text: Optional[str]) -> dict:
    """What the browser applied to the microphone track of a recording made on the page (``assets/capture.js``
    sends ``{"requested": ..., "applied": ...}`` as JSON); an empty dict for uploads, examples and anything unreadable.
    """
    if not text:
        return {}
    try:
        applied = json.loads(text).get("applied")
    except (ValueError, AttributeError):
        return {}
    return applied if isinstance(applied, dict) else {}


def capture_settings_text(applied: dict) -> str:
    """``applied`` as ``capture_settings`` reads it back (empty when there is nothing to say)."""
    return json.dumps({"applied": applied}) if applied else ""


def decode_upload(path: str, max_duration_s: float):
    """An uploaded recording (``aasist.audio.decoding.Audio``), up to ``max_duration_s``; ``AudioError`` (one sentence)
    when it cannot be used."""
    from aasist.audio.decoding import AudioError, load_audio

    if not Path(path).exists():  # deleted by the server (delete_cache) while the page still showed it
        raise AudioError(f"The recording '{file_name(path)}' is no longer on the server (uploads are deleted "
                         "after a while); upload it again.")
    return load_audio(path, max_duration_s=max_duration_s)


def load_recording(path: Optional[str], max_duration_s: float):
    """``decode_upload``, with a user error (one sentence) when there is no recording or it cannot be used."""
    from aasist.audio.decoding import AudioError

    if not path:
        raise user_error("Record or upload a recording first.")
    try:
        return decode_upload(path, max_duration_s)
    except AudioError as err:
        raise user_error(str(err)) from None


def preview_level(path: Optional[str]):
    """The ``InputLevel`` of the first minute of a recording just made or uploaded; None when there is none or it
    cannot be read (Analyze will say what is wrong with the file)."""
    from aasist.audio.decoding import AudioError, load_audio
    from aasist.audio.level import input_level

    if not path:
        return None
    try:
        return input_level(load_audio(path, max_duration_s=LEVEL_PREVIEW_S))
    except (AudioError, OSError):
        return None


def add_demo_warnings(result, audio, max_duration_s: float, capture: Optional[dict] = None) -> None:
    """Add to the library's input warnings one when the browser processed the recording (``capture``: the track
    settings of a recording made on the page) and one when the recording was cut at the demo's duration limit."""
    from aasist.audio.diagnostics import InputWarning, browser_processing_warning, for_architecture

    processed = browser_processing_warning(capture or {})
    if processed is not None:  # measured for AASIST: another model's result says so
        result.warnings.insert(0, for_architecture([processed], getattr(result, "architecture", None))[0])
    if getattr(audio, "truncated", False) and not any(w.code == "truncated" for w in result.warnings):
        result.warnings.append(InputWarning("truncated", truncated_text(max_duration_s)))
