"""The import rule of docs/architecture.md: no module imports a layer above its own, or a peer package.

The layers are read from the table in docs/architecture.md, so the document and the rule cannot drift
apart. Imports inside functions count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dlscan"
_ROW = re.compile(r"^\| (\w+) \| ((?:`[\w.]+`(?:, )?)+) \|")


def layers() -> list[tuple[str, tuple[str, ...]]]:
    """(layer, its packages and modules), from the top layer down."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        match = _ROW.match(line)
        if match:
            rows.append((match.group(1), tuple(re.findall(r"`([\w.]+)`", match.group(2)))))
    return rows


def owner(module: str, rows: list[tuple[str, tuple[str, ...]]]) -> tuple[int, str] | None:
    """(rank, package) of the most specific entry that holds `module`; rank 0 is the bottom layer."""
    best: tuple[int, str] | None = None
    for position, (_, names) in enumerate(rows):
        for name in names:
            # The root package holds only the version: it owns no module but itself.
            inside = module == name or (name != "dlscan" and module.startswith(name + "."))
            if inside and (best is None or len(name) > len(best[1])):
                best = (len(rows) - 1 - position, name)
    return best


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported(module: str, path: Path) -> set[str]:
    """The dlscan modules that `module` imports, at the top or in a function, relative imports resolved."""
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n == "dlscan" or n.startswith("dlscan.")}


def violations() -> list[str]:
    rows = layers()
    found = modules()
    problems = []
    for module, path in found.items():
        mine = owner(module, rows)
        if mine is None:
            problems.append(f"{module} is in no layer of docs/architecture.md")
            continue
        for name in sorted(imported(module, path)):
            if name not in found:
                continue  # `from package import name` of a function or class, not a module
            theirs = owner(name, rows)
            assert theirs is not None, name
            if theirs[0] > mine[0]:
                problems.append(f"{module} ({rows[-1 - mine[0]][0]}) imports {name} from the layer above it")
            elif theirs[0] == mine[0] and theirs[1] != mine[1]:
                problems.append(f"{module} imports {name}, a peer package of its own layer")
    return problems


def test_the_table_names_every_layer():
    names = [name for name, _ in layers()]
    assert names[:2] == ["entry", "cli"] and names[-1] == "support"
    assert {"sources", "model", "graph", "matching", "boundary", "checks", "sinks", "operations"} <= set(names)


def test_no_module_imports_a_layer_above_its_own():
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "target", "expected"),
    [
        ("dlscan.model", "dlscan.checks.base", "from the layer above it"),
        ("dlscan.model", "dlscan.findings", "a peer package"),
        ("dlscan.graph", "dlscan.matching.names", "from the layer above it"),
        ("dlscan.sources.ldif", "dlscan.operations.config", "from the layer above it"),
    ],
)
def test_an_upward_import_is_caught(tmp_path, monkeypatch, module, target, expected):
    """The rule can fail: the same check over a copy of the package with one upward import added."""
    copy = tmp_path / "dlscan"
    for path in PACKAGE.rglob("*.py"):
        destination = copy / path.relative_to(PACKAGE)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    victim = modules()[module]
    spoiled = copy / victim.relative_to(PACKAGE)
    spoiled.write_text(spoiled.read_text(encoding="utf-8") + f"\nimport {target}\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "architecture.md").write_text(
        (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", copy)
    problems = violations()
    assert len(problems) == 1 and module in problems[0] and expected in problems[0]


def test_a_module_outside_every_layer_is_caught(tmp_path, monkeypatch):
    copy = tmp_path / "dlscan"
    copy.mkdir()
    (copy / "__init__.py").write_text("")
    (copy / "stray.py").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "architecture.md").write_text(
        (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", copy)
    assert violations() == ["dlscan.stray is in no layer of docs/architecture.md"]
