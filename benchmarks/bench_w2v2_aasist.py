"""W2V2-AASIST's cost on this machine: per window (torch eager, batch 1 and 3), a 10 s recording end to end, and
what ONNX Runtime gains (export, parity with torch, per window).

    python benchmarks/bench_w2v2_aasist.py [--repeats 3] [--onnx]

The full-size model (XLS-R 300M front end, 317.84 M parameters) is built with seeded random weights: its cost does
not depend on the weights' values, and the released file (1.27 GB) may not be downloadable where this runs.
Latencies are medians of ``--repeats`` runs after one warm-up run, all in this one process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from common import machine_description, median_time  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--onnx", action="store_true", help="also export to ONNX and time ONNX Runtime (minutes)")
    args = parser.parse_args(argv)

    import torch

    from aasist.inference.backends import TorchBackend
    from aasist.inference.detector import Detector
    from aasist.models.model import WINDOW_SAMPLES
    from aasist.inference.onnx_backend import available_cpus
    from aasist.models.w2v2_aasist import W2V2AASIST

    threads = available_cpus()
    torch.set_num_threads(threads)
    print(f"machine: {machine_description()}; torch {torch.__version__}, {threads} threads")
    started = time.perf_counter()
    torch.manual_seed(0)
    model = W2V2AASIST().eval()
    print(f"full-size model built in {time.perf_counter() - started:.1f} s (random weights, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters used at inference)")

    rng = np.random.default_rng(0)
    window = (0.1 * rng.standard_normal((3, WINDOW_SAMPLES))).astype(np.float32)
    rows = []

    def run(x):
        with torch.inference_mode():
            model(torch.from_numpy(x))

    one = median_time(lambda: run(window[:1]), args.repeats)
    rows.append(("per window, torch eager, batch 1", one))
    three = median_time(lambda: run(window), args.repeats) / 3
    rows.append(("per window, torch eager, batch 3", three))

    detector = Detector(TorchBackend(model, "cpu"), model_name="W2V2-AASIST", architecture="W2V2-AASIST")
    ten_s = (0.1 * rng.standard_normal(16000 * 10)).astype(np.float32)
    e2e = median_time(lambda: detector.analyze(ten_s, sample_rate=16000, with_attention=True), args.repeats)
    rows.append(("10 s recording end to end (3 windows, attention), torch", e2e))

    if args.onnx:
        from aasist.inference.onnx_backend import make_session

        class LogitsOnly(torch.nn.Module):
            def __init__(self, net):
                super().__init__()
                self.net = net

            def forward(self, x):
                return self.net(x)

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "w2v2.onnx"
            started = time.perf_counter()
            with torch.no_grad():
                torch.onnx.export(LogitsOnly(model).eval(), (torch.from_numpy(window[:2]),), str(path),
                                  dynamo=False, opset_version=17, input_names=["waveform"], output_names=["logits"],
                                  dynamic_axes={"waveform": {0: "batch"}, "logits": {0: "batch"}},
                                  do_constant_folding=True)
            rows.append(("ONNX export (TorchScript exporter)", time.perf_counter() - started))
            session = make_session(path, threads)
            with torch.inference_mode():
                expected = model(torch.from_numpy(window)).numpy()
            got = session.run(["logits"], {"waveform": window})[0]
            print(f"ONNX vs torch, max logit difference: {np.abs(got - expected).max():.2e}")
            onnx_one = median_time(lambda: session.run(["logits"], {"waveform": window[:1]}), args.repeats)
            rows.append(("per window, ONNX Runtime, batch 1", onnx_one))
            rows.append(("ONNX speed-up over torch (batch 1)", one / onnx_one))

    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    rows.append(("peak memory of this process (MB)", peak_mb))
    print()
    for label, value in rows:
        unit = "x" if "speed-up" in label else ("" if "MB" in label else " s")
        print(f"{label:<60} {value:8.3f}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
