"""Inference speed on the held-out movie snippets (SST-2-like length), in one run.

1. Lumen: ``SequenceClassifier.predict`` (length-sorted batches, bf16 where the
   CPU has it natively, else fp32 with fused attention; probabilities and both
   pooled embeddings from one pass).
2. A plain padded batch loop over ``model(**batch)`` in data order (fp32).
3. A per-example loop (fp32), on the first ``--single`` snippets.

The baselines run the model as ``AutoModelForSequenceClassification`` loads it
(its default attention kernel), not Lumen's copy. The matmul floor is the
FLOPs of Lumen's own pass (PyTorch's FLOP counter) at this machine's measured
matmul rate: no loop over the same batches can beat it.

Then what storing the embeddings as float16 (as a run does) loses: the largest
absolute error, the share of 10 nearest neighbours (cosine) kept, and the
largest change of a 2-D PCA projection relative to its spread.

Usage: ``python -m benchmarks.inference [--examples N] [--single N]`` (prepares
the demo first if needed). The first line describes the machine; the last line
holds the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from benchmarks.salience import machine_line, matmul_gflops
from litcore.data.demo import load_demo
from litcore.models.classifier import DEFAULT_MAX_LENGTH, SequenceClassifier
from litcore.models.precision import bf16_supported
from litcore.projection import make_projector
from litcore.session.demo import demo_model_dir

BATCH_SIZE = 64
MAX_LENGTH = DEFAULT_MAX_LENGTH  # what SequenceClassifier uses for the demo
NEIGHBOURS = 10


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


def predict_gflop(model: SequenceClassifier, texts: list[str]) -> float:
    """The matmul work of ``model.predict(texts)`` in GFLOP (its own batches)."""
    with FlopCounterMode(display=False) as counter:
        model.predict(texts)
    return counter.get_total_flops() / 1e9


def neighbours(embeddings: np.ndarray) -> np.ndarray:
    """``<int>[n, NEIGHBOURS]``: each row's nearest other rows by cosine."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return np.argsort(-similarity, axis=1)[:, :NEIGHBOURS]


def float16_loss(embeddings: np.ndarray) -> str:
    """What float16 storage of ``<float32>[n, hidden]`` loses, in one line."""
    stored = embeddings.astype(np.float16).astype(np.float32)
    error = float(np.abs(stored - embeddings).max())
    scale = float(np.abs(embeddings).max())
    kept = np.mean(
        [
            len(set(a) & set(b)) / NEIGHBOURS
            for a, b in zip(neighbours(embeddings), neighbours(stored))
        ]
    )
    pca = make_projector("PCA", {}).fit(embeddings)
    exact, rounded = pca.transform(embeddings), pca.transform(stored)
    shift = float(np.abs(exact - rounded).max() / exact.std())
    return (
        f"max abs error {error:.2e} (values up to {scale:.2f}), "
        f"{NEIGHBOURS}-NN kept {kept:.4f}, PCA max shift {shift:.2e} of its std"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--single", type=int, default=300)
    args = parser.parse_args()
    gflops = {"fp32": matmul_gflops(torch.float32)}
    if bf16_supported():
        gflops["bf16"] = matmul_gflops(torch.bfloat16)
    print(machine_line(gflops))
    folder = demo_model_dir("movies")
    model = SequenceClassifier.from_pretrained(folder)
    # The baselines run the model as Hugging Face loads it (default attention).
    plain_model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    texts = load_demo("movies")[1].texts()[: args.examples]
    lengths = [len(ids) for ids in model.tokenize(texts)[0]]
    print(
        f"{len(texts)} movie snippets, median {statistics.median(lengths)} tokens; "
        f"torch threads {torch.get_num_threads()}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    model.predict(texts[:64])  # warm-up
    work = predict_gflop(model, texts)
    floor = len(texts) / (work / max(gflops.values()))
    lumen = examples_per_second(model.predict, texts)
    plain = examples_per_second(
        lambda t: plain_padded_loop(plain_model, tokenizer, t), texts
    )
    single = examples_per_second(
        lambda t: per_example_loop(plain_model, tokenizer, t), texts[: args.single]
    )
    precision = "bf16" if bf16_supported() else "fp32"
    rates = {
        f"matmul floor ({work:.0f} GFLOP, {precision})": floor,
        f"lumen predict (sorted, {precision})": lumen,
        "plain padded batch loop (fp32)": plain,
        f"per-example loop (fp32, first {args.single})": single,
    }
    for name, rate in rates.items():
        print(f"{name:<44} {rate:8.1f} ex/s")
    predictions = model.predict(texts)
    for name in ("cls_embedding", "mean_embedding"):
        print(f"float16 {name}: {float16_loss(getattr(predictions, name))}")
    print(
        f"load average {os.getloadavg()[0]:.1f}; lumen/floor: {lumen / floor:.2f}; "
        f"ratio vs plain padded loop: {lumen / plain:.2f}x; "
        f"ratio vs per-example loop: {lumen / single:.2f}x"
    )


if __name__ == "__main__":
    main()
