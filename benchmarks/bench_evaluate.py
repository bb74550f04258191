"""Evaluation on your own recordings: what `python -m aasist evaluate` costs on a set of 40.

    python benchmarks/bench_evaluate.py [--recordings 40] [--seconds 5] [--repeats 1] [--keep DIR]

Builds ``--recordings`` recordings of about ``--seconds`` s from the example clips (assets/examples: real_* bona fide,
synthetic_* spoof; half each), cut at random points and joined with pauses of faint noise, written as 44.1 kHz
16-bit WAV files into bonafide/ and spoof/ folders; then times ``python -m aasist evaluate DIR --json --no-progress``
(AASIST and AASIST-L, the default models) in a fresh process: imports, loading both models, decoding, speech
presence, scoring and the bootstrap (1000 rounds) included; its CPU time too, and the load average, since other
processes on the machine slow it. A small unmeasured run first fills the ONNX graph cache, as any earlier use would.
Target (issue 17): 2 minutes on 2 cores. The set is made for timing: its few source clips make it easy (EER near 0).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from common import machine_description, use_local_weights  # noqa: E402

EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
FILE_RATE = 44100
TARGET_S = 120.0


def clips(prefix: str) -> list:
    """The example clips whose names start with ``prefix``, decoded at 16 kHz."""
    from aasist.audio.decoding import load_audio

    return [load_audio(path).waveform for path in sorted(EXAMPLES_DIR.glob(f"{prefix}*.wav"))]


def cut_and_joined(sources: list, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """About ``seconds`` of 16 kHz audio: random cuts (1.2 s to a whole clip) of ``sources`` with 0.1-0.8 s pauses
    of faint noise between them, and before the first."""
    parts, total, want = [], 0, int(rng.uniform(0.9, 1.1) * seconds * 16000)
    while total < want:
        pause = 1e-3 * rng.standard_normal(int(rng.uniform(0.1, 0.8) * 16000))
        clip = sources[rng.integers(len(sources))]
        length = int(rng.uniform(min(1.2 * 16000, len(clip)), len(clip)))
        start = int(rng.integers(0, len(clip) - length + 1))
        parts += [pause, clip[start:start + length]]
        total += len(pause) + length
    return np.concatenate(parts)[:want]


def to_rate(x: np.ndarray, rate: int) -> np.ndarray:
    return np.interp(np.arange(len(x) * rate // 16000) * 16000 / rate, np.arange(len(x)), x).astype(np.float32)


def write_set(folder: Path, recordings: int, seconds: float, seed: int = 0) -> float:
    """bonafide/ and spoof/ under ``folder``; returns the seconds of audio written."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for label, prefix, n in (("bonafide", "real_", recordings - recordings // 2), ("spoof", "synthetic_",
                                                                                   recordings // 2)):
        (folder / label).mkdir(parents=True, exist_ok=True)
        sources = clips(prefix)
        for i in range(n):
            audio = to_rate(cut_and_joined(sources, seconds, rng), FILE_RATE)
            sf.write(folder / label / f"{prefix}{i:02d}.wav", audio, FILE_RATE, subtype="PCM_16")
            total += len(audio) / FILE_RATE
    return total


def evaluate_in_a_fresh_process(folder: Path) -> tuple:
    """(wall seconds, CPU seconds, the JSON) of `python -m aasist evaluate FOLDER --json --no-progress`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "aasist", "evaluate", str(folder), "--json", "--no-progress"],
                         capture_output=True, text=True, cwd=REPO_ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"evaluate failed: {out.stderr.strip()}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, json.loads(out.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=1, help="measured runs (the median is reported)")
    parser.add_argument("--keep", type=Path, default=None, help="write the recordings here and keep them")
    args = parser.parse_args(argv)
    print(f"weights: {use_local_weights()}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "set"
        audio_s = write_set(folder, args.recordings, args.seconds)
        warm_up = Path(tmp) / "warm-up"
        write_set(warm_up, 2, 2.0, seed=1)
        evaluate_in_a_fresh_process(warm_up)  # fills the ONNX graph cache when it is empty
        print(f"{args.recordings} recordings written ({audio_s:.0f} s of audio); warm-up done", file=sys.stderr)
        load_before = os.getloadavg()[0]
        runs = [evaluate_in_a_fresh_process(folder) for _ in range(args.repeats)]
        load_after = os.getloadavg()[0]

    wall = statistics.median(w for w, _, _ in runs)
    cpu = statistics.median(c for _, c, _ in runs)
    data = runs[0][2]
    models = ", ".join(f"{m['model']} EER {m['eer']:.1f} % [{m['eer_ci95'][0]:.1f}, {m['eer_ci95'][1]:.1f}]"
                       for m in data["models"])
    counted = sum(1 for f in data["files"] if "error" not in f and not f["no_speech"])
    ok = "ok" if wall <= TARGET_S else "MISS"
    print(f"machine: {machine_description()}; load average {load_before:.1f} before, {load_after:.1f} after")
    header = f"{'what':<52}  {'measured':<10}  {'target':<8}  {'':<4}  note"
    print(header)
    print("-" * len(header))
    print(f"{f'evaluate --json, {args.recordings} x ~{args.seconds:g} s 44.1 kHz WAV, 2 models':<52}  "
          f"{f'{wall:.1f} s':<10}  {f'<= {TARGET_S:.0f} s':<8}  {ok:<4}  "
          f"{wall / args.recordings:.2f} s per recording, CPU {cpu:.0f} s, {audio_s:.0f} s of audio, "
          f"{counted} counted; {models}"
          + (f"; median of {args.repeats}" if args.repeats > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
