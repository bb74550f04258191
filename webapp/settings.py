"""What the demo offers and its limits (stated on the page), and where its files are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aasist.views.present import keep_units_together
from aasist.models.registry import MODELS as REGISTERED_MODELS  # the table only: no torch
from aasist.models.registry import RECOMMENDED_MODEL as REGISTERED_RECOMMENDED

ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = ROOT / "assets"
EXAMPLES_DIR = Path(os.environ.get("AASIST_EXAMPLES_DIR", ASSETS_DIR / "examples"))
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".aiff", ".aif"}

MODELS = tuple(m.name for m in REGISTERED_MODELS)  # the page's model choice and comparison
DEFAULT_MODEL = MODELS[0]  # loaded first at startup; the verdict until the recommended model is there
# ``python app.py`` fetches this model in the background, and the page's first model choice, "Recommended", gives its
# verdict with AASIST's beside it (AASIST's alone until it is there, or when it cannot be had). AASIST_RECOMMENDED_MODEL
# names another built-in model, or "" for none: a deployment that must not use non-commercial weights (AntiDeepfake is
# CC BY-NC-SA 4.0) sets it to "".
RECOMMENDED_MODEL = os.environ.get("AASIST_RECOMMENDED_MODEL", REGISTERED_RECOMMENDED) or None
RECOMMENDED = "recommended"  # the first model choice's value, on the page and in the API
# Downloaded from the Hub when first chosen or compared, never at start-up (the others ship with the package).
ON_DEMAND_MODELS = tuple(m.name for m in REGISTERED_MODELS if not m.packaged)
# The shortest live hop at which each model keeps up on the Space's 2 cores (aasist.models.registry; 0: every hop).
LIVE_MIN_HOP_S = {m.name: m.live_min_hop_s for m in REGISTERED_MODELS}
# (label on the page, value): the labels' numbers joined to their units (keep_units_together), as all the page's text.
ANALYSES = [(keep_units_together(label), value) for label, value in (
    ("Whole recording (4 s windows)", "full"), ("First 4 seconds only (authors' protocol)", "asvspoof"))]
DEFAULT_ANALYSIS = "full"


@dataclass(frozen=True)
class Limits:
    """The demo's limits, stated on the page. Tests pass smaller ones to the objects that read them."""

    max_file_size: str = "50mb"  # per upload (launch(max_file_size=...)); larger files are refused by the server
    max_duration_s: float = 600  # longer recordings are analysed up to this point, with a warning
    max_batch_files: int = 20
    # The Evaluate tab: recordings in one evaluation (both classes, drops and zip together), their total size
    # (a zip's, unpacked) and their total length (read from the files' headers before anything is scored).
    max_evaluation_files: int = 200
    max_evaluation_mb: float = 200
    max_evaluation_audio_s: float = 3600
    concurrency: int = 2  # analyses running at once (a free Space has 2 CPU cores); the rest wait in the queue
    queue_size: int = 20  # waiting requests beyond which new ones are refused
    live_time_limit_s: float = 300  # a live session stops after 5 minutes
    live_sessions: int = 4  # live streams at once (each holds a place for its whole length); more wait in line


LIMITS = Limits()
