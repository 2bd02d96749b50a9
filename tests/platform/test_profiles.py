"""Platform profiles: what the bundled server does by itself after bootstrap and registration."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiocoap import Code

from qlaterm.lwm2m.formats import tlv
from qlaterm.platform.model import (
    BootstrapFinished,
    Event,
    OperationDone,
    ProfileError,
    Registered,
    SendReceived,
)
from qlaterm.platform.profiles import PROFILES, Profile, get_profile
from qlaterm.platform.server import Platform
from tests.tinyclient import TinyClient

OUTLET = '{"outletStatus":"0","setTime":"1","firmware":"1.0","softVersion":"1.0"}'


@pytest.fixture
async def client() -> AsyncIterator[TinyClient]:
    c = TinyClient("866971031275899")
    await c.start({(3, 0, 0): "ACME", (19, 0, 0): "hello", (19, 1, 0): OUTLET})
    try:
        yield c
    finally:
        await c.stop()


def is_op(operation: str, path: tuple[int, ...]) -> object:
    return lambda e: e.operation == operation and e.path == path


def test_profile_names_and_lookup() -> None:
    assert set(PROFILES) == {"aep", "andlink", "telit", "generic"}
    assert get_profile("aep").name == "aep"
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("onenet")


async def test_generic_does_nothing_by_itself(client: TinyClient) -> None:
    async with Platform(port=0, profile="generic") as platform:
        await client.register(platform.port)
        await platform.read(client.endpoint, "/3/0/0")
        assert [(r.method, r.path) for r in client.received] == [("GET", ("3", "0", "0"))]


async def test_aep_observes_transparent_data_after_a_registration_that_lists_it(client: TinyClient) -> None:
    async with Platform(port=0, profile="aep") as platform:
        events = platform.events()
        await client.register(platform.port)
        done = await events.wait_for(OperationDone, is_op("observe", (19, 0, 0)), timeout=5)
        assert done.result is not None and done.result.code == Code.CONTENT
        assert done.origin == "profile:aep"
        await client.wait_observers((19, 0, 0), 1)
        assert platform.observation(client.endpoint, "/19/0/0") is not None
        observe = client.received[0]
        assert (observe.path, observe.observe) == (("19", "0", "0"), 0)


async def test_aep_leaves_a_device_without_object_19_alone_until_an_update_lists_it(
    client: TinyClient,
) -> None:
    client.objects = "</1/0>,</3/0>"
    async with Platform(port=0, profile="aep") as platform:
        events = platform.events()
        await client.register(platform.port)
        await platform.read(client.endpoint, "/3/0/0")
        assert [r.path for r in client.received] == [("3", "0", "0")]

        await client.update(platform.port, body="</1/0>,</3/0>,</19/0>")
        await events.wait_for(OperationDone, is_op("observe", (19, 0, 0)), timeout=5)
        await client.wait_observers((19, 0, 0), 1)


async def test_telit_observes_after_every_registration(client: TinyClient) -> None:
    client.objects = "</1/0>,</3/0>"
    async with Platform(port=0, profile="telit") as platform:
        events = platform.events()
        await client.register(platform.port)
        await events.wait_for(OperationDone, is_op("observe", (19, 0, 0)), timeout=5)
        await client.wait_observers((19, 0, 0), 1)


async def test_andlink_bootstraps_then_reads_and_switches_the_outlet_on(client: TinyClient) -> None:
    async with Platform(port=0, profile="andlink") as platform:
        events = platform.events()
        await client.bootstrap_request(platform.port)
        assert (await events.wait_for(BootstrapFinished, timeout=5)).ok
        server = client.instances[(1, 0)].values
        assert set(server) == {(1, 0, 0), (1, 0, 7)}  # binding written, lifetime left alone
        assert tlv.tlv_str(server[(1, 0, 7)]) == "U"
        security = client.instances[(0, 0)].values
        assert tlv.tlv_str(security[(0, 0, 0)]) == f"coap://127.0.0.1:{platform.port}"

        del client.received[:]
        await client.register(platform.port, lifetime=30)
        write = await events.wait_for(OperationDone, is_op("write", (19, 1, 0)), timeout=5)
        assert write.result is not None and write.result.code == Code.CHANGED
        read, put = client.received
        assert (read.method, read.path, read.accept) == ("GET", ("19", "1", "0"), None)
        assert (put.method, put.path, put.content_format) == ("PUT", ("19", "1", "0"), 0)
        assert put.payload == b'{"outletStatus":"1"}'
        assert client.resources[(19, 1, 0)].value == '{"outletStatus":"1"}'

        document = json.dumps([{"n": "/19/1/0", "vs": OUTLET}]).encode()
        assert (await client.send(platform.port, document)).code == Code.CHANGED
        sent = await events.wait_for(SendReceived, timeout=5)
        assert sent.values == {(19, 1, 0): OUTLET}


async def test_a_failing_profile_is_reported_and_the_platform_keeps_serving(client: TinyClient) -> None:
    class Broken(Profile):
        name = "broken"

        def wants(self, event: Event) -> bool:
            return isinstance(event, Registered)

        async def on_event(self, platform: Platform, event: Event) -> None:
            raise RuntimeError("profile bug")

    async with Platform(port=0, profile=Broken()) as platform:
        events = platform.events()
        await client.register(platform.port)
        error = await events.wait_for(ProfileError, timeout=5)
        assert error.profile == "broken" and error.error == "profile bug"
        assert (await platform.read(client.endpoint, "/3/0/0")).value == "ACME"
