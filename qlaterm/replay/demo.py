"""Guided demos: transcripts with ``@say`` notes that the console runs one step at a time.

A demo is a transcript in ``qlaterm/replay/demos/``: each command and simulator directive is preceded by
``@say`` (English) and ``@say:zh`` (Chinese) lines that say what it does and why.  :func:`wording` adds
the catalogue's own words for the command a line sends, so every step is explained even where the demo
says nothing.  ``qlaterm --sim --demo NAME`` runs one; ``qlaterm --sim --demo`` lists them.
"""

from __future__ import annotations

from importlib import resources

from qlaterm.at.catalogue import CONFIG_SETTINGS, find_command
from qlaterm.at.params import ParamError, split_params

from .format import Note, Transcript, parse
from .runner import SIM_CAPTURES

__all__ = ["demo_names", "demo_summary", "load_demo", "wording"]

def _folder() -> resources.abc.Traversable:
    return resources.files("qlaterm.replay") / "demos"


def demo_names() -> list[str]:
    """The demos shipped with qlaterm, by name (the file name without ``.txt``)."""
    return sorted(p.name.removesuffix(".txt") for p in _folder().iterdir() if p.name.endswith(".txt"))


def load_demo(name: str) -> Transcript:
    """The demo ``name`` parsed (KeyError when there is none)."""
    if name not in demo_names():
        raise KeyError(name)
    text = (_folder() / f"{name}.txt").read_text(encoding="utf-8")
    return parse(text, f"demo:{name}", predefined=SIM_CAPTURES)


def demo_summary(transcript: Transcript) -> str:
    """A demo's one-line description: its first ``//`` comment."""
    return next((s.text for s in transcript.steps if isinstance(s, Note) and s.text), "")


def wording(line: str) -> tuple[str, str] | None:
    """The catalogue's (English, Chinese) description of the command ``line`` sends, where it has one: the
    command's summary, and for ``AT+QLACFG="name",…`` the setting's help."""
    text = line.strip()
    if text[:2].upper() != "AT":
        return None
    head = text[2:]
    name = head.split("=", 1)[0].rstrip("?").upper()
    command = find_command(name) if name else None
    if command is None:
        return None
    if command.name == "+QLACFG" and "=" in head:
        try:
            fields = split_params(head.split("=", 1)[1])
        except ParamError:
            fields = []
        setting = CONFIG_SETTINGS.get(fields[0].text) if fields else None
        if setting is not None:
            return (f"{command.summary}: {setting.help}", f"{command.summary_zh}：{setting.help_zh}")
    return command.summary, command.summary_zh
