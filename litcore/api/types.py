"""Field specs: what a dataset holds and what a model reads and returns.

Modelled on LIT's ``lit_nlp/api/types.py``: a spec is a ``dict`` from field
name to a ``FieldSpec`` instance. Views and interpreters look at the types in a
spec to decide whether they apply (``is_compatible``), never at field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Spec = dict[str, "FieldSpec"]


@dataclass(frozen=True)
class FieldSpec:
    """Base of every field type. ``required`` fields must be present."""

    required: bool = True


# --- inputs -----------------------------------------------------------------


@dataclass(frozen=True)
class TextSegment(FieldSpec):
    """Untokenized text."""


@dataclass(frozen=True)
class CategoryLabel(FieldSpec):
    """One label out of ``vocab`` (inferred from the data when empty)."""

    vocab: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scalar(FieldSpec):
    """A number: a regression target, a rating, a length."""

    min_val: float | None = None
    max_val: float | None = None


@dataclass(frozen=True)
class MultiLabel(FieldSpec):
    """A set of labels out of ``vocab`` (multi-label classification)."""

    vocab: tuple[str, ...] = ()


@dataclass(frozen=True)
class SequenceTags(FieldSpec):
    """One tag per token of the ``align`` tokens field (NER gold tags)."""

    align: str = "tokens"


@dataclass(frozen=True)
class TargetText(FieldSpec):
    """Reference output text for generation."""


# --- outputs ----------------------------------------------------------------


@dataclass(frozen=True)
class MulticlassPreds(FieldSpec):
    """Probabilities over ``vocab``; ``parent`` names the gold label field."""

    vocab: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class RegressionScore(FieldSpec):
    """A predicted number; ``parent`` names the gold scalar field."""

    parent: str | None = None


@dataclass(frozen=True)
class MultiLabelPreds(FieldSpec):
    """Independent per-label probabilities over ``vocab``."""

    vocab: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class Tokens(FieldSpec):
    """The model's tokens for the input field named ``parent``."""

    parent: str | None = None


@dataclass(frozen=True)
class Embeddings(FieldSpec):
    """A pooled vector per example. ``pooling`` says how (``cls``, ``mean``)."""

    pooling: str = "cls"


@dataclass(frozen=True)
class TokenGradients(FieldSpec):
    """Gradient of the target w.r.t. each token's input embedding."""

    align: str = "tokens"


@dataclass(frozen=True)
class AttentionHeads(FieldSpec):
    """Attention of one layer: ``<float>[num_heads, num_tokens, num_tokens]``."""

    align: str = "tokens"


@dataclass(frozen=True)
class GeneratedText(FieldSpec):
    """Generated text; ``parent`` names the reference field."""

    parent: str | None = None


@dataclass(frozen=True)
class TokenTopK(FieldSpec):
    """Per output token, the top-k alternatives with their probabilities."""

    align: str = "tokens"


@dataclass(frozen=True)
class SequenceTagPreds(FieldSpec):
    """Predicted tags per token (NER); ``parent`` names the gold tags field."""

    vocab: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class SpanLabels(FieldSpec):
    """Labelled character spans ``(start, end, label)`` over a text field."""

    align: str = "text"


def fields_of_type(spec: Spec, kind: type[FieldSpec]) -> list[str]:
    """Names of the fields in ``spec`` that are instances of ``kind``."""
    return [name for name, field_spec in spec.items() if isinstance(field_spec, kind)]


@dataclass
class LoadReport:
    """What validation found while loading data; shown to the user, never raised."""

    n_rows: int = 0
    n_kept: int = 0
    n_empty_skipped: int = 0
    n_truncated: int = 0
    n_duplicates: int = 0
    messages: list[str] = field(default_factory=list)
