"""What the metrics registry costs: each registered metric's ``compute`` (built
by ``registry.build``, as a page does on every run) against the function it
wraps, on the same synthetic predictions, and the import of the registry
against an eager import of the task metric libraries it loads only when a
task is scored (seqeval, sacrebleu, rouge-score with nltk and scipy).

    python -m benchmarks.metrics [--rows 2000 50000] [--repeats 5]

Prints a machine line first, a table (best of ``--repeats``, ms), and the
ratios (registry / direct) on the last line.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from benchmarks.scale import machine_line
from litcore.metrics.classification import classification_report
from litcore.metrics.multilabel import multilabel_report
from litcore.metrics.registry import build
from litcore.metrics.regression import regression_metrics
from litcore.metrics.scalars import threshold_metrics

LABELS = ("negative", "positive")
ML_LABELS = tuple(f"label{i}" for i in range(8))


def best_ms(run: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs after one warm-up run, in milliseconds."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def cases(rows: int) -> dict[str, tuple[Callable, Callable]]:
    """Per metric: (the registry's compute, the wrapped function), same inputs."""
    rng = np.random.default_rng(0)
    positive = rng.uniform(size=rows)
    probas = np.stack([1 - positive, positive], axis=1)
    gold = np.where(rng.uniform(size=rows) < positive, *LABELS[::-1])
    rating = rng.normal(size=rows)
    score = rating + rng.normal(scale=0.5, size=rows)
    ml_probas = rng.uniform(size=(rows, len(ML_LABELS))).astype(np.float32)
    ml_gold = rng.uniform(size=ml_probas.shape) < ml_probas
    half = [0.5] * len(ML_LABELS)
    return {
        "Classification": (
            lambda: build("Classification").compute(gold, probas, LABELS),
            lambda: classification_report(gold, probas, LABELS),
        ),
        "At a decision threshold": (
            lambda: build("At a decision threshold").compute(gold, probas, LABELS),
            lambda: threshold_metrics(gold, positive, LABELS, 0.5),
        ),
        "Regression": (
            lambda: build("Regression").compute(rating, score),
            lambda: regression_metrics(rating, score),
        ),
        "Multi-label": (
            lambda: build("Multi-label").compute(ml_gold, ml_probas, ML_LABELS),
            lambda: multilabel_report(ml_gold, ml_probas, half, ML_LABELS),
        ),
    }


def import_seconds(statement: str) -> float:
    """Wall time of ``statement`` in a fresh interpreter (after ``import numpy,
    pandas``, which every page has loaded)."""
    code = (
        "import time, numpy, pandas; start = time.perf_counter(); "
        f"{statement}; print(time.perf_counter() - start)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000, 50_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(machine_line())
    ratios = {}
    print(f"{'metric':26}{'rows':>8}{'registry ms':>13}{'direct ms':>11}{'ratio':>7}")
    for rows in args.rows:
        for name, (registry, direct) in cases(rows).items():
            through, plain = (best_ms(run, args.repeats) for run in (registry, direct))
            ratio = ratios[f"{name} {rows}"] = through / plain
            print(f"{name:26}{rows:>8}{through:>13.2f}{plain:>11.2f}{ratio:>7.2f}")
    registry_s = import_seconds("import litcore.metrics.registry")
    eager_s = import_seconds(
        "import litcore.metrics.registry, seqeval.metrics, sacrebleu, "
        "rouge_score.rouge_scorer"
    )
    print(
        f"import: registry {registry_s:.2f} s; with the task libraries {eager_s:.2f} s"
    )
    shown = ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items())
    print(f"registry/direct: {shown}; import registry/eager {registry_s / eager_s:.2f}")


if __name__ == "__main__":
    main()
