"""Build the Fill in the blank page's built-in masked LM from nothing, timed.

Run: ``LUMEN_CACHE_DIR=/tmp/lumen-base python -m benchmarks.mlm_head`` (the
cache must hold the prepared movie demo; the model is built in a new, empty
cache root beside a copy of it, so nothing cached is reused or disturbed).

The in-run baseline is one plain forward pass of the frozen encoder over the
same snippets (the floor of the build: it encodes each once, then trains only
the head). The machine line comes first, the ratio and the quality last.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    source = Path(os.environ.get("LUMEN_CACHE_DIR", "/tmp/lumen-base"))
    root = Path(tempfile.mkdtemp(prefix="lumen-mlm-bench-"))
    shutil.copytree(source / "demo", root / "demo")
    os.environ["LUMEN_CACHE_DIR"] = str(root)
    import torch

    from benchmarks.salience import machine_line, matmul_gflops
    from litcore.models import mlm_head
    from litcore.models.training import base_model_dir

    print(machine_line({"fp32": matmul_gflops(torch.float32)}))
    print(f"threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}")
    try:
        baseline = _encoder_pass(mlm_head, base_model_dir())
        started = time.perf_counter()
        folder = mlm_head.demo_mlm_head()
        build = time.perf_counter() - started
        info = mlm_head.read_mlm_info(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"encoder forward over the same snippets (baseline): {baseline:.1f} s")
    print(f"built-in masked LM from nothing: {build:.1f} s")
    print(f"ratio build / baseline: {build / baseline:.2f}")
    print(
        f"quality on {info['n_held_out_tokens']} held-out masked tokens: top-1 "
        f"{info['top1_accuracy']:.1%}, top-5 {info['top5_accuracy']:.1%} (unigram "
        f"baseline {info['unigram_top1_accuracy']:.1%} / "
        f"{info['unigram_top5_accuracy']:.1%})"
    )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


def _encoder_pass(mlm_head, base: Path, batch_size: int = 64) -> float:
    """Seconds of one forward pass of the frozen encoder over the recipe's texts."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from litcore.data.demo import load_demo

    config = mlm_head.DEMO_MLM_CONFIG
    train, held_out = load_demo(mlm_head.DEMO_MLM_DATASET)
    texts = list(train.frame["text"])[: config.max_texts]
    texts += list(held_out.frame["text"])[: config.held_out_texts]
    texts.sort(key=len)
    model, tokenizer = (
        AutoModel.from_pretrained(base).eval(),
        AutoTokenizer.from_pretrained(base),
    )
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size],
                truncation=True,
                max_length=config.max_length,
                padding=True,
                return_tensors="pt",
            )
            model(**batch)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
