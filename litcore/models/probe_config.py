"""What a linear probe is, without torch: its settings (``ProbeConfig``), the
``kind`` its training summary records, and its folder (``probe_dir``).
``litcore.models.probe`` fits it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from litcore.data.dataset import Dataset
from litcore.store.paths import cache_dir

PROBE_KIND = "linear probe"  # ``kind`` in the probe's TRAINING_INFO

# (texts embedded, texts to embed) -> None
ProbeProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ProbeConfig:
    """How a probe is fitted; every field is part of its cache key.

    Attributes:
        max_texts: at most this many training texts are embedded (a random,
            seeded sample, in chunks of ``CHUNK``): the probe's cost is their
            forward pass.
        min_texts: at least this many (or all the data), whatever the budget.
        budget_s: embedding stops after the chunk that passes this many seconds
            (None: no limit), so a slow CPU embeds fewer texts; the probe's
            ``TRAINING_INFO`` says how many (``n_train``).
        regularisation: the inverse L2 strength ``C`` (scikit-learn's) on the
            standardised features.
        max_length: tokens per text.
        seed: the sample's seed.
        layers: the encoder layers kept, the first ones (None: all); the probe
            reads [CLS] after the last one kept.
    """

    max_texts: int = 2000
    min_texts: int = 500
    budget_s: float | None = None
    regularisation: float = 1.0
    max_length: int = 64
    seed: int = 0
    layers: int | None = None


def probe_dir(base: str, data: Dataset, config: ProbeConfig) -> Path:
    """Where ``fit_probe`` saves (or has saved) this probe."""
    settings = json.dumps(asdict(config), sort_keys=True)
    parts = ["linear probe", str(base), data.fingerprint, ",".join(data.labels)]
    key = hashlib.sha1("\n".join([*parts, settings]).encode("utf-8")).hexdigest()
    return cache_dir("models") / f"probe-{key[:16]}"
