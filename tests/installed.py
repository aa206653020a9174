"""The package built as a wheel and installed into a fresh virtual environment
that reuses this Python's packages (``--no-deps``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What ``pip wheel`` reads: the package, the app, and the metadata's files.
SOURCES = ("litcore", "pages", ".streamlit", "pyproject.toml", "requirements.txt",
           "README.md", "app.py")  # fmt: skip
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


def copy_sources(source: Path) -> Path:
    """A copy of what ``pip`` builds the package from, at ``source``: pip builds
    in place, and the checkout is to get no build folder."""
    for name in SOURCES:
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy(REPO / name, source / name)
    return source


def build_wheel(folder: Path) -> Path:
    """``pip wheel`` of a copy of the sources (no build folder in the checkout)."""
    source = copy_sources(folder / "source")
    command = [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", folder]
    subprocess.run([*command, source], check=True, capture_output=True, timeout=300)
    (wheel,) = folder.glob("lumen_nlp-*.whl")
    return wheel


def make_venv(venv: Path) -> Path:
    """A new venv at ``venv`` that sees this Python's packages; its ``python``.

    Its own site folder comes first, then this Python's (a ``.pth`` file), so it
    reuses the very files the tests run, as ``--system-site-packages`` would
    from a Python that is not itself a venv. From a venv, that option would
    reach past it to the base Python, whose copies of the packages may differ
    (and numba's cache of UMAP's compiled code is kept per source file).
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_folders = ("site-packages", "dist-packages")
    ours = [folder for folder in sys.path if Path(folder).name in site_folders]
    lines = [f"import site; site.addsitedir({folder!r})\n" for folder in ours]
    pth = venv / "lib" / version / "site-packages" / "this_pythons_packages.pth"
    pth.write_text("".join(lines))
    return venv / "bin" / "python"


def install_in_venv(wheel: Path, venv: Path) -> Path:
    """Installs ``wheel`` into a new venv at ``venv``; returns its bin folder."""
    python = make_venv(venv)
    command = [*PIP, "--python", python, "install", "--no-deps", wheel]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return venv / "bin"
