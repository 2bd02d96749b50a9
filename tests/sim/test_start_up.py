"""The module under a firmware's start-up and its power saving, in time: an MCU-style driver script from
power-on to ``+QLAREG: 0`` under a real network's delays, and a platform that cannot reach a module in PSM."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from qlaterm.platform.server import Platform
from qlaterm.sim.module import Module
from qlaterm.sim.network import attach_time
from qlaterm.sim.nvm import Nvm
from tests.simkit import ModuleDriver, running_module


class Mcu:
    """An MCU's AT driver in the shape of the open-source BC26 drivers: a command, a wait for its final
    result code (or the driver's own timeout), URCs that come in between read past as ``strstr`` would."""

    def __init__(self, driver: ModuleDriver, *, scale: float) -> None:
        self.d = driver
        self.scale = scale
        self.polls: dict[str, list[str]] = {}
        """Every answer a polled command got, in order: what the driver saw while it waited."""

    async def ask(self, line: str, timeout: float = 1.0) -> list[str] | None:
        """The lines of ``line``'s answer, final code included; None when nothing came in time."""
        try:
            return await self.d.command(line, timeout=timeout)
        except AssertionError:
            return None

    def info(self, answer: list[str] | None, prefix: str) -> str:
        """The information line starting with ``prefix`` (``+CEREG:``), or ``""``."""
        return next((x for x in answer or () if x.startswith(prefix)), "")

    async def poll(self, line: str, prefix: str, done: Callable[[str], bool], tries: int = 200) -> str:
        """Send ``line`` every 500 ms (scaled) until ``done(info line)``; the information line that passed."""
        seen = self.polls.setdefault(line, [])
        for _ in range(tries):
            found = self.info(await self.ask(line), prefix)
            seen.append(found)
            if done(found):
                return found
            await asyncio.sleep(0.5 * self.scale)
        raise AssertionError(f"{line} never passed; saw {seen}")


async def start_up(mcu: Mcu, module: Module, platform: Platform, ep: str) -> None:
    """The start-up of notes/real-modules.md, then QLA: poll ``AT`` while the module powers on, echo off,
    sleep and PSM settings, SIM, signal, registration polled until 1, address, IMEI/ICCID, DNS, then QLA."""
    for attempt in range(100):
        if attempt == 2:
            await module.start()  # the supply comes on while the MCU polls: two polls go unanswered
        answer = await mcu.ask("AT", timeout=0.3)
        if answer is not None and answer[-1] == "OK":
            break
    else:
        raise AssertionError("AT never answered")
    for line in ("ATE0", "AT+QSCLK=0", "AT+CEDRXS=0", "AT+CPSMS=0"):
        assert (await mcu.ask(line) or [""])[-1] == "OK", line
    assert mcu.info(await mcu.ask("AT+IPR?"), "+IPR:") == "+IPR: 115200"
    assert "Quectel_BC26" in (await mcu.ask("ATI") or [])
    await mcu.poll("AT+CPIN?", "+CPIN:", lambda x: x == "+CPIN: READY")
    assert mcu.info(await mcu.ask("AT+CSQ"), "+CSQ:")
    await mcu.poll("AT+CEREG?", "+CEREG:", lambda x: x.split(",")[1] in ("1", "5"))
    await mcu.poll("AT+CGATT?", "+CGATT:", lambda x: x == "+CGATT: 1")
    address = await mcu.poll("AT+CGPADDR=1", "+CGPADDR:", lambda x: "," in x)
    assert address == "+CGPADDR: 1,127.0.0.1"
    assert mcu.info(await mcu.ask("AT+CSQ"), "+CSQ:") == f"+CSQ: {module.network.condition.rssi},0"
    assert (await mcu.ask("AT+GSN") or [""])[0].isdigit()
    assert mcu.info(await mcu.ask("AT+QCCID"), "+QCCID:").startswith("+QCCID: 8986")
    assert mcu.info(await mcu.ask("AT+QIDNSCFG=1"), "+QIDNSCFG:").startswith('+QIDNSCFG: 1,"')
    config = f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"{ep}",300,3'
    assert (await mcu.ask(config) or [""])[-1] == "OK"
    assert (await mcu.ask("AT+QLAREG") or [""])[-1] == "OK"
    await mcu.d.expect(r"\+QLAREG: 0", timeout=15)


@pytest.mark.parametrize(
    ("network", "scale"),
    [
        ("good", 0.2),  # attach 2.3 s → 0.46 s; 100-300 ms each way → 20-60 ms
        ("poor", 0.1),  # attach 6.5 s → 0.65 s; 5 % loss, retransmissions
    ],
)
async def test_mcu_start_up_from_power_on_waits_through_the_attach_and_registers(network: str, scale: float) -> None:
    async with Platform(port=0) as platform:
        module = Module(nvm=Nvm(None), network=network, seed=7, time_scale=scale)
        d = ModuleDriver(module)
        module.attach(d.write)
        mcu = Mcu(d, scale=scale)
        loop = asyncio.get_running_loop()
        began = loop.time()
        try:
            await start_up(mcu, module, platform, f"mcu-{network}")
        finally:
            await module.close()
        await platform.wait_for_registration(f"mcu-{network}")
        # the driver polled through the search: stat 2 answered before stat 1, and no address meanwhile
        stats = [x.split(",")[1] for x in mcu.polls["AT+CEREG?"]]
        assert stats[0] == "2" and stats[-1] == "1", stats
        assert set(stats) == {"2", "1"}
        assert mcu.polls["AT+CGATT?"][-1] == "+CGATT: 1"
        # it took at least the attach, scaled: the module did not register before it had a network
        assert loop.time() - began >= attach_time(module.network.condition) * scale


async def test_a_platform_request_sent_during_psm_is_lost_and_its_retransmission_after_the_tau_arrives() -> None:
    # time_scale 0.1: RRC release 20 s → 2 s, T3324 10 s → 1 s, T3412 14 s → 1.4 s.  The platform retransmits
    # as CoAP does, unscaled: 2-3 s after the first transmission, inside the window the TAU opens (1.4-4.4 s).
    async with Platform(port=0) as platform, running_module(time_scale=0.1) as d:
        net = d.module.network
        assert await d.command("ATE0") == ["OK"]
        assert await d.command("AT+QNBIOTEVENT=1,1") == ["OK"]
        assert await d.command("AT+QLAADDOBJ=19,0,1,0") == ["OK"]
        await d.expect(r"\+QLAADDOBJ: 0")
        assert await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"psm-ep",3600,3') == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        await platform.wait_for_registration("psm-ep")
        assert await d.command('AT+CPSMS=1,,,"01100111","00000101"') == ["OK"]
        await d.expect(r'\+QNBIOTEVENT: "ENTER PSM"', timeout=10)
        lost = asyncio.Event()
        carry = d.module.radio_link.incoming

        def incoming(deliver: Callable[[], None]) -> None:
            before = d.module.radio_link.lost
            carry(deliver)
            if d.module.radio_link.lost > before:
                lost.set()

        d.module.radio_link.incoming = incoming  # type: ignore[method-assign]  # observe the link's verdicts
        read = asyncio.create_task(platform.read("psm-ep", "/19/0/0", timeout=30))
        await asyncio.wait_for(lost.wait(), 5)
        assert net.psm  # the request did not wake the module
        assert d.drain() == []  # nothing reached the terminal
        await d.expect(r'\+QNBIOTEVENT: "EXIT PSM"', timeout=5)  # the periodic TAU
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0', timeout=5)).group(1)
        assert await d.command(f'AT+QLARDRSP={mid},1,19,0,0,1,2,"ok",0') == ["OK"]
        result = await asyncio.wait_for(read, 10)
        assert result.ok and result.value == "ok"
