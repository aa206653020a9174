"""bf16 is used only where the CPU has it natively, not where oneDNN emulates it."""

import pytest
import torch

from litcore.models import precision


@pytest.fixture
def cpu(monkeypatch):
    """Sets what the CPU reports: (AVX-512 BF16, AMX, oneDNN's bf16 check)."""

    def report(avx512_bf16: bool, amx: bool, onednn: bool) -> None:
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
        monkeypatch.setattr(
            torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: onednn
        )
        precision.bf16_supported.cache_clear()

    monkeypatch.delenv(precision.FP32_ENV_VAR, raising=False)
    yield report
    precision.bf16_supported.cache_clear()


@pytest.mark.parametrize(
    "avx512_bf16, amx, onednn, expected",
    [
        (False, False, True, False),  # AVX-512 without BF16: oneDNN emulates it
        (True, False, True, True),
        (False, True, True, True),
        (True, True, False, False),  # no oneDNN bf16 kernels at all
        (False, False, False, False),
    ],
)
def test_bf16_needs_native_support(cpu, avx512_bf16, amx, onednn, expected):
    cpu(avx512_bf16, amx, onednn)
    assert precision.bf16_supported() is expected


def test_the_opt_out_wins(cpu, monkeypatch):
    monkeypatch.setenv(precision.FP32_ENV_VAR, "1")
    cpu(True, True, True)
    assert precision.bf16_supported() is False


def test_emulated_bf16_means_fp32_weights_only(cpu, tiny_model_dir):
    from litcore.models.classifier import SequenceClassifier

    cpu(False, False, True)
    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    assert model.inference_model(bf16=True) is model.model
    assert model.model.dtype == torch.float32
