"""Text generation (causal LM or seq2seq) with per-token probabilities.

Greedy decoding is done step by step here (not by ``model.generate``) so that
every reported probability is the softmax of the model's raw logits, and so
that decoding can be forced through a prefix: "continue from this
alternative" is a forced prefix ending in the alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
    MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES,
)

from litcore.api import types
from litcore.api.errors import LumenError
from litcore.models.hf_loading import (
    architectures_for,
    fingerprint,
    load_task_model,
    max_length_of,
)

_SEQ2SEQ = architectures_for(
    MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES, AutoModelForSeq2SeqLM
)
_CAUSAL = architectures_for(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, AutoModelForCausalLM)


@dataclass
class Generation:
    """One greedy generation and what the model thought at every step.

    Attributes:
        input_tokens: the model's tokens of the prompt (encoder input for seq2seq).
        output_ids: generated token ids (forced prefix included), end token included.
        output_tokens: the same as tokens.
        probabilities: ``<float32>[num_output_tokens]``, p(token | everything before).
        top_k: per output token, (token, id, probability) best first.
        forced: how many leading output tokens were forced rather than chosen.
        text: the decoded output, special tokens removed.
    """

    input_tokens: list[str]
    output_ids: list[int]
    output_tokens: list[str]
    probabilities: np.ndarray
    top_k: list[list[tuple[str, int, float]]]
    forced: int
    text: str


@dataclass
class SequenceSalience:
    """Which tokens drove one output token.

    Attributes:
        tokens: the tokens explained (prompt, plus earlier output for causal LMs).
        scores: ``<float32>[num_tokens]``, gradient x input on input embeddings
            of log p(target token), signed.
        gradient_norm: ``<float32>[num_tokens]``, L2 norm of that gradient.
        target_token: the output token explained.
        target_position: its index in the output.
    """

    tokens: list[str]
    scores: np.ndarray
    gradient_norm: np.ndarray
    target_token: str
    target_position: int


class Generator:
    """A causal LM or a seq2seq model with its tokenizer; read-only once built."""

    def __init__(
        self, model, tokenizer, source: str, max_length: int, is_seq2seq: bool
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.source = source
        self.is_seq2seq = is_seq2seq
        self.max_length = max_length_of(model, tokenizer, max_length)
        self.fingerprint = fingerprint(source, model, self.max_length)
        self.end_id = model.config.eos_token_id

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        max_length: int = 256,
        trust_remote_code: bool = False,
    ) -> Generator:
        """Loads a causal LM (GPT-2...) or a seq2seq model (T5, BART...).

        Raises:
            ModelError: not found, or neither kind of generator.
        """
        model, tokenizer, architecture = load_task_model(
            name_or_path,
            {**_CAUSAL, **_SEQ2SEQ},
            "text generation model (causal or seq2seq LM)",
            trust_remote_code,
        )
        return cls(
            model, tokenizer, str(name_or_path), max_length, architecture in _SEQ2SEQ
        )

    def input_spec(self) -> types.Spec:
        return {
            "text": types.TextSegment(),
            "target": types.TargetText(required=False),
        }

    def output_spec(self) -> types.Spec:
        return {
            "generated": types.GeneratedText(parent="target"),
            "input_tokens": types.Tokens(parent="text"),
            "output_tokens": types.Tokens(parent="generated"),
            "output_top_k": types.TokenTopK(align="output_tokens"),
            "input_gradients": types.TokenGradients(align="input_tokens"),
        }

    # --- inference -----------------------------------------------------------

    def encode(self, prompt: str) -> list[int]:
        """The prompt's token ids; raises ``LumenError`` when it has none."""
        ids = self.tokenizer(prompt, truncation=True, max_length=self.max_length)[
            "input_ids"
        ]
        if not ids:
            raise LumenError("Type a prompt: the model needs at least one token.")
        return ids

    def _decoder_start(self) -> list[int]:
        start = self.model.config.decoder_start_token_id
        if start is None:
            start = self.tokenizer.pad_token_id
        return [int(start)]

    def _next_token_logits(
        self, prompt_ids: list[int], output_ids: Sequence[int], embeds=None
    ) -> torch.Tensor:
        """Logits of the token after ``output_ids``: ``<float32>[vocab]``."""
        if self.is_seq2seq:
            encoder = {"input_ids": torch.tensor([prompt_ids])}
            if embeds is not None:
                encoder = {"inputs_embeds": embeds}
            decoder_ids = torch.tensor([self._decoder_start() + list(output_ids)])
            logits = self.model(**encoder, decoder_input_ids=decoder_ids).logits
        else:
            ids = torch.tensor([prompt_ids + list(output_ids)])
            logits = (
                self.model(input_ids=ids).logits
                if embeds is None
                else self.model(inputs_embeds=embeds).logits
            )
        return logits[0, -1].float()

    @torch.inference_mode()
    def generate(
        self,
        prompt: str,
        max_new_tokens: int = 20,
        top_k: int = 5,
        forced_prefix: Sequence[int] = (),
    ) -> Generation:
        """Greedy generation, forced through ``forced_prefix`` first.

        Args:
            prompt: the input text.
            max_new_tokens: output tokens at most (forced ones included).
            top_k: alternatives kept per output token.
            forced_prefix: output token ids to take instead of the greedy choice.
        """
        prompt_ids = self.encode(prompt)
        room = self.max_length - (0 if self.is_seq2seq else len(prompt_ids))
        steps = max(len(forced_prefix), min(max_new_tokens, room))
        output_ids: list[int] = []
        probabilities, alternatives = [], []
        for step in range(steps):
            probs = torch.softmax(self._next_token_logits(prompt_ids, output_ids), -1)
            chosen = (
                int(forced_prefix[step])
                if step < len(forced_prefix)
                else int(probs.argmax())
            )
            best = torch.topk(probs, k=min(top_k, probs.shape[-1]))
            ids = best.indices.tolist()
            alternatives.append(
                list(
                    zip(
                        self.tokenizer.convert_ids_to_tokens(ids),
                        ids,
                        best.values.tolist(),
                    )
                )
            )
            probabilities.append(float(probs[chosen]))
            output_ids.append(chosen)
            if chosen == self.end_id and step >= len(forced_prefix) - 1:
                break
        return Generation(
            input_tokens=self.tokenizer.convert_ids_to_tokens(prompt_ids),
            output_ids=output_ids,
            output_tokens=self.tokenizer.convert_ids_to_tokens(output_ids),
            probabilities=np.asarray(probabilities, dtype=np.float32),
            top_k=alternatives,
            forced=len(forced_prefix),
            text=self.tokenizer.decode(output_ids, skip_special_tokens=True),
        )

    def generate_batch(
        self, prompts: Sequence[str], max_new_tokens: int = 20
    ) -> list[str]:
        """Greedy outputs for several prompts (corpus metrics)."""
        return [self.generate(p, max_new_tokens, top_k=1).text for p in prompts]

    def salience(
        self, prompt: str, output_ids: Sequence[int], position: int
    ) -> SequenceSalience:
        """Gradient x input of log p(output_ids[position]) on input embeddings.

        Only the embeddings get a gradient (``torch.autograd.grad``): the shared
        model's parameters and their ``.grad`` are left untouched.
        """
        if not 0 <= position < len(output_ids):
            raise LumenError(f"Output position {position} is out of range.")
        prompt_ids = self.encode(prompt)
        explained_ids = (
            prompt_ids if self.is_seq2seq else prompt_ids + list(output_ids[:position])
        )
        with torch.enable_grad():
            embeds = self.model.get_input_embeddings()(torch.tensor([explained_ids]))
            embeds = embeds.detach().requires_grad_(True)
            logits = self._next_token_logits(
                prompt_ids, output_ids[:position], embeds=embeds
            )
            log_prob = torch.log_softmax(logits, -1)[int(output_ids[position])]
            (gradient,) = torch.autograd.grad(log_prob, embeds)
        gradient, embeds = gradient[0].detach(), embeds[0].detach()
        return SequenceSalience(
            tokens=self.tokenizer.convert_ids_to_tokens(explained_ids),
            scores=(gradient * embeds).sum(-1).numpy().astype(np.float32),
            gradient_norm=gradient.norm(dim=-1).numpy().astype(np.float32),
            target_token=self.tokenizer.convert_ids_to_tokens(
                [int(output_ids[position])]
            )[0],
            target_position=position,
        )
