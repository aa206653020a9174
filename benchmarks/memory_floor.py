"""What a process holds with the demo model in it, step by step: the floor under
``benchmarks.memory``'s peak, and what a separate model process would hold.

Run: ``LUMEN_CACHE_DIR=/tmp/lumen-base python -m benchmarks.memory_floor``

Each mode runs in a fresh interpreter and prints, after each step, the resident
set size (``VmRSS``), the change from the step before, and the peak within the
step (``VmHWM``, reset between steps by writing 5 to ``/proc/self/clear_refs``):

* ``server``: Python, the server's libraries (Streamlit, pandas, pyarrow), torch,
  transformers' model code, the demo model, 64 texts predicted, a gradient map
  (the first backward pass), then every cheap salience method with its
  faithfulness on one demo text and on a text at the model's maximum length;
* ``model``: the same work without Streamlit, as a model process beside a
  server without torch would do it.

The last line holds each mode's peak: a server without torch plus a model
process would hold the model process's peak plus the server's RSS without
torch (``benchmarks.memory``'s stage "first run (Overview), before the
weights").
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.memory import status_mb

MODES = ("server", "model")


class Steps:
    """Prints RSS, its change and the step's peak after each step."""

    def __init__(self) -> None:
        self.last_mb = status_mb("VmRSS")
        self.peak_mb = self.last_mb

    def record(self, name: str) -> None:
        rss, peak = status_mb("VmRSS"), status_mb("VmHWM")
        self.peak_mb = max(self.peak_mb, peak)
        Path("/proc/self/clear_refs").write_text("5")
        print(f"  {name:52s} {rss:6.0f} {rss - self.last_mb:+6.0f} {peak:6.0f}")
        self.last_mb = rss


def measure(mode: str) -> None:
    """The steps of ``mode`` in this (fresh) interpreter; the peak printed last."""
    steps = Steps()
    steps.record("Python")
    if mode == "server":
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import streamlit  # noqa: F401

        steps.record("streamlit, pandas, pyarrow")
    import torch  # noqa: F401

    steps.record("import torch")
    import transformers.models.bert.modeling_bert  # noqa: F401

    steps.record("transformers' BERT code (modeling_utils)")
    import pyarrow.parquet as parquet

    from litcore.models.classifier import SequenceClassifier
    from litcore.salience import METHODS, build, compatible
    from litcore.salience.faithfulness import faithfulness
    from litcore.session.demo import fine_tuned_folder
    from litcore.store.paths import cache_root

    model = SequenceClassifier.from_pretrained(fine_tuned_folder("movies"))
    model.model  # noqa: B018 (the weights load on first use)
    steps.record("litcore's modules, the demo model's weights")
    texts = (
        parquet.read_table(cache_root() / "demo" / "movies-eval.parquet")
        .column("text")
        .to_pylist()
    )
    model.predict(texts[:64])
    steps.record("64 texts predicted")
    build("Gradient L2 norm").explain(model, texts[0])
    steps.record("a gradient map (the first backward pass)")
    cheap = [name for name in compatible(model) if not METHODS[name].expensive]
    for label, text in (("a demo text", texts[0]), ("a long text", " ".join(texts))):
        for name in cheap:
            faithfulness(model, build(name).explain(model, text), "delete")
        steps.record(f"every cheap method + faithfulness, {label}")
    print(f"peak: {steps.peak_mb:.0f} MB")


def run_mode(mode: str) -> float:
    """Runs ``mode`` in a fresh interpreter, prints its steps; returns its peak."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory_floor", "--mode", mode],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"{mode} ({'step':50s} {'RSS MB':>6s} {'change':>6s} {'peak':>6s})")
    print(done.stdout, end="")
    return float(re.search(r"^peak: ([\d.]+) MB", done.stdout, re.M).group(1))


def main() -> None:
    if sys.argv[1:2] == ["--mode"]:
        measure(sys.argv[2])
        return
    peaks = {mode: run_mode(mode) for mode in MODES}
    print(
        f"peaks: server with the model {peaks['server']:.0f} MB; model process "
        f"{peaks['model']:.0f} MB, plus a server without torch (its first page: "
        f"benchmarks.memory's 'before the weights' stage) for the total"
    )


if __name__ == "__main__":
    main()
