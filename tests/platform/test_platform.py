"""The bundled LwM2M platform against a tiny aiocoap LwM2M client: what the platform answers, what it
sends to the device, and the events and CoAP log it reports."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiocoap import CON, Code, Message

from qlaterm.lwm2m.formats import tlv
from qlaterm.platform.model import (
    BootstrapFinished,
    CoapRecord,
    Deregistered,
    Expired,
    Notification,
    ObservationEnded,
    OperationDone,
    Registered,
    RequestFailed,
    RequestTimeout,
    SendReceived,
    UnknownDevice,
    Updated,
)
from qlaterm.platform.server import BootstrapConfig, Platform
from tests.tinyclient import TinyClient


@pytest.fixture
async def client() -> AsyncIterator[TinyClient]:
    c = TinyClient("dev-1")
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def registered(platform: Platform, client: TinyClient, lifetime: int = 300) -> None:
    response = await client.register(platform.port, lifetime=lifetime)
    assert response.code == Code.CREATED


# ------------------------------------------------------------------------------------ registration


async def test_register_answers_created_with_location_and_records_the_device(
    platform: Platform, client: TinyClient
) -> None:
    events = platform.events()
    response = await client.register(platform.port, lifetime=120, binding="UQ")

    assert response.code == Code.CREATED
    assert response.opt.location_path[0] == "rd" and len(response.opt.location_path) == 2
    event = await events.wait_for(Registered, timeout=5)
    device = platform.devices["dev-1"]
    assert event.device is device and not event.replaced
    assert device.location == "/".join(response.opt.location_path)
    assert (device.lifetime, device.binding, device.lwm2m_version) == (120, "UQ", "1.0")
    assert device.object_paths() == [(1, 0), (3, 0), (19, 0)]
    assert device.address == ("127.0.0.1", client.port)
    assert await platform.wait_for_registration("dev-1") is device

    incoming = [r for r in platform.coap_log if r.direction == "in" and r.path == "/rd"]
    assert incoming and incoming[0].type == "CON" and incoming[0].content_format == 40
    assert "ep=dev-1" in incoming[0].query and incoming[0].payload == "link </1/0>,</3/0>,</19/0>"
    answer = next(r for r in platform.coap_log if r.direction == "out" and r.code == Code.CREATED)
    assert answer.type == "ACK" and answer.mid == incoming[0].mid and answer.path == "/" + device.location


async def test_register_again_replaces_the_old_registration(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    first = platform.devices["dev-1"].location
    events = platform.events()
    await registered(platform, client)
    event = await events.wait_for(Registered, timeout=5)
    assert event.replaced and event.device.location != first
    update = await client.update(platform.port)  # the client now holds the new location
    assert update.code == Code.CHANGED
    client.location = first
    assert (await client.update(platform.port)).code == Code.NOT_FOUND


@pytest.mark.parametrize(
    ("query", "body", "content_format"),
    [
        ("lt=30&lwm2m=1.0&b=U", "</3/0>", 40),  # no endpoint name
        ("ep=x&lt=abc", "</3/0>", 40),  # lifetime not a number
        ("ep=x&lt=0", "</3/0>", 40),
        ("ep=x&b=Z", "</3/0>", 40),  # not a binding
        ("ep=x", "</3/0", 40),  # broken link-format
        ("ep=x", '{"a":1}', 50),  # not link-format at all
    ],
)
async def test_malformed_register_gets_bad_request(
    platform: Platform, client: TinyClient, query: str, body: str, content_format: int
) -> None:
    msg = Message(
        code=Code.POST,
        uri=f"coap://127.0.0.1:{platform.port}/rd?{query}",
        payload=body.encode(),
        content_format=content_format,
    )
    response = await client._send(msg)
    assert response.code == Code.BAD_REQUEST
    assert not platform.devices


async def test_update_refreshes_lifetime_binding_and_objects(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    events = platform.events()
    response = await client.update(platform.port, "lt=600&b=UQ", body="</1/0>,</3/0>,</19/0>,</19/1>")
    assert response.code == Code.CHANGED
    event = await events.wait_for(Updated, timeout=5)
    assert set(event.changed) == {"lifetime", "binding", "objects"}
    device = platform.devices["dev-1"]
    assert (device.lifetime, device.binding) == (600, "UQ")
    assert (19, 1) in device.object_paths()

    plain = await client.update(platform.port)
    assert plain.code == Code.CHANGED
    assert (await events.wait_for(Updated, timeout=5)).changed == ()


async def test_deregister_removes_the_device(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    events = platform.events()
    response = await client.deregister(platform.port)
    assert response.code == Code.DELETED
    event = await events.wait_for(Deregistered, timeout=5)
    assert event.endpoint == "dev-1"
    assert not platform.devices
    with pytest.raises(UnknownDevice):
        await platform.read("dev-1", "/3/0/0")


async def test_requests_on_an_unknown_location_get_not_found(platform: Platform, client: TinyClient) -> None:
    client.location = "rd/nope"
    assert (await client.update(platform.port)).code == Code.NOT_FOUND
    assert (await client.deregister(platform.port)).code == Code.NOT_FOUND


async def test_lifetime_expiry_removes_the_device(platform: Platform, client: TinyClient) -> None:
    events = platform.events()
    await registered(platform, client, lifetime=1)
    event = await events.wait_for(Expired, timeout=5)
    assert event.endpoint == "dev-1" and event.device.lifetime == 1
    assert "dev-1" not in platform.devices
    assert (await client.update(platform.port)).code == Code.NOT_FOUND


async def test_wrong_method_or_path_on_the_server(platform: Platform, client: TinyClient) -> None:
    get_rd = await client._send(Message(code=Code.GET, uri=f"coap://127.0.0.1:{platform.port}/rd"))
    assert get_rd.code == Code.METHOD_NOT_ALLOWED
    other = await client._send(Message(code=Code.POST, uri=f"coap://127.0.0.1:{platform.port}/nothing"))
    assert other.code == Code.NOT_FOUND


# ------------------------------------------------------------------------------ device management


async def test_read_resource_as_text_and_as_tlv(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    text = await platform.read("dev-1", "/3/0/0")
    assert text.code == Code.CONTENT and text.content_format == 0
    assert text.values == {(3, 0, 0): "ACME"} and text.value == "ACME" and text.text == 'text "ACME"'
    assert client.received[-1].accept is None and client.received[-1].path == ("3", "0", "0")

    tlv = await platform.read("dev-1", (3, 0, 0), accept=11542)
    assert tlv.content_format == 11542 and tlv.values == {(3, 0, 0): b"ACME"}
    assert client.received[-1].accept == 11542

    missing = await platform.read("dev-1", "/3/0/9")
    assert missing.code == Code.NOT_FOUND and not missing.ok and missing.values == {}


@pytest.mark.parametrize("accept", [11543, 110, 112])
async def test_read_in_self_describing_formats(platform: Platform, client: TinyClient, accept: int) -> None:
    await registered(platform, client)
    result = await platform.read("dev-1", "/3/0/0", accept=accept)
    assert result.content_format == accept and result.values == {(3, 0, 0): "ACME"}
    assert "ACME" in result.text


async def test_write_execute_discover_and_write_attributes(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    done = platform.events()

    write = await platform.write("dev-1", "/19/0/0", "on")
    assert write.code == Code.CHANGED
    put = client.received[-1]
    assert (put.method, put.content_format, put.payload) == ("PUT", 0, b"on")
    assert client.resources[(19, 0, 0)].value == "on"

    opaque = await platform.write("dev-1", "/19/0/0", b"\x01\x02")
    assert opaque.code == Code.CHANGED and client.received[-1].content_format == 42

    execute = await platform.execute("dev-1", "/19/0/0", "5")
    assert execute.code == Code.CHANGED
    post = client.received[-1]
    assert (post.method, post.payload, post.content_format) == ("POST", b"5", 0)

    attrs = await platform.write_attributes("dev-1", "/19/0/0", pmin=1, pmax=5)
    assert attrs.code == Code.CHANGED
    assert client.received[-1].query == ("pmin=1", "pmax=5") and client.received[-1].payload == b""

    discover = await platform.discover("dev-1", "/19/0/0")
    assert discover.code == Code.CONTENT and discover.content_format == 40
    assert client.received[-1].accept == 40
    assert [link.path for link in discover.links] == ["/19/0/0"]
    assert discover.links[0].attrs == {"pmin": "1", "pmax": "5"}

    operations = [e.operation for e in done.pending() if isinstance(e, OperationDone)]
    assert operations == ["write", "write", "execute", "write-attributes", "discover"]


async def test_instance_write_goes_as_tlv(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    result = await platform.write("dev-1", "/1/0", {1: 120, 7: "U"})
    assert result.code == Code.CHANGED
    put = client.received[-1]
    assert (put.method, put.path, put.content_format) == ("PUT", ("1", "0"), 11542)
    values = client.instances[(1, 0)].values
    assert tlv.tlv_int(values[(1, 0, 1)]) == 120 and tlv.tlv_str(values[(1, 0, 7)]) == "U"


async def test_partial_instance_write_goes_as_post(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    result = await platform.write("dev-1", "/1/0", {(1, 0, 1): 90}, partial=True)
    assert result.code == Code.CHANGED
    post = client.received[-1]
    assert (post.method, post.content_format) == ("POST", 11542)
    assert tlv.tlv_int(client.instances[(1, 0)].values[(1, 0, 1)]) == 90


async def test_requests_follow_the_device_to_the_address_of_its_last_update(platform: Platform) -> None:
    first, moved = TinyClient("roamer"), TinyClient("roamer")
    await first.start({(3, 0, 0): "old address"})
    await moved.start({(3, 0, 0): "new address"})
    try:
        await registered(platform, first)
        assert (await platform.read("roamer", "/3/0/0")).value == "old address"
        events = platform.events()
        moved.location = first.location
        assert (await moved.update(platform.port)).code == Code.CHANGED
        assert (await events.wait_for(Updated, timeout=5)).changed == ("address",)
        assert platform.devices["roamer"].address == ("127.0.0.1", moved.port)
        assert (await platform.read("roamer", "/3/0/0")).value == "new address"
    finally:
        await first.stop()
        await moved.stop()


async def test_observe_notifications_and_cancel(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    events = platform.events()
    obs = await platform.observe("dev-1", "/19/0/0")
    assert obs.established and obs.first.values == {(19, 0, 0): "hello"}
    assert platform.observation("dev-1", "/19/0/0") is obs
    request = client.received[-1]
    assert request.observe == 0
    await client.wait_observers((19, 0, 0), 1)

    client.resources[(19, 0, 0)].notify("one")
    note = await obs.next(timeout=5)
    assert note.values == {(19, 0, 0): "one"} and note.con is False
    event = await events.wait_for(Notification, timeout=5)
    assert event is note and event.mid is not None

    client.resources[(19, 0, 0)].notify("two", con=True)
    note = await obs.next(timeout=5)
    assert note.values == {(19, 0, 0): "two"} and note.con is True
    ack = [r for r in platform.coap_log if r.direction == "out" and r.type == "ACK" and r.mid == note.mid]
    assert len(ack) == 1 and ack[0].code == Code.EMPTY
    notes_in_log = [r for r in platform.coap_log if r.direction == "in" and r.observe is not None]
    assert [r.path for r in notes_in_log] == ["/19/0/0"] * 3

    result = await obs.cancel(timeout=5)
    assert result.code == Code.CONTENT
    cancel = client.received[-1]
    assert cancel.observe == 1 and cancel.token == request.token
    await client.wait_observers((19, 0, 0), 0)
    ended = await events.wait_for(ObservationEnded, timeout=5)
    assert ended.reason == "cancelled" and platform.observation("dev-1", "/19/0/0") is None
    with pytest.raises(StopAsyncIteration):
        await obs.next(timeout=5)


async def test_a_notification_nobody_observes_any_more_gets_rst(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    await platform.observe("dev-1", "/19/0/0")
    await client.wait_observers((19, 0, 0), 1)
    newer = await platform.observe("dev-1", "/19/0/0")  # the first one is forgotten on the platform
    await client.wait_observers((19, 0, 0), 2)

    resets: asyncio.Queue[CoapRecord] = asyncio.Queue()
    platform.coap_log.add_listener(lambda r: resets.put_nowait(r) if r.type == "RST" else None)
    client.resources[(19, 0, 0)].notify("x")  # one NON notification per observation on the device
    note = await newer.next(timeout=5)
    rst = await asyncio.wait_for(resets.get(), 5)
    stale = [r for r in platform.coap_log if r.direction == "in" and r.mid == rst.mid]
    assert len(stale) == 1 and stale[0].type == "NON" and stale[0].observe is not None
    assert stale[0].token != newer.token.hex() and rst.mid != note.mid


async def test_observe_of_a_missing_resource_is_not_established(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    obs = await platform.observe("dev-1", "/5/0/3")
    assert obs.first.code == Code.NOT_FOUND and not obs.established
    assert [n async for n in obs] == []


async def test_deregistration_ends_observations(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    obs = await platform.observe("dev-1", "/19/0/0")
    events = platform.events()
    await client.deregister(platform.port)
    ended = await events.wait_for(ObservationEnded, timeout=5)
    assert ended.reason == "registration deregistered" and not obs.active
    assert platform.observations == []


async def test_a_silent_device_times_out_and_the_platform_keeps_serving(platform: Platform, client: TinyClient) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    try:
        register = Message(code=Code.POST, uri_path=("rd",), uri_query=("ep=silent",), payload=b"</3/0>")
        register.mtype, register.mid, register.token = CON, 4242, b"\x01"
        silent.sendto(register.encode(), ("127.0.0.1", platform.port))
        await platform.wait_for_registration("silent", timeout=5)
        with pytest.raises(RequestTimeout):
            await platform.read("silent", "/3/0/0", timeout=0.3)
        await registered(platform, client)
        assert (await platform.read("dev-1", "/3/0/0")).value == "ACME"
    finally:
        await loop.run_in_executor(None, silent.close)


# -------------------------------------------------------------------------------------- bootstrap


async def test_bootstrap_writes_security_and_server_then_finishes(client: TinyClient) -> None:
    config = BootstrapConfig(short_server_id=7, lifetime=120, binding="UQ")
    async with Platform(port=0, bootstrap=config) as platform:
        events = platform.events()
        response = await client.bootstrap_request(platform.port)
        assert response.code == Code.CHANGED
        finished = await events.wait_for(BootstrapFinished, timeout=5)
        assert finished.ok and finished.endpoint == "dev-1"

        order = [(r.method, r.path) for r in client.received]
        assert order == [("PUT", ("0", "0")), ("PUT", ("1", "0")), ("POST", ("bs",))]
        assert {r.content_format for r in client.received[:2]} == {11542}
        security = client.instances[(0, 0)].values
        assert tlv.tlv_str(security[(0, 0, 0)]) == f"coap://127.0.0.1:{platform.port}"
        assert tlv.tlv_bool(security[(0, 0, 1)]) is False
        assert tlv.tlv_int(security[(0, 0, 2)]) == 3
        assert tlv.tlv_int(security[(0, 0, 10)]) == 7
        assert (0, 0, 3) not in security and (0, 0, 5) not in security
        server = client.instances[(1, 0)].values
        assert tlv.tlv_int(server[(1, 0, 0)]) == 7
        assert tlv.tlv_int(server[(1, 0, 1)]) == 120
        assert tlv.tlv_str(server[(1, 0, 7)]) == "UQ"


async def test_bootstrap_with_psk_points_at_the_dtls_port(client: TinyClient) -> None:
    config = BootstrapConfig(security_mode=0, psk_identity="dev-1-id", psk_key=b"\x01\x02\x03")
    async with Platform(port=0, bootstrap=config) as platform:
        events = platform.events()
        await client.bootstrap_request(platform.port)
        assert (await events.wait_for(BootstrapFinished, timeout=5)).ok
        security = client.instances[(0, 0)].values
        assert tlv.tlv_str(security[(0, 0, 0)]) == f"coaps://127.0.0.1:{platform.port + 1}"
        assert tlv.tlv_int(security[(0, 0, 2)]) == 0
        assert security[(0, 0, 3)] == b"dev-1-id" and security[(0, 0, 5)] == b"\x01\x02\x03"
        assert platform.psk_store == {"dev-1-id": b"\x01\x02\x03"}


async def test_bootstrap_reports_a_refused_write(platform: Platform) -> None:
    client = TinyClient("no-server-object")
    await client.start(instances=((0, 0),))
    try:
        events = platform.events()
        await client.bootstrap_request(platform.port)
        finished = await events.wait_for(BootstrapFinished, timeout=5)
        assert not finished.ok and "/1/0" in finished.detail and "4.04" in finished.detail
        assert [r.path for r in client.received] == [("0", "0")]
    finally:
        await client.stop()


# ------------------------------------------------------------------------------------------- send


async def test_send_on_dp_is_accepted_and_decoded(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    events = platform.events()
    document = json.dumps([{"n": "/19/1/0", "vs": '{"outletStatus":"0"}'}]).encode()
    response = await client.send(platform.port, document)
    assert response.code == Code.CHANGED
    event = await events.wait_for(SendReceived, timeout=5)
    assert event.endpoint == "dev-1" and event.payload == document and event.content_format == 110
    assert event.values == {(19, 1, 0): '{"outletStatus":"0"}'}


async def test_send_that_does_not_decode_is_still_received(platform: Platform, client: TinyClient) -> None:
    await registered(platform, client)
    events = platform.events()
    response = await client.send(platform.port, b"\xff\x00", content_format=42)
    assert response.code == Code.CHANGED
    event = await events.wait_for(SendReceived, timeout=5)
    assert event.payload == b"\xff\x00" and event.content_format == 42


async def test_send_from_an_unregistered_address_is_not_found(platform: Platform, client: TinyClient) -> None:
    response = await client.send(platform.port, b"[]")
    assert response.code == Code.NOT_FOUND


# --------------------------------------------------------------------------------- bad datagrams


async def test_malformed_datagrams_are_dropped_or_reset_and_the_platform_keeps_serving(
    platform: Platform, client: TinyClient
) -> None:
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    class Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            replies.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(Probe, local_addr=("127.0.0.1", 0))
    target = ("127.0.0.1", platform.port)
    garbage = [
        b"",
        b"\xff",
        b"\x40",  # truncated header
        b"\x40\x01\x00",  # still truncated
        b"\x80\x01\x00\x01",  # CoAP version 2
        b"\x49\x01\x00\x01" + b"\x00" * 9,  # token length 9 is reserved
        b"\x42\x01\x00\x01\x01",  # token shorter than announced
        b"\x40\x01\x00\x02\xff",  # payload marker without payload
        b"\x40\x01\x00\x02\xb1a\xff",  # the same after an option
        b"\x40\x01\x00\x03\xf0",  # option delta 15 is reserved
        b"\x40\x01\x00\x03\xb5ab",  # option longer than the datagram
        b"\x40\x00\x00\x04\x01",  # Empty message with a payload byte
        b"\x40\x21\x00\x05",  # reserved code class 1
        b"\x50\x21\x00\x05",  # the same, non-confirmable
        bytes(range(256)),
    ]
    try:
        for index, datagram in enumerate(garbage):
            transport.sendto(datagram, target)
            # A CoAP ping right behind it: everything that arrives before the ping's RST is the
            # platform's reaction to the garbage, and the only acceptable one is an RST of its mid.
            mid = 0x7000 + index
            transport.sendto(bytes([0x40, 0x00]) + mid.to_bytes(2, "big"), target)
            ping_rst = bytes([0x70, 0x00]) + mid.to_bytes(2, "big")
            while (reply := await asyncio.wait_for(replies.get(), 5)) != ping_rst:
                assert len(datagram) >= 4 and datagram[0] >> 4 == 4, (datagram, reply)
                assert reply == bytes([0x70, 0x00]) + datagram[2:4], (datagram, reply)

        # A well-formed CON request to nowhere is answered, not dropped.
        transport.sendto(bytes([0x40, 0x01, 0x12, 0x34, 0xB7]) + b"nowhere", target)
        reply = await asyncio.wait_for(replies.get(), 5)
        assert reply[:4] == bytes([0x60, 0x84, 0x12, 0x34])  # ACK 4.04, same mid
    finally:
        transport.close()

    bad = [r for r in platform.coap_log if r.type == "BAD"]
    assert any("reserved token length 9" in r.payload for r in bad)
    await registered(platform, client)
    assert (await platform.read("dev-1", "/3/0/0")).value == "ACME"


# ------------------------------------------------------------------------------------- lifecycle


async def test_a_taken_port_is_refused_instead_of_shared(platform: Platform) -> None:
    second = Platform(port=platform.port)
    with pytest.raises(OSError):
        await second.start()
    assert not second.running


async def test_wait_for_any_registration(platform: Platform, client: TinyClient) -> None:
    waiting = asyncio.ensure_future(platform.wait_for_registration(timeout=5))
    await registered(platform, client)
    assert (await waiting).endpoint == "dev-1"
    assert (await platform.wait_for_registration()).endpoint == "dev-1"
    with pytest.raises(TimeoutError):
        await platform.wait_for_registration("someone-else", timeout=0.05)


async def test_bootstrap_from_a_wildcard_bind_names_the_address_the_device_used(client: TinyClient) -> None:
    async with Platform(host="::", port=0) as platform:
        events = platform.events()
        await client.bootstrap_request(platform.port)
        assert (await events.wait_for(BootstrapFinished, timeout=5)).ok
        uri = tlv.tlv_str(client.instances[(0, 0)].values[(0, 0, 0)])
        assert uri == f"coap://127.0.0.1:{platform.port}"


async def test_stopping_with_requests_in_flight_leaves_no_stray_errors() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        platform = Platform(port=0, profile="telit")  # its observe will never be answered either
        await platform.start()
        sent: asyncio.Queue[CoapRecord] = asyncio.Queue()
        platform.coap_log.add_listener(lambda r: sent.put_nowait(r) if r.direction == "out" else None)
        register = Message(code=Code.POST, uri_path=("rd",), uri_query=("ep=silent",), payload=b"</3/0>")
        register.mtype, register.mid, register.token = CON, 7, b"\x07"
        silent.sendto(register.encode(), ("127.0.0.1", platform.port))
        await platform.wait_for_registration("silent", timeout=5)
        while (await asyncio.wait_for(sent.get(), 5)).path != "/19/0/0":
            pass  # the profile's observe is out and will never be answered
        reading = asyncio.ensure_future(platform.read("silent", "/3/0/0"))  # queued behind it (NSTART 1)
        await platform.stop()  # cancels the profile's task, then shuts the socket down
        with pytest.raises(RequestFailed, match="LibraryShutdown"):
            await reading
        gc.collect()
        assert errors == []
    finally:
        loop.set_exception_handler(previous)
        silent.close()


async def test_the_default_bootstrap_writes_every_mandatory_resource(client: TinyClient) -> None:
    async with Platform(port=0) as platform:
        events = platform.events()
        await client.bootstrap_request(platform.port)
        assert (await events.wait_for(BootstrapFinished, timeout=5)).ok
        security = client.instances[(0, 0)].values
        assert {(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 10)} <= set(security)
        server = client.instances[(1, 0)].values
        assert tlv.tlv_int(server[(1, 0, 1)]) == 300  # never left out: a client may take it as 0
        assert tlv.tlv_int(server[(1, 0, 2)]) == 1 and tlv.tlv_int(server[(1, 0, 3)]) == 60
        assert tlv.tlv_bool(server[(1, 0, 6)]) is True
        assert tlv.tlv_str(server[(1, 0, 7)]) == "U"


def test_a_bootstrap_lifetime_must_be_positive() -> None:
    with pytest.raises(ValueError):
        BootstrapConfig(lifetime=0)
