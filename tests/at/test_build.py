"""Typed requests → command lines: exactly the lines the manual shows, and nothing the module would misread."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qlaterm.at import build
from qlaterm.at.values import AtValue, InvalidValue


def test_lines_of_the_manual() -> None:
    assert build.write_response(36560, 2) == "AT+QLAWRRSP=36560,2"
    assert build.execute_response(39040, 2) == "AT+QLAEXERSP=39040,2"
    assert build.observe_response(45419, 1, 19, 0, 0, AtValue.of(2, "020001000400023238")) == (
        "AT+QLAOBSRSP=45419,1,19,0,0,2,9,020001000400023238,0"
    )
    assert build.read_response(62953, 1, 19, 0, 0, AtValue.of(1, "abcde")) == (
        'AT+QLARDRSP=62953,1,19,0,0,1,5,"abcde",0'
    )
    assert build.notify(19, 0, 0, AtValue.of(2, b"\x02\x00\x01\x00\x04\x00\x0248"), 0, False) == (
        "AT+QLANOTIFY=19,0,0,2,9,020001000400023438,0,0"
    )
    assert build.update_lifetime(1000) == "AT+QLAUPDATE=0,1000"
    assert build.update_binding(1) == "AT+QLAUPDATE=1,1"
    assert build.add_object(19, 0, [0, 1, 2, 3]) == "AT+QLAADDOBJ=19,0,4,0,1,2,3"
    assert build.delete_object(17) == "AT+QLADELOBJ=17"
    assert build.config_setting("cfg_res", "500677") == 'AT+QLACFG="cfg_res",3,0,17,"500677"'
    assert build.config_setting("retransmit", 2, 4) == 'AT+QLACFG="retransmit",2,4'
    assert build.config_setting("platform") == 'AT+QLACFG="platform"'
    assert build.command("+QLAREG") == "AT+QLAREG"


def test_config_puts_psk_fields_only_with_security_0() -> None:
    assert build.config(0, "device1-api.10646.cn", 5683, "867726030187399", 300, 3) == (
        'AT+QLACONFIG=0,"device1-api.10646.cn",5683,"867726030187399",300,3'
    )
    assert build.config(0, "h", 5684, "ep", 300, 0, "id", "00AA", 1) == (
        'AT+QLACONFIG=0,"h",5684,"ep",300,0,"id","00AA",1'
    )
    assert build.config(0, "h", 5683, "ep", 300, 3, "id", "00AA") == 'AT+QLACONFIG=0,"h",5683,"ep",300,3'


def test_error_answer_without_value_sends_an_empty_string() -> None:
    assert build.read_response(1, 13, 19, 0, 0, None) == 'AT+QLARDRSP=1,13,19,0,0,1,0,"",0'


def test_send_data_ack_is_left_out_unless_given() -> None:
    assert build.send_data(AtValue.of(1, "hi")) == 'AT+QLASENDDATA=1,2,"hi"'
    assert build.send_data(AtValue.of(1, "hi"), con=True) == 'AT+QLASENDDATA=1,2,"hi",1'


@pytest.mark.parametrize(
    "make",
    [
        lambda: build.config(0, "a\r\nAT+QRST=1", 5683, "ep", 300, 3),
        lambda: build.config(0, "h", 5683, 'e",p', 300, 3),
        lambda: build.send_data(AtValue.of(1, "line\nbreak")),
        lambda: build.config_setting("cfg_res", "x\r"),
    ],
)
def test_what_cannot_travel_on_a_line_is_refused(make: object) -> None:
    with pytest.raises(InvalidValue) as info:
        make()  # type: ignore[operator]
    assert info.value.code == 3


def test_a_sized_string_may_hold_quote_comma() -> None:
    assert build.send_data(AtValue.of(1, 'a",b')) == 'AT+QLASENDDATA=1,4,"a",b"'


@given(
    mid=st.integers(0, 65535),
    obj=st.integers(0, 65535),
    inst=st.integers(-1, 65535),
    res=st.integers(-1, 65535),
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    index=st.integers(0, 9),
)
def test_every_urc_the_builder_writes_parses_back(
    mid: int, obj: int, inst: int, res: int, text: str, index: int
) -> None:
    from qlaterm.at.build import urc
    from qlaterm.at.parse import Urc, parse_line
    from qlaterm.at.values import AtValue, ValueType

    cases = [
        (urc("read", mid, obj, inst, res), {"messageID": mid, "objectID": obj, "instanceID": inst, "resourceID": res}),
        (urc("observe", mid, 1, obj, inst, res), {"flag": 1, "instanceID": inst}),
        (urc("execute", mid, obj, max(inst, 0), max(res, 0)), {"messageID": mid}),
        (urc("report_ack", 9, mid), {"status_code": 9, "messageID": mid}),
        (urc("lw_event", 0, 9, mid), {"messageID": mid}),
        (urc("binding_changed", "UQ"), {"binding_mode": "UQ"}),
        (urc("write", mid, obj, 0, 0, AtValue(ValueType.STRING, len(text.encode()), text), index, "ab12"),
         {"value": text, "index": index, "token": "ab12"}),
    ]
    for line, expected in cases:
        event = parse_line(line)
        assert isinstance(event, Urc), (line, event)
        for name, value in expected.items():
            assert event.args[name] == value, (line, name)
