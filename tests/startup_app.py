"""app.py as a server started with startup flags or ``LUMEN_*`` variables
opens it: the variables set for one test, then a session's first run (AppTest).

Shared by the startup, startup-link and run-format tests (a helper module, not
conftest: there are two conftests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def reviews_tsv(path: Path, rows: Sequence[tuple[str, str]], **constants) -> Path:
    """``rows`` of (text, label) saved at ``path`` as a TSV with the columns
    ``sentence`` and ``gold``, plus a column per keyword with that value."""
    frame = pd.DataFrame(rows, columns=["sentence", "gold"]).assign(**constants)
    frame.to_csv(path, sep="\t", index=False)
    return path


def started_app(
    monkeypatch: pytest.MonkeyPatch,
    variables: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> AppTest:
    """app.py after a session's first run, under ``variables`` (set for this test
    only) and opened with ``query`` as its link's parameters; the run raised
    nothing."""
    for name, value in (variables or {}).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at
