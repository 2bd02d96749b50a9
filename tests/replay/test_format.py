"""The transcript grammar: what each line is, round trips (format → parse → format), errors and where."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qlaterm.replay.format import (
    Capture,
    Expect,
    ExpectNot,
    Literal,
    Network,
    Note,
    PlatformCall,
    Send,
    Sleep,
    Timeout,
    Transcript,
    TranscriptError,
    Wait,
    Wake,
    Wildcard,
    format_transcript,
    match,
    parse,
    substitute,
)


def test_each_kind_of_line() -> None:
    text = """\
// vendor example
AT+QLAREG  // send
at+qlareg
OK
+QLAURC: "read",{mid},19,0,0 //接收来自服务器的读取请求
AT+QLARDRSP={mid},1,19,0,0,1,5,abcde,0
! +QLARDRSP: *
@timeout 10s
@wait 500ms
@platform read /19/0/0
@platform write-attributes /19/0/0 pmin=1 pmax=60
@network poor
@sleep
@wake
@expect-not +QLAURC: "report",*

"""
    steps = parse(text).steps
    assert steps == (
        Note("vendor example"),
        Send((Literal("AT+QLAREG"),), "send"),
        Send((Literal("at+qlareg"),)),
        Expect((Literal("OK"),)),
        Expect((Literal('+QLAURC: "read",'), Capture("mid"), Literal(",19,0,0")), comment="接收来自服务器的读取请求"),
        Send((Literal("AT+QLARDRSP="), Capture("mid"), Literal(",1,19,0,0,1,5,abcde,0"))),
        Expect((Literal("+QLARDRSP: "), Wildcard()), strict=True),
        Timeout(10.0),
        Wait(0.5),
        PlatformCall("read", "/19/0/0"),
        PlatformCall("write-attributes", "/19/0/0", ("pmin=1", "pmax=60")),
        Network("poor"),
        Sleep(),
        Wake(),
        ExpectNot((Literal('+QLAURC: "report",'), Wildcard())),
    )
    assert [s.line for s in steps] == list(range(1, 16))


def test_comments_inside_quotes_and_braces_that_are_not_captures_stay_text() -> None:
    (step,) = parse('+QLAURC: "write",1,19,1,0,1,20,"{"outletStatus":"1"}",0,"coap://x" // tail').steps
    assert step == Expect((Literal('+QLAURC: "write",1,19,1,0,1,20,"{"outletStatus":"1"}",0,"coap://x"'),),
                          comment="tail")
    (star,) = parse("T0: 0000 *5").steps
    assert star == Expect((Literal("T0: 0000 *5"),))
    (doubled,) = parse("{{x}").steps
    assert doubled == Expect((Literal("{x}"),))


def test_match_binds_checks_and_wildcards() -> None:
    (step,) = parse('+QLAURC: "write",{m},*,"{v}",{m}').steps
    assert isinstance(step, Expect)
    assert match(step.template, '+QLAURC: "write",7,19,"ab",7', {}) == {"m": "7", "v": "ab"}
    assert match(step.template, '+QLAURC: "write",7,19,"ab",8', {}) is None
    assert match(step.template, '+QLAURC: "write",7,19,"ab",7', {"m": "6"}) is None
    assert substitute(step.template, {"m": "7"}) == '+QLAURC: "write",7,*,"{v}",7'


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("AT\n@bogus", 2, 1, "a directive (timeout, wait"),
        ("AT\n   @timeout ten", 2, 13, "a duration after @timeout"),
        ("@network bad", 1, 10, "a network condition after @network"),
        ("AT+QLARDRSP={mid},1", 1, 13, "{mid} is used before an expected line captured it"),
        ("@platform fetch /1", 1, 11, "a platform operation"),
        ("@platform read 19/0/0", 1, 16, "an LwM2M path after @platform read"),
        ("@platform write /19/0/0", 1, 24, "1 argument(s) after @platform write /19/0/0, got 0"),
        ("@platform write-attributes /1/0/1 pmax", 1, 35, "pmin=N or pmax=N"),
        ("@sleep now", 1, 8, "nothing after @sleep"),
        ("@expect-not {x}", 1, 13, "{x} in @expect-not must be captured before"),
        ("  !", 1, 4, "an expected line after '!'"),
    ],
)
def test_errors_say_where_and_what_was_expected(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        parse(text, "t.txt")
    error = caught.value
    assert (error.line, error.column) == (line, column), str(error)
    assert error.message.startswith(message), error.message
    assert str(error).startswith(f"t.txt:{line}:{column}: ")


def test_predefined_names_may_be_used_at_once() -> None:
    (step,) = parse("AT+QLACONFIG=0,{host},{port}", predefined=frozenset({"host", "port"})).steps
    assert step == Send((Literal("AT+QLACONFIG=0,"), Capture("host"), Literal(","), Capture("port")))


# -- properties --------------------------------------------------------------------------------------------
_TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789+:,.=- ", min_size=1, max_size=12)
_NAMES = st.sampled_from(["mid", "a", "token", "x_1"])
_COMMENT = st.text(alphabet="abc 读取请求xyz019", max_size=10).map(str.strip)


def _normal(segments: list[Literal | Capture | Wildcard]) -> tuple[Literal | Capture | Wildcard, ...]:
    """Adjacent literals merged, as the parser produces them."""
    out: list[Literal | Capture | Wildcard] = []
    for segment in segments:
        if isinstance(segment, Literal) and out and isinstance(out[-1], Literal):
            out[-1] = Literal(out[-1].text + segment.text)
        else:
            out.append(segment)
    return tuple(out)


@st.composite
def _expect_template(draw: st.DrawFn) -> tuple[Literal | Capture | Wildcard, ...]:
    first = draw(_TEXT.filter(lambda t: t[:1] not in " !" and t[:2].upper() != "AT" and t[-1:] != " "))
    segments: list[Literal | Capture | Wildcard] = [Literal("+" + first)]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["capture", "wildcard", "text", "quoted"]))
        segments.append(Literal(","))
        if kind == "capture":
            segments.append(Capture(draw(_NAMES)))
        elif kind == "wildcard":
            segments.append(Wildcard())
        elif kind == "quoted":
            segments.append(Literal('"' + draw(_TEXT) + '"'))
        else:
            segments.append(Literal(draw(_TEXT.filter(lambda t: t.strip() == t))))
    return _normal(segments)


@st.composite
def _transcripts(draw: st.DrawFn) -> Transcript:
    steps: list[object] = []
    bound: set[str] = set()
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["send", "expect", "directive", "note"]))
        comment = draw(_COMMENT)
        if kind == "send":
            segments: list[Literal | Capture | Wildcard] = [Literal("AT+" + draw(st.sampled_from(["QLAREG", "X=1"])))]
            if bound and draw(st.booleans()):
                segments += [Literal(","), Capture(draw(st.sampled_from(sorted(bound))))]
            steps.append(Send(_normal(segments), comment))
        elif kind == "expect":
            template = draw(_expect_template())
            bound.update(s.name for s in template if isinstance(s, Capture))
            steps.append(Expect(template, draw(st.booleans()), comment))
        elif kind == "note":
            steps.append(Note(comment))
        else:
            steps.append(draw(st.sampled_from([
                Timeout(10.0, comment), Wait(0.25, comment), Network("edge", comment), Sleep(comment),
                Wake(comment), PlatformCall("execute", "/15/0/5", ("go",), comment),
                ExpectNot((Literal("+QLAURC: "), Wildcard()), comment),
            ])))
    return Transcript("<transcript>", tuple(steps))  # type: ignore[arg-type]  # built from the Step union


@given(_transcripts())
def test_format_then_parse_gives_the_same_steps(transcript: Transcript) -> None:
    text = format_transcript(transcript)
    assert parse(text) == transcript
    assert format_transcript(parse(text)) == text


@given(_transcripts(), st.integers(0, 20), st.integers(0, 6))
def test_an_error_is_reported_on_its_line_and_column(transcript: Transcript, where: int, indent: int) -> None:
    lines = format_transcript(transcript).splitlines()
    where = min(where, len(lines))
    lines.insert(where, " " * indent + "@nosuch 1")
    with pytest.raises(TranscriptError) as caught:
        parse("\n".join(lines))
    assert (caught.value.line, caught.value.column) == (where + 1, indent + 1)


def test_profile_psk_and_say_are_read_and_written_back() -> None:
    from qlaterm.replay.format import Profile, Psk, Say

    text = '@profile aep\n@psk dev:0A0B\n@say Send it // "as is"\n@say:zh 发送\nAT\nOK\n'
    transcript = parse(text)
    assert transcript.steps[:4] == (Profile("aep"), Psk("dev", b"\x0a\x0b"), Say('Send it // "as is"'),
                                    Say("发送", "zh"))
    assert transcript.profile == "aep" and transcript.psks == {"dev": b"\x0a\x0b"}
    assert [type(s) for s in transcript.runnable] == [Send, Expect]
    assert format_transcript(transcript) == text.replace("dev:0A0B", "dev:0A0B")
    assert parse(format_transcript(transcript)).steps == transcript.steps


def test_queue_awake_is_read_and_written_back() -> None:
    from qlaterm.replay.format import QueueAwake

    text = "@queue-awake 20s\nAT\nOK\n"
    transcript = parse(text)
    assert transcript.steps[0] == QueueAwake(20.0) and transcript.queue_awake == 20.0
    assert [type(s) for s in transcript.runnable] == [Send, Expect]
    assert format_transcript(transcript) == text
    assert parse("AT\nOK\n").queue_awake is None


@pytest.mark.parametrize(("text", "where", "message"), [
    ("AT\nOK\n@profile aep\n", "3:1", "@profile before the first step"),
    ("@profile aep\n@profile telit\n", "2:1", "one @profile per transcript (line 1 has one)"),
    ("@profile a b\n", "1:10", "a platform profile name after @profile"),
    ("@psk nokey\n", "1:6", "IDENTITY:HEXKEY after @psk"),
    ("@psk id:ABC\n", "1:6", "IDENTITY:HEXKEY after @psk"),
    ("@say\n", "1:5", "the words to show after @say"),
    ("@say:fr bonjour\n", "1:1", "a directive ("),
    ("@queue-awake soon\n", "1:14", "a duration after @queue-awake"),
    ("AT\nOK\n@queue-awake 20s\n", "3:1", "@queue-awake before the first step"),
])
def test_profile_psk_and_say_errors(text: str, where: str, message: str) -> None:
    with pytest.raises(TranscriptError) as error:
        parse(text, "t.txt")
    assert str(error.value).startswith(f"t.txt:{where}: {message}")
