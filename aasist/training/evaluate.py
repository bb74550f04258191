"""``python -m aasist evaluate``: score an ASVspoof 2019 protocol with a checkpoint, write the score file, print the
EER (%) and, where the ASV score file exists, the min t-DCF.

Score file lines are ``utterance attack key score`` (attack ``-`` for bona fide), the score being the bona fide logit
of the authors' evaluation window (the first ``nb_samp`` samples, tiled when shorter): higher = more bona fide.
Files that cannot be read get no score line; they are counted and named on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset
from tqdm import tqdm

from ..evaluation import metrics
from ..evaluation.protocols import ProtocolFileError
from ..models.model import WINDOW_SAMPLES
from . import distributed
from .data import ASVspoofDataset, DatasetError, UnreadableFiles, asv_scores_path, collate, load_split
from .logs import training_logging

PathLike = Union[str, Path]


def autocast(device: torch.device, dtype: Optional[torch.dtype]):
    if dtype is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


@torch.inference_mode()
def score_dataset(
    model: nn.Module,
    dataset: ASVspoofDataset,
    batch_size: int,
    context: Optional[distributed.Context] = None,
    amp_dtype: Optional[torch.dtype] = None,
    num_workers: int = 0,
    progress: bool = False,
    desc: str = "scoring",
) -> tuple:
    """({dataset index: bona fide logit}, {path: reason} of unreadable files), every rank scoring its share.

    ``model`` must be the plain network (not the DDP wrapper); it is put in eval mode.
    """
    context = context or distributed.Context(0, 1, 0, next(model.parameters()).device)
    model.eval()
    indices = list(range(context.rank, len(dataset), context.world_size))
    loader = DataLoader(
        Subset(dataset, indices),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=collate,
        pin_memory=context.device.type == "cuda",
    )
    scores: dict = {}
    unreadable: dict = {}
    with tqdm(total=len(indices), desc=desc, unit="file", disable=not (progress and context.is_main),
              dynamic_ncols=True, file=sys.stderr) as bar:  # fmt: skip
        for batch in loader:
            for item in batch.unreadable:
                unreadable[item.path] = item.reason
            if batch.waveforms is not None:
                with autocast(context.device, amp_dtype):
                    logits = model(batch.waveforms.to(context.device, non_blocking=True))
                for index, score in zip(batch.indices, logits[:, 1].float().cpu().tolist()):
                    scores[index] = score
            bar.update(len(batch.indices) + len(batch.unreadable))
    all_scores, all_unreadable = {}, {}
    for part_scores, part_unreadable in distributed.gather_objects(context, (scores, unreadable)):
        all_scores.update(part_scores)
        all_unreadable.update(part_unreadable)
    return all_scores, all_unreadable


def write_score_file(path: PathLike, trials: list, scores: dict) -> int:
    """``utterance attack key score`` lines for the scored trials, in protocol order; returns the line count."""
    path = Path(path)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for index, trial in enumerate(trials):
            if index in scores:
                f.write(f"{trial.utterance} {trial.attack} {trial.key} {scores[index]!r}\n")
                n += 1
    return n


def cm_scores_of(trials: list, scores: dict) -> metrics.CMScores:
    kept = sorted(scores)
    return metrics.CMScores(
        utterances=[trials[i].utterance for i in kept],
        attacks=[trials[i].attack for i in kept],
        keys=np.array([trials[i].key for i in kept]),
        scores=np.array([scores[i] for i in kept], dtype=np.float64),
    )


def split_metrics(trials: list, scores: dict, asv_path: Optional[Path]) -> metrics.Evaluation:
    """EER (%) and, when ``asv_path`` exists, min t-DCF of the scored trials."""
    asv = metrics.read_asv_scores(asv_path) if asv_path is not None and asv_path.is_file() else None
    return metrics.evaluate_scores(cm_scores_of(trials, scores), asv)


@dataclass
class EvaluationReport:
    scores_path: Path
    scored: int
    unreadable: dict  # path -> reason
    evaluation: Optional[metrics.Evaluation]
    asv_scores: Optional[Path]
    error: Optional[str] = None
    extra: dict = field(default_factory=dict)


def resolve_checkpoint(spec: str) -> str:
    """A training output folder stands for its ``best/`` checkpoint."""
    path = Path(spec).expanduser()
    if path.is_dir() and not (path / "config.json").is_file() and (path / "best" / "config.json").is_file():
        return str(path / "best")
    return spec


def _checkpoint_track(spec: str) -> Optional[str]:
    config_path = Path(spec).expanduser() / "config.json"
    try:
        return json.loads(config_path.read_text())["training"]["track"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_network(spec: str, device: torch.device, revision: str = "main") -> tuple:
    """(network in eval mode, model_config) from a checkpoint folder, a built-in name or a Hub repo id."""
    from ..models.weights import build_model, load_checkpoint

    checkpoint = load_checkpoint(spec, revision=revision)
    return build_model(checkpoint, device), dict(checkpoint.config, architecture=checkpoint.architecture)


def evaluate_checkpoint(
    checkpoint: str,
    database: PathLike,
    scores_path: PathLike,
    track: Optional[str] = None,
    split: str = "eval",
    batch_size: int = 32,
    device: Optional[str] = None,
    num_workers: int = 0,
    asv_scores: Optional[PathLike] = None,
    progress: bool = True,
    revision: str = "main",
    model: Optional[nn.Module] = None,
    model_config: Optional[dict] = None,
    context: Optional[distributed.Context] = None,
) -> EvaluationReport:
    """Score ``split`` of the database, write the score file (rank 0) and compute the metrics.

    Pass ``model`` and ``model_config`` to evaluate a network already in memory (``checkpoint`` then only names it).
    """
    spec = resolve_checkpoint(checkpoint)
    track = track or _checkpoint_track(spec) or "LA"
    context = context or distributed.Context(0, 1, 0, distributed.pick_device(device))
    if model is None:
        model, model_config = load_network(spec, context.device, revision)
    model_config = model_config or {}
    window = int(model_config.get("nb_samp", WINDOW_SAMPLES))
    trials, folder = load_split(database, track, split)
    dataset = ASVspoofDataset(trials, folder, window=window, train=False)
    scores, unreadable = score_dataset(model, dataset, batch_size, context, num_workers=num_workers,
                                       progress=progress, desc=f"{track} {split}")  # fmt: skip
    skipped = UnreadableFiles()
    if context.is_main:
        skipped.merge(unreadable, split)
    scores_path = Path(scores_path)
    asv_path = Path(asv_scores) if asv_scores is not None else asv_scores_path(database, track, split)
    report = EvaluationReport(scores_path, 0, unreadable, None, asv_path if asv_path.is_file() else None)
    if context.is_main:
        report.scored = write_score_file(scores_path, trials, scores)
        try:
            report.evaluation = split_metrics(trials, scores, asv_path)
        except (metrics.MetricError, ProtocolFileError) as error:
            report.error = str(error)
    return report


def print_report(report: EvaluationReport, out=None) -> None:
    out = out or sys.stdout
    print(f"scores: {report.scores_path} ({report.scored} trials)", file=out)
    if report.unreadable:
        print(f"skipped {len(report.unreadable)} unreadable files (named above; they have no score line)",
              file=sys.stderr)  # fmt: skip
    if report.evaluation is None:
        return
    ev = report.evaluation
    print(f"EER: {ev.eer_percent:.6f} %", file=out)
    if ev.min_tdcf is not None:
        print(f"min t-DCF: {ev.min_tdcf:.6f} (ASV scores: {report.asv_scores})", file=out)
    else:
        print("min t-DCF: not computed (no ASV score file)", file=out)
    for attack, eer in ev.eer_per_attack.items():
        print(f"  EER {attack}: {eer:.6f} %", file=out)


def add_database_arguments(parser, required: bool = True) -> None:
    """The ASVspoof database options (all but ``--no-progress``) on ``parser`` or an argument group. ``required``
    False: ``--checkpoint``, ``--database`` and ``--scores`` may be left out, for a command with another mode (its
    handler then checks them when ``--database`` is given)."""
    parser.add_argument("--checkpoint", required=required,
                        help="checkpoint folder (or a training output folder: its best/), built-in name or Hub repo "
                             "id")
    parser.add_argument("--database", required=required, metavar="DB",
                        help="folder holding LA/ or PA/ as distributed")
    parser.add_argument("--scores", required=required, metavar="OUT", help="score file to write")
    parser.add_argument("--track", choices=("LA", "PA"), default=None, help="default: the checkpoint's, else LA")
    parser.add_argument("--split", choices=("eval", "dev"), default="eval")
    parser.add_argument("--asv-scores", default=None, help="ASV score file (default: the database's, if present)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="data loading processes")
    parser.add_argument("--device", default=None, help="cuda, cuda:1 or cpu (default: cuda when available)")
    parser.add_argument("--revision", default="main", help="Hub revision, for a Hub repo id")


def database_defaults() -> dict:
    """Each ASVspoof database option's destination and default, as ``add_database_arguments`` declares them:
    ``python -m aasist evaluate`` (aasist.cli) offers them beside the labelled-recordings mode, and tells the modes
    apart by them."""
    probe = argparse.ArgumentParser()
    add_database_arguments(probe, required=False)
    return vars(probe.parse_args([]))


def run_evaluate(args: argparse.Namespace) -> int:
    """``python -m aasist evaluate --database DB`` (aasist.cli adds the options, ``add_database_arguments``)."""
    from ..models.weights import WeightsError

    with training_logging():
        try:
            report = evaluate_checkpoint(
                args.checkpoint, args.database, args.scores, track=args.track, split=args.split,
                batch_size=args.batch_size, device=args.device, num_workers=args.workers,
                asv_scores=args.asv_scores, progress=not args.no_progress, revision=args.revision,
            )  # fmt: skip
        except (WeightsError, DatasetError, ProtocolFileError, metrics.MetricError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print_report(report)
    if report.error:
        print(f"error: {report.error}", file=sys.stderr)
        return 1
    return 0

