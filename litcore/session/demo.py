"""The embedded demo: a built-in dataset plus MiniLM fine-tuned on it, cached.

On an empty cache the app first shows the demo with a linear probe (seconds:
``quick_demo_model``) and fine-tunes in the background, once per process
(``improve_in_background``); ``prepare_demo`` (the CLI's ``prepare-demo``) makes
both ahead of time.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

from litcore.data.dataset import Dataset
from litcore.data.demo import load_demo
from litcore.metrics.classification import classification_report
from litcore.models.outputs import ProgressFn
from litcore.models.probe_config import ProbeConfig
from litcore.models.training_config import (
    ProgressFn as TrainProgressFn,
)
from litcore.models.training_config import (
    TrainConfig,
    base_model_dir,
    read_training_info,
    trained_model_dir,
)
from litcore.session import background
from litcore.session.predictions import predicted_fields
from litcore.session.progress import SessionProgress
from litcore.store.paths import cache_root
from litcore.store.predictions import PredictionStore

if TYPE_CHECKING:  # a warm launch finds the demo's model without torch
    from litcore.models.classifier import SequenceClassifier

# Dropout off: a short run needs no regularisation (+1.3 points of held-out
# accuracy at one epoch). 1.4 epochs at 7e-5 gave 0.8615 / 0.859 on two seeds,
# against 0.856 / 0.858 for one epoch at 1e-4, in 92-106 s of training on
# 2 cores; 1.75 epochs (0.86) made the first launch 161 s, over its 150 s.
DEMO_CONFIG = TrainConfig(
    epochs=1.4, learning_rate=7e-5, batch_size=32, max_length=64, dropout=0.0
)


# The quick model: logistic regression on [CLS] after the first 3 of the frozen
# encoder's 6 layers, fitted on 500 to 1,000 training snippets (as many as 3 s of
# embedding allows). Held-out accuracy over six disjoint samples of 500: 0.682
# (0.667-0.713), of 1,000: 0.700; all 6 layers on 500 texts gave 0.65, and 0.71
# took 2,000. Half the layers halve the forward passes of the first page (the
# training snippets and the 2,000 held-out ones): benchmarks/cold_phases.py.
PROBE_CONFIG = ProbeConfig(
    max_texts=1000, min_texts=500, budget_s=3.0, regularisation=0.03, layers=3
)
# The background job's share of its progress spent fine-tuning (the rest
# predicts the held-out examples, so the swap to the fine-tuned model is instant).
TRAINING_SHARE = 0.9


def demo_model_dir(key: str, progress: TrainProgressFn | None = None) -> Path:
    """The fine-tuned demo model for dataset ``key``, trained on first use."""
    from litcore.models.training import fine_tune  # torch: only to train

    train, _ = load_demo(key)
    return fine_tune(base_model_dir(), train, DEMO_CONFIG, progress)


def fine_tuned_folder(key: str) -> Path:
    """Where the fine-tuned demo model for dataset ``key`` is (or will be) saved."""
    return _fine_tuned_folder(key, str(cache_root()), DEMO_CONFIG)


@functools.lru_cache(maxsize=16)
def _fine_tuned_folder(key: str, root: str, config: TrainConfig) -> Path:
    """Once per process, cache root and recipe: the demo's data is checksummed
    and never changes, so neither does the folder (hashing its 8,568 training
    rows took ~30 ms of the GIL for every new session and opened link)."""
    train, _ = load_demo(key)
    return trained_model_dir(str(base_model_dir()), train, config)


def fine_tuned_ready(key: str) -> bool:
    """Whether the fine-tuned demo model for dataset ``key`` is on disk."""
    return read_training_info(fine_tuned_folder(key)) is not None


def probe_model_dir(key: str, progress: ProgressFn | None = None) -> Path:
    """The demo's quick model for dataset ``key`` (``PROBE_CONFIG``), fitted on
    first use: seconds, where the fine-tune takes minutes."""
    from litcore.models.probe import fit_probe  # torch: only to fit

    train, _ = load_demo(key)
    return fit_probe(base_model_dir(), train, PROBE_CONFIG, progress)


def quick_demo_model(key: str, progress: SessionProgress) -> str:
    """The fine-tuned demo model's folder if it is on disk, else the probe's.

    The caller starts the fine-tune (``improve_in_background``) once the first
    page is drawn, so that it does not slow that page down.
    """
    if fine_tuned_ready(key):
        return str(fine_tuned_folder(key))
    with progress.counting("Fitting a quick model on the training snippets") as report:
        return str(probe_model_dir(key, report))


def improvement_job_name(key: str) -> str:
    return f"lumen-fine-tune-demo-{key}"


def improve_in_background(key: str, store: PredictionStore) -> background.BackgroundJob:
    """Starts ``prepare_demo(key)`` in the background, once per process (the
    fine-tune, then the held-out predictions into ``store``); returns the job.

    Its progress: ``TRAINING_SHARE`` for the training steps, the rest for the
    predictions; its result is ``prepare_demo``'s figures.
    """

    def work(report: background.JobProgressFn) -> dict:
        def trained(progress) -> None:
            share = TRAINING_SHARE * progress.step / progress.total_steps
            report(share, f"fine-tuning: {progress.describe()}")

        def predicted(done: int, total: int) -> None:
            share = TRAINING_SHARE + (1 - TRAINING_SHARE) * done / total
            report(share, f"predicting the held-out examples: {done:,} of {total:,}")

        return prepare_demo(key, trained, predicted, store, with_probe=False)

    return background.start_once(improvement_job_name(key), work)


def prepare_demo(
    key: str,
    train_progress: TrainProgressFn | None = None,
    predict_progress: ProgressFn | None = None,
    store: PredictionStore | None = None,
    with_probe: bool = True,
) -> dict:
    """Prepares data, model and held-out predictions; returns the headline figures.

    Args:
        with_probe: also fit the quick model (``probe_model_dir``), so that a
            launch on a cache that lost the fine-tuned model still opens at once.

    Returns:
        ``accuracy``, ``macro_f1``, ``n_train``, ``n_eval``, ``seconds``,
        ``model_dir``.
    """
    from litcore.models.classifier import SequenceClassifier
    from litcore.models.training import fine_tune

    started = time.perf_counter()
    train, held_out = load_demo(key)
    model_dir = fine_tune(base_model_dir(), train, DEMO_CONFIG, train_progress)
    if with_probe:
        probe_model_dir(key)
    model = SequenceClassifier.from_pretrained(model_dir)
    report = evaluate(model, held_out, store or PredictionStore(), predict_progress)
    return {
        "dataset": key,
        "accuracy": round(report.headline["accuracy"], 4),
        "macro_f1": round(report.headline["macro_f1"], 4),
        "n_train": len(train),
        "n_eval": len(held_out),
        "seconds": round(time.perf_counter() - started, 1),
        "model_dir": str(model_dir),
    }


def evaluate(
    model: SequenceClassifier, data: Dataset, store: PredictionStore, progress=None
):
    """The classification report of ``model`` on labelled ``data`` (cached)."""
    probas = predicted_fields(model, data.frame, store, ["probas"], progress)["probas"]
    return classification_report(data.frame["label"], probas, model.labels)
