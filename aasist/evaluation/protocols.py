"""ASVspoof protocol and score files: whitespace-separated columns, one trial per line, read one way everywhere.

    rows = read_columns(path, ("utterance", "attack", "key", "score"), "CM score file",
                        choices={"key": ("bonafide", "spoof")}, numeric=("score",))

Used by ``aasist.evaluation.metrics`` (CM and ASV score files) and ``aasist.training.data`` (CM protocols). Every
problem is a ``ProtocolFileError`` whose message names the file and, for a bad line, its number and content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection, Mapping, Optional, Union

PathLike = Union[str, Path]


class ProtocolFileError(ValueError):
    """A protocol or score file is missing, empty or malformed; the message says which file and which line."""


def read_columns(
    path: PathLike,
    columns: tuple,
    what: str,
    choices: Optional[Mapping[str, Collection[str]]] = None,
    numeric: Collection[str] = (),
) -> list:
    """The rows of ``path`` as tuples of strings, one per non-blank line, each with exactly ``len(columns)`` fields.

    ``columns`` names the columns (for messages and for ``choices`` / ``numeric``); ``choices`` lists the values a
    column may take; a ``numeric`` column must hold a number (it stays a string; NaN is left to the caller).
    """
    path = Path(path)
    if not path.is_file():
        raise ProtocolFileError(f"the {what} {path} does not exist.")
    index = {name: i for i, name in enumerate(columns)}
    choices = {index[name]: tuple(values) for name, values in (choices or {}).items()}
    numeric = [index[name] for name in numeric]
    layout = " ".join(columns)
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            where = f"{path}, line {line_no}"
            if len(fields) != len(columns):
                raise ProtocolFileError(
                    f"{where}: a {what} line has {len(columns)} columns ({layout}), this one has {len(fields)}: "
                    f"{line.strip()!r}."
                )
            for i, allowed in choices.items():
                if fields[i] not in allowed:
                    expected = " or ".join(repr(v) for v in allowed)
                    raise ProtocolFileError(f"{where}: the {columns[i]} is {fields[i]!r}, expected {expected}.")
            for i in numeric:
                try:
                    float(fields[i])
                except ValueError:
                    raise ProtocolFileError(f"{where}: the {columns[i]} {fields[i]!r} is not a number.") from None
            rows.append(tuple(fields))
    if not rows:
        raise ProtocolFileError(f"the {what} {path} lists no trials.")
    return rows
