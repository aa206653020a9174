"""A link made in a session the server opened from its startup flags or ``LUMEN_*``
variables names the data ``startup`` and reopens it on the same server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from startup_app import reviews_tsv, started_app
from streamlit.testing.v1 import AppTest

from litcore.api.errors import LumenError
from litcore.data.dataset import ColumnMapping
from litcore.session.choice import DEMO_MODEL, SourceChoice
from litcore.ui import state
from litcore.ui.startup_link import (
    STARTUP_DATA,
    is_startup_data,
    server_startup_choice,
    startup_data_choice,
)
from litcore.view.links import decode_link
from litcore.view.selection import Selection

ROWS = [("the great film", "positive"), ("an awful plot", "negative")] * 4


@pytest.fixture
def server(tmp_path, tiny_model_dir, monkeypatch) -> Path:
    """A server started with a TSV file and the tiny classifier (``LUMEN_*``)."""
    path = reviews_tsv(tmp_path / "reviews.tsv", ROWS)
    for name, value in {
        "LUMEN_DATA": str(path),
        "LUMEN_TEXT": "sentence",
        "LUMEN_LABEL": "gold",
        "LUMEN_MODEL": str(tiny_model_dir),
    }.items():
        monkeypatch.setenv(name, value)
    return path


def link_of(at: AppTest) -> dict[str, str]:
    return {key: at.query_params[key] for key in at.query_params}


def test_the_link_names_the_startup_data_and_reopens_it(
    server, tiny_model_dir, monkeypatch
):
    first = started_app(monkeypatch)
    ids = first.session_state[state.WORKSPACE].frame["id"].tolist()
    first.session_state[state.SELECTION] = (
        Selection().select(ids[2:5]).with_primary(ids[3])
    )
    first.run()
    params = link_of(first)
    assert params["data"] == STARTUP_DATA
    assert all(str(server) not in value for value in params.values())
    assert decode_link(params).model == str(tiny_model_dir)

    second = started_app(monkeypatch, query=params)
    assert not second.session_state[state.LINK_MESSAGES]
    workspace = second.session_state[state.WORKSPACE]
    assert workspace.choice.data_source == str(server)
    assert workspace.frame["id"].tolist() == ids
    assert second.session_state[state.SELECTION].ids == tuple(ids[2:5])
    assert second.session_state[state.SELECTION].primary == ids[3]


def test_a_session_on_other_data_is_not_the_startup_data(server):
    startup = server_startup_choice()
    assert is_startup_data(startup)
    for changed in (
        {"mapping": ColumnMapping(text="sentence")},
        {"delimiter": ","},
        {"data_source": str(server.with_name("other.tsv"))},
    ):
        assert not is_startup_data(dataclasses.replace(startup, **changed))
    assert not is_startup_data(SourceChoice())  # the built-in demo


def test_the_links_models_replace_the_startup_ones(server, tiny_model_dir):
    same = startup_data_choice(model_source=str(tiny_model_dir), compare_source=None)
    assert same == server_startup_choice()
    other = startup_data_choice(model_source=DEMO_MODEL, compare_source="b")
    assert (other.model_source, other.compare_source) == (DEMO_MODEL, "b")
    assert other.data_source == str(server)
    assert other.mapping == server_startup_choice().mapping


def test_the_startup_models_revision_stays_with_it_only(server, monkeypatch):
    monkeypatch.setenv("LUMEN_REVISION", "v1")
    startup = server_startup_choice()
    assert startup_data_choice(model_source=startup.model_source).revision == "v1"
    assert startup_data_choice(model_source=DEMO_MODEL).revision is None


def test_a_server_without_startup_data_says_so(monkeypatch):
    for name in ("LUMEN_DATA", "LUMEN_TEXT", "LUMEN_LABEL", "LUMEN_MODEL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LumenError, match="started without data"):
        startup_data_choice(model_source=DEMO_MODEL)
