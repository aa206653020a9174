"""Open a given model: a fine-tuned folder + N examples from a CSV, to the first page.

Run: ``LUMEN_CACHE_DIR=/tmp/lumen-base python -m benchmarks.open_model
[--model DIR] [--examples 2000]`` (default model: the demo's fine-tuned MiniLM,
prepared in the cache; default data: the demo's held-out snippets as a CSV).

Each figure comes from a new process running the app's own path, as a server
does: ``app.py`` in Streamlit's AppTest with the ``LUMEN_DATA``/``LUMEN_MODEL``
startup choice (what the sidebar's Load button opens too), over a new, empty
cache root. "open" is the first run there (nothing stored): with
``first_rows.EARLY_FROM`` new rows or more the first page shows the first
``FIRST_ROWS`` while a background job predicts them all, and "then every row"
is when the rerun after that job shows them all; "warm" a new process on the
same cache (a warm launch: predictions read from the store). Each is split
into phases, timed by wrapping the core's functions (exclusive: a phase nested
in another is not counted twice); "streamlit and the page" is the rest of the
run. The in-run baseline is the model's own warm ``predict`` over the same
texts, without the app (the floor of the open path).
The machine line comes first, the ratios last.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S, REFERENCE_S = 3.0, 13.5  # issue 18's target; Lumen at 3d506b1 (bf16 CPU)
# The name of the job predicting the rows after the first (its thread's name).
BACKGROUND_JOB = "predict "


class PhaseTimer:
    """Wall time per phase, exclusive of the phases nested inside it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stack: list[list[float]] = []  # [started, nested seconds]

    def wrap(self, phase: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def timed(*args, **kwargs):
            if threading.current_thread().name.startswith(BACKGROUND_JOB):
                return function(*args, **kwargs)  # timed as a whole, below
            self._stack.append([time.perf_counter(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                started, nested = self._stack.pop()
                elapsed = time.perf_counter() - started
                self.seconds[phase] = self.seconds.get(phase, 0.0) + elapsed - nested
                if self._stack:
                    self._stack[-1][1] += elapsed

        return timed

    def patch(self, phase: str, owner, name: str) -> None:
        """Times ``owner.name`` (a function, method or property) as ``phase``."""
        attribute = owner.__dict__[name]
        if isinstance(attribute, property):
            timed = property(self.wrap(phase, attribute.fget))
        elif isinstance(attribute, classmethod):
            timed = classmethod(self.wrap(phase, attribute.__func__))
        else:
            timed = self.wrap(phase, attribute)
        setattr(owner, name, timed)


def _instrument(timer: PhaseTimer) -> None:
    """Wraps the functions of each phase of opening a model (in this process)."""
    from litcore import projection
    from litcore.models import classifier
    from litcore.session import predictions
    from litcore.store import predictions as store
    from litcore.ui import workspace

    model_class = classifier.SequenceClassifier
    for phase, owner, name in [
        ("read the data file", workspace, "read_source_dataset"),
        ("config and tokenizer", model_class, "from_pretrained"),
        # transformers imports its model code (modeling_utils, about 2.6 s on 2
        # cores) only when the weights load: that import is counted here.
        ("model code and weights", model_class, "model"),
        ("bf16 copy", model_class, "inference_model"),
        ("tokenisation", model_class, "tokenize"),
        ("forward passes", model_class, "forward"),
        ("predict: the rest", model_class, "predict"),
        ("store read", store.PredictionStore, "get"),
        ("store write", store.PredictionStore, "put"),
        ("frame build", predictions, "analysis_frame"),
        ("projection", projection, "stored_projection"),
    ]:
        timer.patch(phase, owner, name)


def run_app(data: Path, model: str, columns: tuple[str, str]) -> dict:
    """One AppTest run of app.py opening ``model`` on ``data``: seconds per phase."""
    os.environ.update(
        LUMEN_DATA=str(data),
        LUMEN_TEXT=columns[0],
        LUMEN_LABEL=columns[1],
        LUMEN_MODEL=model,
    )
    started = time.perf_counter()
    import litcore.ui.sidebar  # noqa: F401 (what app.py imports)
    import litcore.ui.workspace  # noqa: F401

    imports = time.perf_counter() - started
    from streamlit.testing.v1 import AppTest

    timer = PhaseTimer()

    _instrument(timer)
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=900)
    run_started = time.perf_counter()
    app.run()
    run_seconds = time.perf_counter() - run_started
    if app.exception or app.error:
        messages = [e.value for e in app.exception] + [e.value for e in app.error]
        raise SystemExit(f"The app failed: {messages}")
    shown = [m.value for m in app.metric]
    phases = dict(timer.seconds)
    phases["streamlit and the page"] = run_seconds - sum(phases.values())
    phases["imports (the app's modules)"] = imports
    total = time.perf_counter() - started
    return {"total": total, "phases": phases, "shown": shown} | _all_rows(app, started)


def _all_rows(app, started: float) -> dict:
    """When the first page showed only the first rows: seconds from the start
    until the rerun that shows them all (after the background job) is drawn."""
    from litcore.session import background
    from litcore.ui import state

    workspace = app.session_state[state.WORKSPACE]
    if workspace.rest_job is None:
        return {}
    background.find(workspace.rest_job).wait()
    app.run()
    return {
        "all_rows": time.perf_counter() - started,
        "shown_all": [m.value for m in app.metric],
    }


def forward_floor(model: str, texts: list[str]) -> float:
    """Seconds of the model's own batched ``predict`` over ``texts``, warm and
    without the app, the store or the frame: what opening cannot go below."""
    from litcore.models.classifier import SequenceClassifier

    classifier = SequenceClassifier.from_pretrained(model)
    classifier.predict(texts[:64])  # the weights and per-shape set-up outside
    started = time.perf_counter()
    classifier.predict(texts)
    return time.perf_counter() - started


def _child(args: argparse.Namespace) -> dict:
    os.environ["LUMEN_CACHE_DIR"] = args.cache
    return run_app(Path(args.data), args.model, ("sentence", "label"))


def _in_new_process(args: argparse.Namespace, cache: Path, data: Path) -> dict:
    command = [sys.executable, "-m", "benchmarks.open_model", "--child"]
    command += ["--cache", str(cache), "--data", str(data), "--model", args.model]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_data(folder: Path, examples: int) -> tuple[Path, list[str]]:
    """The demo's held-out snippets (``examples`` of them) as a CSV."""
    from litcore.data.demo import load_demo

    _, held_out = load_demo("movies")
    frame = held_out.frame.head(examples)
    path = folder / f"snippets_{len(frame)}.csv"
    frame.rename(columns={"text": "sentence"})[["sentence", "label"]].to_csv(
        path, index=False
    )
    return path, frame["text"].tolist()


def _print_run(name: str, result: dict) -> None:
    print(f"{name}: {result['total']:.2f} s in all; the page shows {result['shown']}")
    if "all_rows" in result:
        print(
            f"  then every row, predicted in the background: {result['all_rows']:.2f}"
            f" s from the start; the page shows {result['shown_all']}"
        )
    for phase, seconds in sorted(result["phases"].items(), key=lambda p: -p[1]):
        if seconds >= 0.005:
            print(f"  {phase:40s} {seconds:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a fine-tuned classifier folder")
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args)))
        return
    import torch

    from benchmarks.salience import machine_line, matmul_gflops
    from litcore.models.precision import bf16_supported
    from litcore.session.demo import demo_model_dir

    gflops = {"fp32": matmul_gflops(torch.float32)}
    if bf16_supported():
        gflops["bf16"] = matmul_gflops(torch.bfloat16)
    print(machine_line(gflops))
    args.model = args.model or str(demo_model_dir("movies"))
    with tempfile.TemporaryDirectory(prefix="lumen-open-") as folder:
        data, texts = _write_data(Path(folder), args.examples)
        cache = Path(folder) / "cache"
        print(
            f"{len(texts)} examples, model {args.model}; torch threads "
            f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}"
        )
        opened = _in_new_process(args, cache, data)
        warm = _in_new_process(args, cache, data)
        floor = forward_floor(args.model, texts)
    _print_run("open (new process, empty cache)", opened)
    _print_run("warm launch (new process, predictions stored)", warm)
    print(f"the model's predict alone, warm (the floor): {floor:.2f} s")
    print(
        f"ratios: open {opened['total']:.2f} s = {opened['total'] / floor:.2f}x the "
        f"predict floor, {opened['total'] / TARGET_S:.2f}x the {TARGET_S:.0f} s "
        f"target, {opened['total'] / REFERENCE_S:.2f}x the {REFERENCE_S} s before "
        f"(bf16 CPU); warm {warm['total']:.2f} s = {warm['total'] / TARGET_S:.2f}x "
        f"the target, {warm['total'] / opened['total']:.2f}x open"
    )
    if "all_rows" in opened:
        every = opened["all_rows"]
        print(f"every row shown at {every:.2f} s = {every / floor:.2f}x the floor")


if __name__ == "__main__":
    main()
