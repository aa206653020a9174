"""Multi-label: parsing label lists, metrics equal to scikit-learn, the wrapper on a
tiny random multi-label BERT loaded through from_pretrained."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    hamming_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from tiny_models import build_tiny_classifier

from litcore.api.errors import DataError, LumenError, ModelError
from litcore.data.loading import read_bytes
from litcore.data.multilabel import (
    MultiLabelMapping,
    guess_delimiter,
    indicator_matrix,
    label_vocabulary,
    multilabel_frame,
    parse_label_lists,
)
from litcore.metrics.multilabel import (
    best_f1_thresholds,
    cell_rows,
    confusion_long,
    multilabel_report,
    predicted_labels,
)
from litcore.models.multilabel import (
    MultiLabelClassifier,
    probabilities_key,
    stored_probabilities,
)
from litcore.store.predictions import PredictionStore

LABELS = ("action", "comedy", "drama")
TEXTS = ["good film", "a very very bad boring film and plot", "great", "i love it"]


def build_tiny_multilabel(folder: Path, labels: tuple[str, ...] = LABELS) -> Path:
    """A tiny random BERT classifier whose config says multi-label."""
    build_tiny_classifier(folder, labels)
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["problem_type"] = "multi_label_classification"
    config_path.write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module")
def multilabel_model(tmp_path_factory) -> MultiLabelClassifier:
    folder = build_tiny_multilabel(tmp_path_factory.mktemp("multilabel") / "model")
    return MultiLabelClassifier.from_pretrained(folder)


# --- parsing ------------------------------------------------------------------


def test_delimited_cells_are_split_stripped_and_deduplicated():
    mapping = MultiLabelMapping("text", "tags", delimiter="|")
    parsed = parse_label_lists(["a| b |a", "", None, "c|", float("nan")], mapping)
    assert parsed == [("a", "b"), (), (), ("c",), ()]


def test_lists_and_json_arrays_need_no_delimiter():
    mapping = MultiLabelMapping("text", "tags")
    parsed = parse_label_lists([["x", "y"], '["y"]', [], np.array(["z"])], mapping)
    assert parsed == [("x", "y"), ("y",), (), ("z",)]


def test_a_jsonl_list_column_reads_through_the_file_loader():
    content = b'{"text": "good film", "genres": ["comedy", "drama"]}\n'
    content += b'{"text": "bad plot", "genres": []}\n'
    frame = multilabel_frame(
        read_bytes(content, "jsonl"), MultiLabelMapping("text", "genres")
    )
    assert list(frame.columns) == ["id", "text", "labels"]
    assert list(frame["labels"]) == [("comedy", "drama"), ()]
    assert frame["id"].is_unique


def test_a_tsv_with_a_comma_delimited_column():
    content = b"sentence\ttags\ngood film\tcomedy, drama\n\taction\nbad\taction\n"
    raw = read_bytes(content, "tsv")
    assert guess_delimiter(list(raw["tags"])) == ","
    frame = multilabel_frame(raw, MultiLabelMapping("sentence", "tags", ","))
    assert list(frame["text"]) == ["good film", "bad"]  # the empty text is dropped
    assert list(frame["labels"]) == [("comedy", "drama"), ("action",)]


def test_guess_delimiter():
    assert guess_delimiter(['["a"]', '["b", "c"]']) is None
    assert guess_delimiter([["a"], ["b"]]) is None
    assert guess_delimiter(["a;b", "c"]) == ";"
    assert guess_delimiter(["a", "b"]) == "|"  # one label per cell


def test_a_missing_column_names_the_columns_there_are():
    raw = pd.DataFrame({"text": ["a"], "genre": ["x"]})
    with pytest.raises(DataError, match="no column 'labels'.*text, genre"):
        multilabel_frame(raw, MultiLabelMapping("text", "labels", "|"))


def test_a_text_cell_without_a_delimiter_asks_for_one():
    with pytest.raises(DataError, match="Row 1 .*Pick the delimiter"):
        parse_label_lists(["a|b"], MultiLabelMapping("text", "tags"))


def test_a_numeric_column_is_not_a_labels_column():
    with pytest.raises(DataError, match=r"Row 1 of 'score' is 3 \(a int\)"):
        parse_label_lists([3, 4], MultiLabelMapping("text", "score", "|"))


def test_a_nested_label_is_refused():
    with pytest.raises(DataError, match="nested value"):
        parse_label_lists([[["a"]]], MultiLabelMapping("text", "tags"))


def test_a_broken_json_array_is_refused():
    with pytest.raises(DataError, match="not one"):
        parse_label_lists(['["a", '], MultiLabelMapping("text", "tags", "|"))


def test_a_column_without_any_label_is_refused():
    with pytest.raises(DataError, match="no label in any row"):
        parse_label_lists(["", None], MultiLabelMapping("text", "tags", "|"))


def test_the_same_column_twice_is_refused():
    raw = pd.DataFrame({"text": ["a"]})
    with pytest.raises(DataError, match="two different columns"):
        multilabel_frame(raw, MultiLabelMapping("text", "text", "|"))


def test_vocabulary_and_indicator_matrix():
    label_lists = [("b", "a"), (), ("c", "zz")]
    assert label_vocabulary(label_lists) == ("a", "b", "c", "zz")
    gold, unknown = indicator_matrix(label_lists, ("a", "b", "c"))
    assert gold.tolist() == [[True, True, False], [False] * 3, [False, False, True]]
    assert unknown == ("zz",)
    with pytest.raises(DataError, match="None of the data's labels"):
        indicator_matrix([("x",)], ("a", "b"))


# --- metrics ------------------------------------------------------------------

GOLD = np.array(
    [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 1]], dtype=bool
)
PROBAS = np.array(
    [
        [0.9, 0.2, 0.6],
        [0.4, 0.7, 0.1],
        [0.8, 0.3, 0.5],
        [0.1, 0.1, 0.1],
        [0.5, 0.6, 0.05],
        [0.3, 0.2, 0.45],
    ],
    dtype=np.float32,
)
THRESHOLDS = (0.5, 0.65, 0.45)


def test_thresholds_are_inclusive_and_per_label():
    predicted = predicted_labels(PROBAS, THRESHOLDS)
    assert predicted[4].tolist() == [True, False, False]  # 0.5 >= 0.5, 0.6 < 0.65
    assert predicted[5].tolist() == [False, False, True]  # 0.45 >= 0.45
    with pytest.raises(LumenError, match="one threshold per label"):
        predicted_labels(PROBAS, (0.5, 0.5))
    with pytest.raises(LumenError, match="between 0 and 1"):
        predicted_labels(PROBAS, (0.5, 1.5, 0.5))


def test_metrics_equal_scikit_learn():
    report = multilabel_report(GOLD, PROBAS, THRESHOLDS, LABELS)
    predicted = predicted_labels(PROBAS, THRESHOLDS)
    expected = {
        "exact_match": accuracy_score(GOLD, predicted),
        "micro_precision": precision_score(GOLD, predicted, average="micro"),
        "micro_recall": recall_score(GOLD, predicted, average="micro"),
        "micro_f1": f1_score(GOLD, predicted, average="micro"),
        "macro_precision": precision_score(GOLD, predicted, average="macro"),
        "macro_recall": recall_score(GOLD, predicted, average="macro"),
        "macro_f1": f1_score(GOLD, predicted, average="macro"),
        "hamming_loss": hamming_loss(GOLD, predicted),
    }
    assert report.headline == pytest.approx(expected, abs=1e-12)
    assert report.headline["exact_match"] == pytest.approx(5 / 6)  # row 2 is off
    precision, recall, f1, support = precision_recall_fscore_support(GOLD, predicted)
    per_label = report.per_label
    assert list(per_label.index) == list(LABELS)
    assert np.allclose(per_label["precision"], precision, atol=1e-12)
    assert np.allclose(per_label["recall"], recall, atol=1e-12)
    assert np.allclose(per_label["f1"], f1, atol=1e-12)
    assert per_label["support"].tolist() == support.tolist()
    confusion = multilabel_confusion_matrix(GOLD, predicted)  # [[tn, fp], [fn, tp]]
    assert per_label["TN"].tolist() == confusion[:, 0, 0].tolist()
    assert per_label["FP"].tolist() == confusion[:, 0, 1].tolist()
    assert per_label["FN"].tolist() == confusion[:, 1, 0].tolist()
    assert per_label["TP"].tolist() == confusion[:, 1, 1].tolist()


def test_a_label_never_gold_nor_predicted_scores_zero_as_scikit_learn():
    gold = np.array([[1, 0], [1, 0]], dtype=bool)
    probas = np.array([[0.9, 0.1], [0.2, 0.1]], dtype=np.float32)
    report = multilabel_report(gold, probas, (0.5, 0.5), ("a", "b"))
    predicted = predicted_labels(probas, (0.5, 0.5))
    macro = f1_score(gold, predicted, average="macro", zero_division=0)
    assert report.headline["macro_f1"] == pytest.approx(macro, abs=1e-12)
    assert report.per_label.loc["b", "f1"] == 0.0


def test_confusion_long_and_cell_rows():
    report = multilabel_report(GOLD, PROBAS, THRESHOLDS, LABELS)
    long = confusion_long(report.per_label)
    assert len(long) == 3 * 4
    assert long.groupby("label")["share"].sum().tolist() == pytest.approx([1, 1, 1])
    predicted = predicted_labels(PROBAS, THRESHOLDS)
    false_negatives = cell_rows(GOLD, predicted, 1, "FN")  # comedy: gold, missed
    assert np.flatnonzero(false_negatives).tolist() == [2]
    tp = long[(long["label"] == "comedy") & (long["cell"] == "TP")]["count"]
    assert tp.item() == int(cell_rows(GOLD, predicted, 1, "TP").sum()) == 1
    with pytest.raises(LumenError, match="Unknown cell"):
        cell_rows(GOLD, predicted, 0, "XX")


def test_best_f1_thresholds_by_hand():
    # comedy: gold at 0.7 and 0.3, a negative at 0.6: F1 0.8 for t in (0.2, 0.3].
    # drama: gold at 0.6 and 0.45, a negative at 0.5: F1 0.8 for t in (0.1, 0.45].
    assert best_f1_thresholds(GOLD, PROBAS).tolist() == [0.5, 0.3, 0.45]


def test_best_f1_thresholds_beat_every_grid_point():
    rng = np.random.default_rng(0)
    gold = rng.random((40, 4)) < 0.4
    gold[:, 3] = False  # a label never gold keeps 0.5
    probas = np.clip(gold * 0.3 + rng.random((40, 4)) * 0.7, 0, 1).astype(np.float32)
    best = best_f1_thresholds(gold, probas)
    assert best[3] == 0.5
    for label in range(3):
        column = (gold[:, [label]], probas[:, [label]])
        scores = [
            f1_score(column[0], column[1] >= np.float32(t), zero_division=0)
            for t in np.round(np.linspace(0, 1, 101), 2)
        ]
        chosen = f1_score(column[0], column[1] >= np.float32(best[label]))
        assert chosen == pytest.approx(max(scores), abs=1e-12)


# --- the wrapper ----------------------------------------------------------------


def test_labels_and_probabilities(multilabel_model):
    assert multilabel_model.labels == LABELS
    probas = multilabel_model.predict(TEXTS).probas
    assert probas.shape == (len(TEXTS), len(LABELS)) and probas.dtype == np.float32
    assert ((probas >= 0) & (probas <= 1)).all()


def test_probabilities_are_the_sigmoid_of_a_plain_forward_pass(multilabel_model):
    encoded = multilabel_model.tokenizer(TEXTS, return_tensors="pt", padding=True)
    with torch.no_grad():
        logits = multilabel_model.model(**encoded).logits
    expected = torch.sigmoid(logits).numpy()
    # Small batches: the length-sorted batching must restore the input order.
    got = multilabel_model.predict(TEXTS, batch_tokens=12).probas
    assert np.allclose(got, expected, atol=1e-6)
    assert not np.allclose(got.sum(axis=1), 1.0)  # independent sigmoids


def test_probabilities_are_stored_and_read_back(multilabel_model, tmp_path):
    store = PredictionStore(tmp_path / "store.sqlite")
    key = probabilities_key(multilabel_model, TEXTS)
    assert store.get_arrays(key) is None
    first = stored_probabilities(multilabel_model, TEXTS, store)
    assert np.array_equal(store.get_arrays(key)["probas"], first)
    assert np.array_equal(stored_probabilities(multilabel_model, TEXTS, store), first)
    assert probabilities_key(multilabel_model, TEXTS[:2]) != key


def test_a_single_label_classifier_is_refused(tiny_model_dir):
    with pytest.raises(ModelError, match="not a multi-label classifier"):
        MultiLabelClassifier.from_pretrained(tiny_model_dir)


def test_a_masked_lm_is_refused(tmp_path):
    folder = build_tiny_classifier(tmp_path / "mlm", architecture="masked")
    with pytest.raises(ModelError, match="not a multi-label classifier"):
        MultiLabelClassifier.from_pretrained(folder)


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(ModelError, match="Could not load"):
        MultiLabelClassifier.from_pretrained(tmp_path / "nothing")
