"""The package surface: every public name resolves, and importing the package loads nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import qlaterm.platform
from qlaterm.platform.profiles import PROFILES, Profile


def test_every_public_name_resolves_to_its_module() -> None:
    for name in qlaterm.platform.__all__:
        value = getattr(qlaterm.platform, name)
        assert getattr(value, "__module__", "qlaterm.platform.options").startswith("qlaterm.platform."), name
    assert set(dir(qlaterm.platform)) >= set(qlaterm.platform.__all__)


def test_importing_the_package_loads_neither_the_server_nor_textual() -> None:
    code = (
        "import sys, qlaterm.platform as p; p.PROFILE_NAMES; "
        "print(sorted(m for m in ('aiocoap', 'mbedtls', 'textual', 'qlaterm.platform.server') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_profile_names_are_the_profiles() -> None:
    assert tuple(PROFILES) == qlaterm.platform.PROFILE_NAMES
    assert {cls.name for cls in Profile.__subclasses__()} == set(qlaterm.platform.PROFILE_NAMES)
