"""Line → typed event; whatever the module prints, the console gets an event and never an exception."""

from __future__ import annotations

import pytest

from qlaterm.at.framing import Line
from qlaterm.at.parse import Broken, Echo, Final, Info, Text, Urc, parse_line


@pytest.mark.parametrize(
    ("line", "event"),
    [
        ("OK", Final("OK", None, "OK")),
        ("ERROR", Final("ERROR", None, "ERROR")),
        ("+CME ERROR: 3", Final("CME", 3, "+CME ERROR: 3")),
        ("+CMEE ERROR: 3", Final("CME", 3, "+CMEE ERROR: 3")),
        ("+CMEE ERROR: 34", Final("CME", 34, "+CMEE ERROR: 34")),
        ("+CME ERROR: operation not allowed", Final("CME", None, "+CME ERROR: operation not allowed")),
        ("  OK  ", Final("OK", None, "OK")),
    ],
)
def test_final_result_codes(line: str, event: Final) -> None:
    assert parse_line(line) == event


def test_both_error_spellings_are_the_same_final() -> None:
    cme, cmee = parse_line("+CME ERROR: 13"), parse_line("+CMEE ERROR: 13")
    assert isinstance(cme, Final) and isinstance(cmee, Final)
    assert (cme.result, cme.code, cme.ok) == (cmee.result, cmee.code, cmee.ok) == ("CME", 13, False)


@pytest.mark.parametrize("detail", ["²", "３", "٣", "99999999999999999999"])
def test_odd_error_details_give_no_code_and_no_defect(detail: str) -> None:
    assert parse_line(f"+CME ERROR: {detail}") == Final("CME", None, f"+CME ERROR: {detail}")


def test_info_fields_are_typed_numbers_and_strings() -> None:
    line = '+QLACONFIG: 0,"127.0.0.1",5683,"ep",300,3,0'
    assert parse_line(line) == Info("+QLACONFIG", (0, "127.0.0.1", 5683, "ep", 300, 3, 0), line)
    # A quoted number stays a string: it was printed as a string.
    assert parse_line('+QLACFG: "cfg_res",3,0,17,"500677"').fields == ("cfg_res", 3, 0, 17, "500677")
    assert parse_line("+QLAUPDATE: 0,59797").fields == (0, 59797)


def test_info_with_unterminated_quote_keeps_the_raw_fields() -> None:
    assert parse_line('+QLACFG: "cfg_res,3') == Info("+QLACFG", ('"cfg_res,3',), '+QLACFG: "cfg_res,3')


@pytest.mark.parametrize("line", ["AT+QLAREG", "at+qlacfg?", "ATE0"])
def test_echo(line: str) -> None:
    assert parse_line(line) == Echo(line)


@pytest.mark.parametrize("line", ["RDY", "Quectel", "BC26", "Leaving the BROM", "F1: 0000 0000", "866971031275899"])
def test_other_lines_are_text(line: str) -> None:
    assert parse_line(line) == Text(line)


@pytest.mark.parametrize(
    ("line", "kind", "args"),
    [
        ('+QLAURC: "ping",0', "ping", {"status_code": 0}),
        ('+QLAURC: "buffer"', "buffer", {}),
        ('+QLAURC: "read",1,19,-1,-1', "read", {"messageID": 1, "objectID": 19, "instanceID": -1, "resourceID": -1}),
        ('+QLAURC: "read",1,19,0,0,"pmin=10"', "read",
         {"messageID": 1, "objectID": 19, "instanceID": 0, "resourceID": 0, "uri_query": "pmin=10"}),
        ('+QLAURC: "execute",0,3,0,4', "execute", {"messageID": 0, "objectID": 3, "instanceID": 0, "resourceID": 4}),
        ('+QLAURC: "observe",45419,1,19,0,0', "observe",
         {"messageID": 45419, "flag": 1, "objectID": 19, "instanceID": 0, "resourceID": 0}),
        ('+QLAURC: "bs_finished"', "bs_finished", {}),
        ('+QLAURC: "report",34218', "report", {"messageID": 34218}),
        ('+QLAURC: "report_ack",1,34218', "report_ack", {"status_code": 1, "messageID": 34218}),
        ('+QLAURC: "send_ack",9,5005', "send_ack", {"status_code": 9, "messageID": 5005}),
        ('+QLAURC: "lifetime_changed",86400', "lifetime_changed", {"lifetime": 86400}),
        ('+QLAURC: "binding_changed",UQ', "binding_changed", {"binding_mode": "UQ"}),
        ('+QLAURC: "recovered",3', "recovered", {"status_code": 3}),
        ('+QLAURC: "lw_event",0,9,4321', "lw_event", {"event_type": 0, "parameter1": 9, "messageID": 4321}),
        ('+QLAURC: "fota_end",0', "fota_end", {"result": 0}),
        ('+QLAURC: "write",5,19,0,1,3,3,-12,0', "write",
         {"messageID": 5, "objectID": 19, "instanceID": 0, "resourceID": 1, "value_type": 3, "len": 3,
          "value": -12, "index": 0}),
        ('+QLAURC: "write",5,19,0,1,1,6,"a\",\"b,",1', "write",
         {"messageID": 5, "objectID": 19, "instanceID": 0, "resourceID": 1, "value_type": 1, "len": 6,
          "value": 'a","b,', "index": 1}),
    ],
)
def test_urcs_are_typed(line: str, kind: str, args: dict[str, object]) -> None:
    assert parse_line(line) == Urc(kind, args, line)


def test_urc_message_id() -> None:
    assert parse_line('+QLAURC: "report_ack",0,8563').mid == 8563  # type: ignore[union-attr]
    assert parse_line('+QLAURC: "ping",0').mid is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "line",
    [
        '+QLAURC: "nonsense",1',
        '+QLAURC: "ping"',
        '+QLAURC: "ping",0,1',
        '+QLAURC: "ping",x',
        '+QLAURC: "read",1,19,0',
        '+QLAURC: "write",1,19,0,0,2,3,"ABC",0',
        '+QLAURC: "write",1,19,0,0,1,9,"abc",0',
        '+QLAURC: "write",1,19,0,0,7,1,"a",0',
        '+QLAURC: "write",1,19,0,0,1,3,"abc',
        '+QLAURC: "write",1,19,0,0,3,20,"99999999999999999999",0',
        '+QLAURC: "ping",' + "7" * 5000,
    ],
)
def test_malformed_urcs_are_broken_with_a_reason(line: str) -> None:
    event = parse_line(line)
    assert isinstance(event, Broken), event
    assert event.text == line
    assert event.reason and not event.reason.startswith("unreadable")


def test_lines_from_the_framer_and_raw_bytes() -> None:
    assert parse_line(Line("OK", b"OK")) == Final("OK", None, "OK")
    assert parse_line(b"+QLAREG: 0") == Info("+QLAREG", (0,), "+QLAREG: 0")
    assert isinstance(parse_line(b"+QLAREG: \xfe"), Broken)
    assert isinstance(parse_line(Line("x", b"x", overflow=True)), Broken)


def test_parse_drained_entries_of_the_urc_buffer() -> None:
    from qlaterm.at.parse import Broken, Urc, parse_drained

    remaining, event = parse_drained('+QLARD: 3,"observe",36581,0,9,0,0')
    assert remaining == 3 and isinstance(event, Urc)
    assert event.kind == "observe" and event.args["messageID"] == 36581 and event.args["objectID"] == 9
    assert parse_drained("+QLARD: 0") == (0, None)
    remaining, event = parse_drained('+QLARD: 1,"write",8096,19,1,0,1,20,"{"outletStatus":"1"}",0')
    assert isinstance(event, Urc) and event.args["value"] == '{"outletStatus":"1"}'
    assert isinstance(parse_drained("+QLARD: x")[1], Broken)
    assert isinstance(parse_drained('+QLARD: 2,"nosuch",1')[1], Broken)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('+QLAURC: "read",-1,19,0,0', "messageID"),
        ('+QLAURC: "read",65536,19,0,0', "messageID"),
        ('+QLAURC: "read",1,19,-2,0', "instanceID"),
        ('+QLAURC: "observe",1,2,19,0,0', "flag"),
        ('+QLAURC: "execute",1,19,0,70000', "resourceID"),
        ('+QLAURC: "write",1,-19,0,0,1,3,"abc",0', "objectID"),
        ('+QLAURC: "write",1,19,0,0,1,3,"abc",-1', "index"),
        ('+QLAURC: "report",99999999999', "messageID"),
    ],
)
def test_urc_fields_out_of_the_catalogue_range_make_the_line_broken(line: str, field: str) -> None:
    event = parse_line(line)
    assert isinstance(event, Broken), event
    assert event.text == line
    assert event.reason.startswith(f"out of range: <{field}>")


def test_urc_fields_at_the_edges_of_their_range_are_read() -> None:
    assert parse_line('+QLAURC: "read",65535,19,-1,-1').args == {  # type: ignore[union-attr]  # a Urc
        "messageID": 65535, "objectID": 19, "instanceID": -1, "resourceID": -1,
    }
    assert isinstance(parse_line('+QLAURC: "observe",0,1,19,0,0'), Urc)
