"""Fine-tuning any encoder into a sequence classifier; the demo uses the same code.

Fast on CPU by three choices: length-bucketed batches (little padding), frozen
embeddings (no gradient for the 30k-row table), and bf16 autocast where the CPU
has it. The result is saved with ``save_pretrained`` in a cache folder keyed
by (base model, dataset, hyper-parameters), so a later call only loads it.

``adapted_config`` fits the defaults to the data (the CLI, the sidebar's
"MiniLM fine-tuned on this data" and ``fine_tune(base, data)`` all use it): a
max length from the texts' token lengths, enough optimiser steps for small
data, and a validation split on which the best checkpoint is kept and the
trained model is checked for having learnt nothing (``TrainingWarning``).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from litcore.api.errors import ModelError
from litcore.data.dataset import Dataset
from litcore.models.classifier import SequenceClassifier
from litcore.models.hf_loading import LOAD_ERRORS, save_model_folder
from litcore.models.precision import autocast, bf16_supported
from litcore.models.training_config import TRAINING_INFO as TRAINING_INFO
from litcore.models.training_config import (
    ProgressFn,
    TrainConfig,
    TrainProgress,
    read_training_info,
    trained_model_dir,
)
from litcore.models.training_config import base_model_dir as base_model_dir
from litcore.models.training_config import model_key as model_key
from litcore.models.training_rules import (
    LENGTH_QUANTILE,
    MAX_LENGTH_BOUNDS,
    MIN_STEPS,
    MIN_VALIDATION_PER_CLASS,
    ONE_CLASS_SHARE,
    VALIDATION_SHARE,
)


class TrainingWarning(UserWarning):
    """The trained model looks useless: one class for nearly everything, or no
    better than always predicting the most common class."""


def fitted_max_length(token_lengths: list[int], model_limit: int) -> int:
    """The ``LENGTH_QUANTILE`` of ``token_lengths`` rounded up to a multiple of 8,
    within ``MAX_LENGTH_BOUNDS`` and at most ``model_limit``."""
    quantile = float(np.quantile(token_lengths, LENGTH_QUANTILE))
    low, high = MAX_LENGTH_BOUNDS
    return min(max(8 * math.ceil(quantile / 8), low), high, model_limit)


def validation_rows(
    labels: pd.Series, share: float, seed: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(training rows, validation rows): ``share`` of each class held out.

    Returns:
        None when ``share`` is 0 or some class is too small to give
        ``MIN_VALIDATION_PER_CLASS`` examples.
    """
    counts = labels.value_counts()
    if not share or counts.min() * share < MIN_VALIDATION_PER_CLASS:
        return None
    rng = np.random.default_rng(seed)
    codes = labels.to_numpy()
    held = [
        rng.permutation(np.flatnonzero(codes == label))[: round(share * count)]
        for label, count in counts.items()
    ]
    validation = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(len(labels)), validation), validation


def adapted_config(
    data: Dataset, base: str | Path, config: TrainConfig = TrainConfig()
) -> TrainConfig:
    """``config`` fitted to ``data``: the training defaults of the CLI, the
    sidebar and ``fine_tune(base, data)``.

    The max length covers most texts (``fitted_max_length`` of their token
    lengths under ``base``'s tokenizer); epochs grow until training takes at
    least ``MIN_STEPS`` optimiser steps; ``VALIDATION_SHARE`` of each class is
    held out for checkpoint selection when the classes are large enough.

    Raises:
        ModelError: the base model cannot be loaded.
    """
    tokenizer, model_limit = _tokenizer_and_limit(str(base))
    lengths = _token_lengths(tokenizer, data)
    split = None
    if data.has_labels:
        split = validation_rows(data.frame["label"], VALIDATION_SHARE, config.seed)
    n_train = len(data) if split is None else len(split[0])
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    epochs = max(config.epochs, math.ceil(MIN_STEPS / steps_per_epoch * 100) / 100)
    return replace(
        config,
        epochs=epochs,
        max_length=fitted_max_length(lengths, model_limit),
        validation_share=VALIDATION_SHARE,
    )


def _tokenizer_and_limit(base: str):
    """``base``'s tokenizer and the most tokens its model takes."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        positions = getattr(
            AutoConfig.from_pretrained(base), "max_position_embeddings", None
        )
    except LOAD_ERRORS as error:
        raise ModelError(f"Could not load base model '{base}': {error}") from error
    limits = [positions, tokenizer.model_max_length, MAX_LENGTH_BOUNDS[1]]
    return tokenizer, min(limit for limit in limits if limit)


def _token_lengths(tokenizer, data: Dataset) -> list[int]:
    """Each example's full token count, special tokens included."""
    texts, texts_b = data.texts(), data.texts_b()
    args = (list(texts),) if texts_b is None else (list(texts), list(texts_b))
    encoded = tokenizer(*args, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def fine_tune(
    base: str | Path,
    data: Dataset,
    config: TrainConfig | None = None,
    progress: ProgressFn | None = None,
    target: str | None = None,
) -> Path:
    """Fine-tunes ``base`` on ``data`` (text [, text_b], label); returns its folder.

    Cached: if this (base, data, config, target) was trained before, returns at
    once. The folder's ``lumen_training.json`` (``read_training_info``) holds
    the settings, the truncated share and, with a validation split, the
    validation figures and any warnings, which are also issued as
    ``TrainingWarning``.

    Args:
        config: None uses ``adapted_config(data, base)``.
        target: None trains a classifier on ``label``; a numeric column's name
            trains a one-output regression head on it (MSE loss).

    Raises:
        ModelError: the data has no labels or fewer than two classes (or the
            target column is missing or not numeric), or the base model cannot
            be loaded.
    """
    training_head = _training_head(data, target)
    config = config or adapted_config(data, base)
    out_dir = trained_model_dir(str(base), data, config, target)
    if not (out_dir / TRAINING_INFO).is_file():
        trained = _train(base, data, config, training_head, progress, target)
        _save(*trained, out_dir, str(base), data, config, target)
    for message in read_training_info(out_dir).get("warnings", []):
        warnings.warn(message, TrainingWarning, stacklevel=2)
    return out_dir


def _train(
    base,
    data: Dataset,
    config: TrainConfig,
    training_head,
    progress: ProgressFn | None,
    target: str | None,
):
    """(model, tokenizer, info): the model ``fine_tune`` saves, and what to say
    about its training (``n_train``, ``truncated_share``, ``validation``,
    ``warnings``, ``train_seconds``)."""
    head, targets, loss_of, finish = training_head
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
    freeze_bottom_layers(model, config.frozen_layers)
    input_ids, type_ids, truncated = wrapper.tokenize(data.texts(), data.texts_b())
    split = None
    if target is None:
        split = validation_rows(
            data.frame["label"], config.validation_share, config.seed
        )
    train_rows = np.arange(len(data)) if split is None else split[0]
    batches = [
        train_rows[rows]
        for rows in bucketed_batches(
            [len(input_ids[i]) for i in train_rows],
            config.batch_size,
            config.epochs,
            config.seed,
        )
    ]
    checkpoints = None
    if config.validation_share and target is None:
        rows = train_rows if split is None else split[1]
        checkpoints = _Checkpoints(wrapper, input_ids, type_ids, rows, targets[rows])
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
        if checkpoints and checkpoints.due(step, len(batches)):
            checkpoints.evaluate(step)
        if progress:
            progress(TrainProgress(step, len(batches), loss.item(), _since(started)))
    model.eval()
    info = {"n_train": len(train_rows), "truncated_share": round(truncated.mean(), 4)}
    if checkpoints:
        checkpoints.restore_best()
        train_gold = targets[train_rows]
        on = "training" if split is None else "validation"
        info["validation"] = checkpoints.report(train_gold, data.labels, on)
        info["warnings"] = info["validation"].pop("warnings")
    finish(model)
    info["train_seconds"] = round(_since(started), 1)
    return model, tokenizer, info


def freeze_bottom_layers(model, count: int) -> None:
    """Freezes the embeddings and the bottom ``count`` encoder layers of a
    BERT-style ``model`` (nothing when ``count`` is 0).

    Raises:
        ModelError: the model has no ``encoder.layer`` list (or
            ``transformer.layer``, as DistilBERT) or fewer than ``count`` layers.
    """
    if not count:
        return
    base = model.base_model
    stack = getattr(base, "encoder", None) or getattr(base, "transformer", None)
    layers = getattr(stack, "layer", None)
    embeddings = getattr(base, "embeddings", None)
    if layers is None or embeddings is None or len(layers) < count:
        found = "no encoder layers" if layers is None else f"{len(layers)} layers"
        raise ModelError(
            f"Cannot freeze the bottom {count} encoder layers: the model has {found}"
            f"{'' if embeddings else ' and no embeddings module'}."
        )
    embeddings.requires_grad_(False)
    for layer in layers[:count]:
        layer.requires_grad_(False)


class _Checkpoints:
    """Scores the model on held-out rows during training; keeps the best weights.

    Scores ``EVALUATIONS`` times, evenly spaced, by accuracy (ties: lower loss).
    """

    EVALUATIONS = 10

    def __init__(self, wrapper, input_ids, type_ids, rows: np.ndarray, gold):
        self.wrapper = wrapper
        self.input_ids = [input_ids[i] for i in rows]
        self.type_ids = [type_ids[i] for i in rows]
        self.gold = gold  # <int64>[n_rows]
        self.best_score: tuple[float, float] | None = None
        self.best_state: dict[str, torch.Tensor] = {}
        self.best_predicted = np.zeros(0, dtype=np.int64)
        self.best_step = 0

    def due(self, step: int, total_steps: int) -> bool:
        """Whether ``step`` is one of the evenly spaced evaluation steps."""
        evaluations = min(self.EVALUATIONS, total_steps)
        return (
            step * evaluations // total_steps > (step - 1) * evaluations // total_steps
        )

    def evaluate(self, step: int) -> None:
        model = self.wrapper.model
        model.eval()
        predicted, losses = [], []
        with torch.inference_mode(), autocast():
            for start in range(0, len(self.gold), 64):
                batch = self.wrapper.pad(
                    self.input_ids[start : start + 64],
                    self.type_ids[start : start + 64],
                )
                logits = self.wrapper.forward(batch).logits.float()
                gold = torch.from_numpy(self.gold[start : start + 64])
                losses.append(
                    torch.nn.functional.cross_entropy(logits, gold, reduction="sum")
                )
                predicted.append(logits.argmax(-1).numpy())
        model.train()
        predicted_classes = np.concatenate(predicted)
        accuracy = float((predicted_classes == self.gold).mean())
        score = (accuracy, -float(sum(losses)) / len(self.gold))
        if self.best_score is None or score > self.best_score:
            self.best_score, self.best_step = score, step
            self.best_predicted = predicted_classes
            self.best_state = {
                name: value.detach().clone()
                for name, value in model.state_dict().items()
            }

    def restore_best(self) -> None:
        self.wrapper.model.load_state_dict(self.best_state)

    def report(self, train_gold: np.ndarray, labels, on: str) -> dict:
        """The best checkpoint's figures on the held-out rows, and warnings."""
        return validation_report(
            self.best_predicted, self.gold, train_gold, list(labels), on
        ) | {"best_step": self.best_step}


def validation_report(
    predicted: np.ndarray,
    gold: np.ndarray,
    train_gold: np.ndarray,
    labels: list[str],
    on: str = "validation",
) -> dict:
    """Accuracy against the majority class, and warnings for a useless model.

    Args:
        predicted: ``<int64>[n]`` predicted class indices.
        gold: ``<int64>[n]`` gold class indices.
        train_gold: ``<int64>[n_train]`` the training part's class indices (its
            most common class is the majority baseline).
        labels: class names by index.
        on: what the rows are ("validation", or "training" without a split).

    Returns:
        ``on``, ``n``, ``accuracy``, ``majority_class``, ``majority_accuracy``,
        ``top_predicted``, ``top_predicted_share`` and ``warnings`` (sentences).
    """
    majority = int(np.bincount(train_gold, minlength=len(labels)).argmax())
    top = int(np.bincount(predicted, minlength=len(labels)).argmax())
    accuracy = float((predicted == gold).mean())
    majority_accuracy = float((gold == majority).mean())
    top_share = float((predicted == top).mean())
    found = []
    if top_share >= ONE_CLASS_SHARE:
        found.append(
            f"The trained model predicts '{labels[top]}' for {top_share:.0%} of the "
            f"{len(gold)} {on} examples: it has not learnt to tell the classes "
            "apart. Try more labelled examples or more epochs."
        )
    if accuracy <= majority_accuracy:
        found.append(
            f"The trained model's {on} accuracy ({accuracy:.1%}) is no better than "
            f"always predicting the most common class, '{labels[majority]}' "
            f"({majority_accuracy:.1%})."
        )
    return {
        "on": on,
        "n": len(gold),
        "accuracy": round(accuracy, 4),
        "majority_class": labels[majority],
        "majority_accuracy": round(majority_accuracy, 4),
        "top_predicted": labels[top],
        "top_predicted_share": round(top_share, 4),
        "warnings": found,
    }


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
    model, tokenizer, info, out_dir: Path, base: str, data: Dataset, config, target
):
    """Saves to a temp folder, then renames: a crash never leaves a half model.

    ``info`` (``n_train``, ``train_seconds``, ...) goes into ``TRAINING_INFO``
    with the settings.
    """
    info = {
        "base_model": base,
        "dataset": data.name,
        "labels": list(data.labels),
        "config": asdict(config),
        "bf16": bf16_supported(),
    } | info
    if target is not None:
        info["regression_target"] = target
    save_model_folder(model, tokenizer, out_dir, TRAINING_INFO, info)
