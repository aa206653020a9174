"""The interface every salience method shares, and the result it returns.

A method is a frozen dataclass: its fields are its configuration (with their
defaults, as in LIT's components), and the field metadata tells the UI how to
draw a widget for each (``param``). ``explain`` validates and explains one text;
``explain_batch`` explains several, batched where the method allows it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from litcore.errors import LumenError
from litcore.models.classifier import SequenceClassifier
from litcore.salience import words
from litcore.salience.inputs import (
    PRECISIONS,
    EncodedText,
    encode,
    target_probabilities,
)
from litcore.salience.timing import SPEED


@dataclass
class TokenSalience:
    """Scores per model token for one text, explaining one target class.

    Attributes:
        method: display name of the method.
        tokens: the model's tokens, special tokens included.
        scores: ``<float32>[num_tokens]``; for signed methods, positive pushes
            toward the target class, negative away from it.
        signed: whether scores carry a direction.
        special: ``<bool>[num_tokens]``, True at [CLS], [SEP] and the like.
        token_ids: the model's input ids (for faithfulness re-runs).
        type_ids: the model's token type ids.
        target: index of the explained class.
        target_label: name of the explained class.
        target_probability: the model's probability of the target class.
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
    target: int
    target_label: str
    target_probability: float
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


@dataclass(frozen=True)
class Param:
    """How the UI draws one configuration field.

    ``options`` makes a choice; otherwise an integer between ``low`` and ``high``.
    """

    label: str
    help: str = ""
    low: int | None = None
    high: int | None = None
    options: tuple[str, ...] = ()


def param(label: str, default: Any, help: str = "", **limits: Any) -> Any:
    """A dataclass field carrying its widget description in its metadata."""
    return field(default=default, metadata={"param": Param(label, help, **limits)})


def precision_param(
    default: str = "fp32",
    help: str = "bf16 is several times faster on CPUs with bf16 support, to about "
    "3 significant digits; fp32 is exact.",
    options: tuple[str, ...] = PRECISIONS,
) -> Any:
    """The ``precision`` field of methods that run many forward passes."""
    return param("Precision", default, help, options=options)


def params_of(method_class: type[SalienceMethod]) -> dict[str, tuple[Param, Any]]:
    """Configuration fields of a method class: name -> (widget spec, default)."""
    return {
        f.name: (f.metadata["param"], f.default)
        for f in dataclasses.fields(method_class)
        if "param" in f.metadata
    }


@dataclass(frozen=True)
class SalienceMethod:
    """Base of every method. Subclasses set the class attributes and ``_scores``.

    Class attributes:
        name: display name (the registry key).
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

    name: ClassVar[str]
    signed: ClassVar[bool]
    expensive: ClassVar[bool] = False
    seconds_per_example: ClassVar[float]
    fixed_cost: ClassVar[float] = 0.0
    length_power: ClassVar[int] = 1

    def config(self) -> tuple[tuple[str, Any], ...]:
        """The configuration as a hashable tuple (for cache keys)."""
        return tuple(dataclasses.asdict(self).items())

    def validate(self) -> None:
        """Checks every setting against its widget spec.

        Raises:
            LumenError: a choice not offered, or a number out of range.
        """
        for name, (spec, _) in params_of(type(self)).items():
            value = getattr(self, name)
            if spec.options and value not in spec.options:
                raise LumenError(
                    f"{self.name}: {spec.label} must be one of {spec.options}, "
                    f"not {value!r}."
                )
            if not spec.options and not spec.low <= value <= spec.high:
                raise LumenError(
                    f"{self.name}: {spec.label} must be between {spec.low} and "
                    f"{spec.high}, not {value}."
                )

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
        target: int | None = None,
    ) -> TokenSalience:
        """Scores every token of ``text`` (and ``text_b``) for class ``target``.

        Args:
            model: the classifier; never modified.
            text: the first segment.
            text_b: the second segment of a pair, or None.
            target: class index to explain; None explains the predicted class.

        Raises:
            LumenError: empty text, or a target the model does not have.
        """
        texts_b = None if text_b is None else [text_b]
        targets = None if target is None else [target]
        return self.explain_batch(model, [text], texts_b, targets)[0]

    def explain_batch(
        self,
        model: SequenceClassifier,
        texts: Sequence[str],
        texts_b: Sequence[str] | None = None,
        targets: Sequence[int | None] | None = None,
    ) -> list[TokenSalience]:
        """Like ``explain`` for several texts; equal to explaining one at a time."""
        started = time.perf_counter()
        self.validate()
        encoded = encode(model, texts, texts_b)
        wanted = [None] * len(encoded) if targets is None else list(targets)
        classes, probabilities, scores, details = self._explain(model, encoded, wanted)
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
                target=target,
                target_label=model.labels[target],
                target_probability=probability,
                truncated=item.truncated,
                seconds=seconds,
                details=item_details,
            )
            for item, item_scores, item_details, target, probability in zip(
                encoded, scores, details, classes, probabilities
            )
        ]

    def _explain(
        self,
        model: SequenceClassifier,
        encoded: list[EncodedText],
        wanted: list[int | None],
    ) -> tuple[list[int], list[float], list[np.ndarray], list[dict[str, Any]]]:
        """(classes, their probabilities, scores, details) for the wanted targets.

        One forward pass resolves the targets, then ``_scores`` explains them;
        a method whose own pass yields the probabilities overrides this.
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
