"""``<value_type>,<len>,<value>``: len computed right for each type, and the module's checks with their codes."""

from __future__ import annotations

import pytest

from qlaterm.at.values import INT_MAX, INT_MIN, AtValue, InvalidValue, ValueType, decode_value, encode_value


@pytest.mark.parametrize(
    ("value_type", "value", "wire"),
    [
        (1, "abcde", (5, "abcde")),
        (1, "服务", (6, "服务")),  # <len> counts UTF-8 bytes
        (1, b"hi", (2, "hi")),
        (2, b"QUECTEL", (7, "5155454354454C")),
        (2, "0a0b", (2, "0A0B")),
        (2, b"", (0, "")),
        (3, -12, (3, "-12")),
        (3, "42", (2, "42")),
        (3, INT_MAX, (19, str(INT_MAX))),
        (4, 1.25, (4, "1.25")),
        (4, 3, (3, "3.0")),
        (4, "1e5", (3, "1e5")),
        (5, True, (1, "1")),
        (5, 0, (1, "0")),
        (5, "1", (1, "1")),
    ],
)
def test_encode(value_type: int, value: object, wire: tuple[int, str]) -> None:
    assert encode_value(value_type, value) == wire  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value_type", "value", "code"),
    [
        (1, "a" * 1025, 3),
        (1, b"\xff", 3),
        (2, "ABC", 13),
        (2, "XY", 3),
        (2, bytes(513), 3),
        (2, 5, 3),
        (3, 1.5, 3),
        (3, True, 3),
        (3, "١٢", 3),
        (3, INT_MAX + 1, 3),
        (3, INT_MIN - 1, 3),
        (4, float("inf"), 3),
        (4, float("nan"), 3),
        (4, 10**400, 3),
        (4, "1e999", 3),
        (4, "one", 3),
        (5, 2, 3),
        (5, "yes", 3),
        (6, 1, 3),
        (0, 1, 3),
    ],
)
def test_encode_refuses(value_type: int, value: object, code: int) -> None:
    with pytest.raises(InvalidValue) as info:
        encode_value(value_type, value)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.message


@pytest.mark.parametrize(
    ("value_type", "length", "text", "code", "words"),
    [
        (1, 4, "abc", 3, "string has 3 characters"),
        (1, 1025, "a" * 1025, 3, "at most 1024"),
        (2, 18, "020001000400023238", 3, "18 hex digits are 9 bytes"),
        (2, 2, "ABC", 13, "odd"),
        (2, 1, "ZZ", 3, "hex"),
        (2, 513, "00" * 513, 3, "at most 512"),
        (3, 2, "1.", 3, "not an integer"),
        (3, 2, "٣٣", 3, "not an integer"),
        (3, 19, "9223372036854775808", 3, "64-bit"),
        (3, 5000, "7" * 5000, 3, "64-bit"),
        (4, 3, "abc", 3, "not a decimal"),
        (4, 5, "1e999", 3, "too large"),
        (5, 1, "2", 3, "0 or 1"),
        (5, 2, "1", 3, "is 1"),
        (1, -1, "", 3, "negative"),
    ],
)
def test_decode_refuses_with_the_module_code(value_type: int, length: int, text: str, code: int, words: str) -> None:
    with pytest.raises(InvalidValue) as info:
        decode_value(value_type, length, text)
    assert info.value.code == code
    assert words in info.value.message


def test_decode_gives_python_values() -> None:
    assert decode_value(1, 5, "abcde") == "abcde"
    assert decode_value(2, 9, "020001000400023238") == bytes.fromhex("020001000400023238")
    assert decode_value(3, 20, str(INT_MIN)) == INT_MIN
    assert decode_value(4, 4, "-0.5") == -0.5
    assert decode_value(5, 1, "0") is False


def test_at_value_carries_type_len_and_text() -> None:
    value = AtValue.of(2, b"28")
    assert value == AtValue(ValueType.OPAQUE, 2, "3238")
    assert value.decoded() == b"28"
    assert ValueType.OPAQUE.label == "opaque"
