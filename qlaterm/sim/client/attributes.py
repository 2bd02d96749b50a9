"""The notification attributes a server writes with Write-Attributes (LwM2M 1.0 §5.1.2, §5.4.4).

``PUT /o[/i[/r]]?pmin=10&pmax=60&gt=50&lt=5&st=1`` with no payload sets attributes on an object, an
instance or a resource; a bare name (``?pmin``) removes that attribute there. What an observation obeys is
the merge along its path: the Server object's default periods (``/1/x/2`` pmin, ``/1/x/3`` pmax) first,
then the object's attributes, the instance's, the resource's (the most specific one wins, name by name).
The rules the specification leaves open are in docs/decisions/012-write-attributes.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from qlaterm.lwm2m.paths import Path

NAMES = ("pmin", "pmax", "gt", "lt", "st")
"""The attributes of LwM2M 1.0, in the order Discover prints them."""


class AttributesRefused(ValueError):
    """A Write-Attributes the client refuses with 4.00."""


@dataclass(frozen=True)
class Attributes:
    """Notification attributes; None is an attribute that is not set."""

    pmin: int | None = None
    pmax: int | None = None
    gt: float | None = None
    lt: float | None = None
    st: float | None = None

    def over(self, base: Attributes) -> Attributes:
        """These attributes where set, ``base``'s elsewhere."""
        return Attributes(**{
            f.name: getattr(self, f.name) if getattr(self, f.name) is not None else getattr(base, f.name)
            for f in fields(self)
        })

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in NAMES)

    @property
    def has_conditions(self) -> bool:
        """Whether gt, lt or st is set (a numeric value then notifies only when one of them holds)."""
        return self.gt is not None or self.lt is not None or self.st is not None

    def check(self) -> None:
        """AttributesRefused for a combination LwM2M 1.0 §5.1.2 does not allow: pmax below pmin, lt not
        below gt, or (with st) lt + 2·st not below gt."""
        if self.pmin is not None and self.pmax is not None and self.pmax < self.pmin:
            raise AttributesRefused(f"pmax {self.pmax} < pmin {self.pmin}")
        if self.gt is not None and self.lt is not None:
            if self.lt >= self.gt:
                raise AttributesRefused(f"lt {self.lt} >= gt {self.gt}")
            if self.st is not None and self.lt + 2 * self.st >= self.gt:
                raise AttributesRefused(f"lt + 2*st {self.lt + 2 * self.st} >= gt {self.gt}")

    def link_attributes(self) -> dict[str, str | None]:
        """The set attributes as Discover prints them (``;pmin=1;pmax=3``), in link-attribute form."""
        return {name: _number(getattr(self, name)) for name in NAMES if getattr(self, name) is not None}


Change = Mapping[str, float | None]
"""What one Write-Attributes asks: attribute → new value, None to remove it."""


def parse_query(query: Sequence[str]) -> dict[str, float | None]:
    """The change a Write-Attributes query asks for (``["pmin=1", "pmax=3", "st"]``); AttributesRefused for
    a name the module does not keep (``epmin``, ``epmax``, ``cancel`` are LwM2M 1.1) or a value that is
    not a number of the attribute's kind (pmin/pmax: whole seconds, st: not negative)."""
    change: dict[str, float | None] = {}
    for item in query:
        name, eq, text = item.partition("=")
        if name not in NAMES:
            raise AttributesRefused(f"attribute {name!r} is not kept")
        if not eq:
            change[name] = None
            continue
        change[name] = _value(name, text)
    if not change:
        raise AttributesRefused("no attribute")
    return change


def _value(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AttributesRefused(f"{name}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise AttributesRefused(f"{name}={text!r} is not a finite number")
    if name in ("pmin", "pmax"):
        if not value.is_integer() or value < 0:
            raise AttributesRefused(f"{name}={text!r} is not a whole number of seconds")
        return int(value)
    if name == "st" and value < 0:
        raise AttributesRefused(f"st={text!r} is negative")
    return value


def _number(value: float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


class AttributeTable:
    """The attributes written on each path (only paths with at least one attribute are kept)."""

    def __init__(self) -> None:
        self._table: dict[Path, Attributes] = {}

    def write(self, path: Path, change: Change) -> None:
        """Apply ``change`` at ``path``; AttributesRefused (nothing changes) when the attributes the path
        would then obey (its own over those of its object and instance) are not a valid combination."""
        own = replace(self.at(path), **change)  # type: ignore[arg-type]  # names checked by parse_query
        merged = own
        for depth in range(len(path) - 1, 0, -1):
            merged = merged.over(self.at(path[:depth]))
        merged.check()
        if own.empty:
            self._table.pop(path, None)
        else:
            self._table[path] = own

    def at(self, path: Path) -> Attributes:
        """The attributes written on ``path`` itself."""
        return self._table.get(path, Attributes())

    def inherited(self, path: Path) -> Attributes:
        """The attributes of ``path`` merged with those of its instance and object (the deepest wins)."""
        merged = Attributes()
        for depth in range(len(path), 0, -1):
            merged = merged.over(self.at(path[:depth]))
        return merged

    def effective(self, path: Path, *, default_pmin: int, default_pmax: int) -> Attributes:
        """What an observation of ``path`` obeys: :meth:`inherited` over the Server object's default
        periods (a default pmax of 0 means none)."""
        defaults = Attributes(pmin=default_pmin or None, pmax=default_pmax or None)
        return self.inherited(path).over(defaults)

    def links(self, paths: Iterable[Path], base: Path) -> dict[Path, dict[str, str | None]]:
        """The link attributes of each Discover link: a resource discovered on its own shows what it
        inherits; an object or instance and the resources listed below it show their own attributes."""
        out: dict[Path, dict[str, str | None]] = {}
        for path in paths:
            attrs = self.inherited(path) if path == base and len(base) == 3 else self.at(path)
            if not attrs.empty:
                out[path] = attrs.link_attributes()
        return out

    def clear(self) -> None:
        self._table.clear()
