"""Platform events describe themselves: the one line the platform pane and ``qlaterm-platform`` print."""

from __future__ import annotations

import dataclasses

import pytest
from aiocoap import Code

from qlaterm.platform import model
from qlaterm.platform.model import (
    BootstrapFinished,
    BootstrapRequested,
    Deregistered,
    Device,
    Event,
    Expired,
    Notification,
    ObservationEnded,
    OperationDone,
    ProfileError,
    Queued,
    Registered,
    Result,
    SendReceived,
    Sent,
    Updated,
)
from qlaterm.ui.platform_pane import PlatformEvent

DEVICE = Device(
    endpoint="ep1",
    location="rd/1",
    lifetime=300,
    binding="U",
    lwm2m_version="1.0",
    objects=[],
    links_text="</1/0>,</19/0>",
    remote=None,
    address=("127.0.0.1", 40123),
)
HOT = Result(code=Code.CONTENT, content_format=0, payload=b"hot", text='text "hot"', mid=7, con=False)

EVENTS: list[tuple[Event, str]] = [
    (
        Registered("ep1", device=DEVICE),
        "registered ep1 location=rd/1 address=127.0.0.1:40123 lifetime=300 binding=U lwm2m=1.0 objects=</1/0>,</19/0>",
    ),
    (
        Registered("ep1", device=DEVICE, replaced=True),
        "registered ep1 location=rd/1 address=127.0.0.1:40123 lifetime=300 binding=U lwm2m=1.0 "
        "objects=</1/0>,</19/0> (replaces an earlier registration)",
    ),
    (
        Updated("ep1", device=DEVICE, changed=("lifetime", "binding")),
        "updated ep1 changed=lifetime,binding lifetime=300 binding=U",
    ),
    (Updated("ep1", device=DEVICE), "updated ep1 changed=nothing lifetime=300 binding=U"),
    (Deregistered("ep1", device=DEVICE), "deregistered ep1"),
    (Expired("ep1", device=DEVICE), "expired ep1 (no update within 300 s)"),
    (Notification("ep1", path=(19, 0, 0), result=HOT), 'notify ep1 /19/0/0 mid=7 NON: 2.05 Content cf=0 text "hot"'),
    (ObservationEnded("ep1", path=(19, 0, 0), reason="cancelled"), "observation ended ep1 /19/0/0: cancelled"),
    (SendReceived("ep1", payload=b"{}", values={}, content_format=110, text="{}"), "send ep1 cf=110: {}"),
    (SendReceived("ep1", payload=b"\x01", values={}), "send ep1 cf=None: b'\\x01'"),
    (BootstrapRequested("ep1", address=("127.0.0.1", 5000)), "bootstrap request ep1 from 127.0.0.1:5000"),
    (BootstrapFinished("ep1", ok=True, detail="2.04"), "bootstrap finished ep1: 2.04"),
    (BootstrapFinished("ep1", ok=False, detail="timeout"), "bootstrap failed ep1: timeout"),
    (
        OperationDone("ep1", operation="read", path=(19, 0, 0), result=HOT),
        'read ep1 /19/0/0: 2.05 Content cf=0 text "hot"',
    ),
    (
        OperationDone("ep1", operation="observe", path=(19, 0, 0), result=None, error="timeout", origin="profile:aep"),
        "profile:aep observe ep1 /19/0/0: error: timeout",
    ),
    (ProfileError("ep1", profile="aep", error="boom"), "profile aep error ep1: boom"),
    (
        Queued("ep1", operation="read", path=(3, 0, 0), position=2),
        "queued read ep1 /3/0/0 (#2, until it is heard from)",
    ),
    (Sent("ep1", operation="write", path=(1, 0, 1), waited=12.34), "sent queued write ep1 /1/0/1 after 12.3 s"),
]


@pytest.mark.parametrize(("event", "line"), EVENTS, ids=[f"{type(e).__name__}-{i}" for i, (e, _) in enumerate(EVENTS)])
def test_summary(event: Event, line: str) -> None:
    assert event.summary() == line


def test_every_event_describes_itself() -> None:
    kinds = {
        cls for cls in vars(model).values() if isinstance(cls, type) and issubclass(cls, Event) and cls is not Event
    }
    assert kinds == {type(event) for event, _ in EVENTS}
    assert all("summary" in vars(kind) for kind in kinds)
    assert {kind for kind in kinds if kind.registration_changed} == {Registered, Updated, Deregistered, Expired}


def test_events_are_what_the_platform_pane_reads() -> None:
    event: PlatformEvent = EVENTS[0][0]  # structurally: the pane never imports the platform
    assert event.summary().startswith("registered ep1")
    assert dataclasses.is_dataclass(event)
