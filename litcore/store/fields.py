"""The fields of a stored prediction, which a read can ask for some of."""

from __future__ import annotations

from collections.abc import Iterable

# ``litcore.models.outputs.Predictions``' fields, in its order (a test checks).
PREDICTION_FIELDS = ("probas", "cls_embedding", "mean_embedding", "tokens", "truncated")


def checked_fields(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` as a tuple, each a field of a stored prediction, none twice.

    Raises:
        ValueError: an unknown or repeated name, or none at all.
    """
    asked = tuple(names)
    unknown = [name for name in asked if name not in PREDICTION_FIELDS]
    if unknown or not asked or len(set(asked)) != len(asked):
        raise ValueError(
            f"Ask for one or more distinct prediction fields of "
            f"{', '.join(PREDICTION_FIELDS)}; got {', '.join(map(repr, asked))}."
        )
    return asked
