"""The fast paths against their references: quadrature rules, the weighted fits,
LIME and Kernel SHAP against captum on the same draws, IG completeness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from litcore.api.errors import LumenError
from litcore.salience import build, kernel_shap, lime, quadrature
from litcore.salience.inputs import encode, replacement_id
from litcore.salience.perturbation import masked_probabilities, weighted_linear_fit
from tests.test_salience import one_word_detector

TEXT = "i love this film but the plot was boring and the acting was bad"


@pytest.mark.parametrize("points", [2, 5, 16, 32])
def test_gauss_legendre_is_exact_on_polynomials_of_degree_2n_minus_1(points):
    alphas, weights = quadrature.gauss_legendre(points)
    assert ((alphas > 0) & (alphas < 1)).all()
    for degree in range(2 * points):
        # The integral of x^d over [0, 1] is 1 / (d + 1).
        assert weights @ alphas**degree == pytest.approx(1 / (degree + 1), rel=1e-12)
    if points <= 5:  # and no further (the error shrinks fast with more points)
        missed = weights @ alphas ** (2 * points) - 1 / (2 * points + 1)
        assert abs(missed) > 1e-6


@pytest.mark.parametrize("name", list(quadrature.RULES))
def test_every_rule_integrates_lines_exactly(name):
    alphas, weights = quadrature.rule(name, 9)
    assert weights.sum() == pytest.approx(1.0)
    assert weights @ (3 * alphas + 2) == pytest.approx(3.5)


def test_rules_match_captum():
    """Captum's trapezoid weights sum to 1 - 1/n; ours is the textbook rule."""
    from captum.attr._utils.approximation_methods import approximation_parameters

    for name, captum_name in [
        ("Riemann midpoint", "riemann_middle"),
        ("Gauss-Legendre", "gausslegendre"),
    ]:
        step_sizes, alphas = approximation_parameters(captum_name)
        ours_alphas, ours_weights = quadrature.rule(name, 12)
        np.testing.assert_allclose(ours_alphas, alphas(12), atol=1e-12)
        np.testing.assert_allclose(ours_weights, step_sizes(12), atol=1e-12)


def test_unknown_rule_or_too_few_points_is_a_clear_error():
    with pytest.raises(LumenError, match="Unknown quadrature"):
        quadrature.rule("Simpson", 8)
    with pytest.raises(LumenError, match="at least 2 points"):
        quadrature.rule("Gauss-Legendre", 1)


@pytest.mark.parametrize("ridge", [0.0, 1.0])
def test_weighted_fit_equals_scikit_learn(ridge):
    from sklearn.linear_model import LinearRegression, Ridge

    rng = np.random.default_rng(0)
    features = rng.integers(0, 2, (64, 6)).astype(float)
    features[:, 5] = 1.0  # a constant column: its coefficient is 0
    targets = features @ [0.5, -1.0, 0.0, 2.0, 0.3, 0.7] + rng.normal(0, 0.1, 64)
    weights = rng.uniform(0.1, 1.0, 64)
    weights[:2] = 1e6
    reference = (Ridge(alpha=ridge) if ridge else LinearRegression()).fit(
        features, targets, sample_weight=weights
    )
    np.testing.assert_allclose(
        weighted_linear_fit(features, targets, weights, ridge),
        reference.coef_,
        atol=1e-7,
    )


def test_masked_probabilities_score_each_copy(tiny_model):
    (item,) = encode(tiny_model, [TEXT])
    mask_id = replacement_id(tiny_model)
    kept = lime.coin_flips(0, 40, len(item.content_positions))
    kept[1] = kept[0]  # a repeated draw gets the same score
    scores = masked_probabilities(tiny_model, item, kept, mask_id, target=1)
    for row in (0, 1, 7):
        ids = np.asarray(item.token_ids)
        ids[item.content_positions[~kept[row].numpy()]] = mask_id
        expected = tiny_model.predict(
            [" ".join(tiny_model.tokenizer.convert_ids_to_tokens(ids[1:-1]))],
            bf16=False,
        ).probas[0, 1]
        assert scores[row] == pytest.approx(expected, abs=1e-5)
    assert scores[0] == scores[1]


def test_lime_equals_captum_lime_on_the_same_draws(tiny_model):
    from captum._utils.models.linear_model import SkLearnRidge
    from captum.attr import Lime

    (item,) = encode(tiny_model, [TEXT])
    mask_id = replacement_id(tiny_model)
    draws = iter(lime.coin_flips(5, 128, len(item.content_positions)).long())

    def forward(content: torch.Tensor) -> torch.Tensor:
        kept = content != mask_id
        return torch.from_numpy(
            masked_probabilities(tiny_model, item, kept, mask_id, target=0)
        )

    def similarity(_original, _perturbed, kept, **_kwargs) -> float:
        return float(lime.cosine_kernel(kept)[0])

    reference = Lime(
        forward,
        interpretable_model=SkLearnRidge(alpha=lime.RIDGE),
        similarity_func=similarity,
        perturb_func=lambda *_args, **_kwargs: next(draws)[None],
    ).attribute(
        torch.as_tensor(item.token_ids)[item.content_positions][None],
        baselines=mask_id,
        feature_mask=torch.arange(len(item.content_positions))[None],
        n_samples=128,
        perturbations_per_eval=128,
    )
    ours = build("LIME", {"samples": 128, "seed": 5, "precision": "fp32"}).explain(
        tiny_model, TEXT, target=0
    )
    np.testing.assert_allclose(
        ours.scores[item.content_positions], reference[0].numpy(), atol=1e-5
    )


def test_shapley_coalitions_follow_the_kernel():
    kept = kernel_shap.shapley_coalitions(0, 20000, 6)
    assert kept[0].all() and not kept[1].any()
    sizes = kept[2:].sum(dim=1)
    assert sizes.min() >= 1 and sizes.max() <= 5
    expected = np.array([1 / (k * (6 - k)) for k in range(1, 6)])
    observed = np.bincount(sizes.numpy(), minlength=6)[1:] / len(sizes)
    np.testing.assert_allclose(observed, expected / expected.sum(), atol=0.01)
    # Members are uniform: each position is kept equally often for a size.
    of_size_2 = kept[2:][sizes == 2].float().mean(dim=0)
    np.testing.assert_allclose(of_size_2, 2 / 6, atol=0.02)


def test_kernel_shap_fit_gives_shapley_values(tiny_model):
    """On every coalition of 3 tokens with the Shapley kernel's weights, the fit is
    the Shapley value from its definition (which adds up to f(x) - f(empty));
    sampled coalitions estimate it."""
    from itertools import combinations
    from math import factorial

    text = "good plot acting"
    (item,) = encode(tiny_model, [text])
    mask_id = replacement_id(tiny_model)
    players = range(3)
    subsets = [set(c) for size in range(4) for c in combinations(players, size)]
    kept = torch.tensor([[p in s for p in players] for s in subsets])
    value = dict(
        zip(
            map(frozenset, subsets),
            masked_probabilities(tiny_model, item, kept, mask_id, target=1),
        )
    )
    shapley = [
        sum(
            factorial(len(s))
            * factorial(2 - len(s))
            / factorial(3)
            * (value[frozenset(s | {p})] - value[frozenset(s)])
            for s in subsets
            if p not in s
        )
        for p in players
    ]
    weights = [
        kernel_shap.END_WEIGHT if len(s) in (0, 3) else 1 / 3 for s in subsets
    ]  # the Shapley kernel: 2 / (C(3, s) s (3 - s)) = 1/3 for s = 1, 2
    fitted = weighted_linear_fit(kept.numpy(), list(value.values()), weights)
    np.testing.assert_allclose(fitted, shapley, atol=1e-6)
    assert sum(shapley) == pytest.approx(
        value[frozenset(players)] - value[frozenset()], abs=1e-6
    )
    sampled = build("Kernel SHAP", {"samples": 4096, "precision": "fp32"}).explain(
        tiny_model, text, target=1
    )
    np.testing.assert_allclose(
        sampled.scores[1:-1], shapley, atol=0.05 * np.abs(shapley).max()
    )


@pytest.fixture(scope="module")
def detector(tmp_path_factory):
    return one_word_detector(tmp_path_factory.mktemp("detector") / "model")


DETECTED = "the plot was boring but the acting was good and fun"


def completeness_miss(model, rule: str, points: int) -> float:
    """IG's |sum of attributions - change| / |change| in fp32."""
    salience = build(
        "Integrated gradients",
        {"steps": points, "quadrature": rule, "precision": "fp32"},
    ).explain(model, DETECTED, target=1)
    assert abs(salience.details["output_change"]) > 0.5  # a real change
    return salience.details["relative_delta"]


@pytest.mark.parametrize("name", list(quadrature.RULES))
def test_integrated_gradients_is_complete_with_every_rule(detector, name):
    assert completeness_miss(detector, name, 64) <= 0.01


def test_gauss_legendre_is_the_most_complete_at_32_points(detector):
    """On the detector's steep path: 6e-5 against 1e-3 and 5e-4."""
    gauss = completeness_miss(detector, "Gauss-Legendre", 32)
    assert gauss <= 0.001
    assert gauss < completeness_miss(detector, "Riemann trapezoid", 32)
    assert gauss < completeness_miss(detector, "Riemann midpoint", 32)
