"""Live streaming speed on this machine, against the targets of issue 9 (2 CPU cores, ONNX backend).

    python benchmarks/bench_streaming.py [--weights-dir DIR] [--model AASIST] [--backend onnx] [--seconds 30]
                                         [--streams 2] [--json OUT]

Measures, in one run (about a minute):
- one stream as fast as possible, hop 1.0 s, 48 kHz audio pushed in 0.1 s chunks: the time of each push that
  scored a window (resampling that chunk, cutting the window, the model, the silence check, the smoothing), as a
  share of the hop, and the whole run's real-time factor;
- ``--streams`` simultaneous streams (default 2) sharing one Detector, each in its own thread pushing real-time-paced
  0.1 s chunks (as the web server would), all hop boundaries at the same moment (the worst case): the latency from a
  chunk's arrival (when its last sample was recorded) to its updated score, p50 / p95 / max, and whether the streams
  kept up (how late the last chunk was handled).
The audio is real speech (Debian's LibriVox test recordings and the example clips, looped), resampled to 48 kHz.
The machine is shared: the load average before and after is printed, since other processes slow every number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from common import machine_description, use_local_weights  # noqa: E402

SYSTEM_SPEECH_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
RATE = 48000  # what a browser microphone usually delivers
CHUNK_S = 0.1
HOP_S = 1.0

# Targets of issue 9.
TARGET_SCORING_SHARE = 0.25  # of the hop, one stream
TARGET_P95_LATENCY_S = 0.5  # chunk arrival to updated score, two streams


def versions() -> str:
    import onnxruntime
    import torch

    return f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, Python {platform.python_version()}"


def speech(seconds: float) -> np.ndarray:
    """Real speech at RATE, looped to ``seconds``."""
    from scipy.signal import resample_poly

    from aasist.audio.decoding import load_audio

    paths = sorted(SYSTEM_SPEECH_DIR.glob("*.wav")) + sorted(EXAMPLES_DIR.glob("real_*[0-9].wav"))
    clips = [load_audio(p).waveform for p in paths]
    x16 = np.concatenate(clips)
    x16 = np.tile(x16, int(np.ceil(seconds * 16000 / len(x16))))[: int(seconds * 16000)]
    return resample_poly(x16, RATE // 16000, 1).astype(np.float32)


def percentile(values, q) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def one_stream_fast(detector, x: np.ndarray) -> dict:
    from aasist.inference.streaming import StreamingDetector

    stream = StreamingDetector(detector, hop_s=HOP_S)
    step = int(CHUNK_S * RATE)
    stream.push(x[: 5 * RATE], RATE)  # warm-up: the first windows
    stream.reset()
    scoring, plain = [], []
    start = time.perf_counter()
    for begin in range(0, len(x), step):
        t0 = time.perf_counter()
        updates = stream.push(x[begin : begin + step], RATE)
        took = time.perf_counter() - t0
        (scoring if any(u.status != "waiting" for u in updates) else plain).append(took)
    total = time.perf_counter() - start
    return {
        "windows": len(scoring),
        "scoring_median_s": statistics.median(scoring),
        "scoring_p95_s": percentile(scoring, 95),
        "scoring_share_of_hop": statistics.median(scoring) / HOP_S,
        "chunk_without_window_median_s": statistics.median(plain),
        "real_time_factor": total / (len(x) / RATE),
    }


def streams_real_time(detector, x: np.ndarray, n_streams: int) -> dict:
    from aasist.inference.streaming import StreamingDetector

    step = int(CHUNK_S * RATE)
    n_chunks = len(x) // step
    latencies = [[] for _ in range(n_streams)]
    last_lag = [0.0] * n_streams
    skipped = [0] * n_streams
    barrier = threading.Barrier(n_streams + 1)
    t_start = [0.0]

    def run(i: int) -> None:
        stream = StreamingDetector(detector, hop_s=HOP_S)
        barrier.wait()
        for k in range(n_chunks):
            arrival = t_start[0] + (k + 1) * CHUNK_S  # when the chunk's last sample was recorded
            time.sleep(max(0.0, arrival - time.perf_counter()))
            updates = stream.push(x[k * step : (k + 1) * step], RATE)
            done = time.perf_counter()
            if any(u.status != "waiting" for u in updates):
                latencies[i].append(done - arrival)
            last_lag[i] = done - arrival
        stream.finish()
        skipped[i] = stream.summary().skipped_hops

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_streams)]
    for t in threads:
        t.start()
    t_start[0] = time.perf_counter() + 0.05
    barrier.wait()
    for t in threads:
        t.join()
    merged = [v for per in latencies for v in per]
    return {
        "streams": n_streams,
        "audio_s": n_chunks * CHUNK_S,
        "updates_scored": len(merged),
        "latency_p50_s": percentile(merged, 50),
        "latency_p95_s": percentile(merged, 95),
        "latency_max_s": max(merged),
        "last_chunk_lag_s": max(last_lag),
        "kept_up": max(last_lag) < HOP_S,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights-dir", type=Path, default=None,
                   help="folder with AASIST.pth / AASIST-L.pth (default: $AASIST_WEIGHTS_DIR, ../shared/weights, "
                        "aasist/pretrained, else the Hub)")
    p.add_argument("--model", default="AASIST")
    p.add_argument("--backend", choices=("onnx", "torch"), default="onnx")
    p.add_argument("--seconds", type=float, default=30.0, help="audio per stream (default 30 s)")
    p.add_argument("--streams", type=int, default=2, help="simultaneous real-time streams (default 2)")
    p.add_argument("--json", metavar="OUT", help="also write the numbers to a JSON file")
    args = p.parse_args(argv)
    weights = use_local_weights(args.weights_dir)

    from aasist import Detector

    info = {"machine": machine_description(), "versions": versions(), "weights": weights,
            "load_before": os.getloadavg()[0]}
    print(f"machine: {info['machine']}; {info['versions']}")
    print(f"weights: {weights}; load average before: {info['load_before']:.2f}")
    detector = Detector.from_pretrained(args.model, backend=args.backend)
    x = speech(args.seconds)

    fast = one_stream_fast(detector, x)
    live = streams_real_time(detector, x, args.streams)
    info["load_after"] = os.getloadavg()[0]

    rows = [
        ("one stream, hop 1.0 s: scoring time per hop (median)", f"{fast['scoring_median_s']:.3f} s", ""),
        ("  same, p95", f"{fast['scoring_p95_s']:.3f} s", ""),
        ("  share of the hop spent scoring", f"{fast['scoring_share_of_hop']:.3f}", f"<= {TARGET_SCORING_SHARE}"),
        ("  a chunk with no window (resampling only)", f"{fast['chunk_without_window_median_s'] * 1000:.2f} ms", ""),
        ("  real-time factor, as fast as possible", f"{fast['real_time_factor']:.3f}", ""),
        (f"{live['streams']} real-time streams, one Detector: latency p50", f"{live['latency_p50_s']:.3f} s", ""),
        ("  latency p95 (chunk arrival to its updated score)", f"{live['latency_p95_s']:.3f} s",
         f"<= {TARGET_P95_LATENCY_S}"),
        ("  latency max", f"{live['latency_max_s']:.3f} s", ""),
        ("  kept up (last chunk handled within a hop)", f"{'yes' if live['kept_up'] else 'no'} "
                                                        f"({live['last_chunk_lag_s']:.3f} s)", "yes"),
    ]
    print(f"\n{args.model}, backend {detector.backend.name}, {args.seconds:g} s of 48 kHz speech per stream, "
          f"0.1 s chunks\n")
    print("| measure | value | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    print(f"\nload average after: {info['load_after']:.2f}")
    ok = fast["scoring_share_of_hop"] <= TARGET_SCORING_SHARE and live["latency_p95_s"] <= TARGET_P95_LATENCY_S \
        and live["kept_up"]
    print("all targets met" if ok else "SOME TARGETS MISSED")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "one_stream": fast, "real_time": live}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
