"""The vendor application note's example transcripts (chapters 3 and 5), line by line.

Every command line an integrator copies out of the manual must be accepted, and every line the module prints
there must parse into the event the console expects.  The PDF extraction wraps the long AndLink hex lines;
they are joined here, and the manual's ``//`` comments are removed.  The transcripts are kept as data so that
other tests (the simulator's replay) can import them.
"""

from __future__ import annotations

import pytest

from qlaterm.at.check import Checked, check_line
from qlaterm.at.framing import LineFramer
from qlaterm.at.parse import Echo, Final, Info, Text, Urc, parse_line

BOOT_BANNER = """\
F1: 0000 0000
V0: 0000 0000 [0001]
00: 0006 000C
01: 0000 0000
U0: 0000 0001 [0000]
T0: 0000 00B4
Leaving the BROM
RDY
+CFUN: 1
+CPIN: READY
+IP: 100.64.250.187"""

_ANDLINK_READ_HEX = (
    "7b226f75746c6574537461747573223a2231222c2273657454696"
    "d65223a2231222c226669726d77617265223a22312e30222c22736f667456657273696f6e223a22312e3"
    "0227d"
)
_ANDLINK_SEND_HEX = (
    "5b7b226e223a222f31392f312f30222c227673223a227b5c226f75746c657"
    "45374617475735c223a5c22305c222c5c2273657454696d655c223a5c22315c222c5c226669726d7761"
    "72655c223a5c22312e305c222c5c22736f667456657273696f6e5c223a5c22312e305c227d227d5d"
)

CHAPTER3 = """\
AT+QLACFG="access_mode",0
OK
AT+QLACFG="retransmit",2,4
OK
AT+QLACFG="platform",1
OK
AT+QLACFG="cfg_res",3,0,17,500677
OK
AT+QLACFG="auto_ack",1
OK
AT+QLACFG="lifetime_enable",1
OK
AT+QLAREG
OK
+QLAREG: 0
AT+QLAUPDATE=0,1000
+QLAUPDATE: 59797
OK
+QLAUPDATE: 0,59797
AT+QLADEREG
OK
+QLADEREG: 0
AT+QLAADDOBJ=19,1,1,"0"
OK
+QLAADDOBJ: 0
AT+QLAADDOBJ=19,0,4,"0","1","2","3"
OK
+QLAADDOBJ: 0
AT+QLAADDOBJ?
+QLAADDOBJ: 19,1,1,0
+QLAADDOBJ: 19,0,4,0,1,2,3
OK
AT+QLADELOBJ=17
OK
+QLADELOBJ: 0
+QLAURC: "read",62953,19,0,0
AT+QLARDRSP=62953,1,19,0,0,1,5,abcde,0
OK
+QLARDRSP: 0
+QLAURC: "write",36560,19,0,0,2,7,"5155454354454C",0
AT+QLAWRRSP=36560,2
OK
+QLAWRRSP: 0
+QLAURC: "execute",39040,15,0,5
AT+QLAEXERSP=39040,2
OK
+QLAEXERSP: 0
+QLAURC: "observe",624,0,9,0,0
AT+QLAOBSRSP=624,1,9,0,0,1,5,"abcde",0
OK
+QLAOBSRSP: 0
AT+QLARD?
+QLARD: 4
OK
AT+QLARD
+QLARD: 3,"observe",36581,0,9,0,0
OK
F1: 0000 0000
V0: 0000 0000 [0001]
O0: 0000 0000
U0: 0000 0001 [0000]
T0: 0000 001E
Leaving the BROM
+CPIN: READY
AT+QLASTATUS?
+QLASTATUS: 7
OK
AT+QLARECOVER
OK
+QLAURC: "recovered",0"""

ANDLINK = f"""\
{BOOT_BANNER}
AT+QLACFG="platform",2
OK
AT+QLACFG="cfg_res",3,0,17,500677
OK
AT+QLAADDOBJ=19,1,1,0
OK
AT+QLACONFIG=1,"lwm.home.komect.com",5683,"866971031275899",30,3
OK
AT+QLAREG
OK
+QLAURC: "binding_changed",U
+QLAURC: "bs_finished"
+QLAREG: 0
+QLAURC: "read",8095,19,1,0
AT+QLARDRSP=8095,1,19,1,0,2,71,{_ANDLINK_READ_HEX},0
OK
+QLARDRSP: 0
+QLAURC: "write",8096,19,1,0,1,20,"{{"outletStatus":"1"}}",0,16a32b9e4a0d59a3
AT+QLAWRRSP=8096,2
OK
+QLAWRRSP: 0
AT+QLASENDDATA=2,112,{_ANDLINK_SEND_HEX},0
OK
+QLASENDDATA: 0,5004
AT+QLASENDDATA=2,112,{_ANDLINK_SEND_HEX},1
OK
+QLASENDDATA: 0,5005
+QLAURC: "send_ack",0,5005
AT+QLAUPDATE=0,100
+QLAUPDATE: 8601
OK
+QLAUPDATE: 0,8601
AT+QLADEREG
OK
+QLADEREG: 0"""


def _observe_platform(config: str, platform: int, observe_mid: int, report_mid: int, update_mid: int) -> str:
    """AEP and Telit examples share one shape: observe /19/0/0, answer, notify NON then CON."""
    return f"""\
{BOOT_BANNER}
AT+QLACFG="platform",{platform}
OK
{config}
OK
AT+QLAADDOBJ=19,0,1,"0"
OK
AT+QLAREG
OK
+QLAREG: 0
+QLAURC: "observe",{observe_mid},0,19,0,0
AT+QLAOBSRSP={observe_mid},1,19,0,0,2,9,"020001000400023238",0
OK
+QLAOBSRSP: 0
AT+QLANOTIFY=19,0,0,2,9,"020001000400023438",0,0
OK
+QLANOTIFY: 0
AT+QLANOTIFY=19,0,0,2,9,"020001000400023438",0,1
OK
+QLAURC: "report",{report_mid}
+QLANOTIFY: 0
+QLAURC: "report_ack",0,{report_mid}
AT+QLAUPDATE=0,100
+QLAUPDATE: {update_mid}
OK
+QLAUPDATE: 0,{update_mid}
AT+QLADEREG
OK
+QLADEREG: 0"""


AEP_CONFIG = 'AT+QLACONFIG=0,"221.229.214.202,5683","urn:imei-imsi:866971030603068-460111174747875",300,3'
"""The AEP example as printed: host and port in one string.  The SPEC makes this an error (see test_at_check)."""

AEP = _observe_platform(
    'AT+QLACONFIG=0,"221.229.214.202",5683,"urn:imei-imsi:866971030603068-460111174747875",300,3', 1, 45419, 34218, 8601
)
TELIT = _observe_platform('AT+QLACONFIG=0,device1-api.10646.cn,5683,"867726030187399",300,3', 0, 23618, 8563, 41760)

TRANSCRIPTS = {"chapter3": CHAPTER3, "andlink": ANDLINK, "aep": AEP, "telit": TELIT}


def _lines(name: str) -> list[str]:
    return TRANSCRIPTS[name].splitlines()


def _commands() -> list[str]:
    return [line for name in TRANSCRIPTS for line in _lines(name) if line.upper().startswith("AT")]


def _module_lines() -> list[str]:
    return [line for name in TRANSCRIPTS for line in _lines(name) if not line.upper().startswith("AT")]


@pytest.mark.parametrize("line", sorted(set(_commands())))
def test_every_command_line_of_the_manual_is_accepted(line: str) -> None:
    checked = check_line(line)
    assert isinstance(checked, Checked), checked


@pytest.mark.parametrize("line", sorted({line for line in _module_lines() if line.startswith("+QLAURC:")}))
def test_every_urc_of_the_manual_parses_typed(line: str) -> None:
    event = parse_line(line)
    assert isinstance(event, Urc), event
    assert event.spec is not None
    names = [p.name for p in event.spec.params]
    assert set(event.args) <= set(names)


@pytest.mark.parametrize("name", sorted(TRANSCRIPTS))
def test_transcript_lines_have_the_expected_event_kinds(name: str) -> None:
    for line in _lines(name):
        event = parse_line(line)
        if line.upper().startswith("AT"):
            assert event == Echo(line)
        elif line in ("OK", "ERROR"):
            assert isinstance(event, Final)
        elif line.startswith("+QLAURC:"):
            assert isinstance(event, Urc)
        elif line.startswith("+"):
            assert isinstance(event, Info), line
        else:
            assert isinstance(event, Text), line


@pytest.mark.parametrize("name", sorted(TRANSCRIPTS))
def test_transcript_on_the_wire_frames_back_into_its_lines(name: str) -> None:
    """As a terminal sees it: echo ``AT…\\r``, responses ``\\r\\n<text>\\r\\n``, fed a few bytes at a time."""
    wire = bytearray()
    for line in _lines(name):
        if line.upper().startswith("AT"):
            wire += line.encode() + b"\r"
        else:
            wire += b"\r\n" + line.encode() + b"\r\n"
    framer = LineFramer()
    got = []
    for start in range(0, len(wire), 7):
        got.extend(framer.feed(bytes(wire[start : start + 7])))
    assert [line.text for line in got] == _lines(name)
    assert not any(line.bad or line.overflow for line in got)


def test_andlink_write_urc_keeps_the_json_value_and_the_token() -> None:
    event = parse_line('+QLAURC: "write",8096,19,1,0,1,20,"{"outletStatus":"1"}",0,16a32b9e4a0d59a3')
    assert event == Urc(
        "write",
        {
            "messageID": 8096,
            "objectID": 19,
            "instanceID": 1,
            "resourceID": 0,
            "value_type": 1,
            "len": 20,
            "value": '{"outletStatus":"1"}',
            "index": 0,
            "token": "16a32b9e4a0d59a3",
        },
        '+QLAURC: "write",8096,19,1,0,1,20,"{"outletStatus":"1"}",0,16a32b9e4a0d59a3',
    )
    assert event.mid == 8096


def test_andlink_hex_lines_decode_to_their_json() -> None:
    read = check_line(f"AT+QLARDRSP=8095,1,19,1,0,2,71,{_ANDLINK_READ_HEX},0")
    assert isinstance(read, Checked)
    assert read.args["value"] == b'{"outletStatus":"1","setTime":"1","firmware":"1.0","softVersion":"1.0"}'
    send = check_line(f"AT+QLASENDDATA=2,112,{_ANDLINK_SEND_HEX},1")
    assert isinstance(send, Checked)
    assert send.args["value"].startswith(b'[{"n":"/19/1/0","vs":"{\\"outletStatus')
    assert send.args["ack"] == 1


def test_write_urc_of_chapter3_gives_bytes() -> None:
    event = parse_line('+QLAURC: "write",36560,19,0,0,2,7,"5155454354454C",0')
    assert isinstance(event, Urc)
    assert event.args["value"] == b"QUECTEL"
    assert "token" not in event.args


def test_telit_bare_server_name_equals_quoted() -> None:
    bare = check_line('AT+QLACONFIG=0,device1-api.10646.cn,5683,"867726030187399",300,3')
    quoted = check_line('AT+QLACONFIG=0,"device1-api.10646.cn",5683,"867726030187399",300,3')
    assert isinstance(bare, Checked) and isinstance(quoted, Checked)
    assert bare.args == quoted.args
    assert bare.args == {
        "bs_flag": 0,
        "server": "device1-api.10646.cn",
        "port": 5683,
        "endpoint_name": "867726030187399",
        "lifetime": 300,
        "security_mode": 3,
        "binding_mode": 0,
    }


def test_quoted_and_bare_resource_ids_are_equal() -> None:
    quoted = check_line('AT+QLAADDOBJ=19,0,4,"0","1","2","3"')
    bare = check_line("AT+QLAADDOBJ=19,0,4,0,1,2,3")
    assert isinstance(quoted, Checked) and isinstance(bare, Checked)
    assert quoted.args == bare.args
    assert quoted.args["resources"] == (0, 1, 2, 3)


def test_qlard_line_keeps_the_buffered_urc_fields() -> None:
    assert parse_line('+QLARD: 3,"observe",36581,0,9,0,0') == Info(
        "+QLARD", (3, "observe", 36581, 0, 9, 0, 0), '+QLARD: 3,"observe",36581,0,9,0,0'
    )
