"""A masked language model: fill in the blanks, and per-token surprisal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from transformers import AutoModelForMaskedLM
from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

from litcore.api import types
from litcore.api.errors import LumenError
from litcore.models.hf_loading import (
    architectures_for,
    fingerprint,
    load_task_model,
    max_length_of,
)

TYPED_MASK = "[MASK]"


@dataclass
class MaskFill:
    """Top-k predictions at each masked position of one text.

    Attributes:
        tokens: the model's tokens of the input, masks included.
        masked_positions: token positions that were masked, ascending.
        original: per masked position, the token that was there (the mask
            token itself where the user typed it).
        predictions: per masked position, (token, probability) best first.
    """

    tokens: list[str]
    masked_positions: list[int]
    original: list[str]
    predictions: list[list[tuple[str, float]]]


class MaskedLM:
    """An ``AutoModelForMaskedLM`` with its tokenizer; read-only once built."""

    def __init__(self, model, tokenizer, source: str, max_length: int) -> None:
        if tokenizer.mask_token_id is None:
            raise LumenError(f"The tokenizer of '{source}' has no mask token.")
        self.model = model
        self.tokenizer = tokenizer
        self.source = source
        self.max_length = max_length_of(model, tokenizer, max_length)
        self.fingerprint = fingerprint(source, model, self.max_length)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        max_length: int = 128,
        trust_remote_code: bool = False,
    ) -> MaskedLM:
        """Loads a masked LM.

        Raises:
            ModelError: not found, or not a masked language model.
        """
        classes = architectures_for(
            MODEL_FOR_MASKED_LM_MAPPING_NAMES, AutoModelForMaskedLM
        )
        model, tokenizer, _ = load_task_model(
            name_or_path, classes, "masked language model", trust_remote_code
        )
        return cls(model, tokenizer, str(name_or_path), max_length)

    def input_spec(self) -> types.Spec:
        return {"text": types.TextSegment()}

    def output_spec(self) -> types.Spec:
        return {
            "tokens": types.Tokens(parent="text"),
            "pred_tokens": types.TokenTopK(align="tokens"),
        }

    # --- inference -----------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (special tokens included); a typed [MASK] is a mask."""
        text = text.replace(TYPED_MASK, self.tokenizer.mask_token)
        return self.tokenizer(text, truncation=True, max_length=self.max_length)[
            "input_ids"
        ]

    def special_positions(self, input_ids: Sequence[int]) -> list[int]:
        """Positions of [CLS], [SEP] and the like, which cannot be masked."""
        special = set(self.tokenizer.all_special_ids) - {self.tokenizer.mask_token_id}
        return [i for i, token_id in enumerate(input_ids) if token_id in special]

    @torch.inference_mode()
    def _probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        # <float32>[batch, num_tokens, vocab]
        logits = self.model(input_ids=batch, attention_mask=torch.ones_like(batch))
        return torch.softmax(logits.logits.float(), dim=-1)

    def fill(
        self, text: str, top_k: int = 5, extra_masked: Sequence[int] = ()
    ) -> MaskFill:
        """Predicts every masked position of ``text``.

        Args:
            text: input; ``[MASK]`` (or the tokenizer's mask token) marks blanks.
            top_k: predictions kept per position.
            extra_masked: token positions to mask as well (clicked tokens).

        Raises:
            LumenError: nothing is masked, or a position is out of range/special.
        """
        input_ids = self.encode(text)
        mask_id = self.tokenizer.mask_token_id
        forbidden = set(self.special_positions(input_ids))
        for position in extra_masked:
            if not 0 <= position < len(input_ids) or position in forbidden:
                raise LumenError(f"Token position {position} cannot be masked.")
        typed = [i for i, token_id in enumerate(input_ids) if token_id == mask_id]
        positions = sorted(set(typed) | set(extra_masked))
        if not positions:
            raise LumenError(
                f"Nothing to predict: put {TYPED_MASK} in the text, or choose tokens "
                "to mask."
            )
        original = self.tokenizer.convert_ids_to_tokens(
            [input_ids[i] for i in positions]
        )
        masked = torch.tensor([input_ids])
        masked[0, positions] = mask_id
        probabilities = self._probabilities(masked)[0, positions]  # <f32>[k, vocab]
        best = torch.topk(probabilities, k=min(top_k, probabilities.shape[-1]), dim=-1)
        predictions = [
            list(
                zip(
                    self.tokenizer.convert_ids_to_tokens(ids.tolist()),
                    probs.tolist(),
                )
            )
            for probs, ids in zip(best.values, best.indices)
        ]
        tokens = self.tokenizer.convert_ids_to_tokens(masked[0].tolist())
        return MaskFill(tokens, positions, original, predictions)

    def surprisal(self, texts: Sequence[str], batch_size: int = 64) -> pd.DataFrame:
        """Pseudo-log-likelihood surprisal of every token of every text.

        Each non-special token is masked in turn (one copy of the text per
        token, batched) and scored by ``-log2 p(token | the rest)``.

        Returns:
            One row per token: ``example`` (index in ``texts``), ``position``,
            ``token``, ``surprisal`` (bits), ``top_prediction``, ``top_probability``.
        """
        mask_id = self.tokenizer.mask_token_id
        rows = []
        for example, text in enumerate(texts):
            input_ids = self.encode(text)
            special = set(self.special_positions(input_ids))
            positions = [i for i in range(len(input_ids)) if i not in special]
            tokens = self.tokenizer.convert_ids_to_tokens(input_ids)
            for start in range(0, len(positions), batch_size):
                chunk = positions[start : start + batch_size]
                copies = torch.tensor([input_ids] * len(chunk))
                copies[range(len(chunk)), chunk] = mask_id
                probabilities = self._probabilities(copies)[range(len(chunk)), chunk]
                gold = probabilities[range(len(chunk)), [input_ids[i] for i in chunk]]
                top_probability, top_id = probabilities.max(dim=-1)
                top_tokens = self.tokenizer.convert_ids_to_tokens(top_id.tolist())
                for j, position in enumerate(chunk):
                    rows.append(
                        {
                            "example": example,
                            "position": position,
                            "token": tokens[position],
                            "surprisal": float(-np.log2(max(gold[j].item(), 1e-12))),
                            "top_prediction": top_tokens[j],
                            "top_probability": float(top_probability[j]),
                        }
                    )
        return pd.DataFrame(
            rows,
            columns=[
                "example",
                "position",
                "token",
                "surprisal",
                "top_prediction",
                "top_probability",
            ],
        )
