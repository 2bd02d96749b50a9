"""Garbage collection paced for a console that keeps a growing transcript and must answer keys at once.

CPython's full collection walks every object the collector tracks.  A console holds several for each line
it has shown (the transcript entry, the recording's, the parsed line), so after a long flood a full pass
takes hundreds of milliseconds, and a key pressed meanwhile waits for it.  :class:`PacedCollector` keeps
the passes short: what survived a pass is moved out of the collector's sight (:func:`gc.freeze`), so the
next pass walks only what came since.  Objects moved out are still freed as soon as nothing refers to
them; only a reference cycle among them would wait, and :meth:`PacedCollector.tick` collects everything
again, frozen objects included, once the link has been quiet for a while.
"""

from __future__ import annotations

import gc

__all__ = ["PacedCollector"]


class PacedCollector:
    """Call :meth:`traffic` for each line and :meth:`tick` every few seconds (the app's timer).

    While lines arrive, a tick collects what came since the last one and freezes the survivors; after
    ``quiet_ticks`` ticks without a line, one tick collects everything (frozen objects too) and freezes
    again, so a cycle frozen by chance is freed in the next quiet moment.
    """

    def __init__(self, *, quiet_ticks: int = 6) -> None:
        self.quiet_ticks = quiet_ticks
        self._lines = 0
        self._quiet = 0
        self._frozen_since_full = False

    def start(self) -> None:
        """The objects of a started console (modules, widgets, styles) are left out of every later pass."""
        gc.freeze()
        self._frozen_since_full = True

    def traffic(self) -> None:
        self._lines += 1

    def tick(self) -> None:
        if self._lines:
            self._lines, self._quiet = 0, 0
            gc.collect()
            gc.freeze()
            self._frozen_since_full = True
            return
        self._quiet += 1
        if self._quiet >= self.quiet_ticks and self._frozen_since_full:
            self._frozen_since_full = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    def stop(self) -> None:
        """Everything back in the collector's sight (a console that ends leaves the interpreter as it was)."""
        gc.unfreeze()
