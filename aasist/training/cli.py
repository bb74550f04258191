"""The training subcommands, for ``aasist.cli`` to add to its parser::

    from .training.cli import add_training_parsers
    add_training_parsers(subparsers)   # train, evaluate, push; each sets args.handler

``python -m aasist.training`` runs them on their own.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from .evaluate import add_evaluate_parser
from .push import add_push_parser
from .train import add_train_parser

__all__ = ["add_evaluate_parser", "add_push_parser", "add_train_parser", "add_training_parsers", "main"]


def add_training_parsers(subparsers) -> None:
    add_train_parser(subparsers)
    add_evaluate_parser(subparsers)
    add_push_parser(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aasist.training",
                                     description="Train, evaluate and publish ASVspoof 2019 countermeasures.")
    add_training_parsers(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def main(argv: Optional[list] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
