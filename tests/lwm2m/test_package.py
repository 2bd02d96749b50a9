"""The package surface: every public name resolves, and importing the package loads nothing heavy."""

from __future__ import annotations

import importlib
import subprocess
import sys

import qlaterm.lwm2m


def test_every_public_name_resolves_to_its_module() -> None:
    home = {name: module for module, names in qlaterm.lwm2m._EXPORTS.items() for name in names}
    assert sorted(qlaterm.lwm2m.__all__) == sorted(home)
    for name, module in home.items():
        assert getattr(qlaterm.lwm2m, name) is getattr(importlib.import_module(f"qlaterm.lwm2m.{module}"), name)


def test_importing_the_package_or_parsing_paths_and_psks_loads_neither_aiocoap_nor_mbedtls() -> None:
    code = (
        "import sys, qlaterm.lwm2m as l; l.parse_path('/3/0'); l.parse_psk('a:00'); "
        "print(sorted(m for m in ('aiocoap', 'mbedtls', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
