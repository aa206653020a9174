"""AppTest: the Explanations page on the real demo."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from litcore.ui import state
from litcore.view.selection import Selection

PAGE = "pages/explain.py"


def heatmaps(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def first_ids(at: AppTest, count: int) -> list[str]:
    return list(at.session_state[state.WORKSPACE].frame["id"].head(count))


def test_without_a_primary_the_user_picks_one(app):
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Explanations"
    assert any("No primary example" in i.value for i in app.info)
    picked = first_ids(app, 1)[0]
    text = app.session_state[state.WORKSPACE].frame.set_index("id").at[picked, "text"]
    assert app.selectbox(key="explain_pick").options[0] == f"{picked} · {text[:100]}"
    app.selectbox(key="explain_pick").set_value(picked).run()
    assert not app.exception, app.exception
    assert app.session_state[state.SELECTION].primary == picked
    assert heatmaps(app)


def test_primary_example_is_explained_by_the_cheap_methods(app):
    ids = first_ids(app, 3)
    app.session_state[state.SELECTION] = Selection(ids=tuple(ids), primary=ids[1])
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    # At once, the gradient maps (one backward pass); the other cheap ones on demand.
    assert app.multiselect(key="explain_methods").value == [
        "Gradient L2 norm",
        "Gradient × input",
    ]
    assert len(heatmaps(app)) == 2
    assert app.dataframe[1].value["comprehensiveness ↑"].notna().all()
    expensive = ("Integrated", "LIME", "Kernel")
    options = app.multiselect(key="explain_methods").options
    cheap = [o for o in options if not o.startswith(expensive)]
    app.multiselect(key="explain_methods").set_value(cheap).run()
    assert not app.exception, app.exception
    maps = heatmaps(app)
    assert len(maps) == 5  # the five cheap methods
    assert all("lumen-token" in m and "lumen-legend" in m for m in maps)
    assert len(app.get("vega_lite_chart")) >= 2  # probabilities, deletion curve
    run_buttons = [b for b in app.button if b.label.startswith("Run ")]
    assert {b.label.split(" (")[0] for b in run_buttons} == {
        "Run Integrated gradients",
        "Run LIME",
        "Run Kernel SHAP",
    }
    faithfulness = app.dataframe[1].value
    assert len(faithfulness) == 5
    assert faithfulness["comprehensiveness ↑"].notna().all()


def test_expensive_method_runs_on_demand_and_selection_is_scored(app):
    ids = first_ids(app, 2)
    app.session_state[state.SELECTION] = Selection(ids=tuple(ids), primary=ids[0])
    app.session_state[state.EXPLAIN_METHODS] = ["Gradient × input"]
    app.switch_page(PAGE).run()
    assert len(heatmaps(app)) == 1
    run = next(b for b in app.button if b.label.startswith("Run Integrated"))
    run.click().run()
    assert not app.exception, app.exception
    maps = heatmaps(app)
    assert len(maps) == 2
    ig_caption = next(c.value for c in app.caption if "convergence delta" in c.value)
    assert "computed in bf16" in ig_caption or "computed in fp32" in ig_caption
    app.button(key="explain_score_selection").click().run()
    assert not app.exception, app.exception
    ranking = app.dataframe[-1].value
    assert set(ranking["method"]) == {
        "Gradient × input",
        "Integrated gradients",
        "Random order (reference)",
    }
    assert ranking["examples"].tolist() == [2, 2, 2]
    # The same run again is a cache hit: no replayed progress bar, same ranking.
    app.button(key="explain_score_selection").click().run()
    assert not app.exception, app.exception
    assert app.dataframe[-1].value.equals(ranking)


def test_gold_class_is_one_click_away(app):
    frame = app.session_state[state.WORKSPACE].frame
    wrong = frame[frame["pred"] != frame["label"]].iloc[0]
    app.session_state[state.SELECTION] = Selection(
        ids=(wrong["id"],), primary=wrong["id"]
    )
    app.switch_page(PAGE).run()
    assert app.selectbox(key="explain_target").value == wrong["pred"]
    app.button(key="explain_use_gold").click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="explain_target").value == wrong["label"]
    assert any(wrong["label"] in s.value for s in app.subheader)
