"""The example clips under the recorder, and their labels, made from the file names."""

from __future__ import annotations

import re
from pathlib import Path

from aasist.views.present import keep_units_together

from .settings import AUDIO_SUFFIXES, EXAMPLES_DIR

_SYNTHETIC = re.compile(r"synth|spoof|tts|espeak|flite|festival|nanotts|pico|fake|vocoder", re.IGNORECASE)
_NAMES = {"arctic": "ARCTIC", "librivox": "LibriVox", "espeak": "eSpeak", "flite": "Flite", "festival": "Festival",
          "nanotts": "NanoTTS", "en": "", "us": "US"}


def example_label(path: Path) -> str:
    """'Real: ARCTIC awb a0007', 'Real: ARCTIC slt a0009 (phone, 8 kHz)', 'Synthetic: eSpeak US' from the file name
    (as the page shows it: "8 kHz" joined by a no-break space, ``keep_units_together``)."""
    kind = "Synthetic" if _SYNTHETIC.search(path.stem) else "Real"
    stem = re.sub(r"^(real|bona[-_ ]?fide|genuine|synthetic|synth|spoof)[-_ ]*", "", path.stem, flags=re.I)
    extra = ""
    rate = re.search(r"[-_ ]?(phone)?[-_ ]?(\d+)\s*khz$", stem, flags=re.I)
    if rate:
        extra = f" ({'phone, ' if rate.group(1) else ''}{rate.group(2)} kHz)"
        stem = stem[: rate.start()]
    words = [_NAMES.get(w.lower(), w) for w in re.split(r"[-_ ]+", stem) if w]
    text = " ".join(w for w in words if w) or path.stem
    return keep_units_together(f"{kind}: {text}{extra}")


def find_examples(folder: Path = EXAMPLES_DIR) -> list:
    """The clips in ``folder``, real ones first, then synthetic ones: a visitor can compare."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    return sorted(files, key=lambda p: (example_label(p).startswith("Synthetic"), p.name))
