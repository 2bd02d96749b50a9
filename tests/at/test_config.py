"""The QLACONFIG model: what the module writes in its query line, the console reads back unchanged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qlaterm.at.check import Checked, check_line
from qlaterm.at.config import ServerConfig
from qlaterm.at.parse import Info, parse_line

_names = st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters="-._:"), min_size=1, max_size=40)


@given(
    server=_names,
    port=st.integers(0, 65535),
    endpoint=_names,
    lifetime=st.integers(20, 31536000),
    psk=st.one_of(st.none(), st.binary(min_size=1, max_size=32)),
    binding=st.sampled_from([0, 1]),
)
def test_query_line_reads_back(server: str, port: int, endpoint: str, lifetime: int, psk: bytes | None,
                               binding: int) -> None:
    security = 3 if psk is None else 0
    config = ServerConfig(0, server, port, endpoint, lifetime, security, "id" if psk else None,
                          psk.hex().upper() if psk else None, binding)
    event = parse_line(config.query_line())
    assert isinstance(event, Info) and event.name == "+QLACONFIG"
    assert ServerConfig.from_query(event.fields) == config


def test_from_the_checked_set_command_and_json() -> None:
    checked = check_line('AT+QLACONFIG=1,"lwm.home.komect.com",5683,"866971031275899",30,3')
    assert isinstance(checked, Checked)
    config = ServerConfig.from_args(checked.args)
    assert config.bootstrap and config.binding_text == "U" and config.security_text == "none"
    assert ServerConfig.from_json(config.to_json()) == config
    assert ServerConfig.from_json({"server": "x"}) is None
    assert ServerConfig.from_json("nonsense") is None
    assert config.with_(lifetime=100).lifetime == 100 and config.lifetime == 30
    assert ServerConfig.from_query((0, "h", 1)) is None
