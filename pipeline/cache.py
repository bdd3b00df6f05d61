"""Results of earlier runs, so that a re-run reads, checks and renders only what changed.

Everything is keyed by content, never by modification times:

- a file's read-and-check result (`FileOutcome`) by the sha256 of its bytes, its name and the run's
  digest (roster and year, last year's data, the form spec and the tool's own code);
- an output by a digest of everything it is made of; an output is skipped when its digest is the
  one recorded for it and the file still holds the bytes recorded (a deleted or edited output is
  written again).

It lives in <output>/<year>/.cache/ and is safe to delete. Entries are pickles that only this tool
writes, in files that start with a header naming their format (the files' results in one pack,
`FileCache`); an entry that does not load (corrupt, another version) is ignored and rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import struct
from pathlib import Path
from typing import Any

from .files import write_atomic, write_atomic_chunks

HEADER = b"nianbao-cache 1\n"
OUTPUTS = "outputs.pkl"


@functools.lru_cache(maxsize=1)
def tool_digest() -> str:
    """The tool's own code: every module of the package, the form spec included (so also a new
    version: importlib.metadata alone costs more to import than hashing the code)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def digest_of(*parts: Any) -> str:
    """A content digest of plain data (dataclasses, dicts in insertion order, str, Decimal, Path …),
    by its repr: unlike a pickle, it does not depend on which equal objects happen to be shared."""
    text = repr(parts)
    if " object at 0x" in text:
        raise ValueError("digest of an object without a value repr")
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def digest_of_each(items) -> str:
    """`digest_of` for a long sequence (a county's findings, last year's values): an item's repr
    at a time, never the whole text at once."""
    digest = hashlib.sha256()
    for item in items:
        text = repr(item)
        if " object at 0x" in text:
            raise ValueError("digest of an object without a value repr")
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def digest_by_unit(by_unit) -> str:
    """`digest_of_each` of {unit code: {key: value}} (last year's values or texts), a unit at a
    time in code order, its items sorted."""
    by_unit = by_unit or {}
    return digest_of_each((code, sorted(by_unit[code].items())) for code in sorted(by_unit))


def load_entry(path: Path) -> Any | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(HEADER):
        return None
    try:
        return pickle.loads(data[len(HEADER):])
    except Exception:  # a truncated or foreign entry is rebuilt
        return None


def store_entry(path: Path, value: Any) -> None:
    try:
        write_atomic(path, HEADER + pickle.dumps(value, protocol=4))
    except OSError:
        pass  # a cache that cannot be written only costs time


class FileCache:
    """Read-and-check results of files, in one pack file, <cache>/files.pack.

    One file, appended to as results arrive, rather than a file per input: creating a thousand
    small files cost a county's run about a second here (and more on Windows, where every new file
    is scanned). The pack is a header, then records: the key, the sha256 of the payload, the
    payload's length (`_RECORD`) and the payload, a pickled `FileOutcome`. The last record of a key
    counts. A record whose payload does not match its sha256 is ignored, and so is everything from
    a record that is cut short (a run stopped while writing) or unreadable to the end of the pack;
    a pack with another header is started again.

    Records of files no run uses any longer stay until they are most of the pack: `close` then
    rewrites it with only the records this run used."""

    def __init__(self, folder: Path, run_digest: str):
        self.path = Path(folder) / PACK
        self.run_digest = run_digest
        self.used: set[str] = set()
        self._index: dict[bytes, tuple[int, int, bytes]] | None = None  # key -> (offset, length, sha256)
        self._end = 0  # where the readable records end (a cut-short one is written over)
        self._reader = None
        self._writer = None
        self._failed = False  # writing failed (disk full …): nothing more is stored this run

    def key(self, name: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.run_digest}\n{name}\n{sha256}".encode()).hexdigest()

    def load(self, key: str):
        self.used.add(key)
        place = self._records().get(bytes.fromhex(key))
        if place is None or self._reader is None:
            return None
        offset, length, digest = place
        try:
            self._reader.seek(offset)
            payload = self._reader.read(length)
            if hashlib.sha256(payload).digest() != digest:
                return None
            return pickle.loads(payload)
        except Exception:  # unreadable or foreign: examined again
            return None

    def store(self, key: str, outcome, *, payload: bytes | None = None) -> None:
        """Keep `outcome` under `key`; `payload`: the outcome already pickled (as it came from a worker)."""
        self.used.add(key)
        if self._failed:
            return
        try:
            if payload is None:
                payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            writer = self._writer or self._open_writer()
            digest = hashlib.sha256(payload).digest()
            writer.write(_RECORD.pack(bytes.fromhex(key), digest, len(payload)))
            self._records()[bytes.fromhex(key)] = (writer.tell(), len(payload), digest)
            writer.write(payload)
        except OSError:  # a cache that cannot be written only costs time; no record after a broken one
            self._failed = True

    def close(self, *, compact: bool = True) -> None:
        """Finish the pack: everything stored is written; when the records this run did not use
        are most of the pack, it is rewritten with only the used ones (unless `compact` is false:
        a run that stopped early used only some of the records it would have)."""
        for stream in (self._writer, self._reader):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self._writer = self._reader = None
        if not compact:
            self._index = None
            return
        shutil.rmtree(self.path.parent / LEGACY_FILES, ignore_errors=True)  # a file per input, before the pack
        index = self._index or {}
        used = {bytes.fromhex(key) for key in self.used}
        kept = sum(length for key, (_, length, _) in index.items() if key in used)
        try:
            size = self.path.stat().st_size
        except OSError:
            return
        if size > 2 * (kept + len(PACK_HEADER) + _RECORD.size * len(used)) + 2**20:
            try:
                write_atomic_chunks(self.path, self._used_records(used))
            except OSError:
                pass
        self._index = None

    def _records(self) -> dict[bytes, tuple[int, int, bytes]]:
        if self._index is None:
            self._index = {}
            if self.path.is_symlink():
                return self._index  # not a pack this tool wrote: never read, replaced when written
            try:
                self._reader = open(self.path, "rb")
            except OSError:
                return self._index
            self._end = _scan(self._reader, self._index)
        return self._index

    def _open_writer(self):
        self._records()
        if self._end == 0:  # no pack yet, or not one of ours: started again
            self._index = {}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.is_symlink():
                self.path.unlink()  # the link, not what it points to
            writer = open(self.path, "wb")
            writer.write(PACK_HEADER)
        else:
            writer = open(self.path, "r+b")
            writer.seek(self._end)
            writer.truncate()  # a record cut short by a run that stopped
        self._writer = writer
        return writer

    def _used_records(self, used: set[bytes]):
        yield PACK_HEADER
        with open(self.path, "rb") as reader:
            index = {}
            _scan(reader, index)
            for key, (offset, length, digest) in index.items():
                if key in used:
                    reader.seek(offset)
                    yield _RECORD.pack(key, digest, length) + reader.read(length)


PACK = "files.pack"
LEGACY_FILES = "files"
PACK_HEADER = b"nianbao-cache-pack 1\n"
_RECORD = struct.Struct("<32s32sQ")  # key, sha256 of the payload, length of the payload


def _scan(reader, index: dict) -> int:
    """Read the records' places of a pack into `index`; returns where the readable records end
    (0: not a pack)."""
    if reader.read(len(PACK_HEADER)) != PACK_HEADER:
        return 0
    size = os.fstat(reader.fileno()).st_size
    end = reader.tell()
    while True:
        head = reader.read(_RECORD.size)
        if len(head) < _RECORD.size:
            return end
        key, digest, length = _RECORD.unpack(head)
        offset = reader.tell()
        if offset + length > size:
            return end  # cut short
        index[key] = (offset, length, digest)
        reader.seek(length, os.SEEK_CUR)
        end = offset + length


class OutputMemo:
    """Which output was made from which inputs: {path relative to the year folder: (digest, sha256)}."""

    def __init__(self, cache_folder: Path, base: Path):
        self.path = Path(cache_folder) / OUTPUTS
        self.base = Path(base)
        loaded = load_entry(self.path)
        self.entries: dict[str, tuple[str, str]] = loaded if isinstance(loaded, dict) else {}

    def _name(self, path: Path) -> str:
        return str(Path(path).relative_to(self.base))

    def fresh(self, path: Path, digest: str) -> bool:
        """The output at `path` was made from `digest` and still holds the bytes it was written with."""
        entry = self.entries.get(self._name(path))
        if entry is None or entry[0] != digest:
            return False
        try:
            return file_bytes_digest(path) == entry[1]
        except OSError:
            return False

    def intact(self, path: Path) -> bool:
        """The output at `path` still holds the bytes it was last recorded with (whatever it was made from)."""
        entry = self.entries.get(self._name(path))
        return entry is not None and self.fresh(path, entry[0])

    def record(self, path: Path, digest: str) -> None:
        try:
            sha = file_bytes_digest(path)
        except OSError:
            self.entries.pop(self._name(path), None)
            return
        self.entries[self._name(path)] = (digest, sha)

    def forget(self, path: Path) -> None:
        self.entries.pop(self._name(path), None)

    def written_in(self, folder: Path) -> list[Path]:
        """The outputs recorded directly in `folder`: what earlier runs made there (a roster unit
        renamed or removed leaves its old report and copy behind, under a name this run no longer
        makes; `intact` says whether one is still as written)."""
        inside = self._name(folder)
        return [self.base / name for name in sorted(self.entries) if str(Path(name).parent) == inside]

    def save(self) -> None:
        store_entry(self.path, self.entries)


def file_bytes_digest(path: Path) -> str:
    """The sha256 of a file's bytes, read a block at a time (data.csv of a large county is tens of
    megabytes: never all in memory just to be hashed)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


__all__ = ["FileCache", "OutputMemo", "digest_of", "tool_digest", "load_entry", "store_entry"]
