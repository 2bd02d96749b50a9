"""Folding long log lines at the pane's width (qlaterm.ui.folding_log.fold)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from qlaterm.ui.folding_log import STAMP, continuation, fold, unfold

LINE = '12:34:56.789 > AT+QLACONFIG=0,"127.0.0.1",5683,"866971030603068",86400,3'


def test_a_long_line_folds_under_its_text_with_its_marker() -> None:
    pieces = fold(LINE, 40, continuation(LINE))
    assert pieces == [
        "12:34:56.789 > AT+QLACONFIG=0,",
        '             > "127.0.0.1",5683,',
        '             > "866971030603068",86400,3',
    ]


def test_a_piece_without_a_comma_near_its_end_is_cut_at_the_width() -> None:
    line = "12:34:56.789 < " + "0123456789ABCDEF" * 3
    assert fold(line, 40, continuation(line)) == [line[:40], " " * 13 + "< " + line[40:]]


def test_a_line_that_fits_or_a_pane_too_narrow_leaves_the_line_whole() -> None:
    assert fold(LINE, len(LINE), continuation(LINE)) == [LINE]
    assert fold(LINE, 20, continuation(LINE)) == [LINE]  # 5 columns of text per piece help nobody


def test_continuation_keeps_short_markers_only() -> None:
    assert continuation("12:34:56.789 <- 127.0.0.1:5683 CON GET") == " " * STAMP + "<- "
    assert continuation("12:34:56.789 registered something") == " " * (STAMP + 2)
    assert continuation("short") == " " * (STAMP + 2)


_STAMPED = st.builds(
    lambda stamp, marker, text: f"{stamp} {marker}{text}",
    st.from_regex(r"\A[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}\Z"),
    st.sampled_from(["> ", "< ", "# ", "* ", "<- ", "-> ", "● ", "registered "]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
)


@given(st.lists(_STAMPED, min_size=1, max_size=6), st.integers(min_value=20, max_value=140))
def test_text_copied_from_folded_lines_is_the_lines_whole(lines: list[str], width: int) -> None:
    folded = [piece for line in lines for piece in fold(line, width, continuation(line))]
    assert unfold("\n".join(folded)) == "\n".join(lines)


@given(st.text(max_size=400), st.integers(min_value=1, max_value=200), st.text(alphabet=" >", max_size=20))
def test_pieces_fit_and_give_the_line_back(line: str, width: int, indent: str) -> None:
    pieces = fold(line, width, indent)
    if len(pieces) == 1:
        assert pieces == [line]
        return
    assert all(cell_len(piece) <= width for piece in pieces)  # in terminal columns
    assert all(piece.startswith(indent) for piece in pieces[1:])
    assert pieces[0] + "".join(piece[len(indent):] for piece in pieces[1:]) == line


def test_wide_characters_are_folded_by_the_columns_they_take() -> None:
    line = "12:34:56.789 < +QLAURC: " + "设备" * 20  # 24 + 80 columns
    pieces = fold(line, 40, continuation(line))
    assert all(cell_len(piece) <= 40 for piece in pieces) and len(pieces) == 4
    assert "".join(p.removeprefix(continuation(line)) for p in pieces) == line


def test_a_line_with_a_symbol_marker_still_folds_after_a_comma() -> None:
    line = "12:34:56.789 ● registered 866971030603068 lt=86400 b=U </1/0>,</3/0>,</4/0>,</5/0>,</19/0>"
    pieces = fold(line, 66, continuation(line))
    assert pieces[0].endswith("</1/0>,") and pieces[1] == "             ● </3/0>,</4/0>,</5/0>,</19/0>"
