"""Keeping Python's cyclic garbage collector off a big workspace's objects.

A full collection walks every container object alive. With a million rows
open the server holds about half a million of them, and a full collection
took 430 ms in the middle of a 70 ms Scalars rerun (py-spy, the 1M run).
Once per new big workspace, ``freeze_after_new`` collects what is garbage,
then moves every object alive into the collector's permanent generation
(``gc.freeze``), which later collections skip. Frozen objects are still freed
when nothing refers to them; the next new workspace unfreezes them first, so
cycles among them are collected then.
"""

from __future__ import annotations

import gc
import threading
import weakref

# Rows from which a new workspace freezes what is alive.
FREEZE_FROM_ROWS = 65_536
# id -> the workspaces frozen after (workspaces are unhashable dataclasses).
_frozen: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_lock = threading.Lock()


def freeze_after_new(workspace: object | None, rows: int) -> bool:
    """Collects and freezes once ``workspace`` (of ``rows`` rows, at least
    ``FREEZE_FROM_ROWS``) is new; returns whether it did."""
    if workspace is None or rows < FREEZE_FROM_ROWS:
        return False
    with _lock:
        if _frozen.get(id(workspace)) is workspace:
            return False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _frozen[id(workspace)] = workspace
    return True
