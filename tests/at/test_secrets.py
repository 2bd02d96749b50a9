"""Keys on QLACONFIG lines are found wherever a mistyped line puts them."""

from __future__ import annotations

from qlaterm.at.secrets import MASK, conceal, psk_fields

KEY = "00112233AABBCCDD"


def test_the_psk_of_a_well_formed_line() -> None:
    line = f'AT+QLACONFIG=0,"127.0.0.1",5684,"866971030603068",300,0,"866971030603068","{KEY}",0'
    assert psk_fields(line) == [KEY]
    assert conceal(line) == f'AT+QLACONFIG=0,"127.0.0.1",5684,"866971030603068",300,0,"866971030603068","{MASK}",0'


def test_security_mode_3_with_psk_fields_still_hides_the_key() -> None:
    line = f'AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,3,"id",{KEY}'
    assert KEY not in conceal(line) and conceal(line).endswith(f'"id",{MASK}')


def test_host_and_port_in_one_field_moves_the_key_but_it_is_found() -> None:
    line = f'AT+QLACONFIG=0,"221.229.214.202,5683",dev,86400,0,"dev","{KEY}"'
    assert psk_fields(line) == [KEY] and KEY not in conceal(line)


def test_the_modules_answer_and_an_echo_in_lower_case() -> None:
    assert KEY not in conceal(f'+QLACONFIG: 0,"127.0.0.1",5684,"ep",300,0,"ep","{KEY}",0')
    assert KEY.lower() not in conceal(f'at+qlaconfig=0,"h",1,"ep",300,0,"ep","{KEY.lower()}"')


def test_an_unclosed_quote_still_hides_the_key() -> None:
    assert KEY not in conceal(f'AT+QLACONFIG=0,"h",1,"ep",300,0,"ep","{KEY}')


def test_a_known_key_is_hidden_on_any_line() -> None:
    assert conceal(f"+CME ERROR: 50 {KEY} stray", [KEY]) == f"+CME ERROR: 50 {MASK} stray"


def test_other_lines_and_fields_are_left_alone() -> None:
    for line in ("AT+QLACONFIG?", 'AT+QLACONFIG=0,"127.0.0.1",5683,"866971030603068",86400,3',
                 'AT+QLANOTIFY=19,0,0,2,8,"0011223344556677",0'):
        assert conceal(line) == line
