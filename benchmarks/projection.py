"""UMAP on the demo's 2,000 pooled embeddings: a process's first fit, with and
without the warm-up the app runs in the background, and PCA as the baseline.

Each measurement runs in a fresh Python process, as a fresh server would:
numba compiles UMAP's code on first use, once per process.

Usage: ``python -m benchmarks.projection`` (prepares the demo first if needed).
The last line holds the ratios against the 10 s bar and against PCA.
"""

from __future__ import annotations

import json
import subprocess
import sys
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


def measure(mode: str) -> dict[str, float | None]:
    """The figures of one fresh process (``cold`` or ``warm``)."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    cold, warm = measure("cold"), measure("warm")
    print(f"first UMAP fit, fresh process:        {cold['first_fit']:6.1f} s")
    print(f"background warm-up (numba compile):   {warm['warm_up']:6.1f} s")
    print(f"first UMAP fit after the warm-up:     {warm['first_fit']:6.1f} s")
    print(f"second UMAP fit in a process:         {cold['second_fit']:6.1f} s")
    print(f"PCA fit:                              {warm['pca']:6.2f} s")
    print(
        f"first fit after warm-up {warm['first_fit'] / UMAP_BAR_S:.2f}x the 10 s bar, "
        f"{warm['first_fit'] / cold['first_fit']:.2f}x a cold first fit, "
        f"{warm['first_fit'] / max(warm['pca'], 1e-3):.0f}x PCA"
    )


if __name__ == "__main__":
    main()
