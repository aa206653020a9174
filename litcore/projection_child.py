"""Fitting a projector in a child process, so its memory goes back to the OS.

UMAP brings umap, pynndescent, numba and llvmlite (about 130 MB of imports)
plus what numba compiles and the fit allocates; none of it is freed inside a
long-lived server. The app therefore fits a projector whose class says
``fits_in_child`` here: a new interpreter (``python -m
litcore.projection_child``) reads the embeddings from a temporary ``.npz``,
fits, reports progress on stdout and writes the coordinates back. numba's
on-disk cache (``NUMBA_CACHE_DIR``, filled by ``deploy/warm_demo.py``) spares
it part of the compiling. One child runs at a time per server: visitors who
ask for other fits wait their turn rather than each adding a child's memory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from litcore.api.errors import LumenError
from litcore.projection import ProgressFn, Projector, StoredProjection, make_projector

# What the child's last stderr line starts with when the fit refused its input.
_REFUSED = "LumenError: "
# The first word of the child's progress lines: "progress <placed> <all>".
_PROGRESS = "progress"
# Where the litcore package lives, for the child's import path.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
# At most one child at a time in this process (each peaks at hundreds of MB).
_ONE_CHILD = threading.Lock()


@dataclass(frozen=True)
class ChildFit:
    """What a child fit returns.

    Attributes:
        projection: the coordinates ``<float32>[n, 2]`` of the fitted points and
            the fit's note.
        placed: ``<float32>[m, 2]`` coordinates of the points added later, placed
            by the fitted projector (empty when none were given).
        peak_rss_mb: the child's own peak resident memory (``VmHWM``, read
            after the fit; the parent's ``RUSAGE_CHILDREN`` also counts the
            pages a fork shares before the new interpreter starts).
    """

    projection: StoredProjection
    placed: np.ndarray
    peak_rss_mb: float


def fit_in_child(
    projector: Projector,
    embeddings: np.ndarray,
    progress: ProgressFn | None = None,
    added: np.ndarray | None = None,
) -> ChildFit:
    """``projector`` (unfitted) fitted on ``embeddings`` in a new interpreter.

    Args:
        projector: carries the method and its parameters; it stays unfitted.
        embeddings: ``<float32>[n, dim]``.
        progress: called with (points placed, all points) as the child reports.
        added: ``<float32>[m, dim]`` points to place with the fitted projector.

    Raises:
        LumenError: the fit refused its input (the message says why), or the
            child failed.
    """
    added = np.zeros((0, embeddings.shape[1]), np.float32) if added is None else added
    with tempfile.TemporaryDirectory(prefix="lumen-projection-") as folder:
        request, result = Path(folder) / "in.npz", Path(folder) / "out.npz"
        np.savez(
            request,
            embeddings=np.asarray(embeddings, dtype=np.float32),
            added=np.asarray(added, dtype=np.float32),
            method=np.array(projector.display_name),
            params=np.array(json.dumps(projector.get_params())),
        )
        with _ONE_CHILD:
            _run_child(request, result, progress)
        with np.load(result, allow_pickle=False) as arrays:
            note = str(arrays["note"]) or None
            projection = StoredProjection(arrays["coords"], note)
            peak_rss_mb = float(arrays["peak_rss_mb"])
            return ChildFit(projection, arrays["placed"], peak_rss_mb)


def fitted_in_child(
    projector: Projector, embeddings: np.ndarray, progress: ProgressFn | None = None
) -> StoredProjection:
    """``fit_in_child``'s projection alone (a ``litcore.projection.FitFn``)."""
    return fit_in_child(projector, embeddings, progress).projection


def _run_child(request: Path, result: Path, progress: ProgressFn | None) -> None:
    """Runs the child on ``request`` until it wrote ``result``, relaying progress."""
    path = os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", __name__, str(request), str(result)]
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, "PYTHONPATH": path},
        ) as child,
    ):
        for line in child.stdout:  # anything but progress lines is ignored
            words = line.split()
            if progress and len(words) == 3 and words[0] == _PROGRESS:
                progress(int(words[1]), int(words[2]))
        if child.wait() == 0:
            return
        errors.seek(0)
        last = (errors.read().strip().splitlines() or ["no message"])[-1]
    if last.startswith(_REFUSED):
        raise LumenError(last.removeprefix(_REFUSED))
    raise LumenError(f"The projection's process failed ({child.returncode}): {last}")


def _peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``) in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) / 1024


def main(request: str, result: str) -> int:
    """The child: fits what ``request`` names, writes ``result``."""
    with np.load(request, allow_pickle=False) as arrays:
        embeddings, added = arrays["embeddings"], arrays["added"]
        method, params = str(arrays["method"]), json.loads(str(arrays["params"]))

    def report(done: int, total: int) -> None:
        print(_PROGRESS, done, total, flush=True)

    try:
        projector = make_projector(method, params).fit(embeddings, report)
        placed = projector.transform(added) if len(added) else np.zeros((0, 2))
    except LumenError as error:
        print(_REFUSED + " ".join(str(error).split()), file=sys.stderr)
        return 2
    np.savez(
        result,
        coords=projector.embedding_,
        note=np.array(projector.note_ or ""),
        placed=placed.astype(np.float32),
        peak_rss_mb=np.array(_peak_rss_mb()),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
