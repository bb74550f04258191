"""Command line: ``python -m aasist detect FILE...`` and the other subcommands.

Errors reach the user as one sentence on stderr (or as ``{"file", "error"}`` objects in JSON), never as a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .inference import stream_settings as live
from .text import one_sentence
from .views.present import (
    AGREEMENT_CSV_COLUMNS,
    CSV_COLUMNS,
    NOT_RUN_WITHOUT_SPEECH,
    REPORT_CSV_COLUMNS,
    ROBUSTNESS_CSV_COLUMNS,
    ResultRow,
    cautions,
    known_answer_text,
)

if TYPE_CHECKING:
    from .inference.detector import DetectionResult


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="AASIST",
                        help="built-in name (see `python -m aasist models`), a local .pth or checkpoint folder, or "
                             "a Hub repo id")
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
    p.add_argument("--robustness", action="store_true",
                   help="re-score each recording (its first 30 s) under benign edits and say whether the verdict "
                        "holds (about 9x the analysis time)")
    p.add_argument("--models", metavar="A,B", default=None,
                   help="score with several models, e.g. AASIST,AASIST-L,RawNet2: the first gives the main result, "
                        "the others its agreement (replaces --model)")
    p.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="write a self-contained HTML report per recording into DIR (named after the file)")
    p.set_defaults(handler=run_detect)


@dataclass
class FileOutcome:
    """What became of one file: its result (and report), or the one sentence that says why there is none."""

    file: str
    result: Optional[DetectionResult] = None
    error: str = ""
    report: str = ""

    def to_dict(self) -> dict:
        """The JSON object: the result dictionary (with ``report``), or ``{"file", "error"}``."""
        if self.result is None:
            return {"file": self.file, "error": self.error}
        data = self.result.to_dict()
        if self.report:
            data["report"] = self.report
        return data

    def row(self) -> ResultRow:
        if self.result is None:
            return ResultRow.failed(self.file, self.error)
        return ResultRow.of(self.result, file=self.file, report=self.report)


def _print_table(outcomes: list, out, checks_asked: bool = False) -> None:
    """The table for people; ``checks_asked``: the robustness check or a model comparison was asked for (a
    recording without speech then says why they did not run)."""
    header = f"{'verdict':<10} {'spoof prob':>10} {'score':>8} {'duration':>9}  file"
    print(header, file=out)
    print("-" * len(header), file=out)
    for outcome in outcomes:
        result = outcome.result
        if result is None:
            print(f"{'error':<10} {'':>10} {'':>8} {'':>9}  {outcome.file}: {outcome.error}", file=out)
            continue
        probability = "n/a" if result.no_speech else f"{result.spoof_probability:.4f}"  # not meaningful
        print(f"{result.verdict:<10} {probability:>10} {result.score:>8.3f} "
              f"{result.duration_s:>8.2f}s  {outcome.file}", file=out)
        for caution in cautions(result):
            print(f"{'':<10} caution: {caution}", file=out)
        for warning in result.warnings:
            print(f"{'':<10} warning [{warning.code}]: {warning.message}", file=out)
        if result.no_speech and checks_asked:
            print(f"{'':<10} robustness check, model comparison: {NOT_RUN_WITHOUT_SPEECH}", file=out)
        if result.robustness is not None:
            print(f"{'':<10} robustness: {result.robustness.summary_sentence()}", file=out)
        if result.agreement is not None:
            models = ", ".join(f"{m.model} {m.verdict} ({m.spoof_probability:.4f})" for m in result.agreement.models)
            print(f"{'':<10} models: {models}", file=out)
        if outcome.report:
            print(f"{'':<10} report: {outcome.report}", file=out)


class ProgressBar:
    """A progress bar on stderr for one file's windows (tqdm), fed by the pipeline's stage hook. ``enabled`` None:
    only when stderr is a terminal (tqdm's rule), so logs and pipes get no carriage-return clutter."""

    def __init__(self, name: str, enabled: Optional[bool] = None):
        self.name = name
        self.enabled = enabled
        self._bar = None

    def update(self, progress) -> None:
        from .inference.pipeline import WINDOWS

        if progress.stage != WINDOWS:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=progress.total, desc=os.path.basename(self.name), unit="window",
                             disable=None if self.enabled is None else not self.enabled, leave=False,
                             file=sys.stderr, dynamic_ncols=True)
        if progress.total != self._bar.total:
            self._bar.total = progress.total
        self._bar.update(progress.done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _write_csv(outcomes: list, path: str, columns: tuple) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for outcome in outcomes:
            writer.writerow(outcome.row().csv_values())


def _listed_models(models: str) -> list:
    """--models' names, split at commas."""
    names = [name.strip() for name in models.split(",") if name.strip()]
    if not names:
        raise ValueError("--models needs model names separated by commas, e.g. --models AASIST,AASIST-L.")
    return names


def _model_names(args: argparse.Namespace) -> list:
    if not args.models:
        return [args.model]
    names = _listed_models(args.models)
    if args.model != "AASIST":
        raise ValueError("use either --model or --models, not both (the first of --models is the main model).")
    return names


def run_detect(args: argparse.Namespace) -> int:
    from .audio.decoding import load_audio
    from .inference.detector import Detector
    from .inference.pipeline import Pipeline

    try:
        detectors = [Detector.from_pretrained(name, revision=args.revision, filename=args.filename,
                                              backend=args.backend) for name in _model_names(args)]
    except Exception as error:  # weights and backend errors are already one user-facing sentence
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2

    pipeline = Pipeline(detectors, protocol=args.protocol, hop_s=args.hop)
    outcomes, failed = [], 0
    show_progress = len(args.files) > 1 and sys.stderr.isatty() or len(args.files) > 5
    for i, path in enumerate(args.files, 1):
        if show_progress:
            print(f"[{i}/{len(args.files)}] {path}", file=sys.stderr)
        bar = ProgressBar(path, enabled=args.progress)
        try:
            # The file is read block by block, so memory stays bounded however long it is.
            result = pipeline.analyze(path, robustness=args.robustness, with_attention=bool(args.report),
                                      progress=bar.update)
            result.file = path
        except Exception as error:
            failed += 1
            outcomes.append(FileOutcome(path, error=one_sentence(error)))
            continue
        finally:
            bar.close()
        outcome = FileOutcome(path, result)
        if args.report:
            from .views.report import write_report

            try:  # the report's figures need the samples: the recording is decoded whole for it
                outcome.report = str(write_report(result, load_audio(path), args.report, source_path=path))
            except OSError as error:
                failed += 1
                print(f"error: could not write the report for {path}: {error.strerror or error}.", file=sys.stderr)
        outcomes.append(outcome)

    if args.json:
        json.dump([outcome.to_dict() for outcome in outcomes], sys.stdout, indent=2)
        print()
    else:
        _print_table(outcomes, sys.stdout, checks_asked=args.robustness or len(detectors) > 1)
    if args.csv:
        columns = CSV_COLUMNS + (ROBUSTNESS_CSV_COLUMNS if args.robustness else ()) \
            + (AGREEMENT_CSV_COLUMNS if len(detectors) > 1 else ()) + (REPORT_CSV_COLUMNS if args.report else ())
        try:
            _write_csv(outcomes, args.csv, columns)
        except OSError as error:
            print(f"error: could not write {args.csv}: {error.strerror or error}.", file=sys.stderr)
            return 1
    return 1 if failed else 0


def add_models_parser(subparsers) -> None:
    p = subparsers.add_parser("models", help="list the built-in models: Hub repo, checksum, licence, training data",
                              description="The built-in models (aasist.models.registry): where their weights come "
                                          "from, how they are checked, what they were trained on and their published "
                                          "results.")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per model")
    p.set_defaults(handler=run_models)


def _model_entry(model) -> dict:
    """A registry entry with the checksum that applies: the published one, else the one recorded on first download;
    and the known-answer check of the recorded file (``aasist.inference.known_answer``; null when never checked)."""
    from .models.cache import recorded_sha256
    from .inference.known_answer import recorded

    data = model.to_dict()
    check = recorded(model)
    data["known_answer"] = None if check is None else check.to_dict()
    if model.sha256 is not None:
        data["sha256_source"] = "published"
        return data
    record = recorded_sha256(model.repo_id, model.filename)
    data["sha256"] = record["sha256"] if record else None
    data["sha256_source"] = (f"recorded on first download ({record.get('recorded_at', '?')}, commit "
                             f"{record.get('commit') or '?'})" if record else "recorded on first download (not yet "
                                                                              "downloaded here)")
    return data


def run_models(args: argparse.Namespace) -> int:
    from .inference.known_answer import KnownAnswer
    from .models.registry import MODELS, NOT_AVAILABLE

    entries = [_model_entry(model) for model in MODELS]
    if args.json:
        json.dump(entries, sys.stdout, indent=2)
        print()
        return 0
    for model, entry in zip(MODELS, entries):
        where = "packaged with aasist, and on the Hub" if model.packaged else \
            f"downloaded from the Hub when first used ({model.size_mb:g} MB)"
        print(f"{model.name}  [{model.architecture}, {model.licence}]")
        print(f"  {model.summary()}")
        print(f"  weights: {model.repo_id}, file {model.filename}, revision {model.revision}; {where}")
        print(f"  SHA-256: {entry['sha256'] or '-'} ({entry['sha256_source']})")
        check = KnownAnswer.from_dict(model.name, entry["known_answer"])
        if check is not None:
            print(f"  known-answer check: {known_answer_text(check)}")
            suspect = check.warning()
            if suspect is not None:
                print(f"  warning [{suspect.code}]: {suspect.message}")
    for name, why in NOT_AVAILABLE.items():
        print(f"{name}  [not available]")
        print(f"  {why}.")
    return 0


EVALUATION_MODELS = ("AASIST", "AASIST-L")  # `evaluate` without --models: both packaged, so it runs offline


def _count(least: int):
    """An argparse type: a whole number of at least ``least``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {least}, got '{text}'")
        return value
    return parse


def add_evaluate_parser(subparsers) -> None:
    from .evaluation.evaluation import BOOTSTRAP_ROUNDS
    from .training.evaluate import add_database_arguments

    p = subparsers.add_parser(
        "evaluate", help="EER of the models on your own labelled recordings (or an ASVspoof database: --database)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="How well do the models tell your bona fide recordings from your spoofed ones? Every labelled "
                    "recording is\nscored by each model; each model's EER is printed with its 95 % bootstrap "
                    "interval, its threshold at the\nEER, and its false alarms and misses at the demo's threshold "
                    "0.5. Labels come from folders named bonafide\n(or real, genuine) and spoof (or fake, synthetic), "
                    "at any depth and in any case, or from a CSV of file,label\n(--labels). Recordings that cannot "
                    "be decoded, and those without speech, are listed apart and left out.\nExit status: 0, or 2 "
                    "(one sentence on stderr) when the recordings cannot be evaluated.\n\n"
                    "With --database, scores an ASVspoof 2019 protocol with a checkpoint instead (the training "
                    "pipeline's\nevaluation: score file, EER and min t-DCF).",
        epilog="examples:\n"
               "  python -m aasist evaluate my_set/                   # my_set/real/*.wav, my_set/fake/*.wav\n"
               "  python -m aasist evaluate --labels labels.csv --models AASIST,RawNet2 --report out/\n"
               "  python -m aasist evaluate my_set/ --json > evaluation.json\n"
               "  python -m aasist evaluate --database DB --checkpoint AASIST --scores scores.txt")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="audio files, or folders searched at any depth (with --labels: may be left out, the CSV's "
                        "files are evaluated)")
    p.add_argument("--labels", metavar="CSV", default=None,
                   help="labels from a CSV of file,label rows (label bonafide/real or spoof/fake; files relative to "
                        "the CSV's folder; a header row is allowed) instead of folder names")
    p.add_argument("--models", metavar="A,B", default=None,
                   help=f"models to evaluate, separated by commas (default: {','.join(EVALUATION_MODELS)}, packaged "
                        "with aasist, offline; the others are downloaded from the Hub when named)")
    p.add_argument("--json", action="store_true",
                   help="print the evaluation as JSON: models [model, eer, eer_ci95, threshold_at_eer, "
                        "false_alarms_at_0.5, misses_at_0.5, n_bonafide, n_spoof, ...] and files [file, label, "
                        "spoof_probability per model, or error]")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="also write a self-contained HTML report of the evaluation into DIR")
    p.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    p.add_argument("--bootstrap", type=_count(1), default=None, metavar="N",
                   help=f"bootstrap rounds of the 95 %% interval (default {BOOTSTRAP_ROUNDS})")
    p.add_argument("--seed", type=_count(0), default=None, metavar="N",
                   help="seed of the bootstrap, for a reproducible interval (default 0)")
    add_database_arguments(p.add_argument_group(
        "an ASVspoof 2019 database, with --database DB --checkpoint C --scores OUT (of the options above, "
        "only --no-progress applies)"), required=False)
    p.set_defaults(handler=run_evaluate)


# `evaluate`'s labelled-recordings options (destination -> how the user wrote it), which --database does not take.
_RECORDINGS_OPTIONS = {"paths": "PATH...", "labels": "--labels", "models": "--models", "json": "--json",
                       "report": "--report", "bootstrap": "--bootstrap", "seed": "--seed"}


def _evaluation_model_names(models: Optional[str]) -> list:
    if models is None:
        return list(EVALUATION_MODELS)
    names = _listed_models(models)
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"--models names {twice[0]} twice; name each model once.")
    return names


class RecordingsBar:
    """A progress bar on stderr over the recordings of an evaluation (tqdm), fed by ``evaluate``'s
    ``progress(done, total)``. ``enabled`` None: only when stderr is a terminal, as ``ProgressBar``."""

    def __init__(self, total: int, enabled: Optional[bool] = None):
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc="evaluate", unit="recording", leave=False, file=sys.stderr,
                         disable=None if enabled is None else not enabled, dynamic_ncols=True)

    def update(self, done: int, total: int) -> None:
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def _print_evaluation(evaluation, out, report: str = "") -> None:
    """The evaluation for people: a table of the models, the notes, then the recordings left out."""
    from .views.present import EVALUATION_LIMITS, EVALUATION_MODELS_INTRO, evaluation_notes

    width = max([12] + [len(m.model) for m in evaluation.models])
    header = (f"{'model':<{width}} {'EER':>8}  {'95 % interval':<15} {'threshold':>9}  {'false alarms at 0.5':<19}  "
              f"{'misses at 0.5':<15} {'bona fide':>9} {'spoof':>6}")
    print(header, file=out)
    print("-" * len(header), file=out)
    for m in evaluation.models:
        low, high = m.eer_ci95
        false_alarms = f"{m.false_alarms_at_05} ({m.false_alarm_rate_at_05:.1f} %)"
        misses = f"{m.misses_at_05} ({m.miss_rate_at_05:.1f} %)"
        print(f"{m.model:<{width}} {m.eer:>6.2f} %  {f'{low:.2f}-{high:.2f} %':<15} {m.threshold_at_eer:>9.6f}  "
              f"{false_alarms:<19}  {misses:<15} {m.n_bonafide:>9} {m.n_spoof:>6}", file=out)
    print(EVALUATION_MODELS_INTRO, file=out)
    print(file=out)
    for note in evaluation_notes(evaluation):
        print(f"note: {note}", file=out)
    print(f"note: {EVALUATION_LIMITS}", file=out)
    if evaluation.failed_files:
        print(f"\nnot decoded ({len(evaluation.failed_files)}, left out):", file=out)
        for f in evaluation.failed_files:
            print(f"  {f.file} [{f.label}]: {f.error}", file=out)
    if evaluation.no_speech_files:
        print(f"\nno speech found ({len(evaluation.no_speech_files)}, left out):", file=out)
        for f in evaluation.no_speech_files:
            speech = "" if f.speech_s is None else f" ({f.speech_s:.1f} s of speech)"
            print(f"  {f.file} [{f.label}]{speech}", file=out)
    if report:
        print(f"\nreport: {report}", file=out)


def run_evaluate(args: argparse.Namespace) -> int:
    """``evaluate``: the labelled recordings, or under ``--database`` the training pipeline's ASVspoof scoring."""
    if args.database is not None:
        return _run_database_evaluation(args)
    from .training.evaluate import database_defaults

    database_only = [f"--{dest.replace('_', '-')}" for dest, default in database_defaults().items()
                     if getattr(args, dest) != default]
    if database_only:
        print(f"error: {', '.join(database_only)} {'applies' if len(database_only) == 1 else 'apply'} only with "
              "--database (an ASVspoof database); for your own recordings give PATH... or --labels CSV.",
              file=sys.stderr)
        return 2
    if not args.paths and args.labels is None:
        print("error: Give the recordings to evaluate: folders named bonafide/real and spoof/fake, or --labels CSV "
              "(or --database DB for an ASVspoof database).", file=sys.stderr)
        return 2

    from .inference.detector import Detector
    from .audio.labels import EvaluationError, labelled_files
    from .evaluation.evaluation import BOOTSTRAP_ROUNDS, evaluate

    try:
        names = _evaluation_model_names(args.models)
        files = labelled_files(args.paths, labels_csv=args.labels)
        detectors = [Detector.from_pretrained(name) for name in names]
    except Exception as error:  # labels, weights and backend errors are already one user-facing sentence
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2
    bar = RecordingsBar(len(files), enabled=args.progress)
    try:
        evaluation = evaluate(files, detectors, progress=bar.update,
                              bootstrap_rounds=BOOTSTRAP_ROUNDS if args.bootstrap is None else args.bootstrap,
                              seed=0 if args.seed is None else args.seed)
    except EvaluationError as error:
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2
    except Exception as error:  # not expected (each recording's errors are caught): still one sentence
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 1
    finally:
        bar.close()

    report, status = "", 0
    if args.report:
        from .views.evaluation_report import write_evaluation_report

        try:
            report = str(write_evaluation_report(evaluation, args.report))
        except Exception as error:  # the numbers are still printed
            why = error.strerror if isinstance(error, OSError) and error.strerror else one_sentence(error)
            print(f"error: could not write the report into {args.report}: {why.rstrip('.')}.", file=sys.stderr)
            status = 1
    if args.json:
        data = evaluation.to_dict()
        if report:
            data["report"] = report
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        _print_evaluation(evaluation, sys.stdout, report)
    return status


def _run_database_evaluation(args: argparse.Namespace) -> int:
    from .training.evaluate import run_evaluate as run_database_evaluation

    given = [flag for dest, flag in _RECORDINGS_OPTIONS.items() if getattr(args, dest) not in (None, False, [])]
    if given:
        print(f"error: {', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply with --database, which "
              "scores an ASVspoof protocol with --checkpoint.", file=sys.stderr)
        return 2
    missing = [flag for flag in ("--checkpoint", "--scores") if getattr(args, flag[2:]) is None]
    if missing:
        print(f"error: --database needs {' and '.join(missing)}.", file=sys.stderr)
        return 2
    args.no_progress = args.progress is False  # as before: a bar unless --no-progress
    return run_database_evaluation(args)


STREAM_BLOCK_S = 0.1  # seconds of audio read and pushed at a time by `stream`
EXIT_ALARM = 3  # `stream`: an alarm was raised


def add_stream_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "stream", help="score audio as it arrives (a file or raw PCM on stdin), with an alarm",
        description="Score a stream every hop on its newest 4.04 s window, with a smoothed probability and an alarm. "
                    "Exit status: 0, or 3 when an alarm was raised; 2 for bad input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  python -m aasist stream call.wav --realtime\n"
               "  arecord -q -f S16_LE -r 16000 -c 1 -t raw | python -m aasist stream -\n"
               "  ffmpeg -i URL -f s16le -ac 1 -ar 16000 - | python -m aasist stream - --jsonl")
    p.add_argument("source", metavar="FILE", help="an audio file, or - for raw PCM on stdin (--format, --rate, "
                                                  "--channels)")
    add_model_arguments(p)
    # Defaults None: StreamingDetector's own, which aasist.inference.stream_settings states without importing torch.
    p.add_argument("--hop", type=float, default=None, metavar="SECONDS",
                   help=f"seconds between scores, {live.MIN_HOP_S:g} to {live.MAX_HOP_S:g} "
                        f"(default {live.DEFAULT_HOP_S:g})")
    p.add_argument("--threshold", type=float, default=None,
                   help=f"alarm threshold on the smoothed spoof probability (default {live.DEFAULT_THRESHOLD:g})")
    p.add_argument("--min-hops", type=int, default=None, metavar="N",
                   help="consecutive hops at or above the threshold that raise the alarm "
                        f"(default {live.DEFAULT_MIN_HOPS})")
    p.add_argument("--margin", type=float, default=None,
                   help=f"the alarm clears below threshold minus this (default {live.DEFAULT_MARGIN:g})")
    p.add_argument("--smoothing", type=int, default=None, metavar="N",
                   help=f"windows combined into the smoothed probability (default {live.DEFAULT_SMOOTHING})")
    p.add_argument("--realtime", action="store_true", help="read a file at real-time pace, as if it were live")
    p.add_argument("--jsonl", action="store_true",
                   help="one JSON object per line: each update (\"type\": \"update\", events included), then "
                        "the summary (\"type\": \"summary\")")
    p.add_argument("--format", choices=("s16le", "f32le"), default="s16le",
                   help="stdin sample format, little-endian (default s16le)")
    p.add_argument("--rate", type=int, default=16000, help="stdin sample rate in Hz (default 16000)")
    p.add_argument("--channels", type=int, default=1, help="stdin channel count, interleaved (default 1)")
    p.set_defaults(handler=run_stream)


# Windows that leave the smoothing and the alarm as they were (their spoof probability means nothing).
_NOT_COUNTED_TEXT = {"silent": "silent (not counted)", "no_speech": "no speech (not counted)"}


def _print_update(update, out) -> None:
    t = f"{update.t_end_s:7.2f} s"
    if update.status == "waiting":
        line = f"{t}  waiting for 4 s of audio"
    else:
        smoothed = "" if update.smoothed_probability is None else f"  smoothed {update.smoothed_probability:.3f}"
        kind = _NOT_COUNTED_TEXT.get(update.status) or f"spoof {update.spoof_probability:.3f}"
        line = f"{t}  {kind}{smoothed}{'  ALARM' if update.alarm else ''}"
    if update.skipped:
        line += f"  ({update.skipped} hops skipped)"
    print(line, file=out)
    for event in update.events:
        print(f"{'':11}{event.message}", file=out)


def _print_summary(summary, out) -> None:
    line = (f"summary: {summary.duration_s:.2f} s of audio, {summary.hops_scored} windows scored "
            f"({summary.silent_hops} silent, {summary.no_speech_hops} without speech, {summary.skipped_hops} skipped)")
    if summary.counted_hops:
        line += (f"; spoof probability max {summary.max_probability:.3f}, mean {summary.mean_probability:.3f}, "
                 f"whole stream {summary.overall_probability:.3f}")
    print(line, file=out)
    for on_s, off_s in summary.alarms:
        print(f"alarm raised at {on_s:.2f} s" + (f", cleared at {off_s:.2f} s" if off_s is not None
                                                   else ", still raised at the end"), file=out)
    if not summary.alarms:
        print("no alarm raised", file=out)
    for note in summary.notes:
        print(f"note: {note}", file=out)


def run_stream(args: argparse.Namespace) -> int:
    import time

    from .audio.decoding import AudioError, read_blocks, read_pcm_blocks
    from .inference.detector import Detector
    from .inference.streaming import StreamingDetector

    settings = dict(hop_s=args.hop, threshold=args.threshold, min_hops=args.min_hops, margin=args.margin,
                    smoothing=args.smoothing)
    try:
        detector = Detector.from_pretrained(args.model, revision=args.revision, filename=args.filename,
                                            backend=args.backend)
        stream = StreamingDetector(detector, **{k: v for k, v in settings.items() if v is not None})
    except Exception as error:  # weights, backend and settings errors are already one user-facing sentence
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2

    out = sys.stdout

    def emit(updates) -> None:
        for update in updates:
            if args.jsonl:
                print(json.dumps({"type": "update", **update.to_dict()}), file=out)
            else:
                _print_update(update, out)
        if updates:
            out.flush()

    if args.source == "-":
        # Mono as 1-D: a 2-D block of one frame would not say which axis holds the channels.
        blocks = ((x if args.channels > 1 else x[:, 0], args.rate)
                  for x in read_pcm_blocks(sys.stdin.buffer, args.format, args.rate, args.channels, STREAM_BLOCK_S))
    else:
        blocks = read_blocks(args.source, STREAM_BLOCK_S)
    pace = args.realtime and args.source != "-"  # stdin is paced by whatever writes it
    try:
        try:
            start, sent_s = time.monotonic(), 0.0
            for block, rate in blocks:
                sent_s += len(block) / rate
                if pace:
                    time.sleep(max(0.0, start + sent_s - time.monotonic()))
                emit(stream.push(block, rate))
        except KeyboardInterrupt:  # Ctrl-C ends a live stream: summarise what arrived
            pass
        emit(stream.finish())
        summary = stream.summary()
        if args.jsonl:
            print(json.dumps({"type": "summary", **summary.to_dict()}), file=out)
        else:
            _print_summary(summary, out)
        out.flush()
    except (AudioError, ValueError) as error:
        out.flush()
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        print(f"error: {one_sentence(error)}", file=sys.stderr)
        return 1
    return EXIT_ALARM if summary.alarm_raised else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aasist",
                                     description="AASIST speech anti-spoofing: is this recording real or synthetic?")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_detect_parser(subparsers)
    add_stream_parser(subparsers)
    add_models_parser(subparsers)

    from .inference.onnx_backend import add_export_parser
    from .training.push import add_push_parser
    from .training.train import add_train_parser

    add_export_parser(subparsers)
    add_train_parser(subparsers)
    add_evaluate_parser(subparsers)  # labelled recordings; the training pipeline's ASVspoof scoring under --database
    add_push_parser(subparsers)
    return parser


def main(argv: Optional[list] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
