"""LwM2M paths: one spelling, one parser, for both ends of the wire."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.paths import (
    MAX_ID,
    PathError,
    check_path,
    format_path,
    is_under,
    parse_path,
    parse_segments,
    to_path,
)

ids = st.integers(0, MAX_ID)
paths = st.lists(ids, max_size=4).map(tuple)


def test_spellings() -> None:
    assert parse_path("/19/0/1") == (19, 0, 1)
    assert parse_path("19/0/1") == (19, 0, 1)
    assert parse_path("/19/0/") == (19, 0)
    assert parse_path("/65535/0/0/65535") == (65535, 0, 0, 65535)
    assert parse_path("/") == () == parse_path("")
    assert format_path((19, 0, 1)) == "/19/0/1"
    assert format_path(()) == "/"


@pytest.mark.parametrize(
    "text",
    [
        "+1",
        "/+1",
        "/-1",
        " 1",
        "/1 ",
        "/ 1",
        "01",
        "/3/00",
        "/3//0",
        "//3",
        "/3//",
        "/1a",
        "/1_0",
        "/70000",
        "/65536",
        "/0x10",
        "/\u0663",
        "/１",
        "/1/2/3/4/5",
        "/1.0",
        "1e3",
        "/1,2",
    ],
)
def test_what_is_not_a_path(text: str) -> None:
    with pytest.raises(PathError) as exc:
        parse_path(text)
    assert repr(text) in str(exc.value)


def test_errors_are_value_errors_of_the_codec() -> None:
    assert issubclass(PathError, CodecError) and issubclass(PathError, ValueError)


@given(paths)
def test_format_then_parse_is_the_identity(path: tuple[int, ...]) -> None:
    assert parse_path(format_path(path)) == path
    assert parse_segments([str(i) for i in path]) == path
    assert to_path(path) == path == to_path(format_path(path))


@given(st.text(alphabet="/0123456789+- _a\u0663", max_size=20))
def test_a_parsed_path_has_one_spelling(text: str) -> None:
    try:
        path = parse_path(text)
    except PathError:
        return
    assert format_path(path) in {text, "/" + text, text.rstrip("/"), "/" + text.rstrip("/"), "/"}
    assert len(path) <= 4 and all(0 <= i <= MAX_ID for i in path)


@given(st.lists(st.text(max_size=6), max_size=5))
def test_segments_parse_exactly_when_each_is_a_canonical_id(segments: list[str]) -> None:
    canonical = all(s.isascii() and s.isdigit() and str(int(s)) == s and int(s) <= MAX_ID for s in segments)
    if canonical and len(segments) <= 4:
        assert parse_segments(segments) == tuple(int(s) for s in segments)
    else:
        with pytest.raises(PathError):
            parse_segments(segments)


def test_request_depth() -> None:
    assert parse_segments(["19", "0", "1"], min_depth=1, max_depth=3) == (19, 0, 1)
    for too in ([], ["19", "0", "1", "0"]):
        with pytest.raises(PathError):
            parse_segments(too, min_depth=1, max_depth=3)
    with pytest.raises(PathError):
        parse_path("/3", min_depth=3, max_depth=3)


@pytest.mark.parametrize("bad", [(1, -1), (70000,), (True,), (1.0,), [3, 0], (1, 2, 3, 4, 5), "x"])
def test_checked_tuples(bad: object) -> None:
    with pytest.raises(PathError):
        check_path(bad)


def test_under() -> None:
    assert is_under((3, 0, 1), (3, 0)) and is_under((3,), ()) and is_under((3, 0), (3, 0))
    assert not is_under((3, 1, 0), (3, 0)) and not is_under((3,), (3, 0))
