"""Widgets for a component's configuration, drawn from its ``config_spec``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from litcore.api.components import Component, Param


def param_widgets(spec: Mapping[str, Param], key_prefix: str) -> dict[str, int | str]:
    """One widget per parameter (keyed ``{key_prefix}_{name}``); their values.

    A choice is a select box, a whole number a number input within its bounds,
    free text a text area.
    """
    values: dict[str, int | str] = {}
    for name, param in spec.items():
        key = f"{key_prefix}_{name}"
        if param.options:
            values[name] = st.selectbox(
                param.label,
                param.options,
                index=param.options.index(param.default),
                key=key,
                help=param.help,
            )
        elif isinstance(param.default, int):
            values[name] = int(
                st.number_input(
                    param.label,
                    min_value=param.low,
                    max_value=param.high,
                    value=param.default,
                    step=1,
                    key=key,
                    help=param.help,
                )
            )
        else:
            values[name] = st.text_area(
                param.label, param.default, key=key, help=param.help
            )
    return values


def settings_columns(
    components: Mapping[str, type[Component]],
    key_prefix: Callable[[str], str],
    none_note: str,
) -> dict[str, dict[str, int | str]]:
    """Side by side, a heading and ``param_widgets`` per component with settings.

    Args:
        components: component classes by display name.
        key_prefix: the widget key prefix of a component, from its name.
        none_note: the caption shown when no component has settings.

    Returns:
        Each component's chosen settings, by display name.
    """
    with_settings = {n: c for n, c in components.items() if c.config_spec()}
    if not with_settings:
        st.caption(none_note)
    configs = {}
    columns = st.columns(max(1, len(with_settings)))
    for column, (name, component) in zip(columns, with_settings.items()):
        with column:
            st.markdown(f"**{name}**")
            configs[name] = param_widgets(component.config_spec(), key_prefix(name))
    return configs
