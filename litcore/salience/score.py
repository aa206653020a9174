"""Token salience for a regression score: gradient × input and integrated gradients.

The classification methods in ``litcore/salience`` explain a softmax
probability, which a one-output head does not have (its softmax is always 1).
These two explain the raw score instead, from the word embeddings, in fp32,
reusing the salience package's tokenisation and embedding helpers. A positive
token score pushes the prediction up, a negative one down.

- Gradient × input: Shrikumar et al. 2017, "Learning Important Features
  Through Propagating Activation Differences".
- Integrated gradients: Sundararajan et al. 2017, "Axiomatic Attribution for
  Deep Networks"; the token scores sum to the score minus the baseline's score,
  up to the convergence delta kept in ``details``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from litcore.errors import LumenError
from litcore.models.regressor import Regressor
from litcore.salience import words
from litcore.salience.inputs import (
    BASELINES,
    EncodedText,
    baseline_embeddings,
    batch_of,
    encode,
    word_embeddings,
)
from litcore.salience.integrated_gradients import MAX_STEPS, MIN_STEPS


@dataclass
class ScoreSalience:
    """Scores per model token for one text, explaining the predicted score.

    Attributes:
        method: display name of the method.
        tokens: the model's tokens, special tokens included.
        scores: ``<float32>[num_tokens]``; positive raises the score.
        special: ``<bool>[num_tokens]``, True at [CLS], [SEP] and the like.
        score: the model's score for the text.
        truncated: whether the text was cut to the model's maximum length.
        details: method-specific figures (IG's baseline score and delta).
    """

    method: str
    tokens: list[str]
    scores: np.ndarray
    special: np.ndarray
    score: float
    truncated: bool
    details: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Scores per word (sub-word pieces summed), special tokens left out.

        Returns:
            Columns ``token`` and ``score``, in text order.
        """
        tokens, scores, special = words.aggregate(
            self.tokens, self.scores, self.special, True
        )
        frame = pd.DataFrame({"token": tokens, "score": np.asarray(scores, float)})
        return frame[~np.asarray(special, dtype=bool)].reset_index(drop=True)


def score_from_embeddings(
    model: Regressor, embeddings: torch.Tensor, batch: dict[str, torch.Tensor]
) -> torch.Tensor:
    """``<float32>[batch]``: the score from word embeddings (differentiable, fp32).

    The model adds position and type embeddings itself, so this equals the
    score of the ids whose word embeddings ``embeddings`` are.
    """
    inputs = {
        "inputs_embeds": embeddings,
        "attention_mask": batch["attention_mask"],
        "token_type_ids": batch["token_type_ids"],
    }
    return model.forward(inputs).logits[:, 0].float()


@dataclass(frozen=True)
class ScoreMethod:
    """Base of the score salience methods; fields are the configuration."""

    name: ClassVar[str]

    def config(self) -> tuple[tuple[str, Any], ...]:
        """The configuration as a hashable tuple (for cache keys)."""
        return tuple(asdict(self).items())

    def explain(
        self, model: Regressor, text: str, text_b: str | None = None
    ) -> ScoreSalience:
        """Scores every token of ``text`` (and ``text_b``) for the predicted score.

        Raises:
            LumenError: an empty text or a bad setting.
        """
        (item,) = encode(model, [text], None if text_b is None else [text_b])
        batch = batch_of(model, [(item.token_ids, item.type_ids)])
        embeddings = word_embeddings(model, batch["input_ids"])
        token_scores, score, details = self._scores(model, item, batch, embeddings)
        return ScoreSalience(
            method=self.name,
            tokens=item.tokens,
            scores=np.asarray(token_scores, dtype=np.float32),
            special=item.special,
            score=score,
            truncated=item.truncated,
            details=details,
        )

    def _scores(
        self,
        model: Regressor,
        item: EncodedText,
        batch: dict[str, torch.Tensor],
        embeddings: torch.Tensor,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """(``<float32>[num_tokens]`` token scores, the score, details)."""
        raise NotImplementedError


@dataclass(frozen=True)
class ScoreGradientTimesInput(ScoreMethod):
    """Dot product of the score's gradient and the embedding at each token."""

    name: ClassVar[str] = "Gradient × input"

    def _scores(self, model, item, batch, embeddings):
        embeddings = embeddings.clone().requires_grad_(True)
        with torch.enable_grad():
            score = score_from_embeddings(model, embeddings, batch)
            (gradients,) = torch.autograd.grad(score.sum(), embeddings)
        token_scores = (gradients * embeddings.detach()).sum(dim=-1)[0]
        return token_scores.numpy(), float(score.detach()[0]), {}


@dataclass(frozen=True)
class ScoreIntegratedGradients(ScoreMethod):
    """Path integral of the score's gradients from a baseline text to the input.

    The baseline keeps the special tokens and replaces every other token by
    [PAD], by [MASK], or by a zero embedding.
    """

    name: ClassVar[str] = "Integrated gradients"
    steps: int = 32
    baseline: str = "pad"

    def _scores(self, model, item, batch, embeddings):
        if not MIN_STEPS <= self.steps <= MAX_STEPS:
            raise LumenError(
                f"Integrated gradients: steps must be between {MIN_STEPS} and "
                f"{MAX_STEPS}, not {self.steps}."
            )
        if self.baseline not in BASELINES:
            raise LumenError(
                f"Integrated gradients: the baseline must be one of {BASELINES}, "
                f"not {self.baseline!r}."
            )
        baselines = baseline_embeddings(
            model, batch["input_ids"], [item], embeddings, self.baseline
        )

        def forward(path_embeddings: torch.Tensor) -> torch.Tensor:
            rows = _repeat(batch, path_embeddings.shape[0])
            return score_from_embeddings(model, path_embeddings, rows)

        from captum.attr import IntegratedGradients  # 1.3 s to import: on first use

        with torch.enable_grad():
            attributions, delta = IntegratedGradients(forward).attribute(
                embeddings,
                baselines=baselines,
                n_steps=self.steps,
                return_convergence_delta=True,
            )
        with torch.no_grad():
            score, baseline_score = score_from_embeddings(
                model, torch.cat([embeddings, baselines]), _repeat(batch, 2)
            ).tolist()
        details = {
            "baseline_score": baseline_score,
            "convergence_delta": float(delta[0]),
        }
        return attributions.detach().sum(dim=-1)[0].numpy(), score, details


def _repeat(batch: dict[str, torch.Tensor], rows: int) -> dict[str, torch.Tensor]:
    """A one-row batch repeated to ``rows`` rows."""
    return {name: values.expand(rows, -1) for name, values in batch.items()}


# The first is the UI's default: IG's token scores add up to the score's change.
SCORE_METHODS: dict[str, type[ScoreMethod]] = {
    method.name: method
    for method in (ScoreIntegratedGradients, ScoreGradientTimesInput)
}


def build_score_method(name: str, config: dict[str, Any] | None = None) -> ScoreMethod:
    """The score salience method registered as ``name``, configured with ``config``.

    Raises:
        LumenError: an unknown name or configuration field.
    """
    if name not in SCORE_METHODS:
        raise LumenError(
            f"Unknown score salience method '{name}': use one of {list(SCORE_METHODS)}."
        )
    try:
        return SCORE_METHODS[name](**(config or {}))
    except TypeError as error:
        raise LumenError(f"Bad settings for {name}: {error}") from error
