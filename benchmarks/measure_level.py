"""Measure how the input level alone sways the pretrained models' verdict.

Takes real recordings and synthetic speech available offline, scales each (a plain gain, nothing else) to peak
levels 3 dB apart, adds one AGC-like version (compressed, then peaked at 0.9: what automatic gain control does to
speech), scores every version as a whole file with AASIST and AASIST-L, and prints:
  (a) spoof probability per recording and peak level (the table of issue #9, re-measured);
  (b) per peak level: mean spoof probability and share called spoof, real against synthetic;
  (c) the same by active speech level (RMS over the non-silent 20 ms frames, ``level.input_level``), and
      the share of real recordings called spoof above each speech level / of synthetic ones passing as real below
      it, next to the same recordings at their own level: where the verdict leans with loudness.

Real: the example clips (except the 8 kHz phone one, and the LibriVox one, which is also in the test data) and
the 2 s or longer recordings of Debian's pocketsphinx-testdata (LibriVox, CMU Sphinx "cards" and raw 16 kHz clips).
Synthetic: SENTENCES read by espeak-ng, flite and festival voices (festival's voices are the Debian packages
festvox-kallpc16k, festvox-kdlpc16k and festvox-us-slt-hts; a voice that is missing is skipped and named).

Needs pocketsphinx-testdata, espeak-ng, flite, festival (with the voices above) and ffmpeg.
Run: python benchmarks/measure_level.py [--models AASIST,AASIST-L] [--json scores.json]
(about 8 minutes per model on 2 CPU cores)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import use_local_weights  # noqa: E402

use_local_weights()

from aasist import Detector  # noqa: E402
from aasist.audio.decoding import load_audio, prepare_waveform  # noqa: E402
from aasist.audio.level import LOUD_SPEECH_DBFS, QUIET_SPEECH_DBFS, input_level  # noqa: E402

SPHINX = Path("/usr/share/pocketsphinx/test/data")
EXAMPLES = ROOT / "assets" / "examples"
PEAKS = (0.03, 0.045, 0.06, 0.09, 0.125, 0.18, 0.25, 0.35, 0.5, 0.7, 0.9)  # 3 dB apart
TABLE_PEAKS = (0.03, 0.06, 0.125, 0.25, 0.5, 0.9)  # the columns
# "AGC": what a voice-call style automatic gain control does, roughly: a fast compressor, then the peak pushed
# to 0.9. It lifts the speech level above what plain scaling reaches without clipping.
AGC_FILTER = "acompressor=threshold=-30dB:ratio=6:attack=5:release=100"
AGC = "agc"
MIN_DURATION_S = 2.0
SENTENCES = [
    "The committee will meet again on Thursday to review the budget for next year.",
    "She walked along the river until the lights of the town disappeared behind her.",
    "Please remember to bring your identification card to the front desk.",
    "If the weather holds, the ferry should arrive a little before noon.",
]
# Distinct voices only: a variant espeak-ng does not know (e.g. "en-gb+m4") silently gives the plain voice.
ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us+f3", "en-us+klatt"]
FLITE_VOICES = ["slt", "awb", "rms", "kal16"]  # not "kal": 8 kHz, the band_limited case
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]
SPEECH_BINS_DB = np.arange(-51, -8, 3)  # lower edges of 3 dB bins of speech level


@dataclass
class Recording:
    name: str
    truth: str  # "real" or "synthetic"
    waveform: np.ndarray  # 16 kHz mono, as found


@dataclass
class Scored:
    recording: Recording
    peak: float | str | None  # the target peak, AGC for the compressed version, None for the recording as found
    peak_dbfs: float
    speech_dbfs: float
    spoof_probability: dict  # model name -> probability


def real_recordings() -> list:
    files = [p for p in sorted(EXAMPLES.glob("real_*.wav")) if "8khz" not in p.name and "librivox" not in p.name]
    files += sorted((SPHINX / "librivox").glob("*.wav")) + sorted((SPHINX / "cards").glob("*.wav"))
    recordings = [Recording(short_name(p), "real", load_audio(p).waveform) for p in files]
    for raw in sorted(SPHINX.rglob("*.raw")):  # headerless 16 kHz 16-bit mono
        x = np.fromfile(raw, dtype="<i2")
        recordings.append(Recording(short_name(raw), "real", prepare_waveform(x, 16000).waveform))
    return [r for r in recordings if len(r.waveform) >= MIN_DURATION_S * 16000]


def short_name(path: Path) -> str:
    """e.g. "arctic_awb_a0007", "librivox 0870" (Sense and Sensibility, segment 0870), "sphinx numbers"."""
    if path.name.startswith("real_"):
        return path.stem[len("real_"):]
    if "librivox" in path.parts:
        return f"librivox {path.stem[-4:]}"
    return f"sphinx {path.parent.name if path.parent.name != 'data' else ''} {path.stem}".replace("  ", " ")


def synthetic_recordings(workdir: Path) -> list:
    recordings, missing = [], []
    for engine, voices in (("espeak", ESPEAK_VOICES), ("flite", FLITE_VOICES), ("festival", FESTIVAL_VOICES)):
        for voice in voices:
            for k, text in enumerate(SENTENCES):
                out = workdir / f"{engine}_{voice}_{k}.wav"
                if engine == "espeak":
                    command = ["espeak-ng", "-v", voice, "-w", str(out), text]
                elif engine == "flite":
                    command = ["flite", "-voice", voice, "-t", text, "-o", str(out)]
                else:
                    command = ["text2wave", "-eval", f"(voice_{voice})", "-o", str(out)]
                if shutil.which(command[0]) is None:
                    missing.append(f"{engine} (not installed)")
                    break
                done = subprocess.run(command, input=text if engine == "festival" else None, text=True,
                                      capture_output=True)
                if done.returncode != 0 or not out.exists() or out.stat().st_size < 1000:
                    missing.append(f"{engine} {voice}")
                    break
                label = voice.replace("cmu_us_", "").replace("_arctic", "")  # cmu_us_slt_arctic_hts: slt_hts
                recordings.append(Recording(f"{engine} {label} #{k}", "synthetic", load_audio(out).waveform))
    if missing:
        print("skipped: " + ", ".join(sorted(set(missing))))
    return recordings


def compressed(x: np.ndarray, workdir: Path) -> np.ndarray:
    """``x`` through AGC_FILTER (ffmpeg), then scaled to a peak of 0.9."""
    source, out = workdir / "agc_in.wav", workdir / "agc_out.wav"
    sf.write(source, x, 16000, subtype="FLOAT")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), "-af", AGC_FILTER, "-c:a", "pcm_f32le",
                    str(out)], check=True)
    y = load_audio(out).waveform
    return (y * (0.9 / np.max(np.abs(y)))).astype(np.float32)


def score_all(recordings: list, models: list, workdir: Path) -> list:
    detectors = {m: Detector.from_pretrained(m) for m in models}
    scored = []
    for i, recording in enumerate(recordings):
        x = recording.waveform
        peak = float(np.max(np.abs(x)))
        for target in (None, *PEAKS, AGC):
            if target is None:
                y = x
            elif target == AGC:
                y = compressed(x, workdir)
            else:
                y = (x * (target / peak)).astype(np.float32)
            level = input_level(y)
            p = {m: d.analyze(y, sample_rate=16000).spoof_probability for m, d in detectors.items()}
            scored.append(Scored(recording, target, level.peak_dbfs, level.speech_dbfs, p))
        print(f"\rscored {i + 1}/{len(recordings)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return scored


def print_table(scored: list, model: str) -> None:
    print(f"\n(a) {model}: spoof probability of each recording scaled to a peak level (first sentence per voice)")
    print(f"{'recording (original peak, speech level)':<52}{'as is':>7}" + "".join(f"{p:>7g}" for p in TABLE_PEAKS)
          + f"{'AGC':>7}")
    names = []
    for s in scored:
        if s.recording.name not in names and (s.recording.truth == "real" or s.recording.name.endswith("#0")):
            names.append(s.recording.name)
    for name in names:
        rows = [s for s in scored if s.recording.name == name and s.peak in (None, *TABLE_PEAKS, AGC)]
        own = rows[0]
        label = f"{own.recording.truth} {name} ({10 ** (own.peak_dbfs / 20):.2f}, {own.speech_dbfs:.0f} dBFS)"
        print(f"{label:<52}" + "".join(f"{s.spoof_probability[model]:>7.2f}" for s in rows))


def summarise(rows: list, model: str) -> str:
    if not rows:
        return f"{'-':>24}"
    p = np.array([s.spoof_probability[model] for s in rows])
    return f"{p.mean():>8.2f} {np.mean(p >= 0.5):>5.0%} ({len(rows):>3})"


def print_by_peak(scored: list, model: str) -> None:
    print(f"\n(b) {model}: by peak level: mean spoof probability, share called spoof (number of recordings)")
    print(f"{'peak':<16}{'real':>24}{'synthetic':>24}")
    for target in (None, *PEAKS, AGC):
        label = {None: "as found", AGC: "AGC, 0.9"}.get(target) or f"{target:g} ({20 * np.log10(target):.0f} dBFS)"
        cells = [summarise([s for s in scored if s.peak == target and s.recording.truth == t], model)
                 for t in ("real", "synthetic")]
        print(f"{label:<16}" + "".join(f"{c:>24}" for c in cells))


def print_by_speech_level(scored: list, model: str) -> None:
    print(f"\n(c) {model}: by speech level (every scaled and AGC version, 3 dB bins): mean spoof probability, "
          "share called spoof (versions)")
    print(f"{'speech dBFS':<16}{'real':>24}{'synthetic':>24}")
    versions = [s for s in scored if s.peak is not None]
    for low in SPEECH_BINS_DB:
        cells = [summarise([s for s in versions if s.recording.truth == t and low <= s.speech_dbfs < low + 3], model)
                 for t in ("real", "synthetic")]
        print(f"{f'{low} to {low + 3}':<16}" + "".join(f"{c:>24}" for c in cells))

    # The thresholds below compare the level in whole dB, as level.input_level does.
    own = {s.recording.name: s for s in scored if s.peak is None}
    real = [s for s in versions if s.recording.truth == "real"]
    print(f"\n{model}: LOUD: real versions with speech level at or above X called spoof (and the recordings they "
          "come from), all / plainly scaled / AGC; the same recordings as found")
    for x in range(-24, -13, 2):
        scaled = [s for s in real if s.peak != AGC and round(s.speech_dbfs) >= x]
        agc = [s for s in real if s.peak == AGC and round(s.speech_dbfs) >= x]
        mark = "   <- level.LOUD_SPEECH_DBFS" if x == LOUD_SPEECH_DBFS else ""
        print(f"  X = {x:>4} dBFS: all {_lean(scaled + agc, own, model, spoof=True)}; scaled "
              f"{_lean(scaled, own, model, spoof=True)}; AGC {_lean(agc, own, model, spoof=True)}{mark}")
    fake = [s for s in versions if s.recording.truth == "synthetic"]
    print(f"{model}: QUIET: synthetic versions with speech level from Z - 6 dB up to Z passing as real (and the "
          "recordings they come from), and all below Z; the same recordings as found")
    for z in range(-42, -25, 2):
        band = [s for s in fake if z - 6 <= round(s.speech_dbfs) < z]
        below = [s for s in fake if round(s.speech_dbfs) < z]
        mark = "   <- level.QUIET_SPEECH_DBFS" if z == QUIET_SPEECH_DBFS else ""
        print(f"  Z = {z:>4} dBFS: {_lean(band, own, model, spoof=False)}; all below Z "
              f"{sum(s.spoof_probability[model] < 0.5 for s in below)} of {len(below)} versions{mark}")


def _lean(rows: list, own: dict, model: str, spoof: bool) -> str:
    """How many of ``rows`` got the wrong verdict (spoof for real, bona fide for synthetic), in versions and in
    recordings (a recording counts when any of its versions in ``rows`` did), against those recordings as found."""
    def wrong(s: Scored) -> bool:
        return (s.spoof_probability[model] >= 0.5) == spoof

    names = sorted({s.recording.name for s in rows})
    hit = {s.recording.name for s in rows if wrong(s)}
    base = sum(wrong(own[n]) for n in names)
    return (f"{sum(map(wrong, rows)):>3} of {len(rows):>3} versions ({len(hit)} of {len(names)} recordings, "
            f"as found {base})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="AASIST,AASIST-L")
    parser.add_argument("--json", type=Path, help="also write every scored version here")
    parser.add_argument("--from-json", type=Path, nargs="+", metavar="JSON",
                        help="print from scores written by --json (one file per model, merged) instead of scoring")
    args = parser.parse_args()
    if args.from_json:
        scored = load_scores(args.from_json)
        models = list(scored[0].spoof_probability)
    else:
        models = args.models.split(",")
        with tempfile.TemporaryDirectory() as tmp:
            recordings = real_recordings() + synthetic_recordings(Path(tmp))
            scored = score_all(recordings, models, Path(tmp))
        if args.json:
            args.json.write_text(json.dumps([{"name": s.recording.name, "truth": s.recording.truth, "peak": s.peak,
                                              "peak_dbfs": s.peak_dbfs, "speech_dbfs": s.speech_dbfs,
                                              "spoof_probability": s.spoof_probability} for s in scored], indent=1))
    real = {s.recording.name for s in scored if s.recording.truth == "real"}
    fake = {s.recording.name for s in scored if s.recording.truth == "synthetic"}
    print(f"{len(real)} real recordings, {len(fake)} synthetic ({len(SENTENCES)} sentences x voices); peaks "
          f"{', '.join(f'{p:g}' for p in PEAKS)}, as found, and AGC ({AGC_FILTER}, then peak 0.9)")
    for model in models:
        print_table(scored, model)
        print_by_peak(scored, model)
        print_by_speech_level(scored, model)


def load_scores(paths: list) -> list:
    merged = {}
    for path in paths:
        for row in json.loads(path.read_text()):
            key = (row["name"], row["peak"])
            if key not in merged:
                recording = Recording(row["name"], row["truth"], np.zeros(0, np.float32))
                merged[key] = Scored(recording, row["peak"], row["peak_dbfs"], row["speech_dbfs"], {})
            merged[key].spoof_probability.update(row["spoof_probability"])
    return list(merged.values())


if __name__ == "__main__":
    main()
