"""The module's radio link: what each network condition does to the datagrams of the module, and what the
terminal and the platform see of it (delays, loss, nothing while unreachable, AT answer times)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from qlaterm.platform.server import Platform
from qlaterm.sim.conditions import Condition, condition
from qlaterm.sim.module import ANSWER_DELAY
from qlaterm.sim.radiolink import RadioLink, as_condition
from tests.simkit import ModuleDriver, running_module

EP = "radio-ep"


class SteadyRadio:
    """A radio that stays in its condition: attached whenever the condition has coverage, never in PSM."""

    def __init__(self, name_or_condition: str | Condition = "good", *, address: str = "127.0.0.1") -> None:
        self._condition = as_condition(name_or_condition)
        self._address = address

    @property
    def condition(self) -> Condition:
        return self._condition

    def set_condition(self, name_or_condition: str | Condition) -> None:
        self._condition = as_condition(name_or_condition)

    @property
    def attached(self) -> bool:
        return self._condition.coverage

    def reachable(self) -> bool:
        return self.attached

    def traffic(self) -> None:
        pass

    @property
    def address(self) -> str:
        return self._address


# -- the link itself ---------------------------------------------------------------------------------------
def test_ideal_passes_every_datagram_straight_through() -> None:
    link = RadioLink(SteadyRadio("ideal"))
    carried: list[int] = []
    for i in range(5):
        link.outgoing(lambda i=i: carried.append(i))
        link.incoming(lambda i=i: carried.append(-i))
    assert carried == [0, 0, 1, -1, 2, -2, 3, -3, 4, -4]
    assert link.lost == 0


def test_out_of_coverage_carries_nothing_either_way() -> None:
    link = RadioLink(SteadyRadio("none"))
    carried: list[str] = []
    link.outgoing(lambda: carried.append("out"))
    link.incoming(lambda: carried.append("in"))
    assert carried == [] and link.lost == 2
    assert not link.online


def _losses(seed: int) -> list[int]:
    link = RadioLink(SteadyRadio(condition("ideal").with_overrides(loss=0.5)), seed=seed)
    carried: list[int] = []
    for i in range(64):
        link.outgoing(lambda i=i: carried.append(i))
    return carried


def test_loss_follows_the_seed_so_a_run_repeats() -> None:
    first = _losses(7)
    assert first == _losses(7)
    assert first != _losses(8)
    assert 16 < len(first) < 48  # about half of 64 lost


async def test_delayed_datagrams_arrive_later_and_in_order() -> None:
    link = RadioLink(SteadyRadio("good"), seed=1, time_scale=0.01)  # 1-3 ms each
    loop = asyncio.get_running_loop()
    arrived: list[tuple[int, float]] = []
    done = asyncio.Event()
    start = loop.time()

    def arrive(i: int) -> Callable[[], None]:
        def deliver() -> None:
            arrived.append((i, loop.time()))
            if len(arrived) == 20:
                done.set()

        return deliver

    for i in range(20):
        link.outgoing(arrive(i))
    assert arrived == []  # nothing is delivered at once under good
    await asyncio.wait_for(done.wait(), 5)
    assert [i for i, _ in arrived] == list(range(20))
    assert arrived[0][1] - start >= 0.001


def test_a_condition_changes_at_run_time() -> None:
    radio = SteadyRadio("good")
    link = RadioLink(radio)
    radio.set_condition("none")
    carried: list[int] = []
    link.incoming(lambda: carried.append(1))
    assert carried == [] and not radio.attached
    radio.set_condition("ideal")
    link.incoming(lambda: carried.append(2))
    assert carried == [2]


# -- the module on the network -----------------------------------------------------------------------------
async def _register(d: ModuleDriver, platform: Platform, timeout: float = 10.0) -> str:
    assert await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"{EP}",300,3', timeout) == ["OK"]
    assert await d.command("AT+QLAREG", timeout) == ["OK"]
    return (await d.expect(r"\+QLAREG: (\d+)", timeout)).group(1)


async def test_registration_under_good_reaches_qlareg_0_after_the_network_delays() -> None:
    async with Platform(port=0) as platform, running_module(network="good", seed=3) as d:
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert await _register(d, platform) == "0"
        elapsed = loop.time() - start
        assert elapsed >= 0.2  # the Register out and its response back, 100-300 ms each
        await platform.wait_for_registration(EP)


async def test_registration_under_poor_reaches_qlareg_0() -> None:
    # time_scale 0.1: poor's 0.5-2 s delays become 50-200 ms, and the retransmissions keep pace
    async with Platform(port=0) as platform, running_module(network="poor", seed=5, time_scale=0.1) as d:
        assert await _register(d, platform, timeout=20) == "0"
        await platform.wait_for_registration(EP)


async def test_registration_completes_with_30_percent_loss() -> None:
    lossy = condition("ideal").with_overrides(loss=0.3)
    async with Platform(port=0) as platform, running_module(network=lossy, seed=11, time_scale=0.05) as d:
        for _ in range(3):
            assert await _register(d, platform, timeout=20) == "0"
            assert await d.command("AT+QLADEREG") == ["OK"]
            await d.expect(r"\+QLADEREG: \d+", timeout=20)


async def test_lwm2m_traffic_out_of_coverage_fails_with_packet_not_sent() -> None:
    async with Platform(port=0) as platform, running_module(network="none") as d:
        assert await _register(d, platform) == "2"
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 0", "OK"]
        assert platform.devices == {}


async def test_a_platform_request_is_lost_while_unreachable_and_arrives_once_reachable() -> None:
    async with Platform(port=0) as platform, running_module() as d:
        assert await d.command("AT+QLAADDOBJ=19,0,1,0") == ["OK"]
        await d.expect(r"\+QLAADDOBJ: 0")
        assert await _register(d, platform) == "0"
        await platform.wait_for_registration(EP)
        module = d.module
        lost = asyncio.Event()
        carry = module.radio_link.incoming

        def incoming(deliver: Callable[[], None]) -> None:
            before = module.radio_link.lost
            carry(deliver)
            if module.radio_link.lost > before:
                lost.set()

        module.radio_link.incoming = incoming  # type: ignore[method-assign]  # observe the link's verdicts
        module.network.set_condition("none")
        read = asyncio.create_task(platform.read(EP, "/19/0/0", timeout=30))
        await asyncio.wait_for(lost.wait(), 5)
        assert d.drain() == []  # nothing reached the terminal
        module.network.set_condition("ideal")  # the platform's retransmission gets through
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0', timeout=15)).group(1)
        assert await d.command(f'AT+QLARDRSP={mid},1,19,0,0,1,2,"ok",0') == ["OK"]
        result = await asyncio.wait_for(read, 10)
        assert result.ok and result.value == "ok"


# -- AT answer times ---------------------------------------------------------------------------------------
async def test_a_module_answers_in_20_to_40_ms_unless_instant() -> None:
    async with running_module(network="good") as d:
        assert d.module.answer_delay == ANSWER_DELAY == (0.020, 0.040)
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert await d.command("AT") == ["OK"]
        assert loop.time() - start >= 0.020
    async with running_module(network="good", answer_delay=(0.0, 0.0)) as d:
        assert d.module.answer_delay == (0.0, 0.0)
    async with running_module() as d:  # ideal: at once
        assert d.module.answer_delay == (0.0, 0.0)


@pytest.mark.parametrize("name", ["ideal", "good", "poor", "edge", "none"])
async def test_every_condition_is_a_module_network(name: str) -> None:
    async with running_module(network=name, time_scale=0.01) as d:  # attach in a few ms
        assert d.module.network.condition is condition(name)
        assert d.module.network.attached is (name != "none")
