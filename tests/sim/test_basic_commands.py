"""The identity, V.250, radio, PDN and power-saving commands (SPEC section 1a): exact lines of every form,
framing byte for byte, and the network model in time (attach, detach, RRC, PSM)."""

from __future__ import annotations

import asyncio

import pytest

from qlaterm.sim.module import FIRMWARE, Module
from qlaterm.sim.network import timer_seconds
from qlaterm.sim.nvm import Nvm
from qlaterm.sim.state import derived_iccid, luhn_digit
from tests.simkit import ModuleDriver, running_module

IMEI = "861234567890123"
ICCID = derived_iccid(IMEI)

# (command line, the lines printed, final result code included), under the `ideal` condition, attached
TABLE = [
    # identity
    ("ATI", ["Quectel_Ltd", "Quectel_BC26", f"Revision: {FIRMWARE}", "OK"]),
    ("AT+CGMI", ["Quectel_Ltd", "OK"]),
    ("AT+CGMI=?", ["OK"]),
    ("AT+CGMM", ["Quectel_BC26", "OK"]),
    ("AT+CGMR", [f"Revision: {FIRMWARE}", "OK"]),
    ("AT+CGSN", ["MPB26234567890123", "OK"]),
    ("AT+CGSN=0", ["MPB26234567890123", "OK"]),
    ("AT+CGSN=1", [f"+CGSN: {IMEI}", "OK"]),
    ("AT+CGSN=2", ["+CGSN: 8612345678901202", "OK"]),
    ("AT+CGSN=3", ["+CGSN: 02", "OK"]),
    ("AT+CGSN=?", ["+CGSN: (0-3)", "OK"]),
    ("AT+CGSN=4", ["+CME ERROR: 50"]),
    ("AT+GSN", [IMEI, "OK"]),
    ("AT+CIMI", ["460111174747875", "OK"]),
    ("AT+QCCID", [f"+QCCID: {ICCID}", "OK"]),
    ("AT+CPIN?", ["+CPIN: READY", "OK"]),
    ("AT+CPIN=?", ["OK"]),
    ("AT+CPIN=1234", ["+CME ERROR: 3"]),
    # V.250
    ("AT", ["OK"]),
    ("ATS3?", ["013", "OK"]),
    ("ATS4?", ["010", "OK"]),
    ("ATS3=200", ["ERROR"]),
    ("AT&W", ["OK"]),
    ("ATZ", ["OK"]),
    ("AT&F", ["OK"]),
    ("AT+CMEE?", ["+CMEE: 1", "OK"]),
    ("AT+CMEE=?", ["+CMEE: (0-2)", "OK"]),
    ("AT+CMEE=3", ["ERROR"]),
    ("AT+IPR?", ["+IPR: 115200", "OK"]),
    ("AT+IPR=?", ["+IPR: (2400,4800,9600,19200,38400,57600,115200,230400,460800)", "OK"]),
    ("AT+IPR=1234", ["+CME ERROR: 50"]),
    ("AT+QRST=?", ["+QRST: (1)", "OK"]),
    ("AT+QRST=2", ["+CME ERROR: 50"]),
    # radio and registration
    ("AT+CFUN?", ["+CFUN: 1", "OK"]),
    ("AT+CFUN=?", ["+CFUN: (0,1,4),(0,1)", "OK"]),
    ("AT+CFUN=2", ["+CME ERROR: 50"]),
    ("AT+CEREG?", ["+CEREG: 0,1", "OK"]),
    ("AT+CEREG=?", ["+CEREG: (0-5)", "OK"]),
    ("AT+CEREG=6", ["+CME ERROR: 50"]),
    ("AT+CGREG?", ["+CGREG: 0,1", "OK"]),
    ("AT+CGREG=?", ["+CGREG: (0-2)", "OK"]),
    ("AT+CGATT?", ["+CGATT: 1", "OK"]),
    ("AT+CGATT=?", ["+CGATT: (0,1)", "OK"]),
    ("AT+CGATT=2", ["+CME ERROR: 50"]),
    ("AT+CSCON?", ["+CSCON: 0,1", "OK"]),
    ("AT+CSCON=?", ["+CSCON: (0,1)", "OK"]),
    ("AT+COPS?", ['+COPS: 0,2,"46011",9', "OK"]),
    ("AT+COPS=?", ['+COPS: (2,"CHINA TELECOM","CTCC","46011",9),,(0-4),(0-2)', "OK"]),
    ("AT+COPS=0", ["OK"]),
    ("AT+CSQ", ["+CSQ: 31,0", "OK"]),
    ("AT+CSQ=?", ["+CSQ: (0-31,99),(0-7,99)", "OK"]),
    ("AT+CESQ", ["+CESQ: 99,99,255,255,30,71", "OK"]),
    ("AT+QENG=0", ['+QENG: 0,2506,2,176,"0BF576D1",-70,-5,-63,25,5,"5B6C",0,140,3', "OK"]),
    ("AT+QENG=2", ["+QENG: 3,0,0,0", "OK"]),
    ("AT+QENG=1", ["+CME ERROR: 50"]),
    ("AT+QBAND?", ["+QBAND: 5,8,3", "OK"]),
    ("AT+QBAND=?", ["+QBAND: (0-16),(1,2,3,4,5,8,12,13,17,18,19,20,25,26,28,66)", "OK"]),
    ("AT+QBAND=2,5", ["+CME ERROR: 50"]),
    ("AT+QBAND=1,7", ["+CME ERROR: 50"]),
    ('AT+CCLK="24/13/01,00:00:00+32"', ["+CME ERROR: 50"]),
    # PDN
    ("AT+CGDCONT?", ['+CGDCONT: 1,"IP","CTNB","127.0.0.1",0,0', "OK"]),
    ("AT+QCGDEFCONT?", ['+QCGDEFCONT: "IP"', "OK"]),
    ("AT+QCGDEFCONT=?", ['+QCGDEFCONT: ("IP","IPV6","IPV4V6","Non-IP")', "OK"]),
    ("AT+CGACT?", ["+CGACT: 1,1", "OK"]),
    ("AT+CGPADDR", ["+CGPADDR: 1,127.0.0.1", "OK"]),
    ("AT+CGPADDR=1", ["+CGPADDR: 1,127.0.0.1", "OK"]),
    ("AT+CGPADDR=?", ["+CGPADDR: (1)", "OK"]),
    ("AT+CGPADDR=2", ["+CME ERROR: 50"]),
    ("AT+QIDNSCFG=1", ['+QIDNSCFG: 1,"114.114.114.114","8.8.8.8"', "OK"]),
    ("AT+QIDNSCFG=1,999.1.1.1", ["+CME ERROR: 50"]),
    # power saving
    ("AT+CPSMS?", ['+CPSMS: 0,,,"00111000","00000001"', "OK"]),
    ("AT+CPSMS=?", ['+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")', "OK"]),
    ('AT+CPSMS=1,,,"0011100"', ["+CME ERROR: 50"]),
    ("AT+CEDRXS?", ['+CEDRXS: 5,"0010"', "OK"]),
    ("AT+CEDRXS=?", ['+CEDRXS: (0-3),(5),("0000"-"1111")', "OK"]),
    ("AT+CEDRXS=0", ["OK"]),
    ('AT+CEDRXS=1,5,"0100"', ["+CME ERROR: 50"]),
    ("AT+CEDRXS=1,4", ["+CME ERROR: 50"]),
    ("AT+QSCLK?", ["+QSCLK: 1", "OK"]),
    ("AT+QSCLK=?", ["+QSCLK: (0-2)", "OK"]),
    ("AT+QSCLK=3", ["+CME ERROR: 50"]),
    ("AT+QNBIOTEVENT?", ["+QNBIOTEVENT: 0,1", "OK"]),
    ("AT+QNBIOTEVENT=?", ["OK"]),
    ("AT+QNBIOTEVENT=1,2", ["+CME ERROR: 50"]),
    ("AT+CBC", ["+CBC: 0,0,3300", "OK"]),
    ("AT+CGPADDR?", ["ERROR"]),
]

# (set line, query line, what the query prints after the set)
ROUND_TRIPS = [
    ("AT+CMEE=2", "AT+CMEE?", "+CMEE: 2"),
    ("AT+IPR=9600", "AT+IPR?", "+IPR: 9600"),
    ("AT+CEREG=2", "AT+CEREG?", '+CEREG: 2,1,"5B6C","0BF576D1",9'),
    ("AT+CEREG=5", "AT+CEREG?", '+CEREG: 5,1,"5B6C","0BF576D1",9'),
    ("AT+CEREG=", "AT+CEREG?", "+CEREG: 0,1"),
    ("AT+CGREG=2", "AT+CGREG?", '+CGREG: 2,1,"5B6C","0BF576D1"'),
    ("AT+CSCON=1", "AT+CSCON?", "+CSCON: 1,1"),
    ("AT+COPS=3,0", "AT+COPS?", '+COPS: 0,0,"CHINA TELECOM",9'),
    ("AT+QBAND=1,5", "AT+QBAND?", "+QBAND: 5"),
    ('AT+CGDCONT=2,"IP","cmnbiot"', "AT+CGDCONT?", '+CGDCONT: 2,"IP","CMNBIOT","",0,0'),
    ('AT+QCGDEFCONT="IP","cmnbiot"', "AT+QCGDEFCONT?", '+QCGDEFCONT: "IP","cmnbiot"'),
    ('AT+QIDNSCFG=1,"8.8.8.8","1.1.1.1"', "AT+QIDNSCFG=1", '+QIDNSCFG: 1,"8.8.8.8","1.1.1.1"'),
    ('AT+CPSMS=1,,,"01000011","00100100"', "AT+CPSMS?", '+CPSMS: 1,,,"01000011","00100100"'),
    ("AT+CPSMS=0", "AT+CPSMS?", '+CPSMS: 0,,,"00111000","00000001"'),
    ('AT+CEDRXS=1,5,"0101"', "AT+CEDRXS?", '+CEDRXS: 5,"0101"'),
    ("AT+QSCLK=0", "AT+QSCLK?", "+QSCLK: 0"),
    ("AT+QNBIOTEVENT=1,1", "AT+QNBIOTEVENT?", "+QNBIOTEVENT: 1,1"),
    ("ATS3=13", "ATS3?", "013"),
    ('AT+CCLK="24/02/29,12:00:00+32"', "AT+CCLK?", "+CCLK: 24/02/29,12:00:0"),
]


@pytest.mark.parametrize(("line", "lines"), TABLE, ids=[row[0] for row in TABLE])
async def test_every_form_prints_its_exact_lines(line: str, lines: list[str]) -> None:
    async with running_module(imei=IMEI) as d:
        await d.command("ATE0")
        assert await d.command(line) == lines


@pytest.mark.parametrize(("set_line", "query", "printed"), ROUND_TRIPS, ids=[r[0] for r in ROUND_TRIPS])
async def test_set_then_query(set_line: str, query: str, printed: str) -> None:
    async with running_module(imei=IMEI) as d:
        await d.command("ATE0")
        assert await d.command(set_line) == ["OK"]
        got = await d.command(query)
        assert got[-1] == "OK"
        assert any(line.startswith(printed) for line in got), got


def test_iccid_is_20_digits_of_a_chinese_sim_with_its_check_digit() -> None:
    assert len(ICCID) == 20 and ICCID.startswith("8986")
    assert luhn_digit(ICCID[:-1]) == ICCID[-1]
    assert Module(imei=IMEI, iccid="89860000000000000001").setup.iccid == "89860000000000000001"


def test_timer_octets() -> None:
    assert timer_seconds("00111000", periodic=True) == 24 * 3600
    assert timer_seconds("00100100", periodic=True) == 4 * 3600
    assert timer_seconds("00100100", periodic=False) == 4 * 60
    assert timer_seconds("00000001", periodic=False) == 2
    assert timer_seconds("11100000", periodic=False) is None


# --- framing, byte for byte --------------------------------------------------------------------------------

async def _bytes_of(d: ModuleDriver, line: str) -> bytes:
    start = len(d.raw)
    await d.command(line)
    return bytes(d.raw[start:])


async def test_one_line_answer_bytes() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        assert await _bytes_of(d, "AT+CSQ") == b"\r\n+CSQ: 31,0\r\n\r\nOK\r\n"
        assert await _bytes_of(d, "AT") == b"\r\nOK\r\n"


async def test_multi_line_answer_bytes() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        assert await _bytes_of(d, "ATI") == b"\r\nQuectel_Ltd\r\nQuectel_BC26\r\nRevision: BC26NBR01A08\r\n\r\nOK\r\n"
        lines = b"".join(f"{x}\r\n".encode() for x in (await d.command("AT+QLACFG?"))[:-1])
        assert await _bytes_of(d, "AT+QLACFG?") == b"\r\n" + lines + b"\r\nOK\r\n"


async def test_urc_bytes_come_alone_after_the_answer() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        await d.command("AT+CEREG=1")
        start = len(d.raw)
        await d.command("AT+CGATT=0")
        await d.expect(r"\+CEREG: 0")
        assert bytes(d.raw[start:]) == b"\r\nOK\r\n\r\n+CEREG: 0\r\n"


async def test_error_and_echo_bytes() -> None:
    async with running_module() as d:
        assert await _bytes_of(d, "AT+CGSN=9") == b"AT+CGSN=9\r\r\n+CME ERROR: 50\r\n"


async def test_atv0_numeric_and_atq1_quiet() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        d.send("ATV0")
        await d.next_line()  # "0"
        start = len(d.raw)
        d.send("AT+CSQ")
        await d.expect("0")
        assert bytes(d.raw[start:]) == b"+CSQ: 31,0\r\n0\r"
        d.send("ATV1")
        await d.expect("OK")
        d.send("ATQ1")  # its own OK is already suppressed
        start = len(d.raw)
        d.send("AT+CSQ")
        await d.expect(r"\+CSQ: 31,0")
        d.send("ATQ0")
        await d.expect("OK")
        assert bytes(d.raw[start:]) == b"\r\n+CSQ: 31,0\r\n\r\nOK\r\n"


async def test_atz_restores_the_profile_saved_with_at_w() -> None:
    async with running_module() as d:
        await d.command("AT+CMEE=2")
        await d.command("AT&W")
        await d.command("AT+CMEE=0")
        await d.command("ATZ")
        assert await d.command("AT+CMEE?") == ["+CMEE: 2", "OK"]
        await d.command("AT&F")
        assert await d.command("AT+CMEE?") == ["+CMEE: 1", "OK"]


# --- the network in time ------------------------------------------------------------------------------------

async def test_attach_after_power_on_under_good_passes_through_searching() -> None:
    module = Module(nvm=Nvm(None), network="good")  # about 2.3 s: the queries below come well before
    d = ModuleDriver(module)
    module.attach(d.write)
    await module.start()
    await d.expect(r"\+CPIN: READY")
    assert not module.network.attached
    assert await d.command("AT+CEREG?") == ["+CEREG: 0,2", "OK"]
    assert await d.command("AT+CGPADDR=1") == ["+CGPADDR: 1", "OK"]
    assert await d.command("AT+CGATT?") == ["+CGATT: 0", "OK"]
    await d.expect(r"\+IP: 127\.0\.0\.1")
    assert await d.command("AT+CGATT?") == ["+CGATT: 1", "OK"]
    assert await d.command("AT+CSQ") == ["+CSQ: 25,0", "OK"]
    await module.close()


async def test_cfun_and_cgatt_detach_and_attach_with_urcs() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        await d.command("AT+CEREG=2")
        assert await d.command("AT+CFUN=0") == ["OK"]
        await d.expect(r"\+CEREG: 0")
        assert await d.command("AT+CGATT?") == ["+CGATT: 0", "OK"]
        assert await d.command("AT+CGPADDR=1") == ["+CGPADDR: 1", "OK"]
        assert await d.command("AT+CSQ") == ["+CSQ: 99,99", "OK"]
        assert not d.module.network.reachable()
        assert await d.command("AT+CFUN=1") == ["OK"]
        assert [await d.expect(r"\+CEREG: .*") for _ in range(2)][1].group(0) == '+CEREG: 1,"5B6C","0BF576D1",9'
        await d.expect(r"\+IP: 127\.0\.0\.1")
        assert await d.command("AT+CGATT=0") == ["OK"]
        await d.expect(r"\+CEREG: 0")
        assert await d.command("AT+CGATT=1") == ["OK"]
        await d.expect(r"\+IP: 127\.0\.0\.1")
        assert await d.command("AT+CGATT?") == ["+CGATT: 1", "OK"]
        assert d.module.network.reachable()


async def test_out_of_coverage_searches_then_gives_up_and_attach_fails() -> None:
    async with running_module(time_scale=0.01) as d:
        await d.command("ATE0")
        await d.command("AT+CEREG=1")
        d.module.network.set_condition("none")
        await d.expect(r"\+CEREG: 2")
        await d.expect(r"\+CEREG: 0")
        assert await d.command("AT+CSQ") == ["+CSQ: 99,99", "OK"]
        assert await d.command("AT+CGATT=1") == ["+CME ERROR: 30"]
        d.module.network.set_condition("ideal")
        await d.expect(r"\+CEREG: 1")


async def test_rrc_connection_urcs_follow_traffic() -> None:
    async with running_module(time_scale=0.001) as d:
        await d.command("ATE0")
        await d.command("AT+CSCON=1")
        await d.expect(r"\+CSCON: 0")  # the attach's own connection is released after 20 s
        d.module.network.traffic()
        await d.expect(r"\+CSCON: 1")
        await d.expect(r"\+CSCON: 0")


async def test_psm_entered_after_t3324_and_left_at_tau_and_on_traffic() -> None:
    async with running_module(time_scale=0.001) as d:
        net = d.module.network
        await d.command("ATE0")
        await d.command("AT+QNBIOTEVENT=1,1")
        # T3412 = 30 s × 2 = 60 s, T3324 = 2 s × 1
        assert await d.command('AT+CPSMS=1,,,"10000010","00000001"') == ["OK"]
        await d.expect(r'\+QNBIOTEVENT: "ENTER PSM"')
        assert net.psm and not net.reachable()
        await d.expect(r'\+QNBIOTEVENT: "EXIT PSM"')  # the periodic TAU
        assert net.reachable()
        await d.expect(r'\+QNBIOTEVENT: "ENTER PSM"')
        net.traffic()
        await d.expect(r'\+QNBIOTEVENT: "EXIT PSM"')
        assert net.reachable() and net.rrc == 1
        assert await d.command("AT+CPSMS=0") == ["OK"]
        d.module.network.traffic()
        assert not net.psm


async def test_a_sending_command_brings_the_module_out_of_psm() -> None:
    async with running_module(time_scale=0.001) as d:
        await d.command("ATE0")
        await d.command("AT+QNBIOTEVENT=1,1")
        await d.command('AT+CPSMS=1,,,"00111000","00000001"')
        await d.expect(r'\+QNBIOTEVENT: "ENTER PSM"')
        await d.command("AT+QLAREG")  # no configuration: +CME ERROR 34, but it reached for the network
        await d.expect(r'\+QNBIOTEVENT: "EXIT PSM"')


async def test_qsclk_sleep_is_woken_by_the_first_character_and_the_command_answered() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        await d.command("AT+CGATT=0")  # no RRC connection: nothing keeps the module awake
        await d.command("AT")
        assert d.module.dozing
        assert await d.command("AT+QSCLK?") == ["+QSCLK: 1", "OK"]
        await d.command("AT+QSCLK=0")
        await d.command("AT")
        assert not d.module.dozing


async def test_mcu_style_start_up_reaches_qlareg_0(platform) -> None:
    """The start-up sequence of MCU drivers for the BC26, then QLA to the bundled platform."""
    async with running_module() as d:
        while (await d.command("AT"))[-1] != "OK":
            pass
        for line in ("ATE0", "AT+QSCLK=0", "AT+CEDRXS=0", "AT+CPSMS=0"):
            assert await d.command(line) == ["OK"], line
        assert await d.command("AT+IPR?") == ["+IPR: 115200", "OK"]
        assert (await d.command("ATI"))[0] == "Quectel_Ltd"
        while "+CPIN: READY" not in await d.command("AT+CPIN?"):
            pass
        assert (await d.command("AT+CSQ"))[0].startswith("+CSQ: ")
        while (await d.command("AT+CEREG?"))[0].split(",")[1] not in ("1", "5"):
            pass
        while (await d.command("AT+CGREG?"))[0].split(",")[1] not in ("1", "5"):
            pass
        while "," not in (await d.command("AT+CGPADDR=1"))[0]:
            pass
        assert (await d.command("AT+GSN"))[0].isdigit()
        assert (await d.command("AT+QCCID"))[0].startswith("+QCCID: 8986")
        assert (await d.command("AT+QIDNSCFG=1"))[0].startswith('+QIDNSCFG: 1,"')
        assert await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"mcu-ep",300,3') == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")


async def test_detached_cgatt_wait_answers_once_attached() -> None:
    module = Module(nvm=Nvm(None), network="good", time_scale=0.01)
    d = ModuleDriver(module)
    module.attach(d.write)
    await module.start()
    await d.expect(r"\+CPIN: READY")
    lines = await d.command("AT+CGATT=1")
    assert lines[-1] == "OK" and module.network.attached
    await module.close()


async def test_cgatt_waits_at_most_the_attach_limit() -> None:
    async with running_module(time_scale=0.0001) as d:
        d.module.network.set_condition("none")
        assert await d.command("AT+CGATT=1") == ["+CME ERROR: 30"]
        await asyncio.sleep(0)
