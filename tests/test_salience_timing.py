"""Time estimates scaled by what this machine's explanations took."""

from __future__ import annotations

import pytest

from litcore.salience import METHODS, base, build
from litcore.salience.registry import warm_up
from litcore.salience.timing import KEEP, SpeedRecord


def test_a_new_record_leaves_estimates_as_measured():
    assert SpeedRecord().factor("LIME") == 1.0


def test_first_run_of_each_method_is_not_recorded():
    speed = SpeedRecord()
    speed.record("LIME", observed=9.0, nominal=1.0)  # imports, kernels: one-off
    assert speed.factor("LIME") == 1.0
    speed.record("LIME", observed=3.0, nominal=1.0)
    assert speed.factor("LIME") == 3.0


def test_own_ratio_is_the_fastest_of_the_recent_runs():
    speed = SpeedRecord()
    for observed in [100.0, 1.0, 4.0, 2.0, 8.0, 16.0, 32.0]:
        speed.record("LIME", observed, nominal=2.0)
    # The first run is skipped; the last KEEP of the rest are 4, 2, 8, 16, 32 s.
    assert KEEP == 5
    assert speed.factor("LIME") == 1.0
    for _ in range(2):  # 4 s, then 2 s, are no longer recent
        speed.record("LIME", 64.0, nominal=2.0)
    assert speed.factor("LIME") == 4.0


def test_unseen_method_takes_the_other_methods_median():
    speed = SpeedRecord()
    for name, ratio in [("a", 2.0), ("b", 4.0), ("c", 10.0)]:
        speed.record(name, 1.0, 1.0)
        speed.record(name, ratio, 1.0)
        speed.record(name, 3 * ratio, 1.0)
    assert speed.factor("Integrated gradients") == 4.0
    assert speed.factor("a") == 2.0


def test_explanations_scale_the_shown_estimate(tiny_model, monkeypatch):
    speed = SpeedRecord()
    monkeypatch.setattr(base, "SPEED", speed)
    method = build("Gradient × input")
    nominal = method.expected_seconds(7)
    for _ in range(2):
        salience = method.explain(tiny_model, "the movie was good")
    ratio = salience.seconds / method._nominal_seconds(len(salience.tokens))
    assert speed.factor(method.name) == pytest.approx(ratio)
    assert method.expected_seconds(7) == pytest.approx(nominal * ratio)
    # Another method, not run yet, is scaled by the machine's speed.
    lime = build("LIME")
    assert lime.expected_seconds(7) == pytest.approx(lime._nominal_seconds(7) * ratio)


def test_length_models_give_exact_figures():
    gradient = build("Gradient L2 norm")  # fixed cost + n
    assert gradient._nominal_seconds(8) == pytest.approx(0.025 * 58 / 90)
    occlusion = build("Occlusion (leave one out)")  # fixed cost + n²
    assert occlusion._nominal_seconds(80) == pytest.approx(0.25 * 6600 / 1800)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_estimate_is_its_figure_at_40_tokens_and_grows(name):
    method = build(name)
    figures = [method._nominal_seconds(n) for n in (0, 1, 8, 40, 128, 512)]
    assert figures[3] == pytest.approx(type(method).seconds_per_example)
    assert figures[0] == figures[1]  # an empty text costs as much as one token
    assert all(a < b for a, b in zip(figures[1:], figures[2:]))


def test_warm_up_pays_the_set_up_so_the_first_real_run_counts(tiny_model, monkeypatch):
    speed = SpeedRecord()
    monkeypatch.setattr(base, "SPEED", speed)
    warm_up(tiny_model)
    method = build("Integrated gradients")
    salience = method.explain(tiny_model, "the movie was good")
    ratio = salience.seconds / method._nominal_seconds(len(salience.tokens))
    assert speed.factor(method.name) == pytest.approx(ratio)
