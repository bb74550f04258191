"""AntiDeepfake's cost on this machine (issue 26): per 4 s and per 10 s of audio (torch eager, all CPU threads), a
10 s recording end to end through the library's ``Detector``, alone and with AASIST beside it, peak memory, and what
the speed-ups give (time, and how far their logits move from eager torch's).

    python benchmarks/bench_antideepfake.py [--large] [--repeats 3] [--onnx] [--compile] [--quantised] [--all]

- Default: ``AntiDeepfake-Small`` (``w2v_small``, 95 M parameters); ``--large``: ``AntiDeepfake-Large-NDA``
  (``w2v_large``, 0.3 B). Built with seeded random weights: the cost does not depend on the weights' values, and the
  released files may not be downloadable where this runs.
- Always measured: torch eager with the attention ``transformers`` picks (SDPA, what the product runs), the same with
  transformers' "eager" attention, and bf16 autocast on the CPU; a 10 s recording end to end (``Detector`` with the
  torch backend, as ``Detector.from_pretrained`` builds it for this architecture), AASIST alone (``aasist/pretrained``,
  its default backend) and both through ``Pipeline`` (AntiDeepfake's result, AASIST's agreement). The peak resident
  memory (``ru_maxrss``) is read right after these, before any speed-up is built: the product's path only.
- ``--onnx``: ONNX Runtime (``torch.onnx.export(dynamo=False)``, dynamic batch and time axes, a session as
  ``aasist.onnx_backend.make_session`` makes them); ``--compile``: ``torch.compile`` (inductor; compiling takes about
  a minute on 2 cores, in a fresh cache); ``--quantised``: int8 dynamic quantisation of every ``nn.Linear``
  (``torch.ao.quantization.quantize_dynamic``). ``--all``: the three.

Inputs: speech built from the clips in ``assets/examples/`` (the speech check must find speech, or the pipeline does
not run its other models): one live-monitor window (64600 samples, 4.04 s) and a 10 s recording, batch 1, all in this
one process. Every call is warmed up once, then timed in ``--repeats`` rounds in which every variant (and length) runs
once in turn: on a shared machine a burst of load then falls on all alike. Medians are printed with the fastest run
beside them, the better estimate of the cost where other work shares the cores; the targets are judged on the
fastest. "max abs dlogit" is the largest absolute difference of either logit from eager torch's on both inputs; with
random weights the logits are of order one (printed), so 1e-3 is about a relative 1e-3 too.
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import sys
import tempfile
import time
import warnings
from contextlib import ExitStack
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from common import machine_description, use_local_weights  # noqa: E402

EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
PACKAGED_WEIGHTS = REPO_ROOT / "aasist" / "pretrained"
SAMPLE_RATE = 16000
TOLERANCE = 1e-3  # max |dlogit| a speed-up may have to replace eager torch

# Targets of issue 26 (seconds; GB).
TARGETS = {
    "w2v_small": {"per_4s": 0.2, "e2e": 1.2, "e2e_with_aasist": 1.6, "peak": 1.5},  # peak in GB
    "w2v_large": {"per_4s": 0.7},
}
NAMES = {"w2v_small": "AntiDeepfake-Small", "w2v_large": "AntiDeepfake-Large-NDA"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--large", action="store_true", help="AntiDeepfake-Large-NDA (w2v_large) instead of -Small")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median), after one warm-up")
    p.add_argument("--onnx", action="store_true", help="also export to ONNX and time ONNX Runtime")
    p.add_argument("--compile", action="store_true", help="also try torch.compile (minutes to compile)")
    p.add_argument("--quantised", action="store_true", help="also try int8 dynamic quantisation of nn.Linear")
    p.add_argument("--all", action="store_true", help="--onnx --compile --quantised")
    args = p.parse_args(argv)
    if args.all:
        args.onnx = args.compile = args.quantised = True
    return args


def speech(seconds: float) -> np.ndarray:
    """``seconds`` of speech at 16 kHz: the example clips one after another, repeated as needed."""
    from aasist.audio.decoding import load_audio

    clips = sorted(p for p in EXAMPLES_DIR.glob("*.wav"))
    if not clips:
        raise SystemExit(f"no example clips in {EXAMPLES_DIR}: the end-to-end runs need speech.")
    source = np.concatenate([load_audio(p).waveform for p in clips])
    n = int(seconds * SAMPLE_RATE)
    return np.tile(source, n // len(source) + 1)[:n].astype(np.float32)


def timed_rounds(calls: dict, repeats: int) -> dict:
    """{name: (median, fastest) seconds} of ``repeats`` rounds in which every call runs once, in turn, after one
    warm-up call each. Interleaved, so that a burst of load from elsewhere falls on every call alike rather than on
    whichever was being timed; the fastest is printed beside the median, on a shared machine the better estimate."""
    for fn in calls.values():
        fn()
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (float(np.median(t)), min(t)) for name, t in times.items()}


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200]


class Variant:
    """One way of computing the logits: its times per 4 s and per 10 s, and how far its logits are from eager's."""

    def __init__(self, name: str, logits_of=None, note: str = ""):
        self.name = name
        self.logits_of = logits_of  # (1, samples) float32 array -> (1, 2) logits; None when it could not be built
        self.note = note
        self.per_4s = self.per_10s = self.max_diff = None


def main(argv=None) -> int:
    args = parse_args(argv)
    structure = "w2v_large" if args.large else "w2v_small"
    model_name = NAMES[structure]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # AASIST comes from aasist/pretrained: nothing to download
    cleanup = ExitStack()
    if args.compile and not os.environ.get("TORCHINDUCTOR_CACHE_DIR"):
        # A fresh cache, so that the compile time printed is a first start's, not a rerun's reading the last one's.
        folder = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench_antideepfake_inductor_"))
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = folder
    weights_from = use_local_weights(PACKAGED_WEIGHTS)

    import onnxruntime
    import torch
    import transformers
    from torch import nn

    from aasist.models.antideepfake import ARCHITECTURE, STRUCTURES, AntiDeepfake
    from aasist.inference.backends import TorchBackend
    from aasist.inference.detector import Detector
    from aasist.models.model import WINDOW_SAMPLES
    from aasist.inference.onnx_backend import available_cpus
    from aasist.inference.pipeline import Pipeline

    threads = available_cpus()
    torch.set_num_threads(threads)
    print(f"machine: {machine_description()}; load average {os.getloadavg()[0]:.2f} at the start")
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, onnxruntime "
          f"{onnxruntime.__version__}; {threads} threads (torch and ONNX Runtime)")

    started = time.perf_counter()
    torch.manual_seed(0)
    model = AntiDeepfake(STRUCTURES[structure]).eval()
    default_attention = model.frontend.config._attn_implementation
    print(f"{model_name} ({structure}) built in {time.perf_counter() - started:.1f} s: seeded random weights, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters; transformers' attention: "
          f"{default_attention!r}")

    ten_s = speech(10.0)
    inputs = {"4s": ten_s[:WINDOW_SAMPLES][None, :], "10s": ten_s[None, :]}
    print(f"inputs: speech from assets/examples, {WINDOW_SAMPLES / SAMPLE_RATE:.2f} s (one live window) and "
          f"{len(ten_s) / SAMPLE_RATE:.0f} s; batch 1; {args.repeats} interleaved rounds after one warm-up call each")

    def torch_logits(net, x: np.ndarray, autocast: bool = False) -> np.ndarray:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            return net(torch.from_numpy(x)).float().numpy()

    eager = Variant(f"torch eager ({default_attention} attention; the product's)", lambda x: torch_logits(model, x))
    reference = {k: eager.logits_of(x) for k, x in inputs.items()}
    for k, logits in reference.items():
        print(f"  eager logits, {k}: {np.array2string(logits[0], precision=4)}")

    # --- end to end, the product's path: Detector (torch backend), then with AASIST beside it
    detector = Detector(TorchBackend(model, "cpu"), model_name=model_name, architecture=ARCHITECTURE)
    aasist = Detector.from_pretrained("AASIST")
    both = Pipeline([detector, aasist])
    checked = both.analyze(ten_s, sample_rate=SAMPLE_RATE)
    print(f"  10 s: {model_name} says {checked.verdict!r} ({len(checked.windows)} window), "
          + ("AASIST ran beside it" if checked.agreement is not None else "AASIST did NOT run (no speech found)")
          + f"; AASIST: {aasist.backend.name} backend, weights from {weights_from}")
    e2e = timed_rounds({
        "alone": lambda: detector.analyze(ten_s, sample_rate=SAMPLE_RATE, with_attention=True),
        "aasist": lambda: aasist.analyze(ten_s, sample_rate=SAMPLE_RATE, with_attention=True),
        "both": lambda: both.analyze(ten_s, sample_rate=SAMPLE_RATE, with_attention=True),
    }, args.repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(f"  end to end measured; peak resident memory so far (ru_maxrss) {peak / 1e9:.2f} GB")

    # --- the speed-ups, built first, then timed with eager in interleaved rounds
    variants = [eager]
    other = "eager" if default_attention != "eager" else "sdpa"

    def other_attention(x):
        model.frontend.set_attn_implementation(other)  # 0.15 ms: the config is shared by every layer
        try:
            return torch_logits(model, x)
        finally:
            model.frontend.set_attn_implementation(default_attention)

    variants.append(Variant(f"torch, transformers' {other!r} attention", other_attention))
    variants.append(Variant("torch, bf16 autocast", lambda x: torch_logits(model, x, autocast=True)))

    if args.quantised:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.ao.quantization is deprecated for torchao
            quantised = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8)
        variants.append(Variant("torch, int8 dynamic quantisation (nn.Linear)", lambda x: torch_logits(quantised, x),
                                f"quantised in {time.perf_counter() - started:.1f} s"))

    if args.compile:
        compiled = torch.compile(model)
        name = "torch.compile (inductor)"
        try:  # the first call at each length compiles (the second length recompiles, with a dynamic time axis)
            compile_times = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # dynamo's notes on transformers' lru_cache helpers
                for x in inputs.values():
                    started = time.perf_counter()
                    torch_logits(compiled, x)
                    compile_times.append(time.perf_counter() - started)
        except Exception as error:  # a speed-up that does not run here is a result too
            variants.append(Variant(name, note=f"failed: {one_line(error)}"))
        else:
            variants.append(Variant(name, lambda x: torch_logits(compiled, x), "first calls (compiling) at 4 s and "
                                    "10 s: " + ", ".join(f"{t:.0f} s" for t in compile_times)))

    if args.onnx:
        from aasist.inference.onnx_backend import make_session

        class Exportable(nn.Module):
            """``AntiDeepfake.forward`` with its input normalisation written out: ``F.layer_norm(x, x.shape[-1:])``
            traces its normalised shape as a tensor when the time axis is dynamic, which the TorchScript exporter
            refuses ("Failed to export a node ... onnx::Gather"). The same mean and biased variance, eps 1e-5."""

            def __init__(self, net):
                super().__init__()
                self.net = net

            def forward(self, x):
                mean = x.mean(dim=-1, keepdim=True)
                variance = (x - mean).pow(2).mean(dim=-1, keepdim=True)
                normalised = (x - mean) / torch.sqrt(variance + 1e-5)
                return self.net.proj_fc(self.net.frontend(normalised).last_hidden_state.mean(dim=1))

        name = "ONNX Runtime (fp32)"
        path = Path(cleanup.enter_context(tempfile.TemporaryDirectory())) / "antideepfake.onnx"
        try:
            started = time.perf_counter()
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice, tracer warnings
                torch.onnx.export(Exportable(model).eval(), (torch.from_numpy(inputs["4s"]),), str(path),
                                  dynamo=False, opset_version=17, input_names=["waveform"], output_names=["logits"],
                                  dynamic_axes={"waveform": {0: "batch", 1: "samples"}, "logits": {0: "batch"}},
                                  do_constant_folding=True)
            export_s = time.perf_counter() - started
            size = sum(f.stat().st_size for f in path.parent.iterdir())
            started = time.perf_counter()
            session = make_session(path, threads)
        except Exception as error:
            variants.append(Variant(name, note=f"failed: {one_line(error)}"))
        else:
            variants.append(Variant(name, lambda x: session.run(["logits"], {"waveform": x})[0],
                                    f"export {export_s:.0f} s, {size / 1e6:.0f} MB on disk, session "
                                    f"{time.perf_counter() - started:.1f} s; traced at 4.04 s, run at both"))

    runnable = []
    for variant in variants:
        if variant.logits_of is None:
            continue
        try:
            variant.max_diff = max(float(np.abs(variant.logits_of(x) - reference[k]).max())
                                   for k, x in inputs.items())
            runnable.append(variant)
        except Exception as error:
            variant.note = f"failed: {one_line(error)}"
    calls = {(v.name, k): (lambda v=v, x=x: v.logits_of(x)) for v in runnable for k, x in inputs.items()}
    print(f"  timing {len(runnable)} variants at 4 s and 10 s ...", flush=True)
    times = timed_rounds(calls, args.repeats)
    for v in runnable:
        v.per_4s, v.per_10s = times[(v.name, "4s")], times[(v.name, "10s")]
    cleanup.close()

    # --- the summary
    targets = TARGETS[structure]
    rows = [  # (label, (median, fastest), unit, target)
        (f"per 4 s, torch eager ({default_attention})", eager.per_4s, "s", targets.get("per_4s")),
        (f"per 10 s, torch eager ({default_attention})", eager.per_10s, "s", None),
        ("10 s recording end to end (Detector, torch)", e2e["alone"], "s", targets.get("e2e")),
        ("10 s recording end to end, with AASIST (Pipeline)", e2e["both"], "s", targets.get("e2e_with_aasist")),
        ("10 s end to end, AASIST alone (for comparison)", e2e["aasist"], "s", None),
        ("peak resident memory (ru_maxrss), before speed-ups", (peak / 1e9, None), "GB", targets.get("peak")),
    ]
    print(f"\n{model_name} on {machine_description()}, {threads} threads; load average {os.getloadavg()[0]:.2f} "
          "at the end\n")
    print(f"{'measure':<52} {'median':>8} {'fastest':>8}")
    for label, (value, fastest), unit, target in rows:
        judged = value if fastest is None else fastest
        goal = "" if target is None else \
            f"  target <= {target:g} {unit}: {'met' if judged <= target else 'NOT met'}" + \
            ("" if fastest is None else " (fastest)")
        best = "" if fastest is None else f"{fastest:8.3f}"
        print(f"{label:<52} {value:8.3f} {best:>8} {unit}{goal}")
    print(f"\nmedian (fastest) of {args.repeats} interleaved rounds; max abs dlogit: over both inputs, both logits")
    header = (f"| {'variant':<48} | {'s per 4 s':>15} | {'s per 10 s':>15} | {'max abs dlogit vs eager':>23} | "
              f"{'within 1e-3':>11} |")
    print(header)
    print("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")

    def cell(pair):
        return f"{pair[0]:.3f} ({pair[1]:.3f})"

    for v in variants:
        if v.per_10s is None:
            print(f"| {v.name:<48} | {'-':>15} | {'-':>15} | {'-':>23} | {'-':>11} |")
            continue
        diff = "(reference)" if v is eager else f"{v.max_diff:.2e}"
        within = "-" if v is eager else ("yes" if v.max_diff <= TOLERANCE else "no")
        print(f"| {v.name:<48} | {cell(v.per_4s):>15} | {cell(v.per_10s):>15} | {diff:>23} | {within:>11} |")
    notes = [v for v in variants if v.note]
    if notes:
        print()
        for v in notes:
            print(f"{v.name}: {v.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
