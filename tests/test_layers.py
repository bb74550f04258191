"""The library's layers, read from the source: no import loop, and no module imports a layer above its own.

Every import of every module of ``aasist/``, ``webapp/`` and ``app.py`` is found with ``ast`` (at the top of a module,
inside functions, relative or absolute, under ``TYPE_CHECKING`` too) and resolved to the project's modules. Two
checks read that graph:

- no loop: no module reaches itself through the modules it imports. Imports under ``if TYPE_CHECKING:`` are left out
  of this one only (they are never run: they name a type for the annotations);
- ``LAYERS``, bottom first (README, "Code layout"): a module imports modules of its own part and of the layers below
  its own, never of a layer above nor of another part of its own layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# The layers, bottom first; the parts of one layer do not import each other. A module belongs to the part whose name
# is the longest prefix of its own (``aasist`` itself: the package's __init__, the facade that re-exports the API).
LAYERS = (
    ("aasist.text", "aasist._version"),  # how numbers and errors are written; the version
    ("aasist.models",),  # the networks, the registry, weights and their cache
    ("aasist.audio",),  # decoding, level, speech presence, input warnings, windows, labels
    ("aasist.inference",),  # Detector, backends, Pipeline, robustness, agreement, streaming
    ("aasist.evaluation",),  # labelled recordings scored, EER; ASVspoof metrics and protocols
    ("aasist.views", "aasist.training"),  # wording, figures, reports | training on ASVspoof
    ("aasist.cli",),  # python -m aasist
    ("aasist", "aasist.__main__"),  # the package's API (from aasist import Detector, ...) | python -m aasist
    ("webapp",),  # the web demo
    ("app",),  # its entry point
)


def project_modules() -> dict:
    """{module name: path} of every module of the library, the web demo and app.py."""
    paths = [*sorted((REPO_ROOT / "aasist").rglob("*.py")), *sorted((REPO_ROOT / "webapp").rglob("*.py")),
             REPO_ROOT / "app.py"]
    modules = {}
    for path in paths:
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _under_type_checking(tree: ast.Module) -> set:
    """The import nodes inside ``if TYPE_CHECKING:`` blocks."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= {id(n) for part in node.body for n in ast.walk(part)
                      if isinstance(n, (ast.Import, ast.ImportFrom))}
    return found


def imports_of(name: str, path: Path, modules: dict) -> list:
    """(imported project module, line, only for type checking) for every import in the module ``name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = _under_type_checking(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [_deepest(alias.name, modules) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else _deepest(base, modules)
                       for alias in node.names]
        else:
            continue
        found += [(target, node.lineno, id(node) in typing_only) for target in targets
                  if target is not None and target != name]
    return found


def _deepest(dotted: str, modules: dict):
    """The longest project module that ``dotted`` names or lies in (``aasist.models.weights.load`` -> its module)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return None


def import_graph() -> dict:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def part_of(module: str):
    """(layer index, part) of a module: the part with the longest name that is the module or contains it."""
    best = None
    for level, parts in enumerate(LAYERS):
        for part in parts:
            inside = module == part or (part != "aasist" and module.startswith(part + "."))
            if inside and (best is None or len(part) > len(best[1])):
                best = (level, part)
    return best


def find_loop(graph: dict):
    """One import loop as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in graph.get(module, {}):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                loop = visit(target)
                if loop:
                    return loop
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            loop = visit(module)
            if loop:
                return loop
    return None


def test_every_module_has_a_layer():
    unplaced = [m for m in project_modules() if part_of(m) is None]
    assert not unplaced, f"modules in no layer of LAYERS: {unplaced}"


def test_the_package_shows_its_layers():
    # A newcomer who lists aasist/ sees the subpackages, and at most six modules beside them.
    package = REPO_ROOT / "aasist"
    beside = sorted(p.name for p in package.glob("*.py"))
    assert len(beside) <= 6, beside
    for part in (p for level in LAYERS for p in level):
        if part.startswith("aasist.") and part.count(".") == 1 and part not in ("aasist.cli", "aasist.__main__"):
            assert (package / (part.split(".")[1] + ".py")).is_file() or (package / part.split(".")[1]).is_dir(), part


def test_no_import_loop():
    graph = {module: {target for target, _, typing_only in found if not typing_only}
             for module, found in import_graph().items()}
    loop = find_loop(graph)
    assert loop is None, "import loop: " + " -> ".join(loop)


def test_no_module_imports_a_layer_above_its_own():
    wrong = []
    for module, found in import_graph().items():
        level, part = part_of(module)
        for target, line, _ in found:
            target_level, target_part = part_of(target)
            if target_part != part and target_level >= level:
                wrong.append(f"{module}:{line} imports {target} ({target_part}, "
                             f"{'the same layer' if target_level == level else 'a layer above'})")
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_function_local_and_relative_imports():
    # The graph is only as good as its resolution: a lazy import inside a function, and a relative one, are in it.
    graph = import_graph()
    detector = {target for target, _, _ in graph["aasist.inference.detector"]}
    assert "aasist.inference.onnx_backend" in detector  # imported inside functions, relative
    assert "aasist.models.model" in detector  # at the top, relative (..models.model)
    assert "aasist.inference.detector" in {t for t, _, _ in graph["aasist"]}  # the lazy re-export
    assert find_loop({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
