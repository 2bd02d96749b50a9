"""The emulated Quectel BC26: an AT interpreter in front of a real LwM2M client.

The names below load on first use (PEP 562), so ``import qlaterm.sim`` costs nothing until the module
is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qlaterm.sim.client.core import LwM2MClient
    from qlaterm.sim.module import BANNER, FIRMWARE, Module
    from qlaterm.sim.nvm import Nvm
    from qlaterm.sim.settings import CustomObjects, ServerConfig, Settings
    from qlaterm.sim.status import CmeError

__all__ = [
    "BANNER",
    "FIRMWARE",
    "CmeError",
    "CustomObjects",
    "LwM2MClient",
    "Module",
    "Nvm",
    "ServerConfig",
    "Settings",
]

_HOMES = {
    "BANNER": "qlaterm.sim.module",
    "FIRMWARE": "qlaterm.sim.module",
    "Module": "qlaterm.sim.module",
    "CmeError": "qlaterm.sim.status",
    "LwM2MClient": "qlaterm.sim.client.core",
    "Nvm": "qlaterm.sim.nvm",
    "CustomObjects": "qlaterm.sim.settings",
    "ServerConfig": "qlaterm.sim.settings",
    "Settings": "qlaterm.sim.settings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
