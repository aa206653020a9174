"""The interface every salience method shares, and the result it returns.

A method is a ``litcore.api.components.Component``: a frozen dataclass whose fields
are its configuration, declared with ``param`` (its ``config_spec``).
``explain`` validates and explains one text; ``explain_batch`` explains several,
batched where the method allows it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from litcore.api.components import Component, param
from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier
from litcore.salience import words
from litcore.salience.inputs import (
    PRECISIONS,
    EncodedText,
    encode,
    target_probabilities,
)
from litcore.salience.targets import TargetFunction
from litcore.salience.timing import SPEED


@dataclass
class TokenSalience:
    """Scores per model token for one text, explaining one target class (or a
    target function such as a regression score).

    Attributes:
        method: display name of the method.
        tokens: the model's tokens, special tokens included.
        scores: ``<float32>[num_tokens]``; for signed methods, positive pushes
            toward the target class (raises the target function), negative away.
        signed: whether scores carry a direction.
        special: ``<bool>[num_tokens]``, True at [CLS], [SEP] and the like.
        token_ids: the model's input ids (for faithfulness re-runs).
        type_ids: the model's token type ids.
        target: index of the explained class; None for a target function.
        target_label: name of the explained class, or the function's label.
        target_output: the model's probability of the target class, or the
            target function's value.
        truncated: whether the text was cut to the model's maximum length.
        seconds: wall time of the computation.
        details: method-specific figures (IG's convergence delta, attention maps).
    """

    method: str
    tokens: list[str]
    scores: np.ndarray
    signed: bool
    special: np.ndarray
    token_ids: list[int]
    type_ids: list[int]
    target: int | None
    target_label: str
    target_output: float
    truncated: bool
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def table(self, subwords: bool = False, show_special: bool = False) -> pd.DataFrame:
        """Display scores: columns ``position``, ``token``, ``score``.

        A sentence pair adds a ``segment`` column (0 for the first text, 1 for
        the second).

        Args:
            subwords: keep sub-word pieces; else merge them into words (sum for
                signed methods, L2 norm for unsigned ones).
            show_special: keep [CLS], [SEP] and other special tokens.
        """
        segments = words.segment_ids(self.special)
        if subwords:
            tokens, scores, special = self.tokens, self.scores, self.special
        else:
            tokens, scores, special = words.aggregate(
                self.tokens, self.scores, self.special, self.signed
            )
            groups = words.word_groups(self.tokens, self.special)
            segments = segments[[group[0] for group in groups]]
        frame = pd.DataFrame(
            {
                "position": np.arange(len(tokens)),
                "token": tokens,
                "score": np.asarray(scores, dtype=np.float64),
                "special": np.asarray(special, dtype=bool),
            }
        )
        if segments[~frame["special"].to_numpy()].max(initial=0) > 0:
            frame["segment"] = segments
        if not show_special:
            frame = frame[~frame["special"]]
        return frame.drop(columns="special").reset_index(drop=True)

    def top_tokens(self, k: int, subwords: bool = False) -> pd.DataFrame:
        """The ``k`` content tokens (or words) that push most toward the target."""
        frame = self.table(subwords=subwords)
        return frame.sort_values("score", ascending=False, kind="stable").head(k)


def precision_param(
    default: str = "fp32",
    help: str = "bf16 is several times faster on CPUs with bf16 support, to about "
    "3 significant digits; fp32 is exact.",
    options: tuple[str, ...] = PRECISIONS,
) -> Any:
    """The ``precision`` field of methods that run many forward passes."""
    return param("Precision", default, help, options=options)


@dataclass(frozen=True)
class SalienceMethod(Component):
    """Base of every method. Subclasses set the class attributes and ``_scores``.

    Class attributes:
        signed: whether scores carry a direction.
        expensive: run on demand only, with a spinner.
        seconds_per_example: expected time on 2 CPU cores for a 40-token text
            (measured by ``benchmarks/salience.py``), shown before running,
            scaled by this machine's observed speed (``timing``).
        fixed_cost, length_power: time grows with the length ``n`` as
            ``fixed_cost + n ** length_power`` (fitted on 8-128 tokens by
            ``benchmarks/salience_lengths.py``); ``fixed_cost`` is in the same
            units, one token's cost.
    """

    signed: ClassVar[bool]
    expensive: ClassVar[bool] = False
    seconds_per_example: ClassVar[float]
    explains_functions: ClassVar[bool] = False
    fixed_cost: ClassVar[float] = 0.0
    length_power: ClassVar[int] = 1

    def expected_seconds(self, num_tokens: int) -> float:
        """Rough time for one text of ``num_tokens`` tokens, to show before running:
        the nominal figure times what this machine's runs took against it."""
        return self._nominal_seconds(num_tokens) * SPEED.factor(self.name)

    def _nominal_seconds(self, num_tokens: int) -> float:
        """``seconds_per_example`` scaled to the length and the configuration."""
        return (
            self.seconds_per_example
            * self._length_cost(max(num_tokens, 1))
            / self._length_cost(40)
            * self._work()
        )

    def _length_cost(self, num_tokens: int) -> float:
        return self.fixed_cost + num_tokens**self.length_power

    def _work(self) -> float:
        """Work relative to the default configuration (e.g. steps / 32)."""
        return 1.0

    def is_compatible(self, model: SequenceClassifier) -> bool:
        """Whether this method can explain ``model``; the UI offers only these."""
        return model.model.get_input_embeddings() is not None

    def explain(
        self,
        model: SequenceClassifier,
        text: str,
        text_b: str | None = None,
        target: int | TargetFunction | None = None,
    ) -> TokenSalience:
        """Scores every token of ``text`` (and ``text_b``) for ``target``.

        Args:
            model: the classifier (or regressor); never modified.
            text: the first segment.
            text_b: the second segment of a pair, or None.
            target: class index to explain (None: the predicted class), or a
                target function (methods with ``explains_functions``).

        Raises:
            LumenError: empty text, a target the model does not have, or a
                target function the method cannot explain.
        """
        texts_b = None if text_b is None else [text_b]
        targets = target if isinstance(target, TargetFunction) else [target]
        return self.explain_batch(model, [text], texts_b, targets)[0]

    def explain_batch(
        self,
        model: SequenceClassifier,
        texts: Sequence[str],
        texts_b: Sequence[str] | None = None,
        targets: Sequence[int | None] | TargetFunction | None = None,
    ) -> list[TokenSalience]:
        """Like ``explain`` for several texts; equal to explaining one at a time.

        Args:
            targets: a class index per text (None: the predicted class), or one
                target function for every text.
        """
        started = time.perf_counter()
        self.validate()
        function = targets if isinstance(targets, TargetFunction) else None
        if function is not None and not self.explains_functions:
            raise LumenError(
                f"{self.name} explains a class, not the {function.label}: use a "
                "gradient method (Gradient × input, Integrated gradients)."
            )
        encoded = encode(model, texts, texts_b)
        if function is not None:
            wanted = [0] * len(encoded)  # the function's value: column 0
        else:
            wanted = [None] * len(encoded) if targets is None else list(targets)
        classes, explained, scores, details = self._explain(
            model, encoded, wanted, function
        )
        seconds = (time.perf_counter() - started) / len(encoded)
        mean_tokens = sum(len(item.token_ids) for item in encoded) / len(encoded)
        SPEED.record(self.name, seconds, self._nominal_seconds(round(mean_tokens)))
        return [
            TokenSalience(
                method=self.name,
                tokens=item.tokens,
                scores=np.asarray(item_scores, dtype=np.float32),
                signed=self.signed,
                special=item.special,
                token_ids=item.token_ids,
                type_ids=item.type_ids,
                target=None if function else target,
                target_label=function.label if function else model.labels[target],
                target_output=output,
                truncated=item.truncated,
                seconds=seconds,
                details=item_details,
            )
            for item, item_scores, item_details, target, output in zip(
                encoded, scores, details, classes, explained
            )
        ]

    def _explain(
        self,
        model: SequenceClassifier,
        encoded: list[EncodedText],
        wanted: list[int | None],
        function: TargetFunction | None,
    ) -> tuple[list[int], list[float], list[np.ndarray], list[dict[str, Any]]]:
        """(classes, their outputs, scores, details) for the wanted targets.

        One forward pass resolves the targets, then ``_scores`` explains them;
        a method whose own pass yields the outputs overrides this, and one with
        ``explains_functions`` explains ``function`` (column 0) when given.
        """
        classes, probabilities = target_probabilities(model, encoded, wanted)
        scores, details = self._scores(model, encoded, classes)
        return classes, probabilities, scores, details

    def _scores(
        self,
        model: SequenceClassifier,
        encoded: list[EncodedText],
        targets: list[int],
    ) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
        """Per text: ``<float32>[num_tokens]`` scores and a details dict."""
        raise NotImplementedError
