"""Sizes that keep the code readable: no library module over 700 lines and no function of the library over 80; no
module of the web demo over 450 lines (README, "Code layout"). A module that grows past its limit is split by what it
is about, as ``aasist/views/plots.py`` was into the figures it draws."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LIBRARY_MODULE_LINES = 700
LIBRARY_FUNCTION_LINES = 80
WEB_MODULE_LINES = 450


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_library_module_is_too_long():
    long = {str(p.relative_to(REPO_ROOT)): _lines(p) for p in (REPO_ROOT / "aasist").rglob("*.py")
            if _lines(p) > LIBRARY_MODULE_LINES}
    assert not long, f"over {LIBRARY_MODULE_LINES} lines: {long}"


def test_no_library_function_is_too_long():
    long = []
    for path in sorted((REPO_ROOT / "aasist").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LIBRARY_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, f"functions over {LIBRARY_FUNCTION_LINES} lines: {long}"


def test_no_web_module_is_too_long():
    long = {p.name: _lines(p) for p in (REPO_ROOT / "webapp").glob("*.py") if _lines(p) > WEB_MODULE_LINES}
    assert not long, f"over {WEB_MODULE_LINES} lines: {long}"
