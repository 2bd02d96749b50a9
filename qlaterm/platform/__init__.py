"""The bundled LwM2M server: registration, bootstrap, device management, observations, profiles.

``from qlaterm.platform import Platform`` is the entry point; the names below load their module on first
use (PEP 562), so importing the package costs nothing and never loads aiocoap, Mbed TLS or textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlaterm.lazy import lazy_surface

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qlaterm.platform.bootstrap import BootstrapConfig
    from qlaterm.platform.model import (
        BootstrapFinished,
        BootstrapRequested,
        CoapRecord,
        Deregistered,
        Device,
        Event,
        Expired,
        Notification,
        ObservationEnded,
        OperationDone,
        PlatformError,
        ProfileError,
        Queued,
        Registered,
        RequestFailed,
        RequestTimeout,
        Result,
        SendReceived,
        Sent,
        UnknownDevice,
        Updated,
    )
    from qlaterm.platform.observation import Observation
    from qlaterm.platform.options import DEFAULT_PORT, PROFILE_NAMES
    from qlaterm.platform.profiles import Profile, get_profile
    from qlaterm.platform.server import Platform

_EXPORTS: dict[str, tuple[str, ...]] = {
    "bootstrap": ("BootstrapConfig",),
    "model": (
        "BootstrapFinished",
        "BootstrapRequested",
        "CoapRecord",
        "Deregistered",
        "Device",
        "Event",
        "Expired",
        "Notification",
        "ObservationEnded",
        "OperationDone",
        "PlatformError",
        "ProfileError",
        "Queued",
        "Registered",
        "RequestFailed",
        "RequestTimeout",
        "Result",
        "SendReceived",
        "Sent",
        "UnknownDevice",
        "Updated",
    ),
    "observation": ("Observation",),
    "options": ("DEFAULT_PORT", "PROFILE_NAMES"),
    "profiles": ("Profile", "get_profile"),
    "server": ("Platform",),
}

__all__ = [  # noqa: RUF022 - grouped by the module each name loads
    "BootstrapConfig",
    "BootstrapFinished",
    "BootstrapRequested",
    "CoapRecord",
    "Deregistered",
    "Device",
    "Event",
    "Expired",
    "Notification",
    "ObservationEnded",
    "OperationDone",
    "PlatformError",
    "ProfileError",
    "Queued",
    "Registered",
    "RequestFailed",
    "RequestTimeout",
    "Result",
    "SendReceived",
    "Sent",
    "UnknownDevice",
    "Updated",
    "Observation",
    "DEFAULT_PORT",
    "PROFILE_NAMES",
    "Profile",
    "get_profile",
    "Platform",
]


__getattr__, __dir__ = lazy_surface(__name__, _EXPORTS)
