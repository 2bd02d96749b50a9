"""Checking a command line against the catalogue, the way the module does.

The simulator answers ``+CME ERROR: <err>`` from the same verdict that the console shows *before* a line is
sent, with an English explanation ("<len> counts bytes: 18 hex digits are 9 bytes, not 18").  Checks that
need the module's state (registered? is that messageID pending?) live in the simulator; everything that
can be decided from the line alone lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from .catalogue import (
    BASIC_COMMANDS,
    BINDING,
    BUILTIN_OBJECTS,
    CONFIG_SETTINGS,
    LIFETIME,
    QBAND_BANDS,
    S_REGISTER,
    Command,
    Form,
    Param,
    find_command,
)
from .params import ParamError, Token, split_params
from .values import HEX, InvalidValue, decode_value

__all__ = ["Checked", "Rejected", "check_line", "split_command"]

_BITS = {n: re.compile(f"[01]{{{n}}}") for n in (4, 8)}
_NO_BITS = re.compile(r"(?!)")
_HOST_PORT = re.compile(r"^(?P<host>[^,\s]+),\s*(?P<port>\d{1,5})$")


@dataclass(frozen=True, slots=True)
class Checked:
    """A well-formed command: which one, which form, and its typed arguments by parameter name."""

    line: str
    name: str  # "+QLACONFIG", or the basic command text ("AT", "ATE0", "AT+CGSN=1")
    form: Form
    command: Command | None = None
    args: dict[str, Any] = field(default_factory=dict)
    caution: str | None = None
    """What the module accepts but may read differently than meant (a quote inside a string)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line the module refuses.  ``code`` None means a plain ``ERROR`` (unknown command)."""

    line: str
    code: int | None
    message: str
    param: str | None = None
    hint: str | None = None  # a suggested correction, e.g. splitting "host,port"


def split_command(line: str) -> tuple[str, Form, str] | None:
    """``AT+QLAREG=?`` → ("+QLAREG", TEST, ""); ``AT+QLACFG="platform",1`` → ("+QLACFG", SET, '"platform",1').

    Basic commands come back whole with form EXEC: ``ATE0`` → ("ATE0", EXEC, "").  None when the line
    does not start with AT.
    """
    text = line.strip()
    if len(text) < 2 or text[:2].upper() != "AT":
        return None
    rest = text[2:]
    if not rest.startswith("+"):
        return "AT" + rest.upper(), Form.EXEC, ""
    for i, ch in enumerate(rest):
        if ch in "=?":
            name = rest[:i].upper()
            tail = rest[i:]
            if tail == "=?":
                return name, Form.TEST, ""
            if tail == "?":
                return name, Form.QUERY, ""
            if tail.startswith("="):
                return name, Form.SET, tail[1:]
            return name, Form.SET, tail  # e.g. "+X?junk": rejected by the caller's checks
    return rest.upper(), Form.EXEC, ""


def check_line(line: str) -> Checked | Rejected:
    """Decide whether ``line`` is a command the module accepts; never raises."""
    try:
        return _check(line)
    except Exception as exc:  # pragma: no cover - a defect, but the caller still gets one answer
        return Rejected(line, 1, f"internal error while checking: {exc}")


def _check(line: str) -> Checked | Rejected:
    parts = split_command(line)
    if parts is None:
        return Rejected(line, None, "a command starts with AT")
    name, form, tail = parts
    command = find_command(name) if name.startswith("+") else None
    if command is None:
        return _check_basic(line)
    if form not in command.forms:
        return Rejected(line, None, f"{command.at} has no {form.value} form; use {command.signature()}")
    if form is not Form.SET:
        return Checked(line, command.name, form, command)
    try:
        tokens = split_params(tail, command.value_index)
    except ParamError as exc:
        return Rejected(line, 3, str(exc))
    checker = _CHECKERS.get(command.name, _check_generic)
    verdict = checker(line, command, tokens)
    if isinstance(verdict, Rejected) and verdict.code is not None and command.cme_params is not None:
        return replace(verdict, code=command.cme_params)
    if isinstance(verdict, Checked):
        caution = _quote_caution(command, tokens)
        if caution:
            return replace(verdict, caution=caution)
    return verdict


def _quote_caution(command: Command, tokens: list[Token]) -> str | None:
    """A ``"`` inside a string: the AT syntax has no escape for it, so a module may end the string there."""
    for index, token in enumerate(tokens):
        if '"' not in token.text:
            continue
        if index == command.value_index:
            return ('<value> contains a double quote ("): an AT string cannot carry one (there is no escape), '
                    "so the module may end the value there; send it as opaque hex (value_type 2) instead")
        if command.name == "+QLACFG":
            name = f'the "{tokens[0].text}" setting' if index else "the setting name"
        else:
            name = f"<{command.params[index].name}>" if index < len(command.params) else "a parameter"
        return f'{name} contains a double quote ("): an AT string cannot carry one (there is no escape)'
    return None


def _check_basic(line: str) -> Checked | Rejected:
    text = line.strip().upper()
    if text in BASIC_COMMANDS:
        return Checked(line, text, Form.EXEC)
    name, equals, value = text.partition("=")
    if equals and name + "=" in BASIC_COMMANDS:
        got = _int_arg(S_REGISTER, Token(value, False))
        if isinstance(got, str):
            return Rejected(line, None, got, S_REGISTER.name)
        return Checked(line, name + "=", Form.SET, None, {S_REGISTER.name: got})
    return Rejected(line, None, f"unknown command {text.split('=')[0].rstrip('?')}")


def _int_arg(param: Param, token: Token) -> int | str:
    """The token as an int within the parameter's range, or an error message."""
    value = token.as_int()
    if value is None:
        return f"<{param.name}> must be a number, not {token.text!r}"
    return param.refusal(value) or value


def _typed(line: str, params: tuple[Param, ...], tokens: list[Token]) -> dict[str, Any] | Rejected:
    """Typed arguments for a plain list of params (count already checked); ``value`` params are kept raw."""
    args: dict[str, Any] = {}
    for param, token in zip(params, tokens, strict=False):
        if param.optional and token.text == "" and not token.quoted:
            continue  # an empty optional field (AT+CPSMS=1,,,"00111000") is left out
        if param.kind == "int":
            got = _int_arg(param, token)
            if isinstance(got, str):
                return Rejected(line, 3, got, param.name)
            args[param.name] = got
        elif param.kind == "hex":
            if not HEX.fullmatch(token.text):
                return Rejected(line, 3, f"<{param.name}> is hex digits", param.name)
            if len(token.text) % 2:
                return Rejected(line, 13, f"<{param.name}> needs an even number of hex digits", param.name)
            if param.max_len is not None and len(token.text) > param.max_len:
                return Rejected(line, 3, f"<{param.name}> is at most {param.max_len} digits", param.name)
            args[param.name] = token.text
        elif param.kind == "bits":
            if token.text and not _BITS.get(param.max_len or 0, _NO_BITS).fullmatch(token.text):
                why = f"<{param.name}> is {param.max_len} binary digits, as \"00100100\""
                return Rejected(line, 3, why, param.name)
            if token.text:
                args[param.name] = token.text
        elif param.kind == "str":
            if param.max_len is not None and len(token.text.encode()) > param.max_len:
                return Rejected(line, 3, f"<{param.name}> is at most {param.max_len} bytes", param.name)
            args[param.name] = token.text
        else:
            args[param.name] = token.text
    return args


def _count(line: str, command: Command, tokens: list[Token], lo: int, hi: int) -> Rejected | None:
    if lo <= len(tokens) <= hi:
        return None
    want = str(lo) if lo == hi else f"{lo} to {hi}"
    return Rejected(line, 2, f"{command.at} takes {want} parameters, got {len(tokens)}: {command.signature()}")


def _check_generic(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    required = sum(1 for p in command.params if not p.optional)
    bad = _count(line, command, tokens, required, len(command.params))
    if bad:
        return bad
    args = _typed(line, command.params, tokens)
    if isinstance(args, Rejected):
        return args
    if command.value_index is not None:
        bad = _check_value(line, args, tokens[command.value_index])
        if bad:
            return bad
    return Checked(line, command.name, Form.SET, command, args)


def _check_value(line: str, args: dict[str, Any], token: Token, *, may_be_empty: bool = False) -> Rejected | None:
    """Check ``<value_type>,<len>,<value>`` and store the decoded value under "value"."""
    if may_be_empty and args.get("len") == 0 and token.text == "":
        args["value"] = None
        return None
    try:
        args["value"] = decode_value(args["value_type"], args["len"], token.text)
    except InvalidValue as exc:
        return Rejected(line, exc.code, exc.message, "value")
    return None


def _check_response(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    """QLARDRSP / QLAOBSRSP: with a result other than 1 the value may be empty."""
    bad = _count(line, command, tokens, len(command.params), len(command.params))
    if bad:
        return bad
    args = _typed(line, command.params, tokens)
    if isinstance(args, Rejected):
        return args
    bad = _check_value(line, args, tokens[command.value_index or 0], may_be_empty=args["result"] != 1)
    if bad:
        return bad
    return Checked(line, command.name, Form.SET, command, args)


def _check_config(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    params = command.params
    hint = None
    if len(tokens) >= 2:
        match = _HOST_PORT.match(tokens[1].text)
        if match:
            host, port = match["host"], match["port"]
            hint = f'server and port are separate parameters: "{host}",{port}'
    if len(tokens) < 6:
        msg = f"{command.at} takes 6 to 9 parameters, got {len(tokens)}: {command.signature()}"
        return Rejected(line, 2, msg, hint=hint)
    security = _int_arg(params[5], tokens[5])
    if isinstance(security, str):
        return Rejected(line, 3, security, "security_mode")
    allowed = (6, 7) if security == 3 else (8, 9)
    if len(tokens) not in allowed:
        why = "no security (3) takes 6 or 7" if security == 3 else "DTLS-PSK (0) takes 8 or 9, with <PSK_ID>,<PSK>"
        return Rejected(line, 2, f"{why} parameters, got {len(tokens)}", hint=hint)
    chosen = params[:6] + (params[6:8] if security == 0 else ()) + params[8:]
    args = _typed(line, chosen, tokens)
    if isinstance(args, Rejected):
        return args
    if hint and isinstance(args.get("server"), str):
        return Rejected(line, 3, "the server name cannot contain a comma", "server", hint)
    args.setdefault("binding_mode", 0)
    return Checked(line, command.name, Form.SET, command, args)


def _check_cfg(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    if not tokens:
        return Rejected(line, 2, f"{command.at} needs a setting name: {', '.join(CONFIG_SETTINGS)}")
    name = tokens[0].text
    setting = CONFIG_SETTINGS.get(name)
    if setting is None:
        return Rejected(line, 3, f"unknown setting {name!r}; settings: {', '.join(CONFIG_SETTINGS)}", "name")
    rest = tokens[1:]
    if setting.prefix:
        given = [t.as_int() for t in rest[: len(setting.prefix)]]
        if rest and given != list(setting.prefix)[: len(given)]:
            want = ",".join(map(str, setting.prefix))
            return Rejected(line, 3, f'"{name}" addresses resource {want}', name)
        if rest and len(rest) < len(setting.prefix):
            return Rejected(line, 2, f'"{name}" is followed by {",".join(map(str, setting.prefix))}')
        rest = rest[len(setting.prefix):]
    if not rest:
        return Checked(line, command.name, Form.SET, command, {"name": name, "values": None})
    if len(rest) != len(setting.params):
        return Rejected(line, 2, f'"{name}" takes {len(setting.params)} value(s), got {len(rest)}')
    args = _typed(line, setting.params, rest)
    if isinstance(args, Rejected):
        return args
    return Checked(line, command.name, Form.SET, command, {"name": name, "values": tuple(args.values())})


def _check_update(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    bad = _count(line, command, tokens, 2, 2)
    if bad:
        return bad
    mode = _int_arg(command.params[0], tokens[0])
    if isinstance(mode, str):
        return Rejected(line, 3, mode, "mode")
    value_param = LIFETIME if mode == 0 else BINDING
    value = _int_arg(value_param, tokens[1])
    if isinstance(value, str):
        return Rejected(line, 3, value, value_param.name)
    return Checked(line, command.name, Form.SET, command, {"mode": mode, "value": value})


def _check_addobj(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    if len(tokens) < 4:
        return Rejected(line, 2, f"{command.signature()}[,<resourceID>...]: got {len(tokens)} parameters")
    args = _typed(line, command.params[:3], tokens[:3])
    if isinstance(args, Rejected):
        return args
    ids = []
    for token in tokens[3:]:
        rid = _int_arg(command.params[3], token)
        if isinstance(rid, str):
            return Rejected(line, 3, rid, "resourceID")
        ids.append(rid)
    if len(ids) != args["resource_number"]:
        return Rejected(line, 2, f"<resource_number> is {args['resource_number']} but {len(ids)} resource IDs follow")
    if len(set(ids)) != len(ids):
        return Rejected(line, 3, "a resource ID is listed twice", "resourceID")
    if args["objectID"] in BUILTIN_OBJECTS:
        return Rejected(line, 3, f"object {args['objectID']} is built in (0/1/3/4/5 cannot be added)", "objectID")
    args["resources"] = tuple(ids)
    return Checked(line, command.name, Form.SET, command, args)


def _check_delobj(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    checked = _check_generic(line, command, tokens)
    if isinstance(checked, Checked) and checked.args["objectID"] in BUILTIN_OBJECTS:
        return Rejected(line, 3, f"object {checked.args['objectID']} is built in and cannot be deleted", "objectID")
    return checked


def _check_cmee(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    """AT+CMEE: a value out of range is a plain ERROR, whatever the current setting."""
    verdict = _check_generic(line, command, tokens)
    return replace(verdict, code=None) if isinstance(verdict, Rejected) else verdict


def _check_qband(line: str, command: Command, tokens: list[Token]) -> Checked | Rejected:
    """AT+QBAND=<band_number>[,<band>…]: 0 alone means every band, else that many bands follow."""
    if not tokens:
        return Rejected(line, 2, f"{command.signature()}: the number of bands, then the bands")
    count = _int_arg(command.params[0], tokens[0])
    if isinstance(count, str):
        return Rejected(line, 3, count, "band_number")
    if len(tokens) - 1 != count:
        return Rejected(line, 2, f"<band_number> is {count} but {len(tokens) - 1} bands follow")
    bands = []
    for token in tokens[1:]:
        band = _int_arg(command.params[1], token)
        if isinstance(band, str):
            return Rejected(line, 3, f"{band} (bands: {', '.join(map(str, QBAND_BANDS))})", "band")
        bands.append(band)
    if len(set(bands)) != len(bands):
        return Rejected(line, 3, "a band is listed twice", "band")
    return Checked(line, command.name, Form.SET, command, {"band_number": count, "bands": tuple(bands)})


_CHECKERS = {
    "+CMEE": _check_cmee,
    "+QBAND": _check_qband,
    "+QLACONFIG": _check_config,
    "+QLACFG": _check_cfg,
    "+QLAUPDATE": _check_update,
    "+QLAADDOBJ": _check_addobj,
    "+QLADELOBJ": _check_delobj,
    "+QLARDRSP": _check_response,
    "+QLAOBSRSP": _check_response,
}
