"""Property tests (hypothesis) for the AT core: the reliability bar of DESIGN.md.

* any bytes, split anywhere, give the same lines and events as unsplit;
* parse_line and check_line never raise, and never fall into their defect path;
* split_params gives back the tokens the builder wrote;
* every value type round trips through encode_value / decode_value;
* every builder line is accepted by check_line with the same typed arguments.
"""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qlaterm.at import build
from qlaterm.at.catalogue import BUILTIN_OBJECTS, COMMANDS, CONFIG_SETTINGS, URCS
from qlaterm.at.check import Checked, Rejected, check_line
from qlaterm.at.framing import Line, LineFramer
from qlaterm.at.params import split_params
from qlaterm.at.parse import Broken, Event, parse_line
from qlaterm.at.values import (
    INT_MAX,
    INT_MIN,
    MAX_OPAQUE_BYTES,
    MAX_STRING_BYTES,
    AtValue,
    InvalidValue,
    ValueType,
    decode_value,
    encode_value,
)
from qlaterm.at.wire import wire_length

settings.register_profile("at", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("at-long", parent=settings.get_profile("at"), max_examples=5000)
settings.load_profile(os.environ.get("QLATERM_HYPOTHESIS_PROFILE", "at"))

# --- strategies --------------------------------------------------------------------------------------------

_PIECES = [
    b"\r", b"\n", b"\r\n", b"OK", b"ERROR", b"+CME ERROR: 3", b"+CMEE ERROR: ", b"+QLAURC: ", b'"write"', b'"read"',
    b'"observe"', b"+QLAREG: 0", b"AT+QLAREG", b",", b'"', b"19", b"-1", b"2", b"7", b"5155454354454C", b"\xff",
    b"\xe6\x9c\x8d", b"\x00", b"\t", b" ", b"RDY", b"+QLARD: 3,", b"AT",
]
wire_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=4)), max_size=60).map(b"".join),
)

_URC_KINDS = sorted(URCS)
_COMMAND_NAMES = sorted(COMMANDS)
_FIELD = st.one_of(
    st.integers(-3, 70000).map(str),
    st.sampled_from(["", '"', '""', '","', "abc", "5155454354454C", "ABC", '{"a":"1"}', " ", "-1", "1.5", "U"]),
    st.text(max_size=6),
    st.sampled_from(["²", "٣٣", "３", "1.5e999", "-0"]),
    st.integers(4290, 4400).map(lambda n: "7" * n),  # beyond what int() converts
)


@st.composite
def urc_like(draw: st.DrawFn) -> str:
    """Lines that look like notifications, so the typed path is exercised and not just Text."""
    kind = draw(st.sampled_from([*_URC_KINDS, "nope"]))
    quote = draw(st.booleans())
    fields = draw(st.lists(_FIELD, max_size=11))
    head = f'+QLAURC: "{kind}"' if quote else f"+QLAURC: {kind}"
    return ",".join([head, *fields])


@st.composite
def command_like(draw: st.DrawFn) -> str:
    """Lines that look like QLA commands in every form, with plausible and implausible parameters."""
    name = draw(st.sampled_from([*_COMMAND_NAMES, "+CMEE", "+QLA", ""]))
    case = draw(st.sampled_from(["AT", "at", "At"]))
    form = draw(st.sampled_from(["", "?", "=?", "=", "=?x"]))
    fields = draw(st.lists(_FIELD, max_size=12)) if form == "=" else []
    return f"{case}{name}{form}" + ",".join(fields)


final_like = st.builds(lambda head, detail: head + detail,
                       st.sampled_from(["+CME ERROR: ", "+CMEE ERROR:", "+cme error: "]), _FIELD)
info_like = st.builds(lambda name, fields: f"+{name}: " + ",".join(fields), st.sampled_from(["QLAREG", "QLARD", "X"]),
                      st.lists(_FIELD, max_size=5))
any_text = st.one_of(st.text(max_size=200), urc_like(), command_like(), final_like, info_like)


def _frame(chunks: list[bytes], max_line: int) -> list[Line]:
    framer = LineFramer(max_line)
    lines: list[Line] = []
    for chunk in chunks:
        lines.extend(framer.feed(chunk))
    last = framer.flush()
    if last is not None:
        lines.append(last)
    return lines


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return pieces


def _not_a_defect(event: Event) -> None:
    assert not (isinstance(event, Broken) and event.reason.startswith("unreadable")), event


# --- framing and parsing -----------------------------------------------------------------------------------

@given(wire_bytes, st.lists(st.integers(0, 400), max_size=20), st.sampled_from([4096, 16, 1]))
def test_any_bytes_split_anywhere_give_the_same_lines_and_events(data: bytes, cuts: list[int], max_line: int) -> None:
    whole = _frame([data], max_line)
    split = _frame(_split(data, cuts), max_line)
    assert split == whole
    assert [parse_line(line) for line in split] == [parse_line(line) for line in whole]


@given(wire_bytes)
def test_byte_at_a_time_equals_unsplit(data: bytes) -> None:
    assert _frame([data[i : i + 1] for i in range(len(data))], 4096) == _frame([data], 4096)


@given(wire_bytes, st.sampled_from([4096, 16, 1]))
def test_lines_hold_no_terminators_and_respect_the_limit(data: bytes, max_line: int) -> None:
    for line in _frame([data], max_line):
        assert b"\r" not in line.raw and b"\n" not in line.raw
        assert 0 < len(line.raw) <= max_line or line.overflow
        assert len(line.raw) <= max_line


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), min_size=1,
                        max_size=40), max_size=10),
       st.sampled_from([b"\r", b"\n", b"\r\n"]))
def test_text_lines_survive_any_terminator(texts: list[str], terminator: bytes) -> None:
    data = b"".join(t.encode() + terminator for t in texts)
    assert [line.raw for line in _frame([data], 4096)] == [t.encode() for t in texts]


@given(any_text)
def test_parse_line_never_raises_on_text(text: str) -> None:
    event = parse_line(text)
    _not_a_defect(event)


@given(st.binary(max_size=200))
def test_parse_line_never_raises_on_bytes(data: bytes) -> None:
    _not_a_defect(parse_line(data))


@given(any_text)
def test_check_line_never_raises(text: str) -> None:
    verdict = check_line(text)
    assert isinstance(verdict, Checked | Rejected)
    if isinstance(verdict, Rejected):
        assert verdict.code in (None, 1, 2, 3, 13), verdict
        assert not verdict.message.startswith("internal error"), verdict
        assert verdict.message


# --- split_params round trip -------------------------------------------------------------------------------

# Strings the builder can put in a plain (unsized) parameter: anything without the '",' that would end it early.
_QUOTE_COMMA = re.compile(r'"[ \t]*,')
plain_strings = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                        max_size=30).filter(lambda s: not _QUOTE_COMMA.search(s))
plain_args = st.lists(st.one_of(st.integers(-(10**9), 10**9), plain_strings), max_size=12)


@given(plain_args)
def test_split_params_round_trips_builder_tokens(args: list[int | str]) -> None:
    line = build.command("+X", *args)
    tail = line[len("AT+X=") :] if args else ""
    tokens = split_params(tail)
    assert [t.text for t in tokens] == [str(a) for a in args]
    assert [t.quoted for t in tokens] == [isinstance(a, str) for a in args]


any_string = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                     max_size=60)


@given(plain_args, any_string, plain_args)
def test_split_params_reads_a_sized_string_value_by_its_length(before: list[int | str], text: str,
                                                              after: list[int | str]) -> None:
    """A string value may hold '",' — its <len> (in UTF-8 bytes) says where it ends."""
    value = AtValue.of(1, text)
    line = build.command("+X", *before, value, *after)
    tokens = split_params(line[len("AT+X=") :], len(before) + 2)
    assert [t.text for t in tokens] == [*map(str, before), "1", str(len(text.encode())), text, *map(str, after)]


# --- values ------------------------------------------------------------------------------------------------

strings = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=MAX_STRING_BYTES).filter(
    lambda s: wire_length(s) <= MAX_STRING_BYTES
)
opaques = st.binary(max_size=MAX_OPAQUE_BYTES)
integers = st.integers(INT_MIN, INT_MAX)
floats = st.floats(allow_nan=False, allow_infinity=False)
booleans = st.booleans()
_BY_TYPE: dict[ValueType, st.SearchStrategy[Any]] = {
    ValueType.STRING: strings,
    ValueType.OPAQUE: opaques,
    ValueType.INTEGER: integers,
    ValueType.FLOAT: floats,
    ValueType.BOOLEAN: booleans,
}
typed_values = st.sampled_from(list(ValueType)).flatmap(lambda vt: st.tuples(st.just(vt), _BY_TYPE[vt]))
# What a line can carry: a string value without CR or LF (the builder refuses those).
line_strings = strings.filter(lambda s: "\r" not in s and "\n" not in s)
line_values = typed_values.filter(lambda t: t[0] is not ValueType.STRING or ("\r" not in t[1] and "\n" not in t[1]))


@given(typed_values)
def test_every_value_type_round_trips(typed: tuple[ValueType, Any]) -> None:
    vt, value = typed
    length, text = encode_value(vt, value)
    back = decode_value(vt, length, text)
    assert back == value
    assert type(back) is type(value)
    assert AtValue.of(vt, value).decoded() == value


@given(opaques)
def test_opaque_len_counts_bytes_and_hex_input_equals_bytes(raw: bytes) -> None:
    length, text = encode_value(2, raw)
    assert length == len(raw) and len(text) == 2 * len(raw)
    assert encode_value(2, raw.hex()) == (length, text)
    assert decode_value(2, length, text.lower()) == raw


@given(st.integers(), st.integers(0, 6000), st.one_of(st.text(max_size=40), st.from_regex(r"-?[0-9]{1,6000}(\.[0-9]+)?",
                                                                         fullmatch=True)))
def test_decode_value_only_raises_invalid_value(value_type: int, length: int, text: str) -> None:
    try:
        decode_value(value_type, length, text)
    except InvalidValue as exc:
        assert exc.code in (3, 13)


# --- builder lines are accepted with the same typed arguments ----------------------------------------------

u16 = st.integers(0, 65535)
custom_objects = u16.filter(lambda o: o not in BUILTIN_OBJECTS)
field_strings = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).filter(
    lambda s: not _QUOTE_COMMA.search(s)
)
hosts = st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,40}[a-z0-9])?", fullmatch=True)


def _wire_value(vt: ValueType, value: Any) -> tuple[AtValue, Any]:
    data = AtValue.of(vt, value)
    return data, data.decoded()


def _checked(line: str) -> dict[str, Any]:
    verdict = check_line(line)
    assert isinstance(verdict, Checked), (line, verdict)
    return verdict.args


@given(u16, st.sampled_from([1, 11, 12, 13, 14, 15]), u16, u16, u16, line_values, u16, st.booleans())
def test_read_and_observe_responses_check_back(mid: int, result: int, obj: int, inst: int, res: int,
                                               typed: tuple[ValueType, Any], index: int, observe: bool) -> None:
    vt, value = typed
    data, decoded = _wire_value(vt, value)
    maker = build.observe_response if observe else build.read_response
    args = _checked(maker(mid, result, obj, inst, res, data, index))
    if result != 1 and data.text == "":
        decoded = None  # an error answer with an empty value carries no value
    assert args == {"messageID": mid, "result": result, "objectID": obj, "instanceID": inst, "resourceID": res,
                    "value_type": int(vt), "len": data.length, "value": decoded, "index": index}


@given(u16, st.sampled_from([11, 12, 13, 14, 15]), u16, u16, u16)
def test_error_response_without_a_value_checks_back(mid: int, result: int, obj: int, inst: int, res: int) -> None:
    args = _checked(build.read_response(mid, result, obj, inst, res, None))
    assert args["value"] is None and args["len"] == 0 and args["result"] == result


@given(u16, st.sampled_from([2, 11, 12, 13, 14]), st.booleans())
def test_write_and_execute_responses_check_back(mid: int, result: int, execute: bool) -> None:
    maker = build.execute_response if execute else build.write_response
    assert _checked(maker(mid, result)) == {"messageID": mid, "result": result}


@given(u16, u16, u16, line_values, u16, st.sampled_from([None, False, True]))
def test_notify_checks_back(obj: int, inst: int, res: int, typed: tuple[ValueType, Any], index: int,
                            con: bool | None) -> None:
    data, decoded = _wire_value(*typed)
    args = _checked(build.notify(obj, inst, res, data, index, con))
    expected = {"objectID": obj, "instanceID": inst, "resourceID": res, "value_type": int(data.type),
                "len": data.length, "value": decoded, "index": index}
    if con is not None:
        expected["ack"] = int(con)
    assert args == expected


@given(st.one_of(st.tuples(st.just(ValueType.STRING), line_strings), st.tuples(st.just(ValueType.OPAQUE), opaques)),
       st.sampled_from([None, False, True]))
def test_send_data_checks_back(typed: tuple[ValueType, Any], con: bool | None) -> None:
    data, decoded = _wire_value(*typed)
    args = _checked(build.send_data(data, con))
    assert args["value"] == decoded and args["len"] == data.length
    assert args.get("ack") == (None if con is None else int(con))


@given(st.sampled_from([0, 1]), st.one_of(hosts, field_strings), st.integers(0, 65535), field_strings,
       st.integers(20, 31536000), st.sampled_from([0, 3]), field_strings,
       st.binary(max_size=128).map(bytes.hex), st.sampled_from([None, 0, 1]))
def test_config_checks_back(bs_flag: int, server: str, port: int, endpoint: str, lifetime: int, security: int,
                            psk_id: str, psk: str, binding: int | None) -> None:
    assume(len(server.encode()) <= 150 and len(endpoint.encode()) <= 150 and len(psk_id.encode()) <= 150)
    assume(not _looks_like_host_port(server))
    args = _checked(build.config(bs_flag, server, port, endpoint, lifetime, security, psk_id, psk, binding))
    expected: dict[str, Any] = {"bs_flag": bs_flag, "server": server, "port": port, "endpoint_name": endpoint,
                                "lifetime": lifetime, "security_mode": security}
    if security == 0:
        expected |= {"PSK_ID": psk_id, "PSK": psk}
    expected["binding_mode"] = binding or 0
    assert args == expected


def _looks_like_host_port(server: str) -> bool:
    return re.fullmatch(r"[^,\s]+,\s*\d{1,5}", server) is not None


_SETTING_VALUES: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "retransmit": st.tuples(st.integers(2, 20), st.integers(0, 8)),
    "auto_ack": st.tuples(st.sampled_from([0, 1])),
    "access_mode": st.tuples(st.sampled_from([0, 1])),
    "platform": st.tuples(st.sampled_from([0, 1, 2])),
    "cfg_res": st.tuples(field_strings.filter(lambda s: len(s.encode()) <= 64)),
    "recovery_mode": st.tuples(st.sampled_from([0, 1])),
    "lifetime_enable": st.tuples(st.sampled_from([0, 1])),
    "dtls_mode": st.tuples(st.sampled_from([0, 1])),
    "dtls_version": st.tuples(st.sampled_from([0, 1, 2])),
}


@given(st.sampled_from(list(CONFIG_SETTINGS)).flatmap(lambda n: st.tuples(st.just(n), _SETTING_VALUES[n])))
def test_config_setting_checks_back(named: tuple[str, tuple[Any, ...]]) -> None:
    name, values = named
    assert _checked(build.config_setting(name, *values)) == {"name": name, "values": values}
    assert _checked(build.config_setting(name)) == {"name": name, "values": None}


@given(st.integers(20, 31536000), st.sampled_from([0, 1]))
def test_updates_check_back(lifetime: int, binding: int) -> None:
    assert _checked(build.update_lifetime(lifetime)) == {"mode": 0, "value": lifetime}
    assert _checked(build.update_binding(binding)) == {"mode": 1, "value": binding}


@given(custom_objects, u16, st.lists(u16, min_size=1, max_size=14, unique=True))
def test_objects_check_back(obj: int, inst: int, resources: list[int]) -> None:
    assert _checked(build.add_object(obj, inst, resources)) == {
        "objectID": obj, "instanceID": inst, "resource_number": len(resources), "resources": tuple(resources)
    }
    assert _checked(build.delete_object(obj)) == {"objectID": obj}
