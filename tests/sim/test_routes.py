"""Where the module's server addresses lead: the routes of qlaterm-sim and the routing of ``qlaterm --sim``,
where every configured server (an IP address or a cloud host name, any port) reaches the bundled platform."""

from __future__ import annotations

import pytest

from qlaterm.link.base import LinkStatus
from qlaterm.link.inproc import InProcTransport
from qlaterm.platform.server import Platform
from qlaterm.sim.options import network_setup
from qlaterm.sim.routes import Destination, Routes, parse_route
from qlaterm.simulator import parse_args, platform_routes
from tests.simkit import ModuleDriver, running_module

EP = "route-ep"


async def test_routes_resolve_a_route_then_the_default_then_as_given() -> None:
    routes = Routes(
        hosts={"lwm.home.komect.com": "10.0.0.7"},
        routes={("iot.example.com", 5683): ("127.0.0.2", 6000), ("other.example.com", None): ("127.0.0.3", 7000)},
    )
    assert await routes.resolve("IOT.example.com", 5683) == ("127.0.0.2", 6000)
    assert await routes.resolve("other.example.com", 1234) == ("127.0.0.3", 7000)
    assert await routes.resolve("lwm.home.komect.com", 5683) == ("10.0.0.7", 5683)
    assert await routes.resolve("192.0.2.1", 5684) == ("192.0.2.1", 5684)
    assert await routes.resolve("name.invalid", 5683) is None
    everything = routes.with_everything(Destination("127.0.0.1", 40000, 40001))
    assert await everything.resolve("name.invalid", 5683) == ("127.0.0.1", 40000)
    assert await everything.resolve("192.0.2.1", 5684, security_mode=0) == ("127.0.0.1", 40001)
    assert await everything.resolve("iot.example.com", 5683) == ("127.0.0.2", 6000)  # a route still wins


def test_route_arguments() -> None:
    assert parse_route("lwm.home.komect.com:5683=127.0.0.1:6000") == (
        ("lwm.home.komect.com", 5683),
        ("127.0.0.1", 6000),
    )
    assert parse_route("Iot.Example.com=[::1]:6000") == (("iot.example.com", None), ("::1", 6000))
    for bad in ("a.example", "a.example=127.0.0.1", "=127.0.0.1:1", "a:x=127.0.0.1:1", "a=b:70000"):
        with pytest.raises(ValueError):
            parse_route(bad)


def test_qlaterm_sim_network_and_route_options() -> None:
    args = parse_args(["--pty", "--route-all", "--route", "a.example:5683=127.0.0.1:6000", "--network", "poor",
                       "--loss", "0.3", "--delay", "100-200", "--seed", "4"])
    assert args.route_all and args.route == [(("a.example", 5683), ("127.0.0.1", 6000))]
    setup = network_setup(args)
    assert (setup.condition.name, setup.condition.loss, setup.condition.delay_ms) == ("poor", 0.3, (100, 200))
    assert setup.seed == 4 and not setup.instant and setup.answer_delay is None
    default = network_setup(parse_args(["--pty", "--instant"]))
    assert default.condition.name == "good" and default.answer_delay == (0.0, 0.0)
    with pytest.raises(SystemExit):
        parse_args(["--pty", "--network", "great"])


async def test_a_cloud_host_name_reaches_the_routed_platform_and_not_the_one_on_its_port() -> None:
    async with (
        Platform(port=0) as bundled,
        Platform(port=0) as stranger,
        running_module(routes=platform_routes(bundled)) as d,
    ):
        line = f'AT+QLACONFIG=0,"lwm.home.komect.com",{stranger.port},"{EP}",300,3'
        assert await d.command(line) == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        await bundled.wait_for_registration(EP)
        assert stranger.devices == {}
        # the module prints its configuration as it was given
        assert (await d.command("AT+QLACONFIG?"))[0].startswith('+QLACONFIG: 0,"lwm.home.komect.com",')


async def test_without_routes_an_unknown_name_cannot_create_the_client() -> None:
    async with running_module() as d:
        assert await d.command('AT+QLACONFIG=0,"name.invalid",5683,"x",300,3') == ["OK"]
        assert await d.command("AT+QLAREG") == ["+CME ERROR: 34"]


async def test_sim_mode_routes_the_vendor_documents_lines_to_the_bundled_platform() -> None:
    transport = InProcTransport(platform_port=0, network="ideal")
    states: list[LinkStatus] = []
    await transport.open(lambda data: None, states.append)
    try:
        assert transport.module is not None and transport.platform is not None
        d = ModuleDriver(transport.module)
        transport.module.attach(d.write)
        # the andlink platform's address as the vendor document prints it, on the default CoAP port
        assert await d.command('AT+QLACONFIG=0,"lwm.home.komect.com",5683,"' + EP + '",300,3') == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        await transport.platform.wait_for_registration(EP)
        # the console's controls: the radio condition, power and reset
        assert transport.network == "ideal"
        transport.set_network("poor")
        assert transport.network == "poor"
        transport.set_network("ideal")
        await transport.power_cycle()
        await d.expect(r"RDY")
        await d.expect(r"\+IP: .*")
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 0", "OK"]
        await transport.reset()
        await d.expect(r"RDY")
        await d.expect(r"\+IP: .*")
    finally:
        await transport.close()
