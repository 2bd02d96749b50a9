"""The module's side of the LwM2M session: resolving the server, registering, Updates and their timers."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from typing import TYPE_CHECKING

from qlaterm.at.build import urc
from qlaterm.at.catalogue import update_interval
from qlaterm.sim.answers import status_of
from qlaterm.sim.basic import FIRMWARE
from qlaterm.sim.client.core import DeviceInfo, LwM2MClient, Retransmit, ServerTarget
from qlaterm.sim.settings import ServerConfig
from qlaterm.sim.status import Status

if TYPE_CHECKING:
    from qlaterm.sim.module import Module

__all__ = ["RegistrationSession"]

log = logging.getLogger("qlaterm.sim.module")


class RegistrationSession:
    """Registration, automatic Updates and lifetime expiry; a part of :class:`qlaterm.sim.module.Module`."""

    async def _resolve(self: Module, name: str) -> str | None:
        """The server's IP address; None when the name does not resolve (err 34)."""
        name = self.hosts.get(name, name)
        try:
            ipaddress.ip_address(name)
            return name
        except ValueError:
            pass
        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(name, None), 0.25)
        except (OSError, TimeoutError):
            return None
        return str(infos[0][4][0]) if infos else None

    def _target(self: Module, config: ServerConfig, address: str) -> ServerTarget:
        return ServerTarget(
            host=address,
            port=config.port,
            endpoint=config.endpoint,
            lifetime=config.lifetime,
            binding=config.binding_text,
            security_mode=config.security_mode,
            psk_id=config.psk_id,
            psk=bytes.fromhex(config.psk) if config.psk else None,
            bootstrap=config.bootstrap,
            dtls_mode=int(self.settings.one("dtls_mode")),
            dtls_version=int(self.settings.one("dtls_version")),
        )

    def _new_client(self: Module) -> LwM2MClient:
        return LwM2MClient(
            self,
            objects=self.objects.tree,
            device=self._device_info,
            retransmit=self._retransmit,
            bind_host=self.bind_host,
            request_timeout=self.request_timeout * self.time_scale,
        )

    def _device_info(self: Module) -> DeviceInfo:
        return DeviceInfo(imei=self.imei, firmware=FIRMWARE, device_type=str(self.settings.one("cfg_res")),
                          ip=self.bind_host)

    def _retransmit(self: Module) -> Retransmit:
        ack_timeout, max_times = self.settings.get("retransmit")
        return Retransmit(ack_timeout=float(ack_timeout) * self.time_scale, max_retransmit=int(max_times))

    async def _register(self: Module, config: ServerConfig, address: str) -> None:
        if self.client is not None:
            await self.client.close()
        self.client = self._new_client()
        target = self._target(config, address)
        if config.bootstrap:
            try:
                code, assigned = await self.client.bootstrap(target)
            except Exception:
                log.exception("bootstrap failed")
                code, assigned = 2, None
            if code != 0 or assigned is None:
                self.status = Status.NOT_REGISTERED
                self.urc(f"+QLAREG: {code or 1}")
                return
            target = assigned
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
        code = await status_of(self.client.register(target))
        if code == 0:
            self._keep_config(config)
        self._after_registration(code)
        self.urc(f"+QLAREG: {code}")

    def _after_registration(self: Module, code: int) -> None:
        """Status and timers after a Register, an Update or a recovery."""
        if code == 0:
            self.status = Status.REGISTERED
            self._after_update(0)
        else:
            self.status = Status.NOT_REGISTERED if self.status == Status.REGISTERING else Status.INVALID
            self._cancel_timers()

    def _cancel_timers(self: Module) -> None:
        for timer in (self._update_timer, self._expiry_timer):
            if timer is not None:
                timer.cancel()
        self._update_timer = self._expiry_timer = None

    def _schedule_update(self: Module) -> None:
        """Arm the automatic Update (lifetime_enable 1) and the lifetime expiry, both counted from the last
        successful Register or Update (re-arming them, e.g. for a new lifetime, does not restart the count)."""
        self._cancel_timers()
        if self.config is None:
            return
        loop = asyncio.get_running_loop()
        lifetime = self.config.lifetime
        elapsed = time.monotonic() - self._registered_at
        self._expiry_timer = loop.call_later(max(lifetime * self.time_scale - elapsed, 0), self._expired)
        if self.settings.one("lifetime_enable") == 1:
            delay = max(max(update_interval(lifetime), 1) * self.time_scale - elapsed, 0)
            self._update_timer = loop.call_later(delay, lambda: self._spawn(self._ping()))

    def _expired(self: Module) -> None:
        """The lifetime ran out (or the registration was otherwise lost): status 5."""
        if self.status == Status.REGISTERED:
            self.status = Status.INVALID
            self._cancel_timers()

    async def _ping(self: Module) -> None:
        if self.client is None or self.status != Status.REGISTERED:
            return
        exchange = await self.client.update()
        code = await status_of(exchange.result)
        self._after_update(code)
        self.urc(urc("ping", code))

    def _after_update(self: Module, code: int) -> None:
        """A Register, Update or recovery succeeded (0): the lifetime counts from now; else status 5."""
        if code == 0:
            self._registered_at = time.monotonic()
            self._schedule_update()
        else:
            self.status = Status.INVALID
            self._cancel_timers()

    async def _objects_changed(self: Module, urc_name: str) -> None:
        """After ADDOBJ/DELOBJ: an Update with the new object list when registered, then the result."""
        code = 0
        if self.client is not None and self.status == Status.REGISTERED:
            exchange = await self.client.update(with_objects=True)
            code = await status_of(exchange.result)
            self._after_update(code)
        self.urc(f"{urc_name}: {code}")
