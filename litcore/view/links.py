"""Shareable links: the view state as a dict of strings for the URL's query string.

A link names the dataset, the model (and a second model compared with it),
the page, the filters, the selection, the primary and the pinned example. A
link over an upload names it by content hash (``upload:<sha256>.<format>``, the
capability to read it), with its file name, column mapping, delimiter and
encoding, and may carry the sharer's slice scope; it never carries a path or a
remote-code flag. The
selection is compact: a zlib-packed bitmap over the dataset's id order,
base64url-encoded (a few hundred characters for thousands of ids), checked
against the dataset fingerprint so a link made for other data is reported as
stale instead of selecting the wrong rows. Decoding never trusts the input:
anything malformed raises ``LumenError`` with a message for the user.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from litcore.api.errors import LumenError
from litcore.data.dataset import ColumnMapping
from litcore.store.uploads import is_upload_spec, parse_upload_spec
from litcore.view.filters import Filters
from litcore.view.selection import Selection, member_mask

DATASET, MODEL, PAGE, FINGERPRINT = "data", "model", "page", "fp"
FILTERS, SELECTED, PRIMARY, PINNED = "f", "sel", "primary", "pinned"
MODEL_B = "model_b"
# The regression head (its source and gold column), and the head shown.
HEAD, HEAD_GOLD, SHOWN_HEAD = "head", "head_gold", "shown_head"
# An upload's file name, column mapping, delimiter and encoding; a slice scope.
NAME, COLUMNS, DELIMITER, ENCODING, SLICES = "name", "cols", "delim", "enc", "slices"
DELIMITERS = (",", "\t", ";", "|")
ENCODINGS = ("utf-8", "latin-1", "cp1252", "utf-16")
MAX_NAME_CHARS = 200
_SCOPE_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)
LINK_KEYS = (
    DATASET,
    MODEL,
    MODEL_B,
    HEAD,
    HEAD_GOLD,
    SHOWN_HEAD,
    PAGE,
    FINGERPRINT,
    FILTERS,
    SELECTED,
    PRIMARY,
    PINNED,
    NAME,
    COLUMNS,
    DELIMITER,
    ENCODING,
    SLICES,
)
FILE_PREFIX = "file:"
MAX_PARAM_CHARS = 20_000


@dataclass(frozen=True)
class ViewLink:
    """What a link describes; ids are resolved against the dataset separately.

    Attributes:
        dataset: a built-in demo key, an upload spec (``upload:<sha256>.<fmt>``),
            or ``file:<name>`` for a file the link cannot reopen.
        model: ``demo`` (MiniLM fine-tuned on the data) or a folder / hub id.
        page: the page's URL path (empty for the default page).
        data_fingerprint: the fingerprint of the data the ids refer to.
        filters: the sidebar filters.
        selected: the packed selection bitmap (``pack_ids``), or empty.
        primary: the primary example id, or None.
        pinned: the pinned example id, or None.
        compare_model: the second model compared with ``model``, or None.
        regression_head: the regression head's source and gold column, or None.
        shown_head: the name of the head the pages show, or None (the label's).
        upload: how to read an upload dataset, or None.
        slice_scope: the sharer's slice scope (public mode), or None.
    """

    dataset: str
    model: str
    page: str = ""
    data_fingerprint: str = ""
    filters: Filters = field(default_factory=Filters)
    selected: str = ""
    primary: str | None = None
    pinned: str | None = None
    compare_model: str | None = None
    regression_head: tuple[str, str] | None = None
    shown_head: str | None = None
    upload: UploadView | None = None
    slice_scope: str | None = None


@dataclass(frozen=True)
class UploadView:
    """How a link reads its upload: the file's name, mapping, delimiter, encoding."""

    name: str
    mapping: ColumnMapping
    delimiter: str | None = None
    encoding: str = "utf-8"


def is_slice_scope(scope: str) -> bool:
    """Whether ``scope`` is a well-formed slice scope (16 to 64 URL-safe chars)."""
    return 16 <= len(scope) <= 64 and set(scope) <= _SCOPE_CHARS


def mapping_to_json(mapping: ColumnMapping) -> str:
    """A column mapping as compact JSON (``text``, ``text_b``, ``label``, ``meta``)."""
    named = {"text": mapping.text, "text_b": mapping.text_b, "label": mapping.label}
    raw = {key: value for key, value in named.items() if value}
    if mapping.metadata:
        raw["meta"] = list(mapping.metadata)
    return json.dumps(raw, separators=(",", ":"), ensure_ascii=False)


def _mapping_from_json(text: str) -> ColumnMapping:
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise LumenError("The link's column mapping is not valid JSON.") from error
    if not isinstance(raw, dict) or set(raw) - {"text", "text_b", "label", "meta"}:
        raise LumenError(
            "The link's column mapping must be an object of text, text_b, label "
            "and meta."
        )
    names = {key: raw.get(key) for key in ("text", "text_b", "label")}
    if not isinstance(names["text"], str) or not names["text"]:
        raise LumenError("The link's column mapping names no text column.")
    if not all(v is None or isinstance(v, str) for v in names.values()):
        raise LumenError("The link's column names must be strings.")
    return ColumnMapping(
        text=names["text"],
        text_b=names["text_b"] or None,
        label=names["label"] or None,
        metadata=_strings(raw.get("meta", []), "metadata column"),
    )


def link_file_name(raw: str, where: str = "") -> str:
    """An upload's file name as a link carries it ("upload" when blank).

    Raises:
        LumenError: over ``MAX_NAME_CHARS`` or with a path separator (the
            message names the link's part: ``where``, e.g. " for this page").
    """
    name = raw.strip() or "upload"
    if len(name) > MAX_NAME_CHARS or "/" in name or "\\" in name:
        raise LumenError(f"The link's file name{where} is malformed.")
    return name


def _upload_view(params: Mapping[str, str]) -> UploadView:
    """How to read the upload a link names; every field checked."""
    name = link_file_name(params.get(NAME, ""))
    if COLUMNS not in params:
        raise LumenError("The link's upload comes without its column mapping.")
    delimiter = params.get(DELIMITER) or None
    if delimiter is not None and delimiter not in DELIMITERS:
        raise LumenError("The link's delimiter must be a comma, tab, ';' or '|'.")
    encoding = params.get(ENCODING) or "utf-8"
    if encoding not in ENCODINGS:
        raise LumenError(f"The link's encoding must be one of {', '.join(ENCODINGS)}.")
    return UploadView(name, _mapping_from_json(params[COLUMNS]), delimiter, encoding)


def pack_ids(ids: Sequence[str], ordered_ids: Sequence[str] | pd.Series) -> str:
    """``ids`` as a base64url bitmap over ``ordered_ids`` (unknown ids are dropped)."""
    bits = member_mask(ordered_ids, ids)
    packed = zlib.compress(np.packbits(bits).tobytes(), level=9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def unpack_ids(token: str, ordered_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids a ``pack_ids`` token selects among ``ordered_ids``, in that order.

    Raises:
        LumenError: a malformed token or one made for a different number of rows.
    """
    damaged = LumenError("The link's selection is damaged; it was ignored.")
    decompressor = zlib.decompressobj()
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        packed = decompressor.decompress(raw, len(ordered_ids) // 8 + 2)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise damaged from error
    if not decompressor.eof:
        raise damaged
    if len(packed) != (len(ordered_ids) + 7) // 8:
        raise LumenError(
            "The link's selection was made for different data; it was ignored."
        )
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8))[: len(ordered_ids)]
    return tuple(np.asarray(ordered_ids, dtype=object)[bits.astype(bool)])


def filters_to_json(filters: Filters) -> str:
    default = Filters()
    changed = {
        f.name: getattr(filters, f.name)
        for f in fields(Filters)
        if getattr(filters, f.name) != getattr(default, f.name)
    }
    return json.dumps(changed, separators=(",", ":"), ensure_ascii=False)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LumenError(f"The link's {what} filter must be a list of strings.")
    return tuple(value)


def _range(value: object, what: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        )
        or value[0] > value[1]
    ):
        raise LumenError(f"The link's {what} filter must be [low, high].")
    return float(value[0]), float(value[1])


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise LumenError(f"The link's {what} filter must be true or false.")
    return value


def _filters_from_json(text: str) -> Filters:
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise LumenError("The link's filters are not valid JSON.") from error
    if not isinstance(raw, dict):
        raise LumenError("The link's filters must be a JSON object.")
    unknown = set(raw) - set(asdict(Filters()))
    if unknown:
        raise LumenError(
            f"Unknown filter(s) in the link: {', '.join(sorted(unknown))}."
        )
    values: dict[str, object] = {}
    for name, value in raw.items():
        if name in ("misclassified_only", "regex", "disagree_only"):
            values[name] = _flag(value, name)
        elif name in ("gold", "pred"):
            values[name] = _strings(value, name)
        elif name == "confidence":
            low, high = _range(value, name)
            if low < 0 or high > 1:
                raise LumenError("The link's confidence filter must lie in [0, 1].")
            values[name] = (low, high)
        elif name == "abs_error_above":
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or value < 0
            ):
                raise LumenError("The link's absolute-error filter must be 0 or more.")
            values[name] = float(value)
        elif name == "search":
            if not isinstance(value, str):
                raise LumenError("The link's text search must be a string.")
            values[name] = value
        elif not isinstance(value, dict):
            raise LumenError(f"The link's {name} filter must be an object.")
        elif name == "categorical":
            values[name] = {str(k): _strings(v, k) for k, v in value.items()}
        else:
            values[name] = {str(k): _range(v, k) for k, v in value.items()}
    return Filters(**values)


def encode_link(
    dataset: str,
    model: str,
    page: str,
    data_fingerprint: str,
    filters: Filters,
    selection: Selection,
    ordered_ids: Sequence[str] | pd.Series,
    compare_model: str | None = None,
    regression_head: tuple[str, str] | None = None,
    shown_head: str | None = None,
    upload: UploadView | None = None,
    slice_scope: str | None = None,
) -> dict[str, str]:
    """The query parameters of a view (defaults and empty values left out)."""
    params = {DATASET: dataset, MODEL: model}
    if upload is not None:
        params[NAME], params[COLUMNS] = upload.name, mapping_to_json(upload.mapping)
        if upload.delimiter:
            params[DELIMITER] = upload.delimiter
        if upload.encoding != "utf-8":
            params[ENCODING] = upload.encoding
    if slice_scope:
        params[SLICES] = slice_scope
    if compare_model:
        params[MODEL_B] = compare_model
    if regression_head:
        params[HEAD], params[HEAD_GOLD] = regression_head
        if shown_head:
            params[SHOWN_HEAD] = shown_head
    if page:
        params[PAGE] = page
    if filters.is_active():
        params[FILTERS] = filters_to_json(filters)
    if selection.ids:
        params[FINGERPRINT] = data_fingerprint
        params[SELECTED] = pack_ids(selection.ids, ordered_ids)
    if selection.primary:
        params[FINGERPRINT] = data_fingerprint
        params[PRIMARY] = selection.primary
    if selection.pinned:
        params[FINGERPRINT] = data_fingerprint
        params[PINNED] = selection.pinned
    return params


def decode_link(params: Mapping[str, str]) -> ViewLink | None:
    """The view a link describes, or None when it carries no view (a plain URL).

    Raises:
        LumenError: a malformed link; the message says what is wrong.
    """
    if DATASET not in params:
        return None
    for key in LINK_KEYS:
        if len(params.get(key, "")) > MAX_PARAM_CHARS:
            raise LumenError(f"The link's '{key}' is too long; it was ignored.")
    dataset = params[DATASET].strip()
    model = params.get(MODEL, "demo").strip() or "demo"
    if not dataset:
        raise LumenError("The link names no dataset.")
    fingerprint = params.get(FINGERPRINT, "")
    if fingerprint and not fingerprint.isalnum():
        raise LumenError("The link's dataset fingerprint is malformed.")
    head = params.get(HEAD, "").strip(), params.get(HEAD_GOLD, "").strip()
    if bool(head[0]) != bool(head[1]):
        raise LumenError("The link's regression head needs both a model and a column.")
    upload = None
    if is_upload_spec(dataset):
        parse_upload_spec(dataset)
        upload = _upload_view(params)
    scope = params.get(SLICES) or None
    if scope is not None and not is_slice_scope(scope):
        raise LumenError("The link's slice reference is malformed.")
    return ViewLink(
        dataset=dataset,
        model=model,
        page=params.get(PAGE, "").strip("/ "),
        data_fingerprint=fingerprint,
        filters=_filters_from_json(params[FILTERS]) if FILTERS in params else Filters(),
        selected=params.get(SELECTED, ""),
        primary=params.get(PRIMARY) or None,
        pinned=params.get(PINNED) or None,
        compare_model=params.get(MODEL_B, "").strip() or None,
        regression_head=head if head[0] else None,
        shown_head=params.get(SHOWN_HEAD, "").strip() or None,
        upload=upload,
        slice_scope=scope,
    )


def resolve_selection(
    link: ViewLink, data_fingerprint: str, ordered_ids: Sequence[str]
) -> tuple[Selection, list[str]]:
    """The link's selection over the loaded data, and messages about what was dropped.

    A link made for other data (a different fingerprint) keeps no ids at all.
    """
    if not (link.selected or link.primary or link.pinned):
        return Selection(), []
    if link.data_fingerprint != data_fingerprint:
        return Selection(), [
            "This link was made for a different version of the data, so its "
            "selection was not restored."
        ]
    messages: list[str] = []
    ids: tuple[str, ...] = ()
    if link.selected:
        try:
            ids = unpack_ids(link.selected, ordered_ids)
        except LumenError as error:
            messages.append(str(error))
    known = set(ordered_ids)
    for role, example in (("primary", link.primary), ("pinned", link.pinned)):
        if example and example not in known:
            messages.append(
                f"The link's {role} example '{example}' is not in the data."
            )
    selection = Selection().select(ids).restrict(known)
    selection = selection.with_primary(
        link.primary if link.primary in known else selection.primary
    )
    return selection.with_pinned(
        link.pinned if link.pinned in known else None
    ), messages
