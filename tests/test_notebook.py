"""The notebook widget: ``show`` starts the app in the background, ``stop`` ends it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from litcore import notebook
from litcore.api.errors import LumenError
from litcore.session.startup import ENVIRONMENT

ROWS = pd.DataFrame(
    {
        "review": ["a good movie", "a bad film", "great fun", "the plot was boring"],
        "sentiment": ["positive", "negative", "positive", "negative"],
        "genre": ["drama", "comedy", "comedy", "drama"],
    }
)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def nothing_listens_on(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((notebook.HOST, port)) != 0


@pytest.fixture
def started(monkeypatch) -> list[subprocess.Popen]:
    """The processes ``show`` starts, with the environment each got."""
    processes = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        process.environment = kwargs["env"]
        processes.append(process)
        return process

    monkeypatch.setattr(notebook.subprocess, "Popen", recording_popen)
    return processes


class Launched(Exception):
    """Raised instead of starting the server, with what it would have got."""

    def __init__(self, variables: dict, files: dict) -> None:
        self.variables = variables
        self.files = files


@pytest.fixture
def launch(monkeypatch):
    """``show`` that stops where the server would start and returns its startup
    variables and the temporary files it wrote (file name -> contents or folder
    listing)."""

    def capture(script, port, environment, temp_folder, height):
        variables = {
            name: value
            for name, value in environment.items()
            if name in ENVIRONMENT.values()
        }
        files = {}
        for path in temp_folder.iterdir():
            if path.suffix == ".parquet":
                files[path.name] = pd.read_parquet(path)
            elif path.is_dir():
                files[path.name] = sorted(child.name for child in path.iterdir())
        raise Launched(variables, files)

    monkeypatch.setattr(notebook, "_start", capture)

    def run(**arguments) -> Launched:
        with pytest.raises(Launched) as launched:
            notebook.show(**arguments)
        for value in launched.value.variables.values():
            if "lumen-notebook-" in value:
                assert not Path(value).exists(), "temporary files left behind"
        return launched.value

    return run


def test_show_serves_the_app_and_stop_ends_it(tiny_model_dir, started, monkeypatch):
    monkeypatch.setenv("LUMEN_TEXT_B", "a value from the user's shell")
    app = notebook.show(
        data=ROWS, model=tiny_model_dir, text="review", label="sentiment"
    )
    try:
        assert app.running and app.url == f"http://127.0.0.1:{app.port}"
        assert fetch(f"{app.url}/_stcore/health") == b"ok"
        page = fetch(app.url).decode()
        assert '<div id="root">' in page and "streamlit" in page.lower()
        assert f'<iframe src="{app.url}"' in app._repr_html_()
        assert str(app) == app.url and app.url in repr(app)
        environment = started[0].environment
        assert environment["LUMEN_MODEL"] == str(tiny_model_dir.resolve())
        assert environment["LUMEN_TEXT"] == "review"
        assert environment["LUMEN_LABEL"] == "sentiment"
        assert "LUMEN_TEXT_B" not in environment
        data_file = Path(environment["LUMEN_DATA"])
        pd.testing.assert_frame_equal(
            pd.read_parquet(data_file), ROWS[["review", "sentiment"]]
        )
    finally:
        app.stop()
    assert not app.running and "stopped" in repr(app)
    assert "<iframe" not in app._repr_html_() and "stopped" in app._repr_html_()
    with pytest.raises(ProcessLookupError):  # the whole process group is gone
        os.killpg(app.process.pid, 0)
    assert not data_file.exists()
    assert nothing_listens_on(app.port) and notebook.port_is_free(app.port)
    app.stop()  # twice is harmless


def test_a_file_path_in_a_with_block(tiny_model_dir, tmp_path, started):
    csv = tmp_path / "reviews.csv"
    ROWS.to_csv(csv, index=False)
    with notebook.show(
        data=csv,
        model=str(tiny_model_dir),
        text="review",
        label="sentiment",
        metadata=["genre"],
        height=500,
    ) as app:
        assert fetch(f"{app.url}/_stcore/health") == b"ok"
        assert 'height="500"' in app._repr_html_()
    assert not app.running and nothing_listens_on(app.port)
    environment = started[0].environment
    assert environment["LUMEN_DATA"] == str(csv)
    assert environment["LUMEN_METADATA"] == "genre"


def test_passes_hub_specs_revision_and_metadata_through(launch):
    launched = launch(
        data="hf:rotten_tomatoes:validation",
        model="org/classifier",
        text="text",
        text_b="hypothesis",
        label="label",
        metadata=("source", "year"),
        revision="v1.0",
    )
    assert launched.variables == {
        "LUMEN_DATA": "hf:rotten_tomatoes:validation",
        "LUMEN_TEXT": "text",
        "LUMEN_TEXT_B": "hypothesis",
        "LUMEN_LABEL": "label",
        "LUMEN_MODEL": "org/classifier",
        "LUMEN_REVISION": "v1.0",
        "LUMEN_METADATA": "source,year",
    }


def test_a_dataframe_is_written_with_the_mapped_columns(launch, tiny_model_dir):
    launched = launch(data=ROWS, model=tiny_model_dir, text="review", metadata="genre")
    assert Path(launched.variables["LUMEN_DATA"]).name == "data.parquet"
    pd.testing.assert_frame_equal(
        launched.files["data.parquet"], ROWS[["review", "genre"]]
    )
    assert "LUMEN_LABEL" not in launched.variables


def test_without_a_model_minilm_is_fine_tuned_on_the_labels(launch):
    launched = launch(data=ROWS, text="review", label="sentiment")
    assert "LUMEN_MODEL" not in launched.variables
    assert launched.variables["LUMEN_LABEL"] == "sentiment"


def test_a_loaded_classifier_is_opened_from_its_folder(launch, tiny_model):
    launched = launch(data=ROWS, model=tiny_model, text="review")
    assert launched.variables["LUMEN_MODEL"] == str(Path(tiny_model.source).resolve())
    assert "model" not in launched.files  # nothing copied


def test_a_classifier_opened_from_its_identity_is_opened_from_its_folder(
    launch, tiny_model_dir, tmp_path, monkeypatch
):
    from litcore.models.deferred import DeferredClassifier, open_classifier

    monkeypatch.setenv("LUMEN_CACHE_DIR", str(tmp_path / "cache"))
    open_classifier(str(tiny_model_dir))  # stores its identity
    deferred = open_classifier(str(tiny_model_dir))
    assert isinstance(deferred, DeferredClassifier)
    launched = launch(data=ROWS, model=deferred, text="review")
    assert launched.variables["LUMEN_MODEL"] == str(tiny_model_dir.resolve())
    assert "model" not in launched.files  # nothing copied


def test_models_in_memory_are_saved_for_the_app(launch, tiny_model_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from litcore.models.classifier import SequenceClassifier

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    wrapped = SequenceClassifier.wrap(model, tokenizer, "in memory", max_length=32)
    for given in ((model, tokenizer), (tokenizer, model), wrapped):
        launched = launch(data=ROWS, model=given, text="review")
        assert Path(launched.variables["LUMEN_MODEL"]).name == "model"
        assert {"config.json", "tokenizer_config.json"} <= set(launched.files["model"])


def listening_port() -> socket.socket:
    server = socket.socket()
    server.bind((notebook.HOST, 0))
    server.listen()
    return server


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"data": ROWS[["sentiment"]]}, "Column(s) review not found"),
        ({"metadata": ["year"]}, "Column(s) year not found"),
        ({"metadata": ["genre,year"]}, "without commas"),
        ({"label": 3}, "Column 3 cannot be passed"),
        ({"text": None}, "text must name the text column"),
        ({"data": 42}, "data is a int: pass a pandas DataFrame"),
        ({"data": "no/such/file.csv"}, "File not found"),
        ({"data": "hf:"}, "'hf:' is not a Hugging Face dataset spec"),
        ({"data": __file__}, "Unknown file type '.py'"),
        ({"model": 42}, "model is a int: pass a classifier folder"),
        ({"model": "./no-such-model"}, "No model folder at"),
        ({"model": None}, "without --model ($LUMEN_MODEL) needs --label"),
        ({"model": None, "label": "sentiment", "revision": "v2"}, "needs --model"),
        ({"port": 0}, "port must be a number from 1 to 65535"),
        ({"port": "8501"}, "port must be a number from 1 to 65535"),
    ],
)
def test_bad_arguments_start_nothing(launch, tiny_model_dir, arguments, message):
    given = {"data": ROWS, "model": tiny_model_dir, "text": "review", **arguments}
    with pytest.raises(LumenError) as error:
        launch(**given)
    assert message in str(error.value)


def test_a_model_without_its_tokenizer_is_refused(launch, tiny_model):
    with pytest.raises(LumenError, match=r"pass model=\(model, tokenizer\)"):
        launch(data=ROWS, model=tiny_model.model, text="review")


def test_a_port_in_use_is_refused(launch, tiny_model_dir):
    with listening_port() as taken:
        port = taken.getsockname()[1]
        with pytest.raises(LumenError, match=f"Port {port} is in use"):
            launch(data=ROWS, model=tiny_model_dir, text="review", port=port)


def test_a_server_that_stops_is_reported_with_its_output(
    tiny_model_dir, started, monkeypatch
):
    crash = "import sys; print('no such option: --oops', file=sys.stderr); sys.exit(3)"
    monkeypatch.setattr(
        notebook, "server_command", lambda script, port: [sys.executable, "-c", crash]
    )
    with pytest.raises(LumenError) as error:
        notebook.show(data=ROWS, model=tiny_model_dir, text="review")
    assert "stopped (exit code 3)" in str(error.value)
    assert "no such option: --oops" in str(error.value)
    assert not Path(started[0].environment["LUMEN_DATA"]).exists()


def test_a_server_that_does_not_answer_is_stopped(tiny_model_dir, started, monkeypatch):
    silent = "import time; time.sleep(60)"
    monkeypatch.setattr(
        notebook, "server_command", lambda script, port: [sys.executable, "-c", silent]
    )
    with pytest.raises(LumenError, match="did not answer at .* within 1 s"):
        notebook.show(data=ROWS, model=tiny_model_dir, text="review", timeout=1)
    assert started[0].poll() is not None
