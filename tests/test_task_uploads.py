"""The Tasks pages' uploads go to the upload store: the session keeps the
stored file's spec and name, and the page reads the file back from the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from tiny_task_models import build_tiny_causal_lm, build_tiny_token_classifier

from litcore.data.loading import source_bytes
from litcore.ui import state

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CONLL = b"-DOCSTART- O\n\njohn B-PER\nloves O\nmary B-PER\n\nthe O\nfilm B-LOC\n"
PAIRS = b"text,target\nthe movie was,good\nthe film is,bad\n"


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("task_uploads")
    return {
        "ner": build_tiny_token_classifier(root / "bert_ner"),
        "causal": build_tiny_causal_lm(root / "gpt2"),
    }


def open_page(page: str, model_key: str, model_dir: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page).run()
    at.text_input(key=model_key).set_value(str(model_dir)).run()
    assert not at.exception and not at.error, at.exception or at.error
    return at


def upload(at: AppTest, key: str, name: str, content: bytes) -> tuple[str, str]:
    """Uploads ``content`` as ``name`` through the uploader with ``key``; the
    (name, spec) the session keeps."""
    uploader = next(u for u in at.get("file_uploader") if u.proto.id.endswith(key))
    uploader.set_value((name, content, "text/plain")).run()
    assert not at.exception and not at.error, at.exception or at.error
    return at.session_state[key.rsplit("_", 1)[0] + "_stored"]


def test_a_conll_upload_on_the_ner_page_is_stored_and_read_from_the_store(
    models, demo_prepared
):
    at = open_page("pages/ner.py", "ner_model", models["ner"])
    name, spec = upload(at, "ner_file_0", "gold.txt", CONLL)
    assert name == "gold.txt" and spec.startswith("upload:") and spec.endswith(".conll")
    assert source_bytes(spec) == CONLL
    metrics = at.dataframe[0].value
    assert metrics.loc["PER", "support"] == 2
    at.run()  # a rerun reads the spec, not an uploader's bytes
    assert not at.get("file_uploader") and not at.exception
    assert at.dataframe[0].value.loc["PER", "support"] == 2
    assert "gold.txt (stored on this server)" in [t.value for t in at.text][0]


def test_a_table_upload_on_the_generation_page_is_read_from_the_store(
    models, demo_prepared
):
    at = open_page("pages/generation.py", "generation_model", models["causal"])
    _, spec = upload(at, "generation_file_0", "pairs.csv", PAIRS)
    assert spec.endswith(".csv") and source_bytes(spec) == PAIRS
    assert [m.label for m in at.metric] == ["Corpus BLEU", "Mean ROUGE-L F1"]
    assert len(at.dataframe[1].value) == 2


def test_a_link_to_the_ner_page_reopens_its_model_file_and_text(models, demo_prepared):
    at = open_page("pages/ner.py", "ner_model", models["ner"])
    at.text_input(key="ner_text").set_value("john loves mary").run()
    name, spec = upload(at, "ner_file_0", "gold.txt", CONLL)
    params = {key: at.query_params[key] for key in at.query_params}
    assert params["page"] == "ner" and params["tmodel"] == str(models["ner"])
    assert params["tfile"] == spec and params["tname"] == name
    assert params["ttext"] == "john loves mary"

    opened = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        opened.query_params[key] = value
    opened.run()
    assert not opened.exception and not opened.error, opened.exception or opened.error
    assert not opened.session_state[state.LINK_MESSAGES]
    assert opened.text_input(key="ner_model").value == str(models["ner"])
    assert opened.text_input(key="ner_text").value == "john loves mary"
    assert "gold.txt (stored on this server)" in [t.value for t in opened.text][0]
    assert opened.dataframe[0].value.loc["PER", "support"] == 2


def test_a_link_with_a_malformed_task_part_opens_the_page_and_says_so(
    models, demo_prepared
):
    opened = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"data": "movies", "page": "ner", "tfile": "/etc/passwd"}.items():
        opened.query_params[key] = value
    opened.run()
    assert not opened.exception, opened.exception
    messages = opened.session_state[state.LINK_MESSAGES]
    assert messages == ["The link's file for this page is not a stored upload."]
    assert "ner_file_stored" not in opened.session_state
