"""One snapshot of a file's bytes: everything the run learns about a file comes from it.

The inbox is read once. The hash, the format sniffing, every reader, the marked-up return copy and the
cache key all use the same bytes, so a file that changes while the run is going on cannot make the run
check one version and copy another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .names import shown_name


@dataclass(frozen=True)
class Snapshot:
    path: Path
    data: bytes  # b"" when the file could not be read (see `error`)
    size: int
    mtime: float | None  # seconds since the epoch, as the file system gave it
    error: OSError | None = None  # why the file could not be read
    label: str = ""  # how the file is named to the clerk when its name alone is ambiguous ("乡镇/青塘镇.xlsx")

    @property
    def name(self) -> str:
        """The file's name as shown everywhere (see `pipeline.names.shown_name`)."""
        return shown_name(self.label or self.path.name)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.error is None else ""

    @property
    def modified(self) -> dt.datetime | None:
        """The modification time as a local date, None when absent or out of the calendar's range."""
        if self.mtime is None:
            return None
        try:
            return dt.datetime.fromtimestamp(self.mtime)
        except (OverflowError, OSError, ValueError):
            return None


def take_snapshot(path: Path, label: str = "") -> Snapshot:
    """Read a file's bytes and facts once. Never raises for an OS error: it is kept in `error`.
    `label`: the name to show when the file name alone is ambiguous (its path within the inbox)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            data = handle.read()
    except OSError as exc:
        return Snapshot(path, b"", 0, None, exc, label)
    return Snapshot(path, data, len(data), stat.st_mtime, label=label)
