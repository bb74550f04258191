"""Inference speed and memory on this machine, against the targets of issue 4 (2 CPU cores), as one table.

    python benchmarks/bench_inference.py [--weights-dir DIR] [--model AASIST] [--repeats 3] [--skip-memory]

Measures, in one run (about two minutes on 2 cores):
- per-window latency (one 64600-sample window, 4.04 s of audio) of the torch eager and ONNX Runtime backends, with
  1 and 2 threads and batches of 1 and 8, their ratio and the real-time factor;
- the same for RawNet2, the ASVspoof 2021 baseline (all threads, batch 1), torch and ONNX Runtime in the same run: its
  full-size architecture with seeded random weights (the cost does not depend on the weights' values);
- end to end for a 10 s and a 60 s recording, written as 44.1 kHz WAV so that decoding and resampling are included:
  decode, every window (with the attention of the most decisive one), every figure (``aasist.views.plots.draw_all``);
  and the figures drawn for a phone instead (``aasist.views.layout.PHONE``), beside the desktop's;
- cold start in a fresh process: imports, weights from the local folder or cache, ONNX graph from its cache, first
  result of a 10 s recording;
- peak memory (resident high-water mark: VmHWM, else ru_maxrss) of a fresh process analysing a 10-minute
  recording and drawing its figures.

Latencies are medians of ``--repeats`` runs after one warm-up run. The recordings are built from the example clips in
``assets/examples/`` when there are any, else from public-domain speech that some systems install, else synthetic
(harmonics, noise): the model's cost does not depend on what is said.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from common import machine_description, median_time, use_local_weights  # noqa: E402

EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
SYSTEM_SPEECH_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
FILE_RATE = 44100

# Targets of issue 4 (seconds, bytes).
TARGET_WINDOW_S = 0.15
GOAL_WINDOW_S = 0.12
TARGET_SPEEDUP = 3.0
TARGET_E2E_S = {10: 1.5, 60: 4.0}
TARGET_COLD_S = 5.0
TARGET_PEAK_BYTES = 1.5e9


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights-dir", type=Path, default=None,
                   help="folder with AASIST.pth / AASIST-L.pth (sets AASIST_WEIGHTS_DIR; default: the environment's, "
                        "else ../shared/weights beside the repository, else aasist/pretrained, else the Hub)")
    p.add_argument("--model", default="AASIST", help="built-in model name (default AASIST)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median), after one warm-up")
    p.add_argument("--skip-memory", action="store_true", help="skip the 10-minute peak-memory run (~20 s)")
    p.add_argument("--json", metavar="OUT", help="also write the numbers to a JSON file")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------------------------
# Recordings


def _source_speech():
    """(mono float32 at 16 kHz, description) to build the test recordings from."""
    import numpy as np

    from aasist.audio.decoding import load_audio

    sources = ((EXAMPLES_DIR, "assets/examples clips"), (SYSTEM_SPEECH_DIR, "LibriVox speech (pocketsphinx)"))
    for folder, what in sources:
        clips = sorted(p for p in folder.glob("*") if p.suffix.lower() in AUDIO_SUFFIXES) if folder.is_dir() else []
        if clips:
            return np.concatenate([load_audio(p).waveform for p in clips]), what
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 8) / 16000
    phase = 2 * np.pi * np.cumsum(120 + 30 * np.sin(2 * np.pi * 0.7 * t)) / 16000
    voiced = sum(np.sin(k * phase) / k for k in range(1, 20)) * np.clip(np.sin(2 * np.pi * 3.1 * t), 0, None) ** 2
    return (0.3 * voiced + 0.01 * rng.standard_normal(len(t))).astype(np.float32), "synthetic harmonics and noise"


def write_recordings(folder: Path, durations: dict) -> tuple:
    """{name: path} of 44.1 kHz 16-bit WAV files of the given durations (s), and what they were made from."""
    import numpy as np
    import soundfile as sf
    from scipy.signal import resample_poly

    speech, what = _source_speech()
    speech_44k = resample_poly(speech, 441, 160).astype(np.float32)
    paths = {}
    for name, seconds in durations.items():
        n = int(seconds * FILE_RATE)
        x = np.tile(speech_44k, n // len(speech_44k) + 1)[:n]
        path = folder / f"{name}.wav"
        sf.write(path, np.clip(x, -1, 1), FILE_RATE, subtype="PCM_16")
        paths[name] = path
    return paths, what


# ---------------------------------------------------------------------------------------------------------------
# Subprocess measurements

COLD_START = r"""
import json, sys, time
t0 = time.perf_counter()
from aasist import Detector
t_import = time.perf_counter()
detector = Detector.from_pretrained(sys.argv[1])
t_load = time.perf_counter()
result = detector.analyze(sys.argv[2], with_attention=True)
t_result = time.perf_counter()
print(json.dumps({"import": t_import - t0, "load": t_load - t_import, "first_result": t_result - t_load,
                  "total": t_result - t0, "backend": detector.backend.name}))
"""

PEAK_MEMORY = r"""
import json, resource, sys, time
from aasist import Detector
from aasist.audio.decoding import load_audio
detector = Detector.from_pretrained(sys.argv[1])
t0 = time.perf_counter()
audio = load_audio(sys.argv[2])
result = detector.analyze(audio, with_attention=True)
t1 = time.perf_counter()
try:
    from aasist.views.plots import draw_all
    draw_all(audio, result)
    figures = True
except ImportError:
    figures = False
t2 = time.perf_counter()
# Linux carries ru_maxrss over execve from the process that spawned this one (the benchmark, already large after
# the torch batch-8 runs), so the peak of this process's own memory is read from VmHWM when the kernel offers it.
try:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
    peak_kb = int(hwm.split()[1])
except (OSError, IndexError, ValueError):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"maxrss_kb": peak_kb, "windows": len(result.windows),
                  "analyze": t1 - t0, "figures": (t2 - t1) if figures else None, "backend": detector.backend.name}))
"""


def run_child(code: str, *args: str) -> tuple:
    """(wall seconds from launch to exit, parsed JSON of its last line)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"child process failed: {done.stderr.strip().splitlines()[-1] if done.stderr else '?'}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------------


def rawnet2_latency(repeats: int, threads: int, window) -> dict:
    """Per-window seconds of the baseline RawNet2 (``RawNet2()``, random weights, seed 0), batch 1: torch eager, ONNX
    Runtime, and ONNX Runtime with its captured values (filter scaling) as outputs."""
    import torch

    from aasist.inference.backends import TorchBackend
    from aasist.inference.onnx_backend import OnnxBackend
    from aasist.models.rawnet2 import RawNet2

    torch.manual_seed(0)
    net = RawNet2().eval()
    onnx = OnnxBackend.from_model(net, num_threads=threads)  # exported and checked on the first run, then cached
    torch_backend = TorchBackend(net, "cpu")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return {
            "torch": median_time(lambda: torch_backend.run(window), repeats),
            "onnx": median_time(lambda: onnx.run(window), repeats),
            "onnx+capture": median_time(lambda: onnx.run(window, with_attention=True), repeats),
        }
    finally:
        torch.set_num_threads(before)


def main(argv=None) -> int:
    args = parse_args(argv)
    weights_source = use_local_weights(args.weights_dir)

    import numpy as np
    import onnxruntime
    import torch

    from aasist import Detector
    from aasist.audio.decoding import load_audio
    from aasist.inference.backends import TorchBackend
    from aasist.models.model import SAMPLE_RATE, WINDOW_SAMPLES
    from aasist.inference.onnx_backend import OnnxBackend, available_cpus

    try:
        from aasist.views.layout import PHONE
        from aasist.views.plots import draw_all
        figures_note = ""
    except ImportError as error:
        draw_all = PHONE = None
        figures_note = f"figures not measured: aasist.views.plots.draw_all is not available ({error})"

    cores = available_cpus()
    window_s = WINDOW_SAMPLES / SAMPLE_RATE
    rows, numbers = [], {}

    def row(label, value, unit="s", target=None, ok=None, note=""):
        if value is None:
            text = "n/a"
        elif unit == "s":
            text = f"{value:.3f} s"
        elif unit == "x":
            text = f"{value:.2f}x"
        elif unit == "MB":
            text = f"{value / 1e6:.0f} MB"
        else:
            text = f"{value:.4f}"
        status = "" if ok is None else ("PASS" if ok else "FAIL")
        rows.append((label, text, target or "", status, note))

    print(f"machine: {machine_description()}", file=sys.stderr)
    print(f"weights: {weights_source}", file=sys.stderr)
    print(f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, python {platform.python_version()}",
          file=sys.stderr)

    # --- detector with the default backend (exports and caches the graph on the very first run) ------------------
    start = time.perf_counter()
    detector = Detector.from_pretrained(args.model)
    print(f"detector ready in {time.perf_counter() - start:.2f} s, backend {detector.backend.name}", file=sys.stderr)
    onnx_backend = detector.backend
    if not isinstance(onnx_backend, OnnxBackend):
        print("error: the default backend is not ONNX Runtime; nothing to compare.", file=sys.stderr)
        return 1
    from aasist.models.weights import build_model

    net = build_model(detector.checkpoint)
    torch_backend = TorchBackend(net, "cpu")

    # --- per-window latency ----------------------------------------------------------------------------------------
    rng = np.random.default_rng(0)
    batches = {b: (0.1 * rng.standard_normal((b, WINDOW_SAMPLES))).astype(np.float32) for b in (1, 8)}
    latency = {}
    torch_threads = torch.get_num_threads()
    for threads in sorted({1, cores}):
        torch.set_num_threads(threads)
        for b in (1, 8):
            reps = args.repeats if b == 1 else max(1, args.repeats - 1)
            latency[("torch", threads, b)] = median_time(lambda: torch_backend.run(batches[b]), reps) / b
        onnx = OnnxBackend(onnx_backend.graph, num_threads=threads, max_batch=8)
        for b in (1, 8):
            latency[("onnx", threads, b)] = median_time(lambda: onnx.run(batches[b]), args.repeats) / b
        print(f"latency with {threads} thread(s) done", file=sys.stderr)
    torch.set_num_threads(torch_threads)
    latency[("onnx+att", cores, 1)] = median_time(lambda: onnx_backend.run(batches[1], with_attention=True),
                                                   args.repeats)
    numbers["latency"] = {f"{k[0]}/{k[1]}t/b{k[2]}": v for k, v in latency.items()}

    t_torch, t_onnx = latency[("torch", cores, 1)], latency[("onnx", cores, 1)]
    speedup = t_torch / t_onnx
    row(f"per window, torch eager ({cores} threads, batch 1)", t_torch)
    row(f"per window, ONNX Runtime ({cores} threads, batch 1)", t_onnx,
        target=f"<= {TARGET_WINDOW_S} (goal {GOAL_WINDOW_S})", ok=t_onnx <= TARGET_WINDOW_S,
        note="goal met" if t_onnx <= GOAL_WINDOW_S else "goal not met")
    row("  ONNX speed-up over torch", speedup, "x", f">= {TARGET_SPEEDUP:.0f}x", speedup >= TARGET_SPEEDUP)
    row("  real-time factor, ONNX (window time / 4.04 s)", t_onnx / window_s, "rtf")
    row("  ONNX with all attention outputs (batch 1)", latency[("onnx+att", cores, 1)])
    for threads in sorted({1, cores}):
        for b in (1, 8):
            if (threads, b) == (cores, 1):
                continue
            row(f"  per window, {threads} thread(s), batch {b}: torch / ONNX",
                latency[("torch", threads, b)], note=f"ONNX {latency[('onnx', threads, b)]:.3f} s, "
                f"{latency[('torch', threads, b)] / latency[('onnx', threads, b)]:.1f}x")

    # --- RawNet2 ---------------------------------------------------------------------------------------------------
    rawnet2 = rawnet2_latency(args.repeats, cores, batches[1])
    numbers["rawnet2_latency"] = rawnet2
    print("RawNet2 latency done (baseline architecture, random weights)", file=sys.stderr)
    random_note = "ASVspoof 2021 baseline architecture, random weights (speed only)"
    row(f"RawNet2 per window, torch eager ({cores} threads, batch 1)", rawnet2["torch"], note=random_note)
    row(f"RawNet2 per window, ONNX Runtime ({cores} threads, batch 1)", rawnet2["onnx"],
        note=f"{rawnet2['torch'] / rawnet2['onnx']:.1f}x faster than torch; RTF {rawnet2['onnx'] / window_s:.3f}")
    row("  RawNet2 ONNX with its filter-scaling outputs (batch 1)", rawnet2["onnx+capture"])

    # --- end to end --------------------------------------------------------------------------------------------------
    with tempfile.TemporaryDirectory(prefix="aasist-bench-") as tmp:
        durations = {"10s": 10, "60s": 60}
        if not args.skip_memory:
            durations["10min"] = 600
        paths, made_from = write_recordings(Path(tmp), durations)
        print(f"recordings ({FILE_RATE} Hz WAV) made from {made_from}", file=sys.stderr)
        numbers["e2e"] = {}
        for name, seconds in (("10s", 10), ("60s", 60)):
            path = paths[name]
            state = {}

            def decode():
                state["audio"] = load_audio(path)

            def analyze():
                state["result"] = detector.analyze(state["audio"], with_attention=True)

            def figures():
                draw_all(state["audio"], state["result"])

            def phone_figures():
                draw_all(state["audio"], state["result"], PHONE)

            t_decode = median_time(decode, args.repeats)
            t_windows = median_time(analyze, args.repeats)
            t_figures = median_time(figures, args.repeats) if draw_all is not None else None
            t_phone = median_time(phone_figures, args.repeats) if draw_all is not None else None
            total = t_decode + t_windows + (t_figures or 0.0)
            n_windows = len(state["result"].windows)
            numbers["e2e"][name] = {"decode": t_decode, "windows": t_windows, "figures": t_figures, "total": total,
                                    "n_windows": n_windows, "phone_figures": t_phone}
            target = TARGET_E2E_S[seconds]
            row(f"{seconds} s recording, end to end", total, target=f"<= {target}",
                ok=(total <= target) if t_figures is not None else None,
                note=f"decode {t_decode:.3f} + {n_windows} windows {t_windows:.3f} + figures "
                     + (f"{t_figures:.3f}" if t_figures is not None else "n/a")
                     + f"; RTF {total / seconds:.3f}")
            if t_phone is not None:
                row(f"  {seconds} s recording, figures drawn for a phone instead", t_phone,
                    note=f"{t_phone / t_figures:.2f}x the desktop's ({PHONE.width_px} CSS px wide)")

        # --- cold start ------------------------------------------------------------------------------------------
        wall, cold = run_child(COLD_START, args.model, str(paths["10s"]))
        numbers["cold_start"] = dict(cold, wall=wall)
        row("cold start: new process to first result (10 s file)", wall, target=f"<= {TARGET_COLD_S}",
            ok=wall <= TARGET_COLD_S, note=f"import {cold['import']:.2f} + load {cold['load']:.2f} + first result "
                                         f"{cold['first_result']:.2f} ({cold['backend']})")

        # --- peak memory -------------------------------------------------------------------------------------------
        if not args.skip_memory:
            _, mem = run_child(PEAK_MEMORY, args.model, str(paths["10min"]))
            peak = mem["maxrss_kb"] * 1024
            numbers["peak_memory"] = dict(mem, bytes=peak)
            row("peak memory, 10-minute recording (VmHWM/ru_maxrss)", peak, "MB", target="<= 1500 MB",
                ok=peak <= TARGET_PEAK_BYTES,
                note=f"{mem['backend']}: {mem['windows']} windows in {mem['analyze']:.1f} s"
                     + (f", figures {mem['figures']:.2f} s" if mem["figures"] is not None else ", no figures"))

    # --- the table ---------------------------------------------------------------------------------------------------
    widths = [max(len(r[i]) for r in rows + [("measure", "value", "target", "", "")]) for i in range(4)]
    header = f"{'measure':<{widths[0]}}  {'value':>{widths[1]}}  {'target':<{widths[2]}}  {'':<4}  notes"
    print()
    print(f"machine: {machine_description()}; torch {torch.__version__}, onnxruntime {onnxruntime.__version__}")
    print(header)
    print("-" * len(header))
    for label, value, target, status, note in rows:
        print(f"{label:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {status:<4}  {note}")
    if figures_note:
        print(f"note: {figures_note}")
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2))
    failed = [r for r in rows if r[3] == "FAIL"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
