"""The zoo and convert form no import cycle: the zoo reaches builders only through its seam."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import edgekit

PACKAGE = Path(edgekit.__file__).parent


def _imports(path: Path) -> list[str]:
    """Every module an ``import`` statement in PATH names, at any depth (lazy imports included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_the_zoo_imports_nothing_from_convert():
    assert [name for name in _imports(PACKAGE / "zoo.py") if name.startswith("edgekit.convert")] == []


def test_the_zoo_names_convert_only_in_its_builder_seam():
    tree = ast.parse((PACKAGE / "zoo.py").read_text(encoding="utf-8"))
    mentions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("edgekit.")
    ]
    seam = next(
        node for node in tree.body if isinstance(node, ast.AnnAssign) and node.target.id == "_BUILDERS"
    )
    assert mentions and all(node in list(ast.walk(seam)) for node in mentions)


def test_builders_do_not_import_the_zoo():
    from edgekit import zoo

    for module in sorted(set(zoo._BUILDERS.values())):
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        assert not [name for name in _imports(path) if name in ("edgekit.zoo", "edgekit")], module


def test_importing_the_zoo_loads_no_convert_module():
    code = "import sys, edgekit.zoo; print(sorted(m for m in sys.modules if m.startswith('edgekit.convert')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(PACKAGE.parent)).stdout
    assert out.strip() == "[]"
