"""A module on a serial port (or any pyserial URL), reconnecting by itself.

``PORT`` is a device path (``/dev/ttyUSB0``) or a pyserial URL (``socket://127.0.0.1:7000``,
``rfc2217://…``, ``loop://``).  When the device goes away — a USB adapter unplugged, ``qlaterm-sim``
stopped — the link reports ``lost`` and keeps trying to reopen the same port with a growing pause; once it
is back the session (and through it the console) sees ``connected`` again and re-reads the module's state.

pyserial-asyncio does not always call ``connection_lost`` on an unplug, and sometimes calls it before the
port is really closed; so loss is also inferred from write errors, and reopening simply retries.

The line settings (baud rate, data bits, parity, stop bits, flow control) and the DTR and RTS lines can be
changed while the port is open (:class:`~qlaterm.link.base.SerialControls`); a reopened port gets them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

from .base import DataCallback, LinkState, LinkStatus, SerialControls, SerialSettings, StateCallback

__all__ = ["SerialTransport"]

_ERRNO = re.compile(r"^\[Errno -?\d+\] ")

log = logging.getLogger(__name__)


class _Protocol(asyncio.Protocol):
    """Bytes in, loss out; nothing else happens at this level."""

    def __init__(self, owner: SerialTransport) -> None:
        self.owner = owner

    def data_received(self, data: bytes) -> None:
        self.owner._received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._lost(exc)


class SerialTransport:
    """pyserial-asyncio behind the :class:`~qlaterm.link.base.Transport` interface, with reconnection."""

    simulator: None = None
    """A real module: no simulator controls."""

    def __init__(self, port: str, settings: SerialSettings | None = None, *, retry: float = 0.5,
                 max_retry: float = 5.0) -> None:
        self.port = port
        self._settings = settings or SerialSettings()
        self._dtr = True  # pyserial opens a port with DTR and RTS asserted
        self._rts = True
        self.retry = retry
        self.max_retry = max_retry
        self.name = self._name()
        self._transport: asyncio.Transport | None = None
        self._on_data: DataCallback | None = None
        self._on_state: StateCallback | None = None
        self._task: asyncio.Task[None] | None = None
        self._gone: asyncio.Event | None = None
        self._closing = False
        self._last_error = ""

    def _name(self) -> str:
        return self.port if "://" in self.port else f"{self.port} @ {self._settings.text}"

    @property
    def serial(self) -> SerialControls:
        """A serial port: its settings and modem lines are its own."""
        return self

    @property
    def settings(self) -> SerialSettings:
        return self._settings

    def _port(self) -> Any:
        """The open ``serial.Serial`` object, or None while the port is closed."""
        transport = self._transport
        return getattr(transport, "serial", None) if transport is not None else None

    def apply(self, settings: SerialSettings) -> None:
        """Change the line settings now (when open) and for every reopening; the port is left as it was when
        it refuses one of them."""
        port = self._port()
        if port is not None:
            before = self._settings.pyserial()
            try:
                for attribute, value in settings.pyserial().items():
                    setattr(port, attribute, value)
            except (ValueError, OSError) as exc:  # serial.SerialException is an OSError
                for attribute, value in before.items():
                    with contextlib.suppress(ValueError, OSError):
                        setattr(port, attribute, value)
                raise ValueError(f"{self.port}: {_ERRNO.sub('', str(exc))}") from exc
        self._settings = settings
        self.name = self._name()
        log.info("serial settings of %s: %s", self.port, settings.text)

    @property
    def dtr(self) -> bool:
        return self._dtr

    @property
    def rts(self) -> bool:
        return self._rts

    def set_dtr(self, on: bool) -> None:
        self._set_line("dtr", on)
        self._dtr = on

    def set_rts(self, on: bool) -> None:
        self._set_line("rts", on)
        self._rts = on

    def _set_line(self, line: str, on: bool) -> None:
        port = self._port()
        if port is None:
            return
        try:
            setattr(port, line, on)
        except (ValueError, OSError) as exc:
            raise ValueError(f"{self.port} has no {line.upper()} line: {_ERRNO.sub('', str(exc))}") from exc

    async def open(self, on_data: DataCallback, on_state: StateCallback) -> None:
        """Try the port once now; whatever happens, keep it open (or retrying) in the background."""
        self._on_data, self._on_state = on_data, on_state
        self._closing = False
        self._gone = asyncio.Event()
        self._state(LinkState.CONNECTING, f"opening {self.name}")
        first = await self._connect()
        if not first:
            self._gone.set()
        self._task = asyncio.get_running_loop().create_task(self._keep_open(), name=f"serial {self.port}")

    async def _connect(self) -> bool:
        import serial_asyncio  # imported here: --sim never needs it

        loop = asyncio.get_running_loop()
        try:
            transport, _ = await serial_asyncio.create_serial_connection(
                loop, lambda: _Protocol(self), self.port, **self._settings.pyserial()
            )
        except Exception as exc:  # SerialException, OSError, a bad URL: all mean "not there (yet)"
            self._last_error = _ERRNO.sub("", str(exc))
            return False
        self._transport = transport
        self._restore_lines()
        assert self._gone is not None
        self._gone.clear()
        self._state(LinkState.CONNECTED, self.name)
        return True

    async def _keep_open(self) -> None:
        assert self._gone is not None
        delay = self.retry
        while not self._closing:
            await self._gone.wait()
            if self._closing:
                return
            self._drop()
            why = self._last_error or "device gone"
            self._state(LinkState.LOST, f"{why} · retrying")
            while not self._closing:
                await asyncio.sleep(delay)  # a retry pace, not a synchronisation
                if await self._connect():
                    delay = self.retry
                    break
                delay = min(delay * 2, self.max_retry)

    def _restore_lines(self) -> None:
        """A reopened port gets the DTR and RTS levels the user chose (a port without them keeps quiet)."""
        port = self._port()
        for line, on in (("dtr", self._dtr), ("rts", self._rts)):
            if not on and port is not None:
                with contextlib.suppress(ValueError, OSError):
                    setattr(port, line, on)

    def _drop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.abort()

    def _received(self, data: bytes) -> None:
        if self._on_data is not None:
            self._on_data(data)

    def _lost(self, exc: Exception | None) -> None:
        self._last_error = str(exc) if exc else "closed"
        if self._gone is not None:
            self._gone.set()

    def _state(self, state: LinkState, detail: str) -> None:
        log.info("serial link %s: %s", state, detail)
        if self._on_state is not None:
            self._on_state(LinkStatus(state, detail))

    def write(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        try:
            transport.write(data)
        except Exception as exc:
            self._lost(exc)

    async def close(self) -> None:
        self._closing = True
        if self._gone is not None:
            self._gone.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._drop()
        self._state(LinkState.CLOSED, self.name)

    def __repr__(self) -> str:
        return f"SerialTransport({self.port!r}, {self._settings!r})"

