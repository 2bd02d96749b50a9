"""Platform profiles: what the bundled server does by itself, mimicking the cloud platforms.

A profile reacts to platform events (a device registered, …) with device-management requests, as
the real platforms of the BC26 application note do. Each reaction runs as its own task; the
platform logs a failure and reports it as a ProfileError event, it never stops serving.

* `generic` — does nothing by itself.
* `aep`     — CTWing AEP: after a registration that lists /19/0, observe /19/0/0.
* `andlink` — China Mobile AndLink, used with bootstrap: the bootstrap writes the binding "U" in
  /1/0/7 and no lifetime, as AndLink does (the default plan writes complete instances); after
  registration read /19/1/0, then write the text
  `{"outletStatus":"1"}` to it; Send on /dp is accepted.
* `telit`   — a Telit-style device profile with "Observe: yes": after registration observe /19/0/0.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from qlaterm.lwm2m.formats import ContentFormat
from qlaterm.platform.bootstrap import BootstrapConfig, BootstrapPlan, BootstrapStep, default_plan
from qlaterm.platform.model import Event, Registered, Updated
from qlaterm.platform.options import PROFILE_NAMES

if TYPE_CHECKING:
    from qlaterm.platform.server import Platform

log = logging.getLogger(__name__)

TRANSPARENT_DATA = (19, 0, 0)  # LwM2M object 19 "BinaryAppDataContainer", uplink instance
ANDLINK_DATA = (19, 1, 0)
ANDLINK_COMMAND = '{"outletStatus":"1"}'


class Profile:
    """Base profile: serves every LwM2M interface and starts nothing on its own."""

    name: ClassVar[str] = "generic"
    accepts_send: ClassVar[bool] = True

    def bootstrap_config(self) -> BootstrapConfig:
        """The bootstrap configuration used when the Platform was given none."""
        return BootstrapConfig()

    def bootstrap_plan(self, config: BootstrapConfig, server_uri: str) -> BootstrapPlan:
        """The Bootstrap-Writes (and Deletes) sent before Bootstrap-Finish."""
        return default_plan(config, server_uri)

    async def on_event(self, platform: Platform, event: Event) -> None:
        """React to one platform event; runs as a task of its own."""

    def wants(self, event: Event) -> bool:
        """Whether `on_event` should be started for this event (saves a task per event)."""
        return False


class GenericProfile(Profile):
    name = "generic"


class AepProfile(Profile):
    """CTWing AEP: subscribes to the transparent-data resource when the device offers it."""

    name = "aep"

    def wants(self, event: Event) -> bool:
        if isinstance(event, Registered):
            return event.device.lists(TRANSPARENT_DATA[:2])
        if isinstance(event, Updated):
            return "objects" in event.changed and event.device.lists(TRANSPARENT_DATA[:2])
        return False

    async def on_event(self, platform: Platform, event: Event) -> None:
        assert event.endpoint is not None
        if isinstance(event, Updated) and platform.observation(event.endpoint, TRANSPARENT_DATA):
            return
        await platform.observe(event.endpoint, TRANSPARENT_DATA)


class TelitProfile(Profile):
    """A device profile with "Observe: yes" on /19/0/0: observe right after every registration."""

    name = "telit"

    def wants(self, event: Event) -> bool:
        return isinstance(event, Registered)

    async def on_event(self, platform: Platform, event: Event) -> None:
        assert event.endpoint is not None
        await platform.observe(event.endpoint, TRANSPARENT_DATA)


class AndlinkProfile(Profile):
    """AndLink: bootstrap with binding U; then read the outlet state and switch it on."""

    name = "andlink"

    def bootstrap_config(self) -> BootstrapConfig:
        return BootstrapConfig(binding="U")

    def bootstrap_plan(self, config: BootstrapConfig, server_uri: str) -> BootstrapPlan:
        """What AndLink writes (the vendor transcript shows it): the Server instance gets its short
        server ID and the binding only, and the BC26 keeps the lifetime it was configured with."""
        security, server = default_plan(config, server_uri)
        partial = {rid: server.values[rid] for rid in (0, 7)}
        return [security, BootstrapStep(server.operation, server.path, partial)]

    def wants(self, event: Event) -> bool:
        return isinstance(event, Registered)

    async def on_event(self, platform: Platform, event: Event) -> None:
        assert event.endpoint is not None
        result = await platform.read(event.endpoint, ANDLINK_DATA)
        if not result.ok:
            log.info("andlink: read of /19/1/0 on %s answered %s", event.endpoint, result.code)
            return
        await platform.write(event.endpoint, ANDLINK_DATA, ANDLINK_COMMAND, content_format=int(ContentFormat.TEXT))


_BY_NAME: dict[str, type[Profile]] = {
    cls.name: cls for cls in (GenericProfile, AepProfile, AndlinkProfile, TelitProfile)
}
PROFILES: dict[str, type[Profile]] = {name: _BY_NAME[name] for name in PROFILE_NAMES}
"""Every profile by name, in the order of :data:`~qlaterm.platform.options.PROFILE_NAMES`."""


def get_profile(profile: str | Profile) -> Profile:
    """A profile instance from its name (aep, andlink, telit, generic) or an instance."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]()
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}") from None
