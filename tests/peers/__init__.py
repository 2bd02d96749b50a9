"""Drivers for the interop peers the tests talk to: programs nobody on this project wrote.

* :mod:`tests.peers.node_lwm2m` — lwm2m-node-lib's LwM2M server and client consoles (npm, run by Node).
* :mod:`tests.peers.libcoap` — Debian libcoap3-bin's ``coap-client-*``, ``coap-server-*``, ``coap-rd-*``.
* :mod:`tests.peers.ports` — free loopback ports chosen at run time.
* :mod:`tests.peers.summary` — the closing line of a run that skipped tests for missing peers.

A missing peer skips the test on a developer's machine, but fails it under CI (``CI`` set): there
``.ci/run`` installs every peer, so a missing one is a broken install, not an optional extra.
"""

from __future__ import annotations

import os
import re
from typing import NoReturn

import pytest

MISSING = "interop peer missing: "
"""How every skip (and CI failure) for a missing peer starts; the peer's name follows."""

HOW_TO_GET = "`bash .ci/run` installs them (Debian libcoap3-bin, nodejs and npm, `npm install` in tests/peers/node)"
"""One sentence on getting every peer, for the end of a run that skipped some."""

_PEER_IN_REASON = re.compile(re.escape(MISSING) + r"(\S+)")


def peer_unavailable(peer: str, remedy: str) -> NoReturn:
    """Skip the current test because program or package *peer* is missing (*remedy* says how to get it),
    or fail the test when running under CI."""
    reason = f"{MISSING}{peer} ({remedy})"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, under CI", pytrace=False)
    pytest.skip(reason)


def missing_peer(reason: str) -> str | None:
    """The peer named by a skip reason written by :func:`peer_unavailable`, else ``None``."""
    match = _PEER_IN_REASON.search(reason)
    return match.group(1) if match else None
