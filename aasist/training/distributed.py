"""Single-process or ``torchrun`` (DistributedDataParallel) execution: who am I, on which device, and how to gather."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Context:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(requested: Optional[str] = None, local_rank: int = 0) -> torch.device:
    if requested:
        device = torch.device(requested)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", local_rank)
        return device
    return torch.device("cuda", local_rank) if torch.cuda.is_available() else torch.device("cpu")


def setup(requested_device: Optional[str] = None) -> Context:
    """Join the process group when started by torchrun (WORLD_SIZE > 1): nccl on CUDA, gloo on CPU."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(requested_device, local_rank)
    if world_size > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Context(rank, world_size, local_rank, device)


def teardown(context: Context) -> None:
    if context.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(context: Context) -> None:
    if context.distributed:
        dist.barrier()


def gather_objects(context: Context, obj) -> list:
    """Every rank's ``obj``, in rank order (just ``[obj]`` in a single process)."""
    if not context.distributed:
        return [obj]
    out: list = [None] * context.world_size
    dist.all_gather_object(out, obj)
    return out


def all_true(context: Context, flag: bool) -> bool:
    """Whether ``flag`` holds on every rank."""
    if not context.distributed:
        return flag
    t = torch.tensor([1 if flag else 0], device=context.device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def broadcast_object(context: Context, obj, src: int = 0):
    if not context.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]
