"""Labels: time estimates and counts."""

import pytest

from litcore.ui.formatting import about, count


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (0.0, "under 0.1 s"),
        (0.049, "under 0.1 s"),
        (0.05, "about 0.1 s"),
        (0.34, "about 0.3 s"),
        (9.94, "about 9.9 s"),
        (12.4, "about 12 s"),
        (89, "about 89 s"),
        (95, "about 2 min"),
        (600, "about 10 min"),
    ],
)
def test_about_reads_as_an_estimate(seconds, label):
    assert about(seconds) == label


@pytest.mark.parametrize(
    ("number", "label"),
    [(0, "0 examples"), (1, "1 example"), (2, "2 examples"), (2000, "2,000 examples")],
)
def test_count_agrees_in_number(number, label):
    assert count(number, "example") == label
