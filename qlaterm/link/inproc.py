"""An in-memory byte pipe to the simulated BC26, with the bundled platform beside it (``qlaterm --sim``).

The console talks to the simulator through the same bytes a serial port would carry, so every layer above
this one — session, state, UI — runs the code a real module gets.  ``sim`` is imported only when the link
opens: the console for a real module never loads the simulator.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .base import DataCallback, LinkState, LinkStatus, StateCallback
from .simulator import DtlsSession, Refusal, SimFacts, SimulatorControls

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qlaterm.lwm2m.dtls import RefusedIdentity
    from qlaterm.platform.server import Platform
    from qlaterm.sim.module import Module
    from qlaterm.sim.options import NetworkSetup

__all__ = ["DEFAULT_PLATFORM_PORT", "InProcTransport"]

log = logging.getLogger(__name__)

DEFAULT_PLATFORM_PORT = 5683
"""The platform listens where a BC26 user expects a CoAP server; a busy port falls back to a free one."""


def _load_simulator() -> None:
    """Import the simulated module and the bundled platform: the slow part of starting them."""
    importlib.import_module("qlaterm.simulator")


def _version_text(version: str | None) -> str:
    """``"DTLSv1.2"`` (Mbed TLS) → ``"DTLS 1.2"``."""
    if not version:
        return "DTLS"
    return version.replace("DTLSv", "DTLS ")


class InProcTransport:
    """The simulator in this process: ``open`` powers it on, ``write`` types into it.

    ``platform_port`` None runs without the bundled platform; 0 picks a free port.  ``state_dir`` keeps the
    module's NVM on disk between runs (None: in memory, forgotten on exit).  ``network`` is the radio
    condition (a name, or the parsed ``--network``/``--loss``/``--delay``/``--seed``/``--instant``).  Every
    server address the module is configured with reaches the bundled platform.  ``queue_awake`` is how long
    the platform takes a device in queue mode to listen after it was heard from (None: its default).
    ``time_scale`` multiplies every timer of the module, and the platform's ``queue_awake`` with them.
    """

    def __init__(
        self,
        *,
        profile: str = "generic",
        platform_port: int | None = DEFAULT_PLATFORM_PORT,
        state_dir: Path | None = None,
        imei: str = "866971030603068",
        time_scale: float = 1.0,
        psk_store: Mapping[str, bytes] | None = None,
        network: NetworkSetup | str | None = None,
        queue_awake: float | None = None,
    ) -> None:
        self.profile = profile
        self.platform_port = platform_port
        self.state_dir = state_dir
        self.imei = imei
        self.time_scale = time_scale
        self.network_setup = network
        self.queue_awake = queue_awake
        self.name = "simulator"
        self.module: Module | None = None
        self.platform: Platform | None = None
        self.psk_store: dict[str, bytes] = dict(psk_store or {})
        self._on_data: DataCallback | None = None
        self._refused: deque[Refusal] = deque(maxlen=100)
        self._refused_count = 0

    async def open(self, on_data: DataCallback, on_state: StateCallback) -> None:
        self._on_data = on_data
        on_state(LinkStatus(LinkState.CONNECTING, "starting the simulator"))
        # The simulator and the platform (aiocoap, Mbed TLS) load beside the running event loop: a console
        # keeps drawing and taking keys meanwhile.
        await asyncio.to_thread(_load_simulator)
        from qlaterm.simulator import QUEUE_AWAKE, build_module, platform_routes, start_platform

        if self.platform_port is not None:
            awake = (QUEUE_AWAKE if self.queue_awake is None else self.queue_awake) * self.time_scale
            # One store object: identities the platform adds (a profile's bootstrap PSK) show up here too.
            self.platform = await start_platform(
                port=self.platform_port, profile=self.profile, psk_store=self.psk_store, any_port_if_busy=True,
                queue_awake=awake,
            )
            self._watch_refusals(self.platform)
        # Every server the module is configured with reaches the bundled platform, whatever its address.
        routes = platform_routes(self.platform) if self.platform is not None else None
        self.module = build_module(
            imei=self.imei, state_dir=self.state_dir, time_scale=self.time_scale, network=self.network_setup,
            routes=routes,
        )
        self.module.attach(self._deliver)
        where = f" · platform {self.platform.host}:{self.platform.port}" if self.platform else ""
        if self.platform is not None and self.platform_port and self.platform.port != self.platform_port:
            where += f" (udp port {self.platform_port} is in use)"
        self.name = f"simulator{where}"
        on_state(LinkStatus(LinkState.CONNECTED, f"simulator{where}"))
        await self.module.start()

    def _watch_refusals(self, platform: Platform) -> None:
        dtls = platform.dtls_transport
        if dtls is None:
            return
        previous = dtls.on_refused

        def refused(refusal: RefusedIdentity) -> None:
            self._refused.append(Refusal(time.time(), refusal.identity or "", refusal.peer, refusal.reason))
            self._refused_count += 1
            if previous is not None:
                previous(refusal)

        dtls.on_refused = refused

    # -- simulator facts and controls (what a serial port cannot offer) ------------------------------------

    serial: None = None
    """Not a serial port: no line settings, no DTR or RTS."""

    @property
    def simulator(self) -> SimulatorControls:
        """This link is the simulator: its controls are its own."""
        return self

    def facts(self) -> SimFacts:
        """A snapshot of what the simulator knows beyond AT; cheap enough to take on every status change."""
        module = self.module
        session = None
        client = module.client if module is not None else None
        dtls = client.dtls_transport if client is not None else None
        record = dtls.last_handshake("client") if dtls is not None else None
        if record is not None and record.cipher:
            session = DtlsSession(_version_text(record.version), record.cipher, record.abbreviated, record.identity)
        platform = self.platform
        return SimFacts(
            asleep=self.asleep,
            module_dtls=session,
            dtls_port=platform.dtls_port if platform is not None else None,
            psk_store=tuple((identity, key.hex().upper()) for identity, key in self.psk_store.items()),
            refused=tuple(self._refused),
            refused_count=self._refused_count,
        )

    @property
    def asleep(self) -> bool:
        return bool(self.module is not None and self.module.asleep)

    async def deep_sleep(self) -> None:
        """Put the module into deep sleep: it stops answering AT and the network, keeps its registration."""
        if self.module is not None:
            await self.module.deep_sleep()

    async def wake(self) -> None:
        """Wake the module: it prints the boot banner (so the console re-reads its state) and recovers."""
        if self.module is not None:
            await self.module.wake()

    @property
    def network(self) -> str | None:
        """The name of the module's radio condition (None before the link opens)."""
        return self.module.network.condition.name if self.module is not None else None

    @property
    def networks(self) -> tuple[str, ...]:
        """The named radio conditions of ``--network``, mildest first."""
        from qlaterm.sim.conditions import CONDITIONS

        return tuple(CONDITIONS)

    def set_network(self, name: str) -> None:
        """Put the module in the radio condition ``name`` (``ideal``, ``good``, ``poor``, ``edge``, ``none``)."""
        if self.module is not None:
            self.module.network.set_condition(name)

    async def power_cycle(self) -> None:
        """Switch the module off and on again (its NVM is kept; it prints the boot banner)."""
        if self.module is not None:
            await self.module.power_cycle()

    async def reset(self) -> None:
        """Pulse the module's RESET line: it restarts as after ``AT+QRST=1``, without the ``OK``."""
        if self.module is not None:
            await self.module.reset()

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
