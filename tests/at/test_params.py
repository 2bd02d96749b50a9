"""The parameter tokenizer: quoted or bare strings, commas in quotes, values read by their length."""

from __future__ import annotations

import pytest

from qlaterm.at.params import ParamError, Token, split_params


def _texts(text: str, value_index: int | None = None) -> list[str]:
    return [t.text for t in split_params(text, value_index)]


def test_bare_and_quoted_strings() -> None:
    assert split_params('0,device1-api.10646.cn,"ep"') == [
        Token("0"), Token("device1-api.10646.cn"), Token("ep", quoted=True)
    ]


def test_empty_parameters() -> None:
    assert split_params("") == []
    assert _texts("a,,b") == ["a", "", "b"]
    assert _texts("a,") == ["a", ""]
    assert _texts(",") == ["", ""]
    assert split_params('""') == [Token("", quoted=True)]


def test_commas_inside_quotes() -> None:
    assert _texts('0,"221.229.214.202,5683","ep",300') == ["0", "221.229.214.202,5683", "ep", "300"]


def test_quotes_inside_a_module_printed_value() -> None:
    assert _texts('1,20,"{"outletStatus":"1"}",0,16a3', 2) == ["1", "20", '{"outletStatus":"1"}', "0", "16a3"]


def test_sized_value_keeps_quote_comma() -> None:
    assert _texts('1,5,"a","b",0', 2) == ["1", "5", 'a","b', "0"]
    # Without a length the first '",' ends the string.
    assert _texts('1,5,"a","b",0') == ["1", "5", "a", "b", "0"]


def test_opaque_value_length_counts_bytes() -> None:
    assert _texts('2,2,"AB,C",0', 2) == ["2", "2", "AB,C", "0"]


def test_wrong_length_falls_back_to_the_closing_quote() -> None:
    assert _texts('1,9,"abc",0', 2) == ["1", "9", "abc", "0"]


def test_blanks_around_parameters_are_ignored_but_not_inside_quotes() -> None:
    assert split_params(' 1 , " a,b " , c ') == [Token("1"), Token(" a,b ", quoted=True), Token("c")]
    assert _texts('1, "a,b",2') == ["1", "a,b", "2"]
    assert _texts('1,5, "a","b" ,0', 2) == ["1", "5", 'a","b', "0"]


def test_unterminated_string() -> None:
    with pytest.raises(ParamError):
        split_params('1,"abc')
    with pytest.raises(ParamError):
        split_params('1,"abc" x')


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), ("-1", -1), ("+7", 7), (" 3 ", 3), ("x", None), ("", None), ("1.0", None), ("٣", None),
     ("²", None), ("9" * 1001, None), ("9" * 1000, int("9" * 1000))],
)
def test_as_int(text: str, number: int | None) -> None:
    assert Token(text).as_int() == number
