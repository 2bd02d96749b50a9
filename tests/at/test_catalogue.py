"""The catalogue is the one source of truth for the grammar: it must match SPEC sections 1-3 exactly."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from qlaterm.at.catalogue import (
    COMMANDS,
    CONFIG_SETTINGS,
    ERRORS,
    EXEC_RESULTS,
    LWM2M_STATES,
    READ_RESULTS,
    STATUS_CODES,
    URCS,
    Form,
    error_text,
    find_command,
    status_text,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")

SPEC_COMMANDS = [
    "+QLACONFIG", "+QLACFG", "+QLAREG", "+QLAUPDATE", "+QLADEREG", "+QLAADDOBJ", "+QLADELOBJ", "+QLARDRSP",
    "+QLAWRRSP", "+QLAEXERSP", "+QLAOBSRSP", "+QLANOTIFY", "+QLASENDDATA", "+QLARD", "+QLARECOVER", "+QLASTATUS",
]

SPEC_SETTINGS = [
    ("retransmit", (2, 5)),
    ("auto_ack", (0,)),
    ("access_mode", (0,)),
    ("platform", (0,)),
    ("cfg_res", ("",)),
    ("recovery_mode", (0,)),
    ("lifetime_enable", (1,)),
    ("dtls_mode", (0,)),
    ("dtls_version", (2,)),
]

SPEC_URCS = {
    "ping": ["status_code"],
    "buffer": [],
    "write": ["messageID", "objectID", "instanceID", "resourceID", "value_type", "len", "value", "index", "token"],
    "read": ["messageID", "objectID", "instanceID", "resourceID", "uri_query"],
    "execute": ["messageID", "objectID", "instanceID", "resourceID"],
    "observe": ["messageID", "flag", "objectID", "instanceID", "resourceID"],
    "bs_finished": [],
    "report": ["messageID"],
    "report_ack": ["status_code", "messageID"],
    "send_ack": ["status_code", "messageID"],
    "lifetime_changed": ["lifetime"],
    "binding_changed": ["binding_mode"],
    "recovered": ["status_code"],
    "lw_event": ["event_type", "parameter1", "messageID"],
}


def test_sixteen_qla_commands() -> None:
    assert sorted(COMMANDS) == sorted(SPEC_COMMANDS)
    assert len(COMMANDS) == 16


@pytest.mark.parametrize("name", SPEC_COMMANDS)
def test_every_command_has_a_test_form_and_both_summaries(name: str) -> None:
    command = COMMANDS[name]
    assert Form.TEST in command.forms
    assert command.summary
    assert _CJK.search(command.summary_zh)
    if Form.SET in command.forms:
        assert command.test, "a command with parameters prints its ranges"
        assert all(line.startswith(name + ": ") for line in command.test)


def test_forms_follow_the_manual() -> None:
    forms = {name: {f.value for f in c.forms} for name, c in COMMANDS.items()}
    assert forms["+QLACONFIG"] == {"test", "query", "set"}
    assert forms["+QLACFG"] == {"test", "query", "set"}
    assert forms["+QLAREG"] == {"test", "exec"}
    assert forms["+QLADEREG"] == {"test", "exec"}
    assert forms["+QLAADDOBJ"] == {"test", "query", "set"}
    assert forms["+QLARD"] == {"test", "query", "exec"}
    assert forms["+QLARECOVER"] == {"test", "exec"}
    assert forms["+QLASTATUS"] == {"test", "query"}
    for name in ("+QLAUPDATE", "+QLADELOBJ", "+QLARDRSP", "+QLAWRRSP", "+QLAEXERSP", "+QLAOBSRSP", "+QLANOTIFY",
                 "+QLASENDDATA"):
        assert forms[name] == {"test", "set"}, name


def test_qlaconfig_test_line_is_the_spec_one() -> None:
    assert COMMANDS["+QLACONFIG"].test == (
        "+QLACONFIG: (0,1),<server>,(0-65535),<endpoint_name>,(20-31536000),(0,3),<PSK_ID>,<PSK>,(0,1)",
    )


def test_qlacfg_test_form_prints_one_line_per_setting_in_order() -> None:
    lines = COMMANDS["+QLACFG"].test
    assert [line.split('"')[1] for line in lines] == [name for name, _ in SPEC_SETTINGS]
    assert lines[0] == '+QLACFG: "retransmit",(2-20),(0-8)'
    assert lines[4] == '+QLACFG: "cfg_res",3,0,17,<device_type>'


def test_nine_settings_in_spec_order_with_spec_defaults() -> None:
    assert [(s.name, s.default) for s in CONFIG_SETTINGS.values()] == SPEC_SETTINGS
    for setting in CONFIG_SETTINGS.values():
        assert len(setting.default) == len(setting.params)
        assert setting.help and _CJK.search(setting.help_zh)
    assert CONFIG_SETTINGS["cfg_res"].prefix == (3, 0, 17)


def test_setting_ranges() -> None:
    ranges = {s.name: [p.describe_range() for p in s.params] for s in CONFIG_SETTINGS.values()}
    assert ranges == {
        "retransmit": ["(2-20)", "(0-8)"],
        "auto_ack": ["(0,1)"],
        "access_mode": ["(0,1)"],
        "platform": ["(0,1,2)"],
        "cfg_res": ["<device_type>"],
        "recovery_mode": ["(0,1)"],
        "lifetime_enable": ["(0,1)"],
        "dtls_mode": ["(0,1)"],
        "dtls_version": ["(0,1,2)"],
    }
    assert CONFIG_SETTINGS["cfg_res"].params[0].max_len == 64


def test_all_fourteen_urcs_of_spec_section_3() -> None:
    for kind, fields in SPEC_URCS.items():
        assert kind in URCS, kind
        assert [p.name for p in URCS[kind].params] == fields, kind
        assert URCS[kind].summary and _CJK.search(URCS[kind].summary_zh)
    assert len(SPEC_URCS) == 14
    # fota_end is what the buffer holds for "+QIND: "FOTA","END"" (source table 4); nothing else is extra.
    assert set(URCS) - set(SPEC_URCS) == {"fota_end"}


def test_buffered_urcs_are_those_of_source_table_4() -> None:
    buffered = {kind for kind, spec in URCS.items() if spec.buffered}
    assert buffered == {"observe", "write", "read", "execute", "lifetime_changed", "bs_finished", "fota_end"}


def test_error_table_is_complete_in_english_and_chinese() -> None:
    assert sorted(ERRORS) == [0, 1, 2, 3, 4, 7, 13, 15, 32, 33, 34]
    for code, (english, chinese) in ERRORS.items():
        assert english and english.isascii(), code
        assert _CJK.search(chinese), code
        assert error_text(code) == english
        assert error_text(code, chinese=True) == chinese
    assert error_text(99) == "unknown error code"
    assert _CJK.search(error_text(99, chinese=True))


def test_status_table_is_complete_in_english_and_chinese() -> None:
    assert sorted(STATUS_CODES) == [0, 1, 2, 3, 4, 9, 10, 13, 14, 22]
    for code, (english, chinese) in STATUS_CODES.items():
        assert english and english.isascii(), code
        assert _CJK.search(chinese), code
        assert status_text(code) == english
        assert status_text(code, chinese=True) == chinese
    assert status_text(5) == "unknown status code"


def test_lwm2m_states_zero_to_seven() -> None:
    assert sorted(LWM2M_STATES) == list(range(8))
    assert all(en and _CJK.search(zh) for en, zh in LWM2M_STATES.values())


def test_result_code_tables() -> None:
    assert READ_RESULTS == {1: "2.05", 11: "4.00", 12: "4.01", 13: "4.04", 14: "4.05", 15: "4.06"}
    assert EXEC_RESULTS == {2: "2.04", 11: "4.00", 12: "4.01", 13: "4.04", 14: "4.05"}


def test_find_command_ignores_case() -> None:
    assert find_command("+qlareg") is COMMANDS["+QLAREG"]
    assert find_command("+QLANOPE") is None


def test_signature_is_the_parameter_hint() -> None:
    assert COMMANDS["+QLAWRRSP"].signature() == "AT+QLAWRRSP=<messageID>,<result>"
    assert COMMANDS["+QLANOTIFY"].signature() == (
        "AT+QLANOTIFY=<objectID>,<instanceID>,<resourceID>,<value_type>,<len>,<value>,<index>[,<ack>]"
    )
    assert COMMANDS["+QLAREG"].signature() == "AT+QLAREG"
    assert COMMANDS["+QLASTATUS"].signature() == "AT+QLASTATUS?"


def test_importing_the_protocol_core_never_imports_textual() -> None:
    """The simulator runs headless: ``qlaterm.at`` must not pull in the UI toolkit (or asyncio)."""
    code = (
        "import sys, qlaterm.at, qlaterm.at.catalogue, qlaterm.at.params, qlaterm.at.values, qlaterm.at.framing, "
        "qlaterm.at.parse, qlaterm.at.build, qlaterm.at.check; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'asyncio', 'serial', 'aiocoap')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_brief_purity_check() -> None:
    code = "import qlaterm.at, sys; assert not any(m.startswith('textual') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
