"""The emulated Quectel BC26: an AT interpreter in front of a real LwM2M client.

The names below load on first use (PEP 562), so ``import qlaterm.sim`` costs nothing until the module
is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlaterm.lazy import lazy_surface

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

_EXPORTS = {
    "module": ("BANNER", "FIRMWARE", "Module"),
    "status": ("CmeError",),
    "client.core": ("LwM2MClient",),
    "nvm": ("Nvm",),
    "settings": ("CustomObjects", "ServerConfig", "Settings"),
}


__getattr__, __dir__ = lazy_surface(__name__, _EXPORTS)
