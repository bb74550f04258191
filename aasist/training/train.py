"""``python -m aasist train --config configs/AASIST.json``: train AASIST, AASIST-L, RawNet2 or LCNN on ASVspoof 2019.

As the authors: weighted cross-entropy (0.1 spoof, 0.9 bona fide), Adam, a cosine learning-rate schedule stepped
every batch (from ``base_lr`` to ``lr_min``), random 64600-sample training windows (tiled when shorter), the best
epoch chosen by dev EER. Added: mixed precision on GPU, optional waveform augmentation, resume, DDP under torchrun.

The output folder holds::

    train.log              the log (also on stderr), naming every unreadable file that was skipped
    history.jsonl          one line per epoch: train loss, dev EER (and min t-DCF), learning rate, time
    epochs/epoch_NNN.safetensors   the weights after every epoch
    best/                  checkpoint folder of the best epoch by dev EER (config.json, model.safetensors, README.md)
    resume.pt              everything ``--resume`` needs (weights, optimiser, schedule, scaler, RNG, history)
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import pickle
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler
from tqdm import tqdm

from ..evaluation import metrics
from ..evaluation.protocols import ProtocolFileError
from ..models.model import WINDOW_SAMPLES
from . import distributed
from .augment import DEFAULT_AUGMENTATION, WaveformAugment
from .checkpoint import (
    architecture_of,
    build_model,
    count_parameters,
    load_checkpoint_folder,
    save_checkpoint_folder,
    save_weights,
)
from .data import ASVspoofDataset, DatasetError, UnreadableFiles, asv_scores_path, collate, load_split
from .evaluate import autocast, evaluate_checkpoint, score_dataset, split_metrics
from .logs import LOGGER_NAME, training_logging

LOSS_WEIGHTS = [0.1, 0.9]  # [spoof, bona fide], as the authors
RESUME_NAME = "resume.pt"
log = logging.getLogger(LOGGER_NAME)
DEFAULTS = {
    "track": "LA",
    "batch_size": 24,
    "num_epochs": 100,
    "seed": 1234,
    "num_workers": 4,
    "amp": "auto",
    "loss_weights": LOSS_WEIGHTS,
    "augmentation": None,
}
DEFAULT_OPTIM = {
    "optimizer": "adam",
    "amsgrad": "False",
    "base_lr": 0.0001,
    "lr_min": 0.000005,
    "betas": [0.9, 0.999],
    "weight_decay": 0.0001,
    "scheduler": "cosine",
}


class TrainingError(RuntimeError):
    """A problem with the configuration or the run folder; the message says what to change."""


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def load_config(path) -> dict:
    path = Path(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TrainingError(f"cannot read the config {path}: {error.strerror or error}.") from error
    except json.JSONDecodeError as error:
        raise TrainingError(f"the config {path} is not valid JSON ({error}).") from error
    if not isinstance(config, dict) or not isinstance(config.get("model_config"), dict):
        raise TrainingError(f"the config {path} needs a \"model_config\" object.")
    return config


def complete_config(config: dict) -> dict:
    """The config with defaults filled in and checked."""
    config = copy.deepcopy(config)
    for key, value in DEFAULTS.items():
        config.setdefault(key, copy.deepcopy(value))
    config["optim_config"] = {**DEFAULT_OPTIM, **config.get("optim_config", {})}
    try:
        architecture_of(config["model_config"])
    except ValueError as error:
        raise TrainingError(str(error)) from error
    if config["track"] not in ("LA", "PA"):
        raise TrainingError(f"unknown track {config['track']!r}: expected LA or PA.")
    if config.get("database_path") is None:
        raise TrainingError("no database: give --database DB (the folder holding LA/ or PA/).")
    if config["optim_config"]["scheduler"] not in ("cosine", "constant"):
        raise TrainingError("optim_config.scheduler must be \"cosine\" or \"constant\".")
    if config["augmentation"] is True:
        config["augmentation"] = dict(DEFAULT_AUGMENTATION)
    return config


def cosine_annealing(step: int, total_steps: int, lr_max: float, lr_min: float) -> float:
    """The authors' schedule factor (utils.cosine_annealing), as a Python float (resume.pt holds no numpy values)."""
    return float(lr_min + (lr_max - lr_min) * 0.5 * (1 + np.cos(step / total_steps * np.pi)))


def make_optimizer(model: nn.Module, optim_config: dict, total_steps: int) -> tuple:
    if optim_config.get("optimizer", "adam").lower() != "adam":
        raise TrainingError("only the Adam optimiser is supported (optim_config.optimizer = \"adam\").")
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=float(optim_config["base_lr"]),
        betas=tuple(float(b) for b in optim_config["betas"]),
        weight_decay=float(optim_config["weight_decay"]),
        amsgrad=_as_bool(optim_config.get("amsgrad", False)),
    )
    if optim_config["scheduler"] == "cosine":
        ratio = float(optim_config["lr_min"]) / float(optim_config["base_lr"])
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: cosine_annealing(step, max(total_steps, 1), 1.0, ratio)
        )
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    return optimizer, scheduler


def amp_dtype_for(setting, device: torch.device) -> Optional[torch.dtype]:
    """Mixed precision on CUDA only: bf16 where supported, else fp16 (with a gradient scaler)."""
    setting = str(setting).lower()
    if device.type != "cuda" or setting in ("off", "false", "none", "no", "0"):
        return None
    if setting == "fp16":
        return torch.float16
    if setting == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _plain(value):
    """``value`` as plain JSON types (no numpy scalars), which ``torch.load(weights_only=True)`` reads back."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


def _rng_state() -> dict:
    """Every generator's state as tensors and plain Python values, so that resume.pt loads with weights_only."""
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    numpy_state = (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached_gaussian))
    state = {"python": random.getstate(), "numpy": numpy_state, "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    name, keys, pos, has_gauss, cached_gaussian = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached_gaussian))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, DistributedDataParallel) else model


def _safe_lr(scheduler) -> float:
    return float(scheduler.get_last_lr()[0])


def train(
    config: dict,
    output: Path,
    resume: bool = False,
    device: Optional[str] = None,
    max_steps_per_epoch: Optional[int] = None,
    progress: bool = True,
    evaluate_after: bool = False,
) -> dict:
    """Train as ``config`` says; write checkpoints and the log to ``output``. Returns a summary dict.

    Under torchrun every process calls this; rank 0 writes the files.
    """
    config = complete_config(config)
    output = Path(output)
    context = distributed.setup(device)
    try:
        with training_logging(output / "train.log" if context.is_main else None, context.rank, context.world_size):
            return _train(config, output, context, resume, max_steps_per_epoch, progress, evaluate_after)
    finally:
        distributed.teardown(context)


@dataclass
class _Data:
    """A run's training and dev sets, and the loader of the training set (its sampler: one epoch's order)."""

    train_set: ASVspoofDataset
    dev_set: ASVspoofDataset
    dev_trials: Any
    dev_asv: Optional[Path]
    augment: Optional[WaveformAugment]
    sampler: Any  # DistributedSampler under torchrun, else RandomSampler drawing from generator
    generator: torch.Generator
    loader: DataLoader
    steps_per_epoch: int


@dataclass
class _Network:
    """A run's network with its optimiser, schedule, scaler and loss."""

    net: nn.Module
    model: nn.Module  # the network, wrapped in DistributedDataParallel under torchrun
    optimizer: torch.optim.Optimizer
    scheduler: Any
    scaler: torch.amp.GradScaler
    criterion: nn.Module
    amp_dtype: Optional[torch.dtype]


@dataclass
class _Run:
    """One training run as ``_train`` sets it up: its data, its network, and where it stands (what a resume file
    restores)."""

    config: dict
    output: Path
    context: Any
    resume_path: Path
    seed: int
    data: Optional[_Data] = None
    network: Optional[_Network] = None
    start_epoch: int = 0
    best_eer: float = math.inf
    best_epoch: Optional[int] = None
    history: list = field(default_factory=list)
    skipped: UnreadableFiles = field(default_factory=UnreadableFiles)
    # from the config
    window: int = field(init=False)
    batch_size: int = field(init=False)
    epochs: int = field(init=False)
    num_workers: int = field(init=False)

    def __post_init__(self):
        self.window = int(self.config["model_config"].get("nb_samp", WINDOW_SAMPLES))
        self.batch_size, self.epochs = int(self.config["batch_size"]), int(self.config["num_epochs"])
        self.num_workers = int(self.config["num_workers"])


def _train(config, output, context, resume, max_steps_per_epoch, progress, evaluate_after) -> dict:
    output.mkdir(parents=True, exist_ok=True)
    resume_path = output / RESUME_NAME
    state, config = _resume_state(resume_path, config) if resume else (None, config)
    run = _Run(config, output, context, resume_path, int(config["seed"]))
    seed_everything(run.seed + context.rank)
    if context.device.type == "cuda":
        torch.backends.cudnn.deterministic = _as_bool(config.get("cudnn_deterministic_toggle", False))
        torch.backends.cudnn.benchmark = _as_bool(config.get("cudnn_benchmark_toggle", True))
    architecture_of(config["model_config"])  # an unknown architecture fails before the data is read
    run.data = _load_data(run, max_steps_per_epoch)
    run.network = _build_network(run, state)
    if context.is_main:
        _log_start(run)
    for epoch in range(run.start_epoch, run.epochs):
        started = time.time()
        trained = _train_epoch(run, epoch, started, progress)
        _end_epoch(run, epoch, started, trained, progress)
        distributed.barrier(context)
    return _finish(run, evaluate_after)


def _resume_state(resume_path: Path, config: dict) -> tuple:
    """(the resume file's state, the config to go on with: the saved one, with the given epochs and database)."""
    if not resume_path.is_file():
        raise TrainingError(f"nothing to resume: {resume_path} does not exist.")
    try:
        # Tensors and plain values only (weights_only): a resume file that names code to run is refused.
        state = torch.load(resume_path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, EOFError, RuntimeError) as error:
        raise TrainingError(f"cannot resume from {resume_path}: it is not a resume file written by this version "
                            f"of the trainer ({type(error).__name__}); start a new run instead.") from None
    saved = state["config"]
    if saved["model_config"] != config["model_config"]:
        log.warning("resuming with the model_config saved in %s (it differs from the given one)", resume_path)
    return state, {**saved, "num_epochs": config["num_epochs"], "database_path": config["database_path"]}


def _load_data(run: _Run, max_steps_per_epoch: Optional[int]) -> _Data:
    """The training and dev sets, and the loader of the training set (its sampler: one epoch's order)."""
    config, context = run.config, run.context
    track, database = config["track"], config["database_path"]
    train_trials, train_folder = load_split(database, track, "train")
    dev_trials, dev_folder = load_split(database, track, "dev")
    augment = WaveformAugment(config["augmentation"]) if config["augmentation"] else None
    train_set = ASVspoofDataset(train_trials, train_folder, window=run.window, train=True, augment=augment)
    dev_set = ASVspoofDataset(dev_trials, dev_folder, window=run.window, train=False)
    dev_asv = asv_scores_path(database, track, "dev")

    # drop_last as the authors, unless the set is too small for one full batch per process
    drop_last = len(train_set) >= run.batch_size * context.world_size
    generator = torch.Generator()
    if context.distributed:
        # pads by repeating a few trials so that every rank has as many: no trial is left out
        sampler = DistributedSampler(train_set, context.world_size, context.rank, shuffle=True, seed=run.seed)
    else:
        sampler = RandomSampler(train_set, generator=generator)
    loader = DataLoader(
        train_set,
        batch_size=run.batch_size,
        sampler=sampler,
        drop_last=drop_last,
        num_workers=run.num_workers,
        collate_fn=collate,
        pin_memory=context.device.type == "cuda",
        persistent_workers=run.num_workers > 0,
    )
    steps_per_epoch = len(loader) if max_steps_per_epoch is None else min(len(loader), int(max_steps_per_epoch))
    if steps_per_epoch == 0:
        raise TrainingError("the training set gives no batch: lower --batch-size.")
    return _Data(train_set, dev_set, dev_trials, dev_asv, augment, sampler, generator, loader, steps_per_epoch)


def _build_network(run: _Run, state: Optional[dict]) -> _Network:
    """The network, its optimiser, schedule, scaler and loss; restored from ``state`` when resuming."""
    config, context = run.config, run.context
    torch.manual_seed(run.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    net = build_model(config["model_config"]).to(context.device)
    optimizer, scheduler = make_optimizer(net, config["optim_config"], run.epochs * run.data.steps_per_epoch)
    amp_dtype = amp_dtype_for(config["amp"], context.device)
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    weights = torch.tensor([float(w) for w in config["loss_weights"]], device=context.device)
    criterion = nn.CrossEntropyLoss(weight=weights)

    if state is not None:
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        run.start_epoch, run.best_eer, run.best_epoch = state["epoch"], state["best_dev_eer"], state["best_epoch"]
        run.history = state["history"]
        run.skipped.files.update(state.get("skipped_files", {}))
        _set_rng_state(state["rng"])  # rank 0's; the other ranks draw their own crops
        if context.rank:
            seed_everything(run.seed + 1000 * run.start_epoch + context.rank)
    else:
        seed_everything(run.seed + context.rank)

    model: nn.Module = net
    if context.distributed:
        # Some parameters never receive a gradient (the authors' unused bn1 in the residual blocks).
        model = DistributedDataParallel(
            net, device_ids=[context.device.index] if context.device.type == "cuda" else None,
            find_unused_parameters=True,
        )  # fmt: skip
    return _Network(net, model, optimizer, scheduler, scaler, criterion, amp_dtype)


def _log_start(run: _Run) -> None:
    config, context, data, network = run.config, run.context, run.data, run.network
    log.info(
        "%s (%s parameters) on %s x%d%s; %s %s: %d train trials, %d dev trials; window %d samples; "
        "batch %d per process, %d steps per epoch, epochs %d..%d; output %s",
        architecture_of(config["model_config"]), f"{count_parameters(network.net):,}", context.device,
        context.world_size, f", mixed precision {str(network.amp_dtype).replace('torch.', '')}" if network.amp_dtype
        else "",
        config["track"], config["database_path"], len(data.train_set), len(data.dev_set), run.window, run.batch_size,
        data.steps_per_epoch, run.start_epoch + 1, run.epochs, run.output,
    )  # fmt: skip
    if run.start_epoch:
        log.info("resumed from %s after epoch %d (best dev EER %.4f %%)", run.resume_path, run.start_epoch,
                 run.best_eer)
    if data.augment is not None:
        log.info("waveform augmentation: %s", config["augmentation"])


def _train_epoch(run: _Run, epoch: int, started: float, progress: bool) -> tuple:
    """One epoch's training steps on this process: (summed loss, items, its unreadable files, seconds)."""
    context, data, network = run.context, run.data, run.network
    if context.distributed:
        data.sampler.set_epoch(epoch)
    else:
        data.generator.manual_seed(run.seed + epoch)
    network.model.train()
    total_loss, total_items, steps = 0.0, 0, 0
    epoch_unreadable: dict = {}
    bar = tqdm(total=data.steps_per_epoch, desc=f"epoch {epoch + 1}/{run.epochs}", unit="batch", dynamic_ncols=True,
               disable=not (progress and context.is_main), file=sys.stderr)  # fmt: skip
    for batch in data.loader:
        if steps >= data.steps_per_epoch:
            break
        steps += 1
        for item in batch.unreadable:
            epoch_unreadable[item.path] = item.reason
            run.skipped.add_one(item.path, item.reason, "train")  # every rank names its own on stderr
        # Under DDP every rank must run the same steps: skip one where any rank's batch was all unreadable.
        if not distributed.all_true(context, batch.waveforms is not None):
            bar.update(1)
            continue
        x = batch.waveforms.to(context.device, non_blocking=True)
        y = batch.labels.to(context.device, non_blocking=True)
        with autocast(context.device, network.amp_dtype):
            logits = network.model(x)
        loss = network.criterion(logits.float(), y)
        network.optimizer.zero_grad(set_to_none=True)
        network.scaler.scale(loss).backward()
        network.scaler.step(network.optimizer)
        network.scaler.update()
        network.scheduler.step()
        total_loss += loss.item() * len(y)
        total_items += len(y)
        bar.update(1)
        rate = total_items * context.world_size / max(time.time() - started, 1e-9)
        bar.set_postfix(loss=f"{total_loss / total_items:.4f}", lr=f"{_safe_lr(network.scheduler):.2e}",
                        rate=f"{rate:.1f} wav/s")  # fmt: skip
    bar.close()
    return total_loss, total_items, epoch_unreadable, time.time() - started


def _end_epoch(run: _Run, epoch: int, started: float, trained: tuple, progress: bool) -> None:
    """The epoch's losses of all ranks, its dev EER, and on rank 0 its record, checkpoints and log line."""
    context, epochs, data, network = run.context, run.epochs, run.data, run.network
    total_loss, total_items, epoch_unreadable, train_seconds = trained
    # losses and unreadable files of all ranks
    parts = distributed.gather_objects(context, (total_loss, total_items, epoch_unreadable))
    total_loss = sum(p[0] for p in parts)
    total_items = sum(p[1] for p in parts)
    if context.is_main:
        for _, _, part in parts:
            run.skipped.merge(part, "train")

    scores, dev_unreadable = score_dataset(_unwrap(network.model), data.dev_set, run.batch_size, context,
                                           network.amp_dtype, num_workers=run.num_workers, progress=progress,
                                           desc=f"dev {epoch + 1}/{epochs}")  # fmt: skip
    if not context.is_main:
        return
    run.skipped.merge(dev_unreadable, "dev")
    try:
        dev = split_metrics(data.dev_trials, scores, data.dev_asv)
        dev_eer, dev_tdcf = dev.eer_percent, dev.min_tdcf
    except (metrics.MetricError, ProtocolFileError) as error:
        log.warning("no dev EER this epoch: %s", error)
        dev_eer, dev_tdcf = math.nan, None
    record = {
        "epoch": epoch + 1,
        "train_loss": total_loss / max(total_items, 1),
        "train_items": total_items,
        "train_trials": len(data.train_set),
        "dev_eer_percent": dev_eer,
        "dev_min_tdcf": dev_tdcf,
        "lr": _safe_lr(network.scheduler),
        "seconds": round(time.time() - started, 3),
        "train_seconds": round(train_seconds, 3),
        "skipped_files": len(run.skipped),
    }
    run.history.append(record)
    # the authors keep the later epoch on a tie; an epoch with no EER is best only while none has one
    if (not math.isnan(dev_eer) and dev_eer <= run.best_eer) or run.best_epoch is None:
        run.best_eer = dev_eer if not math.isnan(dev_eer) else run.best_eer
        run.best_epoch = epoch + 1
    _write_epoch(run.output, network.net, run.config, record, run.history, run.best_eer, run.best_epoch,
                 network.optimizer, network.scheduler, network.scaler, run.skipped, context)  # fmt: skip
    log.info(
        "epoch %d/%d: train loss %.5f, dev EER %.4f %%%s, lr %.3e, %.1f s%s%s",
        epoch + 1, epochs, record["train_loss"], dev_eer,
        f", dev min t-DCF {dev_tdcf:.5f}" if dev_tdcf is not None else "", record["lr"], record["seconds"],
        " (best)" if run.best_epoch == epoch + 1 else "",
        f"; {len(run.skipped)} unreadable files skipped so far" if len(run.skipped) else "",
    )  # fmt: skip


def _finish(run: _Run, evaluate_after: bool) -> dict:
    """The run's summary (and the best checkpoint's evaluation when asked)."""
    summary = {
        "output": str(run.output),
        "best_epoch": run.best_epoch,
        "best_dev_eer_percent": run.best_eer,
        "epochs": run.epochs,
        "skipped_files": dict(run.skipped.files),
        "history": run.history,
    }
    if run.context.is_main:
        if len(run.skipped):
            log.warning("%d unreadable files were skipped: %s", len(run.skipped),
                        ", ".join(sorted(run.skipped.files)))
        log.info("done: best epoch %s, dev EER %.4f %%, checkpoint %s", run.best_epoch, run.best_eer,
                 run.output / "best")
    if evaluate_after:
        summary["eval"] = _evaluate_best(run.config, run.output, run.context)
    return summary


def _write_epoch(output, net, config, record, history, best_eer, best_epoch, optimizer, scheduler, scaler, skipped,
                 context) -> None:  # fmt: skip
    epoch = record["epoch"]
    is_best = best_epoch == epoch
    (output / "epochs").mkdir(exist_ok=True)
    save_weights(output / "epochs" / f"epoch_{epoch:03d}.safetensors", net,
                 {"epoch": epoch, "dev_eer_percent": record["dev_eer_percent"]})  # fmt: skip
    if is_best:
        training = {
            "track": config["track"],
            "epoch": epoch,
            "epochs": config["num_epochs"],
            "dev_eer_percent": record["dev_eer_percent"],
            "dev_min_tdcf": record["dev_min_tdcf"],
            "batch_size": config["batch_size"],
            "world_size": context.world_size,
            "seed": config["seed"],
            "optim_config": config["optim_config"],
            "loss_weights": config["loss_weights"],
            "augmentation": config["augmentation"],
            "train_trials": record["train_trials"],
            "skipped_files": len(skipped),
        }
        name = config.get("name") or config["model_config"].get("architecture", "AASIST")
        save_checkpoint_folder(output / "best", net, config["model_config"], training, name=name)
    with open(output / "history.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    state = {
        "config": _plain(config),
        "epoch": epoch,
        "model": net.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(),
        "best_dev_eer": float(best_eer),
        "best_epoch": best_epoch,
        "history": _plain(history),
        "skipped_files": _plain(dict(skipped.files)),
        "rng": _rng_state(),
    }
    tmp = output / f".{RESUME_NAME}.tmp"
    torch.save(state, tmp)
    tmp.replace(output / RESUME_NAME)


def _evaluate_best(config, output, context) -> Optional[dict]:
    net, saved = load_checkpoint_folder(output / "best", context.device)
    report = evaluate_checkpoint(
        str(output / "best"), config["database_path"], output / "eval_scores.txt", track=config["track"],
        batch_size=int(config["batch_size"]), num_workers=int(config["num_workers"]), progress=False, model=net,
        model_config=saved["model_config"], context=context,
    )  # fmt: skip
    if not context.is_main:
        return None
    if report.evaluation is None:
        log.warning("evaluation of the best checkpoint gave no metrics: %s", report.error)
        return {"scores": str(report.scores_path), "error": report.error}
    ev = report.evaluation
    log.info("eval (best checkpoint): EER %.4f %%%s; scores in %s", ev.eer_percent,
             f", min t-DCF {ev.min_tdcf:.5f}" if ev.min_tdcf is not None else "", report.scores_path)  # fmt: skip
    return {"scores": str(report.scores_path), "eer_percent": ev.eer_percent, "min_tdcf": ev.min_tdcf}


# ---------------------------------------------------------------------------------------------------------------
# Command line


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train AASIST, AASIST-L, RawNet2 or LCNN on ASVspoof 2019",
        description="Train a countermeasure on ASVspoof 2019 LA or PA. Options override the config. "
        "Run under `torchrun --nproc_per_node N -m aasist train ...` for DistributedDataParallel.",
    )
    p.add_argument("--config", required=True, help="JSON config, e.g. configs/AASIST.json")
    p.add_argument("--database", metavar="DB", help="folder holding LA/ or PA/ as distributed (config: database_path)")
    p.add_argument("--track", choices=("LA", "PA"), help="config: track")
    p.add_argument("--epochs", type=int, help="config: num_epochs")
    p.add_argument("--batch-size", type=int, help="batch size per process (config: batch_size)")
    p.add_argument("--output", required=True, metavar="DIR", help="folder for the checkpoints and the log")
    p.add_argument("--resume", action="store_true", help="continue the run saved in DIR/resume.pt")
    p.add_argument("--workers", type=int, help="data loading processes per training process (config: num_workers)")
    p.add_argument("--device", help="cuda, cuda:1 or cpu (default: cuda when available)")
    p.add_argument("--seed", type=int, help="config: seed")
    p.add_argument("--lr", type=float, help="base learning rate (config: optim_config.base_lr)")
    p.add_argument("--amp", choices=("auto", "bf16", "fp16", "off"), help="mixed precision on GPU (default auto)")
    p.add_argument("--augment", action="store_true",
                   help="waveform augmentation (noise, RawBoost-style, codec-like) with the default probabilities")
    p.add_argument("--max-steps-per-epoch", type=int, help="cap the steps per epoch (smoke tests)")
    p.add_argument("--eval", action="store_true", help="score the eval protocol with the best checkpoint at the end")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(handler=run_train)
    return p


def config_from_args(args: argparse.Namespace) -> dict:
    config = load_config(args.config)
    overrides = {
        "database_path": args.database,
        "track": args.track,
        "num_epochs": args.epochs,
        "batch_size": args.batch_size,
        "num_workers": args.workers,
        "seed": args.seed,
        "amp": args.amp,
    }
    config.update({k: v for k, v in overrides.items() if v is not None})
    if args.lr is not None:
        config.setdefault("optim_config", {})["base_lr"] = args.lr
    if args.augment and not config.get("augmentation"):
        config["augmentation"] = dict(DEFAULT_AUGMENTATION)
    if not config.get("name"):
        config["name"] = Path(args.config).stem
    return config


def run_train(args: argparse.Namespace) -> int:
    try:
        summary = train(
            config_from_args(args),
            Path(args.output),
            resume=args.resume,
            device=args.device,
            max_steps_per_epoch=args.max_steps_per_epoch,
            progress=not args.no_progress,
            evaluate_after=args.eval,
        )
    except (TrainingError, DatasetError, ProtocolFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if summary.get("eval") and "eer_percent" in summary["eval"]:
        ev = summary["eval"]
        print(f"eval EER: {ev['eer_percent']:.6f} %", file=sys.stdout)
        if ev["min_tdcf"] is not None:
            print(f"eval min t-DCF: {ev['min_tdcf']:.6f}", file=sys.stdout)
    return 0



__all__ = ["TrainingError", "add_train_parser", "complete_config", "load_config", "run_train", "train"]
