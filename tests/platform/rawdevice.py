"""A LwM2M device made of a raw UDP socket: it registers with the platform, and each request the platform
sends it is handed to the test as decoded, to be answered with exactly the options the test chooses."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import ACK, CON

from tests.rawpeer import RawPeer, raw_peer


class RawDevice:
    """``peer`` speaking as endpoint ``endpoint``; ``location`` is set by :meth:`register`."""

    def __init__(self, peer: RawPeer, endpoint: str) -> None:
        self.peer = peer
        self.endpoint = endpoint
        self.location: tuple[str, ...] = ()
        self._mids = itertools.count(0x2000)

    def send(self, message: Message, mtype: object = CON, token: bytes = b"\x5a") -> int:
        """Put ``message`` on the wire with a fresh message ID; returns that ID."""
        mid = next(self._mids)
        message.mtype, message.mid, message.token = mtype, mid, token
        self.peer.send(bytes(message.encode()))
        return mid

    async def receive(self) -> Message:
        """The next datagram from the platform, decoded."""
        return Message.decode(await self.peer.reply())

    async def register(self, binding: str = "U", lifetime: int = 300) -> Message:
        """Register (links </3/0>, </19/0>) and return the platform's answer."""
        register = Message(
            code=Code.POST,
            uri_path=("rd",),
            uri_query=(f"ep={self.endpoint}", f"lt={lifetime}", f"b={binding}", "lwm2m=1.0"),
            payload=b"</3/0>,</19/0>",
        )
        register.opt.content_format = 40
        self.send(register, token=b"\x01")
        answer = await self.receive()
        assert answer.code == Code.CREATED, answer
        self.location = tuple(answer.opt.location_path)
        return answer

    def update(self, token: bytes = b"\x02") -> int:
        """Send a registration Update (no answer awaited); returns its message ID."""
        return self.send(Message(code=Code.POST, uri_path=self.location), token=token)

    def answer(self, request: Message, code: Code = Code.CONTENT, payload: bytes = b"", **options: object) -> None:
        """A piggybacked answer to ``request`` carrying ``options`` (content_format=…, block2=…, observe=…)."""
        response = Message(code=code, payload=payload)
        for name, value in options.items():
            setattr(response.opt, name, value)
        response.mtype, response.mid, response.token = ACK, request.mid, request.token
        self.peer.send(bytes(response.encode()))


@asynccontextmanager
async def raw_device(port: int, endpoint: str = "raw-device") -> AsyncIterator[RawDevice]:
    """A raw device of the platform on 127.0.0.1:``port``, not yet registered."""
    async with raw_peer(port) as peer:
        yield RawDevice(peer, endpoint)
