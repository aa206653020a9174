"""Markdown in a visitor's names stays text: no image fetched, no link shown.

Streamlit renders Markdown in widget labels, radio options, button labels and
help, captions, ``st.markdown``, alerts, metric labels and tab and expander
titles. A file, column, label or slice name (or a link parameter) written as
a Markdown image or link must reach the page escaped (``litcore.ui.escape``).
The check renders every such string with a CommonMark parser (HTML allowed, the
worst case) and looks for an image, a script or a link to the attacker's URL.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest
from tiny_models import build_tiny_classifier

from litcore.data.dataset import ColumnMapping
from litcore.session import policy
from litcore.session.choice import SourceChoice
from litcore.session.policy import Policy
from litcore.session.workspace import Workspace, build_workspace
from litcore.ui import state
from litcore.ui.escape import code, plain
from litcore.view.selection import Selection

APP = Path(__file__).resolve().parents[1] / "app.py"
IMAGE = "![x](https://evil.example/p.png)"
LINK = "[click](javascript:alert(1))"
TAG = "<img src=x onerror=alert(2)>"
PHISH = "[log in](https://evil.example/login)"
HOSTILE = (IMAGE, LINK, PHISH, TAG, f"**{IMAGE}** `{LINK}`\n# {TAG}", ":red[x] $y$ ~z~")
# What a rendered string must never hold: an image, a script, or a link to the
# attacker (the app's own help may link elsewhere).
_ACTIVE = re.compile(
    r"<img\b|<script\b|<a\s[^>]*href=\"(javascript:|https://evil)", re.IGNORECASE
)
_MARKDOWN = MarkdownIt("commonmark")
_MARKDOWN.validateLink = lambda url: True  # keeps javascript: links: worst case
# Element types whose strings are shown as plain text, never Markdown.
_PLAIN_TYPES = {"text", "code", "json", "dataframe", "arrow_data_frame"}
# Fields Streamlit renders as Markdown; ``options`` only for radios and pills.
_MARKDOWN_FIELDS = {"body", "label", "help"}
_OPTION_TYPES = {"radio", "button_group"}


def active_markup(markdown: str) -> bool:
    """Whether ``markdown``, rendered, shows an image, a script or a hostile link."""
    return _ACTIVE.search(_MARKDOWN.render(markdown)) is not None


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_renders_as_the_text_itself(text):
    rendered = _MARKDOWN.render(plain(text))
    assert not active_markup(plain(text))
    shown = re.sub(r"<[^>]+>", "", rendered).strip()
    expected = re.sub(r"\s+", " ", text)
    assert (
        shown.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
        == expected
    )


@pytest.mark.parametrize("text", [*HOSTILE, "a ``` b", "`"])
def test_code_is_one_code_span_of_the_text(text):
    rendered = _MARKDOWN.render(code(text)).strip()
    assert rendered.startswith("<p><code>") and rendered.endswith("</code></p>")
    assert rendered.count("<code>") == 1
    assert not active_markup(code(text))


def test_the_check_sees_raw_markup():
    assert all(active_markup(text) for text in (IMAGE, LINK, PHISH, TAG))


def markdown_strings(at: AppTest) -> list[tuple[str, str]]:
    """(element type, string) for every string the page renders as Markdown."""
    found: list[tuple[str, str]] = []

    def strings(kind: str, message, fields: set[str]) -> None:
        for descriptor, value in message.ListFields():
            items = list(value) if descriptor.is_repeated else [value]
            if descriptor.message_type is not None:
                for item in items:
                    strings(kind, item, fields)
            elif descriptor.name in fields:
                found.extend((kind, item) for item in items if isinstance(item, str))

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and kind not in _PLAIN_TYPES:
            options = {"options", "content"} if kind in _OPTION_TYPES else set()
            strings(kind, proto, _MARKDOWN_FIELDS | options)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def active_strings(at: AppTest) -> list[str]:
    """The page's Markdown strings that render active markup (should be none)."""
    return [
        f"{kind}: {text[:120]!r}"
        for kind, text in markdown_strings(at)
        if active_markup(text)
    ]


@pytest.fixture(scope="module", autouse=True)
def background_work_done():
    """After this module, waits for the app's background threads."""
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("lumen-"):
            thread.join(120)


@pytest.fixture(scope="module")
def hostile_model(tmp_path_factory) -> Path:
    """A classifier whose class names are a Markdown image and link."""
    return build_tiny_classifier(
        tmp_path_factory.mktemp("hostile") / "model", labels=(IMAGE, LINK)
    )


@pytest.fixture
def public(hostile_model):
    """Public mode, trusting the hostile model as the server's own."""
    policy.install(Policy(public=True).trusting((str(hostile_model),), ()))
    yield
    policy.install(None)


def hostile_choice(model: Path) -> SourceChoice:
    """An upload named, labelled and with columns named in Markdown and HTML."""
    frame = pd.DataFrame(
        {
            "text": ["a good movie", "the plot was bad", "great fun", "boring"] * 3,
            "label": [IMAGE, LINK, TAG, IMAGE] * 3,  # TAG: unknown to the model
            LINK: ["x", IMAGE, TAG, "y"] * 3,
            IMAGE: [1.0, 2.0, 3.0, 4.0] * 3,
        }
    )
    return SourceChoice(
        demo_key=None,
        file_name=f"{IMAGE}{TAG}.csv",
        file_bytes=frame.to_csv(index=False).encode(),
        mapping=ColumnMapping(text="text", label="label", metadata=(LINK, IMAGE)),
        model_source=str(model),
    )


@pytest.fixture
def hostile_workspace(public, hostile_model) -> Workspace:
    return build_workspace(hostile_choice(hostile_model))


def open_app(workspace: Workspace) -> AppTest:
    """The app over ``workspace``, its first example selected."""
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.session_state[state.SOURCE] = workspace.choice
    at.session_state[state.WORKSPACE] = workspace
    first = workspace.frame["id"].iloc[0]
    at.session_state[state.SELECTION] = Selection(ids=(first,), primary=first)
    return at.run()


@pytest.mark.parametrize(
    "page", ["overview", "metrics", "explain", "scalars", "editor", "table"]
)
def test_hostile_names_render_as_text_on_every_page(hostile_workspace, page):
    at = open_app(hostile_workspace)
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    strings = [text for _, text in markdown_strings(at)]
    assert any(IMAGE in text or plain(IMAGE) in text for text in strings)  # shown
    assert active_strings(at) == []


def test_a_hostile_slice_name_renders_as_text(hostile_workspace):
    at = open_app(hostile_workspace)
    name = f"{IMAGE} [a](https://evil.x)"  # slice names: 60 characters at most
    at.sidebar.text_input(key="slice_name").input(name).run()
    at.sidebar.button(key="slice_save_selection").click().run()
    assert not at.exception, at.exception
    saved = [b for b in at.sidebar.button if b.key.startswith("slice_pick_")]
    assert len(saved) == 1
    assert active_strings(at) == []


def test_a_hostile_link_parameter_renders_as_text(public, demo_prepared):
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.query_params["data"] = "movies"
    at.query_params["model"] = IMAGE
    at.run()
    assert not at.exception, at.exception
    assert "does not open the model" in " ".join(at.session_state[state.LINK_MESSAGES])
    assert active_strings(at) == []
