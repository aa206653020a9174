"""A token classifier (NER): one tag per word, from its first sub-word."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForTokenClassification
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES,
)

from litcore.api import types
from litcore.api.errors import LumenError
from litcore.models.hf_loading import (
    architectures_for,
    fingerprint,
    load_task_model,
    max_length_of,
)

OUTSIDE = "O"


@dataclass
class TagPredictions:
    """Predicted tags of a list of word sequences, in input order.

    Attributes:
        tags: one tag per word; words cut off by the length limit get ``O``.
        confidence: per example, ``<float32>[num_words]`` probability of the tag.
        truncated: ``<bool>[num_examples]``, whether words were cut off.
    """

    tags: list[list[str]]
    confidence: list[np.ndarray]
    truncated: np.ndarray


class TokenClassifier:
    """An ``AutoModelForTokenClassification`` with its tokenizer; read-only."""

    def __init__(self, model, tokenizer, source: str, max_length: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.source = source
        self.max_length = max_length_of(model, tokenizer, max_length)
        id2label = model.config.id2label
        self.labels = tuple(str(id2label[i]) for i in range(model.config.num_labels))
        self.fingerprint = fingerprint(source, model, self.max_length)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        max_length: int = 128,
        trust_remote_code: bool = False,
    ) -> TokenClassifier:
        """Loads a token classifier.

        Raises:
            ModelError: not found, or not a token classifier.
        """
        classes = architectures_for(
            MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES,
            AutoModelForTokenClassification,
        )
        model, tokenizer, _ = load_task_model(
            name_or_path, classes, "token classifier (NER)", trust_remote_code
        )
        return cls(model, tokenizer, str(name_or_path), max_length)

    def input_spec(self) -> types.Spec:
        return {
            "tokens": types.Tokens(parent="text"),
            "tags": types.SequenceTags(align="tokens", required=False),
        }

    def output_spec(self) -> types.Spec:
        return {
            "pred_tags": types.SequenceTagPreds(vocab=self.labels, parent="tags"),
        }

    def encode_words(self, words: Sequence[str]) -> tuple[list[int], list[int], bool]:
        """Token ids with special tokens, each word's first sub-word position,
        and whether words were cut off (their position is -1)."""
        prefix = [self.tokenizer.cls_token_id] if self.tokenizer.cls_token_id else []
        suffix = [self.tokenizer.sep_token_id] if self.tokenizer.sep_token_id else []
        room = self.max_length - len(prefix) - len(suffix)
        ids, first_positions = list(prefix), []
        for word in words:
            pieces = self.tokenizer(word, add_special_tokens=False)["input_ids"]
            pieces = pieces or [self.tokenizer.unk_token_id]
            if len(ids) - len(prefix) + len(pieces) > room:
                first_positions.append(-1)
                continue
            first_positions.append(len(ids))
            ids.extend(pieces)
        truncated = -1 in first_positions
        return ids + suffix, first_positions, truncated

    @torch.inference_mode()
    def predict(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 32
    ) -> TagPredictions:
        """Tags every word of every sentence (words as given, not re-split)."""
        if not sentences:
            raise LumenError("Nothing to tag: the list of sentences is empty.")
        encoded = [self.encode_words(words) for words in sentences]
        pad_id = self.tokenizer.pad_token_id or 0
        tags: list[list[str]] = []
        confidence: list[np.ndarray] = []
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            width = max(len(ids) for ids, _, _ in chunk)
            batch = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            mask = torch.zeros_like(batch)
            for row, (ids, _, _) in enumerate(chunk):
                batch[row, : len(ids)] = torch.tensor(ids)
                mask[row, : len(ids)] = 1
            logits = self.model(input_ids=batch, attention_mask=mask).logits
            probabilities = torch.softmax(logits.float(), -1)  # <f32>[b, tokens, tags]
            best_probability, best = probabilities.max(-1)
            for row, (_, positions, _) in enumerate(chunk):
                tags.append(
                    [
                        self.labels[int(best[row, p])] if p >= 0 else OUTSIDE
                        for p in positions
                    ]
                )
                confidence.append(
                    np.asarray(
                        [
                            float(best_probability[row, p]) if p >= 0 else 0.0
                            for p in positions
                        ],
                        dtype=np.float32,
                    )
                )
        truncated = np.asarray([cut for _, _, cut in encoded], dtype=bool)
        return TagPredictions(tags, confidence, truncated)
