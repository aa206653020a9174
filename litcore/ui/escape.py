"""Plain text for Streamlit's Markdown: labels, captions, titles and bodies.

Streamlit renders Markdown (links, images, its ``:color[...]`` and
``:material/...:`` directives, ``$`` maths) and, where allowed, HTML in widget
labels, radio options, button labels, captions, ``st.markdown``, metric labels
and expander and tab titles. A string a visitor controls (a file, column, label
or slice name, a text) goes through ``plain`` first, so it shows as typed and
never makes a viewer's browser fetch a URL or show a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# What starts inline Markdown or HTML: links, images and Streamlit's directives
# (``[``), tags and autolinks (``<``), code, emphasis, strikethrough, maths; and
# the ``:`` of ``://`` and the ``.`` of ``www.`` that bare links start with. A
# backslash escapes each (CommonMark): it shows as itself. ``_`` is left alone
# (common in names; at worst it italicises), and blocks cannot start on one line.
_SPECIAL = re.compile(r"([\\`*\[\]<>~$]|:(?=//)|(?<=www)\.)", re.IGNORECASE)
# Line breaks would start a new Markdown block (a heading, a list, a table).
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def plain(text: object) -> str:
    """``text`` as Markdown that shows it literally, on one line.

    Args:
        text: anything; ``str()`` of it is escaped.

    Returns:
        The text with line breaks turned into spaces and each character that
        could start markup backslash-escaped (so ``<`` is text, not a tag, even
        where Streamlit allows HTML). Not for code spans or HTML blocks, which
        show backslashes as they are: escape those with ``html.escape``.
    """
    flat = _LINE_BREAKS.sub(" ", str(text))
    return _SPECIAL.sub(r"\\\1", flat)


def code(text: object) -> str:
    """``text`` as a Markdown code span that shows it literally, on one line:
    fenced by one more backtick than its longest run of backticks (and a space
    inside each fence where the text starts or ends with one)."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    runs = re.findall(r"`+", flat)
    fence = "`" * (max(map(len, runs), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def plain_list(items: Iterable[object]) -> str:
    """``items`` for a message: each ``plain``, comma-separated."""
    return ", ".join(plain(item) for item in items)
