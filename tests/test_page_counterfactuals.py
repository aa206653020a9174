"""AppTest smoke tests of the Counterfactuals page on the real demo."""

from __future__ import annotations

from litcore.view.selection import Selection


def _table(app, column: str):
    """The first table on the page with ``column`` (AppTest has no table keys)."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def _app(demo_prepared, ids: int):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file("../app.py", default_timeout=240).run()
    chosen = tuple(app.session_state["lumen_workspace"].frame["id"].iloc[:ids])
    app.session_state["lumen_selection"] = Selection(chosen, chosen[0])
    app.switch_page("pages/counterfactuals.py").run()
    assert not app.exception
    return app, chosen


def test_batch_reports_flip_rates_and_adds_to_the_overlay(demo_prepared):
    app, chosen = _app(demo_prepared, 12)
    app.multiselect(key="cf_generators").set_value(["Negation", "Typos"]).run()
    app.segmented_control(key="cf_scope").set_value("Selection (batch)").run()
    app.button(key="cf_run").click().run()
    assert not app.exception and not app.error
    _, result = app.session_state["lumen_counterfactual_batch"]
    assert set(result.coverage["parent_id"]) == set(chosen)
    assert set(result.candidates["generator"]) <= {"Negation", "Typos"}
    rates = _table(app, "flip_rate")
    assert rates["generator"].tolist() == ["Negation", "Typos"]
    assert rates["examples"].tolist() == [12, 12]
    invariance = _table(app, "failure_rate")
    assert invariance["generator"].tolist() == ["Typos"]
    flipped = result.candidates[result.candidates["flipped"]]
    assert len(flipped) > 0  # negation flips some reviews of a real sentiment model
    app.button(key="cf_run").click().run()  # a cache hit: no replayed progress bar
    assert not app.exception and not app.error
    again = app.session_state["lumen_counterfactual_batch"][1]
    assert again.candidates.equals(result.candidates)
    app.button(key="cf_add").click().run()
    assert not app.exception
    overlay = app.session_state["lumen_overlay"]
    assert sorted(r.text for r in overlay.rows) == sorted(flipped["counterfactual"])
    assert {r.origin for r in overlay.rows} <= {"generated:Negation", "generated:Typos"}
    assert {r.parent_id for r in overlay.rows} <= set(chosen)
    app.switch_page("pages/table.py").run()
    app.selectbox(key="table_sort").select("origin").run()  # generated:… sorts first
    table = app.dataframe[0].value
    assert table["origin"].str.startswith("generated:").sum() == len(flipped)


def test_word_replacer_without_match_says_so(demo_prepared):
    app, _ = _app(demo_prepared, 1)
    rules = app.text_area(key="cf_param_Word replacer_rules")
    rules.input("zzzqx -> great").run()
    app.button(key="cf_run").click().run()
    assert not app.exception
    assert [i.value for i in app.info] == [
        "Word replacer produced nothing for 1 example(s): No match for 'zzzqx'."
    ]
