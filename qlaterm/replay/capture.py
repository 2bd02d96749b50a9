"""What a console session holds for recording: every line on the link and what the simulator was made to do.

A :class:`Recording` listens to the console's session from the start: every line sent and received, which of
them are the console's own traffic (its state reads and network polls, told by the ``automatic`` predicate),
and what the console made the simulator do (:class:`RecordedSimulator` wraps the simulator's controls and
notes each platform request, deep sleep, wake and radio change as the directive that repeats it).
:mod:`qlaterm.replay.record` turns a stretch of it into transcript text.  This module is what the console
needs from its start; the transcript format is imported when the first directive is noted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qlaterm.link.session import Kind, Session, SessionEvent, Traffic
from qlaterm.link.simulator import (
    CoapRecords,
    PlatformDevice,
    PlatformHandle,
    PlatformProfile,
    QueuedRequest,
    SimFacts,
    SimulatorControls,
)

if TYPE_CHECKING:
    from .format import Step

__all__ = ["Acted", "Entry", "Heard", "RecordedPlatform", "RecordedSimulator", "Recording", "cut"]

_RECEIVED = frozenset({Kind.REPLY, Kind.FINAL, Kind.RESULT, Kind.URC, Kind.TEXT, Kind.BROKEN})


# -- what was recorded ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Heard:
    """One line on the link; ``automatic``: the console's own traffic (a state read, a poll)."""

    time: float
    kind: Kind
    text: str
    event: Any = None
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class Acted:
    """Something the console made the simulator do, as the directive that repeats it (or a note)."""

    time: float
    step: Step


Entry = Heard | Acted


class Recording:
    """Everything on ``session`` from now on, for :func:`write_transcript`.

    ``automatic(line)`` says whether a sent line is the console's own traffic (its reply goes with it).
    ``mark`` is where a range starts (:meth:`set_mark`) and ``end``, once set (:meth:`set_end`), where it
    ends; :meth:`selection` is that range, or from the mark to the end of the session while it is open.
    """

    def __init__(self, session: Session, *, automatic: Callable[[str], bool] = lambda _: False,
                 clock: Callable[[], float] | None = None) -> None:
        self.entries: list[Entry] = []
        self.mark: int | None = None
        self.end: int | None = None
        self.automatic = automatic
        self._clock = clock
        self._inflight_automatic = False
        self._unsubscribe = session.subscribe(self._on_event)

    def _on_event(self, event: SessionEvent) -> None:
        if not isinstance(event, Traffic):
            return
        if event.kind is Kind.SENT:
            self._inflight_automatic = self.automatic(event.text.strip())
            self.entries.append(Heard(event.time, event.kind, event.text, event.event, self._inflight_automatic))
        elif event.kind in (Kind.REPLY, Kind.FINAL):
            self.entries.append(Heard(event.time, event.kind, event.text, event.event, self._inflight_automatic))
            if event.kind is Kind.FINAL:
                self._inflight_automatic = False
        elif event.kind in _RECEIVED:
            self.entries.append(Heard(event.time, event.kind, event.text, event.event))

    def act(self, step: Step) -> None:
        """Note a directive at this point of the session (the console drove the simulator)."""
        last = self.entries[-1].time if self.entries else 0.0
        self.entries.append(Acted(self._clock() if self._clock else last, step))

    def set_mark(self) -> int:
        """A range starts here (an end set before is forgotten); returns how many entries came before it."""
        self.mark = len(self.entries)
        self.end = None
        return self.mark

    def set_end(self) -> int:
        """The range from the mark ends here; returns how many entries came before it."""
        if self.mark is None:
            raise ValueError("a range ends after its mark: there is no mark")
        self.end = len(self.entries)
        return self.end

    def since(self, start: int = 0) -> list[Entry]:
        return self.entries[start:]

    def selection(self) -> list[Entry]:
        """The marked range as whole commands (:func:`cut`): from the mark to its end, or to now."""
        return cut(self.entries, self.mark or 0, self.end)

    def close(self) -> None:
        self._unsubscribe()


def cut(entries: Sequence[Entry], start: int, end: int | None = None) -> list[Entry]:
    """``entries[start:end]`` as whole commands.

    The reply lines and final result code of a command sent before ``start`` are left out (URCs that came
    meanwhile stay); a command sent before ``end`` keeps its reply, up to its final result code, even when
    that came after ``end``.
    """
    end = len(entries) if end is None else min(end, len(entries))
    pending = False  # a command sent before `start` still waits for its final result code
    for entry in entries[:start]:
        if isinstance(entry, Heard) and entry.kind in (Kind.SENT, Kind.FINAL):
            pending = entry.kind is Kind.SENT
    taken: list[Entry] = []
    inflight = False  # a command of the range waits for its final result code
    for entry in entries[start:end]:
        if isinstance(entry, Heard) and pending and entry.kind in (Kind.REPLY, Kind.FINAL):
            pending = entry.kind is not Kind.FINAL
            continue
        if isinstance(entry, Heard) and entry.kind in (Kind.SENT, Kind.FINAL):
            pending, inflight = False, entry.kind is Kind.SENT
        taken.append(entry)
    for entry in entries[end:]:
        if not inflight:
            break
        taken.append(entry)
        inflight = not (isinstance(entry, Heard) and entry.kind is Kind.FINAL)
    return taken


# -- the simulator, seen through the recording ------------------------------------------------------
def _argument(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex().upper()
    return str(value)


class RecordedPlatform:
    """The bundled platform as the console drives it; each request it is asked to send is noted first."""

    def __init__(self, platform: PlatformHandle, recording: Recording) -> None:
        self._platform = platform
        self._recording = recording

    def _call(self, operation: str, path: str, *args: str) -> None:
        from .format import Note, PlatformCall

        if any(not a or any(c.isspace() for c in a) for a in args):
            text = " ".join(("platform", operation, path, *args))
            self._recording.act(Note(f"{text} (a value with spaces: not repeatable as @platform)"))
            return
        self._recording.act(PlatformCall(operation, path, args))

    @property
    def host(self) -> str:
        return self._platform.host

    @property
    def port(self) -> int:
        return self._platform.port

    @property
    def dtls_port(self) -> int | None:
        return self._platform.dtls_port

    @property
    def profile(self) -> PlatformProfile:
        return self._platform.profile

    @property
    def coap_log(self) -> CoapRecords:
        return self._platform.coap_log

    @property
    def latest_device(self) -> PlatformDevice | None:
        return self._platform.latest_device

    @property
    def devices(self) -> Mapping[str, PlatformDevice]:
        return self._platform.devices

    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]:
        return self._platform.subscribe(callback)

    def queued(self, endpoint: str) -> Sequence[QueuedRequest]:
        return self._platform.queued(endpoint)

    async def read(self, ep: str, path: str) -> object:
        self._call("read", path)
        return await self._platform.read(ep, path)

    async def write(self, ep: str, path: str, value: Any) -> object:
        self._call("write", path, _argument(value))
        return await self._platform.write(ep, path, value)

    async def execute(self, ep: str, path: str, args: str = "") -> object:
        self._call("execute", path, *([args] if args else []))
        return await self._platform.execute(ep, path, args)

    async def observe(self, ep: str, path: str) -> object:
        self._call("observe", path)
        return await self._platform.observe(ep, path)

    async def cancel(self, ep: str, path: str) -> object:
        self._call("cancel", path)
        return await self._platform.cancel(ep, path)

    async def discover(self, ep: str, path: str) -> object:
        self._call("discover", path)
        return await self._platform.discover(ep, path)

    async def write_attributes(self, ep: str, path: str, pmin: int | None = None,
                               pmax: int | None = None) -> object:
        given = (("pmin", pmin), ("pmax", pmax))
        self._call("write-attributes", path, *(f"{name}={value}" for name, value in given if value is not None))
        return await self._platform.write_attributes(ep, path, pmin, pmax)


class RecordedSimulator:
    """The simulator's controls with each action of the console noted in ``recording`` as a directive."""

    def __init__(self, simulator: SimulatorControls, recording: Recording) -> None:
        self._simulator = simulator
        self._recording = recording
        self._platform: tuple[PlatformHandle, RecordedPlatform] | None = None

    @property
    def platform_port(self) -> int | None:
        return self._simulator.platform_port

    @property
    def platform(self) -> PlatformHandle | None:
        platform = self._simulator.platform
        if platform is None:
            return None
        if self._platform is None or self._platform[0] is not platform:
            self._platform = (platform, RecordedPlatform(platform, self._recording))
        return self._platform[1]

    @property
    def asleep(self) -> bool:
        return self._simulator.asleep

    def facts(self) -> SimFacts:
        return self._simulator.facts()

    async def deep_sleep(self) -> None:
        from .format import Sleep

        self._recording.act(Sleep())
        await self._simulator.deep_sleep()

    async def wake(self) -> None:
        from .format import Wake

        self._recording.act(Wake())
        await self._simulator.wake()

    @property
    def network(self) -> str | None:
        return self._simulator.network

    @property
    def networks(self) -> tuple[str, ...]:
        return self._simulator.networks

    def set_network(self, name: str) -> None:
        from .format import Network

        self._simulator.set_network(name)
        self._recording.act(Network(name))

    async def power_cycle(self) -> None:
        from .format import Note

        self._recording.act(Note("the simulated module was switched off and on"))
        await self._simulator.power_cycle()

    async def reset(self) -> None:
        from .format import Note

        self._recording.act(Note("the simulated module's RESET line was pulsed"))
        await self._simulator.reset()
