"""Opening a run: seconds and peak memory to a workspace, at several sizes.

The runs are built from the demo's 2,000 held-out movie snippets and their real
predictions (predicted once, through the prediction store), repeated with a
numbered suffix on each text until the size is reached: every row is a real
prediction of a real snippet, but the repeats are not predicted again (their
texts differ by the suffix only). Each run is opened in a fresh process, as a
server does (``build_workspace`` of the run, the model's config and tokenizer
but not its weights), after a first open that warms the file cache; the
imports a server has made before its first session are timed apart.

Usage: ``python -m benchmarks.run_open [--rows 2000 50000 1000000]``. The last
line holds each size's open time as a ratio to the smallest size's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from litcore.data.demo import load_demo
from litcore.models.classifier import SequenceClassifier
from litcore.session.demo import demo_model_dir
from litcore.session.predictions import predict_dataset
from litcore.store.predictions import PredictionStore
from litcore.store.run import RunWriter, run_fields

SHARD_ROWS = 50_000
OPEN = """
import json, sys, time
started = time.perf_counter()
from litcore.session.startup import run_choice
from litcore.session.workspace import build_workspace
import transformers  # what a server has imported before its first session
imported = time.perf_counter()
workspace = build_workspace(run_choice(sys.argv[1]))
seconds = time.perf_counter() - imported
# VmHWM: ru_maxrss would carry the parent's peak (the benchmark's) over the exec.
status = open("/proc/self/status").read()
peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
weights = workspace.model._model is not None
print(json.dumps({"seconds": seconds, "imports": imported - started,
                  "peak_mb": peak_mb, "weights_loaded": weights}))
"""


def build_run(folder: Path, rows: int, model, data, predictions) -> None:
    """A run of ``rows`` rows: ``data`` repeated, texts suffixed ``(copy k)``."""
    writer = RunWriter(folder, model.labels)
    base = data.frame
    for start in range(0, rows, SHARD_ROWS):
        positions = np.arange(start, min(start + SHARD_ROWS, rows))
        source = positions % len(base)
        part = base.iloc[source].reset_index(drop=True)
        copy = positions // len(base)
        part["text"] = [
            text if k == 0 else f"{text} (copy {k})"
            for text, k in zip(part["text"], copy)
        ]
        part["id"] = [i if k == 0 else f"{i}-copy{k}" for i, k in zip(part["id"], copy)]
        writer.add(part, _rows_of(predictions, source))
    writer.finish(**run_fields(model, data, {"engine": "benchmark", "rows": rows}))


def _rows_of(predictions, rows: np.ndarray):
    return type(predictions)(
        probas=predictions.probas[rows],
        cls_embedding=predictions.cls_embedding[rows],
        mean_embedding=predictions.mean_embedding[rows],
        tokens=[predictions.tokens[i] for i in rows],
        truncated=predictions.truncated[rows],
    )


def demo_source():
    """(model, data, predictions): the demo's fine-tuned classifier, its 2,000
    held-out snippets and their real predictions (read from the prediction
    store of ``$LUMEN_CACHE_DIR``, predicted there once)."""
    model = SequenceClassifier.from_pretrained(demo_model_dir("movies"))
    data = load_demo("movies")[1]
    return model, data, predict_dataset(model, data.frame, PredictionStore())


def open_in_fresh_process(folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", OPEN, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 50_000])
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        "runs built from the 2,000 demo snippets' real predictions, repeated"
    )
    model, data, predictions = demo_source()
    seconds = {}
    with tempfile.TemporaryDirectory() as root:
        for rows in args.rows:
            folder = Path(root) / f"run-{rows}"
            build_run(folder, rows, model, data, predictions)
            size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
            open_in_fresh_process(folder)  # warms the file cache
            opened = open_in_fresh_process(folder)
            seconds[rows] = opened["seconds"]
            print(
                f"{rows:>9,} rows ({size_mb:,.0f} MB on disk): open "
                f"{opened['seconds']:.2f} s (after {opened['imports']:.1f} s of "
                f"imports), peak RSS {opened['peak_mb']:,.0f} MB, "
                f"weights loaded: {opened['weights_loaded']}, "
                f"load average {os.getloadavg()[0]:.1f}"
            )
    smallest = min(seconds)
    ratios = ", ".join(
        f"{rows:,}: {seconds[rows] / seconds[smallest]:.2f}x" for rows in seconds
    )
    print(f"open time / {smallest:,} rows' open time: {ratios}")


if __name__ == "__main__":
    main()
