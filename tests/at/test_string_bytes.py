"""``<len>`` of a string counts its bytes in UTF-8, on both ends of the line; a quote inside a string is
accepted by the checker but cautioned against, because the AT syntax cannot carry it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qlaterm.at import build
from qlaterm.at.check import Checked, Rejected, check_line
from qlaterm.at.parse import Urc, parse_line
from qlaterm.at.values import MAX_STRING_BYTES, AtValue, InvalidValue, decode_value, encode_value
from qlaterm.at.wire import characters_in, wire_length

# Anything a line can carry: no CR or LF, no lone surrogates; plenty of non-ASCII, commas and quotes.
line_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        st.sampled_from(list('é服😀",')),
    ),
    max_size=80,
)


@given(line_text)
def test_the_length_is_the_utf8_byte_count(text: str) -> None:
    assert wire_length(text) == len(text.encode("utf-8"))
    assert AtValue.of(1, text).length == len(text.encode("utf-8"))


@given(line_text, line_text)
def test_characters_in_finds_the_characters_of_a_byte_count(head: str, tail: str) -> None:
    text = head + tail
    assert characters_in(text, 0, wire_length(head)) == len(head)
    assert characters_in(text, len(head), wire_length(tail)) == len(tail)
    if wire_length(text) > 0:
        assert characters_in(text, 0, wire_length(text) + 1) is None  # runs past the end


def test_a_byte_count_that_ends_inside_a_character_is_none() -> None:
    assert characters_in("a服b", 0, 2) is None
    assert characters_in("a服b", 0, 4) == 2


@given(line_text, st.integers(0, 65535), st.integers(0, 65535))
def test_a_built_notify_is_read_back_by_the_checker_the_simulator_uses(text: str, obj: int, index: int) -> None:
    """The console builds the line, the simulator's checker reads it: same value, same byte length."""
    line = build.notify(obj, 0, 0, AtValue.of(1, text), index)
    verdict = check_line(line)
    assert isinstance(verdict, Checked), verdict
    assert verdict.args["len"] == len(text.encode("utf-8"))
    assert verdict.args["value"] == text
    assert verdict.args["index"] == index


@given(line_text)
def test_a_write_urc_with_a_byte_length_is_parsed_back(text: str) -> None:
    """The simulator prints a server's text write with its byte length; the console's parser takes the value
    by that length, so quotes and commas inside stay in it."""
    line = build.urc("write", 36560, 19, 0, 0, AtValue.of(1, text), 0)
    event = parse_line(line)
    assert isinstance(event, Urc), event
    assert event.args["len"] == len(text.encode("utf-8"))
    assert event.args["value"] == text


def test_a_character_count_is_refused_with_the_byte_count() -> None:
    verdict = check_line('AT+QLANOTIFY=19,0,0,1,5,"héllo",0')
    assert isinstance(verdict, Rejected) and verdict.code == 3
    assert "6 bytes in UTF-8 (5 characters)" in verdict.message
    assert isinstance(check_line('AT+QLANOTIFY=19,0,0,1,6,"héllo",0'), Checked)


def test_the_string_limit_is_in_bytes() -> None:
    assert encode_value(1, "服" * 341) == (1023, "服" * 341)
    with pytest.raises(InvalidValue, match="1024 bytes"):
        encode_value(1, "服" * 342)  # 1026 bytes, 342 characters
    with pytest.raises(InvalidValue, match="1024 bytes"):
        decode_value(1, MAX_STRING_BYTES + 1, "a" * (MAX_STRING_BYTES + 1))


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('AT+QLANOTIFY=19,0,0,1,9,"{"a":"1"}",0', "<value> contains a double quote"),
        ('AT+QLARDRSP=1,1,19,0,0,1,3,"a"b",0', "opaque hex (value_type 2)"),
        ('AT+QLASENDDATA=1,3,"a"b",0', "<value> contains a double quote"),
        ('AT+QLACONFIG=0,"host",5683,"e"p",300,3', "<endpoint_name> contains a double quote"),
        ('AT+QLACFG="cfg_res",3,0,17,"a"b"', 'the "cfg_res" setting contains a double quote'),
    ],
)
def test_a_quote_inside_a_string_is_cautioned_against(line: str, words: str) -> None:
    verdict = check_line(line)
    assert isinstance(verdict, Checked), verdict
    assert verdict.caution is not None and words in verdict.caution
    assert "no escape" in verdict.caution


@pytest.mark.parametrize(
    "line",
    ['AT+QLANOTIFY=19,0,0,1,5,"a,b c",0', 'AT+QLACONFIG=0,"host",5683,"ep",300,3', 'AT+QLACFG="platform",1'],
)
def test_a_line_without_quotes_inside_strings_has_no_caution(line: str) -> None:
    verdict = check_line(line)
    assert isinstance(verdict, Checked) and verdict.caution is None
