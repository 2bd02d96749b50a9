"""Quick-action dialogs: each one builds AT lines with ``qlaterm.at.build`` and returns them to the app."""

from .add_object import AddObjectDialog
from .answer import AnswerDialog
from .config import ConfigDialog
from .delete_object import DeleteObjectDialog
from .execute import ExecuteDialog
from .help import HelpScreen
from .notify import NotifyDialog
from .reboot import RebootDialog
from .save_log import SaveLogDialog
from .send_data import SendDataDialog
from .settings import SettingsDialog
from .update import UpdateDialog
from .write import WriteDialog

__all__ = [
    "AddObjectDialog",
    "AnswerDialog",
    "ConfigDialog",
    "DeleteObjectDialog",
    "ExecuteDialog",
    "HelpScreen",
    "NotifyDialog",
    "RebootDialog",
    "SaveLogDialog",
    "SendDataDialog",
    "SettingsDialog",
    "UpdateDialog",
    "WriteDialog",
]
