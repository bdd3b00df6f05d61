"""Work the parent process does for the later stages of a run while the workers read the files.

Before the county outputs and the reports are written, this process imports what they need
(openpyxl, pandas) and compiles the Word template; the workers forked for them then share all of
it instead of each doing it again. Done after the reading, that work leaves a core idle; done in a
thread while the workers read, it overlaps the reading. The thread starts only once the reading
workers exist (a fork never copies a half-finished import) and is joined before any other fork.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, Sequence

# while the thread runs, the threads that feed the workers get the interpreter back sooner
SWITCH_INTERVAL = 0.0005  # seconds (Python's default is 0.005)


class Warmup:
    """Steps run one after the other in a background thread: `start()`, later `join()`. A step that
    raises is skipped: what it prepares is prepared again, with its error, where it is needed."""

    def __init__(self, steps: Sequence[Callable[[], object]]):
        self.steps = tuple(steps)
        self._thread: threading.Thread | None = None
        self._interval: float | None = None

    def start(self) -> None:
        if self._thread is not None or not self.steps:
            return
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread = threading.Thread(target=self._run, name="nianbao-warmup", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is None:
            return
        self._thread.join()
        self._thread = None
        sys.setswitchinterval(self._interval)

    def _run(self) -> None:
        for step in self.steps:
            try:
                step()
            except Exception:
                continue
