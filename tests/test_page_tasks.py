"""AppTest smoke tests of the Generation, Fill in the blank and NER pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from tiny_models import build_tiny_classifier
from tiny_task_models import build_tiny_causal_lm, build_tiny_token_classifier

from litcore.ui import state

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(
    page: str, model_key: str, model_dir: Path, source_key: str | None = None
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    if source_key is not None:  # the page offers a built-in model first
        at.radio(key=source_key).set_value("My model folder").run()
    at.text_input(key=model_key).set_value(str(model_dir)).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("task_pages")
    (root / "pairs.csv").write_text(
        "text,target\nthe movie was,good\nthe film is,bad\n", encoding="utf-8"
    )
    (root / "texts.csv").write_text("text\nthe movie was good\nbad plot\n")
    (root / "ner.conll").write_text(
        "-DOCSTART- O\n\njohn B-PER\nloves O\nmary B-PER\n\nthe O\nfilm B-LOC\n"
    )
    return {
        "causal": build_tiny_causal_lm(root / "gpt2"),
        "masked": build_tiny_classifier(root / "bert_mlm", architecture="masked"),
        "ner": build_tiny_token_classifier(root / "bert_ner"),
        "classifier": build_tiny_classifier(root / "classifier"),
        "root": root,
    }


def test_generation_page(folders):
    at = open_page("pages/generation.py", "generation_model", folders["causal"])
    steps = at.dataframe[0].value
    assert len(steps) == 20 and steps["probability"].between(0, 1).all()
    # Click the second alternative at step 0: output is forced through it.
    alternative = at.button(key="generation_alternative_1")
    alternative.click().run()
    assert not at.exception, at.exception
    _, prefix = at.session_state[state.GENERATION_PREFIX]
    steps = at.dataframe[0].value
    assert steps["chosen by"].iloc[0] == "you" and len(prefix) == 1
    at.toggle(key="generation_salience").set_value(True).run()
    assert (
        not at.exception and "Salience for output token" in at.get("html")[0].proto.body
    )
    at.text_input(key="generation_path").set_value(str(folders["root"] / "pairs.csv"))
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["Corpus BLEU", "Mean ROUGE-L F1"]
    assert len(at.dataframe[1].value) == 2


def test_masked_lm_page(folders):
    at = open_page("pages/masked_lm.py", "mlm_model", folders["masked"], "mlm_source")
    table = at.dataframe[0].value
    assert len(table) == 5 and table["probability"].sum() <= 1 + 1e-6
    at.button(key="mlm_token_1").click().run()  # mask "the" as well
    assert not at.exception, at.exception
    assert at.dataframe[0].value["position"].nunique() == 2
    at.text_input(key="mlm_path").set_value(str(folders["root"] / "texts.csv")).run()
    assert not at.exception, at.exception
    surprising = at.dataframe[1].value
    assert len(surprising) == 6 and (surprising["surprisal"] > 0).all()


def test_ner_page(folders):
    at = open_page("pages/ner.py", "ner_model", folders["ner"])
    at.text_input(key="ner_path").set_value(str(folders["root"] / "ner.conll")).run()
    assert not at.exception, at.exception
    metrics = at.dataframe[0].value
    assert {"PER", "LOC", "micro avg"} <= set(metrics.index)
    assert metrics.loc["PER", "support"] == 2
    bodies = [h.proto.body for h in at.get("html")]
    assert any("<b>Gold</b>" in b and "PER" in b for b in bodies)
    at.checkbox(key="ner_errors_only").check().run()
    assert not at.exception, at.exception


def test_wrong_model_type_is_an_error_and_the_page_keeps_running(folders):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/ner.py").run()
    at.text_input(key="ner_model").set_value(str(folders["classifier"])).run()
    assert not at.exception, at.exception
    assert "not a token classifier" in at.error[0].value
