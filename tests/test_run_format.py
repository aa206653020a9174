"""Runs: written by ``predict_run`` and ``lumen-nlp predict --out RUN_DIR``, checked
strictly when opened, and opened by the app (``--run``, ``$LUMEN_RUN``, the
sidebar) without predicting or loading the model's weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from startup_app import started_app

from litcore.cli import main
from litcore.data.dataset import ColumnMapping, from_frame, text_length_words
from litcore.models.classifier import SequenceClassifier
from litcore.session.choice import SourceChoice
from litcore.session.predictions import predict_dataset
from litcore.session.runs import predict_run
from litcore.session.startup import StartupError, parse_startup
from litcore.session.workspace import build_workspace
from litcore.store.predictions import PredictionStore
from litcore.store.run import (
    MANIFEST,
    RunError,
    RunWriter,
    open_run,
    read_manifest,
)
from litcore.ui import state

ROWS = [
    ("the great film", "positive", "drama"),
    ("an awful plot", "negative", "comedy"),
    ("not very good acting", "negative", "drama"),
    ("i love this movie", "positive", "comedy"),
    ("boring and bad", "negative", "drama"),
] * 3


@pytest.fixture(scope="module")
def reviews():
    frame = pd.DataFrame(ROWS, columns=["sentence", "gold", "genre"])
    mapping = ColumnMapping("sentence", "gold", metadata=("genre",))
    return from_frame(frame, mapping, name="reviews")


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    return SequenceClassifier.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def run_dir(model, reviews, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs") / "run"
    predict_run(model, reviews, folder, shard_rows=4)
    return folder


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    copied = tmp_path / "copy"
    copied.mkdir()
    for file in run_dir.iterdir():
        (copied / file.name).write_bytes(file.read_bytes())
    return copied


def test_a_run_holds_the_predictions_of_the_model(run_dir, model, reviews):
    run = open_run(run_dir)
    expected = model.predict(reviews.texts())
    assert run.ids().tolist() == reviews.frame["id"].tolist()
    np.testing.assert_allclose(run.probas(), expected.probas, atol=1e-6)
    for name in ("cls_embedding", "mean_embedding"):
        stored = run.embedding(name)
        assert stored.dtype == np.float16
        np.testing.assert_allclose(
            stored, getattr(expected, name), rtol=1e-3, atol=1e-3
        )
    predictions = run.predictions(reviews.frame["id"].tolist())
    assert predictions.tokens[:] == expected.tokens
    assert run.truncated().tolist() == expected.truncated.tolist()
    pd.testing.assert_frame_equal(run.dataset().frame, reviews.frame)
    manifest = run.manifest
    assert [n for _, _, n in manifest.shards] == [4, 4, 4, 3]
    assert manifest.data_fingerprint == reviews.fingerprint
    assert manifest.labels == model.labels
    assert manifest.metadata == ("genre",)


def test_predictions_of_some_ids_come_in_their_order(run_dir, reviews):
    run = open_run(run_dir)
    ids = reviews.frame["id"].tolist()
    picked = run.predictions([ids[3], ids[0]])
    np.testing.assert_array_equal(picked.probas, run.probas()[[3, 0]])
    assert picked.tokens[0] == run.predictions(ids).tokens[3]
    assert run.predictions([ids[0], "not-in-the-run"]) is None


def test_a_run_opens_as_a_workspace_without_predicting_or_the_weights(
    run_dir, reviews, tmp_path
):
    choice = SourceChoice(
        demo_key=None,
        run_source=str(run_dir),
        model_source=read_manifest(run_dir).model,
    )
    store = PredictionStore(tmp_path / "empty.sqlite")
    workspace = build_workspace(choice)
    assert workspace.model._model is None  # the weights load on first use
    assert workspace.frame["id"].tolist() == reviews.frame["id"].tolist()
    assert {"pred", "confidence", "p_positive", "genre"} <= set(workspace.frame)
    words = text_length_words(reviews.frame).tolist()
    assert workspace.frame["length"].tolist() == words  # stored, not counted again
    embeddings = predict_dataset(workspace.model, workspace.frame, store).cls_embedding
    assert embeddings.dtype == np.float16  # the run's, not predicted into the store
    assert store.missing(workspace.model.fingerprint, ["any"]) == ["any"]
    assert workspace.model._model is None


def test_rows_the_run_lacks_are_predicted_alone(run_dir, model, reviews, tmp_path):
    choice = SourceChoice(
        demo_key=None,
        run_source=str(run_dir),
        model_source=read_manifest(run_dir).model,
    )
    workspace = build_workspace(choice)
    edited = pd.DataFrame({"id": ["edited-1"], "text": ["a great plot"]})
    frame = pd.concat([workspace.frame[["id", "text"]], edited], ignore_index=True)
    store = PredictionStore(tmp_path / "store.sqlite")
    predictions = predict_dataset(workspace.model, frame, store)
    ids = frame["id"].tolist()
    assert store.missing(workspace.model.fingerprint, ids) == ids[:-1]
    run = open_run(run_dir)
    np.testing.assert_allclose(predictions.probas[:-1], run.probas())
    expected = model.predict(["a great plot"]).probas
    np.testing.assert_allclose(predictions.probas[-1:], expected, atol=1e-6)
    assert predictions.tokens[-1] == model.predict(["a great plot"]).tokens[0]


def _rewrite_manifest(folder: Path, **changes) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps(manifest | changes))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / MANIFEST).unlink(), "has no manifest.json"),
        (lambda f: (f / MANIFEST).write_text("{"), "is not JSON"),
        (lambda f: _rewrite_manifest(f, format_version=99), "format version 99"),
        (lambda f: _rewrite_manifest(f, rows="15"), "'rows' is missing or mistyped"),
        (lambda f: _rewrite_manifest(f, rows=16), "do not hold its 16 rows"),
        (lambda f: _rewrite_manifest(f, labels=["one"]), "two classes or more"),
        (lambda f: _rewrite_manifest(f, hidden=8), "fixed_size_list<float16>[8]"),
        (
            lambda f: _rewrite_manifest(f, shards=[["../x.parquet", "e.arrow", 15]]),
            "shard entry is malformed",
        ),
        (lambda f: (f / "rows-00002.parquet").unlink(), "rows-00002.parquet is miss"),
        (lambda f: (f / "embeddings-00001.arrow").write_bytes(b"x"), "not a readable"),
    ],
)
def test_a_damaged_run_is_refused_with_the_reason(run_dir, tmp_path, damage, message):
    copied = _copy(run_dir, tmp_path)
    damage(copied)
    with pytest.raises(RunError, match=message.replace("[", r"\[")):
        open_run(copied)


def test_repeated_ids_and_missing_columns_are_refused(run_dir, tmp_path):
    copied = _copy(run_dir, tmp_path)
    shard = copied / "rows-00001.parquet"
    first = pq.read_table(copied / "rows-00000.parquet")
    pq.write_table(first, shard)  # the first shard's ids again
    with pytest.raises(RunError, match="ids are not unique"):
        open_run(copied)
    pq.write_table(first.drop_columns(["p_positive"]), shard)
    with pytest.raises(RunError, match="lacks the column.s. p_positive"):
        open_run(copied)
    pq.write_table(first.slice(0, 3), shard)
    with pytest.raises(RunError, match="has 3 rows; the manifest says 4"):
        open_run(copied)
    with pytest.raises(RunError, match="exists and is not empty"):
        RunWriter(copied, ("negative", "positive"))


def test_the_cli_writes_a_run_for_a_folder_and_a_table_for_a_file(
    tiny_model_dir, tmp_path, capsys
):
    data = tmp_path / "reviews.csv"
    pd.DataFrame(ROWS, columns=["sentence", "gold", "genre"]).to_csv(data, index=False)
    flags = ["predict", "--data", str(data), "--text", "sentence", "--label", "gold"]
    flags += ["--model", str(tiny_model_dir), "--metadata", "genre"]
    assert main([*flags, "--out", str(tmp_path / "run")]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["n"] == len(ROWS) and "accuracy" in result
    assert open_run(tmp_path / "run").manifest.metadata == ("genre",)
    assert main([*flags, "--out", str(tmp_path / "table.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "table.csv")) == len(ROWS)
    assert main([*flags, "--out", str(tmp_path / "t.csv"), "--engine", "ray"]) == 2
    assert "--engine ray writes a run" in capsys.readouterr().err


def test_startup_opens_a_run_from_the_flag_or_the_variable(run_dir):
    choice = parse_startup(["--run", str(run_dir)], {})
    assert choice.run_source == str(run_dir)
    assert choice.model_source == read_manifest(run_dir).model
    assert parse_startup([], {"LUMEN_RUN": str(run_dir)}) == choice
    with pytest.raises(StartupError, match="leave out --model"):
        parse_startup(["--run", str(run_dir), "--model", "x"], {})
    with pytest.raises(StartupError, match="Run folder not found"):
        parse_startup(["--run", "/no/such/run"], {})


def test_the_app_opens_a_run_given_at_startup(run_dir, monkeypatch):
    at = started_app(monkeypatch, {"LUMEN_RUN": str(run_dir)})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.choice.run_source == str(run_dir)
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown["Examples shown"] == str(len(ROWS))
    assert at.radio(key="pick_kind").value == "Run folder"
    assert at.text_input(key="pick_run").value == str(run_dir)


def test_the_sidebar_opens_another_run_and_names_what_is_wrong(
    run_dir, tmp_path, monkeypatch
):
    at = started_app(monkeypatch, {"LUMEN_RUN": str(run_dir)})
    at.text_input(key="pick_run").input(str(tmp_path)).run()
    assert "has no manifest.json" in " ".join(e.value for e in at.error)
    other = _copy(run_dir, tmp_path)
    at.text_input(key="pick_run").input(str(other)).run()
    at.button(key="pick_load").click().run()
    assert not at.exception, at.exception
    assert at.session_state[state.WORKSPACE].choice.run_source == str(other)
