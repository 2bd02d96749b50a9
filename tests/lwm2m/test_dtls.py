"""The DTLS-PSK transport under aiocoap: an aiocoap client and an aiocoap server, both over it, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiocoap
import pytest
from aiocoap import GET, POST, Message, resource
from aiocoap.credentials import CredentialsMissingError
from aiocoap.numbers.codes import CHANGED, CONTENT
from aiocoap.numbers.types import NON

from qlaterm.lwm2m.dtls import (
    DTLSError,
    DTLSRemote,
    DTLSTransport,
    HandshakeRecord,
    RefusedIdentity,
    create_dtls_endpoint,
    dtls_transport_of,
)
from qlaterm.lwm2m.dtls_session import CBC_SHA256, CCM_8, DTLSOptions

KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
FAST = DTLSOptions(handshake_timeout_min=0.05, handshake_timeout_max=0.2)
"""Short handshake timers, so that failures surface quickly (budget 0.05 + 0.1 + 0.2 = 0.35 s)."""
SAFETY = 10.0
"""Timeout that only guards against a hang; nothing waits for it to elapse."""


class Hello(resource.Resource):
    """GET → who the server thinks the client is."""

    async def render_get(self, request: Message) -> Message:
        claims = ",".join(request.remote.authenticated_claims)
        return Message(code=CONTENT, payload=f"hello {claims}".encode())


class Counter(resource.ObservableResource):
    """An observable value the test changes."""

    def __init__(self) -> None:
        super().__init__()
        self.value = 0
        self.observed = asyncio.Event()

    def update_observation_count(self, count: int) -> None:
        if count:
            self.observed.set()

    def bump(self) -> None:
        self.value += 1
        self.updated_state()

    async def render_get(self, request: Message) -> Message:
        return Message(code=CONTENT, payload=str(self.value).encode())


@dataclass
class Registrar(resource.Resource):
    """POST → 2.04, remembering the remote, as an LwM2M server does with a Register."""

    remotes: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)

    def __post_init__(self) -> None:
        super().__init__()

    async def render_post(self, request: Message) -> Message:
        self.remotes.put_nowait(request.remote)
        return Message(code=CHANGED)


@dataclass
class Server:
    ctx: aiocoap.Context
    dtls: DTLSTransport
    keys: dict[str, bytes]
    counter: Counter
    registrar: Registrar

    def uri(self, path: str) -> str:
        return f"coaps://127.0.0.1:{self.dtls.local_port}/{path}"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    keys = {"module-1": KEY, "module-2": b"second key"}
    site = resource.Site()
    counter, registrar = Counter(), Registrar()
    site.add_resource(["hello"], Hello())
    site.add_resource(["counter"], counter)
    site.add_resource(["rd"], registrar)
    ctx = aiocoap.Context(serversite=site)
    dtls = await create_dtls_endpoint(ctx, bind=("127.0.0.1", 0), psk_store=keys, server_options=FAST)
    try:
        yield Server(ctx, dtls, keys, counter, registrar)
    finally:
        await ctx.shutdown()


@contextlib.asynccontextmanager
async def dtls_client(
    identity: str = "module-1",
    key: bytes = KEY,
    options: DTLSOptions = FAST,
    *,
    site: resource.Site | None = None,
    port: int = 0,
    session_store: dict[Any, bytes] | None = None,
) -> AsyncIterator[tuple[aiocoap.Context, DTLSTransport]]:
    """An aiocoap Context whose only transport is a client-role DTLS endpoint."""
    ctx = aiocoap.Context(serversite=site)
    dtls = await create_dtls_endpoint(ctx, bind=("127.0.0.1", port), session_store=session_store)
    dtls.set_client_credentials(None, identity, key, options)
    try:
        yield ctx, dtls
    finally:
        await ctx.shutdown()


async def get(ctx: aiocoap.Context, uri: str, **kwargs: Any) -> Message:
    return await asyncio.wait_for(ctx.request(Message(code=GET, uri=uri, **kwargs)).response, SAFETY)


async def test_con_get_over_ccm8_with_the_identity_as_claim(server: Server) -> None:
    async with dtls_client() as (ctx, dtls):
        response = await get(ctx, server.uri("hello"))
        assert response.code == CONTENT
        assert response.payload == b"hello module-1"
        assert isinstance(response.remote, DTLSRemote)
        assert response.remote.cipher == CCM_8
        client_hs, server_hs = dtls.last_handshake(), server.dtls.last_handshake()
        assert client_hs is not None and server_hs is not None
        assert (client_hs.role, server_hs.role) == ("client", "server")
        assert client_hs.version == server_hs.version == "DTLSv1.2"
        assert server_hs.identity == "module-1"
        assert not client_hs.abbreviated


async def test_non_get_and_many_requests_share_one_session(server: Server) -> None:
    async with dtls_client() as (ctx, dtls):
        response = await get(ctx, server.uri("hello"), transport_tuning=aiocoap.Unreliable())
        assert response.payload == b"hello module-1"
        assert response.mtype is NON
        for _ in range(20):
            assert (await get(ctx, server.uri("hello"))).code == CONTENT
        assert len(dtls.handshakes) == 1 and len(server.dtls.handshakes) == 1


async def test_cbc_only_client_is_accepted(server: Server) -> None:
    options = DTLSOptions(ciphers=(CBC_SHA256,), handshake_timeout_min=0.05, handshake_timeout_max=0.2)
    async with dtls_client(options=options) as (ctx, _):
        response = await get(ctx, server.uri("hello"))
        assert response.remote.cipher == CBC_SHA256


async def test_observe_delivers_notifications(server: Server) -> None:
    async with dtls_client() as (ctx, _):
        request = ctx.request(Message(code=GET, uri=server.uri("counter"), observe=0))
        first = await asyncio.wait_for(request.response, SAFETY)
        assert first.payload == b"0"
        await asyncio.wait_for(server.counter.observed.wait(), SAFETY)
        notifications = aiter(request.observation)
        for expected in (b"1", b"2"):
            server.counter.bump()
            notification = await asyncio.wait_for(anext(notifications), SAFETY)
            assert notification.payload == expected
        request.observation.cancel()


async def test_server_reaches_the_client_over_the_clients_session(server: Server) -> None:
    """The LwM2M pattern: the device registers, then the server sends requests to the registered remote."""
    device_site = resource.Site()
    device_site.add_resource(["3", "0", "0"], _Text(b"Quectel"))
    async with dtls_client(site=device_site) as (ctx, dtls):
        register = Message(code=POST, uri=server.uri("rd"), payload=b"</3/0>")
        assert (await asyncio.wait_for(ctx.request(register).response, SAFETY)).code == CHANGED
        remote = await asyncio.wait_for(server.registrar.remotes.get(), SAFETY)
        assert remote.hostinfo == f"127.0.0.1:{dtls.local_port}"
        read = Message(code=GET, uri_path=("3", "0", "0"))
        read.remote = remote
        answer = await asyncio.wait_for(server.ctx.request(read).response, SAFETY)
        assert answer.payload == b"Quectel"
        assert len(server.dtls.handshakes) == 1  # no second session for the server's request


class _Text(resource.Resource):
    def __init__(self, text: bytes) -> None:
        super().__init__()
        self.text = text

    async def render_get(self, request: Message) -> Message:
        return Message(code=CONTENT, payload=self.text)


async def test_wrong_key_fails_by_the_servers_alert_and_is_recorded(server: Server) -> None:
    refused: list[RefusedIdentity] = []
    server.dtls.on_refused = refused.append
    async with dtls_client(key=b"not the key") as (ctx, dtls):
        # the server's fatal alert ends the handshake, not the client's timers running out
        with pytest.raises(DTLSError, match="fatal alert"):
            async with asyncio.timeout(SAFETY):
                await get(ctx, server.uri("hello"))
        assert dtls.last_handshake() is None
    assert [(r.identity, r.reason) for r in refused] == [("module-1", "wrong PSK (Finished did not verify)")]
    assert list(server.dtls.refused) == refused


async def test_unknown_identity_is_refused_by_name(server: Server) -> None:
    async with dtls_client(identity="stranger") as (ctx, _):
        with pytest.raises(DTLSError):
            await get(ctx, server.uri("hello"))
    assert [(r.identity, r.reason) for r in server.dtls.refused] == [("stranger", "unknown PSK identity")]


async def test_identity_added_while_running_is_accepted(server: Server) -> None:
    server.keys["late"] = b"late key"
    async with dtls_client(identity="late", key=b"late key") as (ctx, _):
        assert (await get(ctx, server.uri("hello"))).payload == b"hello late"


async def test_silent_server_fails_after_the_retransmission_budget() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.setblocking(False)
        async with dtls_client() as (ctx, _):
            started = time.monotonic()
            with pytest.raises(DTLSError, match="timed out"):
                async with asyncio.timeout(SAFETY):  # the default timers (63 s) would run into this
                    await get(ctx, f"coaps://127.0.0.1:{silent.getsockname()[1]}/hello")
            elapsed = time.monotonic() - started
        hellos = 0
        with contextlib.suppress(BlockingIOError):
            while silent.recv(2048):
                hellos += 1
    assert elapsed >= FAST.handshake_budget * 0.9  # not given up before the timers ran out (a busy machine only adds)
    assert hellos == 3  # the ClientHello and its retransmissions after 0.05 s and 0.1 s


async def test_plain_coap_to_the_dtls_port_is_ignored(server: Server) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as plain:
        plain.bind(("127.0.0.1", 0))
        plain.setblocking(False)
        con_get = bytes([0x40, 0x01, 0x12, 0x34, 0xB5]) + b"hello"
        plain.sendto(con_get, ("127.0.0.1", server.dtls.local_port))
        async with dtls_client() as (ctx, _):
            # The plain datagram reached the server socket before this session's first datagram.
            assert (await get(ctx, server.uri("hello"))).payload == b"hello module-1"
        with pytest.raises(BlockingIOError):
            plain.recv(2048)  # neither a response nor a RST
    assert server.dtls.dropped_datagrams == 1


async def test_garbage_datagrams_do_not_harm_sessions(server: Server) -> None:
    async with dtls_client() as (ctx, dtls):
        assert (await get(ctx, server.uri("hello"))).code == CONTENT
        target = ("127.0.0.1", server.dtls.local_port)
        assert dtls._transport is not None
        garbage = [
            os.urandom(60),
            bytes([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 24]) + os.urandom(24),  # bad MAC, epoch 1
            bytes([22, 0xFE, 0xFD, 0, 0]) + bytes(8) + b"\x01" + os.urandom(30),  # a broken ClientHello
            bytes([21, 0xFE, 0xFD, 0, 1]) + bytes(8),  # a truncated alert
        ]
        for datagram in garbage:
            dtls._transport.sendto(datagram, target)  # from the session's own address
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
            for datagram in garbage:
                stranger.sendto(datagram, target)
        for _ in range(3):
            assert (await get(ctx, server.uri("hello"))).payload == b"hello module-1"
        assert len(dtls.handshakes) == 1
    assert list(server.dtls.refused) == []


async def test_resumption_gives_an_abbreviated_handshake(server: Server) -> None:
    saved: dict[Any, bytes] = {}
    resume = DTLSOptions(resume=True, handshake_timeout_min=0.05, handshake_timeout_max=0.2)
    async with dtls_client(options=resume, session_store=saved) as (ctx, dtls):
        assert (await get(ctx, server.uri("hello"))).code == CONTENT
        first = dtls.last_handshake()
    assert first is not None and not first.abbreviated
    assert saved, "the session was saved after the handshake"
    async with dtls_client(options=resume, session_store=saved) as (ctx, dtls):
        response = await get(ctx, server.uri("hello"))
        again = dtls.last_handshake()
    assert again is not None and again.abbreviated and again.resumption_offered
    server_side = server.dtls.last_handshake()
    assert server_side is not None and server_side.abbreviated
    assert response.payload == b"hello module-1"  # the identity is known for a resumed session too


async def test_without_resume_the_handshake_is_full(server: Server) -> None:
    saved: dict[Any, bytes] = {}
    async with dtls_client(session_store=saved) as (ctx, _):
        await get(ctx, server.uri("hello"))
    async with dtls_client(session_store=saved) as (ctx, dtls):
        await get(ctx, server.uri("hello"))
        record = dtls.last_handshake()
    assert record is not None and not record.abbreviated and not record.resumption_offered


async def test_client_reconnecting_from_the_same_port_gets_a_new_session(server: Server) -> None:
    """A module that reboots (no close_notify) and comes back from the same port."""
    slow = DTLSOptions(handshake_timeout_min=1.0, handshake_timeout_max=2.0)
    async with dtls_client(options=slow) as (ctx, dtls):
        await get(ctx, server.uri("hello"))
        port = dtls.local_port
        dtls.close_notify_on_shutdown = False
    old_remote = next(iter(server.dtls._peers.values())).remote
    assert old_remote is not None and old_remote.alive
    async with dtls_client(options=slow, port=port) as (ctx, dtls):
        response = await get(ctx, server.uri("hello"))
        record = dtls.last_handshake()
    assert response.payload == b"hello module-1"
    assert record is not None and record.seconds < slow.handshake_timeout_min  # no retransmission needed
    assert not old_remote.alive
    assert [h.role for h in server.dtls.handshakes] == ["server", "server"]


async def test_lost_flight_is_retransmitted(server: Server) -> None:
    """A relay drops the server's first ServerHello flight; Mbed TLS's timer resends and the handshake completes."""
    loop = asyncio.get_running_loop()
    relay = _LossyRelay(("127.0.0.1", server.dtls.local_port), drop_server_datagram=1)
    transport, _ = await loop.create_datagram_endpoint(lambda: relay, local_addr=("127.0.0.1", 0))
    try:
        relay_port = transport.get_extra_info("sockname")[1]
        async with dtls_client() as (ctx, dtls):
            response = await get(ctx, f"coaps://127.0.0.1:{relay_port}/hello")
            record = dtls.last_handshake()
        assert response.payload == b"hello module-1"
        assert relay.dropped == 1
        assert record is not None and record.seconds >= FAST.handshake_timeout_min
    finally:
        transport.close()


class _LossyRelay(asyncio.DatagramProtocol):
    """Forwards between one client and a server, dropping the n-th datagram from the server (0-based)."""

    def __init__(self, server: tuple[str, int], drop_server_datagram: int) -> None:
        self.server = server
        self.drop_at = drop_server_datagram
        self.client: tuple[str, int] | None = None
        self.from_server = 0
        self.dropped = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        if addr == self.server:
            index, self.from_server = self.from_server, self.from_server + 1
            if index == self.drop_at:
                self.dropped += 1
            elif self.client is not None:
                self.transport.sendto(data, self.client)
        else:
            self.client = addr
            self.transport.sendto(data, self.server)


async def test_many_clients_at_once(server: Server) -> None:
    for n in range(10):
        server.keys[f"fleet-{n}"] = f"key {n}".encode()

    async def one(n: int) -> bytes:
        async with dtls_client(identity=f"fleet-{n}", key=f"key {n}".encode()) as (ctx, _):
            return (await get(ctx, server.uri("hello"))).payload

    payloads = await asyncio.gather(*(one(n) for n in range(10)))
    assert payloads == [f"hello fleet-{n}".encode() for n in range(10)]
    assert len(server.dtls.handshakes) == 10


async def test_request_without_credentials_fails_at_once(server: Server) -> None:
    ctx = aiocoap.Context()
    await create_dtls_endpoint(ctx, bind=("127.0.0.1", 0))
    try:
        with pytest.raises(CredentialsMissingError):
            await get(ctx, server.uri("hello"))
    finally:
        await ctx.shutdown()


async def test_handshake_callback_and_records(server: Server) -> None:
    seen: list[HandshakeRecord] = []
    server.dtls.on_handshake = seen.append
    async with dtls_client() as (ctx, _):
        await get(ctx, server.uri("hello"))
    assert [(h.role, h.identity, h.cipher) for h in seen] == [("server", "module-1", CCM_8)]
    assert 0 < seen[0].seconds < 1.0


async def test_dual_stack_endpoint_talks_to_an_ipv4_server(server: Server) -> None:
    ctx = aiocoap.Context()
    dtls = await create_dtls_endpoint(ctx, bind=("::", 0))
    dtls.set_client_credentials(None, "module-1", KEY, FAST)
    try:
        assert (await get(ctx, server.uri("hello"))).payload == b"hello module-1"
        assert dtls_transport_of(ctx) is dtls
        assert dtls_transport_of(server.ctx) is server.dtls
    finally:
        await ctx.shutdown()
