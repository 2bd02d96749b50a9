"""Drivers for the interop peers the tests talk to: programs nobody on this project wrote.

* :mod:`tests.peers.node_lwm2m` — lwm2m-node-lib's LwM2M server and client consoles (npm, run by Node).
* :mod:`tests.peers.libcoap` — Debian libcoap3-bin's ``coap-client-*``, ``coap-server-*``, ``coap-rd-*``.
* :mod:`tests.peers.ports` — free loopback ports chosen at run time.

A missing peer skips the test on a developer's machine, but fails it under CI (``CI`` set): there
``.ci/run`` installs every peer, so a missing one is a broken install, not an optional extra.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def peer_unavailable(reason: str) -> NoReturn:
    """Skip the current test because a peer is missing, or fail it when running under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"interop peer missing under CI: {reason}", pytrace=False)
    pytest.skip(reason)
