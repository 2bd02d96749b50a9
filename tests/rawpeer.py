"""A peer that puts exact bytes on the wire, over plain UDP or inside DTLS-PSK records, and reads what
comes back: for the malformed-datagram tests at the module's and the platform's ports.

``exchange`` sends a datagram followed by a CoAP ping, and returns what arrived before the ping's RST:
the target's whole reaction to the datagram (nothing, an RST, a response), without waiting for a
silence to last.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from qlaterm.lwm2m.dtls_session import DTLSOptions, DTLSSession, client_context

SAFETY = 10.0
"""Seconds that only guard against a hang; nothing waits for them to pass."""


class RawPeer(asyncio.DatagramProtocol):
    """One UDP socket; datagrams in arrive in ``replies``."""

    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None
        self.target: tuple[str, int] = ("127.0.0.1", 0)
        self._ping_mid = 0xC000

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received(data)

    def received(self, data: bytes) -> None:
        self.replies.put_nowait(data)

    def send(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(data, self.target)

    async def reply(self) -> bytes:
        return await asyncio.wait_for(self.replies.get(), SAFETY)

    async def exchange(self, data: bytes) -> list[bytes]:
        """Everything the target sent back to ``data``, in order."""
        self._ping_mid = 0xC000 + (self._ping_mid + 1) % 0x3000
        mid = self._ping_mid.to_bytes(2, "big")
        self.send(data)
        self.send(b"\x40\x00" + mid)
        answers = []
        while (answer := await self.reply()) != b"\x70\x00" + mid:
            answers.append(answer)
        return answers

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class RawDTLSPeer(RawPeer):
    """A DTLS-PSK client whose records carry exact bytes; ``replies`` holds the decrypted records."""

    def __init__(self, identity: str, key: bytes, options: DTLSOptions) -> None:
        super().__init__()
        self.session = DTLSSession(client_context(identity, key, options))
        self.open = asyncio.get_running_loop().create_future()
        self._ticker: asyncio.TimerHandle | None = None

    def datagram_received(self, data: bytes, addr: Any) -> None:
        progress = self.session.receive(data)
        self._sendto(progress.datagrams)
        if progress.established and not self.open.done():
            self.open.set_result(None)
        for record in progress.records:
            self.received(record)

    def handshake(self) -> None:
        self._sendto(self.session.start().datagrams)
        self._tick()

    def _tick(self) -> None:
        """Mbed TLS retransmits a lost flight only when asked after its timer ran out."""
        if self.session.handshaking:
            self._sendto(self.session.tick().datagrams)
            self._ticker = asyncio.get_running_loop().call_later(0.05, self._tick)

    def send(self, data: bytes) -> None:
        self._sendto(self.session.send(data))

    def _sendto(self, datagrams: list[bytes]) -> None:
        assert self.transport is not None
        for datagram in datagrams:
            self.transport.sendto(datagram, self.target)

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        super().close()


@asynccontextmanager
async def raw_peer(port: int) -> AsyncIterator[RawPeer]:
    """A plain UDP peer of 127.0.0.1:``port``."""
    loop = asyncio.get_running_loop()
    _, peer = await loop.create_datagram_endpoint(RawPeer, local_addr=("127.0.0.1", 0))
    peer.target = ("127.0.0.1", port)
    try:
        yield peer
    finally:
        peer.close()


@asynccontextmanager
async def raw_dtls_peer(port: int, identity: str, key: bytes) -> AsyncIterator[RawDTLSPeer]:
    """A DTLS-PSK peer of 127.0.0.1:``port``, its handshake done."""
    loop = asyncio.get_running_loop()
    options = DTLSOptions(handshake_timeout_min=0.2, handshake_timeout_max=2.0)
    _, peer = await loop.create_datagram_endpoint(
        lambda: RawDTLSPeer(identity, key, options), local_addr=("127.0.0.1", 0)
    )
    peer.target = ("127.0.0.1", port)
    try:
        peer.handshake()
        await asyncio.wait_for(peer.open, SAFETY)
        yield peer
    finally:
        peer.close()
