"""Measure the robustness check: how many verdicts are fragile, whether fragile verdicts are wrong more often, which
edits flip most, and what the check costs.

Recordings, all assembled offline:
  - real: the CMU ARCTIC example clips, the five LibriVox readings and three CMU Sphinx test utterances of Debian's
    pocketsphinx-testdata, five short (about 1.1 s) Sphinx "cards" utterances, the GSM phone example; plus an 8 kHz
    version (resampled, given to the detector at 8 kHz) and a 1.5 s version (the first 1.5 s) of each of the ten
    full-length recordings;
  - synthetic: the three synthetic example clips, and two sentences each from espeak-ng voices, flite voices
    (kal is an 8 kHz voice) and festival's text2wave voices.
Every recording is analysed whole with the robustness check (``Pipeline``) (none is longer than 30 s) by AASIST and AASIST-L.

Then the cost of the check on a 10 s and a 60 s real recording (ONNX backend, median of 3 after a warm-up).

Needs Debian's pocketsphinx-testdata, espeak-ng, flite and festival. Run: python benchmarks/measure_robustness.py
(about 10 minutes on 2 shared cores); --json OUT also writes every recording's results, --cost-only measures the
cost alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_description, use_local_weights  # noqa: E402

WEIGHTS_SOURCE = use_local_weights()  # $AASIST_WEIGHTS_DIR, ../shared/weights, aasist/pretrained or the Hub

from measure_aggregation import LIBRIVOX, SENTENCES, synthesise  # noqa: E402

from aasist import Detector  # noqa: E402
from aasist.audio.decoding import load_audio, prepare_waveform  # noqa: E402
from aasist.models.model import SAMPLE_RATE  # noqa: E402
from aasist.inference.pipeline import Pipeline  # noqa: E402
from aasist.inference.robustness import EDITS  # noqa: E402

SPHINX = LIBRIVOX.parent
EXAMPLES = ROOT / "assets" / "examples"
ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-us+f3", "en-gb+m4", "en-029",
                 "en-gb-x-gbclan"]
FLITE_VOICES = ["slt", "awb", "rms", "kal16", "kal"]
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]
SHORT_S = 1.5
MODELS = ("AASIST", "AASIST-L")


def festival(voice: str, text: str, workdir: Path):
    out = workdir / f"festival_{voice}_{abs(hash(text))}.wav"
    subprocess.run(["text2wave", "-o", str(out), "-eval", f"(voice_{voice})"], input=text.encode(), check=True,
                   capture_output=True)
    return load_audio(out)


def real_recordings() -> list:
    """(name, group, Audio) of real speech: as recorded, then 8 kHz and 1.5 s versions of the full-length ones."""
    full = [(p.stem, load_audio(p)) for p in sorted(EXAMPLES.glob("real_arctic_*a000?.wav"))]
    full += [(p.stem[-4:], load_audio(p)) for p in sorted(LIBRIVOX.glob("*.wav"))]
    for name in ("goforward", "numbers", "something"):  # 16 kHz 16-bit mono headerless PCM
        pcm = np.fromfile(SPHINX / f"{name}.raw", dtype="<i2")
        full.append((f"sphinx_{name}", prepare_waveform(pcm, SAMPLE_RATE)))
    out = [(name, "real", audio) for name, audio in full]
    out += [(f"cards_{p.stem}", "real", load_audio(p)) for p in sorted((SPHINX / "cards").glob("*.wav"))]
    out.append(("phone_gsm_example", "real 8 kHz", load_audio(EXAMPLES / "real_arctic_slt_a0009_phone_8khz.wav")))
    for name, audio in full:
        import torch
        import torchaudio

        from aasist.audio.decoding import RESAMPLING

        narrow = torchaudio.functional.resample(torch.from_numpy(audio.waveform), SAMPLE_RATE, 8000, **RESAMPLING)
        out.append((f"{name}_8khz", "real 8 kHz", prepare_waveform(narrow.numpy(), 8000)))
    for name, audio in full:
        out.append((f"{name}_1.5s", "real 1.5 s", prepare_waveform(audio.waveform[: int(SHORT_S * SAMPLE_RATE)],
                                                                    SAMPLE_RATE)))
    return out


def synthetic_recordings(workdir: Path) -> list:
    out = [(p.stem, "synthetic", load_audio(p)) for p in sorted(EXAMPLES.glob("synthetic_*.wav"))]
    voices = [("espeak", v) for v in ESPEAK_VOICES] + [("flite", v) for v in FLITE_VOICES]
    for k, (engine, voice) in enumerate(voices + [("festival", v) for v in FESTIVAL_VOICES]):
        for j in range(2):
            text = SENTENCES[(k + 2 * j) % len(SENTENCES)]
            if engine == "festival":
                audio = festival(voice, text, workdir)
            else:
                audio = prepare_waveform(synthesise(engine, voice, text, workdir), SAMPLE_RATE)
            out.append((f"{engine}_{voice}_{j}", "synthetic", audio))
    return out


def cpu_description() -> str:
    """The machine, and how busy it was (the project's machine is shared: its load moves the timings)."""
    return f"{machine_description()}, load average {os.getloadavg()[0]:.1f}"


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def report_model(model: str, rows: list) -> dict:
    truth = {"real": "bona fide", "real 8 kHz": "bona fide", "real 1.5 s": "bona fide", "synthetic": "spoof"}
    for row in rows:
        row["wrong"] = row["verdict"] != truth[row["group"]]
    print(f"\n{model}: {len(rows)} recordings")
    print(f"{'group':<12}{'n':>4}{'wrong':>14}{'fragile':>14}{'wrong|fragile':>16}{'wrong|stable':>15}")
    groups = ["real", "real 8 kHz", "real 1.5 s", "synthetic", "all"]
    # Across the groups: recordings under 2 s already get the too_short warning.
    by_length = {"under 2 s": lambda r: r["duration_s"] < 2, "2 s or more": lambda r: r["duration_s"] >= 2}
    summary = {}
    for group in groups + list(by_length):
        if group in by_length:
            sel = [r for r in rows if by_length[group](r)]
        else:
            sel = rows if group == "all" else [r for r in rows if r["group"] == group]
        fragile = [r for r in sel if not r["stable"]]
        stable = [r for r in sel if r["stable"]]
        wrong = sum(r["wrong"] for r in sel)
        wf, ws = sum(r["wrong"] for r in fragile), sum(r["wrong"] for r in stable)
        print(f"{group:<12}{len(sel):>4}{share(wrong, len(sel)):>14}{share(len(fragile), len(sel)):>14}"
              f"{share(wf, len(fragile)):>16}{share(ws, len(stable)):>15}")
        summary[group] = dict(n=len(sel), wrong=wrong, fragile=len(fragile), wrong_fragile=wf,
                              stable=len(stable), wrong_stable=ws)
    from scipy.stats import fisher_exact

    a = summary["all"]
    table = [[a["wrong_fragile"], a["fragile"] - a["wrong_fragile"]],
             [a["wrong_stable"], a["stable"] - a["wrong_stable"]]]
    _, p = fisher_exact(table, alternative="greater")
    print(f"fragile wrong more often than stable? one-sided Fisher exact p = {p:.3f}")
    flips = Counter(name for r in rows for name in r["flipped_by"])
    by_group = {g: Counter(name for r in rows if r["group"] == g for name in r["flipped_by"]) for g in groups[:-1]}
    print(f"{'edit':<17}{'flips':>6}" + "".join(f"{g:>12}" for g in groups[:-1]))
    for edit in EDITS:
        print(f"{edit.name:<17}{flips[edit.name]:>6}" + "".join(f"{by_group[g][edit.name]:>12}" for g in groups[:-1]))
    summary["flips"] = dict(flips)
    summary["fisher_p"] = p
    return summary


def report_agreement(everything: dict) -> None:
    """Do the two models' disagreements pick out the wrong verdicts?"""
    main, other = ({r["name"]: r for r in everything[m]["recordings"]} for m in MODELS)
    disagree = [n for n in main if main[n]["verdict"] != other[n]["verdict"]]
    agree = [n for n in main if n not in disagree]
    print(f"\nmodel agreement ({MODELS[0]} as the main model): the models disagree on {share(len(disagree), len(main))}"
          f"; {MODELS[0]} wrong where they disagree {share(sum(main[n]['wrong'] for n in disagree), len(disagree))}, "
          f"where they agree {share(sum(main[n]['wrong'] for n in agree), len(agree))}")
    for n in disagree:
        print(f"  {n} ({main[n]['group']}): {main[n]['spoof_probability']:.3f} vs {other[n]['spoof_probability']:.3f}")


def measure_cost(detector: Detector, seconds: float, repeats: int = 5) -> dict:
    """Wall time of an analysis with and without the check (runs alternate, so that both see the same load), and
    what the check is made of: windows scored, time per window in the same run, time of the edits themselves.

    The fastest run of each kind is the one least disturbed by other processes on a shared machine.
    """
    from aasist.inference.robustness import MAX_CHECK_S
    from aasist.audio.windows import WindowGeometry

    material = np.concatenate([load_audio(p).waveform for p in sorted(LIBRIVOX.glob("*.wav"))])
    x = np.tile(material, int(np.ceil(seconds * SAMPLE_RATE / len(material))))[: int(seconds * SAMPLE_RATE)]
    audio = prepare_waveform(x, SAMPLE_RATE)
    excerpt = x[: int(MAX_CHECK_S * SAMPLE_RATE)]
    pipeline = Pipeline([detector])
    pipeline.analyze(audio, robustness=True)  # warm-up
    plain, robust, edits, window = [], [], [], []
    for _ in range(repeats):
        for runs, options in ((plain, {}), (robust, {"robustness": True})):
            start = time.perf_counter()
            pipeline.analyze(audio, **options)
            runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        edited = [edit.apply(excerpt) for edit in EDITS]
        edits.append(time.perf_counter() - start)
        start = time.perf_counter()
        detector.backend.run(WindowGeometry().cut(x, [0]))
        window.append(time.perf_counter() - start)
    n_windows = len(WindowGeometry().starts(len(excerpt))) * (len(excerpt) < len(x)) + sum(
        len(WindowGeometry.with_hop_seconds(None, e.window_offset_s).starts(len(e.waveform)))
        for e in edited if not e.unchanged)
    return dict(plain=min(plain), robust=min(robust), robust_median=statistics.median(robust), edits=min(edits),
                window=min(window), windows=n_windows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="OUT", help="write every recording's results to this JSON file")
    parser.add_argument("--cost-only", action="store_true", help="only measure the cost of the check")
    args = parser.parse_args()
    if args.cost_only:
        return print_cost()

    print(f"machine: {cpu_description()}; weights: {WEIGHTS_SOURCE}")
    with tempfile.TemporaryDirectory() as tmp:
        recordings = real_recordings() + synthetic_recordings(Path(tmp))
    counts = Counter(group for _, group, _ in recordings)
    print(f"{len(recordings)} recordings: {dict(counts)}; "
          f"{np.mean([a.duration_s for _, _, a in recordings]):.1f} s on average")

    everything = {}
    for model in MODELS:
        detector = Detector.from_pretrained(model, backend="onnx")
        rows = []
        for name, group, audio in recordings:
            result = Pipeline([detector]).analyze(audio, robustness=True)
            check = result.robustness
            rows.append(dict(name=name, group=group, duration_s=round(audio.duration_s, 2),
                             spoof_probability=round(result.spoof_probability, 4), verdict=result.verdict,
                             stable=check.stable, flipped_by=check.flipped_by,
                             edits={e.name: round(e.spoof_probability, 4) for e in check.edits}))
        summary = report_model(model, rows)
        everything[model] = {"summary": summary, "recordings": rows}
    report_agreement(everything)

    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))
    print_cost()


def print_cost() -> None:
    detector = Detector.from_pretrained("AASIST", backend="onnx")
    print(f"\ncost (AASIST, ONNX; fastest of 5 alternating runs; machine: {cpu_description()})")
    for seconds in (10.0, 60.0):
        c = measure_cost(detector, seconds)
        print(f"{seconds:.0f} s recording: analysis {c['plain']:.2f} s, with robustness {c['robust']:.2f} s "
              f"(median {c['robust_median']:.2f} s; check alone {c['robust'] - c['plain']:.2f} s): "
              f"{c['windows']} more windows at {c['window']:.3f} s each in this run, the edits themselves "
              f"{c['edits']:.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
