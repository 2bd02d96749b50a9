"""The DTLS-PSK transport against Debian's libcoap3-bin (OpenSSL and GnuTLS builds), both roles.

libcoap's ``-k`` takes the key as literal ASCII, so the keys here are ASCII text.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiocoap
import pytest
from aiocoap import GET, POST, Message, resource
from aiocoap.numbers.codes import CONTENT, CREATED

from qlaterm.lwm2m.dtls import DTLSTransport, create_dtls_endpoint
from qlaterm.lwm2m.dtls_session import CCM_8, DTLSOptions
from tests.peers.libcoap import coap_client, coap_rd, coap_server
from tests.peers.ports import free_udp_port_pair

pytestmark = pytest.mark.interop

IDENTITY = "module-1"
KEY = "secretPSK"
SAFETY = 15.0
OPTIONS = DTLSOptions(handshake_timeout_min=0.5, handshake_timeout_max=2.0)


class Hello(resource.Resource):
    async def render_get(self, request: Message) -> Message:
        claims = ",".join(request.remote.authenticated_claims)
        return Message(code=CONTENT, payload=f"hello {claims}".encode())


@pytest.fixture
async def server() -> AsyncIterator[DTLSTransport]:
    site = resource.Site()
    site.add_resource(["hello"], Hello())
    ctx = aiocoap.Context(serversite=site)
    dtls = await create_dtls_endpoint(ctx, bind=("127.0.0.1", 0), psk_store={IDENTITY: KEY.encode()})
    try:
        yield dtls
    finally:
        await ctx.shutdown()


@pytest.fixture
async def client() -> AsyncIterator[tuple[aiocoap.Context, DTLSTransport]]:
    ctx = aiocoap.Context()
    dtls = await create_dtls_endpoint(ctx, bind=("127.0.0.1", 0))
    dtls.set_client_credentials(None, IDENTITY, KEY.encode(), OPTIONS)
    try:
        yield ctx, dtls
    finally:
        await ctx.shutdown()


async def request(ctx: aiocoap.Context, **kwargs: Any) -> Message:
    return await asyncio.wait_for(ctx.request(Message(**kwargs)).response, SAFETY)


@pytest.mark.parametrize("variant", ["openssl", "gnutls"])
async def test_coap_client_gets_from_our_server(server: DTLSTransport, variant: str) -> None:
    uri = f"coaps://127.0.0.1:{server.local_port}/hello"
    result = await coap_client(uri, "-m", "get", "-u", IDENTITY, "-k", KEY, variant=variant, wait=3)
    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"hello {IDENTITY}", result.describe()
    record = server.last_handshake()
    assert record is not None and record.cipher == CCM_8 and record.identity == IDENTITY


@pytest.mark.parametrize("variant", ["openssl", "gnutls"])
async def test_coap_client_with_a_wrong_key_is_refused(server: DTLSTransport, variant: str) -> None:
    uri = f"coaps://127.0.0.1:{server.local_port}/hello"
    result = await coap_client(uri, "-m", "get", "-u", IDENTITY, "-k", "wrongPSK", variant=variant, wait=2)
    assert "hello" not in result.stdout, result.describe()
    assert [(r.identity, r.reason) for r in server.refused] == [(IDENTITY, "wrong PSK (Finished did not verify)")]


@pytest.mark.parametrize("variant", ["openssl", "gnutls"])
async def test_our_client_gets_time_from_coap_server(
    client: tuple[aiocoap.Context, DTLSTransport], variant: str
) -> None:
    ctx, dtls = client
    port = free_udp_port_pair()
    async with coap_server(port, variant=variant, key=KEY):
        response = await request(ctx, code=GET, uri=f"coaps://127.0.0.1:{port + 1}/time")
    assert response.code == CONTENT
    assert response.payload  # the server's clock, e.g. b"Nov 25 13:18:11"
    record = dtls.last_handshake()
    assert record is not None and record.cipher == CCM_8 and not record.abbreviated


async def test_our_client_resumes_with_coap_server_openssl() -> None:
    """OpenSSL keeps a session cache: the second connection is an abbreviated handshake."""
    saved: dict[Any, bytes] = {}
    port = free_udp_port_pair()
    resume = DTLSOptions(resume=True, handshake_timeout_min=0.5, handshake_timeout_max=2.0)
    records = []
    async with coap_server(port, variant="openssl", key=KEY):
        for _ in range(2):
            ctx = aiocoap.Context()
            dtls = await create_dtls_endpoint(ctx, bind=("127.0.0.1", 0), session_store=saved)
            dtls.set_client_credentials(None, IDENTITY, KEY.encode(), resume)
            try:
                response = await request(ctx, code=GET, uri=f"coaps://127.0.0.1:{port + 1}/time")
                assert response.code == CONTENT
                records.append(dtls.last_handshake())
            finally:
                await ctx.shutdown()
    assert [r.abbreviated for r in records] == [False, True]


async def test_our_client_registers_with_coap_rd_gnutls(client: tuple[aiocoap.Context, DTLSTransport]) -> None:
    ctx, dtls = client
    port = free_udp_port_pair()
    async with coap_rd(port, variant="gnutls", key=KEY):
        response = await request(
            ctx,
            code=POST,
            uri=f"coaps://127.0.0.1:{port + 1}/rd?ep=dtls-ep&lt=300&lwm2m=1.0&b=U",
            payload=b"</1/0>,</3/0>",
            content_format=40,
        )
    assert response.code == CREATED
    assert response.opt.location_path[0] == "rd"
    assert dtls.last_handshake() is not None


async def test_wrong_key_against_coap_server_openssl_fails_within_budget() -> None:
    """OpenSSL drops a bad Finished without an alert; the handshake timer ends it."""
    port = free_udp_port_pair()
    ctx = aiocoap.Context()
    dtls = await create_dtls_endpoint(ctx, bind=("127.0.0.1", 0))
    fast = DTLSOptions(handshake_timeout_min=0.1, handshake_timeout_max=0.4)
    dtls.set_client_credentials(None, IDENTITY, b"wrongPSK", fast)
    loop = asyncio.get_running_loop()
    try:
        async with coap_server(port, variant="openssl", key=KEY):
            started = loop.time()
            with pytest.raises(aiocoap.error.NetworkError, match="timed out"):
                async with asyncio.timeout(10):  # the default handshake timers (63 s) would run into this
                    await request(ctx, code=GET, uri=f"coaps://127.0.0.1:{port + 1}/time")
            elapsed = loop.time() - started
    finally:
        await ctx.shutdown()
    assert elapsed >= fast.handshake_budget * 0.9  # the fast timers ran out: not given up before them
