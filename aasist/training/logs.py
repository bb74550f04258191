"""Logging of the training pipeline: stderr (through tqdm, so progress bars stay intact) and the run's log file."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import Optional

from tqdm import tqdm

LOGGER_NAME = "aasist.training"
FORMAT = "%(asctime)s %(levelname)s %(message)s"


class TqdmStderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` via ``tqdm.write``, so that messages do not break a progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


@contextlib.contextmanager
def training_logging(log_file: Optional[Path] = None, rank: int = 0, world_size: int = 1):
    """Route the ``aasist.training`` logger to stderr (INFO on rank 0, WARNING on other ranks) and to ``log_file``.

    Handlers are removed (and the file closed) on exit, so runs in one process do not pile up handlers.
    """
    logger = logging.getLogger(LOGGER_NAME)
    prefix = f"[rank {rank}] " if world_size > 1 else ""
    handlers: list = []
    stderr_handler = TqdmStderrHandler(level=logging.INFO if rank == 0 else logging.WARNING)
    stderr_handler.setFormatter(logging.Formatter(prefix + "%(levelname)s %(message)s"))
    handlers.append(stderr_handler)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FORMAT))
        handlers.append(file_handler)
    previous_level, previous_propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in handlers:
        logger.addHandler(handler)
    try:
        yield logger
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(previous_level)
        logger.propagate = previous_propagate
