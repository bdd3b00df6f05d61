"""Any file of the inbox into a Submission: the one entry point every run and check goes through.

Each medium has its own reader (the returned workbook today; published reports in other modules),
chosen by the file's bytes, never by its extension. All of them produce the same Submission, so every
check works on all of them unchanged.
"""

from __future__ import annotations

from pathlib import Path

from .snapshot import Snapshot, take_snapshot
from .workbook.reader import Submission, read_snapshot


def read_document(snapshot: Snapshot) -> Submission:
    """Read one snapshot with the reader its bytes call for. Never raises for a bad file."""
    return read_snapshot(snapshot)


def read_path(path: Path, label: str = "") -> Submission:
    return read_document(take_snapshot(Path(path), label))
