"""Glue between texts, token ids and the model, shared by every method.

Forward passes run in fp32 unless a method is configured with ``bf16`` (where
the CPU supports it: the model's bf16 copy of the weights, for scoring texts
and for gradients; faster, about 3 significant digits). They never
change the model: no training mode, no hooks, gradients only inside
``torch.enable_grad`` with respect to fresh input tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier, token_budget_batches
from litcore.salience.targets import TargetFunction, output_columns

# Padded tokens per forward pass when scoring many perturbed copies of a text:
# bounds the activations held at once (about 30 KB a token for the demo's
# MiniLM, so some 30 MB) however long the text. The cap of 256 rows it replaces
# let one pass of a 512-token text's copies hold 131,072 tokens: about 4 GB at
# that rate.
FORWARD_TOKENS = 1024
BASELINES = ("pad", "mask", "zeros")
REMOVALS = ("delete", "mask")
PRECISIONS = ("fp32", "bf16")


@dataclass
class EncodedText:
    """One text as the model reads it.

    Attributes:
        token_ids: input ids, special tokens included.
        type_ids: token type ids.
        tokens: the tokens as strings.
        special: ``<bool>[num_tokens]``, True at special tokens ([CLS], [SEP]).
        truncated: whether the text was cut to the model's maximum length.
    """

    token_ids: list[int]
    type_ids: list[int]
    tokens: list[str]
    special: np.ndarray
    truncated: bool

    @property
    def content_positions(self) -> np.ndarray:
        """``<int64>[num_content]``: positions of the non-special tokens."""
        return np.flatnonzero(~self.special)


def special_mask(model: SequenceClassifier, token_ids: Sequence[int]) -> np.ndarray:
    """``<bool>[num_tokens]``: special tokens, not counting [UNK] (a real word)."""
    tokenizer = model.tokenizer
    special_ids = set(tokenizer.all_special_ids) - {tokenizer.unk_token_id}
    return np.array([i in special_ids for i in token_ids], dtype=bool)


def encode(
    model: SequenceClassifier,
    texts: Sequence[str],
    texts_b: Sequence[str] | None = None,
) -> list[EncodedText]:
    """Tokenizes texts (truncated to the model's maximum length).

    Raises:
        LumenError: no texts, or a text with no tokens besides special ones.
    """
    if len(texts) == 0:
        raise LumenError("Nothing to explain: give at least one text.")
    if texts_b is not None and len(texts_b) != len(texts):
        raise LumenError("Give one second segment per text, or none.")
    input_ids, type_ids, truncated = model.tokenize(texts, texts_b)
    encoded = []
    for row, (ids, tids) in enumerate(zip(input_ids, type_ids)):
        special = special_mask(model, ids)
        if special.all():
            raise LumenError(
                f"Text {row + 1} is empty: nothing to explain. Give a text "
                "with at least one word."
            )
        tokens = model.tokenizer.convert_ids_to_tokens(ids)
        encoded.append(EncodedText(ids, tids, tokens, special, bool(truncated[row])))
    return encoded


def batch_of(
    model: SequenceClassifier, rows: Sequence[tuple[list[int], list[int]]]
) -> dict[str, torch.Tensor]:
    """Right-padded tensors for (input ids, type ids) rows."""
    return model.pad([ids for ids, _ in rows], [tids for _, tids in rows])


def outputs(
    model: SequenceClassifier,
    batch: dict[str, torch.Tensor],
    bf16: bool = False,
    function: TargetFunction | None = None,
) -> torch.Tensor:
    """``<float32>[batch, columns]``: class probabilities, or ``function``'s value
    (``targets.output_columns``), fp32 unless ``bf16``.

    ``bf16`` runs the model's bf16 copy of the weights, the one its batch
    predictions use. Both run as ``model.salience_model``: the same logits
    (to 1e-6 in fp32) with a last layer that computes [CLS] only.
    """
    with torch.inference_mode():
        logits = model.forward(batch, model.salience_model(bf16)).logits
    return output_columns(logits, function)


def probabilities_of_rows(
    model: SequenceClassifier,
    rows: Sequence[tuple[list[int], list[int]]],
    targets: Sequence[int],
    bf16: bool = False,
) -> np.ndarray:
    """``<float32>[num_rows]``: each row's target probability (length-sorted
    batches of at most ``FORWARD_TOKENS`` padded tokens).

    Args:
        rows: (input ids, type ids) of each (perturbed) text.
        targets: the class to read for each row.
    """
    lengths = [len(ids) for ids, _ in rows]
    order = np.argsort(lengths, kind="stable")
    result = np.zeros(len(rows), dtype=np.float32)
    for chosen in token_budget_batches(lengths, order, FORWARD_TOKENS):
        probas = outputs(model, batch_of(model, [rows[i] for i in chosen]), bf16)
        picked = torch.as_tensor([targets[i] for i in chosen])
        result[chosen] = probas.gather(1, picked[:, None])[:, 0].numpy()
    return result


def check_targets(model: SequenceClassifier, targets: Sequence[int | None]) -> None:
    """Raises LumenError for a target index the model does not have."""
    for target in targets:
        if target is not None and not 0 <= target < len(model.labels):
            raise LumenError(
                f"Class {target} does not exist: the model has classes 0 to "
                f"{len(model.labels) - 1} ({', '.join(model.labels)})."
            )


def resolve_targets(
    probas: np.ndarray, targets: Sequence[int | None]
) -> tuple[list[int], list[float]]:
    """Each row's class (None: the most probable) and its probability.

    Args:
        probas: ``<float32>[rows, num_labels]``.
    """
    classes = [
        int(probas[row].argmax()) if target is None else int(target)
        for row, target in enumerate(targets)
    ]
    return classes, [float(probas[row, c]) for row, c in enumerate(classes)]


def target_probabilities(
    model: SequenceClassifier,
    encoded: list[EncodedText],
    targets: Sequence[int | None],
) -> tuple[list[int], list[float]]:
    """Resolves each target (None: the predicted class) and its probability.

    Raises:
        LumenError: a target index the model does not have.
    """
    check_targets(model, targets)
    rows = [(item.token_ids, item.type_ids) for item in encoded]
    probas = outputs(model, batch_of(model, rows)).numpy()
    return resolve_targets(probas, targets)


def replacement_id(model: SequenceClassifier) -> int:
    """The id that stands for a removed token: [MASK], else [PAD], else [UNK]."""
    tokenizer = model.tokenizer
    for candidate in (
        tokenizer.mask_token_id,
        tokenizer.pad_token_id,
        tokenizer.unk_token_id,
    ):
        if candidate is not None:
            return int(candidate)
    raise LumenError("The tokenizer has no [MASK], [PAD] or [UNK] token to mask with.")


def baseline_id(model: SequenceClassifier, baseline: str) -> int | None:
    """Token id of an IG baseline (``pad`` or ``mask``); None for ``zeros``.

    Raises:
        LumenError: the tokenizer lacks that token.
    """
    if baseline == "zeros":
        return None
    token_id = getattr(model.tokenizer, f"{baseline}_token_id")
    if token_id is None:
        raise LumenError(
            f"The tokenizer has no {baseline.upper()} token: pick another baseline."
        )
    return int(token_id)


def check_removal(mode: str) -> None:
    """Raises LumenError unless ``mode`` is one of ``REMOVALS``."""
    if mode not in REMOVALS:
        raise LumenError(f"Unknown removal '{mode}': use one of {REMOVALS}.")


def remove(
    item: EncodedText, positions: Sequence[int], mode: str, mask_id: int
) -> tuple[list[int], list[int]]:
    """The text with the tokens at ``positions`` deleted or replaced by ``mask_id``.

    Args:
        mode: ``delete`` or ``mask``.

    Raises:
        LumenError: an unknown mode.
    """
    check_removal(mode)
    drop = set(int(p) for p in positions)
    if mode == "mask":
        ids = [mask_id if i in drop else t for i, t in enumerate(item.token_ids)]
        return ids, list(item.type_ids)
    keep = [i for i in range(len(item.token_ids)) if i not in drop]
    return [item.token_ids[i] for i in keep], [item.type_ids[i] for i in keep]


def word_embeddings(model: SequenceClassifier, input_ids: torch.Tensor) -> torch.Tensor:
    """``<float32>[batch, num_tokens, hidden]``: the input-embedding layer's output."""
    with torch.no_grad():
        return model.model.get_input_embeddings()(input_ids).float()


def baseline_embeddings(
    model: SequenceClassifier,
    input_ids: torch.Tensor,
    encoded: Sequence[EncodedText],
    embeddings: torch.Tensor,
    baseline: str,
) -> torch.Tensor:
    """``<float32>[batch, tokens, hidden]``: integrated gradients' starting points.

    Special tokens are kept; every other token becomes [PAD] or [MASK]
    (``baseline``), or its embedding (``embeddings``) becomes zero.
    """
    content = torch.zeros_like(input_ids, dtype=torch.bool)
    for row, item in enumerate(encoded):
        content[row, torch.as_tensor(item.content_positions)] = True
    replacement = baseline_id(model, baseline)
    if replacement is None:
        return embeddings.masked_fill(content[..., None], 0.0)
    return word_embeddings(model, input_ids.masked_fill(content, replacement))


def outputs_from_embeddings(
    model: SequenceClassifier,
    embeddings: torch.Tensor,
    attention_mask: torch.Tensor,
    token_type_ids: torch.Tensor,
    bf16: bool = False,
    function: TargetFunction | None = None,
) -> torch.Tensor:
    """``<float32>[batch, columns]`` from word embeddings (differentiable): class
    probabilities, or ``function``'s value (``targets.output_columns``).

    The model adds position and type embeddings itself, so this equals the
    forward pass on the ids whose word embeddings ``embeddings`` are. It runs
    ``model.salience_model``: ``bf16`` means the bf16 copy of the weights, and
    gradients still reach the fp32 ``embeddings``.
    """
    network = model.salience_model(bf16)
    batch = {
        "inputs_embeds": embeddings.to(network.dtype),
        "attention_mask": attention_mask,
        "token_type_ids": token_type_ids,
    }
    return output_columns(model.forward(batch, network).logits, function)
