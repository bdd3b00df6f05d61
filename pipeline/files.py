"""Writing outputs: atomically, and byte-identical when nothing changed.

Office files are zip archives whose entries carry a timestamp; openpyxl and python-docx stamp the
current time. `normalize_zip` rewrites them with a fixed one so that the same content gives the same
bytes, and `write_atomic` leaves an existing identical file alone (its modification time too).
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import io
import itertools
import os
import re
import stat
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Iterable, Iterator

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def fixed_timestamp(year: int) -> dt.datetime:
    """The creation time written into generated documents for a report year (no wall clock)."""
    return dt.datetime(year + 1, 1, 1, 0, 0, 0)


def normalize_zip(data: bytes) -> bytes:
    """The same archive with every entry's timestamp fixed and entries in their original order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file in the same folder. Returns False (and writes
    nothing) when the file already holds exactly these bytes (a file of another size is not read).

    An OSError raised on the way names `path`, never the temporary file: a clerk can close or free
    the output file, not a name that existed for a moment (see `pipeline.oserrors`)."""
    return _write_atomic(Path(path), iter((data,)), len(data))


def write_atomic_chunks(path: Path, chunks: Iterable[bytes]) -> bool:
    """`write_atomic` for an output made as it is written (data.csv of a large county is tens of
    megabytes, never all in memory). The chunks are compared with what `path` holds as they come;
    only from the first chunk that differs is a temporary file written (the bytes before it copied
    from `path`), which then replaces `path`. So an unchanged output needs no disk space at all."""
    return _write_atomic(Path(path), iter(chunks), None)


def _write_atomic(path: Path, chunks: Iterator[bytes], size: int | None) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        differs = _first_difference(path, chunks, size)
        if differs is None:
            return False
        same, rest = differs
        _replace_through_temporary(path, itertools.chain(_head_of(path, same), rest))
    except OSError as exc:
        raise _named(exc, path) from exc
    return True


def _first_difference(path: Path, chunks: Iterator[bytes], size: int | None) -> tuple[int, Iterator[bytes]] | None:
    """None when the file at `path` holds exactly the bytes of `chunks` (`size` of them, when
    known: a file of another size is not read); else how many of its first bytes they share, and
    the chunks from there on."""
    if not path.is_file() or (size is not None and path.stat().st_size != size):
        return 0, chunks
    with open(path, "rb") as old:
        same = 0
        for chunk in chunks:
            if old.read(len(chunk)) != chunk:
                return same, itertools.chain((chunk,), chunks)
            same += len(chunk)
        return None if not old.read(1) else (same, iter(()))


def _head_of(path: Path, size: int, block: int = 2**20) -> Iterator[bytes]:
    """The first `size` bytes of the file at `path`, a block at a time."""
    if size == 0:
        return
    with open(path, "rb") as old:
        while size > 0:
            data = old.read(min(block, size))
            if not data:
                raise OSError(errno.EIO, "the file got shorter while it was read", str(path))
            size -= len(data)
            yield data


def _named(exc: OSError, path: Path) -> OSError:
    if exc.filename is not None and Path(exc.filename).parent == path.parent and Path(exc.filename) != path:
        return _naming(exc, path)
    return exc


TEMPORARY_PREFIX = ".~"
STALE_TEMPORARY_AGE = 600  # seconds: longer than any output takes to write; a younger one may be another run's
# what mkstemp names a temporary file of `_replace_through_temporary`: prefix, the output's stem,
# 8 random characters, the output's suffix
_TEMPORARY = re.compile(rf"^{re.escape(TEMPORARY_PREFIX)}(?P<stem>.+)[a-z0-9_]{{8}}(?P<suffix>\.[^.]+)$")


def remove_stale_temporaries(folder: Path, *, older_than: float = STALE_TEMPORARY_AGE) -> list[Path]:
    """Remove, under `folder`, the temporary files of outputs that a killed run (power cut, Task
    Manager) left behind: named as `_replace_through_temporary` names them, next to the output
    they were to replace (which exists), and older than `older_than` seconds. On Windows they are
    not even hidden. Anything else, LibreOffice's lock files (`.~lock.<name>#`) among them, is left
    alone. Returns what was removed."""
    removed = []
    cutoff = time.time() - older_than
    for root, _, names in os.walk(folder):
        present = set(names)
        for name in names:
            match = _TEMPORARY.match(name)
            if match is None or name.startswith(".~lock.") or match["stem"] + match["suffix"] not in present:
                continue
            path = Path(root) / name
            try:
                info = path.lstat()
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
    return removed


def remove_unmade(folder: Path, ours: set[str], kept: set[str], memo=None, siblings: tuple[str, ...] = ()) -> None:
    """Remove from `folder` the outputs a run did not make this time (`kept`: the names it made or
    keeps): those named `ours` (what the roster names them), and, with the run's `memo`
    (`cache.OutputMemo`), any an earlier run recorded there that nobody has changed since, such as
    a unit's report under its name before the roster renamed or removed the unit, each with its
    `siblings` (the same stem with these suffixes: a report's PDF). Only the recorded outputs not
    kept are hashed: a re-run with nothing changed reads none."""
    if not folder.is_dir():
        return
    ours = set(ours)
    if memo is not None:
        for path in memo.written_in(folder):
            if path.name not in kept and path.name not in ours and memo.intact(path):
                ours |= {path.name, *(path.with_suffix(suffix).name for suffix in siblings)}
    for path in folder.iterdir():
        if path.name in ours and path.name not in kept:
            path.unlink()
            if memo is not None:
                memo.forget(path)


def _replace_through_temporary(path: Path, chunks: Iterable[bytes]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=TEMPORARY_PREFIX + path.stem, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:
            raise _naming(exc, path) from exc  # e.g. ENOSPC from write(), which names no file
        raise


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (same class, errno and winerror) naming `path`."""
    renamed = type(exc)(exc.errno, exc.strerror, str(path))
    if getattr(exc, "winerror", None) is not None:
        try:
            renamed.winerror = exc.winerror
        except AttributeError:  # read-only where the platform sets it; the errno still tells the reason
            pass
    return renamed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def workbook_bytes(workbook) -> bytes:
    """An openpyxl workbook as deterministic .xlsx bytes.

    `Workbook.save` stamps the current time as the modification date; the writer is called
    directly so that the document keeps the dates its builder set.
    """
    buffer = io.BytesIO()
    with _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _excel_writer()(workbook, archive).save()
        normalized = archive.normalized()
    return buffer.getvalue() if normalized else normalize_zip(buffer.getvalue())


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip being written whose entries named by `writestr` get `FIXED_ZIP_TIME` (and otherwise
    what `ZipFile.writestr` gives them): the archive `normalize_zip` would make of it, without
    inflating and deflating everything again. `normalized()` says whether that holds (every
    entry written so, each name once); if not, the caller normalizes as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fixed = True
        self._names: set[str] = set()

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str) and compress_type is None and compresslevel is None:
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_ZIP_TIME)
            info.compress_type = self.compression
            info._compresslevel = self.compresslevel
            if info.filename[-1] == "/":
                info.external_attr = 0o40775 << 16 | 0x10
            else:
                info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        self._note(zinfo_or_arcname, compress_type is None and compresslevel is None)
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, *args, **kwargs):
        self._fixed = False  # the file's own time and attributes: normalize_zip rewrites them
        return super().write(*args, **kwargs)

    def writepieces(self, info: zipfile.ZipInfo, pieces: Iterable[bytes]) -> None:
        """`writestr(info, b"".join(pieces))` without the joined copy: the same entry, byte for byte
        (deflate's output does not depend on how its input is cut)."""
        self._note(info, True)
        with self.open(info, "w") as entry:
            for piece in pieces:
                entry.write(piece)

    def _note(self, info, plain: bool) -> None:
        name = info.filename if isinstance(info, zipfile.ZipInfo) else str(info)
        if (
            not plain
            or not isinstance(info, zipfile.ZipInfo)
            or info.date_time != FIXED_ZIP_TIME
            or info.compress_type != zipfile.ZIP_DEFLATED
            or info._compresslevel is not None
            or name in self._names
        ):
            self._fixed = False
        self._names.add(name)

    def normalized(self) -> bool:
        return self._fixed and self.compression == zipfile.ZIP_DEFLATED and self.compresslevel is None


@functools.cache
def _excel_writer():
    """openpyxl's ExcelWriter, with each worksheet's XML written in memory.

    openpyxl writes every worksheet to a temporary file, copies it into the archive and deletes it;
    on some disks deleting takes longer than writing the sheet. The entry gets the same content and
    the same attributes (those of a temporary file), so the bytes are those openpyxl's own writer
    and `normalize_zip` give. The rows come from `pipeline.workbook.sheetdata`, which writes them
    as openpyxl does, several times faster."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    from .workbook import sheetdata

    class MemoryExcelWriter(ExcelWriter):
        def write_worksheet(self, ws):  # openpyxl 3.1.5 ExcelWriter.write_worksheet, without the file
            if self.workbook.write_only:
                return super().write_worksheet(ws)
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            if not sheetdata.FAST:
                sheetdata.materialize(ws)  # openpyxl's own writer knows only real cells
            writer = (sheetdata.FastWorksheetWriter if sheetdata.FAST else WorksheetWriter)(ws, io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            info = zipfile.ZipInfo(ws.path[1:], date_time=FIXED_ZIP_TIME)
            info.compress_type = self._archive.compression
            info.external_attr = _temporary_file_attr()
            if isinstance(writer, sheetdata.FastWorksheetWriter):
                try:
                    self._archive.writepieces(info, writer.pieces())  # a large sheet never joined in memory
                finally:
                    writer.close_rows()
            else:
                self._archive.writestr(info, writer.read())
            self.manifest.append(ws)

    return MemoryExcelWriter


@functools.cache
def _temporary_file_attr() -> int:
    """The zip attributes `ZipFile.write` records for a temporary file as openpyxl makes them
    (0600 regular file on POSIX; Windows reports its own mode), worked out once per process."""
    try:
        with tempfile.NamedTemporaryFile(mode="w", prefix="nianbao.", delete=False) as handle:
            name = handle.name
        try:
            return (os.stat(name).st_mode & 0xFFFF) << 16
        finally:
            os.remove(name)
    except OSError:
        return 0o100600 << 16


def save_workbook(workbook, path: Path) -> bool:
    return write_atomic(path, workbook_bytes(workbook))
