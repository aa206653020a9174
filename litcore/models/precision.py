"""bf16 autocast where the CPU supports it (AVX-512 BF16 / AMX), fp32 elsewhere."""

from __future__ import annotations

import contextlib
import functools
import os

import torch

# Set LUMEN_FP32=1 to turn bf16 off (for comparisons, or a CPU that misreports).
FP32_ENV_VAR = "LUMEN_FP32"


@functools.cache
def bf16_supported() -> bool:
    """Whether bf16 matmuls are fast here: a CPU with native bf16 and no opt-out."""
    if os.environ.get(FP32_ENV_VAR) == "1":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast() -> contextlib.AbstractContextManager:
    """bf16 CPU autocast where supported (training), else a no-op context."""
    if bf16_supported():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
