"""Loading a Hugging Face model of one task type, refusing any other type.

Shared by the task wrappers (masked LM, generation, token classification):
one place that turns a missing folder or a wrong head into a ``ModelError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import transformers
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES,
)

from litcore.errors import ModelError
from litcore.models.classifier import LOAD_ERRORS, _fingerprint

transformers.logging.set_verbosity_error()


def load_task_model(
    name_or_path: str | Path,
    auto_classes: Mapping[str, type],
    task_name: str,
    trust_remote_code: bool = False,
):
    """Loads a model whose architecture fits one of ``auto_classes``.

    Args:
        name_or_path: a local folder or a hub id (online only).
        auto_classes: architecture names (e.g. ``GPT2LMHeadModel``) -> the
            ``AutoModelFor...`` class that loads them.
        task_name: what the user asked for, for the error message.
        trust_remote_code: passed to Hugging Face; off unless the user opts in.

    Returns:
        (model in eval mode, tokenizer, the architecture name found).

    Raises:
        ModelError: not found, or an architecture of another task.
    """
    source = str(name_or_path)
    if not source.strip():
        raise ModelError(f"Give the folder (or hub id) of a {task_name}.")
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as error:
        raise ModelError(
            f"Could not load a model from '{source}': {str(error).splitlines()[0]} "
            "Give a folder with config.json, or a hub id (online)."
        ) from error
    architectures = list(getattr(config, "architectures", None) or [])
    found = next((a for a in architectures if a in auto_classes), None)
    if found is None:
        kind = ", ".join(architectures) or config.model_type
        raise ModelError(
            f"'{source}' is a {kind}, not a {task_name}. Pick a model with a "
            f"{task_name} head (e.g. {', '.join(sorted(auto_classes)[:3])})."
        )
    try:
        model = auto_classes[found].from_pretrained(
            source, trust_remote_code=trust_remote_code
        )
        tokenizer = AutoTokenizer.from_pretrained(
            source, trust_remote_code=trust_remote_code
        )
    except LOAD_ERRORS as error:
        raise ModelError(f"Could not load '{source}': {error}") from error
    return model.eval(), tokenizer, found


def architectures_for(names: Mapping[str, str], auto_class: type) -> dict[str, type]:
    """Maps every architecture name in a transformers ``*_MAPPING_NAMES`` to a class."""
    return {architecture: auto_class for architecture in names.values()}


# Every ``...ForSequenceClassification`` (classifiers, regressors, multi-label).
SEQUENCE_ARCHITECTURES = architectures_for(
    MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES, AutoModelForSequenceClassification
)


def max_length_of(model, tokenizer, wanted: int) -> int:
    """The smallest of ``wanted``, the model's positions and the tokenizer's limit."""
    limits = [wanted]
    for limit in (
        getattr(model.config, "max_position_embeddings", None),
        getattr(model.config, "n_positions", None),
        getattr(tokenizer, "model_max_length", None),
    ):
        if isinstance(limit, int) and limit > 0:
            limits.append(limit)
    return int(min(limits))


def fingerprint(source: str, model, max_length: int) -> str:
    """Identifies the weights, as the classifier's fingerprint does."""
    return _fingerprint(source, model.config, max_length)
