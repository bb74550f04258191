"""The README's Python examples run as written.

Each ```python block of README.md runs in a Python of its own, in a folder that holds what the examples name: a
recording ``speech.wav`` (the LibriVox example clip, 6 s) and ``my_set/`` with ``real/`` and ``fake/`` folders of the
example clips; the models come from the test weights, offline. The blocks that call the web demo through
``gradio_client`` need a running server and are left to the page's tests (``tests/test_app.py``,
``tests/test_evaluate_tab.py`` call the same endpoints).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "assets" / "examples"
NEEDS_A_SERVER = "gradio_client"


def python_blocks() -> list:
    """(line number, code) of every ```python block of the README."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M)]


RUNNABLE = [(line, code) for line, code in python_blocks() if NEEDS_A_SERVER not in code]


def test_the_readme_has_examples_to_run():
    assert len(RUNNABLE) >= 2 and len(python_blocks()) > len(RUNNABLE)


@pytest.fixture(scope="module")
def example_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    shutil.copy(EXAMPLES / "real_librivox_austen.wav", folder / "speech.wav")
    for pattern, label in (("real_arctic_*.wav", "real"), ("synthetic_*.wav", "fake")):
        (folder / "my_set" / label).mkdir(parents=True)
        for clip in sorted(EXAMPLES.glob(pattern)):
            shutil.copy(clip, folder / "my_set" / label / clip.name)
    return folder


@pytest.mark.parametrize("line, code", RUNNABLE, ids=[f"README.md:{line}" for line, _ in RUNNABLE])
def test_example_runs(line, code, example_folder, model_env):
    env = dict(os.environ, **model_env, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=example_folder, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"README.md:{line} failed:\n{proc.stderr[-3000:]}"
