"""The training subcommands, for ``aasist.cli`` to add to its parser::

    from .training.cli import add_training_parsers
    add_training_parsers(subparsers)   # train, evaluate, push; each sets args.handler
"""

from __future__ import annotations

from .evaluate import add_evaluate_parser
from .push import add_push_parser
from .train import add_train_parser

__all__ = ["add_evaluate_parser", "add_push_parser", "add_train_parser", "add_training_parsers"]


def add_training_parsers(subparsers) -> None:
    add_train_parser(subparsers)
    add_evaluate_parser(subparsers)
    add_push_parser(subparsers)

