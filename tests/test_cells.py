"""Clicked count-matrix cells -> example ids (litcore.view.cells)."""

from __future__ import annotations

import pandas as pd

from litcore.metrics.classification import ALL_CLASSES
from litcore.view.cells import cell_ids, cell_mask

FIELDS = {"gold": "label", "pred": "pred"}
FRAME = pd.DataFrame(
    {
        "id": ["a", "b", "c", "d", "e"],
        "label": ["pos", "pos", "neg", "neg", "pos"],
        "pred": ["pos", "neg", "neg", "pos", "pos"],
    },
    index=[10, 11, 12, 13, 14],
)


def test_one_cell_selects_exactly_its_examples():
    assert cell_ids(FRAME, [{"gold": "pos", "pred": "pos"}], FIELDS) == ["a", "e"]
    assert cell_ids(FRAME, [{"gold": "neg", "pred": "pos"}], FIELDS) == ["d"]


def test_a_row_total_selects_every_example_of_that_gold_label():
    cells = [{"gold": "neg", "pred": ALL_CLASSES}]
    assert cell_ids(FRAME, cells, FIELDS) == ["c", "d"]


def test_a_column_total_selects_every_example_predicted_so():
    cells = [{"gold": ALL_CLASSES, "pred": "neg"}]
    assert cell_ids(FRAME, cells, FIELDS) == ["b", "c"]


def test_the_corner_selects_everything():
    cells = [{"gold": ALL_CLASSES, "pred": ALL_CLASSES}]
    assert cell_ids(FRAME, cells, FIELDS) == ["a", "b", "c", "d", "e"]


def test_several_cells_select_their_union_in_frame_order():
    cells = [{"gold": "neg", "pred": "pos"}, {"gold": "pos", "pred": "neg"}]
    assert cell_ids(FRAME, cells, FIELDS) == ["b", "d"]
    overlapping = [{"gold": "pos", "pred": ALL_CLASSES}, {"gold": "pos", "pred": "pos"}]
    assert cell_ids(FRAME, overlapping, FIELDS) == ["a", "b", "e"]


def test_no_cells_select_nothing_and_the_mask_keeps_the_index():
    assert cell_ids(FRAME, [], FIELDS) == []
    mask = cell_mask(FRAME, [{"gold": "pos", "pred": "neg"}], FIELDS)
    assert mask.index.tolist() == FRAME.index.tolist()
    assert mask.tolist() == [False, True, False, False, False]


def test_other_matrices_name_their_own_columns():
    frame = FRAME.assign(pred_b=["neg", "neg", "neg", "pos", "pos"])
    fields = {"pred": "pred", "pred_b": "pred_b"}
    cells = [{"pred": "pos", "pred_b": "neg"}]
    assert cell_ids(frame, cells, fields) == ["a"]
