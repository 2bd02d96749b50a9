"""qlaterm-sim: the module reached through a pseudo-terminal or raw TCP, as a terminal program sees it.

The link classes are tested in-process with a plain byte sink; the command itself is run as a
subprocess (the installed ``qlaterm-sim`` console script) and talked to with pyserial-asyncio and
sockets, exactly as minicom or an MCU driver would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import serial_asyncio

from qlaterm.sim.serve import PtyLink, TcpLink
from qlaterm.simulator import main, parse_args
from tests.peers.ports import free_udp_port, free_udp_port_pair

TIMEOUT = 15.0
"""Safety net for every wait below; each wait ends as soon as its event happens."""


class ByteQueue:
    """Collects bytes from a link's sink and lets a test wait until a marker has arrived."""

    def __init__(self) -> None:
        self.data = bytearray()
        self._changed = asyncio.Condition()
        self._loop = asyncio.get_running_loop()

    def __call__(self, chunk: bytes) -> None:
        self.data += chunk
        self._loop.create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, marker: bytes) -> bytes:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: marker in self.data), TIMEOUT)
        return bytes(self.data)


async def read_until(reader: asyncio.StreamReader, marker: bytes) -> bytes:
    """Everything up to and including *marker*."""
    return await asyncio.wait_for(reader.readuntil(marker), TIMEOUT)


async def powered_on(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``qlaterm-sim --tcp`` as an MCU does: the module powers on and its banner arrives, ending
    with ``+IP:``; only then does the MCU type (a real module drops what comes before ``RDY``)."""
    reader, writer = await asyncio.open_connection(host, port)
    banner = await read_until(reader, b"+IP: 127.0.0.1\r\n")
    assert banner.startswith(b"F1: 0000 0000\r\n") and b"\r\nRDY\r\n" in banner
    return reader, writer


# -- the links, in-process ---------------------------------------------------------------------------
async def test_pty_link_carries_bytes_both_ways_and_survives_reopen(tmp_path: Path) -> None:
    received = ByteQueue()
    link = PtyLink(tmp_path / "bc26")
    await link.open(received)
    try:
        assert os.readlink(tmp_path / "bc26") == link.address
        for attempt in range(2):  # a terminal closing the device and opening it again still works
            reader, writer = await serial_asyncio.open_serial_connection(url=str(tmp_path / "bc26"), baudrate=115200)
            try:
                writer.write(b"AT+CSQ\r")
                assert (await received.until(b"AT+CSQ\r" * (attempt + 1))).endswith(b"AT+CSQ\r")
                link.write(b"\r\n+CSQ: 31,99\r\n")
                assert await read_until(reader, b"99\r\n") == b"\r\n+CSQ: 31,99\r\n"
            finally:
                writer.close()
    finally:
        await link.close()
    assert not (tmp_path / "bc26").exists()


async def test_pty_link_keeps_output_written_before_a_terminal_reads() -> None:
    link = PtyLink()
    await link.open(lambda _data: None)
    try:
        link.write(b"x" * 100_000)  # more than a tty holds: the rest waits in the link
        fd = os.open(link.address, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        received = ByteQueue()

        def readable() -> None:
            with contextlib.suppress(BlockingIOError):
                received(os.read(fd, 65536))

        loop = asyncio.get_running_loop()
        loop.add_reader(fd, readable)
        try:
            await received.until(b"x" * 100_000)
            assert received.data == b"x" * 100_000
        finally:
            loop.remove_reader(fd)
            os.close(fd)
    finally:
        await link.close()


async def test_pty_link_refuses_to_replace_a_real_file(tmp_path: Path) -> None:
    target = tmp_path / "notalink"
    target.write_text("keep me")
    link = PtyLink(target)
    with pytest.raises(FileExistsError):
        await link.open(lambda _data: None)
    await link.close()
    assert target.read_text() == "keep me"


async def test_tcp_link_new_connection_replaces_the_old_one() -> None:
    received = ByteQueue()
    link = TcpLink("127.0.0.1", 0)
    await link.open(received)
    try:
        host, port = link.address.rsplit(":", 1)
        reader1, writer1 = await asyncio.open_connection(host, int(port))
        writer1.write(b"one\r")
        await received.until(b"one\r")
        link.write(b"to one\r\n")
        assert await read_until(reader1, b"\n") == b"to one\r\n"

        reader2, writer2 = await asyncio.open_connection(host, int(port))
        assert await asyncio.wait_for(reader1.read(), TIMEOUT) == b""  # the old terminal was dropped
        writer2.write(b"two\r")
        await received.until(b"two\r")
        link.write(b"to two\r\n")
        assert await read_until(reader2, b"\n") == b"to two\r\n"
        for writer in (writer1, writer2):
            writer.close()
    finally:
        await link.close()


async def test_tcp_link_bounds_the_output_of_a_terminal_that_does_not_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    link = TcpLink("127.0.0.1", 0)
    await link.open(lambda _data: None)
    try:
        host, port = link.address.rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        await asyncio.wait_for(link.terminal.wait(), TIMEOUT)
        chunk = b"+QLAURC: \"ping\",0\r\n" * 64
        written = 0
        while written < 32 * link.MAX_BACKLOG:  # a URC flood into a terminal that never reads
            link.write(chunk)
            written += len(chunk)
            if written % (64 * len(chunk)) == 0:
                await asyncio.sleep(0)
        assert link.dropped > written // 2
        sock.setblocking(False)
        received = 0
        with contextlib.suppress(BlockingIOError):
            while data := sock.recv(1 << 20):
                received += len(data)
        assert received + link.dropped <= written
        sock.close()
    finally:
        await link.close()
    err = capsys.readouterr().err
    assert err.count("is not reading") == 1, err  # reported once, not once per dropped write


async def test_tcp_link_tells_when_a_new_terminal_connects() -> None:
    connects: list[int] = []
    link = TcpLink("127.0.0.1", 0)
    await link.open(lambda _data: None, lambda: connects.append(1))
    try:
        host, port = link.address.rsplit(":", 1)
        for expected in (1, 2):
            _reader, writer = await asyncio.open_connection(host, int(port))
            async with asyncio.timeout(TIMEOUT):
                while len(connects) < expected:
                    await asyncio.sleep(0.01)
            writer.close()
    finally:
        await link.close()


# -- argument parsing ----------------------------------------------------------------------------------
def test_arguments() -> None:
    args = parse_args(["--tcp", "127.0.0.1:7000", "--psk", "dev1:0011ff", "--psk", "a:b:c:00", "--no-server"])
    assert args.tcp == ("127.0.0.1", 7000)
    assert args.psk == {"dev1": b"\x00\x11\xff", "a:b:c": b"\x00"}
    assert args.no_server and args.platform_port == 5683 and args.profile == "generic"
    args = parse_args(["--pty", "--link", "/tmp/x", "--profile", "aep", "--platform-port", "6000"])
    assert args.pty and args.link == "/tmp/x" and args.profile == "aep" and args.platform_port == 6000
    assert parse_args(["--pty", "--server-port", "6001"]).platform_port == 6001  # the earlier spelling


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--pty", "--tcp", "127.0.0.1:1"],
        ["--tcp", "7000x"],
        ["--tcp", "127.0.0.1:1", "--link", "/tmp/x"],
        ["--pty", "--psk", "id:xyz"],
        ["--pty", "--imei", "123"],
        ["--pty", "--profile", "nope"],
        ["--pty", "--platform-port", "70000"],
        ["--pty", "--server-port", "70000"],
    ],
)
def test_bad_arguments_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: qlaterm-sim" in capsys.readouterr().err


# -- the command, as a subprocess ------------------------------------------------------------------------
def sim_command() -> list[str]:
    """The installed console script, or the module when the package is not installed as a script."""
    script = Path(sys.executable).with_name("qlaterm-sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "qlaterm.simulator"]


class SimProcess:
    """A running ``qlaterm-sim`` and the address it announced on its first stdout line."""

    def __init__(self, proc: asyncio.subprocess.Process, address: str) -> None:
        self.proc = proc
        self.address = address

    async def finish(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Send *signum*, wait for the exit, and return (exit status, stderr)."""
        if self.proc.returncode is None:
            self.proc.send_signal(signum)
        _out, err = await asyncio.wait_for(self.proc.communicate(), TIMEOUT)
        assert self.proc.returncode is not None
        return self.proc.returncode, err.decode(errors="replace")


@contextlib.asynccontextmanager
async def running_sim(*argv: str) -> AsyncIterator[SimProcess]:
    proc = await asyncio.create_subprocess_exec(
        *sim_command(),
        "--network",
        "ideal",
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
        if not line:
            _out, err = await proc.communicate()
            pytest.fail(f"qlaterm-sim {' '.join(argv)} exited {proc.returncode}:\n{err.decode()}")
        yield SimProcess(proc, line.decode().strip())
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()


async def test_pty_answers_at_with_echo_then_ok(tmp_path: Path) -> None:
    link = tmp_path / "bc26"
    async with running_sim("--pty", "--no-server", "--link", str(link)) as sim:
        assert sim.address.startswith("/dev/")
        assert os.path.realpath(link) == os.path.realpath(sim.address)
        reader, writer = await serial_asyncio.open_serial_connection(url=str(link), baudrate=115200)
        try:
            writer.write(b"AT\r")
            assert await read_until(reader, b"OK\r\n") == b"AT\r\r\nOK\r\n"
            writer.write(b"ATE0\r")
            assert await read_until(reader, b"OK\r\n") == b"ATE0\r\r\nOK\r\n"
            writer.write(b"AT\r")
            assert await read_until(reader, b"OK\r\n") == b"\r\nOK\r\n"
        finally:
            writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err
    assert "Traceback" not in err
    assert not link.exists() and not link.is_symlink()


async def test_tcp_answers_at_like_ser2net() -> None:
    async with running_sim("--tcp", "127.0.0.1:0", "--no-server") as sim:
        host, port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(port))
        writer.write(b"AT\r")
        assert await read_until(reader, b"OK\r\n") == b"AT\r\r\nOK\r\n"
        writer.write(b"AT+CGSN=1\r")
        reply = await read_until(reader, b"OK\r\n")
        assert b"+CGSN: 866971030603068\r\n" in reply
        writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err


async def test_sigint_exits_cleanly_with_the_platform_running() -> None:
    port = free_udp_port()
    async with running_sim("--tcp", "127.0.0.1:0", "--server-port", str(port), "--imei", "123456789012345") as sim:
        host, tcp_port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(tcp_port))
        writer.write(b"AT+CGSN=1\r")
        assert b"+CGSN: 123456789012345\r\n" in await read_until(reader, b"OK\r\n")
        status, err = await sim.finish(signal.SIGINT)  # with the terminal still connected
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        writer.close()
    assert status == 0, err
    assert "Traceback" not in err


async def test_state_dir_keeps_settings_across_runs(tmp_path: Path) -> None:
    async def exchange(line: bytes) -> bytes:
        async with running_sim("--tcp", "127.0.0.1:0", "--no-server", "--state", str(tmp_path)) as sim:
            host, port = sim.address.rsplit(":", 1)
            reader, writer = await powered_on(host, int(port))
            writer.write(line)
            reply = await read_until(reader, b"OK\r\n")
            writer.close()
            status, err = await sim.finish()
        assert status == 0, err
        return reply

    await exchange(b'AT+QLACFG="platform",1\r')
    assert b'+QLACFG: "platform",1\r\n' in await exchange(b'AT+QLACFG="platform"\r')


async def test_sigusr1_puts_the_module_to_deep_sleep_and_wakes_it() -> None:
    async with running_sim("--tcp", "127.0.0.1:0", "--no-server") as sim:
        host, port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(port))
        writer.write(b"AT\r")
        await read_until(reader, b"OK\r\n")
        assert sim.proc.stderr is not None
        sim.proc.send_signal(signal.SIGUSR1)
        while b"deep sleep" not in await asyncio.wait_for(sim.proc.stderr.readline(), TIMEOUT):
            pass
        sim.proc.send_signal(signal.SIGUSR1)
        banner = await read_until(reader, b"+IP: 127.0.0.1\r\n")
        assert b"Leaving the BROM\r\n" in banner and b"\r\nRDY\r\n" in banner
        writer.write(b"AT\r")
        assert (await read_until(reader, b"OK\r\n")).endswith(b"\r\nOK\r\n")
        writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err


async def test_a_new_tcp_terminal_starts_a_new_line() -> None:
    async with running_sim("--tcp", "127.0.0.1:0", "--no-server") as sim:
        host, port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(port))
        writer.write(b"AT+CGSN=1")  # half a line, then the terminal goes away
        await read_until(reader, b"AT+CGSN=1")
        writer.close()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"AT\r")
        reply = await read_until(reader, b"\r\n")  # the echo
        reply += await read_until(reader, b"\r\n")  # the final result code of "AT", not "AT+CGSN=1AT"
        assert reply == b"AT\r\r\nOK\r\n"
        writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err


async def test_tcp_module_powers_on_at_the_first_connection_and_keeps_running_after_it() -> None:
    async with running_sim("--tcp", "127.0.0.1:0", "--no-server") as sim:
        host, port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(port))  # the banner went to this first client
        writer.write(b"ATE0\r")
        await read_until(reader, b"OK\r\n")
        writer.close()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"AT\r")  # still running: no banner, and ATE0 still holds
        assert await read_until(reader, b"OK\r\n") == b"\r\nOK\r\n"
        writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err


@pytest.mark.parametrize(("signum", "said"), [(signal.SIGHUP, b"power-cycling"), (signal.SIGUSR2, b"reset pulse")])
async def test_sighup_power_cycles_and_sigusr2_resets_the_module(signum: int, said: bytes) -> None:
    async with running_sim("--tcp", "127.0.0.1:0", "--no-server") as sim:
        host, port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(port))
        writer.write(b"ATE0\r")
        await read_until(reader, b"OK\r\n")
        assert sim.proc.stderr is not None
        sim.proc.send_signal(signum)
        while said not in await asyncio.wait_for(sim.proc.stderr.readline(), TIMEOUT):
            pass
        banner = await read_until(reader, b"+IP: 127.0.0.1\r\n")
        assert b"Leaving the BROM\r\n" in banner and b"\r\nRDY\r\n" in banner
        writer.write(b"AT\r")  # echo is back on, as after every power-up
        assert await read_until(reader, b"OK\r\n") == b"AT\r\r\nOK\r\n"
        writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err


async def test_psk_option_lets_a_module_register_over_dtls() -> None:
    port = free_udp_port_pair()
    key = "00112233445566778899AABBCCDDEEFF"
    async with running_sim("--tcp", "127.0.0.1:0", "--server-port", str(port), "--psk", f"sim-id:{key}") as sim:
        host, tcp_port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(tcp_port))
        writer.write(f'ATE0\rAT+QLACONFIG=0,"127.0.0.1",{port + 1},"psk-ep",300,0,"sim-id","{key}"\r'.encode())
        await read_until(reader, b"OK\r\n\r\nOK\r\n")
        writer.write(b"AT+QLAREG\r")
        await read_until(reader, b"+QLAREG: ")
        assert await read_until(reader, b"\r\n") == b"0\r\n"
        writer.close()
        status, err = await sim.finish(signal.SIGTERM)
    assert status == 0, err
