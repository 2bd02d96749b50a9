"""What the simulated module remembers: server configuration (qlaterm.at.config), QLACFG settings, custom objects.

Each piece knows how to turn itself into plain JSON data and back, so the NVM file stays readable and a
setting added in a later version simply takes its default when an older file is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qlaterm.at.catalogue import CONFIG_SETTINGS, MAX_CUSTOM_OBJECTS, MAX_INSTANCES
from qlaterm.at.config import ServerConfig

__all__ = ["CustomObjects", "ServerConfig", "Settings"]


@dataclass
class Settings:
    """The nine ``AT+QLACFG`` settings, by name, each a tuple of values."""

    values: dict[str, tuple[int | str, ...]] = field(
        default_factory=lambda: {name: s.default for name, s in CONFIG_SETTINGS.items()}
    )

    def get(self, name: str) -> tuple[int | str, ...]:
        return self.values[name]

    def one(self, name: str) -> int | str:
        return self.values[name][0]

    def line(self, name: str) -> str:
        setting = CONFIG_SETTINGS[name]
        shown = [str(x) for x in setting.prefix]
        for param, value in zip(setting.params, self.values[name], strict=True):
            shown.append(f'"{value}"' if param.kind == "str" else str(value))
        return f'+QLACFG: "{name}",' + ",".join(shown)

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) for k, v in self.values.items()}

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        settings = cls()
        if isinstance(data, dict):
            for name, setting in CONFIG_SETTINGS.items():
                stored = data.get(name)
                if isinstance(stored, list) and len(stored) == len(setting.params):
                    settings.values[name] = tuple(stored)
        return settings


@dataclass
class CustomObjects:
    """Objects added with ``AT+QLAADDOBJ``: ``{object: {instance: [resource IDs]}}`` in the order added."""

    instances: list[tuple[int, int, tuple[int, ...]]] = field(default_factory=list)

    def tree(self) -> dict[int, dict[int, tuple[int, ...]]]:
        result: dict[int, dict[int, tuple[int, ...]]] = {}
        for obj, inst, res in self.instances:
            result.setdefault(obj, {})[inst] = res
        return result

    def has_object(self, obj: int) -> bool:
        return any(o == obj for o, _, _ in self.instances)

    def refusal(self, obj: int, inst: int) -> str | None:
        """Why adding obj/inst is refused (err 3), or None."""
        tree = self.tree()
        if obj in tree and inst in tree[obj]:
            return f"/{obj}/{inst} already exists"
        if obj not in tree and len(tree) >= MAX_CUSTOM_OBJECTS:
            return f"at most {MAX_CUSTOM_OBJECTS} custom objects"
        if obj in tree and len(tree[obj]) >= MAX_INSTANCES:
            return f"at most {MAX_INSTANCES} instances per object"
        return None

    def add(self, obj: int, inst: int, resources: tuple[int, ...]) -> None:
        self.instances.append((obj, inst, tuple(resources)))

    def delete(self, obj: int) -> None:
        self.instances = [entry for entry in self.instances if entry[0] != obj]

    def to_json(self) -> list[list[Any]]:
        return [[o, i, list(r)] for o, i, r in self.instances]

    @classmethod
    def from_json(cls, data: Any) -> CustomObjects:
        objects = cls()
        if isinstance(data, list):
            for entry in data:
                try:
                    obj, inst, res = entry
                    objects.add(int(obj), int(inst), tuple(int(r) for r in res))
                except (TypeError, ValueError):
                    continue
        return objects
