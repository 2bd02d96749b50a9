"""The package surface: ``import qlaterm.sim`` is cheap, and its names are the ones of the modules that define them."""

from __future__ import annotations

import subprocess
import sys

import pytest

import qlaterm.sim


def test_import_loads_nothing_until_a_name_is_used() -> None:
    code = (
        "import sys, qlaterm.sim; "
        "heavy = [m for m in ('qlaterm.sim.module', 'aiocoap', 'mbedtls', 'textual') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_names_come_from_their_modules() -> None:
    from qlaterm.sim.client.core import LwM2MClient
    from qlaterm.sim.module import Module
    from qlaterm.sim.nvm import Nvm

    assert qlaterm.sim.Module is Module
    assert qlaterm.sim.Nvm is Nvm
    assert qlaterm.sim.LwM2MClient is LwM2MClient
    assert set(qlaterm.sim.__all__) <= set(dir(qlaterm.sim))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Platform'"):
        qlaterm.sim.Platform  # noqa: B018
