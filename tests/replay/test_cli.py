"""``qlaterm replay`` against the simulator: the pass, fail and timeout paths, exit codes, JUnit XML."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qlaterm.__main__ import main as qlaterm_main
from qlaterm.replay.cli import example_names

from .kit import replay

PASSING = """\
// a comment line
AT+QLACFG="platform",1
OK
AT+QLAADDOBJ=19,0,1,"0"  // trailing comment
OK
+QLAADDOBJ: 0
"""


def test_a_passing_transcript_prints_each_step_and_exits_0(tmp_path: Path) -> None:
    status, out = replay(tmp_path, PASSING)
    assert status == 0
    assert out == "\n".join([
        "t.txt",
        '  ✓ AT+QLACFG="platform",1 T',
        "  ✓ OK T",
        '  ✓ AT+QLAADDOBJ=19,0,1,"0" T',
        "  ✓ OK T",
        "  ✓ +QLAADDOBJ: 0 T",
        "✓ t.txt: 5 passed in T",
    ])


def test_a_mismatch_shows_expected_received_and_the_lines_around_and_exits_1(tmp_path: Path) -> None:
    status, out = replay(tmp_path, 'AT+QLACFG="platform",1\nOK\nAT+QLADELOBJ=17\nOK\n+QLADELOBJ: 0\nAT\nOK\n')
    assert status == 1
    assert out == "\n".join([
        "t.txt",
        '  ✓ AT+QLACFG="platform",1 T',
        "  ✓ OK T",
        "  ✓ AT+QLADELOBJ=17 T",
        "  ✗ OK T",
        "      a different line arrived",
        "      expected  OK",
        "      received  +CME ERROR: 3",
        "      around it:",
        '        > AT+QLACFG="platform",1',
        "        < OK",
        "        > AT+QLADELOBJ=17",
        "        ! +CME ERROR: 3",
        "✗ t.txt: 3 passed, 1 failed, 3 not run in T",
    ])


def test_a_line_that_never_comes_times_out_and_exits_1(tmp_path: Path) -> None:
    status, out = replay(tmp_path, "@timeout 100ms\nAT\nOK\n+QLAURC: \"read\",*,19,0,0\nAT\nOK\n")
    assert status == 1
    assert out.splitlines()[2:] == [
        "  ✓ AT T",
        "  ✓ OK T",
        '  ✗ +QLAURC: "read",*,19,0,0 T',
        "      nothing matching within 0.1 s",
        '      expected  +QLAURC: "read",*,19,0,0',
        "      received  (nothing)",
        "      around it:",
        "        < +IP: 127.0.0.1",
        "        > AT",
        "        < OK",
        "✗ t.txt: 3 passed, 1 failed, 2 not run in T",
    ]


def test_captures_bind_and_substitute(tmp_path: Path) -> None:
    text = """\
AT+QLAADDOBJ=19,0,1,"0"
OK
+QLAADDOBJ: 0
AT+QLACONFIG=0,"{host}",{port},"ep1",300,3
OK
AT+QLAREG
OK
+QLAREG: 0
AT+QLAUPDATE=0,100
+QLAUPDATE: {mid}
OK
+QLAUPDATE: 0,{mid}
@platform read /19/0/0
+QLAURC: "read",{read},19,0,0
AT+QLARDRSP={read},1,19,0,0,1,5,abcde,0
OK
+QLARDRSP: 0
"""
    status, out = replay(tmp_path, text)
    assert status == 0, out
    lines = out.splitlines()
    update = next(x for x in lines if x.startswith("  ✓ +QLAUPDATE: ") and "," not in x).split()[2]
    assert f"  ✓ +QLAUPDATE: 0,{update} T" in lines
    read = next(x for x in lines if '"read",' in x).split(",")[1]
    assert any(x.startswith(f"  ✓ AT+QLARDRSP={read},1,") for x in lines)


def test_a_bound_capture_must_repeat_its_value(tmp_path: Path) -> None:
    text = "AT+QLAADDOBJ=19,0,1,\"0\"\n{a}\n+QLAADDOBJ: {a}\n"
    status, out = replay(tmp_path, text)
    assert status == 1
    assert "expected  +QLAADDOBJ: OK" in out


def test_the_strict_marker_allows_nothing_in_between(tmp_path: Path) -> None:
    loose = 'AT+QLAADDOBJ=19,0,1,"0"\n+QLAADDOBJ: 0\n'
    assert replay(tmp_path, loose)[0] == 1  # OK is the reply: it may not be skipped
    relaxed = 'AT+QLAADDOBJ=19,0,1,"0"\nOK\nAT\nOK\n+QLAADDOBJ: 0\n'
    assert replay(tmp_path, relaxed)[0] == 0  # the asynchronous result may be listed after the next command
    assert replay(tmp_path, '+IP: *\nAT\nOK\n')[0] == 0  # the banner's first lines may come before
    status, out = replay(tmp_path, '!+IP: *\nAT\nOK\n')
    assert status == 1
    assert "received  F1: 0000 0000" in out
    assert replay(tmp_path, 'AT+QLAADDOBJ=19,0,1,"0"\nOK\n!+QLAADDOBJ: 0\n')[0] == 0


def test_expect_not(tmp_path: Path) -> None:
    quiet = 'AT+QLACFG="platform",1\n@expect-not +QLAURC: *\nOK\nAT\nOK\n'
    assert replay(tmp_path, quiet)[0] == 0
    noisy = 'AT+QLAADDOBJ=19,0,1,"0"\n@expect-not +QLAADDOBJ: *\nOK\n@wait 100ms\nAT\nOK\n'
    status, out = replay(tmp_path, noisy)
    assert status == 1
    assert "  ✗ @expect-not +QLAADDOBJ: *" in out
    assert "      received  +QLAADDOBJ: 0" in out


def test_deep_sleep_and_wake(tmp_path: Path) -> None:
    text = "@sleep\n@wake\nLeaving the BROM\n+IP: *\nAT\nOK\n"
    assert replay(tmp_path, text)[0] == 0


def test_a_parse_error_exits_2_with_file_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = replay(tmp_path, "AT\nOK\n  @sleeep\n")
    assert status == 2
    assert out == ""
    error = capsys.readouterr().err
    assert f"{tmp_path / 't.txt'}:3:3: a directive" in error
    assert "got @sleeep" in error


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("AT\nOK\n")
    with pytest.raises(SystemExit) as no_link:
        qlaterm_main(["replay", str(tmp_path / "a.txt")])
    assert no_link.value.code == 2
    with pytest.raises(SystemExit) as network_needs_sim:
        qlaterm_main(["replay", str(tmp_path / "a.txt"), "/dev/null", "--network", "poor"])
    assert network_needs_sim.value.code == 2
    with pytest.raises(SystemExit) as seed_needs_sim:
        qlaterm_main(["replay", str(tmp_path / "a.txt"), "/dev/null", "--seed", "1"])
    assert seed_needs_sim.value.code == 2
    assert qlaterm_main(["replay", str(tmp_path / "missing.txt"), "--sim"]) == 2
    assert qlaterm_main(["replay", "example:nope.txt", "--sim"]) == 2


def test_junit_report(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("AT\nOK\n")
    bad.write_text("AT\nERROR\nAT\nOK\n")
    report = tmp_path / "out" / "report.xml"
    report.parent.mkdir()
    from qlaterm.replay.cli import main

    status = main([str(good), str(bad), "--sim", "--platform-port", "0", "--junit", str(report)])
    assert status == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("6", "1")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("skipped")) for s in suites] == [
        ("good.txt", "2", "0", "0"),
        ("bad.txt", "4", "1", "2"),
    ]
    cases = suites[1].findall("testcase")
    assert [c.get("name") for c in cases] == ["line 1: AT", "line 2: ERROR", "line 3: AT", "line 4: OK"]
    assert all(float(c.get("time", "x")) >= 0 for c in cases)
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "a different line arrived"
    assert "expected  ERROR\nreceived  OK" in (failure.text or "")
    assert [c.find("skipped") is not None for c in cases] == [False, False, True, True]


PROFILES = {"aep.txt": "aep", "andlink.txt": "andlink", "telit.txt": "telit"}


def _replay_example(name: str, network: str) -> None:
    import io

    from qlaterm.replay.cli import main

    out = io.StringIO()
    # seeded: the same datagrams are lost on every run, so a pass is not a matter of luck
    status = main([f"example:{name}", "--sim", "--platform-port", "0", "--network", network, "--seed", "1"], out=out)
    assert status == 0, out.getvalue()


@pytest.mark.parametrize("name", example_names())
def test_every_shipped_example_replays_green(name: str) -> None:
    _replay_example(name, "ideal")


@pytest.mark.slow
@pytest.mark.parametrize("network", ["good", "poor"])
@pytest.mark.parametrize("name", example_names())
def test_every_shipped_example_replays_green_on_a_real_cell(name: str, network: str) -> None:
    _replay_example(name, network)


@pytest.mark.parametrize("name", example_names())
def test_the_examples_name_their_profile_and_print_the_vendor_server_lines(name: str) -> None:
    from qlaterm.replay.cli import example_text
    from qlaterm.replay.format import parse

    text = example_text(name)
    assert parse(text, name, predefined=frozenset({"host", "port"})).profile == PROFILES.get(name)
    printed = {
        "aep.txt": 'AT+QLACONFIG=0,"221.229.214.202",5683,"urn:imei-imsi:866971030603068-460111174747875",300,3',
        "andlink.txt": 'AT+QLACONFIG=1,"lwm.home.komect.com",5683,"866971031275899",30,3 //配置服务器信息',
        "telit.txt": 'AT+QLACONFIG=0,device1-api.10646.cn,5683,"867726030187399",300,3',
    }
    if name in printed:
        assert printed[name] in text.splitlines()


def test_a_profile_option_that_disagrees_with_the_transcript_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qlaterm.replay.cli import main

    assert main(["example:aep", "--sim", "--profile", "telit", "--platform-port", "0"]) == 2
    assert capsys.readouterr().err == (
        "qlaterm replay: aep.txt is written for @profile aep, not --profile telit\n"
    )
    (tmp_path / "p.txt").write_text("@profile nowhere\nAT\nOK\n", encoding="utf-8")
    assert main([str(tmp_path / "p.txt"), "--sim", "--platform-port", "0"]) == 2
    assert "@profile nowhere: no such profile" in capsys.readouterr().err


def test_the_transcript_profile_shapes_the_platform(tmp_path: Path) -> None:
    # The andlink profile bootstraps: a bootstrap server configuration registers only with it.
    text = (
        "@profile andlink\n"
        'AT+QLACONFIG=1,"lwm.home.komect.com",5683,"866971031275899",30,3\nOK\n'
        "AT+QLAREG\nOK\n+QLAURC: \"bs_finished\"\n+QLAREG: 0\n"
    )
    status, output = replay(tmp_path, text)
    assert status == 0, output
    assert replay(tmp_path, text, "--profile", "generic")[0] == 2


def test_replay_runs_headless_without_the_ui_toolkit(tmp_path: Path) -> None:
    code = (
        "import sys; from qlaterm.__main__ import main; "
        "status = main(['replay', 'example:aep.txt', '--sim', '--profile', 'aep', '--platform-port', '0']); "
        "print('textual' in sys.modules, 'qlaterm.ui' in sys.modules); sys.exit(status)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "False False"
    assert "✓ aep.txt: " in result.stdout
