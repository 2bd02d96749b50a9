"""Whatever a device sends, the console's model (and the transcript's reading of each line) takes it
without an exception and stays usable.

Lines are built from the catalogue's names (URCs, asynchronous results, the replies of every query)
with fields of any shape, mixed with arbitrary bytes, and fed through the session the console uses;
replies to the console's own commands are fed the same way. The session would survive a listener's
exception (it logs it), so the test listens itself and fails on the first one.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from qlaterm.at.catalogue import COMMANDS, URCS
from qlaterm.at.check import check_line
from qlaterm.at.parse import Final, Info, Text, parse_line
from qlaterm.link.session import Kind, Reply, Session, Traffic
from qlaterm.state import DeviceState
from qlaterm.ui.transcript import format_traffic
from tests.scripted import Scripted

_FIELD = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.integers(0, 70000).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)
    .map(lambda s: f'"{s}"'),
    st.binary(max_size=8).map(lambda b: f'"{b.hex().upper()}"'),
    st.sampled_from(["", '""', "-1", "1.5", "ping", '"ping"', "U", '"UQ"']),
)
_FIELDS = st.lists(_FIELD, max_size=11).map(",".join)
_NAMES = st.sampled_from([*COMMANDS, "+CME ERROR", "+CMEE ERROR", "+CGSN", "+QLAURC", "+QLARD"])
_URC_KINDS = st.sampled_from([*URCS, "unknown_kind"])



def _shaped_field(kind: str, lo: int | None, hi: int | None) -> st.SearchStrategy[str]:
    """A field of the shape the catalogue gives, its value in range or a little out of it."""
    if kind == "int":
        low = -2 if lo is None else lo - 1
        high = 70_000 if hi is None else hi + 1
        return st.integers(low, high).map(str)
    if kind == "value":
        return st.one_of(st.integers(-5, 5).map(str), _FIELD)
    return _FIELD


@st.composite
def _shaped_urc(draw: st.DrawFn) -> str:
    """A URC with the catalogue's fields for its kind (messageIDs from a small pool, so that answers,
    parts and cancels meet the requests they belong to)."""
    kind = draw(st.sampled_from(list(URCS)))
    fields = []
    for param in URCS[kind].params:
        if param.optional and draw(st.booleans()):
            break
        if param.name == "messageID":
            fields.append(str(draw(st.integers(1, 4))))
        elif param.name in ("objectID", "instanceID", "resourceID", "index", "flag", "value_type"):
            fields.append(str(draw(st.integers(-1, 3))))
        else:
            fields.append(draw(_shaped_field(param.kind, param.lo, param.hi)))
    return f'+QLAURC: "{kind}"' + "".join("," + f for f in fields)


_LINE = st.one_of(
    _shaped_urc(),
    st.builds(lambda kind, fields: f'+QLAURC: "{kind}",{fields}', _URC_KINDS, _FIELDS),
    st.builds(lambda name, fields: f"{name}: {fields}", _NAMES, _FIELDS),
    st.builds(lambda n, kind, fields: f'+QLARD: {n},"{kind}",{fields}', st.integers(-1, 40), _URC_KINDS, _FIELDS),
    st.sampled_from(["RDY", "OK", "ERROR", "+CME ERROR: 3", "+QLARD: 0", "Revision: BC26NBR01A08"]),
    st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").decode("latin-1")),
)



@st.composite
def _shaped_command(draw: st.DrawFn) -> str:
    """A set command with the catalogue's parameters, mostly in range (so that the console's own
    answers to requests, notifications and configuration reach the model)."""
    command = COMMANDS[draw(st.sampled_from([n for n in COMMANDS if COMMANDS[n].params]))]
    fields = []
    for param in command.params:
        if param.optional and draw(st.booleans()):
            break
        if param.name == "messageID":
            fields.append(str(draw(st.integers(1, 4))))
        elif param.choices:
            fields.append(str(draw(st.sampled_from(param.choices))))
        else:
            fields.append(draw(_shaped_field(param.kind, param.lo, param.hi)))
    return f"AT{command.name}=" + ",".join(fields)


_COMMAND = st.one_of(
    st.sampled_from([f"AT{name}?" for name in COMMANDS] + ["AT+QLARD", "ATI", "AT+CGMR", "AT+CGSN=1", "AT+QRST=1"]),
    st.builds(lambda name, fields: f"AT{name}={fields}", st.sampled_from(list(COMMANDS)), _FIELDS),
    _shaped_command(),
)


def _exercise(state: DeviceState) -> None:
    """Everything the panes read from the model."""
    _ = state.status_text, state.secrets, state.registered, state.buffer_mode
    state.resources()
    state.oldest_request()
    state.next_update_in()
    state.expire_requests(time.time() + 10_000)
    for request in list(state.requests.values()):
        _ = request.label, request.value
        request.age()
    for path in state.resources():
        state.is_observed(path)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=25))
def test_any_unsolicited_lines_leave_the_model_usable(lines: list[str]) -> None:
    state = DeviceState()
    failures: list[BaseException] = []

    def listen(event: object) -> None:
        try:
            state.apply(event)  # type: ignore[arg-type]
            if isinstance(event, Traffic):
                format_traffic(event)  # the transcript's reading of the line
        except Exception as exc:  # recorded, then reported with the line that caused it
            failures.append(exc)
            raise

    session = Session(Scripted())
    session.subscribe(listen)
    for line in lines:
        session._on_data(b"\r\n" + line.encode("utf-8", "surrogateescape") + b"\r\n")
        assert not failures, (line, failures)
    _exercise(state)


_EXCHANGE = st.tuples(_COMMAND, st.lists(_LINE, max_size=5), st.sampled_from(["OK", "ERROR", "+CME ERROR: 3"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_EXCHANGE, _shaped_urc()), max_size=12))
def test_any_replies_to_any_commands_leave_the_model_usable(steps: list[tuple[str, list[str], str] | str]) -> None:
    """The console's commands and what came back, among URCs that raise the requests they answer."""
    state = DeviceState()
    for step in steps:
        if isinstance(step, str):
            state.apply(Traffic(time.time(), Kind.URC, step, parse_line(step)))
            continue
        command, lines, final = step
        replies = [parse_line(line) for line in lines]
        result = parse_line(final)
        assert isinstance(result, Final)
        reply = Reply(command, check_line(command), time.time(),
                      [r for r in replies if isinstance(r, Info | Text)], result)
        state.apply(reply)
    _exercise(state)
