"""The simulator's control channel: what the network and the board do to the module, as text commands.

A terminal talks AT to the module; the control channel is the other side of it, the cell and the MCU's
pins.  ``qlaterm-sim --control PATH`` listens on a Unix socket; each line is one command, each is answered
with one line, ``ok …`` or ``error …``::

    network ideal|good|poor|edge|none   move the module into that radio condition (its own loss and delay)
    loss P                              share of datagrams lost, 0-1 or 0-100%, in the present condition
    delay MS[-MS]                       one-way delay per datagram, in the present condition
    sleep / wake                        deep sleep (no AT, no network) / wake from it (banner, recovery)
    power-cycle                         supply off and on: banner, NVM kept
    reset                               a pulse on the RESET line: the firmware restarts, banner
    status                              the condition, power, radio and LwM2M state on one line
    help                                the command names

``qlaterm-sim --send PATH COMMAND`` sends one command and prints the answer, as does
``echo status | socat - UNIX-CONNECT:PATH``.  :class:`Controls` runs commands on a module (one at a
time); :class:`ControlServer` serves them on the socket; :func:`send` is the client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from qlaterm.sim.conditions import CONDITIONS, condition
from qlaterm.sim.module import Module
from qlaterm.sim.options import delay_range, loss_share

__all__ = ["COMMANDS", "ControlServer", "Controls", "send"]

COMMANDS = ("network", "loss", "delay", "sleep", "wake", "power-cycle", "reset", "status", "help")
"""The control commands, in the order ``help`` lists them."""

T = TypeVar("T")


class Controls:
    """The control commands on one module; :meth:`run` takes a line and returns the answer line.

    Commands run one after the other: a power-cycle asked for while a reset runs waits for it."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self._lock = asyncio.Lock()
        self._commands: dict[str, Callable[[str], Awaitable[str]]] = {
            "network": self._network,
            "loss": self._loss,
            "delay": self._delay,
            "sleep": self._sleep,
            "wake": self._wake,
            "power-cycle": self._power_cycle,
            "reset": self._reset,
            "status": self._status,
            "help": self._help,
        }

    async def run(self, line: str) -> str:
        """The answer to one command line: ``ok …`` or ``error …``."""
        name, _, argument = line.strip().partition(" ")
        command = self._commands.get(name.lower())
        if command is None:
            return f"error unknown command {name!r}; try help" if name else "error empty command"
        async with self._lock:
            try:
                return await command(argument.strip())
            except ValueError as exc:
                return f"error {exc}"

    # ------------------------------------------------------------------ the network
    async def _network(self, argument: str) -> str:
        if argument not in CONDITIONS:
            raise ValueError(f"network takes one of {'|'.join(CONDITIONS)}")
        self.module.network.set_condition(condition(argument))
        return f"ok {self._condition()}"

    async def _loss(self, argument: str) -> str:
        share = _parsed(loss_share, argument, "loss takes a share 0-1 or 0-100%")
        net = self.module.network
        net.set_condition(net.condition.with_overrides(loss=share))
        return f"ok {self._condition()}"

    async def _delay(self, argument: str) -> str:
        delay = _parsed(delay_range, argument, "delay takes MS or MS-MS")
        net = self.module.network
        net.set_condition(net.condition.with_overrides(delay_ms=delay))
        return f"ok {self._condition()}"

    def _condition(self) -> str:
        c = self.module.network.condition
        low, high = c.delay_ms
        return f"network={c.name} loss={c.loss:g} delay={low}-{high}ms"

    # ------------------------------------------------------------------ the board
    def _powered(self) -> None:
        if not self.module.powered:
            raise ValueError("the module is off (over TCP it powers on when a terminal connects)")

    async def _sleep(self, argument: str) -> str:
        self._powered()
        if self.module.asleep:
            return "ok already in deep sleep"
        await self.module.deep_sleep()
        return "ok in deep sleep"

    async def _wake(self, argument: str) -> str:
        self._powered()
        if not self.module.asleep:
            return "ok already awake"
        await self.module.wake()
        return "ok awake"

    async def _power_cycle(self, argument: str) -> str:
        self._powered()
        await self.module.power_cycle()
        return "ok power-cycled"

    async def _reset(self, argument: str) -> str:
        self._powered()
        await self.module.reset()
        return "ok reset"

    # ------------------------------------------------------------------ questions
    async def _status(self, argument: str) -> str:
        m = self.module
        net = m.network
        power = "off" if not m.powered else "sleep" if m.asleep else "on"
        return (
            f"ok {self._condition()} power={power} stat={net.stat} attached={int(net.attached)} "
            f"rrc={net.rrc} psm={int(net.psm)} lwm2m={int(m.status)}"
        )

    async def _help(self, argument: str) -> str:
        return "ok " + " ".join(COMMANDS)


def _parsed(parse: Callable[[str], T], argument: str, usage: str) -> T:
    try:
        return parse(argument)
    except argparse.ArgumentTypeError:
        raise ValueError(f"{usage}, got {argument!r}") from None


class ControlServer:
    """:class:`Controls` served on a Unix socket at ``path``: one command per line, one answer line each.

    A stale socket left at ``path`` by an earlier run is replaced; any other file there is refused.  The
    socket is removed on :meth:`close`."""

    def __init__(self, controls: Controls, path: Path) -> None:
        self.controls = controls
        self.path = path
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISSOCK(os.lstat(self.path).st_mode):
                raise FileExistsError(f"{self.path} exists and is not a socket; refusing to replace it")
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._on_connect, path=str(self.path))

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while line := await reader.readline():
                text = line.decode(errors="replace").strip()
                if not text:
                    continue
                writer.write((await self.controls.run(text)).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._clients.discard(writer)
            writer.close()

    async def close(self) -> None:
        """Stop listening, end the connections and remove the socket."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._clients):
                writer.close()
            await self._server.wait_closed()
            self._server = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


async def send(path: Path, command: str, *, timeout: float = 30.0) -> str:
    """Send one control command to the simulator listening at ``path``; its answer line."""
    reader, writer = await asyncio.open_unix_connection(str(path))
    try:
        writer.write(command.strip().encode() + b"\n")
        await writer.drain()
        async with asyncio.timeout(timeout):
            answer = await reader.readline()
        return answer.decode(errors="replace").strip() or "error no answer"
    finally:
        writer.close()
