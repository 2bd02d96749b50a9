"""The runner on a session somebody else also uses (the console reads the module's state on the same link)."""

from __future__ import annotations

from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Session
from qlaterm.replay.format import parse
from qlaterm.replay.runner import SIM_CAPTURES, Cue, Runner


async def test_replies_to_commands_the_runner_did_not_send_are_not_its_lines() -> None:
    transport = InProcTransport(platform_port=0, network="ideal")
    session = Session(transport)
    cues: list[Cue] = []

    async def pace(cue: Cue) -> None:
        cues.append(cue)
        await session.send("AT+QLACFG?")  # the console's own read, between the runner's steps

    runner = Runner(session, simulator=transport.simulator, pace=pace)
    try:
        await session.open()
        assert await runner.attach_simulator()
        await session.send("AT+QLASTATUS?")  # before the run: its reply is not the runner's either
        text = '@say First\nAT+QLAADDOBJ=19,0,1,"0"\nOK\n+QLAADDOBJ: 0\nAT+QLASTATUS?\n+QLASTATUS: 0\nOK\n'
        outcome = await runner.run(parse(text, predefined=SIM_CAPTURES))
    finally:
        runner.close()
        await session.close()
    assert outcome.passed, [(r.text, r.reason, r.received) for r in outcome.results]
    assert [(c.text, c.index, c.total, [n.text for n in c.notes]) for c in cues] == [
        ('AT+QLAADDOBJ=19,0,1,"0"', 1, 2, ["First"]),
        ("AT+QLASTATUS?", 2, 2, []),
    ]
