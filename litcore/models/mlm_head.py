"""A masked-LM head trained over the frozen packaged MiniLM: an offline masked LM.

The packaged encoder ships without its pre-training head, so Fill in the blank
had nothing to open offline. ``mlm_head_model`` builds ``BertForMaskedLM`` on
the encoder (its decoder is tied to the word embeddings; the transform's dense
layer, LayerNorm and the output bias are new) and trains only those new parts
on the demo's movie snippets with standard BERT masking (15% of the tokens:
80% [MASK], 10% a random token, 10% kept).

Fast because the encoder is frozen: the snippets are masked once per pass and
encoded once, and the head then trains on the stored hidden states of the
masked tokens. Quality is measured on held-out snippets (every chosen token
replaced by [MASK], as on the page) against always guessing the most frequent
training tokens, and saved with the model in ``MLM_INFO``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, BertForMaskedLM
from transformers.utils import logging as hf_logging

from litcore.api.errors import ModelError
from litcore.models.hf_loading import save_model_folder
from litcore.store.paths import cache_dir

MLM_INFO = "lumen_mlm_head.json"
# (fraction done, what is being done): the page's and the CLI's progress bar.
ProgressFn = Callable[[float, str], None]
# Share of the progress spent encoding; the rest is the head's training.
ENCODING_SHARE = 0.6


@dataclass(frozen=True)
class MlmHeadConfig:
    """The recipe; every field is part of the cache key.

    Attributes:
        max_texts: training snippets used (the first ones of the split).
        held_out_texts: held-out snippets the quality is measured on.
        passes: masking draws per training snippet (more masked tokens).
        max_length: tokens kept per snippet.
        mask_share: share of each snippet's tokens masked.
        steps: optimiser steps of the head.
        batch_size: masked tokens per step.
        learning_rate: Adam's step size.
        seed: seed of the masking and of the head's initialisation.
    """

    max_texts: int = 3000
    held_out_texts: int = 1000
    passes: int = 1
    max_length: int = 64
    mask_share: float = 0.15
    steps: int = 150
    batch_size: int = 256
    learning_rate: float = 1e-2
    seed: int = 0


@dataclass
class _Masked:
    """Hidden states of masked tokens and the tokens that were there."""

    features: torch.Tensor  # <float32>[n, hidden]
    targets: torch.Tensor  # <int64>[n]


def mlm_head_dir(base: str | Path, texts_key: str, config: MlmHeadConfig) -> Path:
    """Where ``mlm_head_model`` saves (or has saved) this model."""
    parts = [str(base), texts_key, json.dumps(asdict(config), sort_keys=True)]
    key = hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]
    return cache_dir("models") / f"mlm-head-{key}"


def read_mlm_info(folder: str | Path) -> dict | None:
    """The recipe and measured quality of a head trained here, else None."""
    path = Path(folder) / MLM_INFO
    return json.loads(path.read_text()) if path.is_file() else None


def texts_key(train: Sequence[str], held_out: Sequence[str]) -> str:
    """A fingerprint of the training and held-out texts."""
    digest = hashlib.sha1()
    for text in [*train, "\0held-out\0", *held_out]:
        digest.update(text.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def mlm_head_model(
    base: str | Path,
    train: Sequence[str],
    held_out: Sequence[str],
    config: MlmHeadConfig = MlmHeadConfig(),
    progress: ProgressFn | None = None,
) -> Path:
    """The folder of ``base`` + a masked-LM head trained on ``train``; cached.

    Args:
        base: a BERT-family encoder folder (the packaged MiniLM).
        train: training texts (the first ``config.max_texts`` are used).
        held_out: texts the quality is measured on (first
            ``config.held_out_texts``).
        config: the recipe.
        progress: called with (fraction done, message).

    Raises:
        ModelError: ``base`` is not a BERT encoder, or no text has a token.
    """
    train = list(train)[: config.max_texts]
    held_out = list(held_out)[: config.held_out_texts]
    if not train or not held_out:
        raise ModelError("Training a masked-LM head needs training and held-out texts.")
    out_dir = mlm_head_dir(base, texts_key(train, held_out), config)
    if read_mlm_info(out_dir) is not None:
        return out_dir
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    model, tokenizer = _base_model(base)
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    train_ids = _token_ids(tokenizer, train, config.max_length)
    held_out_ids = _token_ids(tokenizer, held_out, config.max_length)
    passes = [(train_ids, True)] * config.passes + [(held_out_ids, False)]
    encoded = []
    for number, (ids, corrupt) in enumerate(passes):

        def encoding(done: float, number: int = number) -> None:
            fraction = (number + done) / len(passes) * ENCODING_SHARE
            report(fraction, f"Encoding masked snippets ({number + 1}/{len(passes)})")

        encoded.append(
            _encode_masked(model, tokenizer, ids, config, generator, corrupt, encoding)
        )
    training = _Masked(
        torch.cat([e.features for e in encoded[:-1]]),
        torch.cat([e.targets for e in encoded[:-1]]),
    )
    held = encoded[-1]
    if not len(training.targets) or not len(held.targets):
        raise ModelError("No snippet has a token to mask.")
    losses = _train_head(model, training, config, generator, report)
    quality = _quality(model, training.targets, held)
    info = {
        "base_model": str(base),
        "config": asdict(config),
        "n_train_texts": len(train),
        "n_held_out_texts": len(held_out),
        "n_train_tokens": len(training.targets),
        "n_held_out_tokens": len(held.targets),
        "final_loss": losses[-1],
        "train_seconds": round(time.perf_counter() - started, 1),
    } | quality
    save_model_folder(model, tokenizer, out_dir, MLM_INFO, info)
    report(1.0, "Done")
    return out_dir


def _base_model(base: str | Path):
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the head's new weights are expected
    try:
        model = BertForMaskedLM.from_pretrained(base)
        tokenizer = AutoTokenizer.from_pretrained(base)
    except (OSError, ValueError) as error:
        raise ModelError(f"Cannot build a masked LM on '{base}': {error}") from error
    finally:
        hf_logging.set_verbosity(verbosity)
    if tokenizer.mask_token_id is None:
        raise ModelError(f"The tokenizer of '{base}' has no mask token.")
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model, tokenizer


def _token_ids(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def _encode_masked(
    model,
    tokenizer,
    texts_ids: list[list[int]],
    config: MlmHeadConfig,
    generator: torch.Generator,
    corrupt: bool,
    progress: Callable[[float], None],
    batch_size: int = 64,
) -> _Masked:
    """Masks ``mask_share`` of each text's tokens and encodes the texts.

    ``corrupt`` applies BERT's 80/10/10 rule (training); else every chosen token
    becomes [MASK] (evaluation, as on the page).
    """
    special = set(tokenizer.all_special_ids)
    order = np.argsort([len(ids) for ids in texts_ids])  # little padding
    features, targets = [], []
    for start in range(0, len(order), batch_size):
        batch = [texts_ids[i] for i in order[start : start + batch_size]]
        width = max(len(ids) for ids in batch)
        inputs = torch.full((len(batch), width), tokenizer.pad_token_id)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        rows, columns = [], []
        for row, ids in enumerate(batch):
            inputs[row, : len(ids)] = torch.tensor(ids)
            attention[row, : len(ids)] = 1
            candidates = [i for i, t in enumerate(ids) if t not in special]
            if not candidates:
                continue
            count = max(1, round(config.mask_share * len(candidates)))
            picked = torch.randperm(len(candidates), generator=generator)[:count]
            rows += [row] * count
            columns += [candidates[i] for i in picked.tolist()]
        if not rows:
            continue
        targets.append(inputs[rows, columns].clone())
        inputs[rows, columns] = _corrupted(
            inputs[rows, columns], tokenizer, generator, corrupt
        )
        with torch.inference_mode():
            hidden = model.bert(input_ids=inputs, attention_mask=attention)[0]
        features.append(hidden[rows, columns].clone())
        progress(min(start + batch_size, len(order)) / len(order))
    hidden_size = model.config.hidden_size
    return _Masked(
        torch.cat(features) if features else torch.empty((0, hidden_size)),
        torch.cat(targets) if targets else torch.empty(0, dtype=torch.long),
    )


def _corrupted(
    original: torch.Tensor, tokenizer, generator: torch.Generator, corrupt: bool
) -> torch.Tensor:
    """[MASK] everywhere, or (``corrupt``) 80% [MASK], 10% random, 10% kept."""
    replaced = torch.full_like(original, tokenizer.mask_token_id)
    if not corrupt:
        return replaced
    draw = torch.rand(len(original), generator=generator)
    random_ids = torch.randint(len(tokenizer), original.shape, generator=generator)
    replaced = torch.where(draw >= 0.8, random_ids, replaced)
    return torch.where(draw >= 0.9, original, replaced)


def _head_parameters(model) -> list[torch.nn.Parameter]:
    """The new parts: the transform (dense, LayerNorm) and the output bias."""
    predictions = model.cls.predictions
    return [*predictions.transform.parameters(), predictions.bias]


def _train_head(
    model,
    data: _Masked,
    config: MlmHeadConfig,
    generator: torch.Generator,
    report: ProgressFn,
) -> list[float]:
    parameters = _head_parameters(model)
    for parameter in parameters:
        parameter.requires_grad_(True)
    optimizer = torch.optim.Adam(parameters, lr=config.learning_rate)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, config.learning_rate, total_steps=config.steps, pct_start=0.1
    )
    head = model.cls.train()
    losses = []
    for step in range(config.steps):
        rows = torch.randint(
            len(data.targets), (config.batch_size,), generator=generator
        )
        logits = head(data.features[rows])
        loss = torch.nn.functional.cross_entropy(logits, data.targets[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        done = ENCODING_SHARE + (1 - ENCODING_SHARE) * (step + 1) / config.steps
        report(done, f"Training the head: step {step + 1}/{config.steps}")
    head.eval()
    for parameter in parameters:
        parameter.requires_grad_(False)
    return losses


@torch.inference_mode()
def _quality(model, train_targets: torch.Tensor, held: _Masked) -> dict:
    """Top-1/top-5 accuracy on the held-out masked tokens, and the unigram
    baseline's (always the most frequent training tokens)."""
    top5 = torch.cat(
        [
            model.cls(held.features[start : start + 1024]).topk(5, dim=-1).indices
            for start in range(0, len(held.targets), 1024)
        ]
    )
    hits = top5 == held.targets[:, None]
    frequent = torch.bincount(train_targets).topk(5).indices
    baseline = held.targets[:, None] == frequent[None, :]
    return {
        "top1_accuracy": round(hits[:, 0].float().mean().item(), 4),
        "top5_accuracy": round(hits.any(dim=1).float().mean().item(), 4),
        "unigram_top1_accuracy": round(baseline[:, 0].float().mean().item(), 4),
        "unigram_top5_accuracy": round(baseline.any(dim=1).float().mean().item(), 4),
    }


# The Fill in the blank page's built-in example: its recipe, on the movie demo.
DEMO_MLM_CONFIG = MlmHeadConfig()
DEMO_MLM_DATASET = "movies"


def demo_mlm_head(progress: ProgressFn | None = None) -> Path:
    """The built-in example's folder, trained on first use (``DEMO_MLM_CONFIG``)."""
    base, train, held_out = _demo_inputs()
    return mlm_head_model(base, train, held_out, DEMO_MLM_CONFIG, progress)


def demo_mlm_head_ready() -> Path | None:
    """The built-in example's folder if it is on disk, else None."""
    base, train, held_out = _demo_inputs()
    config = DEMO_MLM_CONFIG
    train, held_out = train[: config.max_texts], held_out[: config.held_out_texts]
    folder = mlm_head_dir(base, texts_key(train, held_out), config)
    return folder if read_mlm_info(folder) is not None else None


def _demo_inputs() -> tuple[Path, list[str], list[str]]:
    from litcore.data.demo import load_demo
    from litcore.models.training import base_model_dir

    train, held_out = load_demo(DEMO_MLM_DATASET)
    return base_model_dir(), list(train.frame["text"]), list(held_out.frame["text"])
