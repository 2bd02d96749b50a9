"""Every limit of SPEC section 2 gets the ``<err>`` the module answers, decided from the line alone."""

from __future__ import annotations

import pytest

from qlaterm.at.catalogue import BUILTIN_OBJECTS, Form
from qlaterm.at.check import Checked, Rejected, check_line, split_command

_HOST = '0,"h.example",5683,"ep",300'


def _code(line: str) -> int | None:
    verdict = check_line(line)
    assert isinstance(verdict, Rejected), verdict
    return verdict.code


def _ok(line: str) -> Checked:
    verdict = check_line(line)
    assert isinstance(verdict, Checked), verdict
    return verdict


# --- AT+QLACONFIG ------------------------------------------------------------------------------------------

QLACONFIG_LIMITS = [
    # parameter counts
    ('AT+QLACONFIG=0,"h",5683,"ep",300', 2),
    ("AT+QLACONFIG=", 2),
    (f"AT+QLACONFIG={_HOST},3,\"id\",\"00\"", 2),
    (f"AT+QLACONFIG={_HOST},3,\"id\",\"00\",0", 2),
    (f"AT+QLACONFIG={_HOST},0", 2),
    (f"AT+QLACONFIG={_HOST},0,\"id\"", 2),
    (f"AT+QLACONFIG={_HOST},0,\"id\",\"00\",0,1", 2),
    # ranges
    ('AT+QLACONFIG=2,"h",5683,"ep",300,3', 3),
    ('AT+QLACONFIG=0,"h",65536,"ep",300,3', 3),
    ('AT+QLACONFIG=0,"h",-1,"ep",300,3', 3),
    ('AT+QLACONFIG=0,"h",port,"ep",300,3', 3),
    ('AT+QLACONFIG=0,"h",5683,"ep",19,3', 3),
    ('AT+QLACONFIG=0,"h",5683,"ep",31536001,3', 3),
    ('AT+QLACONFIG=0,"h",5683,"ep",300,1', 3),
    ('AT+QLACONFIG=0,"h",5683,"ep",300,3,2', 3),
    (f'AT+QLACONFIG=0,"{"s" * 151}",5683,"ep",300,3', 3),
    (f'AT+QLACONFIG=0,"h",5683,"{"e" * 151}",300,3', 3),
    (f'AT+QLACONFIG={_HOST},0,"{"i" * 151}","00"', 3),
    (f'AT+QLACONFIG={_HOST},0,"id","{"ab" * 129}"', 3),
    (f'AT+QLACONFIG={_HOST},0,"id","XYZ1"', 3),
    # odd hex
    (f'AT+QLACONFIG={_HOST},0,"id","ABC"', 13),
]


@pytest.mark.parametrize(("line", "code"), QLACONFIG_LIMITS)
def test_qlaconfig_limits(line: str, code: int) -> None:
    assert _code(line) == code


@pytest.mark.parametrize(
    "line",
    [
        'AT+QLACONFIG=0,"h",0,"ep",20,3',
        'AT+QLACONFIG=1,"h",65535,"ep",31536000,3,1',
        f'AT+QLACONFIG=0,"{"s" * 150}",5683,"{"e" * 150}",300,3',
        f'AT+QLACONFIG={_HOST},0,"{"i" * 150}","{"ab" * 128}"',
        f'AT+QLACONFIG={_HOST},0,"id","00112233",1',
    ],
)
def test_qlaconfig_edges_accepted(line: str) -> None:
    _ok(line)


def test_qlaconfig_with_psk_types_every_field() -> None:
    assert _ok(f'AT+QLACONFIG={_HOST},0,"id","0A1b",1').args == {
        "bs_flag": 0,
        "server": "h.example",
        "port": 5683,
        "endpoint_name": "ep",
        "lifetime": 300,
        "security_mode": 0,
        "PSK_ID": "id",
        "PSK": "0A1b",
        "binding_mode": 1,
    }


def test_server_length_counts_bytes() -> None:
    # 50 three-byte characters are 150 bytes; 51 are 153.
    _ok(f'AT+QLACONFIG=0,"{"服" * 50}",5683,"ep",300,3')
    assert _code(f'AT+QLACONFIG=0,"{"服" * 51}",5683,"ep",300,3') == 3


def test_aep_host_port_in_one_string_is_a_count_error_with_a_hint() -> None:
    line = 'AT+QLACONFIG=0,"221.229.214.202,5683","urn:imei-imsi:866971030603068-460111174747875",300,3'
    verdict = check_line(line)
    assert isinstance(verdict, Rejected)
    assert verdict.code == 2
    assert verdict.hint is not None
    assert '"221.229.214.202",5683' in verdict.hint
    # The suggestion, applied, is accepted.
    fixed = line.replace('"221.229.214.202,5683"', '"221.229.214.202",5683')
    assert _ok(fixed).args["port"] == 5683


def test_host_port_in_one_string_with_the_right_count_still_gets_the_hint() -> None:
    verdict = check_line('AT+QLACONFIG=0,"10.0.0.1,5683",5683,"ep",300,3')
    assert isinstance(verdict, Rejected)
    assert verdict.code == 3
    assert verdict.hint and '"10.0.0.1",5683' in verdict.hint


# --- AT+QLACFG ---------------------------------------------------------------------------------------------

QLACFG_LIMITS = [
    ('AT+QLACFG="nonsense",1', 3),
    ('AT+QLACFG="nonsense"', 3),
    ("AT+QLACFG=", 2),
    ('AT+QLACFG="retransmit",1,5', 3),
    ('AT+QLACFG="retransmit",21,5', 3),
    ('AT+QLACFG="retransmit",2,9', 3),
    ('AT+QLACFG="retransmit",2,-1', 3),
    ('AT+QLACFG="retransmit",2', 2),
    ('AT+QLACFG="retransmit",2,5,1', 2),
    ('AT+QLACFG="auto_ack",2', 3),
    ('AT+QLACFG="auto_ack",1,1', 2),
    ('AT+QLACFG="access_mode",2', 3),
    ('AT+QLACFG="platform",3', 3),
    ('AT+QLACFG="platform",x', 3),
    (f'AT+QLACFG="cfg_res",3,0,17,"{"d" * 65}"', 3),
    ('AT+QLACFG="cfg_res",3,0,18,"x"', 3),
    ('AT+QLACFG="cfg_res",3,0', 2),
    ('AT+QLACFG="recovery_mode",2', 3),
    ('AT+QLACFG="lifetime_enable",2', 3),
    ('AT+QLACFG="dtls_mode",2', 3),
    ('AT+QLACFG="dtls_version",3', 3),
]


@pytest.mark.parametrize(("line", "code"), QLACFG_LIMITS)
def test_qlacfg_limits(line: str, code: int) -> None:
    assert _code(line) == code


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ('AT+QLACFG="retransmit",2,0', (2, 0)),
        ('AT+QLACFG="retransmit",20,8', (20, 8)),
        ('AT+QLACFG="auto_ack",0', (0,)),
        ('AT+QLACFG="access_mode",1', (1,)),
        ('AT+QLACFG="platform",2', (2,)),
        (f'AT+QLACFG="cfg_res",3,0,17,"{"d" * 64}"', ("d" * 64,)),
        ('AT+QLACFG="cfg_res",3,0,17,""', ("",)),
        ('AT+QLACFG="recovery_mode",1', (1,)),
        ('AT+QLACFG="lifetime_enable",0', (0,)),
        ('AT+QLACFG="dtls_mode",1', (1,)),
        ('AT+QLACFG="dtls_version",0', (0,)),
        ("AT+QLACFG=platform,1", (1,)),
    ],
)
def test_qlacfg_values_accepted(line: str, values: tuple[object, ...]) -> None:
    assert _ok(line).args["values"] == values


@pytest.mark.parametrize(
    "name",
    ["retransmit", "auto_ack", "access_mode", "platform", "recovery_mode", "lifetime_enable", "dtls_mode",
     "dtls_version"],
)
def test_qlacfg_name_alone_reads_one_setting(name: str) -> None:
    assert _ok(f'AT+QLACFG="{name}"').args == {"name": name, "values": None}


def test_qlacfg_cfg_res_read_form_carries_the_resource_path() -> None:
    assert _ok('AT+QLACFG="cfg_res",3,0,17').args == {"name": "cfg_res", "values": None}
    assert _ok('AT+QLACFG="cfg_res"').args == {"name": "cfg_res", "values": None}


# --- registration ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("AT+QLAUPDATE=0,19", 3),
        ("AT+QLAUPDATE=0,31536001", 3),
        ("AT+QLAUPDATE=1,2", 3),
        ("AT+QLAUPDATE=2,0", 3),
        ("AT+QLAUPDATE=0", 2),
        ("AT+QLAUPDATE=0,100,1", 2),
    ],
)
def test_qlaupdate_limits(line: str, code: int) -> None:
    assert _code(line) == code


def test_qlaupdate_accepted() -> None:
    assert _ok("AT+QLAUPDATE=0,20").args == {"mode": 0, "value": 20}
    assert _ok("AT+QLAUPDATE=1,1").args == {"mode": 1, "value": 1}


@pytest.mark.parametrize("line", ["AT+QLAREG", "AT+QLADEREG", "AT+QLARECOVER", "AT+QLARD", "at+qlareg"])
def test_exec_commands(line: str) -> None:
    assert _ok(line).form is Form.EXEC


@pytest.mark.parametrize("line", ["AT+QLAREG?", "AT+QLAREG=1", "AT+QLASTATUS", "AT+QLAWRRSP?", "AT+QLANOPE"])
def test_missing_forms_and_unknown_commands_are_plain_error(line: str) -> None:
    assert _code(line) is None


# --- objects -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("obj", sorted(BUILTIN_OBJECTS))
def test_builtin_objects_cannot_be_added(obj: int) -> None:
    assert _code(f"AT+QLAADDOBJ={obj},0,1,0") == 3


@pytest.mark.parametrize("obj", sorted(BUILTIN_OBJECTS))
def test_builtin_objects_cannot_be_deleted(obj: int) -> None:
    assert _code(f"AT+QLADELOBJ={obj}") == 3


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("AT+QLAADDOBJ=19,0,2,0", 2),
        ("AT+QLAADDOBJ=19,0,1,0,1", 2),
        ("AT+QLAADDOBJ=19,0,1", 2),
        ("AT+QLAADDOBJ=19,0,15," + ",".join(map(str, range(15))), 3),
        ("AT+QLAADDOBJ=19,0,14," + ",".join(map(str, range(15))), 2),
        ("AT+QLAADDOBJ=19,0,0", 2),
        ("AT+QLAADDOBJ=19,0,2,1,1", 3),
        ("AT+QLAADDOBJ=19,0,1,x", 3),
        ("AT+QLAADDOBJ=65536,0,1,0", 3),
        ("AT+QLADELOBJ=", 2),
        ("AT+QLADELOBJ=19,0", 2),
    ],
)
def test_object_limits(line: str, code: int) -> None:
    assert _code(line) == code


def test_fourteen_resources_are_accepted() -> None:
    assert _ok("AT+QLAADDOBJ=19,0,14," + ",".join(map(str, range(14)))).args["resources"] == tuple(range(14))


# --- responses and values ----------------------------------------------------------------------------------

_RD = "AT+QLARDRSP=1,1,19,0,0"

VALUE_LIMITS = [
    (f"{_RD},1,5,abcd,0", 3),  # len ≠ characters
    (f"{_RD},2,4,ABCD,0", 3),  # len counts bytes: 4 digits are 2 bytes
    (f"{_RD},2,2,ABC,0", 13),  # odd hex
    (f"{_RD},2,2,GGGG,0", 3),  # not hex
    (f"{_RD},1,1025,{'a' * 1025},0", 3),
    (f"{_RD},2,513,{'00' * 513},0", 3),
    (f"{_RD},3,3,abc,0", 3),
    (f"{_RD},3,2,12,0,1", 2),
    (f"{_RD},4,1,x,0", 3),
    (f"{_RD},5,2,10,0", 3),
    (f"{_RD},5,1,2,0", 3),
    (f"{_RD},6,1,1,0", 3),
    (f"{_RD},1,1,a", 2),
    ("AT+QLARDRSP=1,2,19,0,0,1,1,a,0", 3),  # result 2 is for writes
    ("AT+QLARDRSP=65536,1,19,0,0,1,1,a,0", 3),
    ("AT+QLARDRSP=1,1,19,0,0,3,0,,0", 3),  # an empty integer is not a value
    ("AT+QLAOBSRSP=624,1,9,0,0,2,9,\"02000100040002323\",0", 13),
    ("AT+QLAOBSRSP=624,16,9,0,0,1,1,a,0", 3),
    ("AT+QLAWRRSP=1,1", 3),
    ("AT+QLAWRRSP=1,15", 3),
    ("AT+QLAWRRSP=1", 2),
    ("AT+QLAWRRSP=1,2,0", 2),
    ("AT+QLAEXERSP=1,1", 3),
    ("AT+QLAEXERSP=1,2,3", 2),
    ("AT+QLANOTIFY=19,0,0,1,1,a,0,2", 3),
    ("AT+QLANOTIFY=19,0,0,1,1,a", 2),
    ("AT+QLANOTIFY=19,0,0,1,1,a,0,0,0", 2),
    ("AT+QLANOTIFY=19,0,0,2,1,A,0", 13),
    ("AT+QLASENDDATA=3,1,5", 3),
    ("AT+QLASENDDATA=2,2,ABC", 13),
    ("AT+QLASENDDATA=2,2", 2),
    ("AT+QLASENDDATA=1,1,a,2", 3),
]


@pytest.mark.parametrize(("line", "code"), VALUE_LIMITS)
def test_value_limits(line: str, code: int) -> None:
    assert _code(line) == code


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (f"{_RD},1,5,abcde,0", "abcde"),
        (f'{_RD},1,5,"ab,de",0', "ab,de"),
        (f'{_RD},1,5,"a\",\"b",0', 'a","b'),
        (f"{_RD},2,2,0aFF,0", b"\x0a\xff"),
        (f"{_RD},3,3,-12,0", -12),
        (f"{_RD},4,4,1.25,0", 1.25),
        (f"{_RD},5,1,1,0", True),
        (f"{_RD},5,1,0,0", False),
        (f"{_RD},1,1024,{'a' * 1024},0", "a" * 1024),
        (f"{_RD},2,512,{'00' * 512},0", bytes(512)),
        (f"{_RD},1,0,,0", ""),
        ("AT+QLARDRSP=1,13,19,0,0,1,0,,0", None),
        ("AT+QLAOBSRSP=1,11,19,0,0,1,0,,0", None),
    ],
)
def test_values_accepted(line: str, value: object) -> None:
    assert _ok(line).args["value"] == value


def test_error_response_may_still_carry_a_value() -> None:
    assert _ok("AT+QLARDRSP=1,13,19,0,0,1,3,abc,0").args["value"] == "abc"


def test_len_mismatch_explains_bytes_versus_digits() -> None:
    verdict = check_line("AT+QLAOBSRSP=1,1,19,0,0,2,18,\"020001000400023238\",0")
    assert isinstance(verdict, Rejected)
    assert verdict.code == 3
    assert "18 hex digits are 9 bytes" in verdict.message
    assert verdict.param == "value"


def test_notify_ack_is_optional() -> None:
    assert "ack" not in _ok("AT+QLANOTIFY=19,0,0,1,1,a,0").args
    assert _ok("AT+QLANOTIFY=19,0,0,1,1,a,0,1").args["ack"] == 1


# --- basic commands and the shape of a line ----------------------------------------------------------------

@pytest.mark.parametrize("line", ["AT", "at", "ATE0", "ATE1", "ATI", "ATV0", "ATQ1", "AT&W", "ATZ", "ATS3?"])
def test_v250_basic_commands_are_accepted(line: str) -> None:
    assert _ok(line).command is None


@pytest.mark.parametrize(
    "line",
    ["AT+CGMR", "AT+CGSN=1", "AT+CIMI", "AT+CFUN?", "AT+CEREG?", "AT+CSQ", "AT+CGPADDR", "AT+CGPADDR=1",
     "AT+CMEE=0", "AT+CMEE=1", "AT+CMEE=2", "AT+QRST=1", 'AT+CPSMS=1,,,"00111000","00000001"', "AT+CEREG=",
     "AT+QBAND=2,5,8", "AT+QBAND=0", "AT+QIDNSCFG=0,8.8.8.8", "AT+COPS=3,2", "ATS3=13"],
)
def test_basic_commands_of_the_spec_are_accepted(line: str) -> None:
    _ok(line)


@pytest.mark.parametrize("line", ["ATX", "AT+CMEE=3", "ATS3=128", "AT+FOO", "hello", ""])
def test_unknown_lines_are_plain_error(line: str) -> None:
    assert _code(line) is None


@pytest.mark.parametrize(
    "line",
    ["AT+QRST=0", "AT+CEREG=6", "AT+CGSN=4", 'AT+CPSMS=1,,,"0011100"', 'AT+CEDRXS=1,5,"01x1"', "AT+CEDRXS=1,4",
     "AT+QBAND=2,5", "AT+QBAND=1,7", "AT+CFUN=2", "AT+QNBIOTEVENT=1,2", "AT+IPR=1234"],
)
def test_basic_parameter_errors_are_cme_50(line: str) -> None:
    assert _code(line) == 50


@pytest.mark.parametrize("line", [f"AT+{name}=?" for name in (
    "QLACONFIG", "QLACFG", "QLAREG", "QLAUPDATE", "QLADEREG", "QLAADDOBJ", "QLADELOBJ", "QLARDRSP", "QLAWRRSP",
    "QLAEXERSP", "QLAOBSRSP", "QLANOTIFY", "QLASENDDATA", "QLARD", "QLARECOVER", "QLASTATUS")])
def test_every_test_form_is_accepted(line: str) -> None:
    assert _ok(line).form is Form.TEST


def test_split_command_shapes() -> None:
    assert split_command("AT+QLAREG=?") == ("+QLAREG", Form.TEST, "")
    assert split_command("at+qlacfg?") == ("+QLACFG", Form.QUERY, "")
    assert split_command('AT+QLACFG="platform",1') == ("+QLACFG", Form.SET, '"platform",1')
    assert split_command("AT+QLAREG") == ("+QLAREG", Form.EXEC, "")
    assert split_command("ate0") == ("ATE0", Form.EXEC, "")
    assert split_command("OK") is None


def test_unterminated_string_is_a_value_error() -> None:
    assert _code('AT+QLACFG="platform,1') == 3


def test_checked_keeps_the_line_and_the_command() -> None:
    verdict = _ok("AT+QLAWRRSP=36560,2")
    assert verdict.line == "AT+QLAWRRSP=36560,2"
    assert verdict.name == "+QLAWRRSP"
    assert verdict.command is not None and verdict.command.name == "+QLAWRRSP"
    assert verdict.args == {"messageID": 36560, "result": 2}
