"""The inputs a public demo gets, generated on the fly, and what every surface must do with each.

    for case in CASES:
        path = case.write(folder)      # the file, named case.filename
        case.error                     # a fragment of the one-sentence error it must get, or None
        case.warnings                  # otherwise: warning codes its result must carry
        case.same_as_reference         # its samples are the reference clip's: the result must be the same

The good variants are all made from one real recording (``REFERENCE``, 16 kHz 16-bit mono, 4 s): the same samples
in other bit depths and as identical channels must give exactly its result; other sample rates must still give one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav"
JARGON = ("Traceback", "Error", "errno", "libsndfile", "<_io", "0x", "File \"")


@lru_cache(maxsize=1)
def reference() -> tuple[np.ndarray, int]:
    """The reference clip as int16 samples and its rate."""
    x, rate = sf.read(REFERENCE, dtype="int16")
    assert rate == 16000 and x.ndim == 1
    return x, rate


def _scaled(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32) / 32768.0


def _resampled(rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    x, sr = reference()
    g = np.gcd(rate, sr)
    return resample_poly(_scaled(x), rate // g, sr // g).astype(np.float32)


def _speech(subtype: str, channels: int = 1) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        x, sr = reference()
        data = np.repeat(_scaled(x)[:, None], channels, axis=1)  # identical channels: the downmix is exact
        sf.write(path, data, sr, subtype=subtype)

    return write


def _rate(rate: int) -> Callable[[Path], None]:
    return lambda path: sf.write(path, _resampled(rate), rate, subtype="PCM_24")


def _with(value: float) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        x = _scaled(reference()[0])
        x[len(x) // 2] = value
        sf.write(path, x, 16000, subtype="FLOAT")

    return write


def _truncated_flac(path: Path) -> None:
    sf.write(path, _scaled(reference()[0]), 16000, format="FLAC")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    make: Callable[[Path], None] = field(repr=False)
    error: Optional[str] = None
    warnings: tuple = ()
    verdicts: tuple = ("spoof", "bona fide")  # what its result may say
    same_as_reference: bool = False
    sample_rate: int = 16000

    def write(self, folder: Path) -> Path:
        path = Path(folder) / self.filename
        self.make(path)
        return path


CASES = [
    # Refused, with one sentence that says why.
    Case("empty", "empty.wav", lambda p: p.write_bytes(b""), error="is empty (0 bytes)"),
    Case("wav_header_zero_samples", "zero_samples.wav", lambda p: sf.write(p, np.zeros((0, 1), np.int16), 16000),
         error="contains no audio samples"),
    Case("text_renamed_wav", "notes.wav", lambda p: p.write_text("Meeting notes, not a recording.\n" * 20),
         error="is not an audio file in a supported format"),
    Case("truncated_flac", "cut.flac", _truncated_flac, error="is damaged or incomplete"),
    Case("clip_50ms", "short.wav", lambda p: sf.write(p, reference()[0][:800], 16000), error="too short to analyse"),
    Case("nan_samples", "nan.wav", _with(np.nan), error="NaN or infinity"),
    Case("inf_samples", "inf.wav", _with(np.inf), error="NaN or infinity"),
    # Analysed, with a warning (and no verdict: nothing to judge).
    Case("silence", "silence.wav", lambda p: sf.write(p, np.zeros(3 * 16000, np.int16), 16000),
         warnings=("silent",), verdicts=("no_speech",)),
    Case("rate_8000", "phone.wav", _rate(8000), warnings=("band_limited",), sample_rate=8000),
    # Analysed.
    Case("rate_44100", "cd.wav", _rate(44100), sample_rate=44100),
    Case("rate_96000", "hires.wav", _rate(96000), sample_rate=96000),
    Case("rate_192000", "hires192.wav", _rate(192000), sample_rate=192000),
    Case("stereo", "stereo.wav", _speech("PCM_16", channels=2), same_as_reference=True),
    Case("8_channels", "surround.wav", _speech("PCM_16", channels=8), same_as_reference=True),
    Case("pcm_16", "pcm16.wav", _speech("PCM_16"), same_as_reference=True),
    Case("pcm_24", "pcm24.wav", _speech("PCM_24"), same_as_reference=True),
    Case("pcm_32", "pcm32.wav", _speech("PCM_32"), same_as_reference=True),
    Case("float_32", "float32.wav", _speech("FLOAT"), same_as_reference=True),
]
ERRORS = [c for c in CASES if c.error]


def ids(cases) -> list:
    return [c.name for c in cases]


def check_message(message: str, fragment: str) -> None:
    """One plain sentence for a user: capitalised, one line, one full stop at the end, no exception jargon."""
    assert fragment in message, message
    assert message[0].isupper() and message.endswith("."), message
    assert "\n" not in message and not re.search(r"\.\s", message), message
    for jargon in JARGON:
        assert jargon not in message, message


def write_all(folder: Path) -> dict:
    """Every case written into ``folder``: {case name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: case.write(folder) for case in CASES}
