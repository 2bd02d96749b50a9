"""Where qlaterm keeps its files, by the XDG base directory rules.

* configuration (the keymap): ``$XDG_CONFIG_HOME/qlaterm`` or ``~/.config/qlaterm``
* state (command history, session logs): ``$XDG_STATE_HOME/qlaterm`` or ``~/.local/state/qlaterm``

An empty or relative variable is ignored, as the specification says.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["config_dir", "state_dir"]


def _base(variable: str, *default: str) -> Path:
    value = os.environ.get(variable, "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home().joinpath(*default)


def config_dir() -> Path:
    """The folder of qlaterm's configuration files."""
    return _base("XDG_CONFIG_HOME", ".config") / "qlaterm"


def state_dir() -> Path:
    """The folder of what qlaterm keeps between sessions (history, logs)."""
    return _base("XDG_STATE_HOME", ".local", "state") / "qlaterm"
