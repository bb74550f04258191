"""Long files and the speech-presence step: what `detect` costs on hours of audio, and what finding speech adds.

    python benchmarks/bench_long_file.py [--minutes 10 60] [--repeats 5] [--keep DIR]

Measures, in one run:
- for each length in ``--minutes``: a 48 kHz stereo FLAC made from the example clips with pauses (written block by
  block), analysed by ``python -m aasist detect FILE --json --no-progress`` in a fresh process: wall time, and peak
  memory (the child's resident high-water mark, ru_maxrss). Target (issue 20): 1 hour within 1.5 GB;
- the speech-presence step on a 10 s recording (a 44.1 kHz WAV, decoded as users' files are): the median time of an
  analysis with it and without it (``find_speech=False``), and the share it adds. Target: at most 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from common import machine_description, median_time, use_local_weights  # noqa: E402

EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
FILE_RATE = 48000
MEMORY_TARGET_GB = 1.5
OVERHEAD_TARGET = 0.10


def speech_with_pauses(seconds: float, rate: int, seed: int = 0):
    """Blocks of the example clips (resampled to ``rate``) with 0.2-2 s pauses of faint noise, ``seconds`` long."""
    from aasist.audio.decoding import load_audio

    clips = [load_audio(path).waveform for path in sorted(EXAMPLES_DIR.glob("*.wav"))]
    clips = [np.interp(np.arange(len(c) * rate // 16000) * 16000 / rate, np.arange(len(c)), c) for c in clips]
    rng = np.random.default_rng(seed)
    left, i = int(seconds * rate), 0
    while left > 0:
        block = np.concatenate([clips[i % len(clips)], np.zeros(int(rng.uniform(0.2, 2.0) * rate))])[:left]
        yield (block + 1e-3 * rng.standard_normal(len(block))).astype(np.float32)
        left -= len(block)
        i += 1


def write_long_file(path: Path, minutes: float) -> None:
    with sf.SoundFile(path, "w", samplerate=FILE_RATE, channels=2, format="FLAC", subtype="PCM_16") as f:
        for block in speech_with_pauses(minutes * 60, FILE_RATE):
            f.write(np.stack([block, 0.9 * block], axis=1))


def detect_in_a_fresh_process(path: Path) -> dict:
    """Wall time and peak memory of `python -m aasist detect FILE --json` (the only child, so RUSAGE_CHILDREN is its)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "aasist", "detect", str(path), "--json", "--no-progress"],
                         capture_output=True, text=True, cwd=REPO_ROOT, env=dict(os.environ))
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out.returncode != 0:
        raise SystemExit(f"detect failed: {out.stderr.strip()}")
    result = json.loads(out.stdout)[0]
    return {"wall_s": wall, "peak_gb": max(peak_kb, before) / 1024 ** 2, "windows": len(result["windows"]),
            "verdict": result["verdict"], "speech_share": result["speech"]["share"]}


def speech_overhead(folder: Path, repeats: int) -> dict:
    from aasist.inference.detector import Detector

    path = folder / "ten_seconds.wav"
    sf.write(path, np.concatenate(list(speech_with_pauses(10.0, 44100))), 44100)
    detector = Detector.from_pretrained("AASIST")
    detector.analyze(path)  # warm-up: ONNX session, VAD session
    with_speech = median_time(lambda: detector.analyze(path), repeats)
    without = median_time(lambda: detector.analyze(path, find_speech=False), repeats)
    return {"with_s": with_speech, "without_s": without, "share": with_speech / without - 1,
            "backend": detector.backend.name}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="write the long files here and keep them")
    args = parser.parse_args(argv)
    print(f"weights: {use_local_weights()}", file=sys.stderr)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        overhead = speech_overhead(folder, args.repeats)
        print("speech-presence overhead measured", file=sys.stderr)
        for minutes in args.minutes:
            path = folder / f"speech_{minutes:g}min_48k_stereo.flac"
            if not path.exists():
                write_long_file(path, minutes)
            size_mb = path.stat().st_size / 1e6
            measured = detect_in_a_fresh_process(path)
            print(f"{minutes:g} min done", file=sys.stderr)
            ok = "ok" if measured["peak_gb"] <= MEMORY_TARGET_GB else "MISS"
            rows.append((f"detect, {minutes:g} min 48 kHz stereo FLAC ({size_mb:.0f} MB)",
                         f"{measured['wall_s']:.0f} s, peak {measured['peak_gb']:.2f} GB",
                         f"<= {MEMORY_TARGET_GB} GB", ok,
                         f"{measured['windows']} windows, {measured['wall_s'] / (minutes * 60):.3f} s per s of audio, "
                         f"speech {measured['speech_share']:.0%}, {measured['verdict']}"))

    ok = "ok" if overhead["share"] <= OVERHEAD_TARGET else "MISS"
    rows.insert(0, ("speech presence, 10 s WAV", f"+{overhead['share']:.1%}", f"<= {OVERHEAD_TARGET:.0%}", ok,
                    f"analysis {overhead['with_s']:.3f} s with it, {overhead['without_s']:.3f} s without "
                    f"({overhead['backend']}, median of {args.repeats})"))
    print(f"machine: {machine_description()}")
    header = f"{'what':<44}  {'measured':<22}  {'target':<10}  {'':<4}  note"
    print(header)
    print("-" * len(header))
    for label, value, target, status, note in rows:
        print(f"{label:<44}  {value:<22}  {target:<10}  {status:<4}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
