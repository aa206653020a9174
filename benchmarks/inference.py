"""Inference speed on the 2,000 held-out movie snippets, three ways, in one run.

1. Lumen: ``SequenceClassifier.predict`` (length-sorted batches, bf16 where the
   CPU has it, probabilities and both pooled embeddings from one pass).
2. A plain padded batch loop over ``model(**batch)`` in data order (fp32).
3. A per-example loop (fp32).

The baselines run the model as ``AutoModelForSequenceClassification`` loads it
(its default attention kernel), not Lumen's copy.

Usage: ``python -m benchmarks.inference`` (prepares the demo first if needed).
The last line holds the two ratios.
"""

from __future__ import annotations

import time

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from litcore.data.demo import load_demo
from litcore.models.classifier import DEFAULT_MAX_LENGTH, SequenceClassifier
from litcore.session.demo import demo_model_dir

BATCH_SIZE = 64
MAX_LENGTH = DEFAULT_MAX_LENGTH  # what SequenceClassifier uses for the demo


def plain_padded_loop(model, tokenizer, texts: list[str]) -> None:
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH_SIZE):
            batch = tokenizer(
                texts[start : start + BATCH_SIZE],
                padding=True,
                truncation=True,
                max_length=MAX_LENGTH,
                return_tensors="pt",
            )
            model(**batch)


def per_example_loop(model, tokenizer, texts: list[str]) -> None:
    with torch.inference_mode():
        for text in texts:
            batch = tokenizer(
                text, truncation=True, max_length=MAX_LENGTH, return_tensors="pt"
            )
            model(**batch)


def examples_per_second(run, texts: list[str]) -> float:
    started = time.perf_counter()
    run(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    folder = demo_model_dir("movies")
    model = SequenceClassifier.from_pretrained(folder)
    # The baselines run the model as Hugging Face loads it (default attention).
    plain_model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    texts = load_demo("movies")[1].texts()
    model.predict(texts[:64])  # warm-up
    lumen = examples_per_second(model.predict, texts)
    plain = examples_per_second(
        lambda t: plain_padded_loop(plain_model, tokenizer, t), texts
    )
    single = examples_per_second(
        lambda t: per_example_loop(plain_model, tokenizer, t), texts
    )
    print(f"threads: {torch.get_num_threads()}, examples: {len(texts)}")
    print(f"lumen predict (sorted, bf16, probas+embeddings): {lumen:8.1f} ex/s")
    print(f"plain padded batch loop (fp32):                  {plain:8.1f} ex/s")
    print(f"per-example loop (fp32):                         {single:8.1f} ex/s")
    print(
        f"ratio vs plain padded loop: {lumen / plain:.2f}x; "
        f"ratio vs per-example loop: {lumen / single:.2f}x"
    )


if __name__ == "__main__":
    main()
