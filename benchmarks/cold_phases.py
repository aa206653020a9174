"""Where a cold launch of the demo spends its time, phase by phase, without a browser.

Each recipe runs in a fresh Python process on a fresh, empty cache root (the
data wheel copied in, so that the network is not timed) and does what the app
does before its first page on an empty cache: imports, the demo's data, the
quick model (the base encoder loaded, training snippets embedded, the logistic
regression fitted and saved), that model loaded, the held-out snippets
tokenised and predicted into the prediction store, the analysis frame and its
report; then one AppTest run of ``app.py`` on that cache (Streamlit's import
and the first page drawn from the stored predictions). The background
fine-tune is never started.

Recipes: ``current`` (``demo.PROBE_CONFIG``) and ``all-layers`` (the previous
recipe: all 6 layers, 500 to 2,000 snippets within 5 s), the baseline.

Usage: ``python -m benchmarks.cold_phases [--recipes current all-layers]
[--repeat N]``: the recipes take turns, N times; each phase shows its least wall
and CPU time over the N runs (the least disturbed by other work on the CPU),
and the total is their sum. It prints the machine line first and each recipe's
total and its ratio to the baseline's last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = "all-layers"
RECIPES = {
    "current": None,  # demo.PROBE_CONFIG as it is
    BASELINE: {"max_texts": 2000, "min_texts": 500, "budget_s": 5.0},
}


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


class Phases:
    """(wall, CPU) seconds per named phase, in order, each from the end of the
    previous one. CPU time is this process's, all threads: on a CPU shared with
    other work it says what a phase costs when the wall clock cannot."""

    def __init__(self) -> None:
        self.times: dict[str, tuple[float, float]] = {}
        self._last = (time.perf_counter(), time.process_time())

    def mark(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.times[name] = (now[0] - self._last[0], now[1] - self._last[1])
        self._last = now


def child(recipe: str) -> dict:
    """The phases of one cold launch in this process (the cache root is empty)."""
    phases = Phases()
    import torch  # noqa: F401
    import transformers  # noqa: F401

    from litcore.data.demo import load_demo
    from litcore.models import probe
    from litcore.models.classifier import SequenceClassifier
    from litcore.session import demo
    from litcore.session.predictions import (
        analysis_frame,
        frame_report,
        predict_dataset,
    )
    from litcore.store.predictions import PredictionStore

    phases.mark("imports (torch, transformers, litcore)")
    if RECIPES[recipe] is not None:
        demo.PROBE_CONFIG = probe.ProbeConfig(**RECIPES[recipe])
    train, held_out = load_demo("movies")
    phases.mark("demo data (wheel, split, parquet)")
    embedded = probe._embedded_sample

    def timed_embedding(*args, **kwargs):
        phases.mark("probe: base encoder loaded")
        rows, states = embedded(*args, **kwargs)
        phases.mark("probe: training snippets embedded")
        embedded_rows.append(len(rows))
        return rows, states

    embedded_rows = []

    probe._embedded_sample = timed_embedding
    folder = demo.probe_model_dir("movies")
    phases.mark("probe: fitted and saved")
    model = SequenceClassifier.from_pretrained(folder)
    model.model  # noqa: B018 (the weights load on first use)
    phases.mark("quick model loaded")
    texts = held_out.texts()
    model.tokenize(texts)
    phases.mark(f"{len(texts):,} held-out snippets tokenised (once more below)")
    predictions = predict_dataset(model, held_out.frame, PredictionStore())
    phases.mark(f"{len(texts):,} held-out snippets predicted and stored")
    frame = analysis_frame(held_out, predictions, model.labels)
    accuracy = frame_report(frame, model.labels).headline["accuracy"]
    phases.mark("analysis frame and report")
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
    phases.mark("streamlit imported")
    app.run()
    if app.exception:
        raise RuntimeError(f"The app failed: {app.exception}")
    phases.mark("first page run (AppTest, stored predictions)")
    layers = model.config.num_hidden_layers
    shown = f"{layers} layers, {embedded_rows[0]:,} training snippets"
    return {**phases.times, "_model": f"{shown}, held-out accuracy {accuracy:.4f}"}


def run_recipe(recipe: str, wheel: Path) -> dict:
    """``child(recipe)`` in a fresh process on a fresh cache root."""
    cache = Path(tempfile.mkdtemp(prefix="lumen-cold-"))
    try:
        (cache / "downloads").mkdir()
        shutil.copy(wheel, cache / "downloads")
        env = {**os.environ, "LUMEN_CACHE_DIR": str(cache)}
        command = [sys.executable, "-m", "benchmarks.cold_phases", "--child", recipe]
        done = subprocess.run(
            command, env=env, cwd=REPO, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{recipe} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)), flush=True)
        # The app run started the background fine-tune: a daemon thread that
        # may be inside torch, where an ordinary interpreter exit can abort.
        os._exit(0)
    import torch

    from benchmarks.salience import machine_line, matmul_gflops
    from litcore.data.demo import wheel_path

    print(machine_line({"fp32": matmul_gflops(torch.float32)}), flush=True)
    print(f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads; {load()}")
    wheel = wheel_path()  # the cache LUMEN_CACHE_DIR names: downloaded once
    runs = {recipe: [] for recipe in args.recipes}
    for _ in range(args.repeat):
        for recipe in args.recipes:
            runs[recipe].append(run_recipe(recipe, wheel))
            print(f"{recipe}: {runs[recipe][-1].pop('_model')} ({load()})", flush=True)
    totals = {}
    for recipe, times in runs.items():
        least = {
            name: [min(run[name][column] for run in times) for column in (0, 1)]
            for name in times[0]
        }
        totals[recipe] = [sum(column) for column in zip(*least.values())]
        print(f"\n{recipe}, least of {args.repeat}:     wall      CPU")
        for name, (wall, cpu) in least.items():
            print(f"  {wall:7.2f} s {cpu:7.2f} s  {name}")
        print(f"  {totals[recipe][0]:7.2f} s {totals[recipe][1]:7.2f} s  total")
    figures = [
        f"{name} {wall:.1f} s wall, {cpu:.1f} s CPU"
        for name, (wall, cpu) in totals.items()
    ]
    if BASELINE in totals:
        base_wall, base_cpu = totals[BASELINE]
        figures += [
            f"{name} = {wall / base_wall:.2f}x {BASELINE} wall, "
            f"{cpu / base_cpu:.2f}x CPU"
            for name, (wall, cpu) in totals.items()
            if name != BASELINE
        ]
    print("cold phases: " + "; ".join(figures) + f" ({load()})")


if __name__ == "__main__":
    main()
