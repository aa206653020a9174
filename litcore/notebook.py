"""Lumen from a notebook: start the app on a local port and show it inline.

``show(data=frame, model=folder, text="sentence", label="label")`` starts
``streamlit run app.py`` in a background process, passes the choice in the
``LUMEN_*`` environment variables the app reads at startup, waits until the
server answers and returns a ``LumenApp``: Jupyter renders it as an IFrame,
elsewhere it prints its URL. ``stop()`` (also on exit, or at the end of a
``with`` block) ends the server and removes its temporary files. The server
runs in its own process group (POSIX: Linux, macOS).

No Streamlit import here: the app runs in its own process.
"""

from __future__ import annotations

import atexit
import html
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from litcore.api.errors import DataError, LumenError, ModelError
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.data.hf import HF_PREFIX, is_hf_spec
from litcore.data.loading import check_source
from litcore.session.startup import ENVIRONMENT, app_script, parse_startup

HOST = "127.0.0.1"
LOG_LINES_SHOWN = 20  # of the server's output, in the error when it fails to start


class LumenApp:
    """A running Lumen server: ``url``, ``stop()``, an IFrame in Jupyter.

    Attributes:
        process: the ``streamlit run`` process (leader of its process group).
        port: the loopback port it serves on.
        height: the IFrame's height in pixels.
    """

    def __init__(
        self, process: subprocess.Popen, port: int, temp_folder: Path, height: int
    ) -> None:
        self.process = process
        self.port = port
        self.height = height
        self._temp_folder = temp_folder
        atexit.register(self.stop)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def log_file(self) -> Path:
        """The server's stdout and stderr (removed by ``stop``)."""
        return self._temp_folder / "server.log"

    def log_tail(self, lines: int = LOG_LINES_SHOWN) -> str:
        """The last ``lines`` lines the server printed."""
        if not self.log_file.is_file():
            return ""
        text = self.log_file.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Ends the server's process group and removes the temporary files."""
        if self.running:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self._temp_folder, ignore_errors=True)
        atexit.unregister(self.stop)

    def __enter__(self) -> LumenApp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _repr_html_(self) -> str:
        """The app in an IFrame, with a link to open it in a tab of its own."""
        url = html.escape(self.url, quote=True)
        link = f'<a href="{url}" target="_blank">{url}</a>'
        if not self.running:
            return f"<p>Lumen at {link} has stopped.</p>"
        return (
            f'<iframe src="{url}" width="100%" height="{int(self.height)}" '
            'style="border: 1px solid #ddd;" title="Lumen"></iframe>'
            f"<p>Lumen is running at {link}.</p>"
        )

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"LumenApp(url={self.url!r}, {state})"


def show(
    *,
    data: pd.DataFrame | str | os.PathLike,
    model: Any = None,
    text: str,
    label: str | None = None,
    text_b: str | None = None,
    metadata: Sequence[str] = (),
    revision: str | None = None,
    port: int | None = None,
    height: int = 800,
    timeout: float = 120.0,
) -> LumenApp:
    """Starts Lumen on ``data`` and ``model`` and returns the running app.

    Args:
        data: a DataFrame (its mapped columns written to a temporary Parquet
            file), a CSV, TSV, JSONL or Parquet file, a ``save_to_disk``
            folder, or a Hugging Face dataset ``hf:NAME[:SPLIT][@REVISION]``.
        model: a classifier folder, a hub id, a loaded
            ``litcore.models.classifier.SequenceClassifier``, or a transformers
            ``(model, tokenizer)`` pair (saved to a temporary folder); None
            fine-tunes MiniLM on the data's labels.
        text: the text column; ``text_b`` the optional second text column.
        label: the gold label column (needed when ``model`` is None).
        metadata: more columns to slice and colour by.
        revision: the model's branch, tag or commit on the hub.
        port: the loopback port; a free one when None.
        height: the IFrame's height in pixels.
        timeout: seconds to wait for the server to answer.

    Raises:
        LumenError: a bad argument (nothing is started), or a server that
            stopped or did not answer in time (its last output in the message).
    """
    mapping = _checked_mapping(text, label, text_b, metadata)
    checked_data = _checked_data(data, mapping)
    checked_model = _checked_model(model)
    port = _checked_port(port)
    script = app_script()
    temp_folder = Path(tempfile.mkdtemp(prefix="lumen-notebook-"))
    try:
        settings = {
            "data": _data_location(checked_data, mapping, temp_folder),
            "text": text,
            "text_b": text_b,
            "label": label,
            "metadata": ",".join(mapping.metadata),
            "model": _model_location(checked_model, temp_folder),
            "revision": revision,
        }
        environment = _server_environment(settings)
        parse_startup([], environment)  # the app's own checks, before it starts
        app = _start(script, port, environment, temp_folder, height)
    except BaseException:
        shutil.rmtree(temp_folder, ignore_errors=True)
        raise
    try:
        _wait_until_healthy(app, timeout)
    except BaseException:
        app.stop()
        raise
    return app


# --- checking the arguments (nothing is written or started) ---------------------


def _checked_mapping(
    text: str, label: str | None, text_b: str | None, metadata: Sequence[str]
) -> ColumnMapping:
    """The column mapping; a name the app's variables cannot carry raises."""
    metadata = (metadata,) if isinstance(metadata, str) else tuple(metadata)
    if not isinstance(text, str) or not text:
        raise DataError(f"text must name the text column, not {text!r}.")
    for column in (label, text_b, *metadata):
        if column is not None and (not isinstance(column, str) or "," in column):
            raise DataError(
                f"Column {column!r} cannot be passed to the app: give column "
                "names as strings without commas."
            )
    return ColumnMapping(text=text, label=label, text_b=text_b, metadata=metadata)


def _checked_data(
    data: pd.DataFrame | str | os.PathLike, mapping: ColumnMapping
) -> pd.DataFrame | str:
    """The frame (its columns checked) or the data's location for the app."""
    if isinstance(data, pd.DataFrame):
        from_frame(data, mapping)  # the sidebar's checks and messages
        return data
    if not isinstance(data, str | os.PathLike):
        raise DataError(
            f"data is a {type(data).__name__}: pass a pandas DataFrame, a file "
            f"path, or a Hugging Face dataset spec ('{HF_PREFIX}NAME:SPLIT')."
        )
    if isinstance(data, str) and is_hf_spec(data):
        source = data
    else:  # absolute: the server runs in the app's folder
        source = str(Path(data).expanduser().resolve())
    check_source(source)
    return source


def _checked_model(model: Any) -> str | tuple[Any, Any] | None:
    """The model's folder or hub id, or a (model, tokenizer) pair to save."""
    if model is None:
        return None  # MiniLM fine-tuned on the data
    if isinstance(model, os.PathLike) or (
        isinstance(model, str) and _looks_like_a_path(model)
    ):
        folder = Path(model).expanduser().resolve()
        if not folder.is_dir():
            raise ModelError(f"No model folder at {folder}. Check the path.")
        return str(folder)
    if isinstance(model, str):
        return model  # a hub id
    # Only an imported module's class can have made ``model``: no torch import here.
    classifier_module = sys.modules.get("litcore.models.classifier")
    deferred_module = sys.modules.get("litcore.models.deferred")
    if deferred_module and isinstance(model, deferred_module.DeferredClassifier):
        return str(Path(model.source).resolve())  # always a local folder
    if classifier_module and isinstance(model, classifier_module.SequenceClassifier):
        if Path(model.source).is_dir():
            return str(Path(model.source).resolve())
        return (model.model, model.tokenizer)
    if isinstance(model, tuple) and len(model) == 2:
        if all(hasattr(part, "save_pretrained") for part in model):
            return model
    if hasattr(model, "save_pretrained"):
        raise ModelError(
            "A transformers model needs its tokenizer: pass model=(model, tokenizer)."
        )
    raise ModelError(
        f"model is a {type(model).__name__}: pass a classifier folder, a hub id, "
        "a SequenceClassifier, or a transformers (model, tokenizer) pair."
    )


def _looks_like_a_path(name: str) -> bool:
    """Whether ``name`` is a folder path rather than a hub id (``org/name``)."""
    return (
        Path(name).expanduser().exists()
        or name.startswith((".", "~", "/"))
        or name.count("/") > 1
        or "\\" in name
    )


def _checked_port(port: int | None) -> int:
    """``port``, or a free one; a port in use raises."""
    if port is None:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            return probe.getsockname()[1]
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise LumenError(f"port must be a number from 1 to 65535, not {port!r}.")
    if not port_is_free(port):
        raise LumenError(
            f"Port {port} is in use on {HOST}. Pick another port, or leave port "
            "out to use a free one."
        )
    return port


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``HOST:port`` now (as Streamlit binds)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


# --- writing what the app reads, starting and waiting -----------------------------


def _data_location(
    data: pd.DataFrame | str, mapping: ColumnMapping, folder: Path
) -> str:
    """Where the app finds the data: a frame's columns go to a Parquet file."""
    if isinstance(data, str):
        return data
    path = folder / "data.parquet"
    try:
        data[mapping.used_columns()].to_parquet(path, index=False)
    except (TypeError, ValueError, ImportError) as error:  # pyarrow's errors
        raise DataError(
            f"The DataFrame could not be saved for the app: {error}. Convert "
            "mixed-type columns first (for example with .astype(str))."
        ) from error
    return str(path)


def _model_location(model: str | tuple[Any, Any] | None, folder: Path) -> str | None:
    """Where the app finds the model: an in-memory pair is saved to a folder."""
    if model is None or isinstance(model, str):
        return model
    model_folder = folder / "model"
    for part in model:
        part.save_pretrained(model_folder)
    return str(model_folder)


def server_command(script: Path, port: int) -> list[str]:
    """The command that serves ``script`` on ``HOST:port``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        HOST,
        "--browser.gatherUsageStats",
        "false",
    ]


def _server_environment(settings: dict[str, str | None]) -> dict[str, str]:
    """This process's environment with the startup variables of ``settings``
    (a setting -> value mapping) in place of any the user's shell set."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ENVIRONMENT.values()
    }
    environment.update(
        {ENVIRONMENT[dest]: value for dest, value in settings.items() if value}
    )
    return environment


def _start(
    script: Path,
    port: int,
    environment: dict[str, str],
    temp_folder: Path,
    height: int,
) -> LumenApp:
    """Starts the server in its own process group, its output in a log file."""
    with open(temp_folder / "server.log", "wb") as log:
        process = subprocess.Popen(
            server_command(script, port),
            cwd=script.parent,  # where .streamlit/config.toml and pages/ are
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return LumenApp(process, port, temp_folder, height)


def _wait_until_healthy(app: LumenApp, timeout: float) -> None:
    """Waits until ``/_stcore/health`` answers ok.

    Raises:
        LumenError: the server stopped, or did not answer within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not app.running:
            raise LumenError(
                f"The Lumen server stopped (exit code {app.process.returncode}) "
                f"before it answered. Its last output:\n{app.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:  # not listening yet
            pass
        time.sleep(0.25)
    raise LumenError(
        f"The Lumen server did not answer at {app.url} within {timeout:.0f} s. "
        f"Its last output:\n{app.log_tail()}"
    )


def _signal_group(process: subprocess.Popen, signal_number: int) -> None:
    """Sends a signal to the process's group (the server and anything it started)."""
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:  # already gone
        pass
