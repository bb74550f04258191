"""The library as Python users install it: ``pip install .`` gives the package, its data and the ``aasist`` command.

The project is built and installed, without a network, into a fresh virtual environment: a copy of the checkout
(setuptools writes ``build/`` and ``*.egg-info`` into the folder it builds) is installed with ``pip install --no-deps
--no-build-isolation --no-index``, and the dependencies are those of the Python running the tests (a ``.pth`` file in
the new environment names its package folders, after the environment's own, and nothing of the checkout). The build
backend is then this Python's setuptools, which must satisfy ``[build-system] requires`` (requirements-dev.txt pins
one that does). The ``aasist`` command runs from outside the checkout, offline, with an empty Hub cache: the
package imported is the installed one and AASIST's weights are the copy packaged in it.

The fast tests check pyproject.toml against the code and requirements.txt: every third-party module that ``aasist/``
imports is a declared dependency, and every exact pin of the requirements files satisfies the declared range.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "aasist"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REAL = REPO_ROOT / "assets" / "examples" / "real_arctic_awb_a0007.wav"
# What the copy of the checkout leaves out: what .gitignore names (a developer's venv, earlier builds, caches).
COPY_IGNORES = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "runs", "out",
                ".gradio", "flagged")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def pins(name: str) -> dict:
    """{canonical name: Version} of the ``name==version`` lines of a requirements file."""
    found = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonicalize_name(match.group(1))] = Version(match.group(3))
    return found


def declared(extra: str | None = None) -> list:
    """The requirements of ``[project] dependencies``, or of an optional extra."""
    project = PYPROJECT["project"]
    texts = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


# --- pyproject.toml against the code and the pins (fast) ----------------------------------------------------------

def imported_modules(folder: Path) -> dict:
    """{top-level module: a file importing it} of the absolute imports of every .py file under ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(REPO_ROOT).as_posix())
    return found


def test_every_third_party_module_the_library_imports_is_a_declared_dependency():
    dependencies = {canonicalize_name(r.name) for r in declared()}
    providers = importlib.metadata.packages_distributions()
    undeclared = []
    for module, where in imported_modules(PACKAGE).items():
        if module == "aasist" or module in sys.stdlib_module_names:
            continue
        names = {canonicalize_name(n) for n in providers.get(module, [])}
        if not names & dependencies:
            undeclared.append(f"{module} ({where}; from {sorted(names) or 'no installed distribution'})")
    assert not undeclared, "imported by aasist/ but not in pyproject.toml's dependencies: " + ", ".join(undeclared)


def test_every_exact_pin_satisfies_the_declared_range():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    checks = [(r, "requirements.txt", runtime) for r in declared() + declared("app")]
    checks += [(r, "requirements-dev.txt", dev) for r in declared("dev") if canonicalize_name(r.name) != "aasist"]
    checks += [(Requirement(text), "requirements-dev.txt", dev) for text in PYPROJECT["build-system"]["requires"]]
    wrong = []
    for requirement, file, pinned in checks:
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            wrong.append(f"{requirement.name} is not pinned in {file}")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement.name}=={version} ({file}) is outside {requirement}")
    assert not wrong, "; ".join(wrong)


def test_every_folder_of_the_package_is_listed():
    """pyproject.toml lists the packages (one of them is mapped from assets/): a new subpackage must be added."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    folders = {".".join(p.relative_to(REPO_ROOT).parts) for p in [PACKAGE, *PACKAGE.rglob("*")]
               if p.is_dir() and p.name != "__pycache__" and any(f.is_file() for f in p.iterdir())}
    assert folders <= listed, f"not in [tool.setuptools] packages: {sorted(folders - listed)}"


# --- pip install . into a fresh environment -----------------------------------------------------------------------

def scripts_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def check_build_backend() -> None:
    """The build runs without isolation, so this Python's packages must satisfy ``[build-system] requires``."""
    for text in PYPROJECT["build-system"]["requires"]:
        requirement = Requirement(text)
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            version = None
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            pytest.fail(f"building the package offline needs {requirement} in the Python running the tests, found "
                        f"{version or 'none'}: pip install -r requirements-dev.txt")


def dependency_paths() -> list:
    """This Python's package folders, in order, for the new environment's .pth: every folder on sys.path but those
    of the checkout (pytest puts tests/ there, an editable install the checkout itself), where a venv inside the
    checkout (CI's .venv) is this Python's, not the checkout's."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.exec_prefix, sys.base_prefix)}
    paths = []
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        of_checkout = path.is_relative_to(REPO_ROOT) and not any(path.is_relative_to(p) for p in prefixes)
        if path.is_dir() and not of_checkout and str(path) not in paths:
            paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The project installed into a fresh venv: {venv, python, aasist (the command), env (offline, fresh caches), cwd
    (a folder outside the checkout), pip (pip's output)}."""
    check_build_backend()
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*COPY_IGNORES))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = scripts_dir(venv) / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    Path(purelib, "zz_test_dependencies.pth").write_text("\n".join(dependency_paths()) + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "AASIST_", "HF_", "HUGGINGFACE_")) or k == "PYTHONIOENCODING"}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(root / "hf-home"), AASIST_CACHE_DIR=str(root / "aasist-cache"),
               XDG_CACHE_HOME=str(root / "xdg-cache"), MPLCONFIGDIR=str(root / "matplotlib"),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_ROOT_USER_ACTION="ignore")
    cwd = root / "elsewhere"
    cwd.mkdir()
    pip = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                          "--no-cache-dir", "--ignore-installed", str(source)],
                         capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert pip.returncode == 0, f"pip install failed:\n{pip.stdout}\n{pip.stderr}"
    command = scripts_dir(venv) / ("aasist.exe" if os.name == "nt" else "aasist")
    assert command.is_file(), f"pip installed no `aasist` command in {command.parent}:\n{pip.stdout}"
    return {"venv": venv, "python": python, "purelib": Path(purelib), "aasist": command, "env": env, "cwd": cwd,
            "pip": pip.stdout}


def run(installed: dict, *args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=installed["env"],
                          cwd=installed["cwd"], timeout=timeout)


# What the installed package says of itself: where it is imported from, what pip recorded, where AASIST's weights
# and the known-answer examples are read from.
INSPECT = """
import importlib.metadata, json, logging
import aasist
from aasist.inference import known_answer
from aasist.models import weights

logging.basicConfig(level=logging.INFO)
_, checkpoint = weights.load_model("AASIST")
dist = importlib.metadata.distribution("aasist")
print(json.dumps({
    "file": aasist.__file__, "version": dist.version,
    "record": [str(f) for f in dist.files],
    "scripts": [e.name + "=" + e.value for e in dist.entry_points if e.group == "console_scripts"],
    "examples_dir": str(known_answer.EXAMPLES_DIR),
    "examples": [e.path for e in known_answer.labelled_examples()],
    "weights": str(checkpoint.path), "served_by": checkpoint.served_by, "verified": checkpoint.verified,
}))
"""


def test_installed_package_has_its_data_and_not_the_demo(installed):
    done = run(installed, installed["python"], "-c", INSPECT)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    package = (installed["purelib"] / "aasist").resolve()
    assert Path(info["file"]).resolve().is_relative_to(installed["venv"].resolve()), info["file"]
    assert Path(info["file"]).resolve().parent == package
    assert info["scripts"] == ["aasist=aasist.cli:main"]
    import aasist

    assert info["version"] == aasist.__version__

    record = {Path(f).as_posix() for f in info["record"]}
    modules = {p.relative_to(REPO_ROOT).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= record, f"modules left out: {sorted(modules - record)}"
    data = {f"aasist/pretrained/{p.name}" for p in (PACKAGE / "pretrained").iterdir()}
    data |= {f"aasist/assets/examples/{p.name}" for p in (REPO_ROOT / "assets" / "examples").iterdir()}
    data.add("aasist/assets/SOURCES.md")
    assert data <= record, f"data files left out: {sorted(data - record)}"
    for name in ("AASIST.pth", "AASIST-L.pth"):
        assert (package / "pretrained" / name).read_bytes() == (PACKAGE / "pretrained" / name).read_bytes()
    # Nothing beside the package (webapp/, tests/, benchmarks/, scripts/, app.py stay in the checkout) but the
    # `aasist` script, outside site-packages.
    top_level = {f.split("/")[0] for f in record if not f.startswith("..")}
    assert top_level == {"aasist", f"aasist-{info['version']}.dist-info"}, f"installed: {sorted(top_level)}"
    assert not any(f.startswith("aasist/assets/") and f.endswith((".js", ".css")) for f in record)  # the page's

    # The known-answer check scores the installed copies of the examples; AASIST loads the packaged weights.
    assert Path(info["examples_dir"]).resolve() == package / "assets" / "examples"
    assert sorted(Path(p).name for p in info["examples"]) == sorted(
        p.name for p in (REPO_ROOT / "assets" / "examples").iterdir())
    assert Path(info["weights"]).resolve() == package / "pretrained" / "AASIST.pth"
    assert info["served_by"].startswith("the copy packaged with aasist") and info["verified"] is True
    assert "weights from the copy packaged with aasist" in done.stderr


def test_aasist_command_lists_the_models(installed):
    done = run(installed, installed["aasist"], "models", "--json")
    assert done.returncode == 0, done.stderr
    models = {m["name"]: m for m in json.loads(done.stdout)}
    assert models["AASIST"]["packaged"] is True and models["AASIST-L"]["packaged"] is True


def test_aasist_command_detects_offline_with_the_packaged_weights(installed):
    """Offline, with an empty Hub cache and no AASIST_WEIGHTS_DIR, only the packaged copy can serve AASIST. A file
    that fails makes the exit status 1: the script exits with what ``main`` returns."""
    missing = installed["cwd"] / "missing.wav"
    done = run(installed, installed["aasist"], "detect", REAL, missing, "--json")
    assert done.returncode == 1, done.stderr
    first, second = json.loads(done.stdout)
    assert first["file"] == str(REAL) and first["model"] == "AASIST", first
    assert first["verdict"] in ("bona fide", "spoof", "no_speech") and 0.0 <= first["spoof_probability"] <= 1.0
    assert second["file"] == str(missing) and "error" in second
    assert "Traceback" not in done.stderr, done.stderr
