"""Server time per interaction at 2k, 10k and 50k rows, through the app itself.

The datasets are the demo's movie snippets (eval then train, 10,568 real
texts) repeated past that size, each repeat perturbed by letter case only
(seeded), so every row is a distinct text that the uncased demo model reads as
the same tokens as its original.
They are written as Parquet under ``<cache>/scale/`` and opened the way a
server opens ``--data``: ``LUMEN_DATA``/``LUMEN_TEXT``/``LUMEN_LABEL``/
``LUMEN_METADATA``/``LUMEN_MODEL`` and ``app.py`` in an AppTest (with
``tests/conftest.py``'s navigation patch).

Predictions come from one real pass of the demo's fine-tuned MiniLM over the
10,568 real snippets (those its demo store lacks), stored in the prediction
store of the benchmark's own cache root (``--cache``, default
``/tmp/lumen-scale``) as the app stores them; each repeat is stored with its
original's prediction, and 200 repeats are predicted for real to show that they
match (printed). The first run pays that pass and prints its rate; later runs
read the store. Smaller sizes are prefixes of the largest.

Each interaction is timed in wall-clock and in the process's CPU time (the
latter is less swayed by other load on the machine). Each size runs in a
fresh process (for its peak RSS). ``--baseline DIR`` runs
the same measurements with the code of another checkout (e.g. a ``git
worktree`` of an older commit) for the smallest size and, if asked, others.

A dataset of 1,000 rows or more gets a compact snapshot of its predictions
(``litcore.store.snapshots``, under ``<cache>/snapshots/``) on its first read:
``--fresh-snapshots`` deletes them before each size, so the first run of the
checkout pays that write and ``--repeat 2`` shows a later launch reading it.

``--runs`` opens runs instead (``LUMEN_RUN``, no model weights loaded), built
once under ``<cache>/runs/`` as ``benchmarks.run_open`` builds them: the 2,000
held-out snippets' real predictions, repeated with a numbered suffix on each
text (a 1,000,000-row run is about 2 GB on disk).

Usage: ``python -m benchmarks.scale [--sizes 2000,10000,50000 | --runs
2000,1000000] [--baseline DIR [--baseline-cache COPY]] [--repeat N]
[--fresh-snapshots]``
The last line holds the ratios to the smallest size and to the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path("/tmp/lumen-scale")
# Where the demo is prepared: LUMEN_DEMO_CACHE, else LUMEN_CACHE_DIR, else the default.
DEMO_CACHE = Path(
    os.environ.get("LUMEN_DEMO_CACHE")
    or os.environ.get("LUMEN_CACHE_DIR")
    or Path.home() / ".cache" / "lumen"
)
SIZES = (2_000, 10_000, 50_000)
BAR_MS = 150.0

BACKGROUND = "weights load (background)"
# Figures of a run that are not clicks.
NOT_CLICKS = ("open", BACKGROUND, "peak_rss_mb")
# Runs in a fresh process with cwd = the checkout measured; prints one JSON line.
MEASURE = (
    f"BACKGROUND = {BACKGROUND!r}\n"
    + r"""
import json, os, sys, threading, time
sys.path.insert(0, "tests")
import conftest
from streamlit.testing.v1 import AppTest
from litcore.view.selection import Selection
from litcore.view.cells import cell_ids

navigation = conftest.navigation_mode_as_in_a_server.__wrapped__()
next(navigation)
scan = conftest.component_manifests_scanned_once.__wrapped__()
next(scan)
figures = {}
cpu = {}  # the process's CPU time per interaction: less swayed by other load

peak = {}  # the process's peak RSS (MB) after each interaction

def peak_mb():
    # VmHWM, not ru_maxrss: Linux carries the parent's peak over the exec, so
    # ru_maxrss counted the benchmark's own predictions and model (1,056 MB at 2k).
    status = open("/proc/self/status").read()
    return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 0)

def timed(name, run):
    started, started_cpu = time.perf_counter(), time.process_time()
    result = run()
    figures[name] = round((time.perf_counter() - started) * 1000, 1)
    cpu[name] = round((time.process_time() - started_cpu) * 1000, 1)
    peak[name] = peak_mb()
    assert not at.exception, (name, [e.message for e in at.exception])
    return result

def key_like(prefix):
    fingerprint = at.session_state["lumen_workspace"].data.fingerprint
    return f"{prefix}{fingerprint[:8]}"

at = AppTest.from_file("app.py", default_timeout=900)
timed("open", at.run)

def weights_loaded():
    for thread in threading.enumerate():
        if thread.name.startswith("lumen-weights-load-"):
            thread.join()

# After the first page the app loads the model's weights in a thread of this
# process; clicks are timed once it is done (during it they wait on the GIL).
timed(BACKGROUND, weights_loaded)
timed("rerun", at.run)
timed("rerun again", at.run)
mis = key_like("f_mis_")
at.toggle(key=mis).set_value(True)
timed("filter on", at.run)
at.toggle(key=mis).set_value(False)
timed("filter off", at.run)
search = key_like("f_search_")
at.text_input(key=search).input("good")
timed("text search", at.run)
at.text_input(key=search).input("")
timed("search cleared", at.run)
at.switch_page("pages/table.py")
timed("table page", at.run)
timed("table rerun", at.run)
if any(w.key == "table_page" for w in at.number_input):
    at.number_input(key="table_page").set_value(3)
    timed("table next page", at.run)
if any(w.key == "table_sort" for w in at.selectbox):
    at.selectbox(key="table_sort").set_value("confidence")
    timed("table sort", at.run)
at.switch_page("pages/metrics.py")
timed("metrics page", at.run)
workspace = at.session_state["lumen_workspace"]

def click_cell():
    ids = cell_ids(workspace.frame, [{"gold": "negative", "pred": "positive"}],
                   {"gold": "label", "pred": "pred"})
    at.session_state["lumen_selection"] = Selection().select(ids)
    at.run()

timed("confusion click", click_cell)
timed("metrics rerun", at.run)
at.selectbox(key="metrics_facet_field").set_value("length")
timed("facet field", at.run)
at.text_input(key="slice_name").input(f"bench {os.getpid()}")
at.button(key="slice_save_selection").click()
timed("metrics with a slice", at.run)
at.switch_page("pages/scalars.py")
timed("scalars page", at.run)
timed("scalars rerun", at.run)
at.switch_page("pages/projection.py")
timed("embeddings PCA first", at.run)
timed("embeddings PCA again", at.run)
at.switch_page("pages/overview.py")
timed("overview page", at.run)
at.button(key="slice_delete_0").click().run()  # the benchmark's slice
figures["peak_rss_mb"] = peak_mb()
print(json.dumps({"wall": figures, "cpu": cpu, "peak": peak}))
"""
)


def recased(text: str, rng: np.random.Generator) -> str:
    """``text`` with the letter case of some ASCII words changed (at least one).

    The demo model's tokenizer is uncased, so the model sees the same tokens:
    its stored prediction for ``text`` is its prediction for the result.
    """
    words = text.split()
    ascii_words = [i for i, w in enumerate(words) if w.isascii() and w.isalpha()]
    if not ascii_words:
        return text.upper() if text.isascii() else text
    for i in ascii_words:
        if rng.random() < 0.3:
            words[i] = words[i].upper() if rng.random() < 0.5 else words[i].title()
    first = ascii_words[0]
    if " ".join(words) == text:
        words[first] = words[first].swapcase()
    return " ".join(words)


def real_snippets() -> pd.DataFrame:
    """The demo's 10,568 movie snippets (held-out first), with label and rating."""
    parts = [
        pd.read_parquet(DEMO_CACHE / "demo" / f"movies-{split}.parquet")
        for split in ("eval", "train")
    ]
    return pd.concat(parts, ignore_index=True)[["text", "label", "rating"]]


def scale_dataset(size: int, seed: int = 0) -> pd.DataFrame:
    """``size`` rows: the real snippets, then recased repeats of them (row ``i``
    repeats real row ``i % 10,568``)."""
    real = real_snippets()
    rng = np.random.default_rng(seed)
    rows = [real]
    total = len(real)
    while total < size:
        copy = real.copy()
        copy["text"] = [recased(t, rng) for t in copy["text"]]
        rows.append(copy)
        total += len(copy)
    return pd.concat(rows, ignore_index=True).iloc[:size].reset_index(drop=True)


def dataset_path(cache: Path, size: int) -> Path:
    """Where ``prepare`` writes the dataset of ``size`` rows."""
    return cache / "scale" / f"movies-{size}.parquet"


def app_settings(cache: Path, data: Path, model_dir: str) -> dict[str, str]:
    """The ``LUMEN_*`` variables that open ``data`` with ``model_dir`` on the cache
    root ``cache``, as a server given ``--data`` and ``--model`` does."""
    return {
        "LUMEN_CACHE_DIR": str(cache),
        "LUMEN_DATA": str(data),
        "LUMEN_TEXT": "text",
        "LUMEN_LABEL": "label",
        "LUMEN_METADATA": "rating",
        "LUMEN_MODEL": model_dir,
    }


def run_path(cache: Path, rows: int) -> Path:
    """Where ``prepare_runs`` builds the run of ``rows`` rows."""
    return cache / "runs" / f"run-{rows}"


def prepare_runs(sizes: list[int], cache: Path) -> dict:
    """Builds the runs of ``sizes`` rows that ``cache`` lacks (a folder without
    a manifest is an unfinished build, made again); returns each one's seconds
    to build (None: already built) and size on disk."""
    from benchmarks.run_open import build_run, demo_source
    from litcore.store.run import MANIFEST

    os.environ["LUMEN_CACHE_DIR"] = str(DEMO_CACHE)
    source = None
    figures = {}
    for size in sizes:
        folder = run_path(cache, size)
        seconds = None
        if not (folder / MANIFEST).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            source = source or demo_source()
            started = time.perf_counter()
            build_run(folder, size, *source)
            seconds = round(time.perf_counter() - started, 1)
        disk = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
        figures[size] = {"built_s": seconds, "disk_mb": round(disk)}
    os.environ["LUMEN_CACHE_DIR"] = str(cache)
    return figures


def prepare(sizes: list[int], cache: Path, checked: int = 200) -> dict:
    """Writes the datasets and stores a prediction for every row of the largest.

    One real pass of the demo model over the real snippets (those the demo's
    store lacks); each recased repeat gets its real row's prediction, and
    ``checked`` repeats are predicted for real to show they match.
    """
    from litcore.data.dataset import ColumnMapping, from_frame
    from litcore.models.classifier import SequenceClassifier
    from litcore.session.demo import demo_model_dir
    from litcore.session.predictions import predict_dataset
    from litcore.store.predictions import PredictionStore

    largest = scale_dataset(max(sizes))
    for size in sizes:
        path = dataset_path(cache, size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            largest.iloc[:size].to_parquet(path, index=False)
    os.environ["LUMEN_CACHE_DIR"] = str(DEMO_CACHE)
    model_dir = str(demo_model_dir("movies"))
    model = SequenceClassifier.from_pretrained(model_dir)
    mapping = ColumnMapping(text="text", label="label", metadata=("rating",))
    data = from_frame(largest, mapping).frame
    ids = data["id"].tolist()
    store = PredictionStore(cache / "predictions.sqlite")
    figures: dict = {"model_dir": model_dir, "rows": len(ids)}
    if not store.missing(model.fingerprint, ids):
        return figures
    real = data.iloc[: len(real_snippets())]
    demo_store = PredictionStore(DEMO_CACHE / "predictions.sqlite")
    stored = [i for i in real["id"] if not demo_store.missing(model.fingerprint, [i])]
    if stored:
        store.put(
            model.fingerprint, stored, demo_store.get(model.fingerprint, stored)[0]
        )
    started = time.perf_counter()
    predictions = predict_dataset(model, real, store)
    seconds = time.perf_counter() - started
    figures["real_pass"] = {
        "predicted": len(real) - len(stored),
        "seconds": round(seconds, 1),
        "examples_per_s": round((len(real) - len(stored)) / seconds, 0),
    }
    for start in range(len(real), len(data), len(real)):
        repeats = data.iloc[start : start + len(real)]
        rows = np.arange(len(repeats))
        store.put(model.fingerprint, repeats["id"].tolist(), _rows(predictions, rows))
    sample = np.random.default_rng(1).choice(
        np.arange(len(real), len(data)), min(checked, len(data) - len(real)), False
    )
    if len(sample):
        fresh = model.predict(data["text"].iloc[sample].tolist())
        copied, _ = store.get(model.fingerprint, data["id"].iloc[sample].tolist())
        figures["recased_checked"] = {
            "rows": len(sample),
            "max_abs_diff_probas": float(np.abs(fresh.probas - copied.probas).max()),
            "same_tokens": fresh.tokens == copied.tokens,
        }
    os.environ["LUMEN_CACHE_DIR"] = str(cache)
    return figures


def _rows(predictions, rows: np.ndarray):
    """The predictions of ``rows`` (a ``Predictions`` of those rows only)."""
    from dataclasses import fields

    return type(predictions)(
        **{
            f.name: (
                getattr(predictions, f.name)[rows]
                if isinstance(getattr(predictions, f.name), np.ndarray)
                else [getattr(predictions, f.name)[i] for i in rows]
            )
            for f in fields(predictions)
        }
    )


def measure(checkout: Path, settings: dict[str, str]) -> dict:
    """``MEASURE``'s figures for the code in ``checkout``, in a fresh process
    whose app opens what the ``LUMEN_*`` ``settings`` name."""
    environment = os.environ | settings | {"PYTHONPATH": str(checkout)}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE],
        capture_output=True,
        text=True,
        cwd=checkout,
        env=environment,
    )
    if result.returncode:
        opened = settings.get("LUMEN_RUN") or settings["LUMEN_DATA"]
        raise RuntimeError(f"{checkout} on {opened}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine_line() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in flags.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    isa = [
        f
        for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16")
        if f" {f}" in flags
    ]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"machine: {model}, {os.cpu_count()} cores, {' '.join(isa)}; "
        f"load {load}; python {platform.python_version()}"
    )


def print_table(results: dict[str, dict], kind: str, title: str) -> None:
    """One row per interaction, one column per run; ``kind``: "wall", "cpu" or
    "peak" (the peak RSS after it, MB)."""
    names = list(dict.fromkeys(n for r in results.values() for n in r[kind]))
    print(f"{title:28}" + "".join(f"{c:>16}" for c in results))
    for name in names:
        cells = "".join(
            f"{results[c][kind].get(name, float('nan')):>16.0f}" for c in results
        )
        print(f"{name:28}{cells}")


def median_of_runs(results: dict[str, dict], size: str, kind: str) -> dict:
    """Per interaction, the median over this checkout's runs of ``size``."""
    runs = [r[kind] for label, r in results.items() if label.split(" #")[0] == size]
    return {name: float(np.median([run[name] for run in runs])) for name in runs[0]}


def summary(results: dict[str, dict], kind: str, smallest: str, largest: str) -> str:
    """In ``kind`` time, medians over the runs: the slowest click at the largest
    size, every click over the bar or growing 2x or more from the smallest, and
    the sums of the clicks against the baseline's."""
    large = median_of_runs(results, largest, kind)
    small = median_of_runs(results, smallest, kind)
    clicks = [n for n in large if n not in NOT_CLICKS and "first" not in n]
    worst = max(clicks, key=lambda n: large[n])
    growth = {n: large[n] / max(small.get(n, 1.0), 1.0) for n in clicks}
    over = [n for n in clicks if large[n] > BAR_MS] or ["none"]
    grown = [n for n in clicks if growth[n] >= 2] or ["none"]
    line = (
        f"{kind}: at {largest} slowest click {worst} {large[worst]:.0f} ms "
        f"({large[worst] / BAR_MS:.2f}x the {BAR_MS:.0f} ms bar); most growth "
        f"{max(growth.values()):.2f}x {smallest}; over the bar: {', '.join(over)}; "
        f"2x or more: {', '.join(grown)}"
    )
    for size in (smallest, largest):
        if f"base {size}" in results:
            now = median_of_runs(results, size, kind)
            base = results[f"base {size}"][kind]
            shared = [n for n in clicks if n in base]
            ratio = sum(now[n] for n in shared) / max(sum(base[n] for n in shared), 1)
            line += f"; {size} now / base {ratio:.2f}x"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument(
        "--runs", help="sizes of runs to open instead of datasets (e.g. 2000,1000000)"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare")
    parser.add_argument(
        "--baseline-sizes", default=str(SIZES[0]), help="sizes measured on it"
    )
    parser.add_argument(
        "--baseline-cache",
        type=Path,
        help="a copy of --cache for the baseline (an older checkout may not "
        "write to a store this one has changed)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of this checkout per size"
    )
    parser.add_argument(
        "--fresh-snapshots",
        action="store_true",
        help="delete <cache>/snapshots before each size (the first run writes)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in (args.runs or args.sizes).split(","))
    print(machine_line())
    if args.runs:
        prepared = prepare_runs(sizes, args.cache)
    else:
        prepared = prepare(sizes, args.cache)
    print(f"prepared: {json.dumps(prepared)}")

    def settings(size: int, cache: Path) -> dict[str, str]:
        if args.runs:
            return {
                "LUMEN_CACHE_DIR": str(cache),
                "LUMEN_RUN": str(run_path(args.cache, size)),
            }
        data = dataset_path(args.cache, size)
        return app_settings(cache, data, prepared["model_dir"])

    results: dict[str, dict] = {}
    for size in sizes:
        if args.baseline:
            baseline_sizes = {int(s) for s in args.baseline_sizes.split(",")}
            if size in baseline_sizes:
                results[f"base {size:,}"] = measure(
                    args.baseline, settings(size, args.baseline_cache or args.cache)
                )
        if args.fresh_snapshots:
            shutil.rmtree(args.cache / "snapshots", ignore_errors=True)
        for run in range(args.repeat):
            label = f"{size:,}" + (f" #{run + 1}" if run else "")
            results[label] = measure(REPO, settings(size, args.cache))
        print(f"{size:,} done; {machine_line()}", flush=True)
    print_table(results, "wall", "wall ms (RSS MB)")
    print_table(results, "cpu", "cpu ms")
    print_table(results, "peak", "peak RSS MB after")
    smallest, largest = f"{sizes[0]:,}", f"{sizes[-1]:,}"
    print(f"{machine_line()}")
    print(
        f"{summary(results, 'wall', smallest, largest)} | "
        f"{summary(results, 'cpu', smallest, largest)} | "
        f"peak RSS {median_of_runs(results, largest, 'wall')['peak_rss_mb']:.0f} MB "
        "(medians over the runs; open, the background weights load and the first "
        "Embeddings visit left out)"
    )


if __name__ == "__main__":
    main()
