"""Measure the live alarm's false alarms and detections for a grid of settings, streaming every recording from
several start offsets.

A live microphone stream almost never starts exactly at a pause, and the pretrained models learnt ASVspoof 2019's
silence shortcut (leading silence means bona fide): single windows of real speech that do not begin with a pause
often score 0.8-0.99. So every recording is streamed from each of OFFSETS_S (0, 0.25, ..., 1.75 s into it) through
``aasist.inference.streaming.StreamingDetector`` at a 1 s hop, and for each setting (smoothing N windows, min_hops K,
threshold, margin 0.1) the script prints
  - real: streams that raised an alarm (and their share), recordings with an alarm at any offset, alarms per minute
    of real speech streamed;
  - synthetic: streams that raised one, streams that raised it by 4.04 s + 2 hops after the stream began (issue #9's
    deadline: 6.04 s at a 1 s hop), median and maximum time from the stream's start to the alarm;
  - partly synthetic: streams that raised one (anywhere).
Before the grid, a headroom table per (N, K): the highest smoothed probability real speech held for K hops and the
lowest synthetic speech held through the hops up to the deadline; a threshold between the two separates them.
--fine repeats it from every 0.05 s offset for the closest cases; --clip L adds a rule variant (each window's
spoof-minus-bona-fide logit clipped to +-L before the smoothing).
Material:
  - real: the rotating concatenations of measure_aggregation.py (LibriVox and CMU ARCTIC clips, 0.2 s pauses) and
    natural continuous recordings: every real clip of 2 s or more of measure_level.py (each LibriVox segment, the
    CMU Sphinx clips, the real example clips) and the consecutive LibriVox segments 0870+0880+0890 and 0920+0930
    joined as read; one shorter than MIN_STREAM_S is looped (repeated whole) to that length, so that every offset
    leaves several windows;
  - synthetic: measure_aggregation.py's (espeak-ng and flite voices, 3 sentences each), plus measure_level.py's
    voices that list lacks (espeak-ng en-029 and klatt; festival's, when installed), 4 sentences joined;
  - partly synthetic: measure_aggregation.py's (real speech with one synthetic sentence spliced in).
Each window is scored once (a cache keyed by the window's samples; --cache DIR keeps it on disk between runs: clear
it when the weights change) and every setting replays the same scores through the real StreamingDetector.
Needs pocketsphinx-testdata, espeak-ng and flite (festival optional). Time on 2 busy CPU cores: scoring the 2330
distinct windows took 7 min (AASIST) and 3.5 min (AASIST-L), the replays about 5 min a model with --fine and
--clip 4 6; with the windows in a --cache folder a second run takes only the replays.
Run: python benchmarks/measure_streaming_alarm.py [--models AASIST,AASIST-L] [--cache DIR] [--fine] [--clip 4 6]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_aggregation import ESPEAK_VOICES, FLITE_VOICES, build_sets  # noqa: E402  (sets AASIST_WEIGHTS_DIR)
from measure_level import real_recordings, synthetic_recordings  # noqa: E402

from aasist import Detector  # noqa: E402
from aasist.models.model import SAMPLE_RATE as SR  # noqa: E402
from aasist.inference.streaming import (DEFAULT_MARGIN, DEFAULT_MIN_HOPS, DEFAULT_SMOOTHING,  # noqa: E402
                                        DEFAULT_THRESHOLD, WINDOW_S, StreamingDetector)

HOP_S = 1.0
OFFSETS_S = tuple(0.25 * k for k in range(8))  # where in the recording the stream begins
DEADLINE_S = WINDOW_S + 2 * HOP_S  # issue #9: a synthetic stream is alarmed within one window plus two hops
MIN_STREAM_S = 10.0  # shorter recordings are looped to this length
MARGIN = 0.1
SMOOTHINGS, MIN_HOPS, THRESHOLDS = (3, 5, 7, 9), (2, 3), (0.5, 0.7, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99)
# --fine: the hops up to DEADLINE_S, from every 0.05 s offset in the first 2 s, of the real reading that came
# closest to an alarm (LibriVox) and of the synthetic voices that scored lowest (flite kal16, festival) on the
# 0.25 s grid.
FINE_OFFSETS_S = tuple(0.05 * k for k in range(41))
FINE_RECORDINGS = ("librivox", "flite kal16", "festival")  # name prefixes
JOINED_LIBRIVOX = (("0870", "0880", "0890"), ("0920", "0930"))  # consecutive segments: continuous reading
GAP = np.zeros(SR // 5, np.float32)  # 0.2 s between synthetic sentences, as in measure_aggregation.py
KINDS = ("real", "synthetic", "partly synthetic")


@dataclass
class Material:
    name: str
    kind: str  # one of KINDS
    waveform: np.ndarray  # 16 kHz mono


@dataclass
class Setting:
    smoothing: int
    min_hops: int
    threshold: float
    margin: float = MARGIN
    clip: Optional[float] = None  # rule variant: each window's spoof-minus-bona-fide logit clipped to +-clip

    def label(self) -> str:
        return f"{self.smoothing:>3} {self.min_hops:>3} {self.threshold:>5.2f}" + (
            f" clip {self.clip:g}" if self.clip is not None else "")


@dataclass
class Outcome:
    setting: Setting
    streams: dict  # kind -> number of streams
    real: int  # real streams with an alarm
    real_recordings: int  # real recordings with an alarm at one offset or more
    per_minute: float  # alarms per minute of real speech streamed
    synthetic: int  # synthetic streams with an alarm
    by_deadline: int  # synthetic streams alarmed by DEADLINE_S after their start
    median_s: Optional[float]  # time from the stream's start to the first alarm, synthetic streams
    max_s: Optional[float]
    partly: int  # partly synthetic streams with an alarm


class CachedScores:
    """A Detector stand-in for replays: each distinct window is scored once by the real detector. ``clip`` (the
    clipped-logit rule variant) clips each window's spoof-minus-bona-fide logit to +-clip."""

    def __init__(self, detector: Detector, cache: Optional[dict] = None, clip: Optional[float] = None):
        self.detector, self.cache, self.clip = detector, {} if cache is None else cache, clip

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        rows = []
        for window in windows:
            key = hashlib.sha1(window.tobytes()).digest()
            if key not in self.cache:
                self.cache[key] = self.detector.score_windows(window[None])[0]
            rows.append(self.cache[key])
        logits = np.stack(rows)
        if self.clip is not None:  # same bona fide logit, spoof logit moved so that the difference is clipped
            margin = np.clip(logits[:, 0] - logits[:, 1], -self.clip, self.clip)
            logits = np.stack([logits[:, 1] + margin, logits[:, 1]], axis=1)
        return logits

    def load(self, path: Path) -> None:
        if path.exists():
            data = np.load(path)
            self.cache.update(zip((bytes.fromhex(k) for k in data["keys"]), data["logits"]))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array([key.hex() for key in self.cache])  # hex: a bytes array would drop trailing zero bytes
        np.savez(path, keys=keys, logits=np.array(list(self.cache.values())).reshape(-1, 2))


def looped(x: np.ndarray) -> np.ndarray:
    return np.tile(x, math.ceil(MIN_STREAM_S * SR / len(x)))


def build_material(workdir: Path) -> list:
    sets = build_sets(workdir)
    material = [Material(f"mixed {k + 1}", "real", x) for k, x in enumerate(sets["real"])]
    singles = real_recordings()
    librivox = {r.name.split()[-1]: r.waveform for r in singles if r.name.startswith("librivox")}
    natural = [(r.name, r.waveform) for r in singles]
    natural += [("librivox " + "+".join(ids), np.concatenate([librivox[i] for i in ids])) for ids in JOINED_LIBRIVOX]
    material += [Material(name, "real", looped(x)) for name, x in natural]

    voices = [f"espeak {v}" for v in ESPEAK_VOICES] + [f"flite {v}" for v in FLITE_VOICES]  # build_sets' order
    material += [Material(voice, "synthetic", x) for voice, x in zip(voices, sets["synthetic"])]
    sentences: dict = {}
    for r in synthetic_recordings(workdir):  # one sentence each, named "engine voice #k"
        voice = r.name.rsplit(" #", 1)[0]
        if voice not in voices:
            sentences.setdefault(voice, []).append(r.waveform)
    material += [Material(voice, "synthetic", np.concatenate([c for p in parts for c in (p, GAP)]))
                 for voice, parts in sentences.items()]
    material += [Material(f"partly synthetic {k + 1}", "partly synthetic", x)
                 for k, x in enumerate(sets["partly synthetic"])]
    return material


def replay(scorer, x: np.ndarray, setting: Setting) -> tuple:
    """(updates, summary) of ``x`` streamed through a StreamingDetector with ``setting``."""
    stream = StreamingDetector(scorer, hop_s=HOP_S, threshold=setting.threshold, min_hops=setting.min_hops,
                               margin=setting.margin, smoothing=setting.smoothing)
    updates = []
    for begin in range(0, len(x), SR):  # 1 s chunks: the chunking does not change the windows
        updates += stream.push(x[begin : begin + SR], SR)
    updates += stream.finish()
    return updates, stream.summary()


def streams(material: list, offsets=OFFSETS_S, until_s: Optional[float] = None):
    """(material, offset, samples) of every stream: each recording from each offset (cut after ``until_s``)."""
    for m in material:
        for offset in offsets:
            begin = round(offset * SR)
            yield m, offset, m.waveform[begin : None if until_s is None else begin + round(until_s * SR) + 1]


def held(probabilities: list, hops: int) -> float:
    """The highest threshold that ``probabilities`` (smoothed, one per counted hop) stayed at or above for ``hops``
    consecutive hops: any threshold up to it raises the alarm, any above it does not (0 with fewer hops)."""
    return max((min(probabilities[i : i + hops]) for i in range(len(probabilities) - hops + 1)), default=0.0)


def headroom(scorer: CachedScores, stream_list: list, smoothing: int, min_hops: int) -> tuple:
    """The real streams' highest ``held`` probabilities and the synthetic streams' lowest held by DEADLINE_S, each a
    sorted list of (probability, stream): a threshold above the real ones and at or below the synthetic ones raises
    no alarm on these real streams and raises it on every synthetic one in time."""
    real, synthetic = {}, []
    for m, offset, x in stream_list:
        if m.kind == "partly synthetic":
            continue
        updates, _ = replay(scorer, x, Setting(smoothing, min_hops, 0.5))
        counted = [u for u in updates if u.status == "scored"]  # silent hops neither count nor break a run
        label = f"{m.name} from {offset:g} s"
        if m.kind == "real":  # streams that share the audio of their worst hops share the value: keep one
            real.setdefault(round(held([u.smoothed_probability for u in counted], min_hops), 6), label)
        else:
            early = [u.smoothed_probability for u in counted if u.t_end_s <= DEADLINE_S + 1e-6]
            synthetic.append((held(early, min_hops), label))
    return sorted(real.items(), reverse=True), sorted(synthetic)


def print_headroom(scorer: CachedScores, stream_list: list, title: str) -> None:
    print(f"\n{title}")
    print(f"{'N':>3} {'K':>3} | {'real: the two highest held for K hops':<70} | synthetic: the three lowest held by "
          f"{DEADLINE_S:.2f} s")
    for smoothing in SMOOTHINGS:
        for min_hops in MIN_HOPS:
            real, synthetic = headroom(scorer, stream_list, smoothing, min_hops)
            print(f"{smoothing:>3} {min_hops:>3} | " + f"{'; '.join(f'{p:.4f} {s}' for p, s in real[:2]):<70} | "
                  + "; ".join(f"{p:.4f} {s}" for p, s in synthetic[:3]), flush=True)


def measure(scorer: CachedScores, material: list, setting: Setting) -> Outcome:
    alarms = {kind: [] for kind in KINDS}  # per stream: the summary's alarms
    alarmed_recordings, real_minutes = set(), 0.0
    for m, offset, x in streams(material):
        _, summary = replay(CachedScores(scorer.detector, scorer.cache, setting.clip), x, setting)
        alarms[m.kind].append(summary.alarms)
        if m.kind == "real":
            real_minutes += summary.duration_s / 60
            if summary.alarms:
                alarmed_recordings.add(m.name)
    first = [a[0][0] for a in alarms["synthetic"] if a]
    return Outcome(
        setting,
        streams={kind: len(a) for kind, a in alarms.items()},
        real=sum(map(bool, alarms["real"])),
        real_recordings=len(alarmed_recordings),
        per_minute=sum(len(a) for a in alarms["real"]) / real_minutes,
        synthetic=sum(map(bool, alarms["synthetic"])),
        by_deadline=sum(bool(a) and a[0][0] <= DEADLINE_S + 1e-6 for a in alarms["synthetic"]),
        median_s=float(np.median(first)) if first else None,
        max_s=float(np.max(first)) if first else None,
        partly=sum(map(bool, alarms["partly synthetic"])),
    )


HEADER = (f"{'N':>3} {'K':>3} {'thr':>5}         | {'real streams':>14} {'recordings':>10} {'per min':>7} | "
          f"{'synthetic':>9} {f'by {DEADLINE_S:.2f} s':>9} {'median':>6} {'max':>5} | {'partly':>6}")


def row(o: Outcome, real_count: int) -> str:
    def seconds(t):
        return f"{t:.2f}" if t is not None else "-"

    def count(n, kind):
        return f"{n}/{o.streams[kind]}"

    return (f"{o.setting.label():<21} | {count(o.real, 'real'):>7} {o.real / o.streams['real']:>6.1%} "
            f"{f'{o.real_recordings}/{real_count}':>10} {o.per_minute:>7.3f} | {count(o.synthetic, 'synthetic'):>9} "
            f"{count(o.by_deadline, 'synthetic'):>9} {seconds(o.median_s):>6} {seconds(o.max_s):>5} | "
            f"{count(o.partly, 'partly synthetic'):>6}")


def settings_grid() -> list:
    grid = [Setting(n, k, t) for t in THRESHOLDS for n in SMOOTHINGS for k in MIN_HOPS]
    default = Setting(DEFAULT_SMOOTHING, DEFAULT_MIN_HOPS, DEFAULT_THRESHOLD, DEFAULT_MARGIN)
    if all((s.smoothing, s.min_hops, s.threshold) != (default.smoothing, default.min_hops, default.threshold)
           for s in grid):
        grid.append(default)
    return grid


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="AASIST,AASIST-L", help="comma-separated (default: both)")
    parser.add_argument("--cache", type=Path, help="keep the window scores in this folder between runs")
    parser.add_argument("--fine", action="store_true",
                        help="also the closest cases from every 0.05 s offset (FINE_RECORDINGS; minutes a model)")
    parser.add_argument("--clip", type=float, nargs="*", default=[],
                        help="also the clipped-logit rule variant at these clips (e.g. 4 6; K=3, thresholds 0.9+)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        material = build_material(Path(tmp))
    counts = {kind: [m for m in material if m.kind == kind] for kind in KINDS}
    for kind, items in counts.items():
        seconds = [len(m.waveform) / SR for m in items]
        print(f"{kind}: {len(items)} recordings, {np.mean(seconds):.1f} s mean, {len(items) * len(OFFSETS_S)} "
              f"streams: " + ", ".join(m.name for m in items))
    print(f"offsets {', '.join(f'{o:g}' for o in OFFSETS_S)} s; hop {HOP_S:g} s; recordings under "
          f"{MIN_STREAM_S:g} s looped")

    for model in args.models.split(","):
        scorer = CachedScores(Detector.from_pretrained(model))
        cache_file = args.cache / f"window-scores-{model}.npz" if args.cache else None
        if cache_file:
            scorer.load(cache_file)
        began, known = time.perf_counter(), len(scorer.cache)
        for _, _, x in streams(material):  # score every window once
            replay(scorer, x, Setting(1, 1, 0.5))
        fine = [(m, o, x) for m, o, x in streams([m for m in material if m.name.startswith(FINE_RECORDINGS)],
                                                   FINE_OFFSETS_S, DEADLINE_S)] if args.fine else []
        for _, _, x in fine:
            replay(scorer, x, Setting(1, 1, 0.5))
        print(f"\n{model}: {len(scorer.cache)} distinct windows ({len(scorer.cache) - known} scored now, "
              f"{time.perf_counter() - began:.0f} s)")
        if cache_file:
            scorer.save(cache_file)

        print_headroom(scorer, list(streams(material)), f"{model}: headroom on the 0.25 s offsets: a threshold above "
                       "the first column and at or below the second separates them (probabilities, hop 1 s)")
        if fine:
            print_headroom(scorer, fine, f"{model}: the same from every 0.05 s offset in 0-2 s, first "
                           f"{DEADLINE_S:.2f} s of: {', '.join(FINE_RECORDINGS)}*")

        print(f"\n{model}, hop {HOP_S:g} s, margin {MARGIN:g}; N smoothing windows, K min hops; real: streams with "
              f"an alarm, recordings with one at any offset, alarms per minute; synthetic: streams alarmed, alarmed by "
              f"{DEADLINE_S:.2f} s, median and max time to the alarm (s); partly synthetic: streams alarmed")
        print(HEADER)
        variants = [Setting(n, 3, t, clip=c) for c in args.clip for t in THRESHOLDS if t >= 0.9 for n in SMOOTHINGS]
        for setting in settings_grid() + variants:
            print(row(measure(scorer, material, setting), len(counts["real"])), flush=True)


if __name__ == "__main__":
    main()
