"""NER readers, tag schemes and the token classifier on a tiny random BERT."""

from __future__ import annotations

import pytest
import torch
from tiny_models import build_tiny_classifier
from tiny_task_models import NER_LABELS, build_tiny_token_classifier

from litcore.api.errors import DataError, ModelError
from litcore.data.ner import Span, detect_scheme, read_conll, read_ner, spans, to_iob2
from litcore.models.token_classifier import TokenClassifier

# One sentence in three schemes: "John Smith" PER, "Paris" LOC, "Rome" "Milan" LOC LOC.
IOB2 = ["B-PER", "I-PER", "O", "B-LOC", "O", "B-LOC", "B-LOC"]
IOB1 = ["I-PER", "I-PER", "O", "I-LOC", "O", "I-LOC", "B-LOC"]
BIOES = ["B-PER", "E-PER", "O", "S-LOC", "O", "S-LOC", "S-LOC"]
EXPECTED = [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 6, "LOC"), Span(6, 7, "LOC")]


@pytest.mark.parametrize(
    ("tags", "scheme"), [(IOB2, "IOB2"), (IOB1, "IOB1"), (BIOES, "BIOES")]
)
def test_schemes_give_the_same_spans(tags, scheme):
    assert detect_scheme([tags]) == scheme
    assert spans(tags, scheme) == EXPECTED
    assert to_iob2(tags, scheme) == IOB2


def test_malformed_tag_is_a_data_error():
    with pytest.raises(DataError, match="not of the form"):
        spans(["B-PER", "PERSON"])


CONLL = """-DOCSTART- -X- -X- O

John NNP B-NP I-PER
Smith NNP I-NP I-PER
visited VBD B-VP O
Paris NNP B-NP I-LOC

It PRP B-NP O
rains VBZ B-VP O
"""


def test_conll_skips_docstart_and_reads_the_last_column():
    frame = read_conll(CONLL)
    assert frame["tokens"].tolist() == [
        ["John", "Smith", "visited", "Paris"],
        ["It", "rains"],
    ]
    assert frame["tags"].iloc[0] == ["I-PER", "I-PER", "O", "I-LOC"]
    assert frame["scheme"].iloc[0] == "IOB1"
    assert frame["text"].iloc[1] == "It rains"
    assert frame["id"].is_unique


def test_jsonl_and_its_errors():
    good = b'{"tokens": ["Rome"], "tags": ["S-LOC"]}\n'
    frame = read_ner(good, "x.jsonl")
    assert frame["scheme"].iloc[0] == "BIOES"
    with pytest.raises(DataError, match="lacks tags"):
        read_ner(b'{"tokens": ["a"]}\n', "x.jsonl")
    with pytest.raises(DataError, match="1 tokens but 2 tags"):
        read_ner(b'{"tokens": ["a"], "tags": ["O", "O"]}\n', "x.jsonl")
    with pytest.raises(DataError, match="one column"):
        read_ner(b"John\n", "x.conll")


@pytest.fixture(scope="module")
def tagger(tmp_path_factory) -> TokenClassifier:
    return TokenClassifier.from_pretrained(
        build_tiny_token_classifier(tmp_path_factory.mktemp("ner"))
    )


def test_one_tag_per_word_from_its_first_subword(tagger):
    sentences = [["john", "loves", "mary"], ["the"]]
    predictions = tagger.predict(sentences)
    assert [len(t) for t in predictions.tags] == [3, 1]
    assert tagger.labels == NER_LABELS
    ids, first, _ = tagger.encode_words(["john", "loves", "mary"])
    assert tagger.tokenizer.convert_ids_to_tokens(ids)[first[1] : first[2]] == [
        "love",
        "##s",
    ]
    with torch.inference_mode():
        logits = tagger.model(input_ids=torch.tensor([ids])).logits[0]
    expected = [NER_LABELS[int(logits[p].argmax())] for p in first]
    assert predictions.tags[0] == expected
    assert not predictions.truncated.any()


def test_words_past_the_limit_are_outside_and_flagged(tagger):
    long_sentence = ["the"] * 80
    predictions = tagger.predict([long_sentence])
    assert predictions.truncated.tolist() == [True]
    assert predictions.tags[0][-1] == "O"
    assert predictions.confidence[0][-1] == 0.0


def test_a_sequence_classifier_is_refused(tmp_path):
    with pytest.raises(ModelError, match="not a token classifier"):
        TokenClassifier.from_pretrained(build_tiny_classifier(tmp_path / "c"))
