"""The README's front matter (the Hugging Face Space's configuration) agrees with what the repository pins.

A Space builds from that block: ``sdk_version`` is the Gradio it installs, ``python_version`` the Python it runs
``pip install -r requirements.txt`` on, ``app_file`` what it starts. A Python older than a pinned package's
``Requires-Python`` fails at ``pip install``; a Gradio other than the pinned one is not the one tested.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")  # the Space installs the first; CI both, on its Python
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def front_matter() -> dict:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    parts = text.split("---\n", 2)
    assert text.startswith("---\n") and len(parts) == 3, "README.md must start with a --- front matter block ---"
    return yaml.safe_load(parts[1])


def pins() -> dict:
    """{name: version} of every ``name==version`` line of the requirements files."""
    pinned = {}
    for name in REQUIREMENTS:
        for line in (REPO_ROOT / name).read_text().splitlines():
            match = PIN.match(line.strip())
            if match:
                pinned[match.group(1)] = match.group(3)
    return pinned


def test_front_matter_names_the_pinned_gradio_and_an_existing_app_file():
    config = front_matter()
    assert config["sdk"] == "gradio"
    assert str(config["sdk_version"]) == pins()["gradio"], "sdk_version must be the gradio pinned in requirements.txt"
    assert (REPO_ROOT / config["app_file"]).is_file()


def test_python_version_satisfies_every_pinned_package():
    python_version = front_matter().get("python_version")
    # Quoted: YAML reads an unquoted 3.10 as the number 3.1.
    assert isinstance(python_version, str) and re.fullmatch(r"3\.\d+", python_version), (
        f'python_version must be set, quoted, as "3.N" (got {python_version!r})')
    too_new = []
    for name, version in pins().items():
        try:
            installed = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{name} is pinned but not installed: pip install -r requirements-dev.txt")
        assert Version(installed.version) == Version(version), (
            f"{name} {installed.version} is installed, {version} is pinned: pip install -r requirements-dev.txt")
        requires = installed.metadata.get("Requires-Python")
        if requires and not SpecifierSet(requires).contains(python_version):
            too_new.append(f"{name}=={version} requires Python {requires}")
    assert not too_new, f"python_version {python_version} is too old: " + "; ".join(too_new)


def test_ci_runs_the_python_the_space_runs():
    if not os.environ.get("CI"):
        pytest.skip("outside CI the tests may run on another Python (.ci/run uses the front matter's)")
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert running == front_matter()["python_version"], f"CI runs Python {running}, the Space runs another"
