"""UMAP on the demo's 2,000 pooled embeddings: a process's first fit with an
empty numba cache, with the cache a previous process filled (as each UMAP child
after the first finds it), after the warm-up; PCA as the baseline.

Each measurement runs in a fresh Python process, as a UMAP child does: numba
compiles UMAP's code on first use, or loads it from its on-disk cache
(``NUMBA_CACHE_DIR``, a new temporary folder per benchmark run here).

Usage: ``python -m benchmarks.projection`` (prepares the demo first if needed).
The last line holds the ratios against the 10 s bar and against PCA.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UMAP_BAR_S = 10.0

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


def main() -> None:
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
