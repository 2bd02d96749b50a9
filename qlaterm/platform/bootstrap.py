"""The Bootstrap interface, server side: what to write to a device, and the exchange that does it.

After answering `POST /bs?ep=` with 2.04 the platform (acting as bootstrap server) writes the
Security object instance /0/0 and the Server object instance /1/0, then sends Bootstrap-Finish.
The list of writes is data (a `BootstrapPlan`) so that a profile can change it.

Each write is a complete instance: every mandatory resource of Security (server URI, bootstrap flag,
security mode, PSK identity and key for DTLS, short server ID) and of Server (short server ID,
lifetime, default minimum and maximum period, notification storing, binding).  A client that keeps
only what it was written (as C clients do) must not end up with lifetime 0 and register again without
pause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECURITY_NOSEC = 3
SECURITY_PSK = 0


@dataclass
class BootstrapConfig:
    """What the bootstrap server tells a device about the LwM2M server it should register with.

    `server_uri` defaults to this platform: coap://host:port without security, or
    coaps://host:port+1 (the DTLS-PSK port) with security mode 0.
    """

    security_mode: int = SECURITY_NOSEC
    psk_identity: str | None = None
    psk_key: bytes | None = None
    short_server_id: int = 1
    lifetime: int = 300
    binding: str = "U"
    server_uri: str | None = None
    default_pmin: int = 1
    default_pmax: int = 60
    notification_storing: bool = True

    def __post_init__(self) -> None:
        if self.security_mode not in (SECURITY_NOSEC, SECURITY_PSK):
            raise ValueError("security_mode must be 3 (NoSec) or 0 (PSK)")
        if self.security_mode == SECURITY_PSK and (not self.psk_identity or self.psk_key is None):
            raise ValueError("PSK security needs psk_identity and psk_key")
        if self.lifetime <= 0:
            raise ValueError("lifetime must be positive")
        if not 0 <= self.default_pmin <= self.default_pmax:
            raise ValueError("default pmin and pmax must satisfy 0 <= pmin <= pmax")

    def uri_for(self, host: str, port: int) -> str:
        """The LwM2M server URI to write into /0/0/0."""
        if self.server_uri:
            return self.server_uri
        shown = f"[{host}]" if ":" in host else host
        if self.security_mode == SECURITY_PSK:
            return f"coaps://{shown}:{port + 1}"
        return f"coap://{shown}:{port}"


@dataclass(frozen=True)
class BootstrapStep:
    """One Bootstrap-Write (PUT with TLV) or Bootstrap-Delete (DELETE) of the plan."""

    operation: str  # "write" or "delete"
    path: tuple[int, ...]
    values: dict[int, Any] = field(default_factory=dict)  # resource id -> value, for writes


BootstrapPlan = list[BootstrapStep]


def security_values(config: BootstrapConfig, server_uri: str) -> dict[int, Any]:
    """Resources of the Security object instance for the LwM2M server (not a bootstrap server)."""
    values: dict[int, Any] = {
        0: server_uri,
        1: False,  # Bootstrap-Server flag
        2: config.security_mode,
    }
    if config.security_mode == SECURITY_PSK:
        values[3] = (config.psk_identity or "").encode("utf-8")
        values[5] = bytes(config.psk_key or b"")
    values[10] = config.short_server_id
    return values


def server_values(config: BootstrapConfig) -> dict[int, Any]:
    """Resources of the Server object instance: every mandatory one."""
    return {
        0: config.short_server_id,
        1: config.lifetime,
        2: config.default_pmin,
        3: config.default_pmax,
        6: config.notification_storing,
        7: config.binding,
    }


def default_plan(config: BootstrapConfig, server_uri: str) -> BootstrapPlan:
    """Write /0/0 then /1/0: the minimum a BC26 needs to register with the assigned server."""
    return [
        BootstrapStep("write", (0, 0), security_values(config, server_uri)),
        BootstrapStep("write", (1, 0), server_values(config)),
    ]
