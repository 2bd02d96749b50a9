"""asyncio drivers for lwm2m-node-lib's interactive LwM2M server and client consoles.

The npm package lwm2m-node-lib ships two console programs that read one command per line on stdin and
print their results on stdout.  ``tests/peers/node/server.js`` and ``client.js`` wrap them so that the
UDP port, lifetime and log level come from environment variables; these classes run the wrappers as
subprocesses and talk to them line by line (see :class:`tests.peers.process.LineProcess`).

Rules the programs impose, and that the drivers follow:

* stdin stays open for the whole life of the program (closing it makes the program spin); the program
  is killed on :meth:`~tests.peers.process.LineProcess.stop`.
* One command at a time: send it, wait for its answer line, then send the next.
* The prompt (``LWM2M-Server> `` / ``LWM2M-Client> ``) is printed without a newline and often glued
  to the start of the next output line; it is stripped from every line before matching.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.peers import peer_unavailable
from tests.peers.process import LineProcess, PeerError

__all__ = ["NODE_DIR", "NodeLwm2mClient", "NodeLwm2mServer", "PeerError", "require_node_peers"]

NODE_DIR = Path(__file__).resolve().parent / "node"
"""Folder holding package.json, the wrappers and (once ``npm install`` ran) node_modules."""

_START_TIMEOUT = 20.0


def require_node_peers() -> str:
    """Path of the ``node`` binary, after checking that lwm2m-node-lib is installed.

    Skips the test (fails it under CI) when Node or the npm packages are missing.
    """
    node = shutil.which("node")
    if node is None:
        peer_unavailable("node", "Debian packages nodejs and npm")
    if not (NODE_DIR / "node_modules" / "lwm2m-node-lib").is_dir():
        peer_unavailable("lwm2m-node-lib", f"run `npm install` in {NODE_DIR}")
    return node


class _NodeConsole(LineProcess):
    """A wrapper script from :data:`NODE_DIR` run by Node, ready once its prompt shows."""

    script = ""

    def __init__(self) -> None:
        super().__init__(self.script)

    async def _start_script(self, env: dict[str, str]) -> None:
        node = require_node_peers()
        # Node's own warnings (circular-dependency notices from the package) would mix into stdout.
        full_env = {**os.environ, "NODE_NO_WARNINGS": "1", **env}
        await self._spawn([node, str(NODE_DIR / self.script)], env=full_env, cwd=NODE_DIR)
        await self.wait_prompt(_START_TIMEOUT)


class NodeLwm2mServer(_NodeConsole):
    """lwm2m-node-lib's LwM2M server console (``iotagent-lwm2m-server``) on a UDP port of our choice.

    Commands once started: ``list``, ``read D /o/i/r``, ``write D /o/i/r VALUE``,
    ``execute D /o/i/r ARGS``, ``discover D o i r``, ``observe D o i r``, ``writeAttr D o i r pmin=1``,
    ``cancel D o i r`` (device ids D start at 1).  Success prints ``Success: …``, failure ``Error:``
    then ``Code: …``; a registration prints ``Endpoint name: EP``; a notification ``Got new value: …``.
    """

    script = "server.js"
    prompt = "LWM2M-Server> "

    def __init__(self) -> None:
        super().__init__()
        self.port: int | None = None

    async def start(self, port: int, *, log_level: str = "FATAL") -> None:
        """Run the console and issue its ``start`` command: when this returns the server listens on
        UDP *port* (all interfaces)."""
        self.port = port
        await self._start_script({"LWM2M_PORT": str(port), "LWM2M_LOG_LEVEL": log_level})
        await self.command("start", r"^Success: Lightweight M2M Server started", timeout=_START_TIMEOUT)


class NodeLwm2mClient(_NodeConsole):
    """lwm2m-node-lib's LwM2M client console (``iotagent-lwm2m-client``).

    Commands: ``create /3/0``, ``set /3/0 0 ACME``, ``connect HOST PORT EP ""`` (exactly four
    arguments), ``updateConnection``, ``disconnect``, ``list``.  The client sends no automatic
    Updates and answers without a Content-Format option.
    """

    script = "client.js"
    prompt = "LWM2M-Client> "

    async def start(self, *, lifetime: int = 85671, log_level: str = "FATAL") -> None:
        """Run the console; it does nothing on the network until ``connect``."""
        await self._start_script({"LWM2M_LIFETIME": str(lifetime), "LWM2M_CLIENT_LOG_LEVEL": log_level})

    async def connect(self, host: str, port: int, endpoint: str, timeout: float = 10) -> str:
        """Register with the server at *host*:*port* as *endpoint*; returns the output up to the
        ``Device location:`` line.  Raises :class:`PeerError` if the registration fails."""
        out = await self.command(
            f'connect {host} {port} {endpoint} ""', r"^(Device location:|Message:)", timeout=timeout
        )
        if "Device location:" not in out:
            raise PeerError(f"registration of {endpoint!r} failed:\n{out}")
        return out
