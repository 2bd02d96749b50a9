"""qlaterm-platform: the command interpreter in-process, and the console program as a subprocess."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator

import pytest
from aiocoap import Code

from qlaterm.lwm2m.formats import tlv
from qlaterm.platform.bootstrap import BootstrapConfig
from qlaterm.platform.cli import (
    PlatformShell,
    build_parser,
    format_event,
    main,
    parse_format,
    parse_value,
    platform_from_options,
)
from qlaterm.platform.model import BootstrapFinished, ObservationEnded, OperationDone, Result
from qlaterm.platform.server import Platform
from tests.tinyclient import TinyClient


@pytest.fixture
async def setup() -> AsyncIterator[tuple[Platform, PlatformShell, list[str], TinyClient]]:
    printed: list[str] = []
    platform = Platform(port=0)
    await platform.start()
    shell = PlatformShell(platform, printed.append)
    shell.attach()
    client = TinyClient("dev-1")
    await client.start()
    try:
        yield platform, shell, printed, client
    finally:
        shell.detach()
        await client.stop()
        await platform.stop()


def test_formats_and_values() -> None:
    assert parse_format("tlv") == 11542 and parse_format("senml") == 110 and parse_format("0") == 0
    assert parse_value("0x0aff") == b"\x0a\xff"
    assert parse_value("0xabc") == "0xabc" and parse_value("hello") == "hello"


async def test_shell_commands_against_a_registered_device(setup: tuple) -> None:
    platform, shell, printed, client = setup
    await client.register(platform.port)
    assert printed[-1].startswith(f"registered dev-1 location=rd/1 address=127.0.0.1:{client.port} lifetime=300")

    listing = await shell.run_line("list")
    assert listing == [printed[-1].removeprefix("registered ")]
    assert await shell.run_line("read dev-1 /3/0/0") == ['read dev-1 /3/0/0: 2.05 Content cf=0 text "ACME"']
    tlv = await shell.run_line("read dev-1 /3/0/0 tlv")
    assert tlv[0].startswith("read dev-1 /3/0/0: 2.05 Content cf=11542 tlv")

    assert await shell.run_line('write dev-1 /19/0/0 {"outletStatus": "1"}') == ["write dev-1 /19/0/0: 2.04 Changed"]
    assert client.received[-1].payload == b'{"outletStatus": "1"}'
    await shell.run_line("write dev-1 /19/0/0 0x0102")
    assert (client.received[-1].payload, client.received[-1].content_format) == (b"\x01\x02", 42)

    assert await shell.run_line("execute dev-1 /19/0/0 a b") == ["execute dev-1 /19/0/0: 2.04 Changed"]
    assert client.received[-1].payload == b"a b"
    assert await shell.run_line("attr dev-1 /19/0/0 pmin=1 pmax=5") == ["attr dev-1 /19/0/0: 2.04 Changed"]
    assert client.received[-1].query == ("pmin=1", "pmax=5")
    discover = await shell.run_line("discover dev-1 /19/0/0")
    assert discover == ["discover dev-1 /19/0/0: 2.05 Content cf=40 link </19/0/0>;pmin=1;pmax=5"]

    observe = await shell.run_line("observe dev-1 /19/0/0")
    assert observe[0].startswith("observe dev-1 /19/0/0: 2.05 Content") and observe[0].endswith("(established)")
    await client.wait_observers((19, 0, 0), 1)
    events = platform.events()
    client.resources[(19, 0, 0)].notify("hot")
    obs = platform.observation("dev-1", "/19/0/0")
    assert obs is not None
    note = await obs.next(timeout=5)
    assert printed[-1] == f'notify dev-1 /19/0/0 mid={note.mid} NON: 2.05 Content cf=0 text "hot"'
    assert (await shell.run_line("cancel dev-1 /19/0/0"))[0].startswith("cancel dev-1 /19/0/0: 2.05")
    await events.wait_for(ObservationEnded, timeout=5)
    assert printed[-1] == "observation ended dev-1 /19/0/0: cancelled"

    log = await shell.run_line("log 2")
    assert len(log) == 2 and re.match(r"^\d\d:\d\d:\d\d\.\d{3} <- 127\.0\.0\.1:\d+ ACK 2\.05", log[-1])


async def test_shell_reports_mistakes_as_errors(setup: tuple) -> None:
    platform, shell, _printed, client = setup
    assert await shell.run_line("read") == ["error: usage: read EP PATH [FORMAT]"]
    assert await shell.run_line("read nobody /3/0/0") == ["error: no registered device 'nobody'"]
    assert await shell.run_line("frobnicate") == ["error: unknown command 'frobnicate' (try help)"]
    await client.register(platform.port)
    assert (await shell.run_line("read dev-1 /x/0"))[0].startswith("error: ")
    assert (await shell.run_line("read dev-1 /3/0/0 bogus"))[0].startswith("error: unknown format 'bogus'")
    assert (await shell.run_line("attr dev-1 /3/0/0 foo=1"))[0].startswith("error: not an attribute")
    assert await shell.run_line("") == []
    assert "list" in "\n".join(await shell.run_line("help"))


def test_profile_requests_are_printed_as_events() -> None:
    result = Result(code=Code.CONTENT, content_format=0, payload=b"x", text='text "x"')
    line = format_event(OperationDone("ep", operation="read", path=(19, 1, 0), result=result, origin="profile:andlink"))
    assert line == 'profile:andlink read ep /19/1/0: 2.05 Content cf=0 text "x"'
    assert format_event(OperationDone("ep", operation="read", path=(3,), result=result)) is None


async def test_console_program_serves_and_quits() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qlaterm.platform.cli",
        "--port",
        "0",
        "--profile",
        "aep",
        "--psk",
        "cli-dev:00112233",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    client = TinyClient("cli-dev")
    await client.start()

    async def line_matching(pattern: str) -> re.Match[str]:
        while True:
            raw = await asyncio.wait_for(proc.stdout.readline(), 10)  # type: ignore[union-attr]
            assert raw, f"program ended before printing {pattern!r}"
            match = re.search(pattern, raw.decode())
            if match:
                return match

    try:
        port = int((await line_matching(r"listening on 127\.0\.0\.1:(\d+) profile=aep")).group(1))
        await line_matching(rf"^DTLS-PSK on 127\.0\.0\.1:{port + 1} for cli-dev$")
        await client.register(port)
        await line_matching(r"^registered cli-dev location=rd/1 ")
        await line_matching(r"^profile:aep observe cli-dev /19/0/0: 2\.05 Content")
        proc.stdin.write(b"read cli-dev /3/0/0\n")
        await line_matching(r'^read cli-dev /3/0/0: 2\.05 Content cf=0 text "ACME"')
        proc.stdin.write(b"quit\n")
        await line_matching(r"^platform stopped")
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        await client.stop()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_help_lists_the_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "aep" in out and "andlink" in out and "observe EP PATH" in out


def test_port_flag_is_spelled_as_in_the_console_and_the_simulator() -> None:
    parser = build_parser()
    assert parser.parse_args([]).platform_port == 5683
    assert parser.parse_args(["--platform-port", "0"]).platform_port == 0
    assert parser.parse_args(["--port", "6000"]).platform_port == 6000  # the earlier spelling still works
    assert "--port " not in parser.format_help()


def test_bad_port_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--platform-port", "70000"])
    assert exited.value.code == 2
    assert "expected a port 0-65535" in capsys.readouterr().err


def platform_for(*argv: str) -> Platform:
    return platform_from_options(build_parser().parse_args(["--platform-port", "0", *argv]))


def test_psk_identities_and_the_queue_window_reach_the_platform() -> None:
    platform = platform_for("--psk", "dev-1:0102", "--psk", "a:b:ff", "--queue-awake", "2.5")
    assert platform.psk_store == {"dev-1": b"\x01\x02", "a:b": b"\xff"}
    assert platform.queue_awake == 2.5
    plain = platform_for()
    assert plain.psk_store == {} and plain.queue_awake == 93.0 and plain.bootstrap_config == BootstrapConfig()


def test_bootstrap_options_change_only_what_they_name() -> None:
    config = platform_for(
        "--bootstrap-lifetime", "600", "--bootstrap-binding", "UQ", "--bootstrap-ssid", "7",
        "--bootstrap-pmin", "5", "--bootstrap-pmax", "120", "--bootstrap-no-storing",
    ).bootstrap_config
    assert config == BootstrapConfig(
        lifetime=600, binding="UQ", short_server_id=7, default_pmin=5, default_pmax=120, notification_storing=False
    )
    secure = platform_for("--bootstrap-psk", "dev-1:0a0b", "--bootstrap-server", "coaps://10.0.0.1:5684")
    assert (secure.bootstrap_config.security_mode, secure.bootstrap_config.server_uri) == (0, "coaps://10.0.0.1:5684")
    assert (secure.bootstrap_config.psk_identity, secure.bootstrap_config.psk_key) == ("dev-1", b"\x0a\x0b")
    assert secure.psk_store == {}  # the platform adds the bootstrap identity when it starts
    andlink = platform_for("--profile", "andlink", "--bootstrap-lifetime", "90")
    assert andlink.bootstrap_config == BootstrapConfig(binding="U", lifetime=90)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--psk", "nokey"], "expected IDENTITY:HEXKEY"),
        (["--psk", "dev:zz"], "is not hex"),
        (["--bootstrap-binding", "Q"], "invalid choice: 'Q'"),
        (["--bootstrap-lifetime", "0"], "above 0"),
        (["--bootstrap-server", "http://x"], "coap:// or coaps://"),
        (["--bootstrap-pmin", "10", "--bootstrap-pmax", "5"], "pmin <= pmax"),
        (["--queue-awake", "-1"], "0 or more"),
    ],
)
def test_bad_options_exit_with_usage(argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--platform-port", "0", *argv])
    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


async def test_a_device_bootstrapped_from_the_command_line_gets_what_it_says() -> None:
    platform = platform_for("--bootstrap-binding", "UQ", "--bootstrap-lifetime", "600")
    client = TinyClient("bs-dev")
    await client.start()
    try:
        async with platform:
            events = platform.events()
            await client.bootstrap_request(platform.port)
            assert (await events.wait_for(BootstrapFinished, timeout=5)).ok
            server = client.instances[(1, 0)].values
            assert tlv.tlv_int(server[(1, 0, 1)]) == 600 and tlv.tlv_str(server[(1, 0, 7)]) == "UQ"
    finally:
        await client.stop()
