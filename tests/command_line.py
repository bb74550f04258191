"""The command line, two ways: as a user runs it (``python -m aasist ...`` in a process of its own), and in this
process (``aasist.cli.main``), which skips the 2-4 s of starting Python and importing torch for each call.

    run_cli("detect", clip, "--json", env=model_env)          # a subprocess: exit status, stdout, stderr
    cli_in_process("detect", clip, "--json", env=model_env)   # the same result, from main() in this process

Use the process where the process is what a test checks: its console free of warnings and tracebacks (a warning that
this test process already showed once is not shown again here), its exit status on an uncaught error, what the
Hugging Face Hub's environment variables do (huggingface_hub reads them when it is imported), a progress bar on a
terminal. Elsewhere, in process: the CLI reads its own environment (AASIST_WEIGHTS_DIR, AASIST_CACHE_DIR) at each
call and writes to ``sys.stdout`` / ``sys.stderr`` as they are then, so the result is the one the process gives.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, env: Optional[dict] = None, cwd: Path = REPO_ROOT, timeout: float = 300,
            stdin: Optional[bytes] = None, text: bool = True) -> subprocess.CompletedProcess:
    """``python -m aasist ARGS`` in a subprocess, with ``env`` added to this process's environment."""
    return subprocess.run([sys.executable, "-m", "aasist", *map(str, args)], input=stdin, capture_output=True,
                          text=text and stdin is None, env=dict(os.environ, **(env or {})), cwd=cwd, timeout=timeout)


@dataclass
class CliRun:
    """What ``cli_in_process`` gives: the fields of a finished subprocess that the tests read."""

    returncode: int
    stdout: str
    stderr: str


def cli_in_process(*args, env: Optional[dict] = None, stdin: Optional[bytes] = None) -> CliRun:
    """``aasist.cli.main(ARGS)`` in this process, with ``env`` set while it runs, ``stdin`` as its standard input
    and its output captured."""
    from aasist.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in (env or {}).items():
            patch.setenv(key, str(value))
        if stdin is not None:
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 1
    return CliRun(code, out.getvalue(), err.getvalue())
