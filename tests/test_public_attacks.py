"""Attacks on a public server: nothing of the server's reaches a visitor's page.

A canary file (data whose rows say ``CANARY``) and a canary model (a local
classifier whose classes say ``CANARY``) sit on the server. Every attack names
them in another way (absolute, relative, ``~``, ``..``, ``file:`` URL,
symlink) through the core, the sidebar's widgets, the task pages and shared
links, or smuggles remote code, a non-allowlisted or oversized hub model, or
markup. Each asserts that the canary never appears in any element, and that the
app kept running (no exception, the demo and the selection as they were).
Control cases run the same attack outside public mode and see the canary, so
the checks can fail.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from tiny_models import build_tiny_classifier

from litcore.api.errors import DataError, ModelError, PolicyError
from litcore.data.dataset import ColumnMapping
from litcore.metrics.agreement import ComparisonError
from litcore.models.hf_loading import load_config
from litcore.session import policy
from litcore.session.choice import DEMO_MODEL, SourceChoice
from litcore.session.policy import Policy
from litcore.session.workspace import HeadError, build_workspace
from litcore.ui import state
from litcore.ui.escape import plain
from litcore.view.selection import Selection

APP = Path(__file__).resolve().parents[1] / "app.py"
CANARY = "CANARY7f3a9c"
LISTED = "org/listed-model"
# How an attacker names a server path: form -> path relative to the attack root
# (the cwd is <root>/work, $HOME is <root>/home).
PATH_FORMS = ("absolute", "relative", "tilde", "dotdot", "file_url", "symlink")


@pytest.fixture(scope="module", autouse=True)
def background_work_done():
    """After this module, waits for the app's background threads (weights load,
    UMAP warm-up): a process that exits while they run in native code aborts."""
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("lumen-"):
            thread.join(120)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Path:
    """The attack root: secret data, a secret model, links to both, a home."""
    root = tmp_path_factory.mktemp("server")
    (root / "work").mkdir()
    (root / "home").mkdir()
    (root / "secret.csv").write_text(
        f"text,label,{CANARY}_column\n"
        f"{CANARY} one,neg,1\n{CANARY} two,pos,2\n{CANARY} three,neg,3\n"
    )
    build_tiny_classifier(root / "model", labels=(f"{CANARY}neg", f"{CANARY}pos"))
    (root / "secret-link.csv").symlink_to(root / "secret.csv")
    (root / "model-link").symlink_to(root / "model")
    for name in ("secret.csv", "model"):
        (root / "home" / name).symlink_to(root / name)
    return root


def server_path(root: Path, form: str, name: str) -> str:
    """``root / name`` written in ``form`` (see ``PATH_FORMS``)."""
    return {
        "absolute": str(root / name),
        "relative": f"../{name}",
        "tilde": f"~/{name}",
        "dotdot": f"../work/../{name}",
        "file_url": (root / name).as_uri(),
        "symlink": str(
            root / ("secret-link.csv" if name.endswith("csv") else "model-link")
        ),
    }[form]


@pytest.fixture
def at_server(server, monkeypatch) -> Path:
    """The process as a server on the attack root: its cwd and $HOME there."""
    monkeypatch.chdir(server / "work")
    monkeypatch.setenv("HOME", str(server / "home"))
    return server


@pytest.fixture
def public():
    """Public mode with one allowlisted hub id (its size: 100 MB, no network)."""
    rules = Policy(
        public=True,
        allowed_models=(LISTED,),
        max_models=2,
        model_size=lambda source, revision: 100 * 2**20,
    )
    policy.install(rules)
    yield rules
    policy.install(None)


def canary_mapping() -> ColumnMapping:
    return ColumnMapping(text="text", label="label")


# --- the core: data and models named by path ------------------------------------


@pytest.mark.parametrize("form", PATH_FORMS)
def test_core_refuses_server_data_in_every_path_form(at_server, public, form):
    path = server_path(at_server, form, "secret.csv")
    choice = SourceChoice(demo_key=None, data_source=path, mapping=canary_mapping())
    with pytest.raises(PolicyError, match="reads no files") as caught:
        build_workspace(choice)
    assert CANARY not in str(caught.value)


@pytest.mark.parametrize("form", PATH_FORMS)
def test_core_refuses_local_model_folders_in_every_path_form(at_server, public, form):
    path = server_path(at_server, form, "model")
    with pytest.raises(PolicyError, match="does not open the model") as caught:
        build_workspace(SourceChoice(model_source=path))
    assert CANARY not in str(caught.value)


@pytest.mark.parametrize("form", PATH_FORMS)
def test_core_refuses_run_folders_in_every_path_form(at_server, public, form):
    choice = SourceChoice(
        demo_key=None, run_source=server_path(at_server, form, "model")
    )
    with pytest.raises(PolicyError, match="reads no files") as caught:
        build_workspace(choice)
    assert CANARY not in str(caught.value)


def test_control_outside_public_mode_the_same_path_opens_the_canary(at_server):
    policy.install(Policy())
    try:
        choice = SourceChoice(
            demo_key=None,
            data_source=server_path(at_server, "absolute", "secret.csv"),
            mapping=canary_mapping(),
            model_source=str(at_server / "model"),
        )
        workspace = build_workspace(choice)
    finally:
        policy.install(None)
    assert CANARY in " ".join(workspace.data.frame["text"])
    assert workspace.model.labels == (f"{CANARY}neg", f"{CANARY}pos")


@pytest.mark.parametrize(
    "source",
    ["hf:imdb", "hf:org/private:train@main", "upload:../../secret.csv", "upload:/etc"],
)
def test_core_refuses_hub_datasets_and_forged_upload_specs(public, source):
    choice = SourceChoice(demo_key=None, data_source=source, mapping=canary_mapping())
    with pytest.raises(PolicyError, match="reads no files, folders or hub datasets"):
        build_workspace(choice)


def test_core_refuses_an_upload_over_the_cap(public):
    content = b"text,label\n" + b"x,pos\n" * (public.max_upload_mb * 2**20 // 6 + 1)
    choice = SourceChoice(
        demo_key=None, file_name="big.csv", file_bytes=content, mapping=canary_mapping()
    )
    with pytest.raises(DataError, match="MB; the limit is 20 MB"):
        build_workspace(choice)


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("model", {"model_source": LISTED, "trust_remote_code": True}),
        ("model B", {"compare_source": LISTED, "compare_trust_remote_code": True}),
        (
            "head",
            {
                "regression_source": LISTED,
                "regression_gold": "rating",
                "regression_trust_remote_code": True,
            },
        ),
    ],
)
def test_core_refuses_remote_code_for_every_model(public, demo_prepared, field, extra):
    errors = {"model": PolicyError, "model B": ComparisonError, "head": HeadError}
    with pytest.raises(errors[field], match="never runs a model's own code"):
        build_workspace(SourceChoice(**extra))


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("model B", {"compare_source": "evil/model"}),
        ("head", {"regression_source": "/srv/models/x", "regression_gold": "rating"}),
    ],
)
def test_core_drops_a_forbidden_second_model_or_head(
    public, demo_prepared, field, extra
):
    errors = {"model B": ComparisonError, "head": HeadError}
    with pytest.raises(errors[field], match="does not open the model"):
        build_workspace(SourceChoice(**extra))


def test_a_hub_id_off_the_allowlist_is_never_downloaded(public):
    with pytest.raises(PolicyError, match="does not open the model 'evil/model'"):
        load_config("evil/model")


def test_an_oversized_allowlisted_model_is_refused_before_download(public):
    policy.install(dataclasses.replace(public, model_size=lambda s, r: 3 * 2**30))
    with pytest.raises(PolicyError, match="is 3,072 MB; this server downloads"):
        load_config(LISTED)


@pytest.fixture
def remote_code_model(tmp_path) -> tuple[Path, Path]:
    """A model folder whose config class is its own Python code; importing that
    code writes a marker file. (folder, marker)"""
    folder, marker = tmp_path / "remote-code", tmp_path / "ran.txt"
    folder.mkdir()
    (folder / "config.json").write_text(
        '{"model_type": "canary_code", "auto_map": '
        '{"AutoConfig": "configuration_canary.CanaryConfig"}}'
    )
    (folder / "configuration_canary.py").write_text(
        "from pathlib import Path\n"
        "from transformers import PretrainedConfig\n"
        f"Path({str(marker)!r}).write_text('ran')\n"
        "class CanaryConfig(PretrainedConfig):\n"
        "    model_type = 'canary_code'\n"
    )
    return folder, marker


def test_remote_code_never_runs_even_for_the_deployers_own_model(
    remote_code_model, monkeypatch
):
    folder, marker = remote_code_model
    monkeypatch.setenv("LUMEN_PUBLIC", "1")
    monkeypatch.setenv("LUMEN_MODEL", str(folder))
    policy.install(None)  # read again from the environment, as a server does
    try:
        assert policy.active().startup_models == {str(folder)}
        with pytest.raises(ModelError):
            load_config(str(folder), trust_remote_code=True)
    finally:
        policy.install(None)
    assert not marker.exists()


def test_control_outside_public_mode_remote_code_runs_when_asked(remote_code_model):
    folder, marker = remote_code_model
    policy.install(Policy())
    try:
        load_config(str(folder), trust_remote_code=True)
    finally:
        policy.install(None)
    assert marker.read_text() == "ran"


# --- the app: widgets, task pages and links -------------------------------------


def page_text(at: AppTest) -> str:
    """Every element's content (its protobuf, tables' Arrow bytes included)."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def assert_demo_still_open(at: AppTest) -> None:
    assert not at.exception, at.exception
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.choice.is_demo and workspace.choice.model_source == DEMO_MODEL
    assert not workspace.choice.trust_remote_code


@pytest.fixture
def public_app(public, demo_prepared, at_server) -> AppTest:
    """The app in public mode after its first run, with three rows selected."""
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.run()
    assert_demo_still_open(at)
    ids = list(at.session_state[state.WORKSPACE].frame["id"][:3])
    at.session_state[state.SELECTION] = Selection(ids=tuple(ids), primary=ids[0])
    return at.run()


def widget_labels(at: AppTest) -> list[str]:
    return [w.label for kind in ("text_input", "checkbox") for w in getattr(at, kind)]


def test_the_sidebar_offers_no_path_box_no_hub_dataset_and_no_remote_code(public_app):
    at = public_app
    at.sidebar.radio(key="pick_kind").set_value("My file").run()
    labels = widget_labels(at)
    assert not [label for label in labels if "path" in label or "Hugging" in label]
    assert not [label for label in labels if "remote code" in label.lower()]
    notes = " ".join(caption.value for caption in at.sidebar.caption)
    assert "Public server" in notes and "remote code are off" in notes


@pytest.mark.parametrize("form", PATH_FORMS)
def test_forged_path_widget_values_read_nothing(public_app, at_server, form):
    at = public_app
    selected = at.session_state[state.SELECTION]
    at.sidebar.radio(key="pick_kind").set_value("My file")
    for key in ("pick_path", "pick_hf"):
        at.session_state[key] = server_path(at_server, form, "secret.csv")
    at.run()
    assert CANARY not in page_text(at)
    assert_demo_still_open(at)
    assert at.session_state[state.SELECTION] == selected


def test_control_outside_public_mode_a_path_box_shows_the_canary(
    demo_prepared, at_server
):
    policy.install(Policy())
    try:
        at = AppTest.from_file(str(APP), default_timeout=240).run()
        at.sidebar.radio(key="pick_kind").set_value("My file")
        at.session_state["pick_path"] = server_path(at_server, "tilde", "secret.csv")
        at.run()
    finally:
        policy.install(None)
    assert CANARY in page_text(at)


def test_own_model_is_a_pick_from_the_allowlist_only(public_app):
    at = public_app
    at.sidebar.radio(key="pick_model_demo_mode").set_value("own").run()
    box = at.sidebar.selectbox(key="pick_model_demo_path")
    assert box.options == [LISTED]
    assert not [w for w in at.checkbox if "remote code" in w.label.lower()]
    assert_demo_still_open(at)


def test_without_an_allowlist_there_is_no_own_model_option(public_app):
    policy.install(dataclasses.replace(policy.active(), allowed_models=()))
    at = public_app.run()
    titles = at.sidebar.radio(key="pick_model_demo_mode").options
    assert titles == ["MiniLM fine-tuned on this data"]
    assert_demo_still_open(at)


@pytest.mark.parametrize(
    ("page", "model_key"),
    [
        ("masked_lm", "mlm_model"),
        ("generation", "generation_model"),
        ("ner", "ner_model"),
        ("multilabel", "multilabel_model"),
    ],
)
def test_task_pages_take_no_model_path(public_app, at_server, page, model_key):
    at = public_app
    policy.install(dataclasses.replace(policy.active(), allowed_models=()))
    at.switch_page(f"pages/{page}.py")
    at.session_state[model_key] = str(at_server / "model")
    at.run()
    assert not at.text_input or all("folder" not in w.label for w in at.text_input)
    assert "offers no models" in " ".join(c.value for c in at.caption)
    assert CANARY not in page_text(at)
    assert_demo_still_open(at)


def link_app(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=240)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("form", PATH_FORMS)
def test_a_link_to_a_task_page_with_a_model_path_leaves_the_box_empty(
    public, demo_prepared, at_server, form
):
    path = server_path(at_server, form, "model")
    at = link_app({"data": "movies", "page": "ner", "tmodel": path, "ttext": "a b"})
    assert CANARY not in page_text(at)
    assert (
        at.session_state["ner_model"] is None and at.session_state["ner_text"] == "a b"
    )
    note = f"The link's model '{path}' is not offered on this server."
    assert at.session_state[state.LINK_MESSAGES] == [note]


def test_a_task_page_showing_the_servers_own_model_links_it_without_its_path(
    public_app, at_server
):
    at = public_app
    own = str(at_server / "model")  # a deployer's folder, offered to visitors
    policy.install(dataclasses.replace(policy.active(), startup_models={own}))
    at.switch_page("pages/ner.py").run()
    at.selectbox(key="ner_model").set_value(own).run()
    assert "tmodel" not in at.query_params, dict(at.query_params)  # never a path
    assert at.query_params["page"] == "ner"
    assert CANARY not in page_text(at)


@pytest.mark.parametrize("form", PATH_FORMS)
def test_a_link_naming_a_model_by_path_opens_the_demo_instead(
    public, demo_prepared, at_server, form
):
    at = link_app({"data": "movies", "model": server_path(at_server, form, "model")})
    assert CANARY not in page_text(at)
    assert_demo_still_open(at)
    assert "does not open the model" in " ".join(at.session_state[state.LINK_MESSAGES])


def test_control_outside_public_mode_a_link_opens_the_canary_model(
    demo_prepared, at_server
):
    policy.install(Policy())
    try:
        at = link_app({"data": "movies", "model": str(at_server / "model")})
    finally:
        policy.install(None)
    assert not at.exception, at.exception
    assert CANARY in page_text(at)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"model_b": "{root}/model"}, "does not open the model"),
        ({"head": "{root}/model", "head_gold": "rating"}, "does not open the model"),
        ({"model": "evil/remote-code", "trust_remote_code": "1"}, "does not open"),
        ({"data": "{root}/secret.csv"}, "the demo is shown"),
        ({"data": "file://{root}/secret.csv"}, "the demo is shown"),
        ({"data": "~/secret.csv"}, "the demo is shown"),
        ({"model": "x" * 200_000}, "too long"),
        ({"fp": "../../etc", "sel": "e1"}, "fingerprint is malformed"),
        ({"sel": "%%%not-a-selection"}, "different version of the data"),
        ({"fp": "0123abcd", "sel": "e1,e2"}, "different version of the data"),
    ],
)
def test_hostile_link_parameters_leave_the_app_running(
    public, demo_prepared, at_server, params, message
):
    values = {"data": "movies"} | {
        key: value.replace("{root}", str(at_server)) for key, value in params.items()
    }
    at = link_app(values)
    assert CANARY not in page_text(at)
    assert_demo_still_open(at)
    assert message in " ".join(at.session_state[state.LINK_MESSAGES])


# --- markup in texts, labels and column names stays text ------------------------

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"


def hostile_upload() -> SourceChoice:
    rows = [
        f"{SCRIPT} a good movie,{IMAGE},1",
        f"the plot {IMAGE} was bad,pos,2",
        "plain text,neg,3",
        f"more {SCRIPT},neg,4",
    ]
    content = f"text,label,{SCRIPT}\n" + "\n".join(rows) + "\n"
    return SourceChoice(
        demo_key=None,
        file_name=f"{SCRIPT}.csv",
        file_bytes=content.encode(),
        mapping=ColumnMapping(text="text", label="label", metadata=(SCRIPT,)),
    )


def raw_markup(at: AppTest) -> list[str]:
    """Elements that would render ``SCRIPT`` or ``IMAGE`` as markup: HTML blocks
    and markdown with HTML allowed that hold them unescaped."""
    found = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        body = ""
        if kind == "html" or getattr(proto, "allow_html", False):
            body = getattr(proto, "body", "")
        if "<script" in body or "<img src=x" in body:
            found.append(f"{node.type}: {body[:200]}")
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


@pytest.mark.parametrize("page", ["overview", "table", "explain", "editor", "metrics"])
def test_markup_in_a_visitors_upload_is_shown_as_text(public, at_server, page):
    model = str(at_server / "model")
    policy.install(public.trusting((model,), ()))
    choice = dataclasses.replace(hostile_upload(), model_source=model)
    workspace = build_workspace(choice)
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.session_state[state.SOURCE] = choice
    at.session_state[state.WORKSPACE] = workspace
    first = workspace.frame["id"].iloc[0]
    at.session_state[state.SELECTION] = Selection(ids=(first,), primary=first)
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert raw_markup(at) == []
    assert at.session_state[state.SELECTION].primary == first


def test_markup_in_a_slice_name_is_shown_as_text(public_app):
    at = public_app
    selected = at.session_state[state.SELECTION]
    at.sidebar.text_input(key="slice_name").input(f"{SCRIPT} {IMAGE}").run()
    at.sidebar.button(key="slice_save_selection").click().run()
    assert not at.exception, at.exception
    saved = [b.key for b in at.sidebar.button if plain(SCRIPT) in b.label]
    assert len(saved) == 1  # saved, its name kept as typed (shown escaped)
    try:
        assert raw_markup(at) == []
        assert at.session_state[state.SELECTION] == selected
    finally:  # the slice store may be the server's, shared with other tests
        delete = saved[0].replace("slice_pick_", "slice_delete_")
        at.sidebar.button(key=delete).click().run()
    assert not [b for b in at.sidebar.button if plain(SCRIPT) in b.label]


# --- the deployer's own data and model: named, never by their paths -------------

SHOWN_NAME = "Acme reviews classifier"


@pytest.fixture
def deployed(at_server, monkeypatch) -> Path:
    """A public server started on the attack root's data and model (trusted)."""
    data, model = at_server / "secret.csv", at_server / "model"
    settings = {"DATA": data, "TEXT": "text", "LABEL": "label", "MODEL": model}
    for name, value in settings.items():
        monkeypatch.setenv(f"LUMEN_{name}", str(value))
    rules = Policy(
        public=True,
        allowed_models=(LISTED,),
        model_name=SHOWN_NAME,
        model_size=lambda source, revision: 100 * 2**20,
    )
    policy.install(rules.trusting((str(model),), (str(data),)))
    yield at_server
    policy.install(None)


def assert_no_server_path(at: AppTest, root: Path) -> None:
    assert not at.exception, at.exception
    text = page_text(at)
    assert str(root) not in text and str(root.resolve()) not in text
    assert SHOWN_NAME in text  # the deployer's model, by its display name


@pytest.mark.parametrize(
    "page", ["overview", "metrics", "ner", "generation", "masked_lm", "multilabel"]
)
def test_the_deployers_paths_never_reach_a_page(deployed, page):
    at = AppTest.from_file(str(APP), default_timeout=240).run()
    assert at.session_state[state.WORKSPACE].choice.model_source.startswith(
        str(deployed)
    )
    for radio in ("pick_compare_mode", "pick_head_mode"):
        at.sidebar.radio(key=radio).set_value("own")
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert_no_server_path(at, deployed)
    at.sidebar.radio(key="pick_kind").set_value("Built-in demo").run()
    at.sidebar.radio(key="pick_model_demo_mode").set_value("own").run()
    assert_no_server_path(at, deployed)


def test_a_refused_links_message_names_the_deployers_model(deployed):
    at = link_app({"data": "startup", "model": "../secret.csv"})
    messages = " ".join(at.session_state[state.LINK_MESSAGES])
    assert "does not open the model" in messages and SHOWN_NAME in messages
    assert_no_server_path(at, deployed)


def test_without_a_display_name_the_deployers_model_is_its_folders_name(deployed):
    rules = policy.active()
    model = next(iter(rules.startup_models))
    unnamed = dataclasses.replace(rules, model_name="")
    assert unnamed.shown_name(model) == "model"
    assert unnamed.offered_names == ("model", LISTED)
    error = f"Could not load {model} nor {Path(model).resolve()}/config.json"
    assert str(deployed) not in unnamed.redact(error)
    assert Policy.from_environ({"LUMEN_MODEL_NAME": " Acme "}).model_name == "Acme"


def test_control_outside_public_mode_the_deployers_path_is_shown(deployed):
    policy.install(dataclasses.replace(policy.active(), public=False))
    at = AppTest.from_file(str(APP), default_timeout=240).run()
    assert not at.exception, at.exception
    assert str(deployed / "model") in page_text(at)
