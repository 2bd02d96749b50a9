"""Helpers around Debian's libcoap3-bin programs: ``coap-client-*``, ``coap-server-*``, ``coap-rd-*``.

Each program comes in three builds: ``notls`` (no DTLS), ``openssl`` and ``gnutls``.  Facts the
helpers encode:

* ``coap-client-*`` waits 90 s for an answer unless told otherwise, so it always gets ``-B``.
* ``coap-server-*`` and ``coap-rd-*`` listen on ``-p PORT`` (UDP and TCP) and, in the DTLS builds, on
  PORT+1 for DTLS; pick PORT with :func:`tests.peers.ports.free_udp_port_pair`.  ``-k KEY`` is the
  PSK as literal text, not hex.
* The servers log at ``-v 7`` that an endpoint was created; :class:`CoapServer` waits for those lines
  instead of guessing when the server is ready.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass

from tests.peers import peer_unavailable
from tests.peers.process import LineProcess, PeerError

__all__ = [
    "VARIANTS",
    "CoapClientResult",
    "CoapServer",
    "PeerError",
    "coap_client",
    "coap_rd",
    "coap_server",
    "libcoap_binary",
]

VARIANTS: tuple[str, ...] = ("notls", "openssl", "gnutls")
"""The builds Debian ships; all but ``notls`` speak DTLS."""

_READY_TIMEOUT = 10.0


def libcoap_binary(program: str, variant: str = "notls") -> str:
    """Full path of ``<program>-<variant>`` (program: coap-client, coap-server or coap-rd).

    Skips the test (fails it under CI) when the binary is missing.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown libcoap variant {variant!r}; expected one of {VARIANTS}")
    name = f"{program}-{variant}"
    path = shutil.which(name)
    if path is None:
        peer_unavailable(name, "Debian package libcoap3-bin")
    return path


@dataclass(frozen=True)
class CoapClientResult:
    """What one ``coap-client-*`` run printed; ``stdout`` carries the response payload."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        """The whole run as text, for assertion messages."""
        return f"$ {' '.join(self.argv)}\nexit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def coap_client(
    uri: str,
    *args: str,
    variant: str = "notls",
    wait: int = 3,
    timeout: float | None = None,
) -> Coroutine[None, None, CoapClientResult]:
    """Run ``coap-client-<variant> -B <wait> <args…> <uri>`` to completion and return its output.

    *args* are coap-client options (``-m post``, ``-t 40``, ``-e PAYLOAD``, ``-u ID``, ``-k KEY``…).
    ``-B`` bounds how long the client waits for an answer; *timeout* (default ``wait`` + 10 s) is the
    safety net around the whole run, after which the client is killed and :class:`PeerError` raised.

    The binary is looked up by this call, before anything is awaited: a test that hands the run to a
    task (``asyncio.create_task(coap_client(...))``) is still skipped in its own frame when the peer is
    missing, instead of waiting for an answer that never comes.
    """
    argv = (libcoap_binary("coap-client", variant), "-B", str(wait), *args, uri)
    return _run_client(argv, wait + 10 if timeout is None else timeout)


async def _run_client(argv: tuple[str, ...], limit: float) -> CoapClientResult:
    """Run one ``coap-client-*`` command line, killed after *limit* seconds."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise PeerError(f"{' '.join(argv)} did not finish within {limit} s") from None
    return CoapClientResult(
        argv=argv,
        returncode=proc.returncode if proc.returncode is not None else -1,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
    )


class CoapServer(LineProcess):
    """``coap-server-*`` or ``coap-rd-*`` as a subprocess, used as an async context manager::

        async with coap_server(port) as server:
            result = await coap_client(f"coap://127.0.0.1:{port}/time")
        print(server.output())

    On entry the server's endpoints exist (UDP on *port*; DTLS on *port*+1 when a key is given to a
    DTLS build).  The server logs at ``-v 7`` (every packet), all kept in :attr:`lines`.
    """

    def __init__(
        self,
        program: str,
        port: int,
        *,
        variant: str = "notls",
        host: str = "127.0.0.1",
        key: str | None = None,
        extra: Sequence[str] = (),
    ) -> None:
        super().__init__(f"{program}-{variant}")
        self.program = program
        self.port = port
        self.variant = variant
        self.host = host
        self.key = key
        self.extra = tuple(extra)

    @property
    def dtls_port(self) -> int:
        """The DTLS port the server derives from its ``-p`` port."""
        return self.port + 1

    async def start(self) -> None:
        """Start the server and wait until it has created its endpoints."""
        argv = [libcoap_binary(self.program, self.variant), "-A", self.host, "-p", str(self.port), "-v", "7"]
        if self.key is not None:
            argv += ["-k", self.key]
        argv += self.extra
        await self._spawn(argv)
        await self.wait_for(rf"created UDP\s+endpoint .*:{self.port}\b", _READY_TIMEOUT)
        if self.key is not None and self.variant != "notls":
            await self.wait_for(rf"created DTLS\s+endpoint .*:{self.dtls_port}\b", _READY_TIMEOUT)

    async def __aenter__(self) -> CoapServer:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self


def coap_server(
    port: int,
    *,
    variant: str = "notls",
    host: str = "127.0.0.1",
    key: str | None = None,
    extra: Sequence[str] = (),
) -> CoapServer:
    """A ``coap-server-<variant>`` (resources ``/``, ``/time``, ``/async``…) on UDP *port*."""
    return CoapServer("coap-server", port, variant=variant, host=host, key=key, extra=extra)


def coap_rd(
    port: int,
    *,
    variant: str = "notls",
    host: str = "127.0.0.1",
    key: str | None = None,
    extra: Sequence[str] = (),
) -> CoapServer:
    """A ``coap-rd-<variant>`` resource directory on UDP *port*: it accepts ``POST /rd?ep=…`` and
    answers 2.01 Created with a Location, i.e. a minimal LwM2M registration endpoint."""
    return CoapServer("coap-rd", port, variant=variant, host=host, key=key, extra=extra)
