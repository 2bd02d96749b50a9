"""Run the benchmarks and print one line each: ``name: figure unit   bar: …   ratio, verdict``."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable

from .common import Result

Benchmark = tuple[str, Callable[[], Result | list[Result]]]


def _benchmarks() -> list[Benchmark]:
    from . import at_parse, console_bench, fleet_bench, link_bench, replay_bench, sim_bench, transcript_bench

    return [
        ("parse", at_parse.run),
        ("roundtrip-inproc", sim_bench.round_trip),
        ("roundtrip-pty", link_bench.pty_round_trip),
        ("register-udp", sim_bench.register),
        ("register-dtls", sim_bench.register_dtls),
        ("register-good", sim_bench.register_good),
        ("read-answer", sim_bench.read_answer),
        ("console-start", console_bench.console_start),
        ("fleet", fleet_bench.fleet),
        ("transcript-keys", transcript_bench.key_latency),
        ("transcript-rss", transcript_bench.rss),
        ("transcript-pending", transcript_bench.pending_requests),
        ("replay", replay_bench.flows),
    ]


def main(argv: list[str]) -> int:
    """Run every benchmark whose key contains one of ``argv`` (all without arguments)."""
    wanted = argv[1:]
    failed = False
    started = time.perf_counter()
    for key, run in _benchmarks():
        if wanted and not any(w in key for w in wanted):
            continue
        try:
            result = run()
        except Exception:
            failed = True
            print(f"{key}: ERROR")
            traceback.print_exc()
            continue
        for each in result if isinstance(result, list) else [result]:
            print(each.line(), flush=True)
    print(f"({time.perf_counter() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
