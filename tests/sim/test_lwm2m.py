"""The simulated module against the bundled platform: the vendor document's chapter 3 examples and the
SPEC's network behaviour, checked on both sides (the lines the module prints, what the platform receives)."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiocoap.numbers.codes import Code

from qlaterm.at.catalogue import EXEC_RESULTS, READ_RESULTS, update_interval
from qlaterm.platform.bootstrap import BootstrapConfig, BootstrapPlan, BootstrapStep
from qlaterm.platform.model import Notification, PlatformError
from qlaterm.platform.profiles import Profile
from qlaterm.platform.server import Platform
from qlaterm.sim.nvm import Nvm
from tests.simkit import ModuleDriver, observed, running_module

EP = "866971030603068"


@asynccontextmanager
async def registered(
    objects: tuple[str, ...] = ("AT+QLAADDOBJ=19,0,1,0",),
    settings: tuple[str, ...] = (),
    lifetime: int = 300,
    **module_kwargs: object,
) -> AsyncIterator[tuple[ModuleDriver, Platform]]:
    """A module registered with a fresh platform, its objects added before the registration."""
    async with Platform(port=0) as platform, running_module(**module_kwargs) as d:
        for line in settings:
            assert await d.command(line) == ["OK"], line
        for line in objects:
            assert await d.command(line) == ["OK"], line
            await d.expect(r"\+QLAADDOBJ: 0")
        await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"{EP}",{lifetime},3')
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        await platform.wait_for_registration(EP)
        yield d, platform


async def test_register_sends_the_object_list_and_status_goes_2() -> None:
    async with registered(objects=("AT+QLAADDOBJ=19,0,1,0", "AT+QLAADDOBJ=19,1,1,0")) as (d, platform):
        device = platform.devices[EP]
        assert device.lifetime == 300
        assert device.binding == "U"
        assert {(1, 0), (3, 0), (4, 0), (5, 0), (19, 0), (19, 1)} <= set(device.object_paths())
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]
        assert await d.command("AT+QLAREG") == ["+CME ERROR: 33"]
        assert await d.command('AT+QLACONFIG=0,"127.0.0.1",5683,"x",300,3') == ["+CME ERROR: 32"]


async def test_the_server_configuration_is_saved_by_a_registration_and_an_update(tmp_path) -> None:
    nvm = Nvm(tmp_path)
    async with registered(nvm=nvm) as (d, platform):
        assert nvm.load()["server"]["endpoint"] == EP  # saved once the registration succeeded
        assert (await d.command("AT+QLAUPDATE=0,1000"))[-1] == "OK"
        await d.expect(r"\+QLAUPDATE: 0,\d+")
        port = platform.port
    async with running_module(nvm=Nvm(tmp_path)) as d:  # a restart: the NVM is all that is left
        assert await d.command("AT+QLACONFIG?") == [f'+QLACONFIG: 0,"127.0.0.1",{port},"{EP}",1000,3,0', "OK"]


async def test_a_setting_written_again_unchanged_is_not_written_to_the_nvm_again(tmp_path) -> None:
    nvm = Nvm(tmp_path)
    writes: list[object] = []
    original = nvm.save
    nvm.save = lambda document: (writes.append(document), original(document))[1]  # type: ignore[method-assign]
    async with running_module(nvm=nvm) as d:
        assert await d.command('AT+QLACFG="platform",2') == ["OK"]
        assert await d.command('AT+QLACFG="platform",2') == ["OK"]
        assert len(writes) == 1 and nvm.load()["settings"] == writes[0]["settings"]  # type: ignore[index]


async def test_read_answered_with_qlardrsp_section_3_8() -> None:
    async with registered() as (d, platform):
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,5,abcde,0") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        result = await read
        assert result.code == Code.CONTENT
        assert result.content_format == 0
        assert result.value == "abcde"


async def test_opaque_read_and_error_result() -> None:
    async with registered() as (d, platform):
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        await d.command(f'AT+QLARDRSP={mid},1,19,0,0,2,9,"020001000400023238",0')
        await d.expect(r"\+QLARDRSP: 0")
        result = await read
        assert result.content_format == 42
        assert result.payload == bytes.fromhex("020001000400023238")
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},13,19,0,0,1,0,,0") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        assert (await read).code == Code.NOT_FOUND
        # an answered message ID is no longer pending
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,1,a,0") == ["+CME ERROR: 3"]


async def test_instance_read_in_parts_and_long_value_concatenated() -> None:
    async with registered(objects=("AT+QLAADDOBJ=19,0,2,0,1",)) as (d, platform):
        read = asyncio.create_task(platform.read(EP, "/19/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,-1')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,3,abc,1") == ["OK"]
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,1,3,2,42,0") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        result = await read
        assert result.content_format == 11542
        assert set(result.values) == {(19, 0, 0), (19, 0, 1)}
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,5,hello,1")
        await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,6,-world,0")
        await d.expect(r"\+QLARDRSP: 0")
        assert (await read).value == "hello-world"


async def test_write_opaque_section_3_9_and_text() -> None:
    async with registered() as (d, platform):
        write = asyncio.create_task(platform.write(EP, "/19/0/0", b"QUECTEL"))
        mid = (await d.expect(r'\+QLAURC: "write",(\d+),19,0,0,2,7,"5155454354454C",0')).group(1)
        assert await d.command(f"AT+QLAWRRSP={mid},2") == ["OK"]
        await d.expect(r"\+QLAWRRSP: 0")
        assert (await write).code == Code.CHANGED
        write = asyncio.create_task(platform.write(EP, "/19/0/0", '{"outletStatus":"1"}', content_format=0))
        mid = (await d.expect(r'\+QLAURC: "write",(\d+),19,0,0,1,20,"\{"outletStatus":"1"\}",0')).group(1)
        await d.command(f"AT+QLAWRRSP={mid},14")
        await d.expect(r"\+QLAWRRSP: 0")
        assert (await write).code == Code.METHOD_NOT_ALLOWED


async def test_string_lengths_count_utf8_bytes_both_ways() -> None:
    """The module counts a string's <len> in bytes: what it prints for a server's text write, and what it
    accepts in an answer."""
    async with registered() as (d, platform):
        write = asyncio.create_task(platform.write(EP, "/19/0/0", "héllo 服", content_format=0))
        mid = (await d.expect(r'\+QLAURC: "write",(\d+),19,0,0,1,10,"héllo 服",0')).group(1)
        assert await d.command(f"AT+QLAWRRSP={mid},2") == ["OK"]
        assert (await write).code == Code.CHANGED
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f'AT+QLARDRSP={mid},1,19,0,0,1,5,"héllo",0') == ["+CME ERROR: 3"]  # characters
        assert await d.command(f'AT+QLARDRSP={mid},1,19,0,0,1,6,"héllo",0') == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        assert (await read).value == "héllo"


async def test_execute_section_3_10() -> None:
    async with registered(objects=("AT+QLAADDOBJ=15,0,1,5",)) as (d, platform):
        execute = asyncio.create_task(platform.execute(EP, "/15/0/5"))
        mid = (await d.expect(r'\+QLAURC: "execute",(\d+),15,0,5')).group(1)
        assert await d.command(f"AT+QLAEXERSP={mid},2") == ["OK"]
        await d.expect(r"\+QLAEXERSP: 0")
        assert (await execute).code == Code.CHANGED


async def test_observe_section_3_11_then_notify_non_and_con() -> None:
    async with registered(objects=("AT+QLAADDOBJ=9,0,1,0",)) as (d, platform):
        events = platform.events()
        observation = await observed(d, platform, EP, "/9/0/0", '1,5,"abcde"')
        assert observation.first.value == "abcde"
        assert await d.command("AT+QLANOTIFY=9,0,0,1,5,fghij,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(9, 0, 0): "fghij"} and not note.con
        assert await d.command("AT+QLANOTIFY=9,0,0,1,5,klmno,0,1") == ["OK"]
        mid = (await d.expect(r'\+QLAURC: "report",(\d+)')).group(1)
        await d.expect(r"\+QLANOTIFY: 0")
        await d.expect(rf'\+QLAURC: "report_ack",0,{mid}')
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(9, 0, 0): "klmno"} and note.con
        # no observation on another path
        assert await d.command("AT+QLANOTIFY=19,0,0,1,1,x,0") == ["+CME ERROR: 3"]


async def test_cancel_observation_flag_1() -> None:
    async with registered() as (d, platform):
        await observed(d, platform, EP, "/19/0/0", "3,2,17")
        cancel = asyncio.create_task(platform.cancel(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "observe",(\d+),1,19,0,0')).group(1)
        await d.command(f"AT+QLAOBSRSP={mid},1,19,0,0,3,2,17,0")
        await d.expect(r"\+QLAOBSRSP: 0")
        assert (await cancel).ok
        assert await d.command("AT+QLANOTIFY=19,0,0,3,2,18,0") == ["+CME ERROR: 3"]


async def test_auto_ack_answers_observe_at_once_and_still_reports() -> None:
    async with registered(settings=('AT+QLACFG="auto_ack",1',)) as (d, platform):
        observation = await platform.observe(EP, "/19/0/0")
        assert observation.first.ok
        await d.expect(r'\+QLAURC: "observe",\d+,0,19,0,0')
        assert await d.command("AT+QLANOTIFY=19,0,0,1,2,hi,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")


async def test_buffer_mode_section_3_14() -> None:
    async with registered(objects=("AT+QLAADDOBJ=9,0,1,0",), settings=('AT+QLACFG="access_mode",1',)) as (
        d,
        platform,
    ):
        observe = asyncio.create_task(platform.observe(EP, "/9/0/0"))
        await d.expect(r'\+QLAURC: "buffer"')
        assert await d.command("AT+QLARD?") == ["+QLARD: 1", "OK"]
        lines = await d.command("AT+QLARD")
        mid = lines[0].split(",")[2]
        assert lines == [f'+QLARD: 0,"observe",{mid},0,9,0,0', "OK"]
        assert await d.command("AT+QLARD") == ["+QLARD: 0", "OK"]
        await d.command(f"AT+QLAOBSRSP={mid},1,9,0,0,1,1,x,0")
        assert (await observe).first.value == "x"


async def test_full_buffer_refuses_with_5_03_and_loses_nothing() -> None:
    async with registered(settings=('AT+QLACFG="access_mode",1',)) as (d, platform):
        reads = [asyncio.create_task(platform.read(EP, "/19/0/0")) for _ in range(31)]
        refused = None
        while refused is None:
            done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            refused = next(iter(done)).result()
        assert refused.code == Code.SERVICE_UNAVAILABLE
        await d.expect(r'\+QLAURC: "buffer"')
        assert await d.command("AT+QLARD?") == ["+QLARD: 30", "OK"]
        assert d.lines.count('+QLAURC: "buffer"') == 1
        for task in reads:
            task.cancel()


async def test_unanswered_request_gets_5_03() -> None:
    async with registered(request_timeout=0.2) as (d, platform):
        result = await platform.read(EP, "/19/0/0")
        assert result.code == Code.SERVICE_UNAVAILABLE
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,1,a,0") == ["+CME ERROR: 3"]


async def test_unknown_path_is_4_04_without_urc_and_builtin_objects_answered_by_the_module() -> None:
    async with registered() as (d, platform):
        assert (await platform.read(EP, "/19/0/7")).code == Code.NOT_FOUND
        assert (await platform.read(EP, "/42/0/0")).code == Code.NOT_FOUND
        assert (await platform.read(EP, "/3/0/0")).value == "Quectel"
        assert (await platform.read(EP, "/3/0/2")).value == "866971030603068"
        assert (await platform.write(EP, "/3/0/0", "x")).code == Code.METHOD_NOT_ALLOWED
        assert not any("+QLAURC" in line for line in d.drain())


async def test_server_changes_lifetime_and_executes_reboot() -> None:
    async with registered() as (d, platform):
        assert (await platform.write(EP, "/1/0/1", 600)).code == Code.CHANGED
        await d.expect(r'\+QLAURC: "lifetime_changed",600')
        assert (await d.command("AT+QLACONFIG?"))[0].endswith(",600,3,0")
        await platform.execute(EP, "/3/0/4")
        await d.expect(r'\+QLAURC: "execute",0,3,0,4')


async def test_server_write_of_lifetime_and_binding_is_followed_by_an_update() -> None:
    async with registered() as (d, platform):
        assert (await platform.write(EP, "/1/0/1", 100)).code == Code.CHANGED
        await d.expect(r'\+QLAURC: "lifetime_changed",100')
        await d.expect(r'\+QLAURC: "ping",0')
        assert platform.devices[EP].lifetime == 100
        assert (await d.command("AT+QLACONFIG?"))[0].endswith(",100,3,0")
        assert (await platform.write(EP, "/1/0/7", "UQ")).code == Code.CHANGED
        await d.expect(r'\+QLAURC: "binding_changed",UQ')
        await d.expect(r'\+QLAURC: "ping",0')
        assert platform.devices[EP].binding == "UQ"
        assert (await d.command("AT+QLACONFIG?"))[0].endswith(",100,3,1")


async def test_update_lifetime_and_binding_section_3_4() -> None:
    async with registered() as (d, platform):
        lines = await d.command("AT+QLAUPDATE=0,1000")
        mid = lines[0].removeprefix("+QLAUPDATE: ")
        assert lines == [f"+QLAUPDATE: {mid}", "OK"]
        await d.expect(rf"\+QLAUPDATE: 0,{mid}")
        assert platform.devices[EP].lifetime == 1000
        await d.command("AT+QLAUPDATE=1,1")
        await d.expect(r"\+QLAUPDATE: 0,\d+")
        assert platform.devices[EP].binding == "UQ"


async def test_addobj_while_registered_sends_an_update() -> None:
    async with registered() as (d, platform):
        assert await d.command("AT+QLAADDOBJ=20,0,1,0") == ["OK"]
        await d.expect(r"\+QLAADDOBJ: 0")
        assert platform.devices[EP].lists((20, 0))
        assert await d.command("AT+QLADELOBJ=20") == ["OK"]
        await d.expect(r"\+QLADELOBJ: 0")
        assert not platform.devices[EP].lists((20, 0))


async def test_deregister_section_3_5() -> None:
    async with registered() as (d, platform):
        assert await d.command("AT+QLADEREG") == ["OK"]
        await d.expect(r"\+QLADEREG: 0")
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 4", "OK"]
        assert EP not in platform.devices


async def test_automatic_update_prints_ping() -> None:
    # lifetime 20 s → update every 10 s; the time scale makes that 0.1 s
    async with registered(lifetime=20, time_scale=0.01) as (d, _platform):
        await d.expect(r'\+QLAURC: "ping",0')
        await d.expect(r'\+QLAURC: "ping",0')
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]


async def test_lifetime_enable_0_lets_the_registration_expire() -> None:
    async with registered(lifetime=20, time_scale=0.01, settings=('AT+QLACFG="lifetime_enable",0',)) as (d, _):
        await asyncio.wait_for(d.module.wait_for_status(5), 5)
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 5", "OK"]


async def test_turning_automatic_updates_on_keeps_the_deadlines_of_the_current_registration() -> None:
    """AT+QLACFG="lifetime_enable" while registered re-arms the timers from the last Register or Update,
    not from the moment of the command."""
    scale = 0.01
    async with registered(lifetime=20, time_scale=scale, settings=('AT+QLACFG="lifetime_enable",0',)) as (d, _):
        module = d.module
        module.registration.registered_at -= 5 * scale  # as if registered five (scaled) seconds ago
        assert await d.command('AT+QLACFG="lifetime_enable",1') == ["OK"]
        expiry, update = module.registration.expiry_timer, module.registration.update_timer
        assert expiry is not None and update is not None
        assert expiry.when() == pytest.approx(module.registration.registered_at + 20 * scale, abs=0.02)
        assert update.when() == pytest.approx(module.registration.registered_at + update_interval(20) * scale, abs=0.02)


class _SilentServer(asyncio.DatagramProtocol):
    """A UDP port that records datagrams and never answers."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.arrived = asyncio.Event()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.times.append(asyncio.get_running_loop().time())
        self.arrived.set()


async def test_silent_server_retransmissions_then_status_1() -> None:
    loop = asyncio.get_running_loop()
    transport, silent = await loop.create_datagram_endpoint(_SilentServer, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        # Scaled to a twentieth: 2 s, 4 s, 8 s become 100, 200, 400 ms, long enough that a busy machine's
        # scheduling delays (tens of ms) cannot be mistaken for a wrong schedule.
        async with running_module(time_scale=0.05) as d:
            await d.command('AT+QLACFG="retransmit",2,3')
            await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{port},"ep",300,3')
            await d.command("AT+QLAREG")
            await d.expect(r"\+QLAREG: 1", timeout=10)
            assert len(silent.times) == 4  # 1 + retrans_max_times
            gaps = [b - a for a, b in zip(silent.times, silent.times[1:], strict=False)]
            for gap, expected in zip(gaps, (0.1, 0.2, 0.4), strict=True):
                assert expected * 0.9 <= gap <= expected * 1.5 + 0.05, gaps
            assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 0", "OK"]
    finally:
        transport.close()


class _LossyProxy(asyncio.DatagramProtocol):
    """Forwards datagrams between one client and a server, dropping a share of them (seeded)."""

    def __init__(self, server: tuple[str, int], loss: float, seed: int) -> None:
        self.server = server
        self.loss = loss
        self.random = random.Random(seed)
        self.client: tuple[str, int] | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.dropped = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.random.random() < self.loss:
            self.dropped += 1
            return
        assert self.transport is not None
        if addr == self.server:
            if self.client is not None:
                self.transport.sendto(data, self.client)
        else:
            self.client = addr
            self.transport.sendto(data, self.server)


async def test_registration_completes_with_30_percent_loss() -> None:
    loop = asyncio.get_running_loop()
    async with Platform(port=0) as platform:
        transport, _proxy = await loop.create_datagram_endpoint(
            lambda: _LossyProxy(("127.0.0.1", platform.port), 0.3, seed=7), local_addr=("127.0.0.1", 0)
        )
        port = transport.get_extra_info("sockname")[1]
        try:
            async with running_module(time_scale=0.05) as d:
                await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{port},"lossy",300,3')
                for _attempt in range(3):
                    await d.command("AT+QLAREG")
                    code = (await d.expect(r"\+QLAREG: (\d+)", timeout=20)).group(1)
                    if code == "0":
                        break
                assert code == "0"
                assert "lossy" in platform.devices
        finally:
            transport.close()


async def test_deep_sleep_recovery_manual_section_3_15() -> None:
    async with registered(settings=('AT+QLACFG="recovery_mode",1',)) as (d, _platform):
        await d.module.deep_sleep()
        before = len(d.lines)
        d.module.feed(b"AT\r")  # asleep: nothing answers, now or after waking
        await d.module.wake()
        await d.expect(r"\+IP: .*")
        assert "OK" not in d.lines[before:]
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 7", "OK"]
        assert await d.command("AT+QLARECOVER") == ["OK"]
        await d.expect(r'\+QLAURC: "recovered",0')
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]


async def test_deep_sleep_recovery_automatic() -> None:
    async with registered() as (d, platform):
        events = platform.events()
        await d.module.deep_sleep()
        await d.module.wake()
        await d.expect(r'\+QLAURC: "recovered",0')
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]
        from qlaterm.platform.model import Updated

        await events.wait_for(Updated, timeout=5)


async def test_malformed_datagrams_at_the_module_port_are_ignored() -> None:
    async with registered() as (_d, platform):
        address = platform.devices[EP].address
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
            for garbage in (b"", b"\x00", b"\xff" * 40, b"\x40\x01\x00", bytes(range(64))):
                raw.sendto(garbage, address)
        assert (await platform.read(EP, "/3/0/0")).value == "Quectel"


def _random_line(rng: random.Random) -> str:
    """Half plausible commands with random arguments, half word salad."""
    if rng.random() < 0.5:
        name = rng.choice(["QLACFG", "QLAADDOBJ", "QLADELOBJ", "QLACONFIG", "QLARDRSP", "QLANOTIFY", "QLARD",
                           "QLASTATUS", "QLAREG", "QLAUPDATE", "QLASENDDATA", "QLAOBSRSP", "QLAWRRSP"])
        setting = rng.choice(['"retransmit"', '"platform"', '"access_mode"', '"cfg_res",3,0,17', '"auto_ack"'])
        args = [rng.choice([setting, str(rng.randint(-2, 70000)), '"x,y"', "", "abc", "0A0B"])
                for _ in range(rng.randint(0, 10))]
        form = rng.choice(["=", "?", "=?", ""])
        return f"AT+{name}{form}{','.join(args) if form == '=' else ''}"
    words = ["AT", "+QLACONFIG", "+QLACFG", "+QLAREG", "+QLARDRSP", "+QLANOTIFY", "+QLAADDOBJ", "=", "?", "=?",
             ",", '"', "0", "1", "19", "-1", "abc", "\x01", "99999999999", '"platform"', "ATE", "+QLARD"]
    return "".join(rng.choice(words) for _ in range(rng.randint(1, 8)))


@pytest.mark.parametrize("seed", range(4))
async def test_random_lines_each_get_one_final_result_code_and_nvm_stays_readable(seed: int, tmp_path) -> None:
    rng = random.Random(seed)
    async with running_module(nvm=Nvm(tmp_path)) as d:
        await d.command("ATE0")
        for _ in range(80):
            line = _random_line(rng)
            out = await d.command(line)
            finals = [x for x in out if x in ("OK", "ERROR") or x.startswith("+CME ERROR")]
            assert len(finals) == 1 and out[-1] == finals[0], (line, out)
            stored = Nvm(tmp_path).load()
            assert isinstance(stored.get("settings", {}), dict), line
        assert await d.command("AT") == ["OK"]
        assert len(await d.command("AT+QLACFG?")) == 10


async def test_commands_that_must_wait_while_registering_get_15() -> None:
    loop = asyncio.get_running_loop()
    transport, _silent = await loop.create_datagram_endpoint(_SilentServer, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        async with running_module() as d:
            await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{port},"ep",300,3')
            assert await d.command("AT+QLAREG") == ["OK"]
            assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 1", "OK"]
            assert await d.command("AT+QLAREG") == ["+CME ERROR: 15"]
            assert await d.command("AT+QLAADDOBJ=19,0,1,0") == ["+CME ERROR: 15"]
            assert await d.command("AT+QLADELOBJ=19") == ["+CME ERROR: 15"]
            assert await d.command("AT+QLAUPDATE=0,100") == ["+CME ERROR: 15"]
            assert await d.command("AT+QLADEREG") == ["+CME ERROR: 15"]
            assert await d.command('AT+QLACONFIG=0,"127.0.0.1",1,"ep",300,3') == ["+CME ERROR: 32"]
    finally:
        transport.close()


async def test_send_reaches_the_platform_as_senml() -> None:
    async with registered(settings=('AT+QLACFG="platform",2',)) as (d, platform):
        events = platform.events()
        payload = '[{"n":"/19/1/0","vs":"on"}]'
        assert await d.command(f"AT+QLASENDDATA=1,{len(payload)},\"{payload}\",1") == ["OK"]
        mid = (await d.expect(r"\+QLASENDDATA: 0,(\d+)")).group(1)
        await d.expect(rf'\+QLAURC: "send_ack",0,{mid}')
        from qlaterm.platform.model import SendReceived

        received = await events.wait_for(SendReceived, timeout=5)
        assert received.content_format == 110
        assert received.payload == payload.encode()
        assert received.values == {(19, 1, 0): "on"}


@asynccontextmanager
async def observed_then_server_restarted() -> AsyncIterator[ModuleDriver]:
    """A module whose /19/0/0 is observed by a platform that then restarts on the same port, forgetting it."""
    async with registered() as (d, platform):
        await observed(d, platform, EP, "/19/0/0", "1,1,a")
        port = platform.port
        await platform.stop()
        async with Platform(port=port):
            yield d


async def test_rst_to_a_non_notification_prints_lw_event() -> None:
    async with observed_then_server_restarted() as d:
        assert await d.command("AT+QLANOTIFY=19,0,0,1,1,b,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        await d.expect(r'\+QLAURC: "lw_event",0,9,\d+')
        # the observation is over: nothing left to notify
        assert await d.command("AT+QLANOTIFY=19,0,0,1,1,c,0,0") == ["+CME ERROR: 3"]


async def test_con_notification_reset_reports_9() -> None:
    async with observed_then_server_restarted() as d:
        assert await d.command("AT+QLANOTIFY=19,0,0,1,1,b,0,1") == ["OK"]
        report = (await d.expect(r'\+QLAURC: "report",(\d+)')).group(1)
        await d.expect(r"\+QLANOTIFY: 0")
        await d.expect(rf'\+QLAURC: "report_ack",9,{report}')


async def test_registration_update_trigger_failing_loses_the_registration() -> None:
    import aiocoap

    async with registered() as (d, platform):
        from qlaterm.platform.model import Updated

        events = platform.events()
        assert (await platform.execute(EP, "/1/0/8")).code == Code.CHANGED
        await events.wait_for(Updated, timeout=5)
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]
        host, module_port = platform.devices[EP].address
        port = platform.port
        await platform.stop()
        # a platform that lost its registrations answers the triggered Update 4.04: the registration is lost
        async with Platform(port=port):
            ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
            try:
                trigger = aiocoap.Message(code=Code.POST, uri=f"coap://{host}:{module_port}/1/0/8")
                assert (await ctx.request(trigger).response).code == Code.CHANGED
                await asyncio.wait_for(d.module.wait_for_status(5), 5)
            finally:
                await ctx.shutdown()


async def test_an_observation_survives_deep_sleep() -> None:
    async with registered() as (d, platform):
        await observed(d, platform, EP, "/19/0/0", "1,1,a")
        events = platform.events()
        await d.module.deep_sleep()
        await d.module.wake()
        await d.expect(r'\+QLAURC: "recovered",0')
        assert await d.command("AT+QLANOTIFY=19,0,0,1,5,after,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(19, 0, 0): "after"}



async def test_an_answer_longer_than_a_coap_block_goes_in_block2_pieces_asked_of_the_terminal_once() -> None:
    """Three 1000-character parts make a 3000-byte answer: the module sends it in 1024-byte Block2
    pieces, serves the later ones itself (one URC, one answer from the terminal), and the platform
    puts the value together."""
    async with registered() as (d, platform):
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        parts = ["a" * 1000, "b" * 1000, "c" * 1000]
        for index, part in zip((2, 1, 0), parts, strict=True):
            assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,1000,{part},{index}") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        assert (await read).value == "".join(parts)
        pieces = [r.block for r in platform.coap_log if r.direction == "in" and r.code == Code.CONTENT]
        assert pieces == ["block2=0/1/1024", "block2=1/1/1024", "block2=2/0/1024"]
        assert d.drain() == []  # the later pieces were not asked of the terminal


async def test_an_observation_and_its_notification_longer_than_a_coap_block_arrive_whole() -> None:
    async with registered(objects=("AT+QLAADDOBJ=9,0,1,0",)) as (d, platform):
        events = platform.events()
        observe = asyncio.create_task(platform.observe(EP, "/9/0/0"))
        mid = (await d.expect(r'\+QLAURC: "observe",(\d+),0,9,0,0')).group(1)
        assert await d.command(f"AT+QLAOBSRSP={mid},1,9,0,0,1,1000,{'x' * 1000},1") == ["OK"]
        assert await d.command(f"AT+QLAOBSRSP={mid},1,9,0,0,1,1000,{'y' * 1000},0") == ["OK"]
        await d.expect(r"\+QLAOBSRSP: 0")
        assert (await observe).first.value == "x" * 1000 + "y" * 1000
        value = "n" * 1000 + "o" * 1000
        assert await d.command(f"AT+QLANOTIFY=9,0,0,1,1000,{value[:1000]},1,0") == ["OK"]
        assert await d.command(f"AT+QLANOTIFY=9,0,0,1,1000,{value[1000:]},0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(9, 0, 0): value}


async def test_a_write_in_block1_pieces_reaches_the_terminal_as_one_urc() -> None:
    async with registered() as (d, platform):
        data = bytes(range(256)) * 6  # 1536 bytes: two Block1 pieces
        write = asyncio.create_task(platform.write(EP, "/19/0/0", data))
        mid = (await d.expect(rf'\+QLAURC: "write",(\d+),19,0,0,2,1536,"{data.hex().upper()}",0')).group(1)
        assert await d.command(f"AT+QLAWRRSP={mid},2") == ["OK"]
        await d.expect(r"\+QLAWRRSP: 0")
        assert (await write).code == Code.CHANGED
        assert d.drain() == []


async def test_every_answer_result_reaches_the_platform_as_its_coap_code() -> None:
    """QLARDRSP results 11–15 and QLAWRRSP / QLAEXERSP results 2, 11–14, as the SPEC's tables say."""
    async with registered() as (d, platform):
        for result, code in READ_RESULTS.items():
            if result == 1:
                continue
            read = asyncio.create_task(platform.read(EP, "/19/0/0"))
            mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
            assert await d.command(f"AT+QLARDRSP={mid},{result},19,0,0,1,0,,0") == ["OK"]
            assert (await read).code.dotted == code
        for result, code in EXEC_RESULTS.items():
            write = asyncio.create_task(platform.write(EP, "/19/0/0", "x"))
            mid = (await d.expect(r'\+QLAURC: "write",(\d+),19,0,0,.*')).group(1)
            assert await d.command(f"AT+QLAWRRSP={mid},{result}") == ["OK"]
            assert (await write).code.dotted == code


async def test_a_write_of_two_resources_is_one_urc_per_resource_index_counting_down() -> None:
    async with registered(objects=("AT+QLAADDOBJ=19,0,2,0,1",)) as (d, platform):
        write = asyncio.create_task(platform.write(EP, "/19/0", {0: "a", 1: "b"}))
        first = await d.expect(r'\+QLAURC: "write",(\d+),19,0,(\d),2,1,"(\w+)",(\d)')
        second = await d.expect(r'\+QLAURC: "write",(\d+),19,0,(\d),2,1,"(\w+)",(\d)')
        assert first.group(1) == second.group(1)  # one request, one message ID
        assert [m.group(4) for m in (first, second)] == ["1", "0"]
        assert {(m.group(2), bytes.fromhex(m.group(3))) for m in (first, second)} == {("0", b"a"), ("1", b"b")}
        assert await d.command(f"AT+QLAWRRSP={first.group(1)},2") == ["OK"]
        assert (await write).code == Code.CHANGED


async def test_an_object_level_read_names_no_instance_and_no_resource() -> None:
    async with registered() as (d, platform):
        read = asyncio.create_task(platform.read(EP, "/19"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,-1,-1')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,2,hi,0") == ["OK"]
        result = await read
        assert result.ok and result.values == {(19, 0, 0): b"hi"}  # TLV: the bytes the module encoded


async def test_waking_after_the_lifetime_ran_out_leaves_the_registration_invalid() -> None:
    scale = 0.01
    async with registered(lifetime=20, time_scale=scale) as (d, platform):
        await d.module.deep_sleep()
        read = asyncio.create_task(platform.read(EP, "/19/0/0", timeout=0.3))
        with pytest.raises(PlatformError):  # asleep: the network is silent too (timeout or error)
            await read
        d.module.registration.registered_at -= 20 * scale  # the whole lifetime spent asleep
        await d.module.wake()
        await d.expect(r"\+IP: .*")
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 5", "OK"]


class _BootstrapToInstanceOne(Profile):
    """A bootstrap server that puts the LwM2M server in /0/1 and /1/1 with short server ID 5."""

    def bootstrap_plan(self, config: BootstrapConfig, server_uri: str) -> BootstrapPlan:
        return [
            BootstrapStep("delete", ()),
            BootstrapStep("write", (0, 1), {0: server_uri, 1: False, 2: 3, 10: 5}),
            BootstrapStep("write", (1, 1), {0: 5, 1: 120, 6: False, 7: "U"}),
        ]


async def test_bootstrap_instance_ids_are_registered_and_served() -> None:
    async with Platform(port=0, profile=_BootstrapToInstanceOne()) as platform, running_module() as d:
        await d.command(f'AT+QLACONFIG=1,"127.0.0.1",{platform.port},"{EP}",300,3')
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r'\+QLAURC: "bs_finished"')
        await d.expect(r"\+QLAREG: 0")
        device = await platform.wait_for_registration(EP)
        paths = set(device.object_paths())
        assert (1, 1) in paths and (1, 0) not in paths
        assert device.lifetime == 120
        assert (await platform.read(EP, "/1/1/0")).value == "5"
        assert (await platform.read(EP, "/1/1/1")).value == "120"
        assert (await platform.read(EP, "/1/0/1")).code == Code.NOT_FOUND
        assert (await platform.write(EP, "/1/1/1", 600)).code == Code.CHANGED
        await d.expect(r'\+QLAURC: "lifetime_changed",600')
        await d.expect(r'\+QLAURC: "ping",0')
        assert platform.devices[EP].lifetime == 600
        assert (await platform.execute(EP, "/1/1/8")).code == Code.CHANGED


async def test_server_port_0_is_never_replaced_by_5683() -> None:
    async with running_module(time_scale=0.01) as d:
        await d.command(f'AT+QLACONFIG=0,"127.0.0.1",0,"{EP}",300,3')
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 2")
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 0", "OK"]
        await d.command(f'AT+QLACONFIG=1,"127.0.0.1",0,"{EP}",300,3')
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 2")


class _BootstrapToPortZero(Profile):
    def bootstrap_plan(self, config: BootstrapConfig, server_uri: str) -> BootstrapPlan:
        return [
            BootstrapStep("write", (0, 0), {0: "coap://127.0.0.1:0", 1: False, 2: 3, 10: 1}),
            BootstrapStep("write", (1, 0), {0: 1, 1: 120, 6: False, 7: "U"}),
        ]


async def test_bootstrap_assigning_port_0_ends_in_status_2() -> None:
    async with Platform(port=0, profile=_BootstrapToPortZero()) as platform, running_module(time_scale=0.01) as d:
        await d.command(f'AT+QLACONFIG=1,"127.0.0.1",{platform.port},"{EP}",300,3')
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r'\+QLAURC: "bs_finished"')
        await d.expect(r"\+QLAREG: 2")
