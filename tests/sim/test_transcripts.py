"""The vendor document's chapter 5 transcripts, replayed line for line against the simulator.

The transcripts are the examples ``qlaterm replay`` ships (qlaterm/replay/examples); they run here through
the same parser, session and runner, and the simulator must print nothing the transcript does not list.
"""

from __future__ import annotations

import pytest

from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Session
from qlaterm.replay.cli import SIM_CAPTURES, example_text
from qlaterm.replay.format import parse
from qlaterm.replay.runner import Runner

CASES = {"aep.txt": "aep", "telit.txt": "telit", "andlink.txt": "andlink"}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_vendor_transcript_replays(name: str) -> None:
    transcript = parse(example_text(name), name, predefined=SIM_CAPTURES)
    transport = InProcTransport(profile=CASES[name], platform_port=0)
    session = Session(transport)
    runner = Runner(session, simulator=transport.simulator)
    await session.open()
    try:
        platform = transport.platform
        assert platform is not None
        runner.bound.update(host=platform.host, port=str(platform.port))
        outcome = await runner.run(transcript)
        failures = [(r.text, r.reason, r.received, r.context) for r in outcome.results if r.status != "passed"]
        assert outcome.passed, failures
        assert runner.unmatched() == []
    finally:
        runner.close()
        await session.close()
