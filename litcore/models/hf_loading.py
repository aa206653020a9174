"""Loading Hugging Face models: one place that turns a missing folder, an
unreadable file or a wrong head into a ``ModelError``.

Shared by the sequence classifier and the task wrappers (masked LM, generation,
token classification, regression, multi-label).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import transformers
from safetensors import SafetensorError
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES,
)

from litcore.api.errors import ModelError
from litcore.models.training_config import TRAINING_INFO
from litcore.session import policy

transformers.logging.set_verbosity_error()
# What a missing, unreadable or mismatched weights file raises while loading.
LOAD_ERRORS = (OSError, ValueError, SafetensorError)
# Bumped when batch predictions change for the same weights (v2: the bf16 copy's
# softmax in fp32), so that predictions stored by older code are made again.
INFERENCE_VERSION = 2


def load_config(
    source: str, trust_remote_code: bool = False, revision: str | None = None
):
    """The Hugging Face config of ``source`` (a folder or a hub id).

    It is the first file read of any model, so the server's policy checks a
    hub model's size here, before anything is downloaded.

    Args:
        trust_remote_code: honoured only outside public mode.
        revision: a branch, tag or commit on the hub (a local folder ignores it).

    Raises:
        ModelError: no config there; the message says what to give instead.
        PolicyError: public mode refuses to download it.
    """
    rules = policy.active()
    rules.check_download(source, revision)
    try:
        return AutoConfig.from_pretrained(
            source,
            trust_remote_code=trust_remote_code and rules.remote_code_allowed,
            revision=revision,
        )
    except (OSError, ValueError) as error:
        raise ModelError(
            f"Could not load a model from '{source}': {str(error).splitlines()[0]} "
            "Give a folder with config.json, or a hub id (online)."
        ) from error


def trained_max_length(source: str) -> int | None:
    """The max length a Lumen-trained model was fine-tuned with (``config.max_length``
    in its ``TRAINING_INFO``), or None: not a local folder, or not trained by Lumen.

    Raises:
        ModelError: the file is there but is not what the trainer writes.
    """
    path = Path(source) / TRAINING_INFO
    if not path.is_file():
        return None
    try:
        max_length = json.loads(path.read_text(encoding="utf-8"))["config"][
            "max_length"
        ]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise ModelError(
            f"'{path}' is not a Lumen training summary (no config.max_length); "
            "fix or delete it to open the model with its own limit."
        ) from error
    if isinstance(max_length, bool) or not isinstance(max_length, int):
        raise ModelError(f"'{path}': config.max_length must be a whole number.")
    if max_length < 1:
        raise ModelError(f"'{path}': config.max_length must be 1 or more.")
    return max_length


def load_pretrained(
    auto_class: type,
    source: str,
    trust_remote_code: bool = False,
    revision: str | None = None,
):
    """``auto_class.from_pretrained(source, revision=)`` (a model or a tokenizer).

    ``trust_remote_code`` is honoured only outside public mode.

    Raises:
        ModelError: its files are missing, unreadable or do not match the config.
    """
    trust_remote_code = trust_remote_code and policy.active().remote_code_allowed
    try:
        return auto_class.from_pretrained(
            source, trust_remote_code=trust_remote_code, revision=revision
        )
    except LOAD_ERRORS as error:
        raise ModelError(f"Could not load '{source}': {error}") from error


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
    config = load_config(source, trust_remote_code)
    architectures = list(getattr(config, "architectures", None) or [])
    found = next((a for a in architectures if a in auto_classes), None)
    if found is None:
        kind = ", ".join(architectures) or config.model_type
        raise ModelError(
            f"'{source}' is a {kind}, not a {task_name}. Pick a model with a "
            f"{task_name} head (e.g. {', '.join(sorted(auto_classes)[:3])})."
        )
    model = load_pretrained(auto_classes[found], source, trust_remote_code)
    tokenizer = load_pretrained(AutoTokenizer, source, trust_remote_code)
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
    """Identifies a loaded model's weights (``config_fingerprint`` of its config)."""
    return config_fingerprint(source, model.config, max_length)


def config_fingerprint(
    source: str, config, max_length: int, revision: str | None = None
) -> str:
    """Identifies the predictions: path (and revision), config, the weight files'
    sizes and times, and the inference code's version."""
    parts = [source, json.dumps(config.to_dict(), sort_keys=True, default=str)]
    if revision is not None:
        parts.append(f"revision:{revision}")
    folder = Path(source)
    if folder.is_dir():
        for weights in sorted(folder.glob("*.safetensors")) + sorted(
            folder.glob("*.bin")
        ):
            stat = weights.stat()
            parts.append(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}")
    parts += [str(max_length), f"inference-v{INFERENCE_VERSION}"]
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def save_model_folder(
    model, tokenizer, out_dir: Path, info_name: str, info: Mapping
) -> None:
    """Saves a model folder with ``info`` as JSON beside the weights, atomically.

    It is written to a temporary sibling and renamed, so a crash never leaves a
    half-written model where a loader would find it.
    """
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / info_name).write_text(json.dumps(dict(info), indent=1))
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)
