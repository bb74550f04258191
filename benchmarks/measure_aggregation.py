"""Measure how the windows' spoof probabilities should be aggregated into one number for a recording.

Builds multi-window recordings from material available offline, scores every 4 s window once with AASIST and
AASIST-L, and compares aggregation rules (mean probability, median, maximum, probability of the mean logit
margin) on:
  - real speech: concatenations of the LibriVox recordings of Debian's pocketsphinx-testdata and the CMU ARCTIC
    example clips, in rotating orders (about 10-30 s each);
  - synthetic speech: several sentences read by espeak-ng and flite voices (about 8-20 s each);
  - partly synthetic: a real recording with one synthetic sentence spliced into the middle.

Needs Debian's pocketsphinx-testdata, espeak-ng and flite. Run: python benchmarks/measure_aggregation.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import use_local_weights  # noqa: E402

WEIGHTS_SOURCE = use_local_weights()  # $AASIST_WEIGHTS_DIR, ../shared/weights, aasist/pretrained or the Hub

from aasist import Detector  # noqa: E402
from aasist.audio.decoding import load_audio  # noqa: E402

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SENTENCES = [
    "The committee will meet again on Thursday to review the budget for next year.",
    "She walked along the river until the lights of the town disappeared behind her.",
    "Please remember to bring your identification card to the front desk.",
    "Scientists have found that the ancient forest was far larger than anyone believed.",
    "If the weather holds, the ferry should arrive a little before noon.",
    "My grandfather kept every letter he ever received in a wooden box.",
]
ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-us+f3", "en-gb+m4"]
FLITE_VOICES = ["slt", "awb", "rms", "kal16"]


def synthesise(engine: str, voice: str, text: str, workdir: Path) -> np.ndarray:
    out = workdir / f"{engine}_{voice}_{abs(hash(text))}.wav"
    if engine == "espeak":
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True)
    else:
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True)
    return load_audio(out).waveform


def real_material() -> list:
    clips = [load_audio(p).waveform for p in sorted(LIBRIVOX.glob("*.wav"))]
    clips += [load_audio(p).waveform for p in sorted((ROOT / "assets/examples").glob("real_arctic_*a000?.wav"))]
    return clips


def build_sets(workdir: Path) -> dict:
    real = real_material()
    gap = np.zeros(3200, dtype=np.float32)  # 0.2 s pause between utterances
    real_recordings = []
    for shift in range(len(real)):
        order = real[shift:] + real[:shift]
        for n in (2, 3, 4):
            real_recordings.append(np.concatenate([c for clip in order[:n] for c in (clip, gap)]))
    synthetic_recordings = []
    for i, (engine, voices) in enumerate((("espeak", ESPEAK_VOICES), ("flite", FLITE_VOICES))):
        for j, voice in enumerate(voices):
            texts = [SENTENCES[(j + k) % len(SENTENCES)] for k in range(3)]
            parts = [synthesise(engine, voice, t, workdir) for t in texts]
            synthetic_recordings.append(np.concatenate([c for p in parts for c in (p, gap)]))
    partial = []
    for k, recording in enumerate(real_recordings[::3]):
        engine, voice = ("espeak", ESPEAK_VOICES[k % 6]) if k % 2 == 0 else ("flite", FLITE_VOICES[k % 4])
        fake = synthesise(engine, voice, SENTENCES[k % len(SENTENCES)], workdir)
        middle = len(recording) // 2
        partial.append(np.concatenate([recording[:middle], gap, fake, gap, recording[middle:]]))
    return {"real": real_recordings, "synthetic": synthetic_recordings, "partly synthetic": partial}


RULES = {
    "mean probability": lambda p, m: float(np.mean(p)),
    "median probability": lambda p, m: float(np.median(p)),
    "max probability": lambda p, m: float(np.max(p)),
    "sigmoid(mean margin)": lambda p, m: float(1 / (1 + np.exp(-np.mean(m)))),
}


def main() -> None:
    print(f"weights: {WEIGHTS_SOURCE}")
    with tempfile.TemporaryDirectory() as tmp:
        sets = build_sets(Path(tmp))
    print({k: (len(v), f"{np.mean([len(x) for x in v]) / 16000:.1f} s mean") for k, v in sets.items()})
    for model in ("AASIST", "AASIST-L"):
        detector = Detector.from_pretrained(model)
        scored = {}
        for name, recordings in sets.items():
            scored[name] = []
            for x in recordings:
                windows = detector.analyze(x, sample_rate=16000).windows
                p = np.array([w.spoof_probability for w in windows])
                margin = np.log(np.clip(p, 1e-12, 1)) - np.log(np.clip(1 - p, 1e-12, 1))  # spoof minus bona fide
                scored[name].append((p, margin))
        print(f"\n{model}: share of recordings called spoof (threshold 0.5)")
        print(f"{'rule':<22}" + "".join(f"{k:>18}" for k in sets))
        for rule, fn in RULES.items():
            shares = [np.mean([fn(p, m) >= 0.5 for p, m in scored[k]]) for k in sets]
            print(f"{rule:<22}" + "".join(f"{s:>18.0%}" for s in shares))
        windows_real = np.concatenate([p for p, _ in scored["real"]])
        print(f"single real windows called spoof: {np.mean(windows_real >= 0.5):.0%} of {len(windows_real)}")


if __name__ == "__main__":
    main()
