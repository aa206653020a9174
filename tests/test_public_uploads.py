"""Attacks on a public server through uploads, shared links, slices and downloads.

Links over an upload carry its content hash, never a path: forged hashes,
names, mappings and slice scopes are refused with a message; a link made in
one session opens the same data and selection in another; a visitor's slices
stay theirs unless their link is opened; every CSV download is neutralised.
Each case asserts that the app kept running.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from litcore.api.errors import LumenError
from litcore.data.dataset import ColumnMapping
from litcore.data.loading import store_upload
from litcore.session import policy
from litcore.session.policy import Policy
from litcore.ui import downloads, state
from litcore.ui.links import SERVER_MODEL
from litcore.ui.slices import SLICE_SCOPE
from litcore.view.filters import Filters
from litcore.view.links import (
    MAX_PARAM_CHARS,
    UploadView,
    decode_link,
    encode_link,
)
from litcore.view.selection import Selection
from litcore.view.slices import SliceStore

APP = Path(__file__).resolve().parents[1] / "app.py"
SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
UPLOAD = f"upload:{SHA}.csv"
GOOD = {"data": UPLOAD, "model": "demo", "cols": '{"text":"text","label":"label"}'}
ROWS = [(f"review {i} was {w}", w) for i in range(6) for w in ("good", "bad")]
CSV = "text,label\n" + "".join(f"{t},{label}\n" for t, label in ROWS)


# --- the codec: forged link parameters ----------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"data": "upload:../../etc/passwd"}, "damaged upload reference"),
        ({"data": "upload:/etc/passwd.csv"}, "damaged upload reference"),
        ({"data": f"upload:{SHA.upper()}.csv"}, "damaged upload reference"),
        ({"data": f"upload:{SHA[:40]}.csv"}, "damaged upload reference"),
        ({"data": f"upload:{SHA}.py"}, "damaged upload reference"),
        ({"data": f"upload:{SHA}.csv?x=1"}, "damaged upload reference"),
        ({"name": "../../etc/passwd"}, "file name is malformed"),
        ({"name": "C:\\secret.csv"}, "file name is malformed"),
        ({"name": "x" * 201}, "file name is malformed"),
        ({"delim": "\n"}, "delimiter"),
        ({"enc": "rot13"}, "encoding"),
        ({"cols": None}, "without its column mapping"),
        ({"cols": "{not json"}, "not valid JSON"),
        ({"cols": '{"label":"label"}'}, "names no text column"),
        ({"cols": '{"text":"t","path":"/etc"}'}, "must be an object"),
        ({"cols": '{"text":["a"]}'}, "names no text column"),
        ({"cols": '{"text":"t","meta":[1]}'}, "list of strings"),
        ({"slices": "../../slices"}, "slice reference is malformed"),
        ({"slices": "short"}, "slice reference is malformed"),
        ({"cols": "x" * (MAX_PARAM_CHARS + 1)}, "too long"),
    ],
)
def test_forged_upload_link_parameters_are_refused(changes, message):
    params = {**GOOD, **changes}
    params = {key: value for key, value in params.items() if value is not None}
    with pytest.raises(LumenError, match=message):
        decode_link(params)


def test_an_upload_link_round_trips_without_a_path():
    upload = UploadView(
        "my reviews.csv",
        ColumnMapping(text="review", label="gold", metadata=("a,b", "=c")),
        "\t",
        "latin-1",
    )
    params = encode_link(
        UPLOAD,
        "demo",
        "table",
        "abc",
        Filters(),
        Selection(),
        [],
        upload=upload,
        slice_scope="s" * 24,
    )
    assert set(params) == {"data", "model", "page", "name", "cols", "delim", "enc"} | {
        "slices"
    }
    link = decode_link(params)
    assert (link.dataset, link.upload, link.slice_scope) == (UPLOAD, upload, "s" * 24)


# --- the app: links over an upload open for anyone ---------------------------


@pytest.fixture
def public_with_own_model(tiny_model_dir):
    """Public mode whose deployer started the server with the tiny classifier."""
    rules = Policy(public=True).trusting((str(tiny_model_dir),), ())
    policy.install(rules)
    yield rules
    policy.install(None)


def link_app(params: dict[str, str]) -> AppTest:
    """A fresh session (its own AppTest) opened on a link's query parameters."""
    at = AppTest.from_file(str(APP), default_timeout=240)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown_link(at: AppTest) -> dict[str, str]:
    """The link the app wrote into the URL on its last run."""
    return {key: at.query_params[key] for key in at.query_params}


def test_a_link_over_an_upload_opens_the_same_view_in_a_fresh_session(
    public_with_own_model, tiny_model_dir, cache_root
):
    spec = store_upload(CSV.encode(), "reviews.csv")
    first = link_app({**GOOD, "data": spec, "model": SERVER_MODEL})
    assert not first.exception, first.exception
    workspace = first.session_state[state.WORKSPACE]
    assert workspace.data.frame["text"].tolist() == [t for t, _ in ROWS]
    chosen = tuple(workspace.frame["id"][[1, 4]])
    first.session_state[state.SELECTION] = Selection(ids=chosen, primary=chosen[1])
    link = shown_link(first.run())
    assert link["data"] == spec and link["model"] == SERVER_MODEL
    assert str(tiny_model_dir) not in json.dumps(link)
    assert str(cache_root) not in json.dumps(link)
    second = link_app(link)
    assert not second.exception, second.exception
    assert not second.session_state[state.LINK_MESSAGES]
    opened = second.session_state[state.WORKSPACE]
    assert opened.data.fingerprint == workspace.data.fingerprint
    assert second.session_state[state.SELECTION].ids == chosen
    assert second.session_state[state.SELECTION].primary == chosen[1]


def test_a_link_to_an_expired_upload_says_so_and_the_app_keeps_running(
    public_with_own_model, demo_prepared
):
    at = link_app({**GOOD, "data": f"upload:{'0' * 64}.csv"})
    assert not at.exception, at.exception
    messages = " ".join(at.session_state[state.LINK_MESSAGES])
    assert "no longer on the server" in messages and "upload it again" in messages
    assert at.session_state[state.WORKSPACE].choice.is_demo


# --- slices: a visitor's own, shared by their link only ------------------------


@pytest.fixture
def public_demo(demo_prepared):
    policy.install(Policy(public=True))
    yield
    policy.install(None)


def save_slice(at: AppTest, name: str) -> AppTest:
    ids = tuple(at.session_state[state.WORKSPACE].frame["id"][:3])
    at.session_state[state.SELECTION] = Selection(ids=ids)
    at.run()
    at.sidebar.text_input(key="slice_name").input(name).run()
    return at.sidebar.button(key="slice_save_selection").click().run()


def slice_names(at: AppTest) -> list[str]:
    fingerprint = at.session_state[state.WORKSPACE].data.fingerprint
    scope = at.session_state[SLICE_SCOPE]
    return [s.name for s in SliceStore(fingerprint, scope=scope).list()]


def test_slices_are_per_visitor_and_travel_only_with_their_link(public_demo):
    alice = save_slice(link_app({}), "alice's <b>misses</b>")
    assert not alice.exception, alice.exception
    bob = link_app({})
    assert slice_names(alice) == ["alice's <b>misses</b>"]
    assert slice_names(bob) == []
    assert "alice" not in " ".join(b.label for b in bob.sidebar.button)
    fingerprint = alice.session_state[state.WORKSPACE].data.fingerprint
    assert SliceStore(fingerprint).get("alice's <b>misses</b>") is None
    link = shown_link(alice)
    assert link["slices"] == alice.session_state[SLICE_SCOPE]
    carol = link_app(link)
    assert not carol.exception, carol.exception
    assert slice_names(carol) == ["alice's <b>misses</b>"]
    carol.sidebar.button(key="slice_delete_0").click().run()
    assert slice_names(carol) == [] and slice_names(alice) == ["alice's <b>misses</b>"]


# --- CSV downloads -------------------------------------------------------------


def test_every_csv_download_goes_through_safe_csv():
    """Pages download only through ``csv_download``, never ``st.download_button``."""
    pages = sorted((Path(APP).parent / "pages").glob("*.py"))
    calls = {"download_button": [], "csv_download": []}
    for page in pages:
        for node in ast.walk(ast.parse(page.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                calls.get(name, []).append(page.name)
    assert calls["download_button"] == []
    assert len(calls["csv_download"]) >= 3


@pytest.mark.parametrize("made_on_click", [False, True])
def test_csv_download_neutralises_its_rows_and_reruns_nothing(
    monkeypatch, made_on_click
):
    buttons = []
    monkeypatch.setattr(
        downloads.st, "download_button", lambda *a, **k: buttons.append((a, k))
    )
    rows = pd.DataFrame({"text": ["=HYPERLINK(1)", "fine"], "score": [-1.5, 2.0]})
    given = (lambda: rows) if made_on_click else rows
    downloads.csv_download("Get", given, "f.csv", "k")
    [((_, data), options)] = buttons
    assert options["on_click"] == "ignore" and options["mime"] == "text/csv"
    assert callable(data) == made_on_click
    got = (data() if made_on_click else data).decode("utf-8")
    assert got == "text,score\n'=HYPERLINK(1),-1.5\nfine,2.0\n"
