"""A seam under a socket's datagrams, where a simulated radio link delays or loses them.

The CoAP and DTLS layers above a socket stay untouched: :class:`ShapedTransport` stands in for the asyncio
datagram transport they write to, and the transports that read (:mod:`qlaterm.lwm2m.transport`'s UDP and
:class:`~qlaterm.lwm2m.dtls.DTLSTransport`) hand each received datagram to the same
:class:`DatagramShaper` before they decode it.  What a shaper does — deliver now, later, or never — is
the owner's business (the simulated module's radio, :mod:`qlaterm.sim.radiolink`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["DatagramShaper", "ShapedTransport"]


class DatagramShaper(Protocol):
    """Decides the fate of every datagram of one socket, in both directions."""

    def outgoing(self, send: Callable[[], None]) -> None:
        """A datagram is to be sent: call ``send`` now, later, or never."""
        ...

    def incoming(self, deliver: Callable[[], None]) -> None:
        """A datagram arrived: call ``deliver`` now, later, or never."""
        ...


class ShapedTransport(asyncio.DatagramTransport):
    """An asyncio datagram transport whose sends pass through a :class:`DatagramShaper` first.

    Everything but sending is the wrapped transport's; a datagram whose turn comes after the socket closed
    is dropped, as it would be on the wire.
    """

    def __init__(self, inner: asyncio.DatagramTransport, shaper: DatagramShaper) -> None:
        super().__init__()
        self.inner = inner
        self.shaper = shaper
        self._closed = False

    def sendto(self, data: bytes | bytearray | memoryview, addr: Any = None) -> None:
        payload = bytes(data)
        self.shaper.outgoing(lambda: self._send(lambda: self.inner.sendto(payload, addr)))

    def sendmsg(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        """The ``recvmsg``-style transport's send (aiocoap's udp6 sends with it)."""
        payload = bytes(data)
        self.shaper.outgoing(lambda: self._send(lambda: self.inner.sendmsg(payload, ancdata, flags, address)))  # type: ignore[attr-defined]  # aiocoap's recvmsg transport has sendmsg; asyncio's type does not

    def _send(self, send: Callable[[], None]) -> None:
        if not self.is_closing():
            send()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def is_closing(self) -> bool:
        if self._closed:
            return True
        try:
            return self.inner.is_closing()
        except NotImplementedError:  # aiocoap's recvmsg transport only knows it through close()
            return False

    def close(self) -> None:
        self._closed = True
        self.inner.close()

    def abort(self) -> None:
        self._closed = True
        self.inner.abort()

    def get_write_buffer_size(self) -> int:
        size: int = getattr(self.inner, "get_write_buffer_size", lambda: 0)()  # selector transports have it
        return size

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
