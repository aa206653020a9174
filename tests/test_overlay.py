"""The per-session overlay, the token diff, and overlay isolation between sessions."""

from __future__ import annotations

import pandas as pd
import pytest

from litcore.api.errors import LumenError
from litcore.data.dataset import MAX_TEXT_CHARS, ColumnMapping, example_ids, from_frame
from litcore.session.overlay import EDITED, NewExample, Overlay, generated_origin
from litcore.view.textdiff import changed_tokens, diff_html, diff_markup, token_diff


@pytest.fixture
def data():
    raw = pd.DataFrame(
        {
            "text": ["good film", "bad plot"],
            "label": ["pos", "neg"],
            "year": [2001, 2002],
        }
    )
    return from_frame(raw, ColumnMapping("text", "label", metadata=("year",)))


def test_added_rows_get_content_ids_parent_and_origin(data):
    parent = data.frame["id"][0]
    overlay, (added,) = Overlay(data.fingerprint).add(
        data, [NewExample("good film 🎬 ünïcode", None, "pos", {"year": 2001}, parent)]
    )
    expected_id = example_ids(
        pd.DataFrame({"text": ["good film 🎬 ünïcode"], "label": ["pos"]})
    )[0]
    assert added == type(added)(expected_id, True, ())
    frame = overlay.frame(data)
    assert frame.columns.tolist() == [
        "id",
        "text",
        "label",
        "year",
        "parent_id",
        "origin",
    ]
    assert frame.iloc[0].tolist() == [
        expected_id,
        "good film 🎬 ünïcode",
        "pos",
        2001,
        parent,
        EDITED,
    ]
    assert len(data.frame) == 2  # the dataset is untouched


def test_identical_rows_are_not_added_twice(data):
    parent = data.frame["id"][0]
    same_as_parent = NewExample("good film", None, "pos", {"year": 2001}, parent)
    overlay, (added,) = Overlay(data.fingerprint).add(data, [same_as_parent])
    assert (added.id, added.is_new, len(overlay)) == (parent, False, 0)
    edit = NewExample("good films", None, "pos", {"year": 2001}, parent)
    overlay, (first, again) = overlay.add(data, [edit, edit])
    assert first.is_new and not again.is_new and again.id == first.id
    assert len(overlay) == 1


def test_metadata_only_edit_gets_a_suffixed_id(data):
    parent = data.frame["id"][0]
    overlay, (added,) = Overlay(data.fingerprint).add(
        data, [NewExample("good film", None, "pos", {"year": 1999}, parent)]
    )
    assert added.id == f"{parent}-e2" and added.is_new
    assert overlay.frame(data)["year"].tolist() == [1999]


def test_bad_input_is_refused_and_long_text_cut(data):
    empty = NewExample("   ", None, "pos")
    with pytest.raises(LumenError, match="empty"):
        Overlay(data.fingerprint).add(data, [empty])
    with pytest.raises(LumenError, match="not one of neg, pos"):
        Overlay(data.fingerprint).add(data, [NewExample("fine", None, "meh")])
    overlay, (added,) = Overlay(data.fingerprint).add(
        data, [NewExample("x" * (MAX_TEXT_CHARS + 5), None, "neg")]
    )
    assert added.notes == (f"Text cut to {MAX_TEXT_CHARS:,} characters.",)
    assert len(overlay.rows[0].text) == MAX_TEXT_CHARS


def test_fingerprint_follows_content(data):
    empty = Overlay(data.fingerprint)
    one, _ = empty.add(
        data, [NewExample("new", None, "neg", origin=generated_origin("Typos"))]
    )
    assert one.fingerprint != empty.fingerprint
    assert one.rows[0].origin == "generated:Typos"
    assert one.remove({one.rows[0].id}).fingerprint == empty.fingerprint


def test_token_diff_runs_and_markup():
    runs = token_diff("The movie was great!", "The film was not great 🎉!")
    assert [(r.tag, r.before, r.after) for r in runs] == [
        ("equal", "The", "The"),
        ("replace", "movie", "film"),
        ("equal", "was", "was"),
        ("insert", "", "not"),
        ("equal", "great", "great"),
        ("insert", "", "🎉"),
        ("equal", "!", "!"),
    ]
    assert changed_tokens(runs) == 4
    assert diff_markup("a b c", "a c") == "a [-b-] c"
    assert diff_markup("same text", "same text") == "same text"
    assert "&lt;script&gt;" in diff_html("hi", "hi <script>")
    assert "<script>" not in diff_html("hi", "hi <script>")


def _demo_app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file("../app.py", default_timeout=240).run()


def test_overlay_is_isolated_between_sessions(demo_prepared):
    from litcore.view.selection import Selection

    first, second = _demo_app(), _demo_app()
    workspace = first.session_state["lumen_workspace"]
    primary = workspace.frame["id"].iloc[0]
    first.session_state["lumen_selection"] = Selection((primary,), primary)
    first.switch_page("pages/editor.py").run()
    first.text_area(key=f"edit_text_{primary}").input("An edited text only I see")
    first.button(key="editor_analyze").click().run()
    assert not first.exception and len(first.session_state["lumen_overlay"]) == 1

    second.switch_page("pages/table.py").run()
    assert "lumen_overlay" not in second.session_state
    second.selectbox(key="table_sort").select("origin").run()  # "edited" first
    table = second.dataframe[0].value
    assert any(c.value.startswith("2,000 rows;") for c in second.caption)
    assert set(table["origin"]) == {"original"}

    first.switch_page("pages/table.py").run()
    first.selectbox(key="table_sort").select("origin").run()
    table = first.dataframe[0].value
    assert any(c.value.startswith("2,001 rows;") for c in first.caption)
    edited = table[table["origin"] == "edited"]
    assert edited["text"].tolist() == ["An edited text only I see"]
    assert edited["parent_id"].tolist() == [primary]
