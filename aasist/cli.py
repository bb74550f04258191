"""Command line: ``python -m aasist detect FILE...`` and the other subcommands.

Errors reach the user as one sentence on stderr (or as ``{"file", "error"}`` objects in JSON), never as a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Optional

CSV_FIELDS = ("file", "model", "protocol", "verdict", "spoof_probability", "score", "duration_s", "sample_rate",
              "warnings", "error")


def one_sentence(error: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="AASIST",
                        help="built-in name (AASIST, AASIST-L), a local .pth or checkpoint folder, or a Hub repo id")
    parser.add_argument("--revision", default="main", help="Hub revision (branch, tag or commit); default main")
    parser.add_argument("--filename", default=None, help="file inside a Hub repo, when it is not the default")
    parser.add_argument("--backend", choices=("onnx", "torch"), default=None,
                        help="inference backend; default: the fastest available")


def add_detect_parser(subparsers) -> None:
    p = subparsers.add_parser("detect", help="tell whether recordings are bona fide or spoofed",
                              description="Analyse audio files with AASIST and print a verdict for each.")
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files (wav, flac, ogg, mp3)")
    add_model_arguments(p)
    p.add_argument("--protocol", choices=("full", "asvspoof"), default="full",
                   help="full: whole recording in 4 s windows (default); asvspoof: the authors' first 4 s only")
    p.add_argument("--hop", type=float, default=None, metavar="SECONDS",
                   help="hop between windows in seconds (default: one window, 4.04 s)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per file")
    p.add_argument("--csv", metavar="OUT", help="also write the top-level fields to a CSV file")
    p.set_defaults(handler=run_detect)


def _print_table(rows: list, out) -> None:
    header = f"{'verdict':<10} {'spoof prob':>10} {'score':>8} {'duration':>9}  file"
    print(header, file=out)
    print("-" * len(header), file=out)
    for row in rows:
        if "error" in row:
            print(f"{'error':<10} {'':>10} {'':>8} {'':>9}  {row['file']}: {row['error']}", file=out)
            continue
        print(f"{row['verdict']:<10} {row['spoof_probability']:>10.4f} {row['score']:>8.3f} "
              f"{row['duration_s']:>8.2f}s  {row['file']}", file=out)
        for warning in row["warnings"]:
            print(f"{'':<10} warning [{warning['code']}]: {warning['message']}", file=out)


def _write_csv(rows: list, path: str) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            flat = dict(row)
            flat["warnings"] = ";".join(w["code"] for w in row.get("warnings", []))
            writer.writerow(flat)


def run_detect(args: argparse.Namespace) -> int:
    from .detector import Detector

    try:
        detector = Detector.from_pretrained(args.model, revision=args.revision, filename=args.filename,
                                            backend=args.backend)
    except Exception as error:  # weights and backend errors are already one user-facing sentence
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2

    rows, failed = [], 0
    show_progress = len(args.files) > 1 and sys.stderr.isatty() or len(args.files) > 5
    for i, path in enumerate(args.files, 1):
        if show_progress:
            print(f"[{i}/{len(args.files)}] {path}", file=sys.stderr)
        try:
            result = detector.analyze(path, protocol=args.protocol, hop_s=args.hop)
            rows.append(result.to_dict())
        except Exception as error:
            failed += 1
            rows.append({"file": path, "error": one_sentence(error)})

    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
    else:
        _print_table(rows, sys.stdout)
    if args.csv:
        try:
            _write_csv(rows, args.csv)
        except OSError as error:
            print(f"error: could not write {args.csv}: {error.strerror or error}.", file=sys.stderr)
            return 1
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aasist",
                                     description="AASIST speech anti-spoofing: is this recording real or synthetic?")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_detect_parser(subparsers)

    from .onnx_backend import add_export_parser
    from .training.cli import add_training_parsers

    add_export_parser(subparsers)
    add_training_parsers(subparsers)
    return parser


def main(argv: Optional[list] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
