"""``@pytest.mark.serial`` under pytest-xdist: the marked test runs while no other test does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SUITE = '''
import json, os, time
import pytest

def work(name, seconds):
    started = time.monotonic()
    time.sleep(seconds)  # stands for a test's work; nothing waits on it
    with open(os.environ["CALLS_LOG"], "a") as log:
        log.write(json.dumps([os.environ["PYTEST_XDIST_WORKER"], name, started, time.monotonic()]) + "\\n")

@pytest.mark.serial
def test_alone():
    work("alone", 0.6)

@pytest.mark.parametrize("n", range(8))
def test_ordinary(n):
    work(f"ordinary-{n}", 0.15)
'''


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_a_serial_test_shares_the_machine_with_no_other_test(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(SUITE)
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CALLS_LOG": str(log)}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.alone", "-n", "2"]
    result = subprocess.run(
        [*argv, "--rootdir", str(tmp_path), str(tmp_path / "test_suite.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(calls) == 9
    (alone,) = [c for c in calls if c[1] == "alone"]
    ordinary = [c for c in calls if c[1] != "alone"]
    assert {c[0] for c in calls} == {"gw0", "gw1"}
    # The ordinary tests did run side by side, so the lock is what kept the serial one apart.
    assert any(overlaps(a[2:], b[2:]) for a in ordinary for b in ordinary if a[0] != b[0])
    assert not [c[1] for c in ordinary if overlaps(c[2:], alone[2:])]
