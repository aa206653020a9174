"""DESIGN.md's layering: no heavy imports in pages, no Streamlit in the core."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "transformers", "sklearn", "umap", "captum"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


UI_FILES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
CORE_FILES = [
    p
    for p in sorted((REPO / "litcore").rglob("*.py"))
    if "ui" not in p.relative_to(REPO).parts
]


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_import_no_heavy_library(path):
    assert not imported_roots(path) & HEAVY


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_core_never_imports_streamlit(path):
    assert "streamlit" not in imported_roots(path)


def test_there_are_pages_and_core_modules():
    assert len(UI_FILES) >= 4 and len(CORE_FILES) >= 10


def test_the_session_package_imports_without_streamlit():
    """Every module of ``litcore.session``, imported in a fresh interpreter."""
    modules = sorted(
        f"litcore.session.{p.stem}"
        for p in (REPO / "litcore" / "session").glob("*.py")
        if p.stem != "__init__"
    )
    imports = "; ".join(f"import {m}" for m in ["litcore.session", *modules])
    check = "import sys; assert not [m for m in sys.modules if 'streamlit' in m]"
    subprocess.run([sys.executable, "-c", f"{imports}; {check}"], check=True, cwd=REPO)
    assert "litcore.session.workspace" in modules
