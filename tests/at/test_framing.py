"""Bytes to lines: terminators, partial reads, over-long lines and bytes that are not text."""

from __future__ import annotations

from qlaterm.at.framing import MAX_LINE, Line, LineFramer, decode_line
from qlaterm.at.parse import Broken, Final, Info, parse_line


def _feed(*chunks: bytes, max_line: int = MAX_LINE) -> list[Line]:
    framer = LineFramer(max_line)
    return [line for chunk in chunks for line in framer.feed(chunk)]


def test_cr_lf_and_crlf_all_end_a_line_and_empty_lines_vanish() -> None:
    lines = _feed(b"AT\r\r\nOK\r\n\r\n+QLAREG: 0\nRDY\r")
    assert [line.text for line in lines] == ["AT", "OK", "+QLAREG: 0", "RDY"]


def test_crlf_split_between_reads_gives_no_empty_line() -> None:
    assert [line.text for line in _feed(b"\r\nOK\r", b"\n\r\n+QLAREG: 0\r", b"\n")] == ["OK", "+QLAREG: 0"]


def test_unfinished_line_waits_and_flush_ends_it() -> None:
    framer = LineFramer()
    assert list(framer.feed(b"+QLAURC: \"pi")) == []
    assert framer.pending() == b'+QLAURC: "pi'
    assert list(framer.feed(b'ng",0')) == []
    last = framer.flush()
    assert last is not None and last.text == '+QLAURC: "ping",0'
    assert framer.flush() is None
    assert framer.pending() == b""


def test_overlong_line_is_reported_cut_and_the_next_line_is_intact() -> None:
    long = b"A" * (MAX_LINE + 10)
    lines = _feed(long[:3000], long[3000:] + b"\r\nOK\r\n")
    assert len(lines) == 2
    assert lines[0].overflow and len(lines[0].raw) == MAX_LINE
    assert lines[1] == Line("OK", b"OK", wire=b"\r\nOK")
    assert isinstance(parse_line(lines[0]), Broken)
    assert parse_line(lines[1]) == Final("OK", None, "OK")


def test_a_line_of_exactly_the_limit_is_not_overflow() -> None:
    (line,) = _feed(b"A" * MAX_LINE + b"\r")
    assert not line.overflow and len(line.raw) == MAX_LINE


def test_bad_bytes_are_kept_and_flagged() -> None:
    (line,) = _feed(b"+QLAREG: \xff0\r\n")
    assert line.bad and line.raw == b"+QLAREG: \xff0"
    assert line.text == "+QLAREG: \\xff0"
    assert isinstance(parse_line(line), Broken)


def test_multibyte_text_split_inside_a_character() -> None:
    data = '+QLAURC: "write",1,19,0,0,1,2,"服务",0\r\n'.encode()
    cut = data.index("服".encode()) + 1
    (line,) = _feed(data[:cut], data[cut:])
    assert not line.bad and line.text == '+QLAURC: "write",1,19,0,0,1,2,"服务",0'


def test_control_characters_are_flagged_but_tab_is_text() -> None:
    assert decode_line(b"a\tb") == ("a\tb", False)
    assert decode_line(b"a\x1b[0mb") == ("a\\x1b[0mb", True)
    assert decode_line(b"a\x7fb") == ("a\\x7fb", True)
    assert decode_line(b"\x00") == ("\\x00", True)


def test_contiguous_and_separately_framed_answers_give_the_same_lines() -> None:
    contiguous = b"\r\nQuectel_Ltd\r\nQuectel_BC26\r\nRevision: BC26NBR01A08\r\n\r\nOK\r\n\r\n+CEREG: 1\r\n"
    separate = b"\r\nQuectel_Ltd\r\n\r\nQuectel_BC26\r\n\r\nRevision: BC26NBR01A08\r\n\r\nOK\r\n\r\n+CEREG: 1\r\n"
    for wire in (contiguous, separate):
        lines = [line.text for line in LineFramer().feed(wire)]
        assert lines == ["Quectel_Ltd", "Quectel_BC26", "Revision: BC26NBR01A08", "OK", "+CEREG: 1"]
        events = [parse_line(text) for text in lines]
        assert isinstance(events[3], Final) and events[3].ok
        assert isinstance(events[4], Info) and events[4].fields == (1,)


def test_every_byte_of_the_stream_is_on_one_line_however_it_is_split() -> None:
    from qlaterm.at.framing import LineFramer

    data = b'AT+CSQ\r\r\n+CSQ: 31,0\r\n\r\nOK\r\n\r\n+QLAURC: "read",1\xff\r\n'
    whole = [(line.text, line.wire) for line in LineFramer().feed(data)]
    assert whole == [
        ("AT+CSQ", b"AT+CSQ"),
        ("+CSQ: 31,0", b"\r\r\n+CSQ: 31,0"),
        ("OK", b"\r\n\r\nOK"),
        ('+QLAURC: "read",1\\xff', b'\r\n\r\n+QLAURC: "read",1\xff'),
    ]
    for size in (1, 2, 3, 7):
        framer = LineFramer()
        pieces = [line for i in range(0, len(data), size) for line in framer.feed(data[i:i + size])]
        assert [(line.text, line.wire) for line in pieces] == whole
        assert b"".join(line.wire for line in pieces) + framer.pending() + b"\r\n" == data


def test_the_wire_of_an_over_long_line_is_bounded() -> None:
    from qlaterm.at.framing import MAX_WIRE, LineFramer

    framer = LineFramer()
    lines = [line for _ in range(10) for line in framer.feed(b"x" * 1000)] + framer.feed(b"\r\nOK\r\n")
    assert [line.text for line in lines][1:] == ["OK"] and lines[0].overflow
    assert len(lines[0].wire) == MAX_WIRE and lines[1].wire == b"\r\nOK"
