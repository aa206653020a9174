"""What a server opens first: the flags after ``--`` and the ``LUMEN_*`` variables.

``streamlit run app.py -- --data reviews.tsv --text sentence --label label
--model ./my-model`` (or ``lumen-nlp serve`` with the same flags), and the same
settings in the environment (``LUMEN_DATA``, ``LUMEN_TEXT``, ...; for
containers, hosted apps and ``litcore.notebook``), become a ``SourceChoice``.
A flag wins over its variable. Every bad value raises ``StartupError`` with a
one-line reason.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import litcore
from litcore.api.errors import LumenError
from litcore.data.dataset import ColumnMapping
from litcore.data.loading import check_source, source_name
from litcore.session.choice import DEMO_MODEL, SourceChoice
from litcore.session.policy import PUBLIC_VARIABLE as PUBLIC_VARIABLE  # for the CLI
from litcore.session.policy import Policy
from litcore.store.run import read_manifest

# Each startup setting (its argparse dest) -> the variable that gives it too.
ENVIRONMENT = {
    "data": "LUMEN_DATA",
    "text": "LUMEN_TEXT",
    "text_b": "LUMEN_TEXT_B",
    "label": "LUMEN_LABEL",
    "metadata": "LUMEN_METADATA",
    "model": "LUMEN_MODEL",
    "revision": "LUMEN_REVISION",
    "run": "LUMEN_RUN",
}
# Each setting's metavar and help, for ``--help``.
_USAGE = {
    "data": (
        "PATH",
        "CSV, TSV, JSONL or Parquet file, a save_to_disk folder, or "
        "hf:NAME[:SPLIT][@REVISION] (a Hugging Face dataset)",
    ),
    "text": ("COL", "the data's text column"),
    "text_b": ("COL", "its second text column (sentence pairs)"),
    "label": ("COL", "its label column"),
    "metadata": ("A,B", "its metadata columns, comma-separated"),
    "model": (
        "PATH_OR_HUB_ID",
        "classifier folder or hub id (default: MiniLM fine-tuned on the data's labels)",
    ),
    "revision": ("REV", "the model's branch, tag or commit on the hub"),
    "run": (
        "RUN_DIR",
        "a run folder (lumen-nlp predict --out RUN_DIR): its data and stored "
        "predictions, its model loaded when a page needs it",
    ),
}


class StartupError(LumenError):
    """A startup flag or variable is wrong; the message says which and why."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises ``StartupError`` instead of exiting."""

    def error(self, message: str):
        raise StartupError(f"Startup flags: {message}.")


def flag(dest: str) -> str:
    """The command-line flag of a setting (``text_b`` -> ``--text-b``)."""
    return "--" + dest.replace("_", "-")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the startup flags (``--data``, ``--text``, ...) to ``parser``."""
    for dest, variable in ENVIRONMENT.items():
        metavar, about = _USAGE[dest]
        parser.add_argument(
            flag(dest), dest=dest, metavar=metavar, help=f"{about}; or ${variable}"
        )


def source_flags(settings: Mapping[str, str | None]) -> list[str]:
    """The startup flags that give ``settings`` (a dest -> value mapping; unset
    and empty values are left out)."""
    return [
        part
        for dest in ENVIRONMENT
        if settings.get(dest)
        for part in (flag(dest), str(settings[dest]))
    ]


def script_arguments(main_script: str | Path, argv: Sequence[str]) -> list[str]:
    """``argv[1:]`` when ``argv[0]`` is ``main_script`` (as under ``streamlit run
    main_script -- ...``), else none (a test runner's own arguments)."""
    if argv and Path(argv[0]).resolve() == Path(main_script).resolve():
        return list(argv[1:])
    return []


def app_script() -> Path:
    """The app's ``app.py``: inside the package in an installed wheel
    (``litcore/app/``), beside it in a checkout or an editable install."""
    package = Path(litcore.__file__).resolve().parent
    for script in (package / "app" / "app.py", package.parent / "app.py"):
        if script.is_file():
            return script
    raise LumenError(f"app.py not found in {package / 'app'} nor {package.parent}.")


def _settings(argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """Each setting given (stripped, non-empty): from ``argv``, else ``environ``."""
    parser = _Parser(prog="app.py", add_help=False, allow_abbrev=False)
    add_source_arguments(parser)
    flags = vars(parser.parse_args(list(argv)))
    settings = {}
    for dest, variable in ENVIRONMENT.items():
        value = (flags[dest] or "").strip() or environ.get(variable, "").strip()
        if value:
            settings[dest] = value
    return settings


def _named(dest: str) -> str:
    return f"{flag(dest)} (${ENVIRONMENT[dest]})"


def _check_model(model: str) -> None:
    """A model given as a path (``/``, ``.`` or ``~`` first) must be a folder."""
    if model.startswith(("/", ".", "~")) and not Path(model).expanduser().is_dir():
        raise StartupError(f"{_named('model')}: model folder not found: {model}.")


def parse_startup(
    argv: Sequence[str], environ: Mapping[str, str]
) -> SourceChoice | None:
    """The choice a session opens first, or None when nothing is set.

    With ``--data`` the data is that file, folder or ``hf:`` dataset, mapped by
    ``--text`` (needed), ``--text-b``, ``--label`` and ``--metadata``; with only
    ``--model``, the built-in demo data. Without ``--model``, MiniLM is
    fine-tuned on the data's labels.

    Args:
        argv: the app's arguments (what follows ``--`` in ``streamlit run``).
        environ: the environment (``os.environ``).

    Raises:
        StartupError: an unknown flag, a setting that needs another, a data
            file that is missing, unreadable or of an unknown type, a model
            folder that is missing, a bad public-mode variable
            (``litcore.session.policy``); the message is one line.
    """
    try:
        Policy.from_environ(environ)
    except LumenError as error:
        raise StartupError(str(error)) from error
    settings = _settings(argv, environ)
    if not settings:
        return None
    if "run" in settings:
        return _run_choice(settings)
    data, model = settings.get("data"), settings.get("model")
    column_settings = ("text", "text_b", "label", "metadata")
    if data is None:
        given = [dest for dest in column_settings if dest in settings]
        if given:
            raise StartupError(f"{_named(given[0])} needs {_named('data')}.")
    elif "text" not in settings:
        raise StartupError(
            f"{_named('data')} needs {_named('text')}: the name of its text column."
        )
    elif model is None and "label" not in settings:
        raise StartupError(
            f"{_named('data')} without {_named('model')} needs {_named('label')}, "
            "to fine-tune MiniLM on its labels."
        )
    if "revision" in settings and model is None:
        raise StartupError(f"{_named('revision')} needs {_named('model')}.")
    if model is not None:
        _check_model(model)
    if data is None:
        return SourceChoice(model_source=model, revision=settings.get("revision"))
    try:
        check_source(data)
    except LumenError as error:
        raise StartupError(f"{_named('data')}: {error}") from error
    metadata = settings.get("metadata", "").split(",")
    mapping = ColumnMapping(
        text=settings["text"],
        text_b=settings.get("text_b"),
        label=settings.get("label"),
        metadata=tuple(column.strip() for column in metadata if column.strip()),
    )
    return SourceChoice(
        demo_key=None,
        file_name=source_name(data),
        data_source=data,
        mapping=mapping,
        model_source=model or DEMO_MODEL,
        revision=settings.get("revision"),
    )


def run_choice(folder: str) -> SourceChoice:
    """The choice that opens the run in ``folder``: its data, and the model its
    manifest names.

    Raises:
        RunError: not a finished, valid run.
    """
    manifest = read_manifest(folder)
    return SourceChoice(
        demo_key=None,
        file_name=Path(folder).name,
        run_source=folder,
        model_source=manifest.model,
        revision=manifest.revision,
    )


def _run_choice(settings: Mapping[str, str]) -> SourceChoice:
    """``run_choice`` of ``settings["run"]``, alone.

    Raises:
        StartupError: another source setting beside it, or not a valid run.
    """
    others = [dest for dest in settings if dest != "run"]
    if others:
        raise StartupError(
            f"{_named('run')} opens the run's own data and model: leave out "
            f"{_named(others[0])}."
        )
    try:
        return run_choice(settings["run"])
    except LumenError as error:
        raise StartupError(f"{_named('run')}: {error}") from error


def process_arguments() -> list[str]:
    """The app's arguments when this process runs ``app.py`` (``streamlit run``
    puts the script first in ``sys.argv``), else none."""
    if sys.argv and Path(sys.argv[0]).name == "app.py":
        return script_arguments(sys.argv[0], sys.argv)
    return []


def server_policy(argv: Sequence[str], environ: Mapping[str, str]) -> Policy:
    """The environment's policy, trusting the deployer's startup model and data.

    Startup flags that do not parse trust nothing (the app shows their error).

    Raises:
        PolicyError: a bad public-mode variable.
    """
    policy = Policy.from_environ(environ)
    try:
        startup = parse_startup(argv, environ)
    except StartupError:
        return policy
    if startup is None:
        return policy
    data = tuple(s for s in (startup.data_source, startup.run_source) if s)
    return policy.trusting((startup.model_source,), data)
