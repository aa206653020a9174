"""Generator on tiny random GPT-2 and T5 models, loaded through from_pretrained."""

from __future__ import annotations

import pytest
import torch
from tiny_models import build_tiny_classifier
from tiny_task_models import build_tiny_causal_lm, build_tiny_seq2seq

from litcore.api.errors import LumenError, ModelError
from litcore.models.generation import Generator

PROMPT = "the movie was good"


@pytest.fixture(scope="module", params=["causal", "seq2seq"])
def generator(request, tmp_path_factory) -> Generator:
    build = build_tiny_causal_lm if request.param == "causal" else build_tiny_seq2seq
    return Generator.from_pretrained(build(tmp_path_factory.mktemp(request.param)))


def manual_probabilities(generator: Generator, output_ids: list[int]) -> list[float]:
    """p(output token t | prompt, outputs before t) from one teacher-forced pass."""
    prompt_ids = generator.encode(PROMPT)
    with torch.inference_mode():
        if generator.is_seq2seq:
            decoder = [generator.model.config.decoder_start_token_id, *output_ids]
            logits = generator.model(
                input_ids=torch.tensor([prompt_ids]),
                decoder_input_ids=torch.tensor([decoder[:-1]]),
            ).logits[0]
        else:
            ids = torch.tensor([prompt_ids + output_ids[:-1]])
            logits = generator.model(input_ids=ids).logits[0, len(prompt_ids) - 1 :]
    probabilities = torch.softmax(logits.float(), -1)
    return [float(probabilities[t, token]) for t, token in enumerate(output_ids)]


def test_kind_is_detected(generator):
    assert generator.is_seq2seq == ("T5" in type(generator.model).__name__)


def test_probabilities_match_a_manual_forward_pass(generator):
    result = generator.generate(PROMPT, max_new_tokens=6, top_k=4)
    assert len(result.output_ids) == len(result.probabilities) == len(result.top_k)
    assert 1 <= len(result.output_ids) <= 6
    expected = manual_probabilities(generator, result.output_ids)
    assert result.probabilities.tolist() == pytest.approx(expected, abs=1e-5)
    for chosen, alternatives in zip(result.output_ids, result.top_k):
        probabilities = [p for _, _, p in alternatives]
        assert len(alternatives) == 4
        assert sum(probabilities) <= 1 + 1e-6
        assert probabilities == sorted(probabilities, reverse=True)
        assert alternatives[0][1] == chosen  # greedy picks the best


def test_continuing_from_an_alternative_forces_it(generator):
    first = generator.generate(PROMPT, max_new_tokens=4, top_k=3)
    alternative_id = first.top_k[1][2][1]  # the third choice at step 2
    forced = [first.output_ids[0], alternative_id]
    continued = generator.generate(PROMPT, max_new_tokens=4, forced_prefix=forced)
    assert continued.output_ids[:2] == forced
    assert continued.forced == 2
    assert continued.probabilities[1] == pytest.approx(first.top_k[1][2][2], abs=1e-6)
    expected = manual_probabilities(generator, continued.output_ids)
    assert continued.probabilities.tolist() == pytest.approx(expected, abs=1e-5)


def test_salience_shapes_and_model_left_untouched(generator):
    result = generator.generate(PROMPT, max_new_tokens=3)
    salience = generator.salience(PROMPT, result.output_ids, len(result.output_ids) - 1)
    n_prompt = len(generator.encode(PROMPT))
    n_expected = (
        n_prompt if generator.is_seq2seq else n_prompt + len(result.output_ids) - 1
    )
    assert len(salience.tokens) == salience.scores.shape[0] == n_expected
    assert salience.gradient_norm.shape == (n_expected,)
    assert (salience.gradient_norm > 0).any()
    assert all(p.grad is None for p in generator.model.parameters())
    assert not generator.model.training
    with pytest.raises(LumenError, match="out of range"):
        generator.salience(PROMPT, result.output_ids, len(result.output_ids))


def test_wrong_model_type_and_missing_folder_are_refused(tmp_path):
    classifier = build_tiny_classifier(tmp_path / "classifier")
    with pytest.raises(ModelError, match="not a text generation model"):
        Generator.from_pretrained(classifier)
    with pytest.raises(ModelError, match="Could not load"):
        Generator.from_pretrained(tmp_path / "nothing")


def test_fingerprint_is_stable_and_per_model(generator, tmp_path):
    again = Generator.from_pretrained(generator.source)
    other = Generator.from_pretrained(build_tiny_causal_lm(tmp_path / "other", seed=1))
    assert again.fingerprint == generator.fingerprint
    assert other.fingerprint != generator.fingerprint
    assert set(generator.output_spec()) >= {"generated", "output_top_k"}
