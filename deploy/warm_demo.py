"""Warms a server's cache for the built-in demos named on the command line.

``lumen-nlp prepare-demo`` leaves the data, the fine-tuned model and the
held-out predictions in the cache; this adds what the Embeddings page would
compute on its first visit (both projections of both embeddings, with the
page's default settings, in the prediction store) and UMAP's numba code
(compiled into ``NUMBA_CACHE_DIR``, which the server must share).

Usage: ``python deploy/warm_demo.py movies [sms ...]`` (after prepare-demo).
"""

from __future__ import annotations

import sys
import time

from litcore.projection import (
    EMBEDDING_FIELDS,
    PROJECTORS,
    make_projector,
    projection_key,
    stored_projection,
    warm_up_umap,
)
from litcore.session.choice import SourceChoice
from litcore.session.predictions import predict_dataset
from litcore.session.workspace import build_workspace
from litcore.store.predictions import PredictionStore


def warm_projections(demo_key: str, store: PredictionStore) -> None:
    """Stores every projection the Embeddings page offers by default for a demo."""
    workspace = build_workspace(SourceChoice(demo_key=demo_key))
    model, data = workspace.model, workspace.data
    predictions = predict_dataset(model, workspace.frame, store)
    for field in EMBEDDING_FIELDS:
        for method in PROJECTORS:
            started = time.perf_counter()
            projector = make_projector(method)
            key = projection_key(model.fingerprint, data.fingerprint, field, projector)
            stored_projection(store, key, getattr(predictions, field), projector)
            seconds = time.perf_counter() - started
            print(f"{demo_key}: {method} of {field} in {seconds:.1f} s", flush=True)


def main(demo_keys: list[str]) -> int:
    if not demo_keys:
        print("usage: warm_demo.py DEMO [DEMO ...]", file=sys.stderr)
        return 2
    warm_up_umap()
    store = PredictionStore()
    for key in demo_keys:
        warm_projections(key, store)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
