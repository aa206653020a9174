"""Tiny random-weight task models saved with save_pretrained (tests only)."""

from __future__ import annotations

from pathlib import Path

from tiny_models import TINY_WORDS, build_tiny_classifier

NER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
SPECIALS = ["<pad>", "</s>", "<unk>"]


def _word_level_tokenizer():
    """A whitespace WordLevel tokenizer over the specials and ``TINY_WORDS``."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate([*SPECIALS, *TINY_WORDS])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


def _save_random(folder: Path, model_class, config, tokenizer, seed: int) -> Path:
    """Saves a ``model_class(config)`` with seeded random weights and ``tokenizer``."""
    import torch

    torch.manual_seed(seed)
    model_class(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_causal_lm(folder: Path, seed: int = 0) -> Path:
    """A 2-layer GPT-2 (hidden 32) with a word-level tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = _word_level_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
    )
    return _save_random(folder, GPT2LMHeadModel, config, tokenizer, seed)


def build_tiny_seq2seq(folder: Path, seed: int = 0) -> Path:
    """A 2-layer T5 (d_model 32) with a word-level tokenizer."""
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = _word_level_tokenizer()
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_kv=16,
        d_ff=64,
        num_layers=2,
        num_heads=2,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return _save_random(folder, T5ForConditionalGeneration, config, tokenizer, seed)


def build_tiny_token_classifier(folder: Path, seed: int = 0) -> Path:
    """A 2-layer BERT token classifier over ``NER_LABELS``."""
    return build_tiny_classifier(folder, NER_LABELS, seed, architecture="token")
