"""Security mode 0 end to end: the simulated BC26 over DTLS-PSK with the bundled platform and with libcoap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiocoap.numbers.codes import Code

from qlaterm.lwm2m.dtls import DTLSRemote, DTLSTransport, dtls_transport_of
from qlaterm.lwm2m.dtls_session import CCM_8
from qlaterm.platform.model import Notification
from qlaterm.platform.server import Platform
from tests.peers.libcoap import coap_rd, coap_server
from tests.peers.ports import free_udp_port_pair
from tests.simkit import ModuleDriver, observed, running_module

EP = "866971030603068"
IDENTITY = "bc26-identity"
KEY = bytes.fromhex("0123456789ABCDEF0123456789ABCDEF")
SCALE = 0.01
"""Time scale of the module: the default schedule (2 s, 5 retransmissions: 126 s) takes 1.26 s."""


def platform_dtls(platform: Platform) -> DTLSTransport:
    ctx = platform._ctx
    assert ctx is not None
    transport = dtls_transport_of(ctx)
    assert transport is not None
    return transport


def module_dtls(d: ModuleDriver) -> DTLSTransport:
    client = d.module.client
    assert client is not None
    transport = client.dtls_transport
    assert transport is not None
    return transport


@asynccontextmanager
async def registered(
    *settings: str, key: bytes = KEY, objects: tuple[str, ...] = ("AT+QLAADDOBJ=19,0,1,0",)
) -> AsyncIterator[tuple[ModuleDriver, Platform]]:
    """A module registered over DTLS with a fresh platform."""
    async with Platform(port=0, psk_store={IDENTITY: KEY}) as platform, running_module(time_scale=SCALE) as d:
        for line in settings:
            assert await d.command(line) == ["OK"], line
        for line in objects:
            assert await d.command(line) == ["OK"], line
            await d.expect(r"\+QLAADDOBJ: 0")
        config = f'AT+QLACONFIG=0,"127.0.0.1",{platform.port + 1},"{EP}",300,0,"{IDENTITY}","{key.hex().upper()}"'
        assert await d.command(config) == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        await platform.wait_for_registration(EP)
        yield d, platform


async def test_module_registers_over_dtls_and_answers_a_read() -> None:
    async with registered() as (d, platform):
        device = platform.devices[EP]
        assert isinstance(device.remote, DTLSRemote)
        assert device.remote.authenticated_claims == (IDENTITY,)
        assert device.remote.cipher == CCM_8
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,5,abcde,0") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        result = await read
        assert result.code == Code.CONTENT and result.value == "abcde"
        assert (await platform.read(EP, "/3/0/0")).value == "Quectel"  # answered by the module itself
        assert len(platform_dtls(platform).handshakes) == 1  # one session carries everything


async def test_module_notifies_over_dtls() -> None:
    async with registered() as (d, platform):
        events = platform.events()
        assert (await observed(d, platform, EP, "/19/0/0", '1,5,"first"')).first.value == "first"
        assert await d.command("AT+QLANOTIFY=19,0,0,1,6,second,0,1") == ["OK"]
        mid = (await d.expect(r'\+QLAURC: "report",(\d+)')).group(1)
        await d.expect(r"\+QLANOTIFY: 0")
        await d.expect(rf'\+QLAURC: "report_ack",0,{mid}')
        note = await events.wait_for(Notification, timeout=5)
        assert note.values == {(19, 0, 0): "second"} and note.con


async def test_wrong_key_ends_the_registration_with_a_status() -> None:
    async with Platform(port=0, psk_store={IDENTITY: KEY}) as platform, running_module(time_scale=SCALE) as d:
        wrong = "00" * 16
        await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port + 1},"{EP}",300,0,"{IDENTITY}","{wrong}"')
        assert await d.command("AT+QLAREG") == ["OK"]
        # within the scaled retransmission budget (0.63 s): the unscaled one (63 s) would run into the timeout
        status = (await d.expect(r"\+QLAREG: (\d+)", timeout=5)).group(1)
        assert status != "0"
        assert await d.command("AT+QLASTATUS?") != ["+QLASTATUS: 2", "OK"]
        refused = list(platform_dtls(platform).refused)
        assert [(r.identity, r.reason) for r in refused] == [(IDENTITY, "wrong PSK (Finished did not verify)")]
        assert EP not in platform.devices


async def test_silent_dtls_server_ends_with_a_status_within_the_budget() -> None:
    """Nothing answers the ClientHello: the scaled schedule runs out and the module reports it."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        async with running_module(time_scale=SCALE) as d:
            await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{port},"{EP}",300,0,"{IDENTITY}","{KEY.hex()}"')
            assert await d.command("AT+QLAREG") == ["OK"]
            # the scaled schedule (0.63 s) ends it; the unscaled one (63 s) would run into the timeout
            status = (await d.expect(r"\+QLAREG: (\d+)", timeout=10)).group(1)
    assert status != "0"


class SlowHandshakeRelay(asyncio.DatagramProtocol):
    """Between the module and the platform: the platform's handshake flights (DTLS content type 22)
    reach the module ``delay`` seconds late, everything else at once."""

    def __init__(self, server: tuple[str, int], delay: float) -> None:
        self.server = server
        self.delay = delay
        self.client: tuple[str, int] | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.upstream: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram endpoint's transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.client = addr
        assert self.upstream is not None
        self.upstream.sendto(data, self.server)

    def from_server(self, data: bytes) -> None:
        assert self.transport is not None and self.client is not None
        if data[:1] == b"\x16":
            asyncio.get_running_loop().call_later(self.delay, self.transport.sendto, data, self.client)
        else:
            self.transport.sendto(data, self.client)


async def test_the_register_is_sent_once_the_handshake_is_done(caplog: pytest.LogCaptureFixture) -> None:
    """A handshake that takes longer than the whole CoAP schedule: the Register's retransmissions are
    not spent while it runs (nor sent together when it ends); its schedule starts afterwards."""
    loop = asyncio.get_running_loop()
    async with Platform(port=0, psk_store={IDENTITY: KEY}) as platform, running_module(time_scale=SCALE) as d:
        relay = SlowHandshakeRelay(("127.0.0.1", platform.port + 1), delay=0.035)
        front, _ = await loop.create_datagram_endpoint(lambda: relay, local_addr=("127.0.0.1", 0))
        back, _ = await loop.create_datagram_endpoint(
            lambda: _Upstream(relay), local_addr=("127.0.0.1", 0)
        )
        relay.upstream = back
        try:
            assert await d.command('AT+QLACFG="retransmit",2,2') == ["OK"]  # 20, 40, 80 ms: 140 ms in all
            port = front.get_extra_info("sockname")[1]
            config = f'AT+QLACONFIG=0,"127.0.0.1",{port},"{EP}",300,0,"{IDENTITY}","{KEY.hex()}"'
            assert await d.command(config) == ["OK"]
            with caplog.at_level("DEBUG", logger="qlaterm.sim.client"):
                assert await d.command("AT+QLAREG") == ["OK"]
                await d.expect(r"\+QLAREG: 0")
            assert module_dtls(d).handshakes[-1].seconds > 0.06  # two delayed flights: past two CoAP waits
        finally:
            front.close()
            back.close()
    sent = [r.args[0] for r in caplog.records if r.msg == "sent %s" and r.args]
    registers = [m for m in sent if m.code == Code.POST and tuple(m.opt.uri_path) == ("rd",)]
    assert len(registers) == 1, registers


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, relay: SlowHandshakeRelay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.relay.from_server(data)


@pytest.mark.parametrize("key_bytes", [33, 128])
async def test_a_psk_longer_than_mbed_tls_takes_ends_in_status_2_with_one_line(
    key_bytes: int, caplog: pytest.LogCaptureFixture
) -> None:
    async with Platform(port=0, psk_store={IDENTITY: KEY}) as platform, running_module(time_scale=SCALE) as d:
        key = "AB" * key_bytes
        config = f'AT+QLACONFIG=0,"127.0.0.1",{platform.port + 1},"{EP}",300,0,"{IDENTITY}","{key}"'
        assert await d.command(config) == ["OK"]  # the vendor document allows 128 bytes
        with caplog.at_level("INFO"):
            assert await d.command("AT+QLAREG") == ["OK"]
            await d.expect(r"\+QLAREG: 2")
    assert not [r for r in caplog.records if r.exc_info or r.levelname in ("ERROR", "CRITICAL")]
    reasons = [r.getMessage() for r in caplog.records if "PSK" in r.getMessage()]
    assert reasons == [f"register: cannot open transport: a PSK of {key_bytes} bytes cannot be used: "
                       "Mbed TLS accepts at most 32"]


@pytest.mark.parametrize(("dtls_mode", "abbreviated"), [(1, True), (0, False)])
async def test_deep_sleep_resumes_the_session_when_dtls_mode_is_1(dtls_mode: int, abbreviated: bool) -> None:
    async with registered(f'AT+QLACFG="dtls_mode",{dtls_mode}') as (d, platform):
        server = platform_dtls(platform)
        assert not server.handshakes[-1].abbreviated
        await d.module.deep_sleep()
        await d.module.wake()
        await d.expect(r'\+QLAURC: "recovered",0')
        assert len(server.handshakes) == 2
        assert server.handshakes[-1].abbreviated is abbreviated
        last = module_dtls(d).last_handshake()
        assert last is not None and last.abbreviated is abbreviated
        assert platform.devices[EP].remote.authenticated_claims == (IDENTITY,)


async def test_dtls_version_1_0_when_configured() -> None:
    async with registered('AT+QLACFG="dtls_version",0') as (_d, platform):
        record = platform_dtls(platform).last_handshake()
        assert record is not None and record.version == "DTLSv1.0"


@pytest.mark.interop
async def test_module_registers_with_coap_rd_gnutls() -> None:
    port = free_udp_port_pair()
    key_text = "secretPSK"  # coap-rd takes the key as ASCII text; the module takes it as hex
    async with coap_rd(port, variant="gnutls", key=key_text) as rd, running_module(time_scale=SCALE) as d:
        hex_key = key_text.encode().hex().upper()
        assert await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{port + 1},"{EP}",300,0,"{IDENTITY}","{hex_key}"') == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0", timeout=10)
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]
        assert module_dtls(d).last_handshake() is not None
    assert any(f"ep={EP}" in line or EP in line for line in rd.lines), rd.output()


@pytest.mark.interop
async def test_module_completes_an_exchange_with_coap_server_openssl() -> None:
    """coap-server has no /rd: the Register is answered 4.04 over DTLS, which the module reports as 14."""
    port = free_udp_port_pair()
    key_text = "secretPSK"
    async with coap_server(port, variant="openssl", key=key_text), running_module(time_scale=SCALE) as d:
        hex_key = key_text.encode().hex()
        config = f'AT+QLACONFIG=0,"127.0.0.1",{port + 1},"{EP}",300,0,"{IDENTITY}","{hex_key}"'
        assert await d.command(config) == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 14", timeout=10)
        record = module_dtls(d).last_handshake()
        assert record is not None and record.cipher == CCM_8


async def test_bootstrap_delivers_the_psk_and_the_module_registers_over_dtls() -> None:
    from qlaterm.platform.bootstrap import BootstrapConfig

    bootstrap = BootstrapConfig(security_mode=0, psk_identity=IDENTITY, psk_key=KEY)
    async with Platform(port=0, bootstrap=bootstrap) as platform, running_module(time_scale=SCALE) as d:
        # the bootstrap server is reached without security; it hands out coaps://…:port+1 with the PSK
        await d.command(f'AT+QLACONFIG=1,"127.0.0.1",{platform.port},"{EP}",300,3')
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r'\+QLAURC: "bs_finished"')
        await d.expect(r"\+QLAREG: 0")
        device = await platform.wait_for_registration(EP)
        assert isinstance(device.remote, DTLSRemote)
        assert device.remote.authenticated_claims == (IDENTITY,)
        # the assigned server is what the module now reports and saves
        assert await d.command("AT+QLACONFIG?") == [
            f'+QLACONFIG: 0,"127.0.0.1",{platform.port + 1},"{EP}",300,0,"{IDENTITY}","{KEY.hex().upper()}",0',
            "OK",
        ]
        saved = d.module.nvm.load()["server"]
        assert (saved["bs_flag"], saved["port"], saved["psk_id"]) == (0, platform.port + 1, IDENTITY)
