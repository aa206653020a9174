"""Perturbed copies of a text, and integrated gradients' path points, run in
passes of bounded size, so that a long text does not hold gigabytes of
activations at once."""

from __future__ import annotations

import pytest

from litcore.salience import build
from litcore.salience.faithfulness import faithfulness
from litcore.salience.inputs import FORWARD_TOKENS
from litcore.salience.integrated_gradients import TOKENS_PER_PASS

# Over the tiny model's 64 tokens: a copy per token is some 4,000 tokens.
LONG_TEXT = " ".join(["a good film , a bad plot"] * 10)


@pytest.fixture
def pass_sizes(tiny_model, monkeypatch) -> list[int]:
    """The padded tokens of every forward pass the tiny model runs."""
    sizes: list[int] = []
    forward = tiny_model.forward

    def counted(batch, model=None, **kwargs):
        sizes.append(batch["attention_mask"].numel())  # ids or embeddings
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


def test_integrated_gradients_differentiates_within_its_token_budget(
    tiny_model, pass_sizes
):
    ig = build("Integrated gradients", {"steps": 32, "precision": "fp32"})
    ig.explain(tiny_model, LONG_TEXT)
    path_passes = pass_sizes[1:]  # after the pass on the text and its baseline
    assert sum(path_passes) == 32 * 64
    assert len(path_passes) > 1 and max(path_passes) <= TOKENS_PER_PASS
