"""bf16 where the CPU supports it (AVX-512 BF16 / AMX), fp32 elsewhere."""

from __future__ import annotations

import contextlib
import functools
import os

import torch

# Set LUMEN_FP32=1 to turn bf16 off (for comparisons, or a CPU that misreports),
# LUMEN_BF16=1 to turn it on where oneDNN only emulates it (slow: to run the bf16
# code paths on a CPU without native bf16, as tests and diagnosis do).
FP32_ENV_VAR = "LUMEN_FP32"
BF16_ENV_VAR = "LUMEN_BF16"


@functools.cache
def bf16_supported() -> bool:
    """Whether bf16 matmuls are fast here: a CPU with native bf16 (AVX-512 BF16 or
    AMX) and no opt-out.

    oneDNN's own check (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) also says
    yes to AVX-512 without BF16, where it emulates bf16: matmuls there ran 3x
    slower than fp32 (``benchmarks/open_model.py``'s machine line).
    """
    if os.environ.get(FP32_ENV_VAR) == "1":
        return False
    forced = os.environ.get(BF16_ENV_VAR) == "1"
    try:
        native = forced or (
            torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        )
        return bool(native and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast() -> contextlib.AbstractContextManager:
    """bf16 CPU autocast where supported (training), else a no-op context."""
    if bf16_supported():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


# The attention the bf16 weight copy runs (registered with transformers on first use).
BF16_ATTENTION = "lumen_eager_fp32_softmax"


def _eager_attention_fp32_softmax(
    module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs
):
    """transformers' eager attention, with the softmax computed in fp32.

    PyTorch's bf16 softmax on CPU is about 5x slower than its fp32 one on rows
    of attention scores (and rounds more): this made integrated gradients on
    the bf16 copy about 10% faster (``benchmarks/salience.py``).
    """
    if scaling is None:
        scaling = query.size(-1) ** -0.5
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask
    weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    weights = torch.nn.functional.dropout(weights, p=dropout, training=module.training)
    output = torch.matmul(weights, value).transpose(1, 2).contiguous()
    return output, weights


@functools.cache
def bf16_attention() -> str:
    """``BF16_ATTENTION``, registered (once) as a transformers attention backend."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    AttentionInterface.register(BF16_ATTENTION, _eager_attention_fp32_softmax)
    AttentionMaskInterface.register(BF16_ATTENTION, eager_mask)
    return BF16_ATTENTION
