"""A Tasks page's part of a shareable link: its model, its stored upload, its text.

The Tasks pages (NER, Generation, Fill in the blank, Multi-label) keep their own
model and file beside the sidebar's workspace. A link to such a page carries
them in four more query parameters: the model's source (a folder or hub id, as
the page's box holds it), the upload's ``upload:<sha256>.<format>`` spec (the
capability to read it) with its file name, and the page's text. Decoding never
trusts the input: anything malformed raises ``LumenError`` with a message for
the user. Whether the server may open the model is the policy's call, made
where the page opens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litcore.api.errors import LumenError
from litcore.store.uploads import is_upload_spec, parse_upload_spec
from litcore.view.links import MAX_NAME_CHARS, link_file_name

TASK_MODEL, TASK_FILE, TASK_FILE_NAME, TASK_TEXT = "tmodel", "tfile", "tname", "ttext"
TASK_LINK_KEYS = (TASK_MODEL, TASK_FILE, TASK_FILE_NAME, TASK_TEXT)
MAX_MODEL_CHARS = 300
MAX_TEXT_CHARS = 2_000


@dataclass(frozen=True)
class TaskView:
    """What a Tasks page shows, as a link carries it (None: not carried).

    Attributes:
        model: the model box's folder or hub id.
        upload: the stored upload's spec (``upload:<sha256>.<format>``).
        upload_name: the uploaded file's name (shown, never opened).
        text: the page's text box.
    """

    model: str | None = None
    upload: str | None = None
    upload_name: str | None = None
    text: str | None = None


def encode_task_view(view: TaskView) -> dict[str, str]:
    """The query parameters for ``view`` (those it carries)."""
    params = {
        TASK_MODEL: view.model,
        TASK_FILE: view.upload,
        TASK_FILE_NAME: view.upload_name if view.upload else None,
        TASK_TEXT: view.text,
    }
    return {key: value for key, value in params.items() if value}


def decode_task_view(params: Mapping[str, str]) -> TaskView:
    """The Tasks page view in ``params`` (empty when they carry none).

    Raises:
        LumenError: a parameter too long, with control characters, a malformed
            upload spec or file name.
    """
    model = _checked(params, TASK_MODEL, MAX_MODEL_CHARS, "model")
    upload = _checked(params, TASK_FILE, MAX_MODEL_CHARS, "file")
    if upload is not None:
        if not is_upload_spec(upload):
            raise LumenError("The link's file for this page is not a stored upload.")
        parse_upload_spec(upload)
    name = _checked(params, TASK_FILE_NAME, MAX_NAME_CHARS, "file name") or ""
    name = link_file_name(name, " for this page")
    text = _checked(params, TASK_TEXT, MAX_TEXT_CHARS, "text", lines=True)
    return TaskView(model, upload, name if upload else None, text)


def _checked(
    params: Mapping[str, str], key: str, limit: int, what: str, lines: bool = False
) -> str | None:
    """``params[key]`` stripped (None when absent or blank), within ``limit``
    characters and free of control characters (but newlines and tabs where
    ``lines``)."""
    value = params.get(key, "")
    if not isinstance(value, str):
        raise LumenError(f"The link's {what} for this page is malformed.")
    value = value.strip()
    if len(value) > limit:
        raise LumenError(
            f"The link's {what} for this page is over {limit:,} characters."
        )
    allowed = {"\n", "\r", "\t"} if lines else set()
    if any(ord(char) < 32 and char not in allowed for char in value):
        raise LumenError(f"The link's {what} for this page has control characters.")
    return value or None
