"""UMAP on the demo's 2,000 pooled embeddings: a process's first fit with an
empty numba cache, with the cache a previous process filled (as each UMAP child
after the first finds it), after the warm-up; PCA as the baseline.

Each measurement runs in a fresh Python process, as a UMAP child does: numba
compiles UMAP's code on first use, or loads it from its on-disk cache
(``NUMBA_CACHE_DIR``, a new temporary folder per benchmark run here).

Usage: ``python -m benchmarks.projection`` (prepares the demo first if needed).
The last line holds the ratios against the 10 s bar and against PCA.

``--points N`` (N > 2,000) measures instead the Embeddings page's UMAP path at
N points: the mean embeddings of ``benchmarks.scale``'s dataset of N rows (its
cache must hold them: run ``python -m benchmarks.scale --sizes N`` first), read
as the page reads them (``predicted_fields``), then ``stored_projection`` with
``fitted_in_child`` into a new store, as ``litcore.ui.cached.projection`` does:
with an empty numba cache, with the cache the first fit filled, with a new
cache that only the deploy warm-up (``warm_up_umap``, in its own process) filled,
and a fourth time from the store (the projection cached on disk). It prints the
progress reports each fit made, and the child's peak memory. The last line
holds the ratios against the 60 s bar.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UMAP_BAR_S = 10.0
AT_SCALE_BAR_S = 60.0

# Prints {"warm_up": s or null, "first_fit": s, "second_fit": s, "pca": s}.
MEASURE = """
import json, sys, time
from litcore.data.demo import load_demo
from litcore.session.demo import demo_model_dir
from litcore.models.classifier import SequenceClassifier
from litcore.projection import PCAProjection, UMAPProjection, warm_up_umap

model = SequenceClassifier.from_pretrained(str(demo_model_dir("movies")))
embeddings = model.predict(load_demo("movies")[1].texts()).mean_embedding

def seconds(run):
    started = time.perf_counter()
    run()
    return round(time.perf_counter() - started, 2)

figures = {"warm_up": seconds(warm_up_umap) if sys.argv[1] == "warm" else None}
figures["first_fit"] = seconds(lambda: UMAPProjection().fit(embeddings))
figures["second_fit"] = seconds(lambda: UMAPProjection().fit(embeddings))
figures["pca"] = seconds(lambda: PCAProjection().fit(embeddings))
print(json.dumps(figures))
"""


# The deploy's warm-up (deploy/warm_demo.py), in a process of its own.
WARM_UP = "from litcore.projection import warm_up_umap; warm_up_umap()"


def measure(mode: str, numba_cache: str) -> dict[str, float | None]:
    """The figures of one fresh process (``cold`` or ``warm``: with the warm-up)
    whose numba cache is the folder ``numba_cache``."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=os.environ | {"NUMBA_CACHE_DIR": numba_cache},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def scale_embeddings(points: int, cache: Path):
    """``<float16>[points, 384]``: the mean embeddings of ``benchmarks.scale``'s
    dataset of ``points`` rows, read from its cache as the Embeddings page
    reads them."""
    import pandas as pd

    from benchmarks.scale import DEMO_CACHE, dataset_path
    from litcore.data.dataset import ColumnMapping, from_frame
    from litcore.models.classifier import SequenceClassifier
    from litcore.session.demo import demo_model_dir
    from litcore.session.predictions import predicted_fields
    from litcore.store.predictions import PredictionStore

    os.environ["LUMEN_CACHE_DIR"] = str(DEMO_CACHE)
    model = SequenceClassifier.from_pretrained(str(demo_model_dir("movies")))
    os.environ["LUMEN_CACHE_DIR"] = str(cache)
    rows = pd.read_parquet(dataset_path(cache, points))
    mapping = ColumnMapping(text="text", label="label", metadata=("rating",))
    frame = from_frame(rows, mapping).frame
    store = PredictionStore(cache / "predictions.sqlite")
    return predicted_fields(model, frame, store, ["mean_embedding"])["mean_embedding"]


def at_scale(points: int, cache: Path) -> None:
    """The Embeddings page's UMAP path at ``points`` points (see the docstring)."""
    from litcore.projection import UMAPProjection, stored_projection
    from litcore.projection_child import fit_in_child
    from litcore.store.predictions import PredictionStore

    embeddings = scale_embeddings(points, cache)
    peaks: list[float] = []

    def fitted_in_child(projector, embeddings, progress):
        """``litcore.projection_child.fitted_in_child``, keeping the child's peak."""
        fitted = fit_in_child(projector, embeddings, progress)
        peaks.append(fitted.peak_rss_mb)
        return fitted.projection

    print(f"{len(embeddings):,} embeddings {embeddings.dtype} {embeddings.shape}")
    seconds = {}
    with (
        tempfile.TemporaryDirectory() as numba_cache,
        tempfile.TemporaryDirectory() as warmed_cache,
        tempfile.TemporaryDirectory() as store_folder,
    ):
        # run -> (the children's numba cache, its store): the last reads what
        # the one before it stored
        runs = {
            "empty numba cache": (numba_cache, "first"),
            "numba cache filled": (numba_cache, "second"),
            "after the warm-up": (warmed_cache, "third"),
            "from the store": (warmed_cache, "third"),
        }
        warm_up = [sys.executable, "-c", WARM_UP]
        for run, (cache_folder, name) in runs.items():
            os.environ["NUMBA_CACHE_DIR"] = cache_folder  # the children's
            if run == "after the warm-up":
                started = time.perf_counter()
                subprocess.run(warm_up, check=True, cwd=REPO, capture_output=True)
                warm_s = time.perf_counter() - started
                print(f"{'warm-up':20} {warm_s:7.1f} s, in a new numba cache")
            store = PredictionStore(Path(store_folder) / f"{name}.sqlite")
            reports: list[tuple[int, int]] = []
            started = time.perf_counter()
            projection = stored_projection(
                store,
                "projection/benchmark",
                embeddings,
                UMAPProjection(),
                lambda done, total, into=reports: into.append((done, total)),
                fitted_in_child,
            )
            seconds[run] = time.perf_counter() - started
            shown = ", ".join(f"{done:,}" for done, _ in reports) or "none"
            child = f"child peak {peaks.pop():.0f} MB; " if peaks else ""
            print(
                f"{run:20} {seconds[run]:7.1f} s; {len(projection.coords):,} "
                f"points; {child}progress reports ({len(reports)}): {shown}",
                flush=True,
            )
    print(
        f"UMAP at {points:,} points: empty numba cache "
        f"{seconds['empty numba cache'] / AT_SCALE_BAR_S:.2f}x the "
        f"{AT_SCALE_BAR_S:.0f} s bar, cache filled "
        f"{seconds['numba cache filled'] / AT_SCALE_BAR_S:.2f}x, after the warm-up "
        f"{seconds['after the warm-up'] / AT_SCALE_BAR_S:.2f}x, from the store "
        f"{seconds['from the store']:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, help="the page's path at N points")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/lumen-scale"))
    args = parser.parse_args()
    if args.points:
        at_scale(args.points, args.cache)
        return
    with tempfile.TemporaryDirectory() as shared, tempfile.TemporaryDirectory() as own:
        cold = measure("cold", shared)
        cached = measure("cold", shared)
        warm = measure("warm", own)
    print(f"first UMAP fit, empty numba cache:    {cold['first_fit']:6.1f} s")
    print(f"first UMAP fit, numba cache filled:   {cached['first_fit']:6.1f} s")
    print(f"background warm-up (numba compile):   {warm['warm_up']:6.1f} s")
    print(f"first UMAP fit after the warm-up:     {warm['first_fit']:6.1f} s")
    print(f"second UMAP fit in a process:         {cold['second_fit']:6.1f} s")
    print(f"PCA fit:                              {warm['pca']:6.2f} s")
    print(
        f"first fit with the cache filled {cached['first_fit'] / cold['first_fit']:.2f}"
        f"x one without; after warm-up {warm['first_fit'] / UMAP_BAR_S:.2f}x the "
        "10 s bar, "
        f"{warm['first_fit'] / cold['first_fit']:.2f}x a cold first fit, "
        f"{warm['first_fit'] / max(warm['pca'], 1e-3):.0f}x PCA"
    )


if __name__ == "__main__":
    main()
