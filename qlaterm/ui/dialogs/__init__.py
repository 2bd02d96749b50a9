"""Quick-action dialogs: each one builds AT lines with ``qlaterm.at.build`` and returns them to the app.

A dialog's module is imported the first time the dialog is asked for, so that the console's first frame
does not wait for dialogs nobody has opened yet (the help screen alone brings a Markdown parser).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .add_object import AddObjectDialog
    from .answer import AnswerDialog
    from .config import ConfigDefaults, ConfigDialog
    from .delete_object import DeleteObjectDialog
    from .execute import ExecuteDialog
    from .help import HelpScreen
    from .notify import NotifyDialog
    from .reboot import RebootDialog
    from .save_log import SaveLogDialog
    from .send_data import SendDataDialog
    from .serial import SerialDialog
    from .settings import SettingsDialog
    from .update import UpdateDialog
    from .write import WriteDialog

_MODULES = {
    "AddObjectDialog": "add_object",
    "AnswerDialog": "answer",
    "ConfigDefaults": "config",
    "ConfigDialog": "config",
    "DeleteObjectDialog": "delete_object",
    "ExecuteDialog": "execute",
    "HelpScreen": "help",
    "NotifyDialog": "notify",
    "RebootDialog": "reboot",
    "SaveLogDialog": "save_log",
    "SendDataDialog": "send_data",
    "SerialDialog": "serial",
    "SettingsDialog": "settings",
    "UpdateDialog": "update",
    "WriteDialog": "write",
}

__all__ = [
    "AddObjectDialog",
    "AnswerDialog",
    "ConfigDefaults",
    "ConfigDialog",
    "DeleteObjectDialog",
    "ExecuteDialog",
    "HelpScreen",
    "NotifyDialog",
    "RebootDialog",
    "SaveLogDialog",
    "SendDataDialog",
    "SerialDialog",
    "SettingsDialog",
    "UpdateDialog",
    "WriteDialog",
]


def __getattr__(name: str) -> Any:
    try:
        module = _MODULES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
