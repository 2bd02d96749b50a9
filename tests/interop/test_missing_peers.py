"""A machine without the interop peers: their tests skip (fail under CI) and the run says so at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.peers import HOW_TO_GET

ROOT = Path(__file__).resolve().parents[2]

# coap-client runs in a task the test awaits only after the module has been asked to answer.
HANDED_TO_A_TASK = "tests/interop/test_client_libcoap.py::test_coap_client_gets_deferred_answer"


def run_without_peers(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """Run one libcoap test in a fresh pytest whose PATH holds no program at all."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PATH"] = str(tmp_path)
    if ci:
        env["CI"] = "true"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", HANDED_TO_A_TASK]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_missing_peer_skips_even_when_the_peer_runs_in_a_task(tmp_path: Path) -> None:
    result = run_without_peers(tmp_path, ci=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "1 skipped" in output, output
    last = result.stdout.strip().splitlines()[-1]
    expected = "1 interop test skipped, missing coap-client-notls: interop/test_client_libcoap.py (1)."
    assert last.startswith(expected), output
    assert last.endswith(f"{HOW_TO_GET}."), output


def test_a_missing_peer_fails_under_ci(tmp_path: Path) -> None:
    result = run_without_peers(tmp_path, ci=True)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "interop peer missing: coap-client-notls (Debian package libcoap3-bin), under CI" in output, output
    assert "interop test skipped" not in output, output
