"""A port that is taken is named in the error: qlaterm-sim (--platform-port, --tcp), qlaterm-platform, and
the console's bundled simulator, which takes a free port instead and says which one was busy."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from qlaterm.link.inproc import InProcTransport
from qlaterm.platform import cli as platform_cli
from qlaterm.simulator import main as sim_main


@contextmanager
def taken(kind: int) -> Iterator[int]:
    """A loopback port of ``kind`` (SOCK_DGRAM / SOCK_STREAM) held by someone else."""
    with socket.socket(socket.AF_INET, kind) as holder:
        holder.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            holder.listen()
        yield holder.getsockname()[1]


def test_qlaterm_sim_names_a_busy_platform_port(capsys: pytest.CaptureFixture[str]) -> None:
    with taken(socket.SOCK_DGRAM) as port:
        assert sim_main(["--tcp", "127.0.0.1:0", "--platform-port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"UDP port 127.0.0.1:{port} is in use (--platform-port)" in err, err
    assert "Traceback" not in err


def test_qlaterm_sim_names_a_busy_tcp_port(capsys: pytest.CaptureFixture[str]) -> None:
    with taken(socket.SOCK_STREAM) as port:
        assert sim_main(["--tcp", f"127.0.0.1:{port}", "--no-server"]) == 1
    err = capsys.readouterr().err
    assert f"TCP port 127.0.0.1:{port} is in use (--tcp)" in err, err


def test_qlaterm_platform_names_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with taken(socket.SOCK_DGRAM) as port:
        assert platform_cli.main(["--platform-port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"UDP port 127.0.0.1:{port} is in use (--platform-port)" in err, err
    assert "Traceback" not in err


async def test_the_console_simulator_says_which_platform_port_was_busy() -> None:
    states: list[str] = []
    with taken(socket.SOCK_DGRAM) as port:
        transport = InProcTransport(platform_port=port, network="ideal")
        try:
            await transport.open(lambda _data: None, lambda status: states.append(status.detail))
            assert transport.platform is not None and transport.platform.port != port
        finally:
            await transport.close()
    assert f"(udp port {port} is in use)" in states[-1], states
