"""The simulator's control channel: every command on a running module, the Unix socket, and
``qlaterm-sim --control`` / ``--send`` as a developer types them."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from qlaterm.sim.control import COMMANDS, Controls, ControlServer, send
from qlaterm.sim.module import Module
from qlaterm.sim.nvm import Nvm
from qlaterm.simulator import main
from tests.sim.test_serve import TIMEOUT, powered_on, read_until, running_sim, sim_command
from tests.simkit import running_module


async def test_network_moves_the_module_into_a_condition() -> None:
    async with running_module() as d:
        controls = Controls(d.module)
        await d.command("AT+CEREG=1")
        assert await controls.run("network poor") == "ok network=poor loss=0.05 delay=500-2000ms"
        assert await d.command("AT+CSQ") == ["+CSQ: 10,0", "OK"]
        assert await controls.run("network none") == "ok network=none loss=1 delay=0-0ms"
        await d.expect(r"\+CEREG: 0")
        assert not d.module.network.reachable()
        assert await controls.run("network ideal") == "ok network=ideal loss=0 delay=0-0ms"
        await d.expect(r"\+CEREG: 1")
        assert await controls.run("network bad") == "error network takes one of ideal|good|poor|edge|none"
        assert d.module.network.condition.name == "ideal"


async def test_loss_and_delay_change_the_present_condition() -> None:
    async with running_module(network="good") as d:
        controls = Controls(d.module)
        assert await controls.run("loss 0.3") == "ok network=good loss=0.3 delay=100-300ms"
        assert await controls.run("loss 50%") == "ok network=good loss=0.5 delay=100-300ms"
        assert await controls.run("delay 800") == "ok network=good loss=0.5 delay=800-800ms"
        assert await controls.run("delay 50-90") == "ok network=good loss=0.5 delay=50-90ms"
        assert d.module.network.condition.delay_ms == (50, 90)
        assert await controls.run("loss 2") == "error loss takes a share 0-1 or 0-100%, got '2'"
        assert await controls.run("delay 9-1") == "error delay takes MS or MS-MS, got '9-1'"
        assert await controls.run("delay") == "error delay takes MS or MS-MS, got ''"
        assert await controls.run("network good") == "ok network=good loss=0 delay=100-300ms"  # the named one


async def test_sleep_and_wake() -> None:
    async with running_module() as d:
        controls = Controls(d.module)
        assert await controls.run("sleep") == "ok in deep sleep"
        assert d.module.asleep
        d.send("AT")
        assert await controls.run("sleep") == "ok already in deep sleep"
        assert await controls.run("status") == (
            "ok network=ideal loss=0 delay=0-0ms power=sleep stat=1 attached=1 rrc=1 psm=0 lwm2m=0"
        )
        assert d.drain() == []  # asleep: no echo, no answer
        assert await controls.run("wake") == "ok awake"
        await d.expect(r"RDY")
        await d.expect(r"\+IP: 127\.0\.0\.1")
        assert await d.command("AT") == ["OK"]
        assert await controls.run("wake") == "ok already awake"


@pytest.mark.parametrize(("command", "answer"), [("power-cycle", "ok power-cycled"), ("reset", "ok reset")])
async def test_power_cycle_and_reset_restart_the_module(command: str, answer: str) -> None:
    async with running_module() as d:
        controls = Controls(d.module)
        assert await d.command("ATE0") == ["OK"]
        assert await controls.run(command) == answer
        await d.expect(r"Leaving the BROM")
        await d.expect(r"\+IP: 127\.0\.0\.1")
        assert d.module.terminal.echo  # on again, as after every power-up
        assert await d.command("AT") == ["OK"]


async def test_status_help_and_unknown_commands() -> None:
    module = Module(nvm=Nvm(None), network="good")
    controls = Controls(module)
    assert await controls.run("status") == (
        "ok network=good loss=0 delay=100-300ms power=off stat=0 attached=0 rrc=0 psm=0 lwm2m=0"
    )
    for command in ("sleep", "wake", "power-cycle", "reset"):
        assert (await controls.run(command)).startswith("error the module is off"), command
    assert await controls.run("help") == "ok " + " ".join(COMMANDS)
    assert await controls.run("fly") == "error unknown command 'fly'; try help"
    assert await controls.run("  ") == "error empty command"
    assert await controls.run("STATUS") == await controls.run("status")


async def test_control_server_answers_each_line_and_removes_its_socket(tmp_path: Path) -> None:
    path = tmp_path / "bc26.ctl"
    async with running_module() as d:
        server = ControlServer(Controls(d.module), path)
        await server.open()
        try:
            assert stat.S_ISSOCK(os.lstat(path).st_mode)
            reader, writer = await asyncio.open_unix_connection(str(path))
            writer.write(b"network poor\n\nloss 0.1\nstatus\n")
            assert await reader.readline() == b"ok network=poor loss=0.05 delay=500-2000ms\n"
            assert await reader.readline() == b"ok network=poor loss=0.1 delay=500-2000ms\n"
            assert (await reader.readline()).startswith(b"ok network=poor loss=0.1 delay=500-2000ms power=on")
            writer.close()
            assert await send(path, "network ideal") == "ok network=ideal loss=0 delay=0-0ms"
        finally:
            await server.close()
        assert not path.exists()


async def test_control_server_replaces_a_stale_socket_but_not_a_file(tmp_path: Path) -> None:
    module = Module(nvm=Nvm(None))
    stale = tmp_path / "stale.ctl"
    first = ControlServer(Controls(module), stale)
    await first.open()
    first._server.close()  # type: ignore[union-attr]  # a run that died and left its socket behind
    second = ControlServer(Controls(module), stale)
    await second.open()
    assert await send(stale, "help") == "ok " + " ".join(COMMANDS)
    await second.close()
    taken = tmp_path / "file.ctl"
    taken.write_text("mine")
    with pytest.raises(FileExistsError):
        await ControlServer(Controls(module), taken).open()
    assert taken.read_text() == "mine"


# -- qlaterm-sim --control / --send, as subprocesses ---------------------------------------------------------
async def run_send(*argv: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *sim_command(), "--send", *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode().strip(), err.decode()


async def test_qlaterm_sim_control_channel_with_send(tmp_path: Path) -> None:
    path = tmp_path / "bc26.ctl"
    async with running_sim("--tcp", "127.0.0.1:0", "--no-server", "--control", str(path)) as sim:
        host, port = sim.address.rsplit(":", 1)
        reader, writer = await powered_on(host, int(port))
        assert await run_send(str(path), "network", "edge") == (0, "ok network=edge loss=0.2 delay=2000-5000ms", "")
        writer.write(b"AT+CSQ\r")
        assert b"+CSQ: 3,0\r\n" in await read_until(reader, b"OK\r\n")
        assert await run_send(str(path), "power-cycle") == (0, "ok power-cycled", "")
        assert b"\r\nRDY\r\n" in await read_until(reader, b"+CPIN: READY\r\n")
        status, out, _err = await run_send(str(path), "network elsewhere")
        assert (status, out) == (1, "error network takes one of ideal|good|poor|edge|none")
        writer.close()
        status, err = await sim.finish()
    assert status == 0, err
    assert not path.exists()
    status, out, err = await run_send(str(path), "status")
    assert status == 1 and out == "" and "no simulator control channel" in err


def test_send_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--send", "/tmp/bc26.ctl"])
    assert exc.value.code == 2
    assert "--send needs PATH and COMMAND" in capsys.readouterr().err
