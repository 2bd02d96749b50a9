"""The simulated module's AT behaviour without a network: exact lines for every command form and error row."""

from __future__ import annotations

import pytest

from qlaterm.sim.module import FIRMWARE, Module
from qlaterm.sim.nvm import Nvm
from tests.simkit import ModuleDriver, running_module


async def test_boot_banner_is_the_vendor_one() -> None:
    module = Module(nvm=Nvm(None), network="ideal")
    driver = ModuleDriver(module)
    module.attach(driver.write)
    await module.start()
    await driver.expect(r"\+IP: 127\.0\.0\.1")
    assert driver.lines == [
        "F1: 0000 0000",
        "V0: 0000 0000 [0001]",
        "00: 0006 000C",
        "01: 0000 0000",
        "U0: 0000 0001 [0000]",
        "T0: 0000 00B4",
        "Leaving the BROM",
        "RDY",
        "+CFUN: 1",
        "+CPIN: READY",
        "+IP: 127.0.0.1",
    ]
    assert bytes(driver.raw).endswith(b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+IP: 127.0.0.1\r\n")
    await module.close()


async def test_echo_then_ok_bytes_on_the_wire() -> None:
    async with running_module() as d:
        start = len(d.raw)
        assert await d.command("AT") == ["OK"]
        assert bytes(d.raw[start:]) == b"AT\r\r\nOK\r\n"


async def test_ate0_turns_echo_off_and_ate1_on() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        start = len(d.raw)
        await d.command("AT")
        assert bytes(d.raw[start:]) == b"\r\nOK\r\n"
        await d.command("ATE1")
        start = len(d.raw)
        await d.command("AT")
        assert bytes(d.raw[start:]) == b"AT\r\r\nOK\r\n"


@pytest.mark.parametrize("terminator", [b"\r", b"\n", b"\r\n"])
async def test_any_line_ending_is_accepted_once(terminator: bytes) -> None:
    async with running_module() as d:
        await d.command("ATE0")
        d.send("AT", terminator)
        assert await d.next_line() == "OK"
        d.send("AT+QLASTATUS?", terminator)
        assert [await d.next_line(), await d.next_line()] == ["+QLASTATUS: 0", "OK"]
        assert d.drain() == []


async def test_basic_commands() -> None:
    async with running_module(imei="861234567890123") as d:
        assert await d.command("ATI") == ["Quectel_Ltd", "Quectel_BC26", f"Revision: {FIRMWARE}", "OK"]
        assert await d.command("AT+CGMR") == [f"Revision: {FIRMWARE}", "OK"]
        assert await d.command("AT+CGSN=1") == ["+CGSN: 861234567890123", "OK"]
        assert await d.command("AT+CIMI") == ["460111174747875", "OK"]
        assert await d.command("AT+CFUN?") == ["+CFUN: 1", "OK"]
        assert await d.command("AT+CEREG?") == ["+CEREG: 0,1", "OK"]
        assert (await d.command("AT+CSQ"))[-1] == "OK"
        assert await d.command("AT+CGPADDR=1") == ["+CGPADDR: 1,127.0.0.1", "OK"]
        assert await d.command("at") == ["OK"]


async def test_unknown_and_garbage_lines_get_error_and_the_next_line_works() -> None:
    async with running_module() as d:
        assert await d.command("AT+NOSUCH") == ["ERROR"]
        assert await d.command("hello") == ["ERROR"]
        d.module.feed(b"\xff\xfe\x00garbage\r")
        assert await d.expect("ERROR")
        assert await d.command("AT") == ["OK"]


async def test_overlong_line_gets_error_and_does_not_corrupt_the_next() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        d.module.feed(b"AT+QLACONFIG=" + b"A" * 5000 + b"\r")
        assert await d.next_line() == "ERROR"
        assert await d.command("AT") == ["OK"]


async def test_an_overlong_line_cut_off_by_a_reboot_or_deep_sleep_is_forgotten() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        d.module.feed(b"A" * 5000)  # no terminator: the line is still being typed
        await d.module.deep_sleep()
        await d.module.wake()
        await d.expect(r"\+IP: .*")
        assert await d.command("AT") == ["OK"]
        d.module.feed(b"A" * 5000)
        await d.module.reboot()
        await d.expect(r"\+IP: .*")
        assert await d.command("AT") == ["OK"]


async def test_backspace_edits_the_line() -> None:
    async with running_module() as d:
        await d.command("ATE0")
        d.module.feed(b"ATX\x08\r")
        assert await d.next_line() == "OK"


async def test_cmee_modes() -> None:
    async with running_module() as d:
        assert await d.command("AT+QLADEREG") == ["+CME ERROR: 4"]
        await d.command("AT+CMEE=0")
        assert await d.command("AT+QLADEREG") == ["ERROR"]
        await d.command("AT+CMEE=2")
        assert await d.command("AT+QLADEREG") == ["+CME ERROR: not registered"]


async def test_test_forms_print_ranges() -> None:
    async with running_module() as d:
        assert await d.command("AT+QLACONFIG=?") == [
            "+QLACONFIG: (0,1),<server>,(0-65535),<endpoint_name>,(20-31536000),(0,3),<PSK_ID>,<PSK>,(0,1)",
            "OK",
        ]
        for name in ("QLAREG", "QLADEREG", "QLARD", "QLARECOVER", "QLASTATUS"):
            assert (await d.command(f"AT+{name}=?"))[-1] == "OK"
        lines = await d.command("AT+QLACFG=?")
        assert lines[0] == '+QLACFG: "retransmit",(2-20),(0-8)' and len(lines) == 10


async def test_qlacfg_defaults_in_order_and_set_get() -> None:
    async with running_module() as d:
        assert await d.command("AT+QLACFG?") == [
            '+QLACFG: "retransmit",2,5',
            '+QLACFG: "auto_ack",0',
            '+QLACFG: "access_mode",0',
            '+QLACFG: "platform",0',
            '+QLACFG: "cfg_res",3,0,17,""',
            '+QLACFG: "recovery_mode",0',
            '+QLACFG: "lifetime_enable",1',
            '+QLACFG: "dtls_mode",0',
            '+QLACFG: "dtls_version",2',
            "OK",
        ]
        # the vendor's example sequence (section 3.2)
        for line in (
            'AT+QLACFG="access_mode",0',
            'AT+QLACFG="retransmit",2,4',
            'AT+QLACFG="platform",1',
            'AT+QLACFG="cfg_res",3,0,17,500677',
            'AT+QLACFG="auto_ack",1',
            'AT+QLACFG="lifetime_enable",1',
        ):
            assert await d.command(line) == ["OK"], line
        assert await d.command('AT+QLACFG="retransmit"') == ['+QLACFG: "retransmit",2,4', "OK"]
        assert await d.command('AT+QLACFG="cfg_res",3,0,17') == ['+QLACFG: "cfg_res",3,0,17,"500677"', "OK"]
        assert await d.command('AT+QLACFG="cfg_res"') == ['+QLACFG: "cfg_res",3,0,17,"500677"', "OK"]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ('AT+QLACFG="retransmit",1,5', 3),
        ('AT+QLACFG="retransmit",21,5', 3),
        ('AT+QLACFG="retransmit",2,9', 3),
        ('AT+QLACFG="retransmit",2', 2),
        ('AT+QLACFG="auto_ack",2', 3),
        ('AT+QLACFG="access_mode",2', 3),
        ('AT+QLACFG="platform",3', 3),
        ('AT+QLACFG="recovery_mode",2', 3),
        ('AT+QLACFG="lifetime_enable",2', 3),
        ('AT+QLACFG="dtls_mode",2', 3),
        ('AT+QLACFG="dtls_version",3', 3),
        ('AT+QLACFG="nosuch",1', 3),
        ('AT+QLACFG="cfg_res",3,0,18,abc', 3),
        ("AT+QLACONFIG=0,\"221.229.214.202,5683\",\"urn:imei-imsi:866971030603068-460111174747875\",300,3", 2),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300', 2),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,3,"id","00"', 2),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,0', 2),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,0,"id","abc"', 13),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,0,"id","zz"', 3),
        ('AT+QLACONFIG=0,"127.0.0.1",70000,"ep",300,3', 3),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",19,3', 3),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",31536001,3', 3),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,1', 3),
        ('AT+QLACONFIG=2,"127.0.0.1",5683,"ep",300,3', 3),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,3,2', 3),
        ("AT+QLACONFIG=0," + "a" * 151 + ',5683,"ep",300,3', 3),
        ('AT+QLACONFIG=0,"127.0.0.1",5683,"' + "e" * 151 + '",300,3', 3),
        ('AT+QLACONFIG=0,"h",1,"e",300,0,"id","' + "00" * 129 + '"', 3),
        ("AT+QLAADDOBJ=19,0,2,0", 2),
        ("AT+QLAADDOBJ=3,0,1,0", 3),
        ("AT+QLAADDOBJ=0,0,1,0", 3),
        ("AT+QLAADDOBJ=19,0,15," + ",".join(str(i) for i in range(15)), 3),
        ("AT+QLADELOBJ=3", 3),
        ("AT+QLADELOBJ=19", 3),
        ("AT+QLAUPDATE=0,100", 4),
        ("AT+QLAUPDATE=0,10", 3),
        ("AT+QLAUPDATE=2,1", 3),
        ("AT+QLADEREG", 4),
        ("AT+QLAREG", 34),
        ("AT+QLARDRSP=1,1,19,0,0,1,5,abcde,0", 4),
        ("AT+QLAWRRSP=1,2", 4),
        ("AT+QLAEXERSP=1,2", 4),
        ("AT+QLAOBSRSP=1,1,19,0,0,1,5,abcde,0", 4),
        ("AT+QLANOTIFY=19,0,0,1,5,abcde,0", 4),
        ("AT+QLASENDDATA=1,5,abcde,0", 7),
        ("AT+QLARECOVER", 3),
        ("AT+QLARDRSP=1,1,19,0,0,2,18,020001000400023238,0", 3),
        ("AT+QLARDRSP=1,1,19,0,0,2,9,02000100040002323,0", 13),
        ("AT+QLARDRSP=1,1,19,0,0,1,5,abcde", 2),
        ("AT+QLAWRRSP=1,1", 3),
        ("AT+QLAWRRSP=1,2,3", 2),
    ],
)
async def test_error_rows(line: str, code: int) -> None:
    async with running_module() as d:
        assert await d.command(line) == [f"+CME ERROR: {code}"]
        assert await d.command("AT") == ["OK"]


async def test_qlaconfig_query_set_and_replace() -> None:
    async with running_module() as d:
        assert await d.command("AT+QLACONFIG?") == ["OK"]
        assert await d.command('AT+QLACONFIG=0,device1-api.10646.cn,5683,"867726030187399",300,3') == ["OK"]
        assert await d.command("AT+QLACONFIG?") == [
            '+QLACONFIG: 0,"device1-api.10646.cn",5683,"867726030187399",300,3,0',
            "OK",
        ]
        assert await d.command('AT+QLACONFIG=0,"1.2.3.4",5684,"ep",86400,0,"id","00AA",1') == ["OK"]
        assert await d.command("AT+QLACONFIG?") == ['+QLACONFIG: 0,"1.2.3.4",5684,"ep",86400,0,"id","00AA",1', "OK"]
        assert await d.command('AT+QLACONFIG=1,"127.0.0.1",5683,"ep",30,3') == ["OK"]
        assert await d.command("AT+QLACONFIG?") == ["OK"]


async def test_unresolvable_server_name_gives_34() -> None:
    async with running_module() as d:
        await d.command('AT+QLACONFIG=0,"no-such-host.invalid",5683,"ep",300,3')
        assert await d.command("AT+QLAREG") == ["+CME ERROR: 34"]
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 0", "OK"]


async def test_addobj_limits_query_and_delete() -> None:
    async with running_module() as d:
        assert await d.command('AT+QLAADDOBJ=19,1,1,"0"') == ["OK"]
        assert await d.expect(r"\+QLAADDOBJ: 0")
        assert await d.command('AT+QLAADDOBJ=19,0,4,"0","1","2","3"') == ["OK"]
        assert await d.expect(r"\+QLAADDOBJ: 0")
        assert await d.command("AT+QLAADDOBJ?") == ["+QLAADDOBJ: 19,1,1,0", "+QLAADDOBJ: 19,0,4,0,1,2,3", "OK"]
        assert await d.command("AT+QLAADDOBJ=19,0,1,5") == ["+CME ERROR: 3"]  # duplicate instance
        for inst in (2, 3):
            await d.command(f"AT+QLAADDOBJ=19,{inst},1,0")
            await d.expect(r"\+QLAADDOBJ: 0")
        assert await d.command("AT+QLAADDOBJ=19,4,1,0") == ["+CME ERROR: 3"]  # fifth instance
        for obj in (20, 21):
            await d.command(f"AT+QLAADDOBJ={obj},0,1,0")
            await d.expect(r"\+QLAADDOBJ: 0")
        assert await d.command("AT+QLAADDOBJ=22,0,1,0") == ["+CME ERROR: 3"]  # fourth object
        assert await d.command("AT+QLADELOBJ=19") == ["OK"]
        assert await d.expect(r"\+QLADELOBJ: 0")
        assert await d.command("AT+QLAADDOBJ?") == ["+QLAADDOBJ: 20,0,1,0", "+QLAADDOBJ: 21,0,1,0", "OK"]


async def test_qlard_on_empty_buffer() -> None:
    async with running_module() as d:
        assert await d.command("AT+QLARD?") == ["+QLARD: 0", "OK"]
        assert await d.command("AT+QLARD") == ["+QLARD: 0", "OK"]


async def test_settings_and_objects_survive_reboot_and_restart(tmp_path) -> None:
    async with running_module(nvm=Nvm(tmp_path)) as d:
        await d.command('AT+QLACFG="platform",2')
        await d.command("AT+QLAADDOBJ=19,0,1,0")
        await d.expect(r"\+QLAADDOBJ: 0")
        await d.command('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,3')
        await d.command("AT+QLARECOVER")
        assert await d.command("AT+QRST=1") == ["OK"]
        await d.expect("RDY")
        await d.expect(r"\+IP: .*")
        assert await d.command('AT+QLACFG="platform"') == ['+QLACFG: "platform",2', "OK"]
        assert await d.command("AT+QLAADDOBJ?") == ["+QLAADDOBJ: 19,0,1,0", "OK"]
        # the server configuration is only saved once a registration succeeded
        assert await d.command("AT+QLACONFIG?") == ["OK"]
    async with running_module(nvm=Nvm(tmp_path)) as d:
        assert await d.command('AT+QLACFG="platform"') == ['+QLACFG: "platform",2', "OK"]
        assert await d.command("AT+QLAADDOBJ?") == ["+QLAADDOBJ: 19,0,1,0", "OK"]


async def test_every_basic_command_of_the_catalogue_is_answered_ok() -> None:
    from qlaterm.at.catalogue import BASIC_COMMANDS

    async with running_module() as d:
        for line in BASIC_COMMANDS:
            if line[:3] in ("ATV", "ATQ"):
                continue  # they change the result codes themselves: tests/sim/test_basic_commands.py
            line += "13" if line == "ATS3=" else "10" if line == "ATS4=" else ""
            assert (await d.command(line))[-1] == "OK", line
            await d.command("ATE1")  # "ATE"/"ATE0" turned echo off; the driver expects it on


@pytest.mark.parametrize("reboot", ["AT+QRST=1", "AT+CFUN=1,1"])
async def test_a_rebooting_module_answers_nothing_until_rdy(reboot: str) -> None:
    async with running_module() as d:
        typed: list[bytes] = []

        def terminal(data: bytes) -> None:
            """A terminal that types its next line the moment the reboot's OK arrives (echoed, never run)."""
            d.write(data)
            if b"OK\r\n" in data and not typed:
                typed.append(b'AT+QLACFG="platform",1\r')
                d.module.feed(typed[0])

        d.module.attach(terminal)
        start = len(d.lines)
        d.send(f'{reboot}\rAT+QLACFG="platform",2\r')  # typed in the same breath as the reboot
        await d.expect(r"\+IP: .*")
        assert typed
        after = d.lines[start:]
        assert after.count("OK") == 1 and not any(line.startswith(("+CME", "+QLACFG")) for line in after)
        assert after.index("OK") < after.index("RDY")
        assert await d.command('AT+QLACFG="platform"') == ['+QLACFG: "platform",0', "OK"]
