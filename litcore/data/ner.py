"""NER data: CoNLL token-per-line or JSONL ``tokens``/``tags``; tag schemes to spans.

Accepted schemes: IOB1 (``B-`` only between two adjacent entities of one
type), IOB2 (every entity starts with ``B-``) and BIOES (``S-`` single,
``E-`` end). Everything is normalised to IOB2, from which spans are read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from litcore.api.errors import DataError
from litcore.data.dataset import example_ids

OUTSIDE = "O"
SCHEMES = ("IOB1", "IOB2", "BIOES")
DOCSTART = "-DOCSTART-"
_JSONL_SUFFIXES = frozenset({".jsonl", ".json", ".ndjson"})


@dataclass(frozen=True, order=True)
class Span:
    """Tokens ``start`` to ``end`` (exclusive) form an entity of type ``label``."""

    start: int
    end: int
    label: str


def _split(tag: str) -> tuple[str, str]:
    """(prefix, entity type): ``B-PER`` -> (B, PER); ``O`` -> (O, '')."""
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in {"B", "I", "E", "S"} or not label:
        raise DataError(
            f"Tag '{tag}' is not of the form B-TYPE, I-TYPE, E-TYPE, S-TYPE or O."
        )
    return prefix, label


def detect_scheme(tag_sequences: Sequence[Sequence[str]]) -> str:
    """BIOES if any ``E-``/``S-``; IOB1 if an ``I-`` opens an entity; else IOB2."""
    scheme = "IOB2"
    for tags in tag_sequences:
        previous = ""
        for tag in tags:
            prefix, label = _split(tag)
            if prefix in {"E", "S"}:
                return "BIOES"
            if prefix == "I" and previous != label:
                scheme = "IOB1"
            previous = label
    return scheme


def to_iob2(tags: Sequence[str], scheme: str) -> list[str]:
    """The same entities written in IOB2.

    Raises:
        DataError: an unknown scheme or a malformed tag.
    """
    if scheme not in SCHEMES:
        raise DataError(f"Unknown tag scheme '{scheme}'; use one of {SCHEMES}.")
    converted, previous = [], ""
    for tag in tags:
        prefix, label = _split(tag)
        if prefix == OUTSIDE:
            converted.append(OUTSIDE)
        elif prefix in {"B", "S"}:
            converted.append(f"B-{label}")
        elif prefix == "I" and scheme == "IOB1" and previous != label:
            converted.append(f"B-{label}")
        else:  # I continuing, or E closing (lenient on a missing B/I before it)
            converted.append(f"{'I' if previous == label else 'B'}-{label}")
        previous = "" if prefix in {OUTSIDE, "E", "S"} else label
    return converted


def spans(tags: Sequence[str], scheme: str = "IOB2") -> list[Span]:
    """Entity spans of one tag sequence (token offsets, end exclusive)."""
    found: list[Span] = []
    start, current = 0, ""
    for position, tag in enumerate([*to_iob2(tags, scheme), OUTSIDE]):
        prefix, label = _split(tag)
        if current and (prefix != "I" or label != current):
            found.append(Span(start, position, current))
            current = ""
        if prefix == "B":
            start, current = position, label
    return found


def _frame(sentences: list[tuple[list[str], list[str]]], source: str) -> pd.DataFrame:
    if not sentences:
        raise DataError(f"No sentences found in {source}.")
    frame = pd.DataFrame(
        {
            "tokens": [tokens for tokens, _ in sentences],
            "tags": [tags for _, tags in sentences],
        }
    )
    frame.insert(0, "text", [" ".join(tokens) for tokens in frame["tokens"]])
    frame.insert(0, "id", example_ids(frame[["text"]]))
    frame["scheme"] = detect_scheme(frame["tags"])
    return frame


def read_conll(text: str, tag_column: int = -1) -> pd.DataFrame:
    """Reads token-per-line data: the token first, the tag in ``tag_column``.

    Blank lines end sentences; ``-DOCSTART-`` lines are skipped.

    Returns:
        Columns ``id``, ``text`` (tokens joined by spaces), ``tokens``, ``tags``
        (lists) and ``scheme`` (the detected tag scheme).
    """
    sentences, tokens, tags = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if fields and fields[0] == DOCSTART:
            continue
        if not fields:
            if tokens:
                sentences.append((tokens, tags))
            tokens, tags = [], []
            continue
        if len(fields) < 2:
            raise DataError(
                f"Line {number} has one column ('{line.strip()}'); CoNLL lines need "
                "a token and a tag separated by whitespace."
            )
        tokens.append(fields[0])
        tags.append(fields[tag_column])
        _split(fields[tag_column])
    if tokens:
        sentences.append((tokens, tags))
    return _frame(sentences, "the CoNLL file")


def read_ner_jsonl(text: str) -> pd.DataFrame:
    """Reads one JSON object per line with ``tokens`` and ``tags`` lists."""
    sentences = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"Line {number} is not JSON: {error.msg}.") from error
        missing = [key for key in ("tokens", "tags") if key not in record]
        if missing:
            raise DataError(
                f"Line {number} lacks {', '.join(missing)}: each line needs "
                '"tokens" and "tags" lists.'
            )
        tokens, tags = (
            [str(t) for t in record["tokens"]],
            [str(t) for t in record["tags"]],
        )
        if len(tokens) != len(tags):
            raise DataError(
                f"Line {number} has {len(tokens)} tokens but {len(tags)} tags."
            )
        for tag in tags:
            _split(tag)
        sentences.append((tokens, tags))
    return _frame(sentences, "the JSONL file")


def ner_format(filename: str) -> str:
    """How a NER file is read (and stored): ``.jsonl``/``.json``/``.ndjson`` as
    ``"jsonl"``, anything else (``.conll``, ``.txt``, ``.tsv``...) as ``"conll"``."""
    return "jsonl" if Path(filename).suffix.lower() in _JSONL_SUFFIXES else "conll"


def read_ner(content: bytes, filename: str) -> pd.DataFrame:
    """Reads an uploaded NER file in its ``ner_format``."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"'{filename}' is not UTF-8 text.") from error
    if ner_format(filename) == "jsonl":
        return read_ner_jsonl(text)
    return read_conll(text)
