"""The status an answer command prints is what happened to the separate CoAP response it caused.

A raw UDP socket plays the server, so the test decides byte by byte whether the response is
acknowledged, reset or left unanswered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import CHANGED, CONTENT, CREATED, EMPTY, GET, POST, PUT
from aiocoap.numbers.types import ACK, CON

from tests.sim.test_client_wire import Datagram, RawPeer, ack, rst
from tests.simkit import ModuleDriver, running_module


@asynccontextmanager
async def registered_with_raw_peer() -> AsyncIterator[tuple[ModuleDriver, RawPeer, Any]]:
    """A module registered with a raw peer; one retransmission of 2 s, fast-forwarded 100 times."""
    peer = await RawPeer.start()
    try:
        async with running_module(time_scale=0.01) as d:
            assert await d.command("AT+QLAADDOBJ=19,0,2,0,1") == ["OK"]
            await d.expect(r"\+QLAADDOBJ: 0")
            assert await d.command('AT+QLACFG="retransmit",2,1') == ["OK"]
            await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{peer.port},"raw",86400,3')
            assert await d.command("AT+QLAREG") == ["OK"]
            register = await peer.next()
            assert register.message.code == POST
            peer.send(ack(register.message, CREATED, location_path=("rd", "1")), register.addr)
            await d.expect(r"\+QLAREG: 0")
            yield d, peer, register.addr
    finally:
        peer.close()


async def separate_answer(
    d: ModuleDriver, peer: RawPeer, addr: Any, request: Message, urc: str, answer: str
) -> Datagram:
    """The peer sends ``request``; once the module's empty ACK is in, the terminal answers with
    ``answer`` (``{mid}`` filled in); returns the separate response."""
    peer.send(request, addr)
    mid = (await d.expect(urc)).group(1)
    empty = await peer.next()
    assert (empty.message.mtype, empty.message.code, empty.message.mid) == (ACK, EMPTY, request.mid)
    assert await d.command(answer.format(mid=mid)) == ["OK"]  # OK at once, whatever becomes of the response
    response = await peer.next()
    assert response.message.mtype == CON and response.message.token == request.token
    return response


def read(mid: int) -> Message:
    return Message(code=GET, _mtype=CON, _mid=mid, _token=mid.to_bytes(2, "big"), uri_path=("19", "0", "0"))


async def test_read_answer_unacknowledged_is_status_1_after_the_retransmissions() -> None:
    async with registered_with_raw_peer() as (d, peer, addr):
        first = await separate_answer(
            d, peer, addr, read(100), r'\+QLAURC: "read",(\d+),19,0,0', "AT+QLARDRSP={mid},1,19,0,0,1,1,a,0"
        )
        assert first.message.code == CONTENT
        again = await peer.next()  # the one retransmission of "retransmit",2,1
        assert again.message.mid == first.message.mid
        await d.expect(r"\+QLARDRSP: 1")


async def test_read_answer_reset_is_status_9_and_acknowledged_is_0() -> None:
    async with registered_with_raw_peer() as (d, peer, addr):
        response = await separate_answer(
            d, peer, addr, read(101), r'\+QLAURC: "read",(\d+),19,0,0', "AT+QLARDRSP={mid},1,19,0,0,1,1,a,0"
        )
        peer.send(rst(response.message.mid), addr)
        await d.expect(r"\+QLARDRSP: 9")
        response = await separate_answer(
            d, peer, addr, read(102), r'\+QLAURC: "read",(\d+),19,0,0', "AT+QLARDRSP={mid},1,19,0,0,1,1,b,0"
        )
        peer.send(ack(response.message), addr)
        await d.expect(r"\+QLARDRSP: 0")


async def test_write_execute_and_observe_answers_report_their_outcome() -> None:
    async with registered_with_raw_peer() as (d, peer, addr):
        write = Message(code=PUT, _mtype=CON, _mid=200, _token=b"w", uri_path=("19", "0", "1"), payload=b"1",
                        content_format=0)
        response = await separate_answer(
            d, peer, addr, write, r'\+QLAURC: "write",(\d+),19,0,1,.*', "AT+QLAWRRSP={mid},2"
        )
        assert response.message.code == CHANGED
        peer.send(rst(response.message.mid), addr)
        await d.expect(r"\+QLAWRRSP: 9")

        execute = Message(code=POST, _mtype=CON, _mid=201, _token=b"x", uri_path=("19", "0", "1"))
        response = await separate_answer(
            d, peer, addr, execute, r'\+QLAURC: "execute",(\d+),19,0,1', "AT+QLAEXERSP={mid},2"
        )
        await peer.next()  # retransmitted, never acknowledged
        await d.expect(r"\+QLAEXERSP: 1")

        observe = Message(code=GET, _mtype=CON, _mid=202, _token=b"o", uri_path=("19", "0", "0"), observe=0)
        response = await separate_answer(
            d, peer, addr, observe, r'\+QLAURC: "observe",(\d+),0,19,0,0', "AT+QLAOBSRSP={mid},1,19,0,0,1,1,a,0"
        )
        assert response.message.opt.observe is not None
        peer.send(rst(response.message.mid), addr)
        await d.expect(r"\+QLAOBSRSP: 9")
        # The server refused the observation: there is nothing left to notify.
        assert await d.command("AT+QLANOTIFY=19,0,0,1,1,b,0") == ["+CME ERROR: 3"]


async def test_piggybacked_answer_is_status_0() -> None:
    async with registered_with_raw_peer() as (d, peer, addr):
        peer.send(read(300), addr)
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,1,a,0") == ["OK"]
        response = await peer.next()
        assert (response.message.mtype, response.message.mid) == (ACK, 300)
        await d.expect(r"\+QLARDRSP: 0")
