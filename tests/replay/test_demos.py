"""Every guided demo replays green headless, as ``qlaterm replay qlaterm/replay/demos/NAME.txt --sim`` runs it."""

from __future__ import annotations

import pytest

from qlaterm.link.base import LinkState
from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Session
from qlaterm.replay.demo import demo_names, load_demo
from qlaterm.replay.runner import Outcome, Runner, Status

TIME_SCALE = {"psm": 0.05}
"""The psm demo's timers scaled: its answer must come within the 22 s the module stays awake (1.1 s here)."""
"""Demos that wait for the module's timers run them faster: PSM comes 22 s after the last traffic."""


async def replay_demo(name: str) -> tuple[Outcome, list[str]]:
    """The demo's outcome and what the bundled platform did meanwhile (its events' summaries)."""
    demo = load_demo(name)
    transport = InProcTransport(platform_port=0, network="ideal", profile=demo.profile or "generic",
                                psk_store=demo.psks, queue_awake=demo.queue_awake,
                                time_scale=TIME_SCALE.get(name, 1.0))
    session = Session(transport)
    runner = Runner(session, simulator=transport.simulator, network="ideal")
    events: list[str] = []
    try:
        await session.open()
        assert session.link.state is LinkState.CONNECTED and transport.platform is not None
        transport.platform.subscribe(lambda event: events.append(event.summary()))
        assert await runner.attach_simulator()
        return await runner.run(demo), events
    finally:
        runner.close()
        await session.close()


@pytest.mark.parametrize("name", demo_names())
async def test_every_demo_replays_green_headless(name: str) -> None:
    outcome, _ = await replay_demo(name)
    assert outcome.passed, [r for r in outcome.results if r.status is Status.FAILED]


async def test_in_psm_the_platform_queues_the_read_until_the_update() -> None:
    assert load_demo("psm").queue_awake == 20.0
    outcome, events = await replay_demo("psm")
    assert outcome.passed, [r for r in outcome.results if r.status is Status.FAILED]
    queued = [e for e in events if "queued" in e]
    assert len(queued) == 2, events  # waiting, then sent once the Update was heard
    assert queued[1].startswith("sent queued read 866971030603068 /19/0/0 after"), queued
    update = next(i for i, e in enumerate(events) if "update" in e.lower())
    assert events.index(queued[0]) < update < events.index(queued[1]), events
