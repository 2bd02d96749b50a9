"""The simulated BC26's LwM2M client against a small LwM2M server written here on aiocoap.

The server records what it receives (Register, Update, De-register, Send, Bootstrap-Request) and issues
device-management requests to the address the client registered from, so each test checks what a real
server would see on the wire: query strings, link-format payloads, content formats, codes, message IDs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import (
    BAD_REQUEST,
    CHANGED,
    CONTENT,
    CREATED,
    DELETE,
    DELETED,
    FORBIDDEN,
    GET,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    POST,
    PUT,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    Code,
)
from aiocoap.numbers.types import ACK, CON, NON
from aiocoap.protocol import Context

from qlaterm.lwm2m.formats import ContentFormat, decode, encode
from qlaterm.sim.client.core import (
    DeviceInfo,
    LwM2MClient,
    Retransmit,
    ServerRequest,
    ServerTarget,
)

WAIT = 5.0
IMEI = "866971031275899"


# --------------------------------------------------------------------------------------------------
# The module side: a ClientHandler that records everything


class Recorder:
    """ClientHandler for tests: every callback lands in a queue or a list the test can wait on."""

    def __init__(self) -> None:
        self.requests: asyncio.Queue[ServerRequest] = asyncio.Queue()
        self.expired: asyncio.Queue[int] = asyncio.Queue()
        self.server_writes: asyncio.Queue[tuple[tuple[int, int, int], Any, bool]] = asyncio.Queue()
        self.executes: asyncio.Queue[tuple[int, int, int]] = asyncio.Queue()
        self.resets: asyncio.Queue[int] = asyncio.Queue()
        self.bootstrap_finished = asyncio.Event()
        self.accept = True
        self.events: list[str] = []

    def on_request(self, request: ServerRequest) -> bool:
        self.events.append(f"request {request.op}")
        self.requests.put_nowait(request)
        return self.accept

    def on_request_expired(self, mid: int) -> None:
        self.expired.put_nowait(mid)

    def on_server_write(self, path: tuple[int, int, int], value: Any, bootstrap: bool) -> None:
        self.events.append(f"write {path}")
        self.server_writes.put_nowait((path, value, bootstrap))

    def on_server_changed(self, lifetime: int | None, binding: str | None) -> None:
        self.events.append(f"changed lt={lifetime} b={binding}")

    def on_builtin_execute(self, path: tuple[int, int, int]) -> None:
        self.executes.put_nowait(path)

    def on_bootstrap_finished(self) -> None:
        self.events.append("bs_finished")
        self.bootstrap_finished.set()

    def on_notify_reset(self, mid: int) -> None:
        self.resets.put_nowait(mid)

    def on_registration_lost(self) -> None:
        self.events.append("registration lost")

    async def next_request(self) -> ServerRequest:
        return await asyncio.wait_for(self.requests.get(), WAIT)


# --------------------------------------------------------------------------------------------------
# The server side: a minimal LwM2M server on aiocoap


@dataclass
class Seen:
    """One request the test server received."""

    code: Code
    path: tuple[str, ...]
    query: tuple[str, ...]
    payload: bytes
    content_format: int | None
    mid: int
    mtype: Any
    hostinfo: str


@dataclass
class LwServer:
    """Registration interface (``/rd``), Send (``/dp``) and Bootstrap-Request (``/bs``) endpoint that
    records requests; codes to answer with are settable per interface."""

    ctx: Context | None = None
    seen: list[Seen] = field(default_factory=list)
    arrived: asyncio.Queue[Seen] = field(default_factory=asyncio.Queue)
    register_code: Code = CREATED
    update_code: Code = CHANGED
    bootstrap_code: Code = CHANGED
    client_hostinfo: str | None = None
    on_bootstrap_request: Callable[[], Any] | None = None

    @property
    def port(self) -> int:
        assert self.ctx is not None
        return int(self.ctx.request_interfaces[0].token_interface.message_interface._local_port())

    async def start(self) -> None:
        self.ctx = await Context.create_server_context(self, bind=("127.0.0.1", 0), transports=["udp6"])

    async def stop(self) -> None:
        if self.ctx is not None:
            await self.ctx.shutdown()

    async def render_to_pipe(self, pipe: Any) -> None:
        req = pipe.request
        seen = Seen(
            code=req.code,
            path=tuple(req.opt.uri_path),
            query=tuple(req.opt.uri_query),
            payload=bytes(req.payload),
            content_format=req.opt.content_format,
            mid=req.mid,
            mtype=req.mtype,
            hostinfo=req.remote.hostinfo,
        )
        self.seen.append(seen)
        self.arrived.put_nowait(seen)
        if seen.path == ("rd",) and req.code == POST:
            self.client_hostinfo = seen.hostinfo
            response = Message(code=self.register_code)
            if self.register_code == CREATED:
                response.opt.location_path = ("rd", "5a3f")
        elif seen.path == ("rd", "5a3f") and req.code == POST:
            self.client_hostinfo = seen.hostinfo
            response = Message(code=self.update_code)
        elif seen.path == ("rd", "5a3f") and req.code == DELETE:
            response = Message(code=DELETED)
        elif seen.path == ("dp",):
            response = Message(code=CHANGED)
        elif seen.path == ("bs",):
            self.client_hostinfo = seen.hostinfo
            response = Message(code=self.bootstrap_code)
            if self.on_bootstrap_request is not None:
                asyncio.get_running_loop().call_soon(self.on_bootstrap_request)
        else:
            response = Message(code=NOT_FOUND)
        pipe.add_response(response, is_last=True)

    async def next_seen(self) -> Seen:
        return await asyncio.wait_for(self.arrived.get(), WAIT)

    def message(
        self,
        code: Code,
        path: str,
        *,
        payload: bytes = b"",
        accept: int | None = None,
        content_format: int | None = None,
        observe: int | None = None,
        query: Sequence[str] = (),
    ) -> Message:
        assert self.client_hostinfo is not None, "the client has not contacted the server yet"
        msg = Message(code=code, uri=f"coap://{self.client_hostinfo}{path}", payload=payload)
        if accept is not None:
            msg.opt.accept = accept
        if content_format is not None:
            msg.opt.content_format = content_format
        if observe is not None:
            msg.opt.observe = observe
        if query:
            msg.opt.uri_query = tuple(query)
        return msg

    async def ask(self, code: Code, path: str, **kwargs: Any) -> Message:
        """Send a request to the client and return its response."""
        assert self.ctx is not None
        return await asyncio.wait_for(self.ctx.request(self.message(code, path, **kwargs)).response, WAIT)


@dataclass
class Setup:
    server: LwServer
    client: LwM2MClient
    handler: Recorder
    custom: dict[int, dict[int, list[int]]]
    retransmit: Retransmit
    device: DeviceInfo
    tasks: list[asyncio.Future[Any]] = field(default_factory=list)

    def target(self, **overrides: Any) -> ServerTarget:
        values: dict[str, Any] = dict(
            host="127.0.0.1", port=self.server.port, endpoint="ep1", lifetime=300, binding="U"
        )
        values.update(overrides)
        return ServerTarget(**values)

    async def register(self) -> None:
        assert await self.client.register(self.target()) == 0
        seen = await self.server.next_seen()
        assert seen.path == ("rd",)


def make_client(
    handler: Recorder,
    custom: Mapping[int, Mapping[int, Sequence[int]]],
    *,
    retransmit: Retransmit | None = None,
    device: DeviceInfo | None = None,
    request_timeout: float = 60.0,
) -> tuple[LwM2MClient, Retransmit, DeviceInfo]:
    settings = retransmit or Retransmit(ack_timeout=1.0, max_retransmit=2)
    info = device or DeviceInfo(imei=IMEI, device_type="500677")
    client = LwM2MClient(
        handler,
        objects=lambda: custom,
        device=lambda: info,
        retransmit=lambda: settings,
        request_timeout=request_timeout,
    )
    return client, settings, info


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    server = LwServer()
    await server.start()
    handler = Recorder()
    custom: dict[int, dict[int, list[int]]] = {19: {0: [0, 1], 1: [0]}}
    client, retransmit, device = make_client(handler, custom, request_timeout=0.5)
    setup_ = Setup(server, client, handler, custom, retransmit, device)
    try:
        yield setup_
    finally:
        await client.close()
        await server.stop()
        for task in setup_.tasks:
            task.cancel()


# --------------------------------------------------------------------------------------------------
# Registration


async def test_register_sends_query_and_link_format_payload(setup: Setup) -> None:
    status = await setup.client.register(setup.target())
    assert status == 0
    seen = await setup.server.next_seen()
    assert seen.code == POST and seen.path == ("rd",)
    assert seen.query == ("ep=ep1", "lt=300", "lwm2m=1.0", "b=U")
    assert seen.payload == b"</1/0>,</3/0>,</4/0>,</5/0>,</19/0>,</19/1>"
    assert seen.content_format == ContentFormat.LINK
    assert seen.mtype == CON
    assert setup.client.registered and setup.client.location == "/rd/5a3f"
    # The Register leaves from the port that then receives the server's requests.
    assert seen.hostinfo == f"127.0.0.1:{setup.client.port}"


async def test_register_with_queue_binding(setup: Setup) -> None:
    assert await setup.client.register(setup.target(binding="UQ", lifetime=86400)) == 0
    seen = await setup.server.next_seen()
    assert seen.query == ("ep=ep1", "lt=86400", "lwm2m=1.0", "b=UQ")


@pytest.mark.parametrize(("code", "status"), [(FORBIDDEN, 13), (BAD_REQUEST, 10), (NOT_FOUND, 14)])
async def test_register_refused_maps_to_status(setup: Setup, code: Code, status: int) -> None:
    setup.server.register_code = code
    assert await setup.client.register(setup.target()) == status
    assert not setup.client.registered


async def test_update_reports_mid_and_status(setup: Setup) -> None:
    await setup.register()
    exchange = await setup.client.update(lifetime=120)
    seen = await setup.server.next_seen()
    assert seen.path == ("rd", "5a3f") and seen.code == POST
    assert seen.query == ("lt=120",)
    assert seen.payload == b""
    assert exchange.mid == seen.mid
    assert await asyncio.wait_for(exchange.result, WAIT) == 0
    assert setup.client.target is not None and setup.client.target.lifetime == 120


async def test_update_binding_and_object_list(setup: Setup) -> None:
    await setup.register()
    setup.custom[20] = {0: [1]}
    exchange = await setup.client.update(binding="UQ", with_objects=True)
    seen = await setup.server.next_seen()
    assert seen.query == ("b=UQ",)
    assert seen.payload == b"</1/0>,</3/0>,</4/0>,</5/0>,</19/0>,</19/1>,</20/0>"
    assert seen.content_format == ContentFormat.LINK
    assert await exchange.result == 0


async def test_failed_update_loses_registration(setup: Setup) -> None:
    await setup.register()
    setup.server.update_code = NOT_FOUND
    exchange = await setup.client.update()
    assert await asyncio.wait_for(exchange.result, WAIT) == 14
    assert not setup.client.registered


async def test_deregister(setup: Setup) -> None:
    await setup.register()
    assert await setup.client.deregister() == 0
    seen = await setup.server.next_seen()
    assert seen.code == DELETE and seen.path == ("rd", "5a3f")
    assert not setup.client.registered and setup.client.port is None


async def test_send_con_and_non(setup: Setup) -> None:
    await setup.register()
    body = b'[{"n":"/19/1/0","vs":"x"}]'
    non = await setup.client.send(body, con=False)
    seen = await setup.server.next_seen()
    assert (seen.path, seen.mtype, seen.payload, seen.content_format) == (("dp",), NON, body, 110)
    assert seen.mid == non.mid and await non.result == 0
    con = await setup.client.send(body, con=True)
    seen = await setup.server.next_seen()
    assert seen.mtype == CON and seen.mid == con.mid
    assert await asyncio.wait_for(con.result, WAIT) == 0
    assert con.mid != non.mid


# --------------------------------------------------------------------------------------------------
# Built-in objects


async def test_read_builtin_resources_as_text(setup: Setup) -> None:
    await setup.register()
    for path, text in [
        ("/3/0/0", "Quectel"),
        ("/3/0/1", "BC26"),
        ("/3/0/2", IMEI),
        ("/3/0/3", "BC26NBR01A08"),
        ("/3/0/17", "500677"),
        ("/1/0/1", "300"),
        ("/1/0/7", "U"),
        ("/5/0/3", "0"),
        ("/4/0/2", "-85"),
    ]:
        response = await setup.server.ask(GET, path, accept=ContentFormat.TEXT)
        assert response.code == CONTENT, path
        assert response.payload.decode() == text, path
        assert response.opt.content_format == ContentFormat.TEXT
    # Without Accept: text/plain for a single resource as well.
    response = await setup.server.ask(GET, "/3/0/0")
    assert (response.payload, response.opt.content_format) == (b"Quectel", 0)
    assert setup.handler.requests.empty()


async def test_read_builtin_instance_as_tlv(setup: Setup) -> None:
    await setup.register()
    response = await setup.server.ask(GET, "/3/0")
    assert response.code == CONTENT
    assert response.opt.content_format == ContentFormat.TLV
    values = decode(ContentFormat.TLV, (3, 0), response.payload)
    assert values[(3, 0, 0)] == b"Quectel"
    assert values[(3, 0, 2)] == IMEI.encode()
    assert (3, 0, 4) not in values  # executable resources have no value
    response = await setup.server.ask(GET, "/4/0", accept=ContentFormat.TLV)
    values = decode(ContentFormat.TLV, (4, 0), response.payload)
    assert values[(4, 0, 4, 0)] == b"127.0.0.1"


async def test_read_builtin_in_json_formats(setup: Setup) -> None:
    await setup.register()
    response = await setup.server.ask(GET, "/3/0/0", accept=ContentFormat.SENML_JSON)
    assert response.opt.content_format == ContentFormat.SENML_JSON
    assert decode(ContentFormat.SENML_JSON, (3, 0, 0), response.payload) == {(3, 0, 0): "Quectel"}
    response = await setup.server.ask(GET, "/1/0", accept=ContentFormat.LWM2M_JSON)
    assert decode(ContentFormat.LWM2M_JSON, (1, 0), response.payload)[(1, 0, 1)] == 300


async def test_builtin_errors(setup: Setup) -> None:
    await setup.register()
    assert (await setup.server.ask(PUT, "/3/0/0", payload=b"ACME", content_format=0)).code == METHOD_NOT_ALLOWED
    assert (await setup.server.ask(GET, "/3/0/4")).code == METHOD_NOT_ALLOWED
    assert (await setup.server.ask(POST, "/3/0/0")).code == METHOD_NOT_ALLOWED
    assert (await setup.server.ask(GET, "/3/0/99")).code == NOT_FOUND
    assert (await setup.server.ask(GET, "/3/1")).code == NOT_FOUND
    assert (await setup.server.ask(GET, "/0/0/5")).code == UNAUTHORIZED
    assert (await setup.server.ask(PUT, "/1/0/1", payload=b"5", content_format=0)).code == BAD_REQUEST
    assert (await setup.server.ask(PUT, "/1/0/7", payload=b"T", content_format=0)).code == BAD_REQUEST
    assert setup.handler.server_writes.empty()


async def test_server_writes_lifetime_and_binding(setup: Setup) -> None:
    await setup.register()
    response = await setup.server.ask(PUT, "/1/0/1", payload=b"120", content_format=0)
    assert response.code == CHANGED
    assert await asyncio.wait_for(setup.handler.server_writes.get(), WAIT) == ((1, 0, 1), 120, False)
    payload = encode(ContentFormat.TLV, (1, 0), {(1, 0, 7): "UQ"})
    response = await setup.server.ask(POST, "/1/0", payload=payload, content_format=ContentFormat.TLV)
    assert response.code == CHANGED
    assert await asyncio.wait_for(setup.handler.server_writes.get(), WAIT) == ((1, 0, 7), "UQ", False)
    response = await setup.server.ask(GET, "/1/0/1")
    assert response.payload == b"120"


async def test_execute_reboot_and_factory_reset(setup: Setup) -> None:
    await setup.register()
    assert (await setup.server.ask(POST, "/3/0/4")).code == CHANGED
    assert await asyncio.wait_for(setup.handler.executes.get(), WAIT) == (3, 0, 4)
    assert (await setup.server.ask(POST, "/3/0/5")).code == CHANGED
    assert await asyncio.wait_for(setup.handler.executes.get(), WAIT) == (3, 0, 5)
    assert setup.handler.requests.empty()


async def test_registration_update_trigger_sends_update(setup: Setup) -> None:
    await setup.register()
    assert (await setup.server.ask(POST, "/1/0/8")).code == CHANGED
    seen = await setup.server.next_seen()
    assert seen.path == ("rd", "5a3f") and seen.code == POST


async def test_discover(setup: Setup) -> None:
    await setup.register()
    response = await setup.server.ask(GET, "/19/0", accept=ContentFormat.LINK)
    assert response.payload == b"</19/0>,</19/0/0>,</19/0/1>"
    response = await setup.server.ask(GET, "/5/0", accept=ContentFormat.LINK)
    assert response.payload == b"</5/0>,</5/0/3>,</5/0/5>"
    assert setup.handler.requests.empty()


# --------------------------------------------------------------------------------------------------
# Custom objects: the terminal answers


async def test_custom_read_answered_by_respond(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0/0", accept=ContentFormat.TEXT))
    request = await setup.handler.next_request()
    assert (request.op, request.path, request.accept) == ("read", (19, 0, 0), 0)
    assert setup.client.pending() == [request]
    assert await setup.client.respond(request.mid, CONTENT, {(19, 0, 0): "abcde"}) == 0
    response = await asking
    assert response.code == CONTENT
    assert (response.payload, response.opt.content_format) == (b"abcde", 0)
    assert setup.client.pending() == []
    with pytest.raises(KeyError):
        await setup.client.respond(request.mid, CONTENT, {(19, 0, 0): "again"})


class _EmptyAckSeen(logging.Handler):
    """Sets ``seen`` when the client logs an empty ACK going out (every datagram sent is logged)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if isinstance(message, Message) and message.mtype == ACK and not message.code:
            self.seen.set()


async def test_custom_read_after_empty_ack_gets_separate_response(setup: Setup) -> None:
    await setup.register()
    empty_ack = _EmptyAckSeen()
    client_log = logging.getLogger("qlaterm.sim.client")
    level = client_log.level
    client_log.setLevel(logging.DEBUG)
    client_log.addHandler(empty_ack)
    try:
        asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0/0"))
        request = await setup.handler.next_request()
        await asyncio.wait_for(empty_ack.seen.wait(), WAIT)
    finally:
        client_log.removeHandler(empty_ack)
        client_log.setLevel(level)
    assert await setup.client.respond(request.mid, CONTENT, {(19, 0, 0): b"\x01\x02"}) == 0
    response = await asking
    assert response.mtype == CON  # the separate response
    assert (response.payload, response.opt.content_format) == (b"\x01\x02", ContentFormat.OPAQUE)


async def test_custom_instance_read_defaults_to_tlv(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0"))
    request = await setup.handler.next_request()
    assert request.path == (19, 0) and request.accept is None
    await setup.client.respond(request.mid, CONTENT, {(19, 0, 0): "on", (19, 0, 1): 7})
    response = await asking
    assert response.opt.content_format == ContentFormat.TLV
    assert decode(ContentFormat.TLV, (19, 0), response.payload) == {(19, 0, 0): b"on", (19, 0, 1): b"\x07"}


async def test_custom_read_honours_accept(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0/0", accept=ContentFormat.SENML_JSON))
    request = await setup.handler.next_request()
    await setup.client.respond(request.mid, CONTENT, {(19, 0, 0): "abc"})
    response = await asking
    assert response.opt.content_format == ContentFormat.SENML_JSON
    assert decode(ContentFormat.SENML_JSON, (19, 0, 0), response.payload) == {(19, 0, 0): "abc"}


async def test_custom_read_error_answer(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/1/0"))
    request = await setup.handler.next_request()
    await setup.client.respond(request.mid, NOT_FOUND)
    assert (await asking).code == NOT_FOUND


async def test_uri_query_and_token_reach_the_handler(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/1/0", query=["a=1", "b"]))
    request = await setup.handler.next_request()
    assert request.uri_query == "a=1&b"
    assert request.token
    await setup.client.respond(request.mid, CONTENT, {(19, 1, 0): "x"})
    await asking


async def test_write_text_and_1541_give_str(setup: Setup) -> None:
    await setup.register()
    for fmt in (ContentFormat.TEXT, ContentFormat.OLD_TEXT):
        asking = asyncio.ensure_future(
            setup.server.ask(PUT, "/19/1/0", payload=b'{"outletStatus":"1"}', content_format=fmt)
        )
        request = await setup.handler.next_request()
        assert (request.op, request.path, request.content_format) == ("write", (19, 1, 0), fmt)
        assert request.values == {(19, 1, 0): '{"outletStatus":"1"}'}
        assert request.payload == b'{"outletStatus":"1"}'
        assert await setup.client.respond(request.mid, CHANGED) == 0
        assert (await asking).code == CHANGED


async def test_write_instance_tlv_gives_bytes(setup: Setup) -> None:
    await setup.register()
    payload = encode(ContentFormat.TLV, (19, 0), {(19, 0, 0): b"QUECTEL", (19, 0, 1): 5})
    asking = asyncio.ensure_future(setup.server.ask(POST, "/19/0", payload=payload, content_format=11542))
    request = await setup.handler.next_request()
    assert request.op == "write" and request.path == (19, 0)
    assert request.values == {(19, 0, 0): b"QUECTEL", (19, 0, 1): b"\x05"}
    await setup.client.respond(request.mid, BAD_REQUEST)
    assert (await asking).code == BAD_REQUEST


async def test_write_to_resource_not_added_is_404(setup: Setup) -> None:
    await setup.register()
    payload = encode(ContentFormat.TLV, (19, 1), {(19, 1, 0): b"a", (19, 1, 5): b"b"})
    response = await setup.server.ask(PUT, "/19/1", payload=payload, content_format=11542)
    assert response.code == NOT_FOUND
    response = await setup.server.ask(PUT, "/19/0/0", payload=b"\xff\xfe", content_format=0)
    assert response.code == BAD_REQUEST  # not UTF-8 text
    assert setup.handler.requests.empty()


async def test_execute_custom(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(POST, "/19/0/1", payload=b"5"))
    request = await setup.handler.next_request()
    assert (request.op, request.path, request.payload) == ("execute", (19, 0, 1), b"5")
    await setup.client.respond(request.mid, CHANGED)
    assert (await asking).code == CHANGED


async def test_unknown_paths_and_methods(setup: Setup) -> None:
    await setup.register()
    for path in ("/19/9/0", "/19/0/7", "/7/0", "/7", "/19/x", "/19/0/0/0"):
        assert (await setup.server.ask(GET, path)).code == NOT_FOUND, path
    assert (await setup.server.ask(DELETE, "/19/0")).code == METHOD_NOT_ALLOWED
    assert (await setup.server.ask(POST, "/19")).code == METHOD_NOT_ALLOWED
    assert (await setup.server.ask(PUT, "/19", payload=b"x", content_format=0)).code == METHOD_NOT_ALLOWED
    assert (await setup.server.ask(GET, "/19/0", accept=ContentFormat.TEXT)).code.name == "NOT_ACCEPTABLE"
    assert setup.handler.requests.empty()


async def test_unanswered_request_gets_503(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0/0"))
    request = await setup.handler.next_request()
    assert await asyncio.wait_for(setup.handler.expired.get(), WAIT) == request.mid
    assert (await asking).code == SERVICE_UNAVAILABLE
    assert setup.client.pending() == []
    with pytest.raises(KeyError):
        await setup.client.respond(request.mid, CONTENT, {(19, 0, 0): "late"})


async def test_refused_request_gets_503_at_once(setup: Setup) -> None:
    await setup.register()
    setup.handler.accept = False
    response = await setup.server.ask(GET, "/19/0/0")
    assert response.code == SERVICE_UNAVAILABLE
    assert response.mtype == ACK  # piggybacked: refused at once, not after the timeout
    assert setup.client.pending() == []


async def test_write_attributes_answered_by_client(setup: Setup) -> None:
    await setup.register()
    response = await setup.server.ask(PUT, "/19/0/0", query=["pmin=10", "pmax=60"])
    assert response.code == CHANGED
    assert setup.handler.requests.empty()


# --------------------------------------------------------------------------------------------------
# Observe and notifications


async def observe(setup: Setup, path: str, **kwargs: Any) -> tuple[Any, asyncio.Queue[Message]]:
    """Start an observation from the server; returns aiocoap's request and a queue of notifications."""
    assert setup.server.ctx is not None
    request = setup.server.ctx.request(setup.server.message(GET, path, observe=0, **kwargs))
    notifications: asyncio.Queue[Message] = asyncio.Queue()

    async def collect() -> None:
        async for note in request.observation:
            notifications.put_nowait(note)

    setup.tasks.append(asyncio.ensure_future(collect()))
    return request, notifications


async def test_observe_and_notifications(setup: Setup) -> None:
    await setup.register()
    request, notifications = await observe(setup, "/19/0/0")
    sreq = await setup.handler.next_request()
    assert (sreq.op, sreq.path) == ("observe", (19, 0, 0))
    assert await setup.client.respond(sreq.mid, CONTENT, {(19, 0, 0): "20"}) == 0
    first = await asyncio.wait_for(request.response, WAIT)
    assert first.code == CONTENT and first.payload == b"20" and first.opt.observe is not None
    assert setup.client.observations() == [(19, 0, 0)]

    non = await setup.client.notify((19, 0, 0), {(19, 0, 0): "21"}, con=False)
    note = await asyncio.wait_for(notifications.get(), WAIT)
    assert (note.payload, note.mtype, note.mid) == (b"21", NON, non.mid)
    assert await non.result == 0

    con = await setup.client.notify((19, 0, 0), {(19, 0, 0): "22"}, con=True)
    note = await asyncio.wait_for(notifications.get(), WAIT)
    assert (note.payload, note.mtype, note.mid) == (b"22", CON, con.mid)
    assert await asyncio.wait_for(con.result, WAIT) == 0
    assert note.opt.observe > first.opt.observe


async def test_instance_observation_covers_its_resources(setup: Setup) -> None:
    await setup.register()
    request, notifications = await observe(setup, "/19/0")
    sreq = await setup.handler.next_request()
    await setup.client.respond(sreq.mid, CONTENT, {(19, 0, 0): "a"})
    await asyncio.wait_for(request.response, WAIT)
    await setup.client.notify((19, 0, 1), {(19, 0, 1): 9}, con=False)
    note = await asyncio.wait_for(notifications.get(), WAIT)
    assert note.opt.content_format == ContentFormat.TLV
    assert decode(ContentFormat.TLV, (19, 0), note.payload) == {(19, 0, 1): b"\x09"}
    with pytest.raises(LookupError):
        await setup.client.notify((19, 1, 0), {(19, 1, 0): "x"}, con=False)


async def test_observe_refused_establishes_nothing(setup: Setup) -> None:
    await setup.register()
    request, _ = await observe(setup, "/19/0/0")
    sreq = await setup.handler.next_request()
    await setup.client.respond(sreq.mid, NOT_FOUND)
    assert (await asyncio.wait_for(request.response, WAIT)).code == NOT_FOUND
    assert setup.client.observations() == []


async def test_cancel_observation(setup: Setup) -> None:
    await setup.register()
    request, _ = await observe(setup, "/19/0/0")
    sreq = await setup.handler.next_request()
    await setup.client.respond(sreq.mid, CONTENT, {(19, 0, 0): "1"})
    await asyncio.wait_for(request.response, WAIT)
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0/0", observe=1))
    cancel = await setup.handler.next_request()
    assert (cancel.op, cancel.path) == ("cancel", (19, 0, 0))
    await setup.client.respond(cancel.mid, CONTENT, {(19, 0, 0): "1"})
    response = await asking
    assert response.code == CONTENT and response.opt.observe is None
    assert setup.client.observations() == []


async def test_observe_builtin_is_answered_by_client(setup: Setup) -> None:
    await setup.register()
    request, notifications = await observe(setup, "/3/0/9")
    first = await asyncio.wait_for(request.response, WAIT)
    assert first.payload == b"100" and first.opt.observe is not None
    assert setup.client.observations() == [(3, 0, 9)]
    assert setup.handler.requests.empty()
    await setup.client.notify((3, 0, 9), {(3, 0, 9): 55}, con=False)
    assert (await asyncio.wait_for(notifications.get(), WAIT)).payload == b"55"


async def test_suspend_and_resume_keep_observation(setup: Setup) -> None:
    await setup.register()
    request, notifications = await observe(setup, "/19/0/0")
    sreq = await setup.handler.next_request()
    await setup.client.respond(sreq.mid, CONTENT, {(19, 0, 0): "1"})
    await asyncio.wait_for(request.response, WAIT)
    port = setup.client.port
    await setup.client.suspend()
    assert setup.client.port is None
    assert setup.client.observations() == [(19, 0, 0)]
    assert await setup.client.resume() == 0
    seen = await setup.server.next_seen()
    assert seen.path == ("rd", "5a3f") and seen.query == ()
    assert setup.client.port == port
    await setup.client.notify((19, 0, 0), {(19, 0, 0): "2"}, con=True)
    assert (await asyncio.wait_for(notifications.get(), WAIT)).payload == b"2"


async def test_suspend_expires_pending_requests(setup: Setup) -> None:
    await setup.register()
    asking = asyncio.ensure_future(setup.server.ask(GET, "/19/0/0"))
    request = await setup.handler.next_request()
    await setup.client.suspend()
    assert await asyncio.wait_for(setup.handler.expired.get(), WAIT) == request.mid
    assert setup.client.pending() == []
    asking.cancel()


# --------------------------------------------------------------------------------------------------
# Bootstrap


async def test_bootstrap_assigns_server(setup: Setup) -> None:
    server = setup.server
    dm_port = 5783

    async def provision() -> None:
        security = encode(
            ContentFormat.TLV,
            (0, 1),
            {(0, 1, 0): f"coap://127.0.0.1:{dm_port}", (0, 1, 1): False, (0, 1, 2): 3, (0, 1, 10): 7},
        )
        bs_security = encode(ContentFormat.TLV, (0, 0), {(0, 0, 0): "coap://127.0.0.1:1", (0, 0, 1): True})
        account = encode(ContentFormat.TLV, (1, 0), {(1, 0, 0): 7, (1, 0, 1): 45, (1, 0, 7): "U"})
        assert (await server.ask(DELETE, "/")).code == DELETED
        for path, payload in (("/0/0", bs_security), ("/0/1", security), ("/1/0", account)):
            response = await server.ask(PUT, path, payload=payload, content_format=ContentFormat.TLV)
            assert response.code == CHANGED, path
        assert (await server.ask(POST, "/bs")).code == CHANGED

    tasks: list[asyncio.Task[None]] = []
    server.on_bootstrap_request = lambda: tasks.append(asyncio.ensure_future(provision()))
    status, assigned = await setup.client.bootstrap(setup.target(port=server.port, bootstrap=True, lifetime=30))
    await asyncio.gather(*tasks)
    seen = server.seen[0]
    assert seen.path == ("bs",) and seen.query == ("ep=ep1",) and seen.code == POST
    assert status == 0
    assert assigned == ServerTarget(
        host="127.0.0.1", port=dm_port, endpoint="ep1", lifetime=45, binding="U", security_mode=3,
        short_server_id=7, security_instance=1, server_instance=0,
    )
    writes = [setup.handler.server_writes.get_nowait() for _ in range(2)]
    assert writes == [((1, 0, 1), 45, True), ((1, 0, 7), "U", True)]
    assert setup.handler.events[-1] == "bs_finished"


async def test_bootstrap_without_finish_times_out(setup: Setup) -> None:
    status, assigned = await setup.client.bootstrap(setup.target(bootstrap=True))
    assert (status, assigned) == (1, None)


async def test_bootstrap_request_refused(setup: Setup) -> None:
    setup.server.bootstrap_code = FORBIDDEN
    status, assigned = await setup.client.bootstrap(setup.target(bootstrap=True))
    assert (status, assigned) == (13, None)
