"""Links over the server's startup data (flags after ``--``, ``LUMEN_*`` variables).

Such a link names the data ``startup``, never its path or ``hf:`` spec, and
opens the same data, mapped the same way, on the same server: whoever starts
the server decides what ``startup`` is.
"""

from __future__ import annotations

import dataclasses
import os
import sys

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from litcore.api.errors import LumenError
from litcore.session.choice import SourceChoice
from litcore.session.startup import parse_startup, script_arguments

# How a link names the data the server was started with.
STARTUP_DATA = "startup"


def server_startup_choice() -> SourceChoice | None:
    """What the server was started with: flags after ``--``, or ``LUMEN_*``.

    Raises:
        StartupError: a bad flag or variable.
    """
    context = get_script_run_ctx()
    script = context.main_script_path if context else ""
    return parse_startup(script_arguments(script, sys.argv), os.environ)


def _data_of(choice: SourceChoice) -> tuple:
    """What identifies a choice's data: its source, mapping, delimiter, encoding."""
    return choice.data_source, choice.mapping, choice.delimiter, choice.encoding


def is_startup_data(choice: SourceChoice) -> bool:
    """Whether ``choice`` reads the server's startup data, mapped the same way."""
    if choice.data_source is None:
        return False
    try:
        startup = server_startup_choice()
    except LumenError:
        return False
    return startup is not None and _data_of(startup) == _data_of(choice)


def startup_data_choice(**models: str | None) -> SourceChoice:
    """The server's startup data with the models a link names (``model_source``,
    ``compare_source``, ``regression_source``, ``regression_gold``).

    Raises:
        LumenError: the server was started without data (or with a bad value).
    """
    startup = server_startup_choice()
    if startup is None or startup.data_source is None:
        raise LumenError(
            "This link was made on the data a server was started with, and this "
            "server was started without data; the demo is shown."
        )
    given = {name: value for name, value in models.items() if value is not None}
    chosen = dataclasses.replace(startup, **given)
    if chosen.model_source != startup.model_source:
        chosen = dataclasses.replace(chosen, revision=None)  # the startup model's
    return chosen
