"""Where qlaterm keeps its files: the XDG base directories, one place for every caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from qlaterm.paths import config_dir, state_dir
from qlaterm.ui.app import default_history_file
from qlaterm.ui.keymap import default_keymap_path


def test_the_xdg_variables_choose_the_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "st"))
    assert config_dir() == tmp_path / "cfg" / "qlaterm"
    assert state_dir() == tmp_path / "st" / "qlaterm"
    assert default_keymap_path() == tmp_path / "cfg" / "qlaterm" / "keymap.toml"
    assert default_history_file() == tmp_path / "st" / "qlaterm" / "history"


@pytest.mark.parametrize("value", ["", "relative/dir"])
def test_an_empty_or_relative_variable_falls_back_to_home(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", value)
    monkeypatch.setenv("XDG_STATE_HOME", value)
    assert config_dir() == Path.home() / ".config" / "qlaterm"
    assert state_dir() == Path.home() / ".local" / "state" / "qlaterm"
