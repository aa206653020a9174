"""Batch prediction on Ray Data, written as a run (``litcore.store.run``).

The same ``SequenceClassifier.predict`` runs inside a pool of Ray actors, each
loading the model once (``map_batches`` with ``concurrency`` workers; CPU or
GPU). Ids are the dataset's own (content hashes made on the driver before
anything is distributed), so they are unique and stable whatever the shards.
The driver reads the results back in input order and writes them shard by
shard, so a cluster needs no shared file system.

A cluster is joined by its GCS address (``host:port``, what ``ray start --head``
prints) or ``auto`` (the cluster started on this machine); the Ray Client
(``ray://``) is refused, as its client side is not in ``lumen-nlp[ray]``.

Ray is optional (``pip install lumen-nlp[ray]``): only this module imports it,
and only when called.
"""

from __future__ import annotations

import socket
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
BATCH_ROWS = 1024  # examples per map_batches call, at most
BLOCKS_PER_WORKER = 4  # input blocks per actor where the rows allow, so all work
CONNECT_TIMEOUT_S = 5.0  # for the cluster's GCS port to accept a connection
START_TIMEOUT_S = 600.0  # for every actor of the pool to load the model


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide the Ray engine runs.

    Attributes:
        address: a cluster to join: its GCS address ``host:port`` (``ray start
            --head`` prints it; 6379 unless ``--port`` said otherwise) or
            ``auto``; None starts a local instance for this call.
        workers: actors, each with its own copy of the model.
        gpus_per_worker: GPUs each actor asks for (0: CPU).
        cpus_per_worker: CPUs each actor asks for.
        local_cpus: CPUs a local instance may use (None: all).
        start_timeout_s: how long the whole pool may take to start and load
            the model before the run fails (no work starts before).
    """

    address: str | None = None
    workers: int = 1
    gpus_per_worker: float = 0
    cpus_per_worker: float = 1
    local_cpus: int | None = None
    start_timeout_s: float = START_TIMEOUT_S


def check_address(address: str | None) -> None:
    """Refuses a cluster address Lumen cannot join, before Ray tries (Ray waits
    minutes on a GCS that does not answer, then exits the process).

    Raises:
        LumenError: a ``ray://`` (Ray Client) or other URL, not ``host:port``,
            or nothing accepts a connection on that port within
            ``CONNECT_TIMEOUT_S``.
    """
    if address is None or address == "auto":
        return
    if "://" in address:
        raise LumenError(
            f"--ray-address {address}: give the cluster's GCS address as HOST:PORT "
            "(what `ray start --head` prints; port 6379 by default) and run on a "
            "machine that reaches every node, or `auto` on a node of the cluster. "
            "The Ray Client (ray://) is not supported."
        )
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise LumenError(
            f"--ray-address '{address}' is not HOST:PORT (e.g. 10.0.0.5:6379) or auto."
        )
    try:
        socket.create_connection(
            (host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S
        ).close()
    except OSError as error:
        raise LumenError(
            f"No Ray cluster answers at {address} ({error.strerror or error}): "
            f"start one there with `ray start --head --port={port}`, or check the "
            "address and that the port is open from this machine."
        ) from error


def _block_rows(rows: int, workers: int) -> int:
    """Rows per input block and per ``map_batches`` call: at most ``BATCH_ROWS``,
    and ``BLOCKS_PER_WORKER`` blocks per actor where the rows allow. A task
    takes whole blocks, bundled up to the batch size, so one block (or a batch
    size over all rows) would leave the rest of the pool idle."""
    return max(1, min(BATCH_ROWS, -(-rows // (BLOCKS_PER_WORKER * workers))))


NODE = "node"  # the Ray node an actor ran on, per predicted row


class _Predictor:
    """A Ray actor: the classifier loaded once, then ``predict`` per batch."""

    def __init__(self, source: str, revision: str | None, max_length: int) -> None:
        import ray
        import torch

        self.model = SequenceClassifier.from_pretrained(
            source, max_length=max_length, revision=revision
        )
        if torch.cuda.is_available():
            self.model.model.to("cuda")
        self.node = ray.get_runtime_context().get_node_id()

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
            NODE: np.full(len(batch[ID]), self.node),
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

    Returns:
        The run's manifest; its config says on how many Ray ``nodes`` the
        actors that predicted rows ran.

    Raises:
        RunError: ``folder`` exists and is not empty.
        LumenError: Ray is not installed, the cluster cannot be joined
            (``check_address``), the pool did not start in time, or the
            results came back out of order.
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
        _join(ray, options)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        context.wait_for_min_actors_s = options.start_timeout_s
        columns = [c for c in (ID, TEXT, TEXT_B) if c in data.frame.columns]
        # Arrow, not pandas: Ray 2.52's pandas path fails on pandas 3.
        table = pa.Table.from_pandas(data.frame[columns], preserve_index=False)
        rows = _block_rows(table.num_rows, options.workers)
        blocks = [table.slice(start, rows) for start in range(0, len(table), rows)]
        predicted = ray.data.from_arrow(blocks or [table]).map_batches(
            _Predictor,
            fn_constructor_kwargs={
                "source": model.source,
                "revision": model.revision,
                "max_length": model.max_length,
            },
            batch_size=rows,
            batch_format="numpy",
            concurrency=options.workers,
            num_cpus=options.cpus_per_worker,
            num_gpus=options.gpus_per_worker,
        )
        nodes = _write(predicted, data, writer, shard_rows, progress)
    except ray.exceptions.GetTimeoutError as error:  # wait_for_min_actors_s
        raise LumenError(
            f"The Ray cluster did not start {options.workers} worker(s) with "
            f"{options.cpus_per_worker:g} CPU and {options.gpus_per_worker:g} GPU "
            f"each within {options.start_timeout_s:g} s: ask for fewer "
            "(--ray-workers, --ray-gpus) or add nodes."
        ) from error
    finally:
        if started_here:
            ray.shutdown()
    config = {
        "engine": "ray",
        "address": options.address,
        "workers": options.workers,
        "gpus_per_worker": options.gpus_per_worker,
        "shard_rows": shard_rows,
        "nodes": len(nodes),
    }
    return writer.finish(**run_fields(model, data, config))


def _join(ray, options: RayOptions) -> None:
    """Joins the cluster at ``options.address``, or starts a local instance.

    Raises:
        LumenError: ``check_address`` refuses the address, or Ray cannot join
            it (no cluster for ``auto``, another Ray or Python version).
    """
    check_address(options.address)
    try:
        ray.init(
            address=options.address,
            num_cpus=None if options.address else options.local_cpus,
            include_dashboard=False,
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError) as error:
        message = " ".join(str(error).split())
        raise LumenError(f"Cannot join the Ray cluster: {message}") from error


def _write(
    predicted,
    data: Dataset,
    writer: RunWriter,
    shard_rows: int,
    progress: ProgressFn | None,
) -> set[str]:
    """Reads ``predicted`` (a Ray dataset) back in input order into ``writer``,
    a shard at a time; returns the ids of the nodes whose actors predicted.

    Raises:
        LumenError: the results came back out of order.
    """
    done, nodes = 0, set()
    for batch in predicted.iter_batches(batch_size=shard_rows, batch_format="numpy"):
        examples = data.frame.iloc[done : done + len(batch[ID])]
        if list(batch[ID]) != examples[ID].tolist():
            raise LumenError("Ray returned the predictions out of order.")
        writer.add(examples, _as_predictions(batch))
        nodes.update(np.unique(batch[NODE]).tolist())
        done += len(examples)
        if progress:
            progress(done, len(data))
    return nodes
