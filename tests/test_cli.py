"""``python -m litcore``: train and predict on files, clear one-line errors."""

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m litcore ARGS`` in this process: ``cli.main``, which
    ``litcore/__main__.py`` calls (``run_module`` runs the module itself)."""
    from litcore.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse's refusals
            code = exit.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def run_module(*args: str) -> subprocess.CompletedProcess:
    """``python -m litcore ARGS`` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "litcore", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def reviews_csv(tmp_path_factory) -> Path:
    rows = [("the great film", "good"), ("the awful film", "bad")] * 8
    path = tmp_path_factory.mktemp("cli") / "reviews.csv"
    pd.DataFrame(rows, columns=["review", "sentiment"]).assign(year=2000).to_csv(
        path, index=False
    )
    return path


def test_train_then_predict(reviews_csv, tiny_model_dir, tmp_path):
    out_model = tmp_path / "model"
    trained = run_cli(
        "train",
        "--data",
        str(reviews_csv),
        "--text",
        "review",
        "--label",
        "sentiment",
        "--base",
        str(tiny_model_dir),
        "--epochs",
        "2",
        "--out",
        str(out_model),
    )
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout.strip().splitlines()[-1])
    assert summary["labels"] == ["bad", "good"]
    # --epochs as given; the max length from the data (5 tokens: the minimum, 32);
    # 8 examples a class are too few to hold 10% out, so it checks on training.
    assert summary["config"]["epochs"] == 2 and summary["config"]["max_length"] == 32
    assert summary["n_train"] == summary["n_trained_on"] == 16
    assert summary["truncated_share"] == 0.0
    assert summary["validation"]["on"] == "training"
    assert isinstance(summary["warnings"], list)
    saved = json.loads((out_model / "lumen_training.json").read_text())
    assert saved["config"] == summary["config"]
    out_file = tmp_path / "predictions.parquet"
    predicted = run_cli(
        "predict",
        "--model",
        str(out_model),
        "--data",
        str(reviews_csv),
        "--text",
        "review",
        "--label",
        "sentiment",
        "--out",
        str(out_file),
    )
    assert predicted.returncode == 0, predicted.stderr
    metrics = json.loads(predicted.stdout.strip().splitlines()[-1])
    assert set(metrics) >= {"accuracy", "macro_f1", "n"} and metrics["n"] == 16
    table = pd.read_parquet(out_file)
    assert table.columns.tolist() == [
        "review",
        "sentiment",
        "year",
        "predicted_label",
        "p_bad",
        "p_good",
    ]
    assert ((table["p_bad"] + table["p_good"]).round(5) == 1).all()


def test_train_warns_when_the_model_predicts_one_class(tiny_model_dir, tmp_path):
    """Identical texts with two labels: the model can only answer one class."""
    data = tmp_path / "same.csv"
    pd.DataFrame({"text": ["the film"] * 60, "y": ["good", "bad"] * 30}).to_csv(
        data, index=False
    )
    trained = run_cli(
        "train",
        *("--data", str(data), "--text", "text", "--label", "y"),
        *("--base", str(tiny_model_dir), "--epochs", "1"),
        *("--out", str(tmp_path / "model")),
    )
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout.strip().splitlines()[-1])
    assert summary["validation"]["n"] == 6 and summary["n_trained_on"] == 54
    assert "for 100% of the 6 validation examples" in summary["warnings"][0]
    warned = [line for line in trained.stderr.splitlines() if line.startswith("warn")]
    assert warned == [f"warning: {message}" for message in summary["warnings"]]


def test_predict_without_labels_writes_csv(reviews_csv, tiny_model_dir, tmp_path):
    out_file = tmp_path / "out.csv"
    result = run_cli(
        "predict",
        "--model",
        str(tiny_model_dir),
        "--data",
        str(reviews_csv),
        "--text",
        "review",
        "--out",
        str(out_file),
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out_file)) == 16


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "nope"], "Column(s) nope not found"),
        (["--text", "review", "--data", "/no/such.csv"], "File not found"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(
    reviews_csv, tiny_model_dir, tmp_path, args, message
):
    base = [
        "predict",
        "--model",
        str(tiny_model_dir),
        "--data",
        str(reviews_csv),
        "--out",
        str(tmp_path / "o.csv"),
    ]
    result = run_cli(*base, *args)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and message in last


def test_not_a_classifier_is_refused(reviews_csv, tmp_path):
    from tiny_models import build_tiny_classifier

    bare = build_tiny_classifier(tmp_path / "bare", architecture="base")
    result = run_cli(
        "predict",
        "--model",
        str(bare),
        "--data",
        str(reviews_csv),
        "--text",
        "review",
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert result.returncode == 2
    assert "not a sequence classifier" in result.stderr


def test_prepare_demo_prints_the_figures_last(demo_prepared):
    result = run_cli("prepare-demo", "--dataset", "movies")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"accuracy", "macro_f1", "n_train", "n_eval", "seconds"} <= set(figures)
    assert figures["n_eval"] == 2000 and figures["n_train"] == 8568
    assert figures["accuracy"] == demo_prepared["accuracy"]


# --- the lumen-nlp command and its package -----------------------------------


def test_help_lists_every_command():
    result = run_module("--help")
    assert result.returncode == 0, result.stderr
    assert "{prepare-demo,train,predict,serve}" in result.stdout
    for command in ("prepare-demo", "train", "predict", "serve"):
        assert f"\n    {command} " in result.stdout


def test_serve_runs_streamlit_on_the_app_with_the_same_flags(reviews_csv):
    from litcore.cli import build_parser, serve_command
    from litcore.session.startup import app_script

    args = build_parser().parse_args(
        ["serve", "--data", str(reviews_csv), "--text", "review", "--label",
         "sentiment", "--metadata", "year", "--model", "org/model", "--revision",
         "v1", "--port", "8600"]
    )  # fmt: skip
    command, env = serve_command(args, {"LUMEN_TEXT": "other", "HOME": "/home"})
    assert command == [
        sys.executable, "-m", "streamlit", "run", str(app_script()),
        "--server.port", "8600", "--",
        "--data", str(reviews_csv), "--text", "review", "--label", "sentiment",
        "--metadata", "year", "--model", "org/model", "--revision", "v1",
    ]  # fmt: skip
    assert env == {"LUMEN_TEXT": "other", "HOME": "/home"}
    public = build_parser().parse_args(["serve", "--public"])
    command, env = serve_command(public, {})
    assert command[-3:] == ["--server.port", "8501", "--"]
    assert env == {"LUMEN_PUBLIC": "1", "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "20"}
    _, env = serve_command(public, {"LUMEN_MAX_UPLOAD_MB": "5"})
    assert env["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"] == "5"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "http"], "argument --port: not a port number (1 to 65535)"),
        (["--port", "70000"], "not a port number"),
        (["--data", "/no/such.csv", "--text", "t", "--label", "l"], "File not found"),
        (["--text", "review"], "--text ($LUMEN_TEXT) needs --data ($LUMEN_DATA)"),
        (["--port", "8501", "--colour", "red"], "unrecognized arguments: --colour"),
    ],
)
def test_serve_refuses_bad_flags_before_starting(args, message, capsys, monkeypatch):
    from litcore import cli

    monkeypatch.setattr(cli.os, "execve", lambda *args: pytest.fail("started"))
    try:
        returned = cli.main(["serve", *args])
    except SystemExit as exit:  # argparse's own errors
        returned = exit.code
    assert returned == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert message in last


def test_pyproject_packages_every_litcore_package():
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(folder.relative_to(REPO).parts)
        for folder in (REPO / "litcore").rglob("*")
        if folder.is_dir() and any(folder.glob("*.py"))
    } | {"litcore"}
    assert on_disk <= listed
    assert listed - on_disk == {"litcore.app", "litcore.app.pages"}
    assert config["project"]["scripts"] == {"lumen-nlp": "litcore.cli:main"}


def test_an_installed_wheel_has_the_app_and_the_command(tmp_path):
    """``pip wheel`` then an install into a fresh venv (reusing this Python's
    packages): ``lumen-nlp --help`` runs and ``serve`` finds the wheel's app.py."""
    import zipfile

    from installed import build_wheel, install_in_venv

    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "litcore/app/app.py",
        "litcore/app/pages/overview.py",
        "litcore/app/.streamlit/config.toml",
        "litcore/generators/lexicons/negation.json",
    } <= names
    bin_folder = install_in_venv(wheel, tmp_path / "venv")
    elsewhere = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 120}
    helped = subprocess.run([bin_folder / "lumen-nlp", "--help"], **elsewhere)
    assert helped.returncode == 0 and "serve" in helped.stdout, helped.stderr
    script = "from litcore.session.startup import app_script; print(app_script())"
    found = subprocess.run([bin_folder / "python", "-c", script], **elsewhere)
    app = Path(found.stdout.strip())
    assert app.parent == tmp_path / "venv" / "lib" / (
        f"python3.{sys.version_info.minor}/site-packages/litcore/app"
    ), found.stderr
    assert (app.parent / "pages" / "overview.py").is_file()
