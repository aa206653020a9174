"""Hugging Face conventions: ``hf:NAME[:SPLIT][@REVISION]`` and ``save_to_disk``
folders read through the real ``datasets`` calls (local folders, no hub), and a
model ``revision`` passed to every ``from_pretrained``."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from litcore.api.errors import DataError
from litcore.data.dataset import ColumnMapping
from litcore.data.hf import HfSpec, parse_hf_spec
from litcore.data.loading import read_source
from litcore.models import classifier as classifier_module
from litcore.models import hf_loading
from litcore.models.classifier import SequenceClassifier
from litcore.session.choice import SourceChoice
from litcore.session.loaders import plain_loaders
from litcore.session.workspace import build_workspace
from litcore.store.predictions import PredictionStore
from litcore.ui import state

datasets = pytest.importorskip("datasets")

APP = Path(__file__).resolve().parents[1] / "app.py"
TRAIN = [("the great film", 1), ("an awful plot", 0), ("fun", 1)]
TEST = [("very good", 1), ("boring", 0)]


@pytest.fixture(autouse=True)
def datasets_cache(tmp_path, monkeypatch):
    """``load_dataset``'s cache in the test's folder, not the user's."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


def as_dataset(rows):
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["negative", "positive"]),
        }
    )
    frame = pd.DataFrame(rows, columns=["sentence", "label"])
    return datasets.Dataset.from_pandas(frame, features=features)


@pytest.fixture
def saved_dict(tmp_path) -> Path:
    """A ``DatasetDict.save_to_disk`` folder with a test and a train split."""
    folder = tmp_path / "saved_dict"
    splits = {"test": as_dataset(TEST), "train": as_dataset(TRAIN)}
    datasets.DatasetDict(splits).save_to_disk(str(folder))
    return folder


@pytest.fixture
def data_folder(tmp_path) -> Path:
    """A folder of CSV files that ``load_dataset(folder, split=...)`` reads."""
    folder = tmp_path / "reviews"
    folder.mkdir()
    for split, rows in (("train", TRAIN), ("test", TEST)):
        frame = pd.DataFrame(rows, columns=["sentence", "label"])
        frame.to_csv(folder / f"{split}.csv", index=False)
    return folder


def test_hf_specs_parse_name_split_and_revision():
    assert parse_hf_spec("hf:rotten_tomatoes") == HfSpec("rotten_tomatoes")
    assert parse_hf_spec("hf:org/name:validation@v1.0") == HfSpec(
        "org/name", "validation", "v1.0"
    )
    assert parse_hf_spec("hf:/data/reviews:test") == HfSpec("/data/reviews", "test")
    for bad in ("hf:", "hf::test", "hf:name:", "hf:name@", "rotten_tomatoes"):
        with pytest.raises(DataError):
            parse_hf_spec(bad)


def test_a_saved_dataset_is_read_with_class_names(tmp_path):
    folder = tmp_path / "saved"
    as_dataset(TRAIN).save_to_disk(str(folder))
    frame = read_source(str(folder))
    assert frame["sentence"].tolist() == [text for text, _ in TRAIN]
    assert frame["label"].tolist() == ["positive", "negative", "positive"]


def test_a_saved_dataset_dict_reads_its_train_split(saved_dict):
    assert len(read_source(str(saved_dict))) == len(TRAIN)


def test_a_local_folder_by_name_goes_through_load_dataset(data_folder):
    test = read_source(f"hf:{data_folder}:test")
    assert test["sentence"].tolist() == [text for text, _ in TEST]
    assert len(read_source(f"hf:{data_folder}")) == len(TRAIN)  # train first
    # A local folder has no revisions: load_dataset ignores one, as here.
    assert len(read_source(f"hf:{data_folder}:test@v1")) == len(TEST)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("hf:{folder}:validation", "Unknown split"),
        ("hf:no_such_dataset_here", "Could not load the Hugging Face dataset"),
    ],
)
def test_a_missing_split_or_dataset_gives_one_line(
    source, message, data_folder, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataError) as raised:
        read_source(source.format(folder=data_folder))
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_without_datasets_the_message_says_what_to_install(saved_dict, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(DataError, match=r"pip install 'lumen-nlp\[hf\]'"):
        read_source(str(saved_dict))


def test_a_workspace_opens_hf_data_once_per_loaders(
    data_folder, tiny_model_dir, tmp_path, monkeypatch
):
    reads = []
    original = datasets.load_dataset
    monkeypatch.setattr(
        datasets, "load_dataset", lambda *a, **k: reads.append(a) or original(*a, **k)
    )
    choice = SourceChoice(
        demo_key=None,
        data_source=f"hf:{data_folder}:test",
        mapping=ColumnMapping(text="sentence", label="label"),
        model_source=str(tiny_model_dir),
    )
    loaders = plain_loaders(PredictionStore(tmp_path / "predictions.sqlite"))
    workspace = build_workspace(choice, loaders)
    assert len(workspace.frame) == len(TEST)
    assert workspace.data.name == f"hf:{data_folder}:test"
    build_workspace(choice, loaders)
    assert len(reads) == 1


# --- model revisions ------------------------------------------------------------


def test_a_revision_reaches_every_from_pretrained_and_the_fingerprint(
    tiny_model_dir, monkeypatch
):
    calls = []

    def spied(auto_class):
        original = auto_class.from_pretrained

        def from_pretrained(source, **options):
            calls.append((auto_class.__name__, options.get("revision")))
            return original(source, **options)

        return from_pretrained

    for module, name in (
        (hf_loading, "AutoConfig"),
        (classifier_module, "AutoTokenizer"),
        (classifier_module, "AutoModelForSequenceClassification"),
    ):
        auto_class = getattr(module, name)
        monkeypatch.setattr(auto_class, "from_pretrained", spied(auto_class))
    pinned = SequenceClassifier.from_pretrained(tiny_model_dir, revision="v1")
    assert pinned.model is not None  # the weights load on first use
    assert {name for name, _ in calls} == {
        "AutoConfig",
        "AutoModelForSequenceClassification",
        "AutoTokenizer",
    }
    assert {revision for _, revision in calls} == {"v1"}
    default = SequenceClassifier.from_pretrained(tiny_model_dir)
    again = SequenceClassifier.from_pretrained(tiny_model_dir, revision="v1")
    other = SequenceClassifier.from_pretrained(tiny_model_dir, revision="v2")
    # A local folder ignores the revision (transformers reads the folder as it
    # is), yet predictions are stored apart for each revision asked for.
    assert pinned.labels == default.labels and pinned.revision == "v1"
    assert pinned.fingerprint == again.fingerprint
    assert len({default.fingerprint, pinned.fingerprint, other.fingerprint}) == 3


def test_the_startup_revision_is_the_workspace_models(
    tiny_model_dir, data_folder, monkeypatch
):
    monkeypatch.setenv("LUMEN_DATA", f"hf:{data_folder}:test")
    monkeypatch.setenv("LUMEN_TEXT", "sentence")
    monkeypatch.setenv("LUMEN_MODEL", str(tiny_model_dir))
    monkeypatch.setenv("LUMEN_REVISION", "v1")
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, at.exception
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.model.revision == "v1" and len(workspace.frame) == len(TEST)


def test_the_sidebar_opens_a_saved_dataset(tiny_model_dir, data_folder, saved_dict,
                                           monkeypatch):  # fmt: skip
    monkeypatch.setenv("LUMEN_DATA", f"hf:{data_folder}:test")
    monkeypatch.setenv("LUMEN_TEXT", "sentence")
    monkeypatch.setenv("LUMEN_MODEL", str(tiny_model_dir))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input(key="pick_hf").input(str(saved_dict)).run()
    assert at.selectbox(key="map_label").value == "label"
    at.button(key="pick_load").click().run()
    assert not at.exception, at.exception
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.choice.data_source == str(saved_dict)
    assert len(workspace.frame) == len(TRAIN)
    assert sorted(set(workspace.data.frame["label"])) == ["negative", "positive"]
