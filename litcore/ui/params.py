"""Widgets for a component's configuration, drawn from its ``config_spec``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from litcore.api.components import Component, Param


def param_widgets(
    spec: Mapping[str, Param],
    key_prefix: str,
    labels: Mapping[str, str] | None = None,
) -> dict[str, int | float | str]:
    """One widget per parameter (keyed ``{key_prefix}_{name}``); their values.

    A choice is a select box, a whole number a number input within its bounds,
    a float a slider, free text a text area.

    Args:
        labels: a label for some parameters by name, in place of ``Param.label``
            (one that names the data, e.g. the positive class).
    """
    values: dict[str, int | float | str] = {}
    for name, param in spec.items():
        key = f"{key_prefix}_{name}"
        label = (labels or {}).get(name, param.label)
        if param.options:
            values[name] = st.selectbox(
                label,
                param.options,
                index=param.options.index(param.default),
                key=key,
                help=param.help,
            )
        elif isinstance(param.default, float):
            values[name] = float(
                st.slider(
                    label,
                    param.low,
                    param.high,
                    param.default,
                    step=param.step,
                    key=key,
                    help=param.help,
                )
            )
        elif isinstance(param.default, int):
            values[name] = int(
                st.number_input(
                    label,
                    min_value=param.low,
                    max_value=param.high,
                    value=param.default,
                    step=1,
                    key=key,
                    help=param.help,
                )
            )
        else:
            values[name] = st.text_area(label, param.default, key=key, help=param.help)
    return values


def settings_columns(
    components: Mapping[str, type[Component]],
    key_prefix: Callable[[str], str],
    none_note: str,
) -> dict[str, dict[str, int | float | str]]:
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
