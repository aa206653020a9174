"""The Generation and NER pages without a model: what to type, a worked example
of the folder, and sample files the pages themselves read."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from litcore.data.loading import read_bytes
from litcore.data.ner import read_ner, spans, to_iob2
from litcore.ui.task_examples import SAMPLE_CONLL, SAMPLE_GENERATION_CSV

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.mark.parametrize(
    ("page", "auto_class", "listing"),
    [
        ("generation", "AutoModelForSeq2SeqLM", "T5ForConditionalGeneration"),
        ("ner", "AutoModelForTokenClassification", "BertForTokenClassification"),
    ],
)
def test_the_empty_page_says_what_to_type_and_shows_a_folder(page, auto_class, listing):
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "No such model ships offline" in text and "save_pretrained" in text
    code = " ".join(c.value for c in at.code)
    assert listing in code and "model.safetensors" in code
    assert f"{auto_class}.from_pretrained(name).save_pretrained(folder)" in code
    assert len(at.get("download_button")) == 1


def test_the_sample_conll_file_reads_with_its_entities():
    frame = read_ner(SAMPLE_CONLL.encode(), "sample.conll")
    found = [
        [(s.label, s.start, s.end) for s in spans(to_iob2(tags, scheme))]
        for tags, scheme in zip(frame["tags"], frame["scheme"])
    ]
    assert found == [[("PER", 0, 2), ("LOC", 4, 5)], [("ORG", 0, 1), ("PER", 2, 3)]]


def test_the_sample_prompts_file_has_the_columns_the_page_reads():
    frame = read_bytes(SAMPLE_GENERATION_CSV.encode(), "csv")
    assert list(frame.columns) == ["text", "target"] and len(frame) == 2
