"""A figure of another checkout (a baseline), from its own benchmark's output.

The benchmark runs in a fresh process with that checkout as its working
directory and import path, so it measures that checkout's code; the figure is
read from its printed lines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def baseline_figure(
    checkout: Path, module: str, arguments: list[str], pattern: str
) -> tuple[float, str]:
    """(the first number ``pattern`` captures in the output of ``python -m
    module *arguments`` run in ``checkout``, that output).

    Raises:
        RuntimeError: the run failed or printed no such line.
    """
    result = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        capture_output=True,
        text=True,
        cwd=checkout,
        env=os.environ | {"PYTHONPATH": str(checkout)},
    )
    found = re.search(pattern, result.stdout)
    if result.returncode or not found:
        raise RuntimeError(
            f"{module} in {checkout} failed:\n{result.stdout[-2000:]}"
            f"{result.stderr[-3000:]}"
        )
    return float(found.group(1)), result.stdout
