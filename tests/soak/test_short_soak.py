"""The short versions of ``make soak``: the same checks, small enough for every test run."""

from __future__ import annotations

import pytest

from bench import soak


def assert_met(results: list[soak.Result]) -> None:
    for result in results:
        if result.figure is None:
            pytest.skip(result.line())
        assert result.bar.met(result.figure), result.line()


def test_at_fuzz_through_tcp_one_final_code_per_line_no_crash() -> None:
    assert_met(soak.at_fuzz(400))


def test_fuzz_lines_hold_the_long_and_the_overlong_line() -> None:
    lengths = {len(line) for line in soak.fuzz_lines(40)}
    assert {4096, 4097} <= lengths


def test_malformed_datagrams_at_every_port() -> None:
    assert_met(soak.malformed(200))


def test_kill_9_during_nvm_writes() -> None:
    assert_met([soak.nvm_kills(3)])


def test_nvm_on_a_full_and_a_read_only_file_system() -> None:
    assert_met(soak.nvm_file_systems())


def test_registration_and_a_read_under_loss() -> None:
    assert_met(soak.lossy(1)[:1])  # NoSec; DTLS runs in make soak


def test_console_against_a_device_that_floods_spews_garbage_and_disconnects() -> None:
    """Over a pty and over TCP: no crash, reconnected, the newest line shown, the 1,000 requests held (key
    latency is a figure of ``make soak``, not asserted here)."""
    from bench import hostile

    results = hostile.console_against_hostile(requests=1_000, seconds=1.0, keys=3)
    assert len(results) == 10
    assert_met([r for r in results if not r.name.endswith("key latency")])
