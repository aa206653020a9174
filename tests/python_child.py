"""Code run in a new interpreter, as a new server process would run it.

Shared by the tests of what a fresh process imports or frees (a helper module,
not conftest: there are two conftests).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def last_line(code: str, *args: str) -> str:
    """The last line ``code`` prints, run with ``args`` by a new interpreter in
    the repository root (a non-zero exit fails with CalledProcessError)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return done.stdout.strip().splitlines()[-1]
