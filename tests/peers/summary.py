"""A pytest plugin that ends a run with one line naming the tests skipped for missing interop peers.

Without it the skips hide among the others in the ``N skipped`` count, and a developer cannot tell a
run that exercised libcoap and lwm2m-node-lib from one that did not.  Under pytest-xdist the skips are
counted on the controller, from the reports the workers send back.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.peers import HOW_TO_GET, missing_peer


class MissingPeersSummary:
    """Collects the tests skipped by :func:`tests.peers.peer_unavailable` and prints the closing line."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._peers: dict[str, str] = {}  # test id -> missing peer

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.skipped or not isinstance(report.longrepr, tuple):
            return
        peer = missing_peer(str(report.longrepr[2]))
        if peer is not None:
            self._peers.setdefault(report.nodeid, peer)

    def line(self) -> str | None:
        """The closing line, or ``None`` when no test was skipped for a missing peer."""
        if not self._peers:
            return None
        files = Counter(nodeid.split("::", 1)[0].removeprefix("tests/") for nodeid in self._peers)
        peers = sorted(set(self._peers.values()))
        count = len(self._peers)
        return (
            f"{count} interop test{'s' if count != 1 else ''} skipped, missing {', '.join(peers)}: "
            f"{', '.join(f'{name} ({n})' for name, n in sorted(files.items()))}. {HOW_TO_GET}."
        )

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        line = self.line()
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if line is not None and reporter is not None:
            reporter.write_line(line, yellow=True, bold=True)


def pytest_configure(config: pytest.Config) -> None:
    """Register the summary on the process that reports the run (not on xdist workers)."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(MissingPeersSummary(config), "qlaterm-missing-peers")
