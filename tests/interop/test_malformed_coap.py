"""Malformed CoAP at every port of both ends (RFC 7252 sections 3, 4.2-4.3 and 5.4, RFC 7959): the
platform's UDP and DTLS-PSK ports and the module's port, each driven by a raw socket that puts exact
bytes on the wire (inside DTLS records at the DTLS port).

A Confirmable message with a format error gets RST, a non-confirmable one nothing; a request whose
Uri-Path or Uri-Query is not UTF-8 gets 4.00; a Block1 piece out of sequence gets 4.08. Nothing logs a
traceback, each kind of garbage logs at most one line a second, nothing is remembered per garbage
datagram, and every port keeps serving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import ACK, CON, NON, RST
from aiocoap.optiontypes import BlockOption
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qlaterm.lwm2m.coap import format_error
from qlaterm.platform.server import Platform
from tests.rawpeer import RawPeer, raw_dtls_peer, raw_peer
from tests.simkit import running_module

EP = "866971030603068"
IDENTITY = "fuzz-identity"
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")


@dataclass
class Target:
    """One port under test: a raw peer of it and a check that the port still serves."""

    name: str
    peer: RawPeer
    serves: Callable[[], Awaitable[None]]
    message_manager: object


def _mman(ctx: object, index: int) -> object:
    return ctx.request_interfaces[index].token_interface  # type: ignore[attr-defined]  # the aiocoap stack


async def _platform_answers(peer: RawPeer) -> None:
    replies = await peer.exchange(_wire(Message(code=Code.GET, uri_path=("nowhere",)), CON, 0x0BAD))
    assert [(reply[0] >> 4, reply[1:4]) for reply in replies] == [(6, bytes([0x84, 0x0B, 0xAD]))]  # ACK 4.04


@asynccontextmanager
async def _target(name: str) -> AsyncIterator[Target]:
    if name == "platform-udp":
        async with Platform(port=0) as platform, raw_peer(platform.port) as peer:
            yield Target(name, peer, lambda: _platform_answers(peer), _mman(platform._ctx, 0))
    elif name == "platform-dtls":
        async with (
            Platform(port=0, psk_store={IDENTITY: KEY}) as platform,
            raw_dtls_peer(platform.port + 1, IDENTITY, KEY) as peer,
        ):
            yield Target(name, peer, lambda: _platform_answers(peer), _mman(platform._ctx, 1))
    else:
        async with Platform(port=0) as platform, running_module() as d:
            await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"{EP}",300,3')
            assert await d.command("AT+QLAREG") == ["OK"]
            await d.expect(r"\+QLAREG: 0")
            await platform.wait_for_registration(EP)

            async def module_answers() -> None:
                assert (await platform.read(EP, "/3/0/0")).value == "Quectel"

            client = d.module.client
            assert client is not None
            async with raw_peer(platform.devices[EP].address[1]) as peer:
                endpoint = client._connection.endpoint
                assert endpoint is not None
                yield Target(name, peer, module_answers, endpoint.mman)


TARGETS = ["platform-udp", "platform-dtls", "module-udp"]


@pytest.fixture(params=TARGETS)
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    async with _target(request.param) as t:
        yield t


def _wire(message: Message, mtype: object, mid: int, token: bytes = b"\x71") -> bytes:
    message.mtype, message.mid, message.token = mtype, mid, token
    return bytes(message.encode())


def _rst(mid: int) -> bytes:
    return bytes([0x70, 0x00]) + mid.to_bytes(2, "big")


FORMAT_ERRORS = {
    "token length 9": b"\x49\x01\x00\x11" + b"\x01" * 9,
    "token length 15": b"\x4f\x01\x00\x11" + b"\x01" * 15,
    "payload marker without payload": b"\x41\x01\x00\x11\x01\xff",
    "payload marker after an option": b"\x41\x01\x00\x11\x01\xb1a\xff",
    "reserved option delta 15": b"\x41\x01\x00\x11\x01\xf1a",
    "reserved option length 15": b"\x41\x01\x00\x11\x01\x1f",
    "option value cut short": b"\x41\x01\x00\x11\x01\xb5ab",
    "extended delta cut short": b"\x41\x01\x00\x11\x01\xe0\x01",
    "Empty with a token": b"\x41\x00\x00\x11\x01",
    "reserved code class 1": b"\x41\x21\x00\x11\x01",
    "Empty (a ping when confirmable, a format error otherwise)": b"\x40\x00\x00\x11",
}


def _as_non(datagram: bytes) -> bytes:
    return bytes([(datagram[0] & 0xCF) | 0x10]) + datagram[1:]


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Callable[[], list[logging.LogRecord]]:
    """Records at WARNING and above, or with a traceback, logged by the CoAP stacks."""
    caplog.set_level(logging.INFO)
    return lambda: [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


@pytest.mark.parametrize("case", FORMAT_ERRORS)
async def test_a_confirmable_format_error_gets_rst_and_a_non_confirmable_one_nothing(
    target: Target, case: str, errors: Callable[[], list[logging.LogRecord]]
) -> None:
    datagram = FORMAT_ERRORS[case]
    assert await target.peer.exchange(datagram) == [_rst(0x0011)]
    assert await target.peer.exchange(_as_non(datagram)) == []
    assert await target.peer.exchange(b"\x61" + datagram[1:]) == []  # an ACK is never answered
    await target.serves()
    assert errors() == []


@pytest.mark.parametrize("option", ["uri_path", "uri_query"])
async def test_a_request_whose_path_or_query_is_not_utf8_gets_4_00(
    target: Target, option: str, errors: Callable[[], list[logging.LogRecord]]
) -> None:
    number = 11 if option == "uri_path" else 15
    ext = number - 13 if number >= 13 else None
    head = bytes([(13 << 4) | 2, ext]) if ext is not None else bytes([(number << 4) | 2])
    bad = b"\xff\xfe"
    con = b"\x41\x01\x00\x22\x5a" + head + bad
    replies = await target.peer.exchange(con)
    assert [r[:5] for r in replies] == [b"\x61\x80\x00\x22\x5a"]  # ACK 4.00, the request's mid and token
    non = _as_non(con)
    replies = await target.peer.exchange(non)
    assert len(replies) == 1 and replies[0][0] == 0x51 and replies[0][1] == 0x80 and replies[0][4:5] == b"\x5a"
    await target.serves()
    assert errors() == []


async def test_a_block1_piece_out_of_sequence_gets_4_08(
    target: Target, errors: Callable[[], list[logging.LogRecord]]
) -> None:
    path = ("rd",) if target.name.startswith("platform") else ("19", "0", "0")
    method = Code.POST if target.name.startswith("platform") else Code.PUT

    def piece(number: int, mid: int) -> bytes:
        message = Message(code=method, uri_path=path, payload=b"x" * 16)
        message.opt.block1 = BlockOption.BlockwiseTuple(number, True, 0)
        return _wire(message, CON, mid, b"\x42")

    first = await target.peer.exchange(piece(0, 0x0301))
    assert [Message.decode(r).code for r in first] == [Code.CONTINUE]
    gap = await target.peer.exchange(piece(2, 0x0302))
    assert [(Message.decode(r).mtype, Message.decode(r).code) for r in gap] == [(ACK, Code.REQUEST_ENTITY_INCOMPLETE)]
    await target.serves()
    assert errors() == []


async def test_the_platform_answers_a_stray_confirmable_response_with_rst_and_logs_it(
    errors: Callable[[], list[logging.LogRecord]],
) -> None:
    async with _target("platform-udp") as target:
        stray = _wire(Message(code=Code.CONTENT, payload=b"late"), CON, 0x0404, b"\x99\x98")
        assert await target.peer.exchange(stray) == [_rst(0x0404)]
        assert errors() == []


async def test_a_flood_logs_a_line_per_kind_a_second_and_keeps_nothing(
    target: Target, caplog: pytest.LogCaptureFixture, errors: Callable[[], list[logging.LogRecord]]
) -> None:
    recent = target.message_manager._recent_messages  # type: ignore[attr-defined]  # aiocoap's deduplication
    before = len(recent)
    started = time.monotonic()
    for burst in range(6):
        for mid in range(burst * 25, burst * 25 + 25):
            target.peer.send(b"\x49\x01" + mid.to_bytes(2, "big") + b"\x01" * 9)
            target.peer.send(b"\x51\x01" + mid.to_bytes(2, "big") + b"\x01\xff")
        replies = await target.peer.exchange(b"")
        assert replies == [_rst(mid) for mid in range(burst * 25, burst * 25 + 25)]
    seconds = time.monotonic() - started
    lines = [r for r in caplog.records if "malformed CoAP" in r.getMessage()]
    assert 2 <= len(lines) <= 2 * (int(seconds) + 1)
    assert len(recent) == before  # not one garbage datagram kept for deduplication
    await target.serves()
    assert errors() == []


# ------------------------------------------------------------------------------------------ fuzzing

header = st.builds(
    lambda version, mtype, tkl, code, mid: bytes([(version << 6) | (mtype << 4) | tkl, code]) + mid.to_bytes(2, "big"),
    st.sampled_from([1, 1, 1, 0, 2]),
    st.integers(0, 3),
    st.integers(0, 15),
    st.sampled_from([0, 1, 2, 3, 4, 0x41, 0x44, 0x45, 0x84, 0x20, 0xE0]) | st.integers(0, 255),
    st.integers(0, 0x7FFF),  # the pings of RawPeer.exchange use 0xC000 and up
)
datagrams = st.one_of(
    st.binary(max_size=64),
    st.builds(lambda h, rest: h + rest, header, st.binary(max_size=48)),
    st.builds(
        lambda h, options, payload: h + options + payload,
        header,
        st.lists(st.sampled_from([b"\xb1a", b"\xb2\xff\xfe", b"\xd1\x02\xc3", b"\x11", b"\xf0", b"\x0f", b"\xe0",
                                  b"\xd2\x0e\x08", b"\x61\x2a", b"\x31", b"\xff"]), max_size=5).map(b"".join),
        st.binary(max_size=8),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(datagrams, min_size=1, max_size=8))
async def test_fuzzed_datagrams_get_nothing_rst_or_a_response_and_the_port_keeps_serving(
    target: Target, batch: list[bytes], errors: Callable[[], list[logging.LogRecord]]
) -> None:
    sent: dict[int, set[int]] = {}
    for datagram in batch:
        if len(datagram) >= 4 and datagram[0] >> 6 == 1:
            sent.setdefault(int.from_bytes(datagram[2:4], "big"), set()).add((datagram[0] >> 4) & 3)
        for reply in await target.peer.exchange(datagram):
            assert format_error(reply) is None, reply
            answer = Message.decode(reply)
            if answer.mtype is ACK:
                assert int(CON) in sent.get(answer.mid, set()), (batch, reply)
            if answer.mtype is RST:  # a CON, or a NON notification nobody asked for (RFC 7641 section 3.6)
                assert sent.get(answer.mid, set()) & {int(CON), int(NON)}, (batch, reply)
            if answer.mtype is RST:
                assert answer.code is Code.EMPTY
            if answer.mtype is NON:
                assert answer.code.is_response()
    await target.serves()
    assert errors() == []
