"""Package surfaces that load on first use: every listed name is there, and listing is all there is."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["qlaterm.lwm2m", "qlaterm.platform", "qlaterm.sim"])
def test_every_exported_name_loads_and_nothing_else_pretends_to(package: str) -> None:
    module = importlib.import_module(package)
    exported = {name for names in module._EXPORTS.values() for name in names}
    assert sorted(module.__all__) == sorted(exported)
    for name in module.__all__:
        assert getattr(module, name) is not None
        assert name in dir(module)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018
