"""Batch prediction on Ray Data, written as a run (``litcore.store.run``).

The same ``SequenceClassifier.predict`` runs inside a pool of Ray actors, each
loading the model once (``map_batches`` with ``concurrency`` workers; CPU or
GPU). Ids are the dataset's own (content hashes made on the driver before
anything is distributed), so they are unique and stable whatever the shards.
The driver reads the results back in input order and writes them shard by
shard, so a cluster needs no shared file system.

Ray is optional (``pip install lumen-nlp[ray]``): only this module imports it,
and only when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from litcore.api.errors import LumenError
from litcore.data.dataset import ID, TEXT, TEXT_B, Dataset
from litcore.models.classifier import SequenceClassifier
from litcore.models.outputs import Predictions, ProgressFn
from litcore.store.run import EMBEDDINGS, RunManifest, RunWriter, run_fields

SHARD_ROWS = 50_000  # examples per shard the driver writes
BATCH_ROWS = 1024  # examples per map_batches call


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide the Ray engine runs.

    Attributes:
        address: a cluster to join (``ray://host:10001`` or ``host:6379``);
            None starts a local instance for this call.
        workers: actors, each with its own copy of the model.
        gpus_per_worker: GPUs each actor asks for (0: CPU).
        cpus_per_worker: CPUs each actor asks for.
        local_cpus: CPUs a local instance may use (None: all).
    """

    address: str | None = None
    workers: int = 1
    gpus_per_worker: float = 0
    cpus_per_worker: float = 1
    local_cpus: int | None = None


class _Predictor:
    """A Ray actor: the classifier loaded once, then ``predict`` per batch."""

    def __init__(self, source: str, revision: str | None, max_length: int) -> None:
        import torch

        self.model = SequenceClassifier.from_pretrained(
            source, max_length=max_length, revision=revision
        )
        if torch.cuda.is_available():
            self.model.model.to("cuda")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts_b = batch[TEXT_B].tolist() if TEXT_B in batch else None
        predictions = self.model.predict(batch[TEXT].tolist(), texts_b)
        tokens = np.empty(len(batch[ID]), dtype=object)
        tokens[:] = [list(t) for t in predictions.tokens]
        return {
            ID: batch[ID],
            "probas": predictions.probas,
            **{
                name: getattr(predictions, name).astype(np.float16)
                for name in EMBEDDINGS
            },
            "tokens": tokens,
            "truncated": predictions.truncated,
        }


def _as_predictions(batch: dict[str, np.ndarray]) -> Predictions:
    return Predictions(
        probas=np.asarray(batch["probas"], np.float32),
        cls_embedding=np.asarray(batch[EMBEDDINGS[0]]),
        mean_embedding=np.asarray(batch[EMBEDDINGS[1]]),
        tokens=[list(t) for t in batch["tokens"]],
        truncated=np.asarray(batch["truncated"], bool),
    )


def predict_run_ray(
    model: SequenceClassifier,
    data: Dataset,
    folder: str | Path,
    options: RayOptions = RayOptions(),
    progress: ProgressFn | None = None,
    shard_rows: int = SHARD_ROWS,
) -> RunManifest:
    """Predicts ``data`` on Ray into a new run in ``folder``.

    Args:
        model: the classifier (only its source, revision, max length, labels
            and fingerprint are used here; the actors load their own).
        data: the examples; their ids become the run's.
        options: the cluster and the actor pool.
        progress: called with (done, total) as shards are written.

    Raises:
        RunError: ``folder`` exists and is not empty.
        LumenError: Ray is not installed, or the results came back out of order.
    """
    try:
        import ray
    except ImportError as error:
        raise LumenError(
            "The Ray engine needs Ray: pip install 'lumen-nlp[ray]'."
        ) from error
    writer = RunWriter(folder, model.labels)
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=options.address,
            num_cpus=None if options.address else options.local_cpus,
            include_dashboard=False,
            log_to_driver=False,
        )
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        columns = [c for c in (ID, TEXT, TEXT_B) if c in data.frame.columns]
        # Arrow, not pandas: Ray 2.52's pandas path fails on pandas 3.
        table = pa.Table.from_pandas(data.frame[columns], preserve_index=False)
        predicted = ray.data.from_arrow(table).map_batches(
            _Predictor,
            fn_constructor_kwargs={
                "source": model.source,
                "revision": model.revision,
                "max_length": model.max_length,
            },
            batch_size=BATCH_ROWS,
            batch_format="numpy",
            concurrency=options.workers,
            num_cpus=options.cpus_per_worker,
            num_gpus=options.gpus_per_worker,
        )
        done = 0
        for batch in predicted.iter_batches(
            batch_size=shard_rows, batch_format="numpy"
        ):
            examples = data.frame.iloc[done : done + len(batch[ID])]
            if list(batch[ID]) != examples[ID].tolist():
                raise LumenError("Ray returned the predictions out of order.")
            writer.add(examples, _as_predictions(batch))
            done += len(examples)
            if progress:
                progress(done, len(data))
    finally:
        if started_here:
            ray.shutdown()
    config = {
        "engine": "ray",
        "address": options.address,
        "workers": options.workers,
        "gpus_per_worker": options.gpus_per_worker,
        "shard_rows": shard_rows,
    }
    return writer.finish(**run_fields(model, data, config))
