"""AppTest smoke tests of the Datapoint editor on the real demo."""

from __future__ import annotations

import pytest

from litcore.view.selection import Selection
from litcore.view.slices import SliceStore

NEGATIVE_TEXT = "Awful, boring, terrible: the worst film ever 😴 (ünïcode)"


@pytest.fixture
def editor(demo_prepared):
    """The app on the editor page; the primary: the first example predicted positive."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file("../app.py", default_timeout=240).run()
    frame = app.session_state["lumen_workspace"].frame
    primary = frame.loc[frame["pred"] == "positive", "id"].iloc[0]
    app.session_state["lumen_selection"] = Selection((primary,), primary)
    app.switch_page("pages/editor.py").run()
    assert not app.exception
    return app, primary


def test_analyze_adds_a_datapoint_and_compares(editor):
    app, primary = editor
    app.text_area(key=f"edit_text_{primary}").input(NEGATIVE_TEXT)
    app.button(key="editor_analyze").click().run()
    assert not app.exception and not app.error
    selection = app.session_state["lumen_selection"]
    overlay = app.session_state["lumen_overlay"]
    assert selection.pinned == primary
    assert selection.primary == overlay.rows[0].id != primary
    assert overlay.rows[0].parent_id == primary
    assert overlay.rows[0].text == NEGATIVE_TEXT
    assert [s.value for s in app.subheader][0] == "Before and after"
    workspace = app.session_state["lumen_workspace"]
    before = workspace.frame.set_index("id").loc[primary, "pred"]
    assert before == "positive"
    assert [m.value for m in app.metric] == ["positive", "negative"]
    probabilities = next(d.value for d in app.dataframe if "change" in d.value.columns)
    assert probabilities["class"].tolist() == list(workspace.labels)
    change = probabilities["after"] - probabilities["before"]
    assert change.round(6).tolist() == probabilities["change"].round(6).tolist()
    markdown = [m.value for m in app.markdown]
    assert ":red-badge[:material/swap_horiz: flipped]" in markdown
    assert any("<ins" in m and "worst film ever" in m for m in markdown)
    assert sum('class="lumen-heatmap"' in m for m in markdown) == 2  # both sides
    name = f"test overlay {selection.primary}"
    app.text_input(key="editor_slice_name").input(name)
    app.button(key="editor_slice_save").click().run()
    store = SliceStore(workspace.data.fingerprint)
    assert store.get(name).ids == (selection.primary,)
    store.delete(name)


def test_empty_text_is_refused(editor):
    app, primary = editor
    app.text_area(key=f"edit_text_{primary}").input("   ")
    app.button(key="editor_analyze").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "The text is empty: type something to analyse."
    ]
    assert "lumen_overlay" not in app.session_state


def test_unchanged_text_adds_nothing(editor):
    app, _ = editor
    app.button(key="editor_analyze").click().run()
    assert any("Nothing new" in i.value for i in app.info)
    assert "lumen_overlay" not in app.session_state


def test_without_primary_offers_a_picker(demo_prepared):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file("../app.py", default_timeout=240).run()
    app.switch_page("pages/editor.py").run()
    assert not app.exception
    picker = app.selectbox(key="editor_pick")
    first = picker.options[0].split(" · ")[0]
    picker.select_index(0).run()
    assert app.session_state["lumen_selection"].primary == first
