"""The notebook widget's app opens the DataFrame and model it was given."""

from __future__ import annotations

import pandas as pd
import pytest
from e2e_support import goto

from litcore.notebook import show

pytestmark = pytest.mark.browser

REVIEWS = pd.DataFrame(
    {
        "review": [
            "a good movie",
            "a bad film",
            "great fun",
            "the plot was boring",
            "i love this film",
            "the worst acting",
            "a wonderful man and woman",
        ],
        "sentiment": ["positive", "negative"] * 3 + ["positive"],
    }
)


def test_the_overview_shows_the_dataframe_and_model_given(tiny_model_dir, page):
    with show(
        data=REVIEWS, model=tiny_model_dir, text="review", label="sentiment"
    ) as app:
        goto(page, app.url)
        examples = page.locator("[data-testid='stMetric']").filter(
            has_text="Examples shown"
        )
        value = examples.locator("[data-testid='stMetricValue']").inner_text()
        assert value.strip() == str(len(REVIEWS))
        main = page.locator("[data-testid='stMain']").inner_text()
        assert str(tiny_model_dir.resolve()) in main
