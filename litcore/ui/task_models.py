"""Cached loaders and computations for the task pages (masked LM, generation, NER).

Models are ``st.cache_resource`` (one per process, keyed by path, never
mutated); results are ``st.cache_data`` keyed by the model's fingerprint and
the inputs, so reruns and other sessions asking the same thing are free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import TypeVar

import pandas as pd
import streamlit as st

from litcore.api.errors import DataError, LumenError
from litcore.data.loading import read_source, source_bytes
from litcore.data.ner import Span, read_ner, spans, to_iob2
from litcore.metrics import registry as metrics
from litcore.metrics.tasks import GenerationMetrics
from litcore.models.generation import Generation, Generator, SequenceSalience
from litcore.models.masked_lm import MaskedLM, MaskFill
from litcore.models.token_classifier import TokenClassifier
from litcore.session import policy
from litcore.ui.escape import plain
from litcore.ui.pickers import model_source_box

T = TypeVar("T")
# Models of each task kept loaded per process (one in public mode).
MODELS_KEPT = policy.models_kept(private=2)


def model_box(
    label: str,
    key: str,
    placeholder: str,
    hint: str,
    load: Callable[[str], T],
    empty_state: Callable[[], None] | None = None,
) -> T:
    """A box for a model folder or hub id, and the model ``load`` makes of it.

    Stops the page with ``hint`` (and, outside public mode, what
    ``empty_state`` draws) while the box is empty, and with the loader's (or
    the server policy's) message when it raises a ``LumenError``.
    """
    source, _ = model_source_box(label, key, placeholder=placeholder)
    if source is None:
        st.info(hint)
        if empty_state is not None and not policy.active().public:
            empty_state()
        st.stop()
    try:
        policy.active().check_model(source)
        return load(source)
    except LumenError as error:
        st.error(plain(error))
        st.stop()


@st.cache_resource(show_spinner="Loading the masked LM…", max_entries=MODELS_KEPT)
def masked_lm(source: str) -> MaskedLM:
    return MaskedLM.from_pretrained(source.strip())


@st.cache_resource(show_spinner="Loading the generator…", max_entries=MODELS_KEPT)
def generator(source: str) -> Generator:
    return Generator.from_pretrained(source.strip())


@st.cache_resource(
    show_spinner="Loading the token classifier…", max_entries=MODELS_KEPT
)
def token_classifier(source: str) -> TokenClassifier:
    return TokenClassifier.from_pretrained(source.strip())


# --- masked LM ------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def mask_fill(
    fingerprint: str, text: str, top_k: int, masked: tuple[int, ...], _model: MaskedLM
) -> MaskFill:
    return _model.fill(text, top_k, masked)


@st.cache_data(show_spinner=False, max_entries=64)
def tokens_of(
    fingerprint: str, text: str, _model: MaskedLM
) -> tuple[list[str], frozenset[int]]:
    """``text``'s tokens and the positions of the special ones ([CLS], [SEP])."""
    ids = _model.encode(text)
    special = frozenset(_model.special_positions(ids))
    return _model.tokenizer.convert_ids_to_tokens(ids), special


@st.cache_data(show_spinner="Scoring every token…", max_entries=8)
def surprisal(
    fingerprint: str, texts: tuple[str, ...], _model: MaskedLM
) -> pd.DataFrame:
    return _model.surprisal(list(texts))


# --- generation -----------------------------------------------------------------


@st.cache_data(show_spinner="Generating…", max_entries=64)
def generation(
    fingerprint: str,
    prompt: str,
    max_new_tokens: int,
    top_k: int,
    forced_prefix: tuple[int, ...],
    _model: Generator,
) -> Generation:
    return _model.generate(prompt, max_new_tokens, top_k, forced_prefix)


@st.cache_data(show_spinner="Computing gradients…", max_entries=64)
def generation_salience(
    fingerprint: str,
    prompt: str,
    output_ids: tuple[int, ...],
    position: int,
    _model: Generator,
) -> SequenceSalience:
    return _model.salience(prompt, list(output_ids), position)


@st.cache_data(show_spinner="Generating for every row…", max_entries=8)
def corpus_scores(
    fingerprint: str,
    prompts: tuple[str, ...],
    targets: tuple[str, ...],
    max_new_tokens: int,
    _model: Generator,
) -> tuple[pd.DataFrame, float]:
    """(per-row frame with output and ROUGE-L, corpus BLEU)."""
    outputs = _model.generate_batch(prompts, max_new_tokens)
    report = metrics.build(GenerationMetrics.name).compute(targets, outputs)
    frame = pd.DataFrame(
        {
            "text": prompts,
            "target": targets,
            "generated": outputs,
            "rouge_l": report.rouge_l,
        }
    )
    return frame, report.headline["bleu"]


# --- NER ------------------------------------------------------------------------


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def ner_file(source: str, filename: str) -> pd.DataFrame:
    """The sentences of a picked NER file (``data_file_picker``'s source and
    file name), read once per process.

    Raises:
        PolicyError: a server path in public mode.
        DataError: as ``source_bytes`` and ``read_ner``.
    """
    policy.active().check_data_source(source)
    return read_ner(source_bytes(source), filename)


@st.cache_data(show_spinner="Tagging…", max_entries=8)
def ner_analysis(
    fingerprint: str, data_key: str, _frame: pd.DataFrame, _model: TokenClassifier
) -> pd.DataFrame:
    """The file's frame plus IOB2 gold/pred tags and spans (``data_key``: its ids)."""
    predictions = _model.predict(list(_frame["tokens"]))
    frame = _frame.copy()
    scheme = frame["scheme"].iloc[0]
    pred_scheme = _prediction_scheme(_model)
    frame["gold_tags"] = [to_iob2(tags, scheme) for tags in frame["tags"]]
    frame["pred_tags"] = [to_iob2(tags, pred_scheme) for tags in predictions.tags]
    frame["gold_spans"] = [spans(tags) for tags in frame["gold_tags"]]
    frame["pred_spans"] = [spans(tags) for tags in frame["pred_tags"]]
    frame["truncated"] = predictions.truncated
    return frame


# --- files and rendering shared by the task pages -------------------------------


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def picked_table(source: str) -> pd.DataFrame:
    """A picked CSV/TSV/JSONL/Parquet file (``data_file_picker``'s source: a
    stored upload's spec, or a path) as read, once per process.

    Raises:
        PolicyError: a server path in public mode.
        DataError: as ``read_source``.
    """
    policy.active().check_data_source(source)
    return read_source(source)


@st.cache_data(show_spinner=False, max_entries=8)
def table_file(source: str, filename: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """``picked_table`` with ``columns``, text kept as str (``filename`` names
    the file in messages).

    Raises:
        PolicyError: a server path in public mode.
        DataError: unknown format, unreadable, or a column is missing.
    """
    raw = picked_table(source)
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise DataError(
            f"'{filename}' has no column {', '.join(repr(c) for c in missing)}; "
            f"its columns are {', '.join(map(str, raw.columns))}."
        )
    return raw[list(columns)].dropna().astype(str).reset_index(drop=True)


def spans_html(
    tokens: Sequence[str], spans_: Sequence[Span], colours: dict[str, str], title: str
) -> str:
    """Tokens inline with each span highlighted in its type's colour; all escaped."""
    starts = {span.start: span for span in spans_}
    parts, position = [f"<b>{escape(title)}</b>&nbsp; "], 0
    while position < len(tokens):
        span = starts.get(position)
        if span is None:
            parts.append(escape(tokens[position]) + " ")
            position += 1
            continue
        words = escape(" ".join(tokens[span.start : span.end]))
        colour = colours.get(span.label, "#999999")
        parts.append(
            f'<span style="background:{colour}33;border:1px solid {colour};'
            f'border-radius:4px;padding:1px 4px;margin:0 2px">{words} '
            f'<sub style="color:{colour};font-weight:600">{escape(span.label)}</sub>'
            "</span> "
        )
        position = span.end
    return '<div style="line-height:2.1;margin:2px 0">' + "".join(parts) + "</div>"


@st.cache_data(show_spinner=False, max_entries=64)
def ner_typed(
    fingerprint: str, words: tuple[str, ...], _model: TokenClassifier
) -> list[Span]:
    """Predicted spans of one typed sentence."""
    tags = _model.predict([list(words)]).tags[0]
    return spans(to_iob2(tags, _prediction_scheme(_model)))


def _prediction_scheme(model: TokenClassifier) -> str:
    """BIOES when the model has E-/S- labels; else IOB1, which also reads IOB2."""
    return "BIOES" if any(t[:2] in {"E-", "S-"} for t in model.labels) else "IOB1"
