"""The module's side of the LwM2M session: resolving the server, registering, Updates and their timers.

:class:`Registration` owns the module's LwM2M client (one per registration) and the sink of its events
(:class:`~qlaterm.sim.events.NetworkEvents`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from qlaterm.at.build import urc
from qlaterm.at.catalogue import update_interval
from qlaterm.at.codes import LwM2MState, StatusCode
from qlaterm.sim.answers import status_of
from qlaterm.sim.basic import FIRMWARE
from qlaterm.sim.client.connection import Radio
from qlaterm.sim.client.core import DeviceInfo, LwM2MClient, Retransmit, ServerTarget
from qlaterm.sim.events import NetworkEvents
from qlaterm.sim.settings import ServerConfig
from qlaterm.sim.state import ModuleSetup, ModuleState
from qlaterm.sim.tasks import Tasks
from qlaterm.sim.terminal import Terminal

__all__ = ["Registration"]

log = logging.getLogger("qlaterm.sim.module")


class Registration:
    """Registration, automatic Updates and lifetime expiry, and the client they run on."""

    def __init__(
        self, setup: ModuleSetup, state: ModuleState, terminal: Terminal, tasks: Tasks, radio: Radio | None = None
    ) -> None:
        self._setup = setup
        self._radio = radio
        self._state = state
        self._terminal = terminal
        self._tasks = tasks
        self.events = NetworkEvents(state, terminal, tasks, self)
        self.client: LwM2MClient | None = None
        self.update_timer: asyncio.TimerHandle | None = None
        self.expiry_timer: asyncio.TimerHandle | None = None
        self.registered_at = 0.0
        """When the last Register, Update or recovery succeeded (monotonic clock)."""

    def reset(self) -> None:
        """After a reboot: no client, no timers."""
        self.cancel_timers()
        self.registered_at = 0.0
        self.client = None

    async def close_client(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def resolve(self, config: ServerConfig) -> tuple[str, int] | None:
        """Where the configured server's datagrams go (IP address, port), as the network routes them; None
        when its name does not resolve (err 34)."""
        return await self._setup.routes.resolve(config.server, config.port, config.security_mode)

    def _target(self, config: ServerConfig, address: tuple[str, int]) -> ServerTarget:
        settings = self._state.settings
        return ServerTarget(
            host=address[0],
            port=address[1],
            endpoint=config.endpoint,
            lifetime=config.lifetime,
            binding=config.binding_text,
            security_mode=config.security_mode,
            psk_id=config.psk_id,
            psk=bytes.fromhex(config.psk) if config.psk else None,
            bootstrap=config.bootstrap,
            dtls_mode=int(settings.one("dtls_mode")),
            dtls_version=int(settings.one("dtls_version")),
        )

    def _new_client(self) -> LwM2MClient:
        return LwM2MClient(
            self.events,
            objects=self._state.objects.tree,
            device=self._device_info,
            retransmit=self._retransmit,
            bind_host=self._setup.bind_host,
            request_timeout=self._setup.request_timeout * self._setup.time_scale,
            radio=self._radio,
            time_scale=self._setup.time_scale,
        )

    def _device_info(self) -> DeviceInfo:
        return DeviceInfo(
            imei=self._setup.imei,
            firmware=FIRMWARE,
            device_type=str(self._state.settings.one("cfg_res")),
            ip=self._setup.bind_host,
        )

    def _retransmit(self) -> Retransmit:
        ack_timeout, max_times = self._state.settings.get("retransmit")
        return Retransmit(ack_timeout=float(ack_timeout) * self._setup.time_scale, max_retransmit=int(max_times))

    async def register(self, config: ServerConfig, address: tuple[str, int]) -> None:
        """Register (after a bootstrap when ``config`` asks for one), then print ``+QLAREG: <status_code>``."""
        if self.client is not None:
            await self.client.close()
        self.client = client = self._new_client()
        target = self._target(config, address)
        if config.bootstrap:
            try:
                code, assigned = await client.bootstrap(target)
            except Exception:
                log.exception("bootstrap failed")
                code, assigned = StatusCode.NOT_SENT, None
            if code != StatusCode.SUCCESS or assigned is None:
                self._state.status = LwM2MState.NOT_REGISTERED
                self._terminal.urc(f"+QLAREG: {code or StatusCode.TIMEOUT}")
                return
            routed = await self._setup.routes.resolve(assigned.host, assigned.port, assigned.security_mode)
            target = assigned if routed is None else dataclasses.replace(assigned, host=routed[0], port=routed[1])
            config = ServerConfig(
                bs_flag=0,
                server=assigned.host,
                port=assigned.port,
                endpoint=assigned.endpoint or config.endpoint,
                lifetime=assigned.lifetime,
                security_mode=assigned.security_mode,
                psk_id=assigned.psk_id,
                psk=assigned.psk.hex().upper() if assigned.psk else None,
                binding=1 if assigned.binding == "UQ" else 0,
            )
        code = await status_of(client.register(target))
        if code == StatusCode.SUCCESS:
            self._state.keep_config(config)
        self.after_registration(code)
        self._terminal.urc(f"+QLAREG: {code}")

    def after_registration(self, code: int) -> None:
        """Status and timers after a Register, an Update or a recovery."""
        state = self._state
        if code == StatusCode.SUCCESS:
            state.status = LwM2MState.REGISTERED
            self.after_update(code)
        else:
            state.status = (
                LwM2MState.NOT_REGISTERED if state.status == LwM2MState.REGISTERING else LwM2MState.INVALID
            )
            self.cancel_timers()

    def cancel_timers(self) -> None:
        for timer in (self.update_timer, self.expiry_timer):
            if timer is not None:
                timer.cancel()
        self.update_timer = self.expiry_timer = None

    def schedule_update(self) -> None:
        """Arm the automatic Update (lifetime_enable 1) and the lifetime expiry, both counted from the last
        successful Register or Update (re-arming them, e.g. for a new lifetime, does not restart the count)."""
        self.cancel_timers()
        config = self._state.config
        if config is None:
            return
        scale = self._setup.time_scale
        loop = asyncio.get_running_loop()
        lifetime = config.lifetime
        elapsed = time.monotonic() - self.registered_at
        self.expiry_timer = loop.call_later(max(lifetime * scale - elapsed, 0), self.expire)
        if self._state.settings.one("lifetime_enable") == 1:
            delay = max(max(update_interval(lifetime), 1) * scale - elapsed, 0)
            self.update_timer = loop.call_later(delay, lambda: self._tasks.spawn(self._ping()))

    def expire(self) -> None:
        """The lifetime ran out (or the registration was otherwise lost): status 5."""
        if self._state.status == LwM2MState.REGISTERED:
            self._state.status = LwM2MState.INVALID
            self.cancel_timers()

    def alive(self) -> bool:
        """Registered, with the lifetime not yet run out (what a wake from deep sleep can recover)."""
        config = self._state.config
        return (
            self.client is not None
            and self._state.status == LwM2MState.REGISTERED
            and config is not None
            and time.monotonic() - self.registered_at < config.lifetime * self._setup.time_scale
        )

    async def _ping(self) -> None:
        if self.client is None or self._state.status != LwM2MState.REGISTERED:
            return
        exchange = await self.client.update()
        code = await status_of(exchange.result)
        self.after_update(code)
        self._terminal.urc(urc("ping", code))

    async def server_changed(self, lifetime: int | None, binding: str | None) -> None:
        """The server wrote a new lifetime or binding (already kept and the timers re-armed): an Update
        with the new ``lt`` / ``b`` (LwM2M 1.0 section 5.3.2: an Update is due whenever they change),
        reported like an automatic one."""
        if self.client is None or self._state.status != LwM2MState.REGISTERED:
            return
        exchange = await self.client.update(lifetime=lifetime, binding=binding)
        code = await status_of(exchange.result)
        self.after_update(code)
        self._terminal.urc(urc("ping", code))

    def after_update(self, code: int) -> None:
        """A Register, Update or recovery succeeded (0): the lifetime counts from now; else status 5."""
        if code == StatusCode.SUCCESS:
            self.registered_at = time.monotonic()
            self.schedule_update()
        else:
            self._state.status = LwM2MState.INVALID
            self.cancel_timers()

    async def objects_changed(self, urc_name: str) -> None:
        """After ADDOBJ/DELOBJ: an Update with the new object list when registered, then the result."""
        code: int = StatusCode.SUCCESS
        if self.client is not None and self._state.status == LwM2MState.REGISTERED:
            exchange = await self.client.update(with_objects=True)
            code = await status_of(exchange.result)
            self.after_update(code)
        self._terminal.urc(f"{urc_name}: {code}")

    async def recover(self) -> None:
        """Session recovery after deep sleep: an Update on the kept registration, then ``"recovered"``."""
        assert self.client is not None
        self._state.status = LwM2MState.RECOVERING
        code = await status_of(self.client.resume())
        self.after_registration(code)
        self._terminal.urc(urc("recovered", code))
