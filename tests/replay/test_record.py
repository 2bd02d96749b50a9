"""Recording: volatile fields become captures and wildcards by themselves, and the text parses back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qlaterm.link.session import Kind
from qlaterm.replay.format import Expect, Send, match, parse, substitute
from qlaterm.replay.record import Heard, Rewriter, write_transcript
from qlaterm.replay.runner import SIM_CAPTURES


def heard(kind: Kind, text: str, *, automatic: bool = False, time: float = 0.0) -> Heard:
    from qlaterm.at.parse import parse_line

    return Heard(time, kind, text, None if kind is Kind.SENT else parse_line(text), automatic)


def session(mid: int, report: int, ip: str) -> list[Heard]:
    return [
        heard(Kind.TEXT, "+IP: " + ip),  # the banner before the first command is left to the runner
        heard(Kind.SENT, 'AT+QLACONFIG=0,"127.0.0.1",40000,"866971030603068",300,3'),
        heard(Kind.FINAL, "OK"),
        heard(Kind.SENT, "AT+QLASTATUS?", automatic=True),
        heard(Kind.REPLY, "+QLASTATUS: 0", automatic=True),
        heard(Kind.FINAL, "OK", automatic=True),
        heard(Kind.URC, f'+QLAURC: "read",{mid},19,0,0'),
        heard(Kind.SENT, f'AT+QLARDRSP={mid},1,19,0,0,1,5,"abcde",0'),
        heard(Kind.FINAL, "OK"),
        heard(Kind.RESULT, "+QLARDRSP: 0"),
        heard(Kind.SENT, "AT+QLAUPDATE=0,600"),
        heard(Kind.REPLY, f"+QLAUPDATE: {report}"),
        heard(Kind.FINAL, "OK"),
        heard(Kind.RESULT, f"+QLAUPDATE: 0,{report}"),
        heard(Kind.SENT, "AT+CGPADDR=1"),
        heard(Kind.REPLY, f'+CGPADDR: 1,"{ip}"'),
        heard(Kind.FINAL, "OK"),
        heard(Kind.SENT, "AT+CCLK?"),
        heard(Kind.REPLY, '+CCLK: "24/05/01,08:00:00+32"'),
        heard(Kind.FINAL, "OK"),
    ]


KNOWN = {"host": "127.0.0.1", "port": "40000"}


def test_a_recorded_session_reads_as_a_transcript() -> None:
    text = write_transcript(session(4711, 22, "10.0.0.5"), known=KNOWN)
    assert text.splitlines() == [
        'AT+QLACONFIG=0,"{host}",{port},"866971030603068",300,3',
        "OK",
        '+QLAURC: "read",{mid1},19,0,0',
        'AT+QLARDRSP={mid1},1,19,0,0,1,5,"abcde",0',
        "OK",
        "+QLARDRSP: 0",
        "AT+QLAUPDATE=0,600",
        "+QLAUPDATE: {mid2}",
        "OK",
        "+QLAUPDATE: 0,{mid2}",
        "AT+CGPADDR=1",
        '+CGPADDR: 1,"{ip}"',
        "OK",
        "AT+CCLK?",
        '+CCLK: "*,*"',
        "OK",
    ]


def test_tokens_and_module_message_ids() -> None:
    rewriter = Rewriter()
    write = rewriter.received('+QLAURC: "write",31,19,0,0,2,2,ABCD,0,7F3A', None)
    assert substitute(write, {}) == '+QLAURC: "write",{mid1},19,0,0,2,2,ABCD,0,*'
    assert substitute(rewriter.received('+QLAURC: "report",9'), {}) == '+QLAURC: "report",{mid2}'
    assert substitute(rewriter.received('+QLAURC: "report_ack",0,9'), {}) == '+QLAURC: "report_ack",0,{mid2}'
    # a later request with the same message ID is a new request: a new capture
    assert substitute(rewriter.received('+QLAURC: "read",31,19,0,0'), {}) == '+QLAURC: "read",{mid3},19,0,0'
    assert substitute(rewriter.sent("AT+QLARDRSP=31,1,19,0,0,3,1,5,0"), {}) == "AT+QLARDRSP={mid3},1,19,0,0,3,1,5,0"
    drained = rewriter.received('+QLARD: 2,"observe",36581,0,19,0,0')
    assert substitute(drained, {}) == '+QLARD: 2,"observe",{mid4},0,19,0,0'


def test_psks_are_masked_unless_shown() -> None:
    line = 'AT+QLACONFIG=0,"127.0.0.1",40001,"ep",300,0,"ep","0123456789ABCDEF"'
    masked = write_transcript([heard(Kind.SENT, line), heard(Kind.FINAL, "OK")], known={"dtls_port": "40001"})
    assert "0123456789ABCDEF" not in masked and "{dtls_port}" in masked and "PSKs are masked" in masked
    shown = write_transcript([heard(Kind.SENT, line)], show_psk=True)
    assert "0123456789ABCDEF" in shown


def test_a_long_wait_raises_the_timeout() -> None:
    entries = [heard(Kind.SENT, "AT+QLAREG", time=0.0), heard(Kind.FINAL, "OK", time=0.1),
               heard(Kind.RESULT, "+QLAREG: 0", time=9.0)]
    assert write_transcript(entries).splitlines() == ["AT+QLAREG", "OK", "@timeout 18s", "+QLAREG: 0"]


mids = st.integers(0, 65535)
addresses = st.tuples(*[st.integers(1, 254)] * 4).map(lambda t: ".".join(map(str, t)))


@given(mids, st.integers(0, 65535), addresses, mids, st.integers(0, 65535), addresses)
def test_a_recording_holds_for_other_message_ids_and_addresses(
    mid: int, report: int, ip: str, mid2: int, report2: int, ip2: str
) -> None:
    """Recorded with one set of volatile values, the transcript parses and matches a session with others."""
    transcript = parse(write_transcript(session(mid, report, ip), known=KNOWN), predefined=SIM_CAPTURES)
    bound = {"host": "127.0.0.1", "port": "40000"}
    other = [h for h in session(mid2, report2, ip2) if not h.automatic][1:]  # as another run prints them
    sent = [h.text for h in other if h.kind is Kind.SENT]
    received = [h.text for h in other if h.kind is not Kind.SENT]
    for step in transcript.steps:
        if isinstance(step, Send):
            assert substitute(step.template, bound) == sent.pop(0)
        elif isinstance(step, Expect):
            captures = match(step.template, received.pop(0), bound)
            assert captures is not None, step
            bound.update(captures)
    assert not sent and not received


def test_a_range_cut_from_the_middle_keeps_whole_commands() -> None:
    from qlaterm.replay.record import cut

    entries = session(4711, 22, "10.0.0.5")
    # the range starts between AT+QLAUPDATE and its reply, and ends between AT+CGPADDR=1 and its reply
    start = next(i for i, e in enumerate(entries) if e.text == "+QLAUPDATE: 22")
    end = next(i for i, e in enumerate(entries) if e.text == "AT+CGPADDR=1") + 1
    taken = cut(entries, start, end)
    assert [e.text for e in taken] == [  # type: ignore[union-attr]
        "+QLAUPDATE: 0,22",  # an asynchronous result: kept, and left out as before the first command
        "AT+CGPADDR=1",
        '+CGPADDR: 1,"10.0.0.5"',
        "OK",  # the reply of the last command, though it came after the end
    ]
    text = write_transcript(taken, known=KNOWN)
    assert text.splitlines() == ["AT+CGPADDR=1", '+CGPADDR: 1,"{ip}"', "OK"]
    # a range on command boundaries is the entries as they are; without an end it runs to the last one
    read = next(i for i, e in enumerate(entries) if e.text.startswith('+QLAURC: "read"'))
    rsp_ok = read + 3
    assert cut(entries, read, rsp_ok) == entries[read:rsp_ok]
    assert cut(entries, read) == entries[read:]
    assert write_transcript(cut(entries, read, rsp_ok)).splitlines()[:2] == [
        'AT+QLARDRSP=4711,1,19,0,0,1,5,"abcde",0', "OK"]  # the request came before: no capture to name it


def test_a_mark_pressed_twice_ends_the_range_and_a_third_time_starts_anew() -> None:
    from qlaterm.link.inproc import InProcTransport
    from qlaterm.link.session import Session
    from qlaterm.replay.record import Recording

    recording = Recording(Session(InProcTransport(platform_port=None)))  # never opened: the entries are given
    recording.entries.extend(session(1, 2, "10.0.0.5"))
    recording.set_mark()
    assert recording.selection() == []
    recording.entries.extend(session(3, 4, "10.0.0.6"))
    recording.set_end()
    recording.entries.extend(session(5, 6, "10.0.0.7"))
    assert [e.text for e in recording.selection()] == [e.text for e in session(3, 4, "10.0.0.6")]
    recording.set_mark()
    assert recording.end is None and recording.selection() == []
