"""A big workspace's objects frozen out of the cyclic collector, once each."""

from __future__ import annotations

import gc
import weakref

import pytest

from litcore.session import collector


class Holder:
    """Stands for a workspace: weakly referable, unhashable like a dataclass."""

    __hash__ = None


@pytest.fixture(autouse=True)
def unfrozen():
    yield
    gc.unfreeze()


def test_a_new_big_workspace_freezes_what_is_alive_once():
    big, rows = Holder(), collector.FREEZE_FROM_ROWS
    before = gc.get_freeze_count()
    assert collector.freeze_after_new(big, rows)
    frozen = gc.get_freeze_count()
    assert frozen > before
    assert not collector.freeze_after_new(big, rows)  # the same one: nothing
    other = Holder()
    assert collector.freeze_after_new(other, rows)  # unfrozen, collected, again


def test_small_data_or_no_workspace_freezes_nothing():
    count = gc.get_freeze_count()
    assert not collector.freeze_after_new(Holder(), collector.FREEZE_FROM_ROWS - 1)
    assert not collector.freeze_after_new(None, 10**6)
    assert gc.get_freeze_count() == count


def test_cycles_frozen_with_an_old_workspace_are_collected_after_the_next():
    cycle = [Holder()]
    cycle.append(cycle)
    token = weakref.ref(cycle[0])
    assert collector.freeze_after_new(Holder(), collector.FREEZE_FROM_ROWS)
    del cycle  # garbage now, but frozen: the collector skips it
    gc.collect()
    assert token() is not None
    assert collector.freeze_after_new(Holder(), collector.FREEZE_FROM_ROWS)
    assert token() is None
