"""An in-memory byte pipe to the simulated BC26, with the bundled platform beside it (``qlaterm --sim``).

The console talks to the simulator through the same bytes a serial port would carry, so every layer above
this one — session, state, UI — runs the code a real module gets.  ``sim`` is imported only when the link
opens: the console for a real module never loads the simulator.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .base import DataCallback, LinkState, LinkStatus, StateCallback

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sim.lwm2m.server import Platform
    from sim.module import Module

__all__ = ["DEFAULT_PLATFORM_PORT", "InProcTransport"]

log = logging.getLogger(__name__)

DEFAULT_PLATFORM_PORT = 5683
"""The platform listens where a BC26 user expects a CoAP server; a busy port falls back to a free one."""


class InProcTransport:
    """The simulator in this process: ``open`` powers it on, ``write`` types into it.

    ``platform_port`` None runs without the bundled platform; 0 picks a free port.  ``state_dir`` keeps the
    module's NVM on disk between runs (None: in memory, forgotten on exit).
    """

    def __init__(
        self,
        *,
        profile: str = "generic",
        platform_port: int | None = DEFAULT_PLATFORM_PORT,
        state_dir: Path | None = None,
        imei: str = "866971030603068",
        time_scale: float = 1.0,
    ) -> None:
        self.profile = profile
        self.platform_port = platform_port
        self.state_dir = state_dir
        self.imei = imei
        self.time_scale = time_scale
        self.name = "simulator"
        self.module: Module | None = None
        self.platform: Platform | None = None
        self._on_data: DataCallback | None = None

    async def open(self, on_data: DataCallback, on_state: StateCallback) -> None:
        from sim.module import Module
        from sim.nvm import Nvm

        self._on_data = on_data
        on_state(LinkStatus(LinkState.CONNECTING, "starting the simulator"))
        if self.platform_port is not None:
            self.platform = await self._start_platform()
        self.module = Module(imei=self.imei, nvm=Nvm(self.state_dir), time_scale=self.time_scale)
        self.module.attach(self._deliver)
        where = f" · platform {self.platform.host}:{self.platform.port}" if self.platform else ""
        self.name = f"simulator{where}"
        on_state(LinkStatus(LinkState.CONNECTED, f"simulator{where}"))
        await self.module.start()

    async def _start_platform(self) -> Platform:
        from sim.lwm2m.server import Platform

        platform = Platform(port=self.platform_port or 0, profile=self.profile)
        try:
            await platform.start()
        except OSError:
            if self.platform_port == 0:
                raise
            log.info("port %s busy, the platform takes a free port", self.platform_port)
            platform = Platform(port=0, profile=self.profile)
            await platform.start()
        return platform

    def _deliver(self, data: bytes) -> None:
        if self._on_data is not None:
            self._on_data(data)

    def write(self, data: bytes) -> None:
        if self.module is not None:
            self.module.feed(data)

    async def close(self) -> None:
        self._on_data = None
        if self.module is not None:
            await self.module.close()
            self.module = None
        if self.platform is not None:
            await self.platform.stop()
            self.platform = None
