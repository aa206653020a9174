"""Nothing proportional to the data is computed again on a rerun that changes
nothing: a dataset's fingerprint is computed once."""

import hashlib
import pickle
from types import SimpleNamespace

import pandas as pd
import pytest

from litcore.data import dataset as dataset_module
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.ui import state


@pytest.fixture
def hashed(monkeypatch) -> list[bytes]:
    """What ``litcore.data.dataset`` hashes from now on."""
    inputs: list[bytes] = []

    def sha1(data: bytes):
        inputs.append(data)
        return hashlib.sha1(data)

    monkeypatch.setattr(dataset_module, "hashlib", SimpleNamespace(sha1=sha1))
    return inputs


def test_a_datasets_fingerprint_is_computed_once(hashed):
    frame = pd.DataFrame({"t": ["a b", "c d", "e"], "l": ["x", "y", "x"]})
    data = from_frame(frame, ColumnMapping(text="t", label="l"), name="n")
    hashed.clear()  # the ids' hashes
    first = data.fingerprint
    assert [data.fingerprint, data.fingerprint] == [first, first]
    assert len(hashed) == 1
    assert pickle.loads(pickle.dumps(data)).fingerprint == first  # a cached copy
    assert len(hashed) == 1
    again = from_frame(frame, ColumnMapping(text="t", label="l"), name="n")
    hashed.clear()
    assert again.fingerprint == first and len(hashed) == 1


def test_a_rerun_hashes_no_data(app, hashed):
    app.switch_page("pages/table.py").run()
    app.run()
    assert not app.exception, app.exception
    assert len(app.session_state[state.WORKSPACE].frame) == 2000
    assert hashed == []
