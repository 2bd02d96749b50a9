"""Public data types of the simulated module's LwM2M client, and the one mapping of CoAP results to the
status codes the module prints (source table 6).

Kept apart from :mod:`qlaterm.sim.client.core` so that the AT side can import the vocabulary (targets, requests,
status codes) without the CoAP machinery; ``qlaterm.sim.client.core`` re-exports all of it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum
from typing import Literal, Protocol

from aiocoap.numbers.codes import BAD_REQUEST, FORBIDDEN, NOT_FOUND, PRECONDITION_FAILED, Code

from qlaterm.at.codes import StatusCode
from qlaterm.lwm2m.formats import Scalar
from qlaterm.lwm2m.transport import RetransmitTuning

Op = Literal["read", "write", "execute", "observe", "cancel"]



@dataclass
class ServerTarget:
    """Where to register: what AT+QLACONFIG configured (host already resolved to an IP address), or
    what a bootstrap server assigned."""

    host: str
    port: int
    endpoint: str
    lifetime: int
    binding: str  # "U" or "UQ"
    security_mode: int = 3
    psk_id: str | None = None
    psk: bytes | None = None
    bootstrap: bool = False
    dtls_mode: int = 0  # AT+QLACFG="dtls_mode": 1 resumes the DTLS session after deep sleep
    dtls_version: int = 2  # AT+QLACFG="dtls_version": 0 DTLS 1.0, 1 DTLS 1.2, 2 negotiate
    short_server_id: int = 1
    security_instance: int = 0  # the Security and Server instances a bootstrap server wrote (/0/x, /1/x)
    server_instance: int = 0


@dataclass
class Retransmit:
    """AT+QLACFG="retransmit": a CON is sent at most ``1 + max_retransmit`` times and the wait after the
    n-th transmission is ``ack_timeout * 2**(n-1)`` seconds, with no random factor. Floats are accepted
    so tests can run the schedule fast."""

    ack_timeout: float = 2.0
    max_retransmit: int = 5

    def tuning(self, reliability: bool | None = True) -> RetransmitTuning:
        """aiocoap transport tuning for one message (True CON, False NON, None as the request)."""
        return RetransmitTuning(self.ack_timeout, self.max_retransmit, reliability)


@dataclass
class ServerRequest:
    """A server request on a custom object, waiting for the terminal's answer (a URC on the AT side)."""

    mid: int
    op: Op
    path: tuple[int, ...]  # (o,), (o, i) or (o, i, r)
    accept: int | None
    content_format: int | None
    payload: bytes
    values: dict[tuple[int, ...], Scalar]  # decoded Write values: text → str, TLV/opaque → bytes, JSON typed
    uri_query: str | None
    token: bytes


class ClientHandler(Protocol):
    """What the client tells the module; every method is called from the event loop and must not block."""

    def on_request(self, request: ServerRequest) -> bool:
        """A request on a custom object arrived. False refuses it (URC buffer full): 5.03 goes out at once."""
        ...

    def on_request_expired(self, mid: int) -> None:
        """A pending request is gone unanswered: it got 5.03 after the request timeout, or the exchange
        ended underneath (socket closed for deep sleep, client closed)."""
        ...

    def on_server_write(self, path: tuple[int, int, int], value: Scalar, bootstrap: bool) -> None:
        """The server (or the bootstrap server) wrote /1/x/1 lifetime (int) or /1/x/7 binding (str)."""
        ...

    def on_server_changed(self, lifetime: int | None, binding: str | None) -> None:
        """A server Write (not the bootstrap's) changed the lifetime and/or the binding of the registration
        (already answered 2.04 and reported through :meth:`on_server_write`): an Update with the new
        ``lt`` / ``b`` is due."""
        ...

    def on_builtin_execute(self, path: tuple[int, int, int]) -> None:
        """/3/0/4 reboot or /3/0/5 factory reset was executed (already answered 2.04)."""
        ...

    def on_bootstrap_finished(self) -> None:
        """Bootstrap-Finish arrived (already answered 2.04)."""
        ...

    def on_notify_reset(self, mid: int) -> None:
        """A NON notification was answered with RST: the observation has ended."""
        ...

    def on_registration_lost(self) -> None:
        """An Update the client sent by itself (the server's /1/0/8 trigger) failed: not registered any more."""
        ...


@dataclass
class Exchange:
    """One message the client originated: its message ID and, once known, its status code."""

    mid: int
    result: asyncio.Future[int]


@dataclass
class Held:
    """A notification the terminal sent before the observation's pmin had passed: it leaves at pmin, and
    ``sent`` then gives its :class:`Exchange`, or None when it never leaves (a later notification of the
    same observation replaced it, or the observation ended first)."""

    sent: asyncio.Future[Exchange | None]


class Outcome(Enum):
    """How an outgoing message ended when no response code tells."""

    ACKED = "acked"
    TIMEOUT = "timeout"
    RESET = "reset"
    NOT_SENT = "not sent"


def status_code(result: Code | Outcome) -> StatusCode:
    """Status code (source table 6) for a response code or a transmission outcome.

    2.xx → 0, 4.00 → 10, 4.03 → 13, 4.04 → 14, 4.12 → 22, any other 4.xx/5.xx → 10; no answer after all
    retransmissions → 1, not sent → 2, RST → 9, a plain ACK (notification) → 0.
    """
    if isinstance(result, Outcome):
        return {
            Outcome.ACKED: StatusCode.SUCCESS,
            Outcome.TIMEOUT: StatusCode.TIMEOUT,
            Outcome.RESET: StatusCode.RESET,
            Outcome.NOT_SENT: StatusCode.NOT_SENT,
        }[result]
    if result.is_successful():
        return StatusCode.SUCCESS
    return {
        BAD_REQUEST: StatusCode.BAD_REQUEST,
        FORBIDDEN: StatusCode.FORBIDDEN,
        NOT_FOUND: StatusCode.NOT_FOUND,
        PRECONDITION_FAILED: StatusCode.PRECONDITION_FAILED,
    }.get(result, StatusCode.BAD_REQUEST)
