"""The contract every configurable component shares: salience methods, generators,
metrics.

As in LIT's components, a component declares its configuration (``config_spec``):
typed parameters with a default, bounds or options, a label and help. Here a
component is a frozen dataclass whose fields are built by ``param``, so the
constructor only stores its settings and the spec is read off the fields.
A ``Registry`` holds each kind's components by display name; its ``build`` is
the one way to make one, and ``check_config`` the one place settings are
validated.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from litcore.api.errors import LumenError

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Param:
    """One configuration parameter: its default and how it may be set.

    An ``int`` default takes whole numbers from ``low`` to ``high``; a ``float``
    default any number from ``low`` to ``high`` (a slider in ``step``s); a
    ``str`` default takes one of ``options``, or free text when there are none.

    Attributes:
        label: the widget's label.
        default: the value when none is given.
        help: one line for the widget's tooltip.
        low, high: bounds of a number (inclusive).
        options: the choices of a string parameter.
        step: a float parameter's slider step.
    """

    label: str
    default: int | float | str
    help: str = ""
    low: float | None = None
    high: float | None = None
    options: tuple[str, ...] = ()
    step: float | None = None

    def check(self, value: Any, owner: str) -> int | float | str:
        """``value`` as this parameter's type.

        Raises:
            LumenError: a value of the wrong type, out of bounds, or not offered.
        """
        where = f"{owner}: {self.label}"
        if isinstance(self.default, int | float):
            whole = isinstance(self.default, int)
            kind, noun = (
                (numbers.Integral, "a whole number")
                if whole
                else (numbers.Real, "a number")
            )
            if isinstance(value, bool) or not isinstance(value, kind):
                raise LumenError(f"{where} must be {noun}, not {value!r}.")
            if not self.low <= value <= self.high:
                raise LumenError(
                    f"{where} must be between {self.low} and {self.high}, not {value}."
                )
            return int(value) if whole else float(value)
        if not isinstance(value, str):
            raise LumenError(f"{where} must be text, not {value!r}.")
        if self.options and value not in self.options:
            raise LumenError(f"{where} must be one of {self.options}, not {value!r}.")
        return value


def param(
    label: str,
    default: int | float | str,
    help: str = "",
    *,
    low: float | None = None,
    high: float | None = None,
    options: tuple[str, ...] = (),
    step: float | None = None,
) -> Any:
    """A dataclass field whose metadata declares it as a ``Param``."""
    spec = Param(label, default, help, low, high, options, step)
    return dataclasses.field(default=default, metadata={"param": spec})


def seed_param(help: str = "Same seed, same result.") -> Any:
    """The ``seed`` field of a component that draws at random."""
    return param("Seed", 0, help, low=0, high=MAX_SEED)


@dataclass(frozen=True)
class Component:
    """Base of registered components; subclasses are frozen dataclasses.

    Class attributes:
        name: display name (the registry key).
    """

    name: ClassVar[str]

    @classmethod
    def config_spec(cls) -> dict[str, Param]:
        """The configuration parameters by field name, in declaration order."""
        return {
            field.name: field.metadata["param"]
            for field in dataclasses.fields(cls)
            if "param" in field.metadata
        }

    def config(self) -> tuple[tuple[str, Any], ...]:
        """The configuration as a hashable tuple (for cache keys)."""
        return tuple((name, getattr(self, name)) for name in self.config_spec())

    def validate(self) -> None:
        """Checks every setting against the spec (a component built directly).

        Raises:
            LumenError: see ``check_config``.
        """
        check_config(type(self), dict(self.config()))


ComponentT = TypeVar("ComponentT", bound=Component)


def check_config(
    component: type[Component], config: Mapping[str, Any]
) -> dict[str, int | float | str]:
    """``config`` checked against ``component``'s spec, values as their types.

    Raises:
        LumenError: an unknown name, a wrong type, a number out of bounds or a
            choice not offered.
    """
    spec = component.config_spec()
    unknown = sorted(set(config) - set(spec))
    if unknown:
        known = ", ".join(spec) or "no settings"
        raise LumenError(
            f"Bad settings for {component.name}: no setting "
            f"{', '.join(repr(name) for name in unknown)} (it has {known})."
        )
    return {
        name: spec[name].check(value, component.name) for name, value in config.items()
    }


class Registry(dict[str, type[ComponentT]]):
    """Components of one kind by display name, in the order given.

    Args:
        kind: what it holds, for messages ("salience method").
        components: the component classes (each keyed by its ``name``).
    """

    def __init__(self, kind: str, components: Iterable[type[ComponentT]]) -> None:
        super().__init__((component.name, component) for component in components)
        self.kind = kind

    def build(self, name: str, config: Mapping[str, Any] | None = None) -> ComponentT:
        """The component registered as ``name``, configured with ``config``
        (settings by field name; missing ones take their defaults).

        Raises:
            LumenError: an unknown name, or a setting ``check_config`` refuses.
        """
        if name not in self:
            raise LumenError(
                f"Unknown {self.kind} '{name}': use one of {', '.join(self)}."
            )
        component = self[name]
        return component(**check_config(component, config or {}))
