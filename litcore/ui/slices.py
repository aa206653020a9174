"""Whose slices a session sees: the server's, or (public mode) its visitor's own.

On a public server each session gets a random slice scope on its first use,
so a visitor's slices are visible only to them; a link they share carries the
scope, and opening it copies those slices into the opener's own scope.
"""

from __future__ import annotations

import secrets

import streamlit as st

from litcore.session import policy
from litcore.view.slices import SliceStore

SLICE_SCOPE = "lumen_slice_scope"


def slice_scope() -> str | None:
    """This session's slice scope in public mode (made once), else None."""
    if not policy.active().public:
        return None
    if SLICE_SCOPE not in st.session_state:
        st.session_state[SLICE_SCOPE] = secrets.token_urlsafe(18)
    return st.session_state[SLICE_SCOPE]


def session_slices(data_fingerprint: str) -> SliceStore:
    """The slices of ``data_fingerprint`` this session sees and saves to."""
    return SliceStore(data_fingerprint, scope=slice_scope())


def adopt_shared_slices(data_fingerprint: str, shared_scope: str) -> int:
    """Copies the slices a shared link's scope holds into this session's own.

    Returns:
        How many slices were copied (0 outside public mode: slices are shared).
    """
    scope = slice_scope()
    if scope is None or scope == shared_scope:
        return 0
    shared = SliceStore(data_fingerprint, scope=shared_scope)
    return session_slices(data_fingerprint).adopt(shared)
