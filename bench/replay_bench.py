"""The vendor document's chapter 3 and chapter 5 transcripts replayed against ``--sim --network ideal``.

The figure is the replay itself (from the first step to the last, the median of three runs); the simulator's
start before it is not counted.
"""

from __future__ import annotations

import asyncio
import io
import logging
import statistics

from .common import Bar, Result

BAR = Bar("≤ 0.5 s each", 0.5)
FLOWS = {"chapter3.txt": "generic", "aep.txt": "aep", "andlink.txt": "andlink", "telit.txt": "telit"}
ROUNDS = 3


def _replay_time(name: str, profile: str) -> float:
    from qlaterm.replay import cli
    from qlaterm.replay.format import parse
    from qlaterm.replay.report import ConsoleReport

    args = cli.parse_args([f"example:{name}", "--sim", "--profile", profile, "--network", "ideal",
                           "--platform-port", "0"])
    transcript = parse(cli.example_text(name), name, predefined=cli.SIM_CAPTURES)
    out = io.StringIO()
    outcome = asyncio.run(cli.run_one(args, transcript, ConsoleReport(out)))
    if not outcome.passed:
        raise AssertionError(f"{name} did not replay green:\n{out.getvalue()}")
    return outcome.elapsed


def flows() -> list[Result]:
    logging.getLogger("coap").setLevel(logging.CRITICAL)
    results = []
    for name, profile in FLOWS.items():
        figure = statistics.median(_replay_time(name, profile) for _ in range(ROUNDS))
        results.append(Result(f"replay {name}, --sim --network ideal", BAR, figure, "s"))
    return results
