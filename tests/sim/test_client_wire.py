"""The LwM2M client against a raw UDP peer that answers (or does not) byte by byte.

What aiocoap as a peer would hide: how many times and how far apart a confirmable message is sent to a
server that stays silent, what a RST to a notification does, and that garbage on the port changes nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import CHANGED, CONTENT, CREATED, DELETE, EMPTY, FETCH, GET, POST, PUT, iPATCH
from aiocoap.numbers.types import ACK, CON, NON, RST

from qlaterm.sim.client.core import LwM2MClient, Retransmit, ServerTarget
from tests.sim.test_client import WAIT, Recorder, make_client


@dataclass
class Datagram:
    at: float
    message: Message
    addr: Any


class RawPeer(asyncio.DatagramProtocol):
    """A UDP socket on 127.0.0.1 that records every datagram and sends whatever the test builds."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[Datagram] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None
        self.garbage = 0

    @classmethod
    async def start(cls) -> RawPeer:
        loop = asyncio.get_running_loop()
        _, peer = await loop.create_datagram_endpoint(cls, local_addr=("127.0.0.1", 0))
        return peer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        now = asyncio.get_running_loop().time()
        self.received.put_nowait(Datagram(now, Message.decode(data), addr))

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def send(self, message: Message, addr: Any) -> None:
        assert self.transport is not None
        self.transport.sendto(message.encode(), addr)

    def send_raw(self, data: bytes, addr: Any) -> None:
        assert self.transport is not None
        self.transport.sendto(data, addr)

    async def next(self) -> Datagram:
        return await asyncio.wait_for(self.received.get(), WAIT)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def ack(to: Message, code: Any = EMPTY, **options: Any) -> Message:
    msg = Message(code=code, _mtype=ACK, _mid=to.mid, _token=to.token if code != EMPTY else b"")
    for name, value in options.items():
        setattr(msg.opt, name, value)
    return msg


def rst(mid: int) -> Message:
    return Message(code=EMPTY, _mtype=RST, _mid=mid)


@dataclass
class Wire:
    peer: RawPeer
    client: LwM2MClient
    handler: Recorder
    retransmit: Retransmit

    def target(self) -> ServerTarget:
        return ServerTarget(host="127.0.0.1", port=self.peer.port, endpoint="raw", lifetime=60, binding="U")

    async def register(self) -> Any:
        """Register, the peer answering 2.01; returns the client's address."""
        registering = asyncio.ensure_future(self.client.register(self.target()))
        request = await self.peer.next()
        assert request.message.code == POST
        self.peer.send(ack(request.message, CREATED, location_path=("rd", "1")), request.addr)
        assert await registering == 0
        return request.addr

    async def observe(self, addr: Any, mid: int, token: bytes) -> Message:
        """The peer observes /19/0/0; the terminal answers; returns the client's response."""
        self.peer.send(
            Message(code=GET, _mtype=CON, _mid=mid, _token=token, uri_path=("19", "0", "0"), observe=0), addr
        )
        request = await self.handler.next_request()
        assert request.op == "observe"
        assert await self.client.respond(request.mid, CONTENT, {(19, 0, 0): "v0"}) == 0
        response = (await self.peer.next()).message
        assert response.mtype == ACK and response.mid == mid and response.opt.observe is not None
        return response


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    peer = await RawPeer.start()
    handler = Recorder()
    retransmit = Retransmit(ack_timeout=0.1, max_retransmit=3)
    client, _, _ = make_client(handler, {19: {0: [0]}}, retransmit=retransmit)
    try:
        yield Wire(peer, client, handler, retransmit)
    finally:
        await client.close()
        peer.close()


def drain(queue: asyncio.Queue[Datagram]) -> list[Datagram]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


async def test_silent_server_retransmission_schedule(wire: Wire) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(10):  # RFC 7252's own timers (2 s, 4 s, 8 s, 16 s …) would run into this
        status = await wire.client.register(wire.target())
    ended = loop.time()
    assert status == 1
    sent = drain(wire.peer.received)
    # 1 + max_retransmit transmissions of the same CON, waits of ack_timeout * 2**(n-1) after the n-th.
    assert len(sent) == 4
    assert {d.message.mid for d in sent} == {sent[0].message.mid}
    assert all(d.message.mtype == CON and d.message.code == POST for d in sent)
    # Lower bounds only: a busy machine can delay a transmission, never bring it forward.
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    for gap, expected in zip(gaps, (0.1, 0.2, 0.4), strict=True):
        assert gap >= expected * 0.9, gaps
    # Given up ack_timeout * 2**3 after the last transmission: 1.5 s after the first, not before.
    assert ended - started >= 1.5 * 0.95
    assert not wire.client.registered


async def test_no_retransmission_when_max_is_zero(wire: Wire) -> None:
    wire.retransmit.max_retransmit = 0
    assert await wire.client.register(wire.target()) == 1
    assert len(drain(wire.peer.received)) == 1


async def test_register_answered_after_a_lost_transmission(wire: Wire) -> None:
    registering = asyncio.ensure_future(wire.client.register(wire.target()))
    first = await wire.peer.next()
    second = await wire.peer.next()  # the peer "lost" the first one
    assert second.message.mid == first.message.mid
    wire.peer.send(ack(second.message, CREATED, location_path=("rd", "7")), second.addr)
    assert await registering == 0
    assert wire.client.location == "/rd/7"


async def test_reset_to_update_is_status_9(wire: Wire) -> None:
    addr = await wire.register()
    exchange = await wire.client.update()
    request = await wire.peer.next()
    assert request.message.mid == exchange.mid
    wire.peer.send(rst(exchange.mid), addr)
    assert await asyncio.wait_for(exchange.result, WAIT) == 9
    assert not wire.client.registered


async def test_empty_ack_then_separate_response(wire: Wire) -> None:
    addr = await wire.register()
    exchange = await wire.client.update(lifetime=90)
    request = (await wire.peer.next()).message
    wire.peer.send(ack(request), addr)
    assert not exchange.result.done()
    separate = Message(code=CHANGED, _mtype=CON, _mid=0x4242, _token=request.token)
    wire.peer.send(separate, addr)
    assert await asyncio.wait_for(exchange.result, WAIT) == 0
    acked = (await wire.peer.next()).message
    assert acked.mtype == ACK and acked.mid == 0x4242  # the client acknowledges the separate response


async def test_rst_to_non_notification_ends_observation(wire: Wire) -> None:
    addr = await wire.register()
    await wire.observe(addr, mid=100, token=b"\x0a\x0b")
    exchange = await wire.client.notify((19, 0, 0), {(19, 0, 0): "v1"}, con=False)
    note = (await wire.peer.next()).message
    assert (note.mtype, note.mid, note.token, note.payload) == (NON, exchange.mid, b"\x0a\x0b", b"v1")
    assert await exchange.result == 0
    wire.peer.send(rst(note.mid), addr)
    assert await asyncio.wait_for(wire.handler.resets.get(), WAIT) == note.mid
    assert wire.client.observations() == []
    with pytest.raises(LookupError):
        await wire.client.notify((19, 0, 0), {(19, 0, 0): "v2"}, con=False)


async def test_con_notification_ack_rst_and_timeout(wire: Wire) -> None:
    addr = await wire.register()
    first = await wire.observe(addr, mid=200, token=b"\x01")

    acked = await wire.client.notify((19, 0, 0), {(19, 0, 0): "v1"}, con=True)
    note = (await wire.peer.next()).message
    assert (note.mtype, note.mid) == (CON, acked.mid)
    assert note.opt.observe > first.opt.observe
    wire.peer.send(ack(note), addr)
    assert await asyncio.wait_for(acked.result, WAIT) == 0

    wire.retransmit.max_retransmit = 1
    lost = await wire.client.notify((19, 0, 0), {(19, 0, 0): "v2"}, con=True)
    transmissions = [await wire.peer.next(), await wire.peer.next()]
    assert {d.message.mid for d in transmissions} == {lost.mid}
    assert await asyncio.wait_for(lost.result, WAIT) == 1
    assert wire.client.observations() == [(19, 0, 0)]  # a lost notification does not end the observation

    reset = await wire.client.notify((19, 0, 0), {(19, 0, 0): "v3"}, con=True)
    note = (await wire.peer.next()).message
    wire.peer.send(rst(note.mid), addr)
    assert await asyncio.wait_for(reset.result, WAIT) == 9
    assert wire.client.observations() == []
    assert wire.handler.resets.empty()  # lw_event is for NON notifications only


async def test_garbage_on_the_port_changes_nothing(wire: Wire) -> None:
    addr = await wire.register()
    for junk in (b"", b"\xff", b"\x40", b"\x4f\x01\x00\x01" + b"\x00" * 20, bytes(range(256))):
        wire.peer.send_raw(junk, addr)
    wire.peer.send(Message(code=GET, _mtype=CON, _mid=77, _token=b"\x05", uri_path=("3", "0", "0")), addr)
    # Whatever the client said to the junk (nothing, or RST), the read afterwards is answered.
    while True:
        reply = (await wire.peer.next()).message
        if reply.mid == 77 and reply.mtype == ACK:
            break
    assert reply.payload == b"Quectel"


async def test_cancel_with_the_observe_token_ends_only_that_observation(wire: Wire) -> None:
    addr = await wire.register()
    await wire.observe(addr, mid=300, token=b"\x0c")
    wire.peer.send(Message(code=GET, _mtype=CON, _mid=301, _token=b"\x0d", uri_path=("19", "0"), observe=0), addr)
    request = await wire.handler.next_request()
    await wire.client.respond(request.mid, CONTENT, {(19, 0, 0): "v0"})
    await wire.peer.next()
    assert wire.client.observations() == [(19, 0, 0), (19, 0)]

    # RFC 7641 cancel: GET with Observe=1 and the observation's token.
    wire.peer.send(Message(code=GET, _mtype=CON, _mid=302, _token=b"\x0c", uri_path=("19", "0", "0"), observe=1), addr)
    cancel = await wire.handler.next_request()
    assert (cancel.op, cancel.path, cancel.token) == ("cancel", (19, 0, 0), b"\x0c")
    await wire.client.respond(cancel.mid, CONTENT, {(19, 0, 0): "v1"})
    response = (await wire.peer.next()).message
    assert response.mid == 302 and response.opt.observe is None
    assert wire.client.observations() == [(19, 0)]
    # The instance observation still covers the resource.
    await wire.client.notify((19, 0, 0), {(19, 0, 0): "v2"}, con=False)
    assert (await wire.peer.next()).message.token == b"\x0d"


async def test_random_requests_all_get_an_answer(wire: Wire) -> None:
    """A few hundred random requests (methods, paths, Accept, Content-Format, payloads): each CON gets
    a piggybacked answer with a response code, the handler only ever sees well-formed custom requests,
    and the client still serves afterwards."""
    addr = await wire.register()
    wire.handler.accept = False  # custom requests are refused at once (5.03) instead of waiting
    rng = random.Random(20261125)
    segments = ["0", "1", "3", "4", "5", "19", "20", "65535", "65536", "x", "", "007", "-1"]
    formats = [None, 0, 40, 42, 60, 110, 112, 1541, 1542, 11542, 11543, 50, 9999]
    for mid in range(1000, 1300):
        path = tuple(rng.choice(segments) for _ in range(rng.randint(0, 4)))
        request = Message(
            code=rng.choice([GET, POST, PUT, DELETE, FETCH, iPATCH]),
            _mtype=CON,
            _mid=mid,
            _token=mid.to_bytes(2, "big"),
            uri_path=path,
            payload=rng.randbytes(rng.randint(0, 40)) if rng.random() < 0.5 else b"",
        )
        if (accept := rng.choice(formats)) is not None:
            request.opt.accept = accept
        if (fmt := rng.choice(formats)) is not None:
            request.opt.content_format = fmt
        if rng.random() < 0.2:
            request.opt.observe = rng.choice([0, 1])
        wire.peer.send(request, addr)
        reply = (await wire.peer.next()).message
        assert reply.mtype == ACK and reply.mid == mid, (path, reply)
        assert reply.code.is_response(), (path, reply)
    while not wire.handler.requests.empty():
        seen = wire.handler.requests.get_nowait()
        assert seen.path[0] in (19,) and len(seen.path) <= 3
    wire.peer.send(Message(code=GET, _mtype=CON, _mid=77, _token=b"\x05", uri_path=("3", "0", "0")), addr)
    assert (await wire.peer.next()).message.payload == b"Quectel"
