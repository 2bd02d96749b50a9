"""What the module's parts share: the LwM2M status, the server configuration, the QLACFG settings, the
custom objects, the URC buffer, and the NVM the lasting part is kept in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from qlaterm.at.codes import LwM2MState
from qlaterm.sim.answers import Parts
from qlaterm.sim.nvm import Nvm
from qlaterm.sim.routes import Routes
from qlaterm.sim.settings import CustomObjects, ServerConfig, Settings
from qlaterm.sim.status import CmeError
from qlaterm.sim.urcbuffer import UrcBuffer

__all__ = ["ModuleSetup", "ModuleState", "derived_iccid", "luhn_digit"]

log = logging.getLogger("qlaterm.sim.nvm")


@dataclass(frozen=True)
class ModuleSetup:
    """What a module is built with and keeps for its life.

    ``time_scale`` multiplies every timer of the module (update interval, lifetime, retransmission waits,
    the request timeout) so that demos and tests can fast-forward time without changing behaviour.
    """

    imei: str = "866971030603068"
    imsi: str = "460111174747875"
    bind_host: str = "127.0.0.1"
    routes: Routes = field(default_factory=Routes)
    """Where the configured servers' datagrams go: host names, routes, the default destination."""
    time_scale: float = 1.0
    request_timeout: float = 60.0
    iccid: str = ""
    """The SIM's ICCID (``AT+QCCID``); empty: derived from the IMEI."""

    def __post_init__(self) -> None:
        if not self.iccid:
            object.__setattr__(self, "iccid", derived_iccid(self.imei))

    @property
    def serial(self) -> str:
        """The module's serial number (``AT+CGSN=0``), derived from the IMEI."""
        return "MPB26" + self.imei[-12:]


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits`` (the last digit of an ICCID or IMEI)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def derived_iccid(imei: str) -> str:
    """A 20-digit ICCID of a Chinese SIM (``8986…``) that is the same for the same IMEI."""
    body = "898611" + imei[-13:].rjust(13, "0")
    return body + luhn_digit(body)


class ModuleState:
    """The module's state: what the NVM keeps (settings, custom objects, the server configuration of
    the last successful registration) and what a reboot forgets (status, configuration, URC buffer,
    multi-part answers being collected)."""

    def __init__(self, nvm: Nvm) -> None:
        self.nvm = nvm
        self._status = LwM2MState.NOT_REGISTERED
        self._waiting: list[tuple[frozenset[int], asyncio.Future[LwM2MState]]] = []
        self.load()
        self.reset()

    def load(self) -> None:
        """Read the NVM document."""
        data = self.nvm.load()
        self._saved_doc: dict[str, Any] | None = None  # the document as last written, to skip rewriting it
        self.settings = Settings.from_json(data.get("settings"))
        self.objects = CustomObjects.from_json(data.get("objects"))
        self.saved_server = ServerConfig.from_json(data.get("server"))

    def reset(self) -> None:
        """State that a reboot forgets."""
        self.status = LwM2MState.NOT_REGISTERED
        self.config: ServerConfig | None = self.saved_server
        self.buffer = UrcBuffer()
        self.parts: dict[int, Parts] = {}
        """Parts of multi-part Read/Observe answers, by message ID."""
        self.notify_parts: dict[tuple[int, int, int], Parts] = {}
        """Parts of multi-part notifications, by resource path."""

    def save(self) -> None:
        """Write the NVM document, unless it is the one already written (each write costs two fsyncs).

        Raises OSError when the file system refuses (read-only, full); the document on disk is intact."""
        document = {
            "settings": self.settings.to_json(),
            "objects": self.objects.to_json(),
            "server": self.saved_server.to_json() if self.saved_server else None,
        }
        if document != self._saved_doc:
            self.nvm.save(document)
            self._saved_doc = document

    @contextmanager
    def saving(self) -> Iterator[None]:
        """A change the terminal makes to what the NVM keeps: it stands only once it is saved.

        When the save fails the settings, custom objects and server configuration are put back as they
        were and the command ends with ``+CME ERROR: 1`` (the failure logged), so memory never holds what
        the NVM does not."""
        settings, objects = self.settings.to_json(), self.objects.to_json()
        config, saved_server = self.config, self.saved_server
        try:
            yield
            self.save()
        except OSError as exc:
            self.settings.values = Settings.from_json(settings).values
            self.objects.instances = CustomObjects.from_json(objects).instances
            self.config, self.saved_server = config, saved_server
            log.error("NVM %s: save failed (%s); the change is not applied", self.nvm, exc)
            raise CmeError(1) from exc

    def keep_config(self, config: ServerConfig) -> None:
        """``config`` becomes the module's configuration and is saved (a registration succeeded, the
        server changed lifetime or binding). What the network has done stands even when the save fails:
        the failure is logged and the configuration stays in memory until the next reboot."""
        self.config = config
        self.saved_server = config
        try:
            self.save()
        except OSError as exc:
            log.error("NVM %s: the server configuration could not be saved (%s)", self.nvm, exc)

    @property
    def status(self) -> LwM2MState:
        """``+QLASTATUS``."""
        return self._status

    @status.setter
    def status(self, value: LwM2MState) -> None:
        self._status = value
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            for wanted, future in waiting:
                if future.done():
                    continue
                if value in wanted:
                    future.set_result(value)
                else:
                    self._waiting.append((wanted, future))

    async def wait_for_status(self, *wanted: int) -> LwM2MState:
        """Wait until the status is one of ``wanted``."""
        if self._status in wanted:
            return self._status
        future: asyncio.Future[LwM2MState] = asyncio.get_running_loop().create_future()
        self._waiting.append((frozenset(wanted), future))
        return await future
