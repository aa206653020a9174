"""Tiny random-weight models for tests, saved to a folder with save_pretrained."""

from __future__ import annotations

from pathlib import Path

TINY_WORDS = (
    "the a movie film is was good great bad awful not very plot acting fun boring "
    "and but i it this of to love hate best worst he she his her man woman john mary "
    "terrible wonderful"
).split()


def build_tiny_classifier(
    folder: Path,
    labels: tuple[str, ...] = ("negative", "positive"),
    seed: int = 0,
    architecture: str = "sequence",
) -> Path:
    """Saves a random-weight 2-layer BERT (hidden 32) and its tokenizer to ``folder``.

    Args:
        architecture: ``sequence`` for a classifier, ``base`` for a bare encoder,
            ``masked`` for a masked LM (a wrong model type for classification),
            ``token`` for a token classifier (NER tags as ``labels``).
    """
    import torch
    from transformers import (
        BertConfig,
        BertForMaskedLM,
        BertForSequenceClassification,
        BertForTokenClassification,
        BertModel,
        BertTokenizer,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *TINY_WORDS, "##s", "##ing"]
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(vocab)})
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(seed)
    model_class = {
        "sequence": BertForSequenceClassification,
        "base": BertModel,
        "masked": BertForMaskedLM,
        "token": BertForTokenClassification,
    }[architecture]
    model = model_class(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
