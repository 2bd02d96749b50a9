"""Write-Attributes (pmin, pmax, gt, lt, st) on the simulated module, driven by the bundled platform: kept per
path with inheritance, reported by Discover, refused when invalid, kept across deep sleep and a cancel, and
obeyed by the notifications of built-in and custom resources (SPEC section 2). Periods run at a time scale,
so a pmax of 3 s is 30 ms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiocoap
import pytest
from aiocoap.numbers.codes import Code

from qlaterm.lwm2m.paths import Path
from qlaterm.platform.model import Notification
from qlaterm.platform.server import Platform
from qlaterm.sim.client.attributes import Attributes
from qlaterm.sim.client.observations import changed
from tests.sim.test_lwm2m import EP, registered
from tests.simkit import ModuleDriver, observed

SCALE = 0.01


async def discovered(platform: Platform, path: str) -> dict[str, dict[str, str | None]]:
    """Discover ``path``: each link's path and its attributes."""
    result = await platform.discover(EP, path)
    assert result.code == Code.CONTENT
    return {link.path: link.attrs for link in result.links}


@asynccontextmanager
async def raw_client() -> AsyncIterator[aiocoap.Context]:
    ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
    try:
        yield ctx
    finally:
        await ctx.shutdown()


async def raw_write_attributes(ctx: aiocoap.Context, platform: Platform, path: str, query: Sequence[str]) -> Code:
    """A Write-Attributes with a query the platform's API would not build (bare names, non-numbers)."""
    host, port = platform.devices[EP].address
    msg = aiocoap.Message(code=Code.PUT, uri=f"coap://{host}:{port}{path}")
    msg.opt.uri_query = tuple(query)
    return (await ctx.request(msg).response).code


# --------------------------------------------------------------------------------------------------
# Kept and reported


async def test_attributes_are_reported_by_discover_on_the_path_and_below_it() -> None:
    async with registered() as (_d, platform):
        assert (await platform.write_attributes(EP, "/3/0/13", pmin=1, pmax=3)).code == Code.CHANGED
        assert await discovered(platform, "/3/0/13") == {"/3/0/13": {"pmin": "1", "pmax": "3"}}
        assert (await platform.write_attributes(EP, "/3/0", pmax=60)).code == Code.CHANGED
        assert (await platform.write_attributes(EP, "/19/0/0", gt=20.5, lt=3, st=1)).code == Code.CHANGED
        links = await discovered(platform, "/3/0")
        assert links["/3/0"] == {"pmax": "60"}
        assert links["/3/0/13"] == {"pmin": "1", "pmax": "3"}
        assert links["/3/0/0"] == {}  # what a listed resource inherits is not repeated on it
        assert await discovered(platform, "/19/0/0") == {"/19/0/0": {"gt": "20.5", "lt": "3", "st": "1"}}


async def test_a_resource_inherits_from_its_instance_and_object_and_overrides_them() -> None:
    async with registered() as (_d, platform):
        await platform.write_attributes(EP, "/3", pmin=2, pmax=100)
        await platform.write_attributes(EP, "/3/0", pmax=50)
        await platform.write_attributes(EP, "/3/0/13", pmax=10)
        assert await discovered(platform, "/3/0/13") == {"/3/0/13": {"pmin": "2", "pmax": "10"}}
        assert await discovered(platform, "/3/0/9") == {"/3/0/9": {"pmin": "2", "pmax": "50"}}


async def test_a_bare_name_removes_the_attribute() -> None:
    async with registered() as (_d, platform), raw_client() as ctx:
        await platform.write_attributes(EP, "/3/0/13", pmin=1, pmax=3)
        assert await raw_write_attributes(ctx, platform, "/3/0/13", ["pmax"]) == Code.CHANGED
        assert await discovered(platform, "/3/0/13") == {"/3/0/13": {"pmin": "1"}}
        assert await raw_write_attributes(ctx, platform, "/3/0/13", ["pmin"]) == Code.CHANGED
        assert await discovered(platform, "/3/0/13") == {"/3/0/13": {}}


@pytest.mark.parametrize(
    "query",
    [
        ["pmin=10", "pmax=5"],  # pmax below pmin
        ["gt=10", "lt=10"],  # lt not below gt
        ["gt=10", "lt=5", "st=3"],  # lt + 2*st not below gt
        ["pmin=abc"],  # not a number
        ["pmin=1.5"],  # not whole seconds
        ["st=-1"],
        ["gt=nan"],
        ["epmin=1"],  # LwM2M 1.1
    ],
)
async def test_invalid_attributes_are_refused_with_4_00_and_change_nothing(query: list[str]) -> None:
    async with registered() as (_d, platform), raw_client() as ctx:
        await platform.write_attributes(EP, "/19/0/0", pmin=1)
        assert await raw_write_attributes(ctx, platform, "/19/0/0", query) == Code.BAD_REQUEST
        assert await discovered(platform, "/19/0/0") == {"/19/0/0": {"pmin": "1"}}


async def test_a_resource_attribute_that_contradicts_an_inherited_one_is_refused() -> None:
    async with registered() as (_d, platform):
        await platform.write_attributes(EP, "/3/0", pmin=10)
        assert (await platform.write_attributes(EP, "/3/0/13", pmax=5)).code == Code.BAD_REQUEST


async def test_attributes_on_a_path_that_does_not_exist_get_4_04() -> None:
    async with registered() as (_d, platform):
        assert (await platform.write_attributes(EP, "/19/7/0", pmin=1)).code == Code.NOT_FOUND
        assert (await platform.write_attributes(EP, "/3/0/99", pmin=1)).code == Code.NOT_FOUND


async def test_attributes_stay_after_a_cancel_and_across_deep_sleep() -> None:
    async with registered() as (d, platform):
        await platform.write_attributes(EP, "/19/0/0", pmin=1, pmax=3)
        observation = await observed(d, platform, EP, "/19/0/0", "1,1,a")
        cancel = asyncio.create_task(observation.cancel())
        mid = (await d.expect(r'\+QLAURC: "observe",(\d+),1,19,0,0')).group(1)
        assert await d.command(f"AT+QLAOBSRSP={mid},1,19,0,0,1,1,a,0") == ["OK"]
        await cancel
        assert await discovered(platform, "/19/0/0") == {"/19/0/0": {"pmin": "1", "pmax": "3"}}
        await d.module.deep_sleep()
        await d.module.wake()
        await d.expect(r'\+QLAURC: "recovered",0')
        assert await discovered(platform, "/19/0/0") == {"/19/0/0": {"pmin": "1", "pmax": "3"}}


async def test_a_new_registration_starts_without_attributes() -> None:
    async with registered() as (d, platform):
        await platform.write_attributes(EP, "/3/0/13", pmin=1)
        assert await d.command("AT+QLADEREG") == ["OK"]
        await d.expect(r"\+QLADEREG: 0")
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        await platform.wait_for_registration(EP)
        assert await discovered(platform, "/3/0/13") == {"/3/0/13": {}}


# --------------------------------------------------------------------------------------------------
# Obeyed: built-in resources that change by themselves


async def test_current_time_with_pmax_is_notified_at_pmax() -> None:
    """pmax=3 at a time scale of 0.01: notifications every 30 ms, not one in 9 s."""
    async with registered(time_scale=SCALE) as (_d, platform):
        assert (await platform.write_attributes(EP, "/3/0/13", pmin=1, pmax=3)).code == Code.CHANGED
        observation = await platform.observe(EP, "/3/0/13")
        assert observation.first.value.isdigit()  # text/plain: seconds since 1970
        loop = asyncio.get_running_loop()
        start = loop.time()
        notes = [await observation.next(timeout=5) for _ in range(5)]
        assert all(set(note.values) == {(3, 0, 13)} for note in notes)
        assert loop.time() - start < 5 * 3 * SCALE + 2  # at pmax, not at the pace of the clock (1 s)


async def test_the_server_objects_default_pmax_applies_without_attributes() -> None:
    async with registered(time_scale=SCALE) as (_d, platform):
        assert (await platform.write(EP, "/1/0/3", 2, content_format=0)).code == Code.CHANGED
        observation = await platform.observe(EP, "/3/0/13")
        await observation.next(timeout=5)
        await observation.next(timeout=5)


async def test_st_on_current_time_notifies_when_the_clock_moved_by_st() -> None:
    async with registered(time_scale=SCALE) as (_d, platform):
        await platform.write_attributes(EP, "/3/0/13", st=1)
        observation = await platform.observe(EP, "/3/0/13")
        note = await observation.next(timeout=3)
        assert int(note.values[(3, 0, 13)]) - int(observation.first.value) >= 1


async def test_a_threshold_that_is_not_crossed_sends_nothing_until_pmax() -> None:
    async with registered(time_scale=SCALE) as (_d, platform):
        await platform.write_attributes(EP, "/3/0/13", gt=4_000_000_000, pmax=150)  # 1.5 s at the scale
        observation = await platform.observe(EP, "/3/0/13")
        loop = asyncio.get_running_loop()
        start = loop.time()
        await observation.next(timeout=5)
        assert loop.time() - start >= 150 * SCALE - 0.05  # the clock changed meanwhile, but crossed nothing


def test_changed_obeys_gt_lt_st_on_numbers_only() -> None:
    path: Path = (3, 0, 9)
    before = {path: 50}
    assert changed(Attributes(), path, before, {path: 51})
    assert not changed(Attributes(), path, before, {path: 50})
    assert changed(Attributes(gt=55), path, before, {path: 56})
    assert not changed(Attributes(gt=55), path, before, {path: 54})
    assert changed(Attributes(gt=45), path, before, {path: 44})  # crossing downwards counts too
    assert changed(Attributes(lt=45), path, before, {path: 44})
    assert not changed(Attributes(lt=45), path, before, {path: 46})
    assert changed(Attributes(st=5), path, before, {path: 45})
    assert not changed(Attributes(st=5), path, before, {path: 54})
    assert changed(Attributes(st=5), (3, 0, 0), {(3, 0, 0): "a"}, {(3, 0, 0): "b"})  # not a number: any change


# --------------------------------------------------------------------------------------------------
# Obeyed: custom objects


async def observed_with(d: ModuleDriver, platform: Platform, **attrs: int) -> None:
    assert (await platform.write_attributes(EP, "/19/0/0", **attrs)).code == Code.CHANGED
    await observed(d, platform, EP, "/19/0/0", "1,5,first")


async def test_a_custom_value_is_sent_again_at_pmax() -> None:
    async with registered(time_scale=SCALE) as (d, platform):
        events = platform.events()
        await observed_with(d, platform, pmax=3)
        for _ in range(3):
            note = await events.wait_for(Notification, timeout=5)
            assert note.values == {(19, 0, 0): "first"}
        assert await d.command("AT+QLANOTIFY=19,0,0,1,6,second,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        while (note := await events.wait_for(Notification, timeout=5)).values != {(19, 0, 0): "second"}:
            pass
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(19, 0, 0): "second"}  # the re-send carries the terminal's last value
        assert d.drain() == []  # re-sends are the module's own: the terminal hears nothing


async def test_a_notification_before_pmin_is_answered_at_once_and_leaves_at_pmin() -> None:
    """pmin=100 is 1 s at the scale: the terminal's answer comes at once, the notification after pmin."""
    async with registered(time_scale=SCALE) as (d, platform):
        events = platform.events()
        loop = asyncio.get_running_loop()
        await observed_with(d, platform, pmin=100)
        established = loop.time()
        assert await d.command("AT+QLANOTIFY=19,0,0,1,5,early,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0", timeout=0.5)
        assert loop.time() - established < 100 * SCALE
        assert not any(isinstance(e, Notification) for e in events.pending())
        note = await events.wait_for(Notification, timeout=5)
        assert loop.time() - established >= 100 * SCALE - 0.01
        assert note.values == {(19, 0, 0): "early"}


async def test_notifications_before_pmin_leave_as_one_with_the_latest_value_and_con_is_reported() -> None:
    async with registered(time_scale=SCALE) as (d, platform):
        events = platform.events()
        await observed_with(d, platform, pmin=50)
        assert await d.command("AT+QLANOTIFY=19,0,0,1,3,one,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        assert await d.command("AT+QLANOTIFY=19,0,0,1,3,two,0,1") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        report = (await d.expect(r'\+QLAURC: "report",(\d+)')).group(1)
        await d.expect(rf'\+QLAURC: "report_ack",0,{report}')
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(19, 0, 0): "two"} and note.con
        assert not any(isinstance(e, Notification) for e in events.pending())
