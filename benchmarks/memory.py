"""Peak server memory with the demo, every page visited, and where it goes.

Run: ``LUMEN_CACHE_DIR=/tmp/lumen-base python -m benchmarks.memory
[--baseline DIR]`` (``DIR``: another checkout, measured first by its own
``benchmarks.memory`` in a fresh process; the ratio of the peaks is printed last).

This process is the server: Streamlit's AppTest runs ``app.py`` in it (as
``streamlit run`` would, one session) on the movie demo, then switches to every
page of the menu in turn, with an example selected so that the explanation and
editor pages compute what they show. The resident set size (``VmRSS``) is read
after the imports and after each page (and the background work it started: the
weights), with the peak (``VmHWM``) within each stage. Each stage also says how
much of its RSS is anonymous memory (the heap: data, weights, allocator slack)
rather than pages of mapped files (libraries' code), from
``/proc/self/smaps_rollup``, and which large libraries it imported.
Explanations is shown with its default methods, then with every method that
runs without a button, then with those a button runs (integrated gradients,
LIME, Kernel SHAP), pressed one after the other. The Embeddings page is shown
with PCA, then with UMAP (read from the store when the cache has it, else
fitted in a child process). A UMAP fit of the demo's embeddings in a child
process (the app's way) is timed last, not stored; child processes are not the
server, so their peak is printed on its own line. ``benchmarks.memory_floor``
breaks the floor under these figures down step by step. The breakdown: model
weights (every distinct tensor storage of every ``torch.nn.Module`` alive, so a
bf16 copy shows up), the analysis frame, Streamlit's data caches
(``st.cache_data`` entries, by function) and the rest (libraries, allocator
slack). The machine line comes first, the ratios last: to
the 600 MB target, to 1.14 GB measured before (bf16 CPU, fp32 and bf16 weight
copies), and to this run's own RSS after the imports (the floor no data or
model adds to).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import threading
import time
from pathlib import Path

from benchmarks.baseline import baseline_figure

REPO = Path(__file__).resolve().parents[1]
TARGET_MB, BEFORE_MB = 600.0, 1140.0
MB = 1024 * 1024


def status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in MB."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) / 1024


def anonymous_mb() -> float:
    """Anonymous resident memory (heap, not mapped files) of this process, MB."""
    text = Path("/proc/self/smaps_rollup").read_text()
    return int(re.search(r"^Anonymous:\s+(\d+) kB", text, re.M).group(1)) / 1024


# Libraries whose import costs tens of MB, reported when a stage first loads them.
LIBRARIES = (
    "pandas",
    "altair",
    "plotly",
    "pyarrow",
    "scipy",
    "sklearn",
    "torch",
    "transformers.modeling_utils",
    "umap",
    "numba",
)


class Stages:
    """RSS, anonymous RSS, the peak RSS within the stage and newly imported
    libraries after each stage (the peak is reset between stages by writing 5
    to ``/proc/self/clear_refs``; ``peak_mb`` keeps the largest)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float, str]] = []
        self._loaded: set[str] = set()
        self.peak_mb = 0.0

    def record(self, name: str) -> None:
        loaded = {module for module in LIBRARIES if module in sys.modules}
        new = ", ".join(sorted(loaded - self._loaded))
        self._loaded |= loaded
        peak = status_mb("VmHWM")
        self.peak_mb = max(self.peak_mb, peak)
        Path("/proc/self/clear_refs").write_text("5")
        self.rows.append((name, status_mb("VmRSS"), anonymous_mb(), peak, new))

    def print(self) -> None:
        print(f"{'stage':44s} {'RSS MB':>7s} {'anon':>6s} {'peak':>6s}  new libraries")
        for name, rss, anon, peak, new in self.rows:
            print(f"{name:44s} {rss:7.0f} {anon:6.0f} {peak:6.0f}  {new}")


def menu_pages() -> list[str]:
    """The page files app.py registers, in menu order."""
    return re.findall(
        r'st\.Page\(\s*"(pages/[a-z_]+\.py)"', (REPO / "app.py").read_text()
    )


def weights_mb() -> dict[str, float]:
    """MB of distinct parameter and buffer storages per dtype, over every live
    ``torch.nn.Module`` (shared storages counted once)."""
    import torch

    seen: set[int] = set()
    by_dtype: dict[str, float] = {}
    for module in [o for o in gc.get_objects() if isinstance(o, torch.nn.Module)]:
        for tensor in [*module.parameters(recurse=False), *module.buffers(False)]:
            storage = tensor.untyped_storage()
            if storage.data_ptr() in seen or storage.device.type != "cpu":
                continue
            seen.add(storage.data_ptr())
            name = str(tensor.dtype).removeprefix("torch.")
            by_dtype[name] = by_dtype.get(name, 0.0) + storage.nbytes() / MB
    return by_dtype


def data_caches_mb() -> dict[str, float]:
    """MB held by each ``st.cache_data`` function (Streamlit's own accounting)."""
    from streamlit.runtime.caching.cache_data_api import get_data_cache_stats_provider

    sizes: dict[str, float] = {}
    families = get_data_cache_stats_provider().get_stats()
    for stat in (stat for stats in families.values() for stat in stats):
        name = stat.cache_name.rsplit(".", 1)[-1]
        sizes[name] = sizes.get(name, 0.0) + stat.byte_length / MB
    return sizes


def finish_background_work() -> None:
    """Waits for the app's background threads (weights, UMAP's compilation), so
    that each page's figure includes the work it started."""
    for thread in threading.enumerate():
        if thread.name.startswith("lumen-"):
            thread.join()


def visit_every_page(stages: Stages) -> object:
    """Records each page of the menu in ``stages``; returns the app's session."""
    from streamlit.testing.v1 import AppTest

    from litcore.ui import state
    from litcore.view.selection import Selection

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=900).run()
    if at.exception:
        raise SystemExit(f"The app failed: {at.exception}")
    ids = at.session_state[state.WORKSPACE].frame["id"].tolist()
    at.session_state[state.SELECTION] = Selection().select(ids[:3]).with_primary(ids[0])
    stages.record("first run (Overview), before the weights")
    finish_background_work()
    stages.record("first run (Overview), weights loaded")
    for page in menu_pages():
        started = time.perf_counter()
        at.switch_page(page).run()
        finish_background_work()
        failed = " (failed)" if at.exception else ""
        name = f"{Path(page).stem}{failed}, {time.perf_counter() - started:.1f} s"
        stages.record(name)
        if page == "pages/explain.py":  # every cheap method, not just the default
            methods = at.multiselect(key="explain_methods")
            methods.set_value(list(methods.options)).run()
            stages.record(f"explain with every cheap method{failed}")
            for key in [b.key for b in at.button if b.label.startswith("Run ")]:
                at.button(key=key).click().run()  # IG, LIME, Kernel SHAP
            stages.record(f"explain with the expensive methods too{failed}")
        if page == "pages/projection.py":
            at.radio(key="proj_method").set_value("UMAP").run()
            finish_background_work()
            stages.record(f"projection with UMAP{failed}")
            at.radio(key="proj_method").set_value("PCA").run()
    return at


def child_umap_fit(at) -> str:
    """A UMAP fit of the demo's mean embeddings in a child process, as the app
    fits one that is not stored: seconds and the child's peak RSS."""
    from litcore.projection import UMAPProjection
    from litcore.projection_child import fit_in_child
    from litcore.ui import cached, state

    workspace = at.session_state[state.WORKSPACE]
    model, frame = workspace.model, workspace.frame
    vectors = cached.embeddings(
        model.fingerprint, workspace.data.fingerprint, "mean_embedding", model, frame
    )
    started = time.perf_counter()
    peak = fit_in_child(UMAPProjection(), vectors).peak_rss_mb
    seconds = time.perf_counter() - started
    return f"{len(vectors)} points in {seconds:.1f} s, child peak RSS {peak:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare")
    args = parser.parse_args()
    base_peak = None
    if args.baseline:
        base_peak, output = baseline_figure(
            args.baseline,
            "benchmarks.memory",
            [],
            r"peak RSS \(VmHWM, all stages\): ([\d.]+) MB",
        )
        print("".join(f"baseline | {line}\n" for line in output.splitlines()))
    started = time.perf_counter()
    import streamlit.testing.v1  # noqa: F401

    import litcore.ui.sidebar  # noqa: F401 (what app.py imports)
    import litcore.ui.workspace  # noqa: F401

    imports_mb = status_mb("VmRSS")
    imports_s = time.perf_counter() - started
    stages = Stages()
    stages.record(f"after the imports ({imports_s:.1f} s)")
    at = visit_every_page(stages)
    peak_mb = stages.peak_mb
    umap_fit = child_umap_fit(at)
    from litcore.ui import state

    workspace = at.session_state[state.WORKSPACE]
    frame_mb = workspace.frame.memory_usage(deep=True).sum() / MB
    weights = weights_mb()
    caches = data_caches_mb()

    import torch

    from benchmarks.salience import machine_line, matmul_gflops
    from litcore.models.precision import bf16_supported

    gflops = {"fp32": matmul_gflops(torch.float32)}
    if bf16_supported():
        gflops["bf16"] = matmul_gflops(torch.bfloat16)
    print(machine_line(gflops))
    threads = torch.get_num_threads()
    print(f"load average {os.getloadavg()[0]:.1f}; torch threads {threads}")
    stages.print()
    print(f"peak RSS (VmHWM, all stages): {peak_mb:.0f} MB")
    print(f"a UMAP fit in a child process: {umap_fit}")
    print("breakdown:")
    for dtype, size in weights.items():
        print(f"  model weights, {dtype:10s}       {size:7.1f} MB")
    print(f"  analysis frame ({len(workspace.frame)} rows)  {frame_mb:7.1f} MB")
    for name, size in sorted(caches.items(), key=lambda item: -item[1]):
        if size >= 0.1:
            print(f"  st.cache_data {name:24s} {size:7.1f} MB")
    print(
        f"ratios: peak {peak_mb:.0f} MB = {peak_mb / TARGET_MB:.2f}x the "
        f"{TARGET_MB:.0f} MB target, {peak_mb / BEFORE_MB:.2f}x the "
        f"{BEFORE_MB:.0f} MB before (bf16 CPU), {peak_mb / imports_mb:.2f}x the "
        f"RSS after the imports"
        + (f"; now / baseline {peak_mb / base_peak:.2f}x" if base_peak else "")
    )


if __name__ == "__main__":
    main()
