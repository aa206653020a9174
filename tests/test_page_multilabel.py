"""AppTest smoke test of the Multi-label page on a tiny random multi-label BERT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_multilabel import LABELS, build_tiny_multilabel
from tiny_models import build_tiny_classifier

from litcore.data.loading import read_path
from litcore.data.multilabel import (
    MultiLabelMapping,
    indicator_matrix,
    multilabel_frame,
)
from litcore.metrics.multilabel import multilabel_report
from litcore.models.multilabel import MultiLabelClassifier
from litcore.ui import state
from litcore.ui.multilabel import threshold_key

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CSV = (
    "sentence,genres\n"
    "the movie was good,comedy|drama\n"
    "a very bad plot,action\n"
    "great acting and fun,comedy\n"
    "boring film,\n"
    "i love this film,drama|action|comedy\n"
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("multilabel_page")
    (root / "genres.csv").write_text(CSV, encoding="utf-8")
    (root / "genres.jsonl").write_text(
        '{"text": "good film", "labels": ["comedy", "drama"]}\n'
        '{"text": "bad plot", "labels": ["horror"]}\n'
        '{"text": "fun", "labels": []}\n',
        encoding="utf-8",
    )
    return {
        "model": build_tiny_multilabel(root / "model"),
        "single": build_tiny_classifier(root / "single"),
        "csv": root / "genres.csv",
        "jsonl": root / "genres.jsonl",
    }


def open_page(model_dir: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/multilabel.py").run()
    assert not at.exception, at.exception
    at.text_input(key="multilabel_model").set_value(str(model_dir)).run()
    assert not at.exception, at.exception
    return at


def metric_values(at: AppTest) -> dict[str, float]:
    return {m.label: float(m.value) for m in at.metric}


def expected_headline(model_dir: Path, csv: Path, thresholds) -> dict[str, float]:
    frame = multilabel_frame(
        read_path(csv), MultiLabelMapping("sentence", "genres", "|")
    )
    model = MultiLabelClassifier.from_pretrained(model_dir)
    gold, _ = indicator_matrix(list(frame["labels"]), model.labels)
    probas = model.predict(list(frame["text"])).probas
    return multilabel_report(gold, probas, thresholds, model.labels).headline


def test_metrics_follow_the_thresholds(folders):
    at = open_page(folders["model"])
    assert not at.error, [e.value for e in at.error]
    at.text_input(key="multilabel_path").set_value(str(folders["csv"])).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # The column mapping: 'sentence' has no default name, so pick it.
    at.selectbox(key="multilabel_text_column").set_value("sentence").run()
    at.selectbox(key="multilabel_labels_column").set_value("genres").run()
    assert at.selectbox(key="multilabel_delimiter::genres").value == "|"  # guessed
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]  # every label is known

    shown = metric_values(at)
    expected = expected_headline(folders["model"], folders["csv"], [0.5] * 3)
    assert shown["Exact match"] == pytest.approx(expected["exact_match"], abs=1e-3)
    assert shown["Micro F1"] == pytest.approx(expected["micro_f1"], abs=1e-3)
    assert shown["Macro F1"] == pytest.approx(expected["macro_f1"], abs=1e-3)
    per_label = at.dataframe[0].value
    assert list(per_label.index) == list(LABELS)
    assert per_label["support"].tolist() == [2, 3, 2]  # action, comedy, drama

    # Threshold 0 predicts every label: recall 1, so micro F1 = 2·7 / (2·7 + 8).
    at.slider(key="multilabel_global_threshold").set_value(0.0).run()
    at.button(key="multilabel_set_all").click().run()
    assert not at.exception, at.exception
    assert at.slider(key=threshold_key("comedy")).value == 0.0
    assert metric_values(at)["Micro F1"] == pytest.approx(14 / 22, abs=1e-3)
    assert at.session_state[state.MULTILABEL_THRESHOLDS] == dict.fromkeys(LABELS, 0.0)

    # One label's slider: drama at 1.0 is never predicted (a sigmoid stays below 1).
    at.slider(key=threshold_key("drama")).set_value(1.0).run()
    assert not at.exception, at.exception
    per_label = at.dataframe[0].value
    assert per_label.loc["drama", "TP"] == 0 and per_label.loc["drama", "FN"] == 2
    assert per_label.loc["action", "recall"] == 1.0
    assert at.session_state[state.MULTILABEL_THRESHOLDS]["drama"] == 1.0

    # Best F1 per label: each label's F1 is at least what the sliders gave.
    before = at.dataframe[0].value["f1"]
    at.button(key="multilabel_best_f1").click().run()
    assert not at.exception, at.exception
    tuned = at.dataframe[0].value
    assert (tuned["f1"] >= before - 1e-9).all()
    stored = at.session_state[state.MULTILABEL_THRESHOLDS]
    assert [stored[label] for label in LABELS] == tuned["threshold"].tolist()
    assert at.slider(key=threshold_key("drama")).value == stored["drama"]

    examples = at.dataframe[1].value
    assert len(examples) == 5
    assert np.all(examples["p_comedy"].between(0, 1))
    at.checkbox(key="multilabel_errors_only").check().run()
    assert not at.exception, at.exception
    errors = at.dataframe[1].value
    assert len(errors) == (~examples["exact"]).sum() and not errors["exact"].any()


def test_a_clicked_cell_filters_the_examples(folders):
    at = open_page(folders["model"])
    at.session_state[state.MULTILABEL_CELL] = ("drama", "FN")
    at.session_state[state.MULTILABEL_THRESHOLDS] = dict.fromkeys(LABELS, 1.0)
    at.text_input(key="multilabel_path").set_value(str(folders["csv"])).run()
    at.selectbox(key="multilabel_text_column").set_value("sentence").run()
    at.selectbox(key="multilabel_labels_column").set_value("genres").run()
    assert not at.exception, at.exception
    examples = at.dataframe[1].value
    # Nothing is predicted at 1.0: the drama FN cell is every example with drama.
    assert list(examples["text"]) == ["the movie was good", "i love this film"]
    at.button(key="multilabel_clear_cell").click().run()
    assert len(at.dataframe[1].value) == 5


def test_a_jsonl_list_column_needs_no_mapping(folders):
    at = open_page(folders["model"])
    at.text_input(key="multilabel_path").set_value(str(folders["jsonl"])).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="multilabel_delimiter::labels").value.startswith("(lists")
    assert "horror" in at.warning[0].value  # not a label of the model: left out
    assert at.dataframe[0].value["support"].tolist() == [0, 1, 1]
    assert list(at.dataframe[1].value["gold"]) == ["comedy, drama", "", ""]


def test_a_wrong_column_is_an_error_and_the_page_keeps_running(folders):
    at = open_page(folders["model"])
    at.text_input(key="multilabel_path").set_value(str(folders["csv"])).run()
    at.selectbox(key="multilabel_text_column").set_value("sentence").run()
    # The text column as labels, as a list column: its cells are not lists.
    at.selectbox(key="multilabel_labels_column").set_value("sentence").run()
    assert not at.exception, at.exception
    assert "different columns" in at.error[0].value
    # The right column read as lists: its cells are delimited text.
    at.selectbox(key="multilabel_labels_column").set_value("genres").run()
    at.selectbox(key="multilabel_delimiter::genres").set_value("(lists: JSON arrays)")
    at.run()
    assert not at.exception, at.exception
    assert "Pick the delimiter" in at.error[0].value


def test_a_single_label_model_is_refused(folders):
    at = open_page(folders["single"])
    assert "not a multi-label classifier" in at.error[0].value
