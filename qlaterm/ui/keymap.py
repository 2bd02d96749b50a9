"""Remappable keys: every binding has an id; a TOML file maps ids to keys.

``~/.config/qlaterm/keymap.toml`` (or ``$XDG_CONFIG_HOME/qlaterm/keymap.toml``, or ``--keymap FILE``)::

    [keys]
    answer = "f2,ctrl+a"      # several keys: comma-separated
    toggle_platform = "f12"

Unknown ids are reported, not fatal: a typo must not stop the console from starting.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Set
from pathlib import Path

from qlaterm.paths import config_dir

__all__ = ["default_keymap_path", "load_keymap"]


def default_keymap_path() -> Path:
    return config_dir() / "keymap.toml"


def load_keymap(path: Path, known: Callable[[], Set[str]]) -> tuple[dict[str, str], list[str]]:
    """(keymap, problems).  A missing file is an empty keymap; a broken one is a problem, not an exception.

    ``known`` gives the binding ids a file may name; it is asked only when there is a file to check.
    """
    if not path.exists():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {exc}"]
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        return {}, [f"{path}: [keys] must be a table of binding id = \"key\""]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    ids = known() if keys else frozenset[str]()
    for binding_id, key in keys.items():
        if binding_id not in ids:
            problems.append(f"{path}: unknown binding id {binding_id!r}")
        elif not isinstance(key, str) or not key.strip():
            problems.append(f"{path}: the key for {binding_id!r} must be a string such as \"f2\"")
        else:
            keymap[binding_id] = key.strip()
    return keymap, problems
