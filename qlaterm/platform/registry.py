"""The Registration interface's state: who is registered, where, and until when.

Parsing of the CoAP request is left to the site; this module keeps the rules of LwM2M
registration (one registration per endpoint, lifetime expiry, location ids) in one place.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from qlaterm.platform.coaplog import remote_address
from qlaterm.platform.model import (
    Deregistered,
    Device,
    Event,
    Expired,
    Registered,
    Updated,
)

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = 86400  # LwM2M 1.x default when the Register carries no lt


class Registry:
    """Devices by endpoint, each with a lifetime timer that removes it when it runs out."""

    def __init__(self, publish: Callable[[Event], None]) -> None:
        self.devices: dict[str, Device] = {}
        self._publish = publish
        self._by_location: dict[str, str] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._ids = itertools.count(1)
        self._on_gone: list[Callable[[Device, str], None]] = []

    def on_gone(self, callback: Callable[[Device, str], None]) -> None:
        """Call `callback(device, reason)` when a registration ends (deregistered/expired/replaced)."""
        self._on_gone.append(callback)

    # ----------------------------------------------------------------------------- operations

    def register(
        self,
        endpoint: str,
        *,
        lifetime: int,
        binding: str,
        version: str,
        objects: list[Any],
        links_text: str,
        remote: Any,
        sms: str | None = None,
    ) -> Device:
        """Record a new registration, replacing any earlier one of the same endpoint."""
        old = self.devices.get(endpoint)
        if old is not None:
            self._remove(old, "replaced")
        location = f"rd/{next(self._ids):x}"
        now = time.time()
        device = Device(
            endpoint=endpoint,
            location=location,
            lifetime=lifetime,
            binding=binding,
            lwm2m_version=version,
            objects=objects,
            links_text=links_text,
            remote=remote,
            address=remote_address(remote),
            registered_at=now,
            last_update=now,
            sms_number=sms,
        )
        self.devices[endpoint] = device
        self._by_location[device.registration_id] = endpoint
        self._arm(device)
        self._publish(Registered(endpoint, device=device, replaced=old is not None))
        return device

    def by_location(self, registration_id: str) -> Device | None:
        endpoint = self._by_location.get(registration_id)
        return None if endpoint is None else self.devices.get(endpoint)

    def by_address(self, address: tuple[str, int]) -> Device | None:
        """The device whose registration came from this (host, port), if any."""
        for device in self.devices.values():
            if device.address == address:
                return device
        return None

    def update(
        self,
        device: Device,
        *,
        lifetime: int | None,
        binding: str | None,
        objects: list[Any] | None,
        links_text: str | None,
        remote: Any,
        sms: str | None = None,
    ) -> Device:
        """Apply a registration Update: refresh the lifetime, take new values and the new address."""
        changed: list[str] = []
        if lifetime is not None and lifetime != device.lifetime:
            device.lifetime = lifetime
            changed.append("lifetime")
        if binding is not None and binding != device.binding:
            device.binding = binding
            changed.append("binding")
        if objects is not None and links_text is not None and links_text != device.links_text:
            device.objects = objects
            device.links_text = links_text
            changed.append("objects")
        if sms is not None:
            device.sms_number = sms
        address = remote_address(remote)
        if address != device.address:
            changed.append("address")
        device.remote = remote
        device.address = address
        device.last_update = time.time()
        self._arm(device)
        self._publish(Updated(device.endpoint, device=device, changed=tuple(changed)))
        return device

    def deregister(self, device: Device) -> None:
        self._remove(device, "deregistered")
        self._publish(Deregistered(device.endpoint, device=device))

    def clear(self) -> None:
        """Forget everything without events (platform shutdown)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self.devices.clear()
        self._by_location.clear()

    # ----------------------------------------------------------------------------- internals

    def _arm(self, device: Device) -> None:
        timer = self._timers.pop(device.endpoint, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[device.endpoint] = loop.call_later(device.lifetime, self._expire, device)

    def _expire(self, device: Device) -> None:
        if self.devices.get(device.endpoint) is not device:
            return
        log.info("registration of %s expired after %d s", device.endpoint, device.lifetime)
        self._remove(device, "expired")
        self._publish(Expired(device.endpoint, device=device))

    def _remove(self, device: Device, reason: str) -> None:
        timer = self._timers.pop(device.endpoint, None)
        if timer is not None:
            timer.cancel()
        if self.devices.get(device.endpoint) is device:
            del self.devices[device.endpoint]
        self._by_location.pop(device.registration_id, None)
        for callback in list(self._on_gone):
            try:
                callback(device, reason)
            except Exception:
                log.exception("registration-end callback failed")
