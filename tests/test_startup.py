"""What a server opens first: startup flags and ``LUMEN_*`` variables, parsed in
plain Python and opened by app.py on a session's first run."""

from __future__ import annotations

from pathlib import Path

import pytest
from startup_app import APP, reviews_tsv, started_app

from litcore.data.dataset import ColumnMapping
from litcore.session.choice import DEMO_MODEL, SourceChoice
from litcore.session.startup import (
    ENVIRONMENT,
    StartupError,
    app_script,
    parse_startup,
    script_arguments,
    source_flags,
)
from litcore.ui import state

ROWS = [("the great film", "positive"), ("an awful plot", "negative")] * 5


@pytest.fixture
def reviews(tmp_path) -> Path:
    return reviews_tsv(tmp_path / "reviews.tsv", ROWS, year=2001)


def test_nothing_set_opens_nothing_in_particular():
    assert parse_startup([], {}) is None
    assert parse_startup(["--data", "  "], {"LUMEN_TEXT": ""}) is None


def test_flags_name_the_data_its_columns_and_the_model(reviews):
    argv = ["--data", str(reviews), "--text", "sentence", "--label", "gold"]
    argv += ["--metadata", "year, month,", "--model", "org/model", "--revision", "v2"]
    choice = parse_startup(argv, {})
    assert choice == SourceChoice(
        demo_key=None,
        file_name="reviews.tsv",
        data_source=str(reviews),
        mapping=ColumnMapping(
            text="sentence", label="gold", metadata=("year", "month")
        ),
        model_source="org/model",
        revision="v2",
    )


def test_the_environment_gives_the_same_and_flags_win(reviews):
    environ = {
        "LUMEN_DATA": str(reviews),
        "LUMEN_TEXT": "wrong",
        "LUMEN_TEXT_B": "other",
        "LUMEN_LABEL": "gold",
        "LUMEN_METADATA": "year",
        "LUMEN_MODEL": "org/model",
        "LUMEN_REVISION": "main",
    }
    choice = parse_startup(["--text", "sentence", "--revision", "v2"], environ)
    assert choice.data_source == str(reviews)
    assert choice.mapping == ColumnMapping(
        text="sentence", text_b="other", label="gold", metadata=("year",)
    )
    assert (choice.model_source, choice.revision) == ("org/model", "v2")
    # Every variable but $LUMEN_RUN (a run alone: tests/test_run_format.py).
    assert set(ENVIRONMENT.values()) - {"LUMEN_RUN"} == set(environ)


def test_a_model_alone_opens_the_demo_data_and_data_alone_trains_minilm(reviews):
    choice = parse_startup(["--model", "org/model"], {})
    assert choice.is_demo and choice.model_source == "org/model"
    choice = parse_startup([], {"LUMEN_DATA": str(reviews), "LUMEN_TEXT": "sentence",
                                "LUMEN_LABEL": "gold"})  # fmt: skip
    assert choice.model_source == DEMO_MODEL and not choice.is_demo


def test_hf_specs_and_saved_folders_are_named_without_reading_them():
    argv = ["--data", "hf:org/reviews:validation@v1", "--text", "text"]
    choice = parse_startup([*argv, "--model", "org/model"], {})
    assert choice.data_source == "hf:org/reviews:validation@v1"
    assert choice.file_name == "hf:org/reviews:validation@v1"


@pytest.mark.parametrize(
    ("argv", "environ", "reason"),
    [
        (["--port", "8501"], {}, "unrecognized arguments: --port 8501"),
        (["--dat", "x.csv"], {}, "unrecognized arguments: --dat"),
        (["--help"], {}, "unrecognized arguments: --help"),
        (["--data"], {}, "--data: expected one argument"),
        (["--text", "sentence"], {}, "--text ($LUMEN_TEXT) needs --data"),
        ([], {"LUMEN_METADATA": "a,b"}, "--metadata ($LUMEN_METADATA) needs --data"),
        ([], {"LUMEN_DATA": "{reviews}"}, "needs --text ($LUMEN_TEXT)"),
        (["--data", "{reviews}", "--text", "s"], {}, "needs --label ($LUMEN_LABEL)"),
        (["--data", "/no/such.csv", "--text", "s", "--label", "l"], {},
         "File not found: /no/such.csv"),
        (["--data", "{folder}", "--text", "s", "--label", "l"], {},
         "is a folder, not a file or a dataset saved with save_to_disk"),
        (["--data", "{unknown}", "--text", "s", "--label", "l"], {},
         "Unknown file type '.xlsx'"),
        (["--data", "{unreadable}", "--text", "s", "--label", "l"], {},
         "is not readable"),
        (["--data", "hf:", "--text", "s", "--label", "l"], {},
         "is not a Hugging Face dataset spec"),
        (["--data", "hf:name:", "--text", "s", "--label", "l"], {},
         "is not a Hugging Face dataset spec"),
        (["--model", "./no/such/model"], {}, "model folder not found"),
        ([], {"LUMEN_REVISION": "v1"}, "--revision ($LUMEN_REVISION) needs --model"),
    ],
)  # fmt: skip
def test_every_bad_value_gives_a_one_line_reason(
    argv, environ, reason, reviews, tmp_path, monkeypatch
):
    unknown = tmp_path / "table.xlsx"
    unknown.write_bytes(b"x")
    unreadable = tmp_path / "secret.csv"
    unreadable.write_text("s,l\na,b\n")
    unreadable.chmod(0)
    paths = {"reviews": reviews, "folder": tmp_path, "unknown": unknown}
    paths["unreadable"] = unreadable
    if "{unreadable}" in argv:
        import os

        if os.access(unreadable, os.R_OK):  # root reads any file
            monkeypatch.setattr(os, "access", lambda path, mode: False)
    argv = [part.format(**paths) for part in argv]
    environ = {name: value.format(**paths) for name, value in environ.items()}
    with pytest.raises(StartupError) as raised:
        parse_startup(argv, environ)
    message = str(raised.value)
    assert reason in message and "\n" not in message


def test_script_arguments_are_the_apps_only_when_it_is_the_program():
    assert script_arguments(APP, [str(APP), "--data", "x"]) == ["--data", "x"]
    assert script_arguments(APP, ["/usr/bin/pytest", "-x", "tests"]) == []
    assert script_arguments(APP, []) == []


def test_source_flags_give_back_what_was_set(reviews):
    settings = {"data": str(reviews), "text_b": "b", "label": None, "port": 1}
    flags = source_flags(settings)
    assert flags == ["--data", str(reviews), "--text-b", "b"]
    choice = parse_startup([*flags, "--text", "a", "--model", "m"], {})
    assert choice.mapping.text_b == "b"


def test_the_app_script_is_found_from_the_package():
    assert app_script() == APP


# --- app.py opens it ------------------------------------------------------------


def test_the_app_opens_the_environments_data_and_model_on_its_first_run(
    reviews, tiny_model_dir, monkeypatch
):
    variables = {"LUMEN_DATA": str(reviews), "LUMEN_TEXT": "sentence"}
    variables |= {"LUMEN_LABEL": "gold", "LUMEN_METADATA": "year"}
    at = started_app(monkeypatch, variables | {"LUMEN_MODEL": str(tiny_model_dir)})
    assert not at.error, [e.value for e in at.error]
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.choice.data_source == str(reviews)
    assert workspace.model.source == str(tiny_model_dir)
    assert len(workspace.frame) == len(ROWS)
    assert workspace.data.metadata_columns == ["year"]
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown["Examples shown"] == str(len(ROWS))
    # The sidebar shows the startup source as the current choice.
    assert at.radio(key="pick_kind").value == "My file"
    assert at.text_input(key="pick_hf").value == str(reviews)
    assert at.text_input(key="pick_model_file_path").value == str(tiny_model_dir)
    at.run()  # a rerun keeps it, reading nothing again
    assert at.session_state[state.WORKSPACE] is workspace


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"LUMEN_DATA": "/no/such/reviews.csv"}, "File not found"),
        ({"LUMEN_TEXT": "no_such_column"}, "no_such_column"),
    ],
)
def test_a_bad_startup_value_is_shown_and_the_app_keeps_running(
    variables, message, reviews, tiny_model_dir, monkeypatch
):
    started = {"LUMEN_DATA": str(reviews), "LUMEN_TEXT": "sentence"}
    started["LUMEN_MODEL"] = str(tiny_model_dir)
    at = started_app(monkeypatch, started | variables)
    assert message in " ".join(e.value for e in at.error)
    assert state.WORKSPACE not in at.session_state  # the demo is not trained
    assert "Choose a dataset and a model" in " ".join(i.value for i in at.info)
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="pick_kind").value == "My file"
