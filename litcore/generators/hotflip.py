"""HotFlip: gradient-guided single-word substitutions through the embedding matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from litcore.api.components import param
from litcore.api.errors import LumenError
from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.generators.words import keep_case
from litcore.models.classifier import SequenceClassifier

SUBWORD_PREFIX = "##"


def whole_word_vocab(model: SequenceClassifier) -> tuple[np.ndarray, list[str]]:
    """Ids and strings of vocabulary items that are whole alphabetic words.

    Word pieces (``##ing``), special tokens and punctuation are left out.

    Raises:
        LumenError: the tokenizer has no such items (not a WordPiece vocabulary).
    """
    special = set(model.tokenizer.all_special_ids)
    items = sorted(
        (index, token)
        for token, index in model.tokenizer.get_vocab().items()
        if token.isalpha() and index not in special
    )
    if not items:
        raise LumenError(
            "HotFlip needs a WordPiece vocabulary of whole words; this tokenizer has "
            "none. Use the Word replacer or Ablation flip instead."
        )
    return np.array([i for i, _ in items]), [t for _, t in items]


def embedding_gradient(
    model: SequenceClassifier, batch: dict[str, torch.Tensor], target: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The input embeddings and the gradient of log p(target) with respect to them.

    Uses ``torch.autograd.grad`` on a detached copy of the embeddings, so no
    parameter of the shared model gets a ``.grad``.

    Returns:
        ``<float32>[num_tokens, hidden]`` embeddings and gradient.
    """
    with torch.enable_grad():
        embeds = model.model.get_input_embeddings()(batch["input_ids"]).detach()
        embeds.requires_grad_(True)
        inputs = {k: v for k, v in batch.items() if k != "input_ids"}
        logits = model.forward({**inputs, "inputs_embeds": embeds}).logits.float()
        log_prob = torch.log_softmax(logits, dim=-1)[0, target]
        (gradient,) = torch.autograd.grad(log_prob, embeds)
    return embeds[0].detach(), gradient[0]


@dataclass(frozen=True)
class HotFlip(Generator):
    """Swaps whole words for vocabulary words, one at a time, up to ``max_flips``.

    Each step ranks every (position, word) swap by the first-order change it
    makes to log p(predicted class), ``(e_new - e_old) · grad``, checks the
    ``beam`` best with the model, and keeps the best one. Only positions holding
    a whole word (one token) and whole-word vocabulary items are used, so no
    ``##`` piece is ever emitted. Ebrahimi et al., "HotFlip: White-Box
    Adversarial Examples for Text Classification", ACL 2018.
    """

    name = "HotFlip"
    description = "Gradient-guided word substitutions (whole words only)."
    max_flips: int = param(
        "Most words swapped", 2, "Most words to substitute", low=1, high=10
    )
    beam: int = param(
        "Beam", 10, "Best-scored swaps checked with the model per step", low=1, high=200
    )
    n_candidates: int = candidates_param("Flipping texts to return")

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        vocab_ids, vocab_words = whole_word_vocab(model)
        vocab_matrix = model.model.get_input_embeddings().weight.detach()[vocab_ids]
        texts_b = None if example.text_b is None else [example.text_b]
        target = int(model.predict([example.text], texts_b).probas[0].argmax())
        text, changes = example.text, []
        for _ in range(self.max_flips):
            options = self._swaps(
                text, example.text_b, model, target, vocab_ids, vocab_matrix
            )
            if not options:
                break
            texts = [
                text[:start]
                + keep_case(text[start:end], vocab_words[word])
                + text[end:]
                for start, end, word in options
            ]
            probas = model.predict(texts, texts_b and texts_b * len(texts)).probas
            notes = [
                f"{text[start:end]} -> {vocab_words[word]}"
                for start, end, word in options
            ]
            flips = np.flatnonzero(probas.argmax(axis=1) != target)
            if flips.size:
                flips = flips[np.argsort(probas[flips, target], kind="stable")]
                return [
                    Perturbation(
                        texts[i], example.text_b, "; ".join([*changes, notes[i]])
                    )
                    for i in flips[: self.n_candidates]
                ], ""
            best = int(probas[:, target].argmin())
            text, changes = texts[best], [*changes, notes[best]]
        if not changes:
            return [], "No whole word in the text to substitute."
        message = (
            f"No flip within {self.max_flips} substitution(s); best attempt shown."
        )
        return [Perturbation(text, example.text_b, "; ".join(changes))], message

    def _swaps(
        self,
        text: str,
        text_b: str | None,
        model: SequenceClassifier,
        target: int,
        vocab_ids: np.ndarray,
        vocab_matrix: torch.Tensor,
    ) -> list[tuple[int, int, int]]:
        """The ``beam`` best (char start, char end, vocab index) swaps by gradient."""
        encoded = model.tokenizer(
            text,
            text_b,
            truncation=True,
            max_length=model.max_length,
            return_offsets_mapping=True,
            return_token_type_ids=True,
        )
        tokens = encoded.tokens()
        segments = encoded.sequence_ids()
        positions = [
            i
            for i, token in enumerate(tokens)
            if segments[i] == 0
            and token.isalpha()
            and not token.startswith(SUBWORD_PREFIX)
            and not (i + 1 < len(tokens) and tokens[i + 1].startswith(SUBWORD_PREFIX))
            and token not in model.tokenizer.all_special_tokens
        ]
        if not positions:
            return []
        batch = model.pad([encoded["input_ids"]], [encoded["token_type_ids"]])
        embeds, gradient = embedding_gradient(model, batch, target)
        at = torch.tensor(positions)
        # <float32>[num_vocab, num_positions]: first-order change of log p(target).
        change = vocab_matrix @ gradient[at].T - (embeds[at] * gradient[at]).sum(-1)
        current = batch["input_ids"][0, at]
        # A word swapped for itself changes nothing: push those to the end.
        change[torch.from_numpy(vocab_ids)[:, None] == current[None, :]] = torch.inf
        count = min(self.beam, change.numel())
        flat = torch.topk(change.flatten(), count, largest=False).indices.tolist()
        swaps = []
        for index in flat:
            word, column = divmod(index, len(positions))
            if torch.isinf(change[word, column]):
                break
            start, end = encoded["offset_mapping"][positions[column]]
            swaps.append((start, end, word))
        return swaps
