"""The server configuration of ``AT+QLACONFIG``: one model for the module that stores it and the console
that reads it back, so the query line is written and read by the same code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = ["ServerConfig"]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """``AT+QLACONFIG=<bs_flag>,<server>,<port>,<endpoint>,<lifetime>,<security_mode>[,<psk_id>,<psk>][,<binding>]``."""

    bs_flag: int  # 0 LwM2M server, 1 bootstrap server
    server: str
    port: int
    endpoint: str
    lifetime: int
    security_mode: int  # 0 DTLS-PSK, 3 no security
    psk_id: str | None = None
    psk: str | None = None  # hex digits
    binding: int = 0  # 0 U, 1 UQ

    @property
    def bootstrap(self) -> bool:
        return self.bs_flag == 1

    @property
    def binding_text(self) -> str:
        return "UQ" if self.binding == 1 else "U"

    @property
    def security_text(self) -> str:
        return "DTLS-PSK" if self.security_mode == 0 else "none"

    def with_(self, **changes: Any) -> ServerConfig:
        """A copy with some fields changed (a new lifetime or binding from an Update or the server)."""
        return replace(self, **changes)

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> ServerConfig:
        """From the typed arguments ``check_line`` gives for ``AT+QLACONFIG=…``."""
        return cls(
            bs_flag=args["bs_flag"],
            server=args["server"],
            port=args["port"],
            endpoint=args["endpoint_name"],
            lifetime=args["lifetime"],
            security_mode=args["security_mode"],
            psk_id=args.get("PSK_ID"),
            psk=args.get("PSK"),
            binding=args.get("binding_mode", 0),
        )

    def query_line(self) -> str:
        """The ``+QLACONFIG:`` line of the query form (flag 0: it describes the LwM2M server)."""
        text = f'+QLACONFIG: 0,"{self.server}",{self.port},"{self.endpoint}",{self.lifetime},{self.security_mode}'
        if self.security_mode == 0:
            text += f',"{self.psk_id or ""}","{self.psk or ""}"'
        return text + f",{self.binding}"

    @classmethod
    def from_query(cls, values: Sequence[int | str]) -> ServerConfig | None:
        """The fields of a ``+QLACONFIG:`` query line (as ``parse_line`` gives them), or None if they do not fit."""
        if len(values) < 7:
            return None
        bs_flag, server, port, endpoint, lifetime, security = values[:6]
        psk_id = psk = None
        if security == 0 and len(values) >= 9:
            psk_id, psk = str(values[6]), str(values[7])
        try:
            return cls(int(bs_flag), str(server), int(port), str(endpoint), int(lifetime), int(security),
                       psk_id, psk, int(values[-1]))
        except (TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> ServerConfig | None:
        """From saved data; None for anything that is not a complete configuration."""
        if not isinstance(data, dict):
            return None
        names = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in names})
        except TypeError:
            return None
