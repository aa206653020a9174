"""The sidebar's building blocks: filter widget keys, the session memo, the
filtered rows handed to the page, and the shared model picker."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from litcore.ui import state
from litcore.ui.sidebar import filters
from litcore.ui.sidebar.filters import filter_key


def test_filter_keys_name_the_kind_the_column_and_the_dataset():
    fingerprint = "0123456789abcdef"
    assert filter_key("mis", fingerprint) == "f_mis_01234567"
    assert filter_key("num", fingerprint, "rating") == "f_num_rating_01234567"
    assert filter_key("cat", fingerprint, "rating") != filter_key(
        "num", fingerprint, "rating"
    )
    assert filter_key("mis", "fedcba9876543210") != filter_key("mis", fingerprint)


def _memo_script():
    import streamlit as st

    from litcore.ui import state

    state.init_state()
    computed = st.session_state.setdefault("computed", [])

    def compute():
        computed.append(1)
        return object()

    objects = (st.session_state.setdefault("input", object()),)
    values = (st.session_state.setdefault("value", 1),)
    first = state.kept_while_same("thing", objects, values, compute)
    second = state.kept_while_same("thing", objects, values, compute)
    st.session_state["same"] = first is second
    st.session_state["kept"] = first


def test_kept_while_same_computes_once_until_an_input_changes():
    at = AppTest.from_function(_memo_script).run()
    assert not at.exception
    assert at.session_state["same"]
    assert len(at.session_state["computed"]) == 1
    kept = at.session_state["kept"]
    at.run()  # a rerun that changes nothing computes nothing
    assert len(at.session_state["computed"]) == 1
    assert at.session_state["kept"] is kept
    at.session_state["value"] = 2  # an equal value would keep it; another does not
    at.run()
    assert len(at.session_state["computed"]) == 2
    at.session_state["input"] = object()  # another object, compared by identity
    at.run()
    assert len(at.session_state["computed"]) == 3


def test_filtered_rows_are_computed_once_per_filter_state_and_handed_to_the_page(
    app, monkeypatch
):
    masks = []
    original_mask = filters.filter_mask

    def counted_mask(frame, wanted):
        masks.append(wanted)
        return original_mask(frame, wanted)

    monkeypatch.setattr(filters, "filter_mask", counted_mask)
    fingerprint = app.session_state[state.WORKSPACE].data.fingerprint
    app.sidebar.text_input(key=filter_key("search", fingerprint)).input("film").run()
    assert len(masks) == 1  # the sidebar's count and the page: one mask
    app.switch_page("pages/table.py").run()
    assert not app.exception, app.exception
    app.run()
    assert len(masks) == 1  # reruns and page switches reuse it
    objects, values, shown = app.session_state[state.SESSION_MEMO]["filtered_frame"]
    assert values == (app.session_state[state.FILTERS],)
    assert shown["text"].str.contains("film", case=False).all()
    assert f"{len(shown):,} rows" in app.caption[0].value
    app.sidebar.text_input(key=filter_key("search", fingerprint)).input("").run()
    assert len(masks) == 1  # no filter: the session frame itself, no mask
    assert (
        app.session_state[state.SESSION_MEMO]["filtered_frame"][2]
        is (app.session_state[state.SESSION_MEMO]["session_frame"][2])
    )


def _model_script():
    import streamlit as st

    from litcore.ui.pickers import model_source_box

    st.session_state["plain_got"] = model_source_box("Model", "plain")
    st.session_state["trusting_got"] = model_source_box(
        "Model", "trusting", trust_key="trusting_trust"
    )


@pytest.mark.parametrize("typed", ["", "   "])
def test_model_source_box_gives_none_while_empty(typed):
    at = AppTest.from_function(_model_script).run()
    at.text_input(key="plain").input(typed).run()
    assert at.session_state["plain_got"] == (None, False)
    assert [c.key for c in at.checkbox] == ["trusting_trust"]


def test_model_source_box_gives_the_source_and_trust():
    at = AppTest.from_function(_model_script).run()
    at.text_input(key="trusting").input("  org/model ").run()
    at.checkbox(key="trusting_trust").check().run()
    assert at.session_state["trusting_got"] == ("org/model", True)
