"""Package surfaces that load on first use (PEP 562).

A package lists which of its modules holds each public name; ``import qlaterm.platform`` then costs
nothing, and ``qlaterm.platform.Platform`` imports ``qlaterm.platform.server`` the first time it is used::

    __getattr__, __dir__ = lazy_surface(__name__, {"server": ("Platform",), "options": ("DEFAULT_PORT",)})

Standard library only: every layer of the project may use it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_surface"]


def lazy_surface(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``exports`` maps a submodule (relative to the
    package) to the names it provides.  A name, once loaded, is kept in the package's namespace."""
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        try:
            module = home[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__
