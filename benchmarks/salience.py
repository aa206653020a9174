"""Salience speed on the demo model: median seconds per example, one at a time.

Run: ``LUMEN_CACHE_DIR=/tmp/lumen-cache python -m benchmarks.salience [--examples N]``

Prints the median time of every registered method (default settings) on N
held-out movie snippets (after a warm-up pass; the two "first pass" lines are
without it), IG with 30 steps and LIME with 256 samples for the
comparison with LIT 1.3 (figures measured on the reference machine: 2 cores
with native bf16, matmuls at 89 GFLOP/s in fp32 and 432 in bf16), plain
captum ``LayerIntegratedGradients`` with its defaults as the in-run baseline,
and IG, LIME and occlusion (on the snippets closest to 40 tokens) in each
precision they offer. A line about the machine (vector extensions, bf16,
matmul speed) tells runs on different machines apart, and the next says what
IG's matmuls alone take at that speed: no machine whose matmuls are too slow
for that to fit in IG's target can meet it. The last line holds the ratios:
below 1 means faster than the figure compared with.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import torch
from captum.attr import LayerIntegratedGradients
from torch.utils.flop_counter import FlopCounterMode

from litcore.data.demo import load_demo
from litcore.models.classifier import SequenceClassifier
from litcore.models.precision import bf16_supported
from litcore.salience import METHODS, build
from litcore.session.demo import demo_model_dir

LIT_SECONDS = {"IG 30 steps": 0.27, "LIME 256 samples": 2.25}
TARGET_SECONDS = {
    "Gradient L2 norm": 0.030,
    "Gradient L2 norm, first pass": 0.030,
    "Gradient × input": 0.030,
    "Integrated gradients": 0.15,
    "Integrated gradients, first pass": 0.15,
    "IG 32 steps auto": 0.15,
    "IG 32 steps fp32": 0.15,
    "IG 32 steps bf16": 0.15,
    "LIME": 1.0,
    "LIME 256 samples fp32": 1.0,
    "LIME 256 samples bf16": 1.0,
    "Occlusion, 40 tokens fp32": 0.5,
    "Occlusion, 40 tokens bf16": 0.5,
}


def median_seconds(
    run: Callable[[str], object], texts: list[str], warm_up: bool = True
) -> float:
    """Median wall time of ``run(text)`` over ``texts``.

    First a warm-up pass over all of ``texts`` (or, without ``warm_up``, one
    call): a process's first pass at each input length is slower (per-shape
    set-up in PyTorch's CPU kernels); the "first pass" figures measure that.
    """
    for text in texts if warm_up else texts[:1]:
        run(text)
    times = []
    for text in texts:
        started = time.perf_counter()
        run(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matmul_gflops(dtype: torch.dtype, repeats: int = 10, rounds: int = 5) -> float:
    """Matmul throughput at the shape integrated gradients runs most (32 steps of a
    28-token text: [896, 384] x [384, 1536]), to compare machines: the best of
    ``rounds`` (the machine's speed, not its noise)."""
    inputs = torch.randn(896, 384, dtype=dtype)
    weights = torch.randn(1536, 384, dtype=dtype)
    torch.nn.functional.linear(inputs, weights)
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeats):
            torch.nn.functional.linear(inputs, weights)
        seconds.append((time.perf_counter() - started) / repeats)
    return 2 * 896 * 384 * 1536 / min(seconds) / 1e9


def machine_line(gflops: dict[str, float]) -> str:
    """The CPU's vector extensions, bf16 support and matmul throughput."""
    speeds = ", ".join(f"{dtype} {rate:.0f}" for dtype, rate in gflops.items())
    return (
        f"machine: {torch.backends.cpu.get_cpu_capability()}, native bf16 "
        f"{'yes' if bf16_supported() else 'no'}; matmul GFLOP/s {speeds}"
    )


def ig_floor_line(
    model: SequenceClassifier, text: str, tokens: int, gflops: float
) -> str:
    """Integrated gradients' matmul work on ``text`` (forward and backward, counted
    by PyTorch's FLOP counter), the time it takes at ``gflops``, and the rate the
    0.15 s target needs: whether a machine can meet that target at all."""
    method = build("Integrated gradients")
    method.explain(model, text)  # set-up outside the count
    with FlopCounterMode(display=False) as counter:
        method.explain(model, text)
    work = counter.get_total_flops() / 1e9
    target = TARGET_SECONDS["Integrated gradients"]
    return (
        f"IG 32 steps, {tokens} tokens: {work:.1f} GFLOP "
        f"of matmuls, {work / gflops * 1000:.0f} ms at this machine's "
        f"{gflops:.0f} GFLOP/s; {target} s needs {work / target:.0f} GFLOP/s"
    )


def captum_default_ig(model_dir: str) -> Callable[[str], object]:
    """Plain captum LayerIntegratedGradients with its defaults (50 steps), on its own
    copy of the model (captum hooks the layer it explains)."""
    own = SequenceClassifier.from_pretrained(model_dir)
    layer = own.model.get_input_embeddings()

    def run(text: str):
        encoded = own.tokenizer([text], return_tensors="pt")
        baseline = encoded["input_ids"].clone()
        baseline[0, 1:-1] = own.tokenizer.pad_token_id

        def forward(input_ids):
            repeat = len(input_ids)
            logits = own.model(
                input_ids=input_ids,
                attention_mask=encoded["attention_mask"].expand(repeat, -1),
            ).logits
            return torch.softmax(logits, dim=-1)

        target = int(forward(encoded["input_ids"]).argmax())
        return LayerIntegratedGradients(forward, layer).attribute(
            encoded["input_ids"], baselines=baseline, target=target
        )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50)
    args = parser.parse_args()
    torch.manual_seed(0)
    model_dir = str(demo_model_dir("movies"))
    model = SequenceClassifier.from_pretrained(model_dir)
    _, held_out = load_demo("movies")
    texts = held_out.frame["text"].head(args.examples).tolist()
    lengths = [len(ids) for ids in model.tokenize(texts)[0]]
    all_texts = held_out.frame["text"].tolist()
    all_lengths = [len(ids) for ids in model.tokenize(all_texts)[0]]
    near_40 = sorted(range(len(all_texts)), key=lambda i: abs(all_lengths[i] - 40))
    texts_40 = [all_texts[i] for i in near_40[: args.examples]]
    lengths_40 = [all_lengths[i] for i in near_40[: args.examples]]
    print(
        f"{len(texts)} demo snippets, median {statistics.median(lengths)} tokens; "
        f"torch threads {torch.get_num_threads()}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    gflops = {"fp32": matmul_gflops(torch.float32)}
    if bf16_supported():
        gflops["bf16"] = matmul_gflops(torch.bfloat16)
    print(machine_line(gflops))
    median = sorted(range(len(texts)), key=lengths.__getitem__)[len(texts) // 2]
    fastest = gflops["bf16" if bf16_supported() else "fp32"]
    print(ig_floor_line(model, texts[median], lengths[median], fastest))

    figures: dict[str, float] = {}
    for name in ("Gradient L2 norm", "Integrated gradients"):  # 1-row, 32-row shapes
        method = build(name)
        figures[f"{name}, first pass"] = median_seconds(
            lambda t, m=method: m.explain(model, t), texts, warm_up=False
        )
    for name in METHODS:
        method = build(name)
        figures[name] = median_seconds(lambda t, m=method: m.explain(model, t), texts)
    figures["IG 30 steps"] = median_seconds(
        lambda t: build("Integrated gradients", {"steps": 30}).explain(model, t), texts
    )
    figures["LIME 256 samples"] = figures["LIME"]
    figures["captum LIG defaults (50 steps)"] = median_seconds(
        captum_default_ig(model_dir), texts
    )
    for name, label, inputs in [
        ("Integrated gradients", "IG 32 steps", texts),
        ("LIME", "LIME 256 samples", texts),
        ("Occlusion (leave one out)", "Occlusion, 40 tokens", texts_40),
    ]:
        for precision in METHODS[name].config_spec()["precision"].options:
            if precision != "fp32" and not bf16_supported():
                continue  # auto and bf16 run fp32 here: the same figure again
            method = build(name, {"precision": precision})
            figures[f"{label} {precision}"] = median_seconds(
                lambda t, m=method: m.explain(model, t), inputs
            )
    print(f"(occlusion on snippets of {min(lengths_40)}-{max(lengths_40)} tokens)")
    for name, seconds in figures.items():
        print(f"{name:34s} {seconds * 1000:9.1f} ms")

    ratios = [
        f"{name} vs LIT {figures[name] / lit:.2f}" for name, lit in LIT_SECONDS.items()
    ] + [
        f"{name} vs target {figures[name] / goal:.2f}"
        for name, goal in TARGET_SECONDS.items()
        if name in figures
    ]
    captum = figures["captum LIG defaults (50 steps)"]
    ratios += [
        f"{name} vs captum LIG defaults {figures[name] / captum:.2f}"
        for name in ("Integrated gradients", "IG 32 steps fp32")
    ]
    print("ratios: " + "; ".join(ratios))


if __name__ == "__main__":
    main()
