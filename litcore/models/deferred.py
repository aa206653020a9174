"""A classifier opened from what is stored about it, its code loaded on first use.

A warm launch shows stored predictions: all its first page needs of the model
is the folder, the classes, the fingerprint (the key of the stored
predictions) and the max length. ``open_classifier`` loads a local folder
once with transformers and keeps those four in a small JSON file of the cache
(``identities/``), keyed by the folder's files (names, sizes, times), the
installed transformers version and the load's settings. Opened again, the
folder comes back as a ``DeferredClassifier`` read from that file with
``json``, so neither torch nor transformers is imported until a page needs the
tokenizer or the weights (or the app loads them in the background).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from litcore.api import types
from litcore.api.errors import ModelError
from litcore.models.outputs import classifier_input_spec, classifier_output_spec
from litcore.store.paths import cache_dir, write_atomically

if TYPE_CHECKING:
    from litcore.models.classifier import SequenceClassifier

IDENTITIES = "identities"  # the cache's folder of stored identities


@dataclass(frozen=True)
class ClassifierIdentity:
    """What the first page reads of a classifier: ``SequenceClassifier``'s
    attributes of the same names."""

    source: str
    labels: tuple[str, ...]
    fingerprint: str
    max_length: int


def identity_of(classifier: SequenceClassifier) -> ClassifierIdentity:
    return ClassifierIdentity(
        classifier.source,
        classifier.labels,
        classifier.fingerprint,
        classifier.max_length,
    )


def folder_key(source: str) -> str | None:
    """A key that changes when any file directly in the folder ``source`` or the
    transformers version changes; None when ``source`` is not a local folder."""
    folder = Path(source)
    if not folder.is_dir():
        return None
    parts = [source, f"transformers {metadata.version('transformers')}"]
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_file():
                stat = entry.stat()
                parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()


def read_identity(key: str) -> ClassifierIdentity | None:
    """The identity stored under ``key``, or None: none, or not one
    ``write_identity`` wrote (a damaged file is never trusted, only ignored)."""
    path = cache_dir(IDENTITIES) / f"{key}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(stored, dict) or set(stored) != {
        "source",
        "labels",
        "fingerprint",
        "max_length",
    }:
        return None
    labels, max_length = stored["labels"], stored["max_length"]
    well_formed = (
        isinstance(stored["source"], str)
        and isinstance(labels, list)
        and len(labels) >= 2
        and all(isinstance(label, str) for label in labels)
        and isinstance(stored["fingerprint"], str)
        and stored["fingerprint"] != ""
        and isinstance(max_length, int)
        and not isinstance(max_length, bool)
        and max_length >= 1
    )
    if not well_formed:
        return None
    return ClassifierIdentity(
        stored["source"], tuple(labels), stored["fingerprint"], max_length
    )


def write_identity(key: str, identity: ClassifierIdentity) -> None:
    """Stores ``identity`` under ``key`` (a reader never sees half a file). A
    cache that cannot be written is left as it is."""
    content = json.dumps(asdict(identity)).encode("utf-8")
    try:
        write_atomically(cache_dir(IDENTITIES) / f"{key}.json", content)
    except OSError:
        pass


class DeferredClassifier:
    """A ``SequenceClassifier`` known by its stored identity until more is asked.

    ``source``, ``labels``, ``fingerprint``, ``max_length`` and the specs come
    from the identity; any other attribute (``predict``, ``tokenizer``, ``model``,
    the specs, ...) loads the classifier first, once, and is the loaded one's.
    Like the classifier, it is shared by every session and never mutated after
    the load.
    """

    revision = None  # a folder opened at a revision is never deferred

    def __init__(
        self, identity: ClassifierIdentity, load: Callable[[], SequenceClassifier]
    ) -> None:
        """``load`` returns the classifier (torch and transformers load then)."""
        self.source = identity.source
        self.labels = identity.labels
        self.fingerprint = identity.fingerprint
        self.max_length = identity.max_length
        self._identity = identity
        self._load = load
        self._classifier: SequenceClassifier | None = None
        self._load_lock = threading.Lock()

    def classifier(self) -> SequenceClassifier:
        """The loaded classifier (loaded now on first use).

        Raises:
            ModelError: it cannot be loaded, or is no longer the model whose
                predictions the session shows.
        """
        if self._classifier is None:
            with self._load_lock:
                if self._classifier is None:
                    loaded = self._load()
                    if identity_of(loaded) != self._identity:
                        raise ModelError(
                            f"The model in '{self.source}' changed since its "
                            "predictions were shown; open it again to see the "
                            "new model's."
                        )
                    self._classifier = loaded
        return self._classifier

    def input_spec(self) -> types.Spec:
        return classifier_input_spec(self.labels)

    def output_spec(self) -> types.Spec:
        return classifier_output_spec(self.labels)

    def release_weights(self) -> None:
        """``SequenceClassifier.release_weights`` if the classifier was loaded."""
        if self._classifier is not None:
            self._classifier.release_weights()

    def __getattr__(self, name: str):
        # Called only for what this object lacks: the loaded classifier's.
        own = ("_classifier", "_identity", "_load", "_load_lock")
        if name.startswith("__") or name in own:
            raise AttributeError(name)
        return getattr(self.classifier(), name)


def open_classifier(
    source: str, trust_remote_code: bool = False, revision: str | None = None
) -> SequenceClassifier | DeferredClassifier:
    """``SequenceClassifier.from_pretrained(source, ...)``, or a
    ``DeferredClassifier`` where a local folder's identity is stored.

    Only a local folder without remote code or a revision is deferred; its
    first full load stores its identity.

    Raises:
        ModelError, WrongTaskError: as ``from_pretrained`` (for a deferred
            folder, when it loads).
    """

    def load() -> SequenceClassifier:
        from litcore.models.classifier import SequenceClassifier  # torch: here

        return SequenceClassifier.from_pretrained(
            source, trust_remote_code=trust_remote_code, revision=revision
        )

    deferrable = not trust_remote_code and revision is None
    key = folder_key(source) if deferrable else None
    identity = read_identity(key) if key else None
    if identity is not None and identity.source == source:
        return DeferredClassifier(identity, load)
    classifier = load()
    if key:
        write_identity(key, identity_of(classifier))
    return classifier
