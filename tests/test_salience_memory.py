"""Perturbed copies of a text are scored in passes of bounded size, so that a
long text does not hold gigabytes of activations at once."""

from __future__ import annotations

import pytest

from litcore.salience import build
from litcore.salience.faithfulness import faithfulness
from litcore.salience.inputs import FORWARD_TOKENS

# Over the tiny model's 64 tokens: a copy per token is some 4,000 tokens.
LONG_TEXT = " ".join(["a good film , a bad plot"] * 10)


@pytest.fixture
def pass_sizes(tiny_model, monkeypatch) -> list[int]:
    """The padded tokens of every forward pass the tiny model runs."""
    sizes: list[int] = []
    forward = tiny_model.forward

    def counted(batch, model=None, **kwargs):
        sizes.append(batch["input_ids"].numel())
        return forward(batch, model, **kwargs)

    monkeypatch.setattr(tiny_model, "forward", counted)
    return sizes


@pytest.mark.parametrize("method", ["Occlusion (leave one out)", "LIME", "Kernel SHAP"])
def test_copies_are_scored_within_the_token_budget(tiny_model, pass_sizes, method):
    salience = build(method).explain(tiny_model, LONG_TEXT)
    assert len(salience.tokens) == 64  # cut at the tiny model's maximum length
    assert len(pass_sizes) > 2 and max(pass_sizes) <= FORWARD_TOKENS
    pass_sizes.clear()
    faithfulness(tiny_model, salience, "delete")
    assert len(pass_sizes) > 1 and max(pass_sizes) <= FORWARD_TOKENS
