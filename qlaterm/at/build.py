"""Typed requests → command lines, with ``<len>`` and hex computed.

Everything the console sends on a user's behalf is built here, so a quick action can never produce a
line that the module would refuse for a wrong length or an odd number of hex digits.  What cannot be
written on an AT line at all (a line break, or '",' inside an unsized string) raises InvalidValue here
instead of producing a line that would be read differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .catalogue import CONFIG_SETTINGS, URCS
from .values import AtValue, InvalidValue, ValueType

__all__ = [
    "add_object",
    "command",
    "config",
    "config_setting",
    "delete_object",
    "execute_response",
    "notify",
    "observe_response",
    "quote",
    "read_response",
    "send_data",
    "update_binding",
    "update_lifetime",
    "urc",
    "urc_data",
    "write_response",
]

Arg = int | str | AtValue | None

_QUOTE_COMMA = re.compile(r'"[ \t]*,')


def quote(text: str) -> str:
    """A string parameter as the module prints it: in double quotes."""
    return f'"{text}"'


def _arg(value: Arg) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, AtValue):
        if value.type is ValueType.STRING:
            _refuse_line_breaks(value.text)
            text = quote(value.text)
        else:
            text = value.text
        return f"{int(value.type)},{value.length},{text}"
    _refuse_line_breaks(value)
    if _QUOTE_COMMA.search(value):
        # Only a sized <value> is read by its length; anywhere else '",' would end the string early.
        raise InvalidValue(3, 'a string parameter cannot contain \'",\'')
    return quote(value)


def _refuse_line_breaks(text: str) -> None:
    """CR or LF would end the command line in the middle of a parameter."""
    if "\r" in text or "\n" in text:
        raise InvalidValue(3, "a parameter cannot contain a line break (CR or LF)")


def command(name: str, *args: Arg) -> str:
    """``command("+QLAWRRSP", 36560, 2)`` → ``AT+QLAWRRSP=36560,2`` (no terminator)."""
    if not args:
        return f"AT{name}"
    return f"AT{name}=" + ",".join(_arg(a) for a in args)


def read_response(mid: int, result: int, obj: int, inst: int, res: int, data: AtValue | None, index: int = 0) -> str:
    """AT+QLARDRSP; ``data`` None (for an error result) sends an empty string value."""
    return command("+QLARDRSP", mid, result, obj, inst, res, data or _EMPTY, index)


def observe_response(
    mid: int, result: int, obj: int, inst: int, res: int, data: AtValue | None, index: int = 0
) -> str:
    return command("+QLAOBSRSP", mid, result, obj, inst, res, data or _EMPTY, index)


def write_response(mid: int, result: int) -> str:
    return command("+QLAWRRSP", mid, result)


def execute_response(mid: int, result: int) -> str:
    return command("+QLAEXERSP", mid, result)


def notify(obj: int, inst: int, res: int, data: AtValue, index: int = 0, con: bool | None = None) -> str:
    """AT+QLANOTIFY; ``con`` None leaves ``<ack>`` out (NON)."""
    args: list[Arg] = [obj, inst, res, data, index]
    if con is not None:
        args.append(1 if con else 0)
    return command("+QLANOTIFY", *args)


def send_data(data: AtValue, con: bool | None = None) -> str:
    args: list[Arg] = [data]
    if con is not None:
        args.append(1 if con else 0)
    return command("+QLASENDDATA", *args)


def config(
    bs_flag: int,
    server: str,
    port: int,
    endpoint: str,
    lifetime: int,
    security_mode: int,
    psk_id: str | None = None,
    psk: str | None = None,
    binding: int | None = None,
) -> str:
    """AT+QLACONFIG; PSK fields only with security mode 0."""
    args: list[Arg] = [bs_flag, server, port, endpoint, lifetime, security_mode]
    if security_mode == 0:
        args += [psk_id or "", psk or ""]
    if binding is not None:
        args.append(binding)
    return command("+QLACONFIG", *args)


def config_setting(name: str, *values: int | str) -> str:
    """AT+QLACFG="name"[,values]; the fixed 3,0,17 of "cfg_res" is added for you."""
    setting = CONFIG_SETTINGS[name]
    args: list[Arg] = [name, *setting.prefix, *values]
    return command("+QLACFG", *args)


def update_lifetime(lifetime: int) -> str:
    return command("+QLAUPDATE", 0, lifetime)


def update_binding(binding: int) -> str:
    return command("+QLAUPDATE", 1, binding)


def add_object(obj: int, inst: int, resources: Iterable[int]) -> str:
    ids = list(resources)
    return command("+QLAADDOBJ", obj, inst, len(ids), *ids)


def delete_object(obj: int) -> str:
    return command("+QLADELOBJ", obj)


_EMPTY = AtValue(ValueType.STRING, 0, "")


def urc_data(kind: str, *fields: int | str | AtValue) -> str:
    """The part of a ``+QLAURC`` line after ``+QLAURC: `` (what the QLARD buffer holds), from the catalogue.

    ``urc_data("read", 62953, 19, 0, 0)`` → ``"read",62953,19,0,0``.  String fields are quoted or bare as the
    vendor's examples print them (``"binding_changed",U`` and the write token are bare); a value is written
    as ``<value_type>,<len>,"<value>"``, always quoted, as the module prints it.
    """
    spec = URCS[kind]
    parts = [quote(kind)]
    params = iter(spec.params)
    for field in fields:
        if isinstance(field, AtValue):
            next(params), next(params), next(params)  # value_type, len, value
            parts.append(f'{int(field.type)},{field.length},"{field.text}"')
            continue
        param = next(params)
        if isinstance(field, bool) or not isinstance(field, int | str):
            raise TypeError(f"{kind}: <{param.name}> is int or str, not {type(field).__name__}")
        if isinstance(field, int):
            parts.append(str(field))
        elif param.kind == "str":
            parts.append(quote(field))
        else:
            parts.append(field)
    return ",".join(parts)


def urc(kind: str, *fields: int | str | AtValue) -> str:
    """A whole ``+QLAURC: "<kind>",…`` line (no terminator)."""
    return "+QLAURC: " + urc_data(kind, *fields)

