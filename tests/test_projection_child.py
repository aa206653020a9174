"""UMAP fitted in a child process: the same coordinates, progress and errors as
in this process, and none of its libraries loaded here."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from litcore.api.errors import LumenError
from litcore.projection import PCAProjection, UMAPProjection
from litcore.projection_child import fit_in_child, fitted_in_child


def clusters(n_per: int = 60, dim: int = 8) -> np.ndarray:
    rng = np.random.default_rng(3)
    centres = np.zeros((2, dim), dtype=np.float32)
    centres[0, 0] = centres[1, 1] = 20.0
    return np.concatenate([c + rng.normal(size=(n_per, dim)) for c in centres]).astype(
        np.float32
    )


def test_a_child_fit_brings_back_the_fallback_note_and_no_placed_points():
    points = clusters(n_per=4)
    fitted = fitted_in_child(UMAPProjection(n_neighbors=15), points)
    assert fitted.note and "PCA" in fitted.note
    assert np.allclose(fitted.coords, PCAProjection().fit(points).embedding_)
    fallback = fit_in_child(UMAPProjection(), clusters(n_per=4))
    assert fallback.placed.shape == (0, 2)
    assert 10 < fallback.peak_rss_mb < 2000  # the child's own, not this process's


@pytest.mark.parametrize(
    "projector, message",
    [
        (UMAPProjection(n_neighbors=1), "n_neighbors must be 2 to 200"),
        (UMAPProjection(metric="hamming-ish"), "Unknown metric 'hamming-ish'"),
    ],
)
def test_a_refused_child_fit_raises_the_lumen_error_it_raised(projector, message):
    with pytest.raises(LumenError, match=message):
        fit_in_child(projector, clusters())


def test_bad_embeddings_raise_a_lumen_error_from_the_child():
    with pytest.raises(LumenError, match="NaN"):
        fit_in_child(UMAPProjection(), np.full((30, 4), np.nan, dtype=np.float32))


# In a fresh interpreter: a child fit, what it reported, what this one imported.
CHILD_FIT = """
import json, sys
import numpy as np
from litcore.projection import UMAPProjection
from litcore.projection_child import fit_in_child
points, added = np.load(sys.argv[1]), np.load(sys.argv[2])
reports = []
fitted = fit_in_child(
    UMAPProjection(n_neighbors=5, fit_sample=80),
    points,
    lambda done, total: reports.append([done, total]),
    added=added,
)
np.save(sys.argv[3], fitted.projection.coords)
np.save(sys.argv[4], fitted.placed)
heavy = ("umap", "numba", "llvmlite", "pynndescent", "sklearn", "torch")
loaded = [module for module in heavy if module in sys.modules]
print(json.dumps([reports, fitted.projection.note, loaded]))
"""


def test_a_child_fit_equals_the_fit_here_and_loads_none_of_its_libraries(tmp_path):
    points, added = clusters(), clusters(2)[[0, 3]] + 0.01
    paths = [tmp_path / f"{name}.npy" for name in ("in", "added", "coords", "placed")]
    np.save(paths[0], points)
    np.save(paths[1], added)
    done = subprocess.run(
        [sys.executable, "-c", CHILD_FIT, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    reports, note, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == []
    here_reports = []
    here = UMAPProjection(n_neighbors=5, fit_sample=80)
    here.fit(points, lambda done, total: here_reports.append([done, total]))
    assert reports == here_reports == [[80, 120], [120, 120]]
    assert note is None
    assert np.array_equal(np.load(paths[2]), here.embedding_)
    placed = np.load(paths[3])
    assert placed.shape == (2, 2) and placed.dtype == np.float32
    assert np.allclose(placed, here.transform(added), atol=1e-4)


def test_one_child_runs_at_a_time(monkeypatch):
    import threading

    from litcore import projection_child

    running, most = [0], [0]
    run_child = projection_child._run_child

    def counted(request, result, progress):
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            run_child(request, result, progress)
        finally:
            running[0] -= 1

    monkeypatch.setattr(projection_child, "_run_child", counted)
    points = clusters(n_per=4)  # the PCA fallback: no UMAP import in the children
    fits = [
        threading.Thread(target=fit_in_child, args=(UMAPProjection(), points))
        for _ in range(3)
    ]
    for fit in fits:
        fit.start()
    for fit in fits:
        fit.join()
    assert most[0] == 1
