"""Results of earlier runs, so that a re-run reads, checks and renders only what changed.

Everything is keyed by content, never by modification times:

- a file's read-and-check result (`FileOutcome`) by the sha256 of its bytes, its name and the run's
  digest (roster and year, last year's data, the form spec and the tool's own code);
- an output by a digest of everything it is made of; an output is skipped when its digest is the
  one recorded for it and the file still holds the bytes recorded (a deleted or edited output is
  written again).

It lives in <output>/<year>/.cache/ and is safe to delete. Entries are pickles that only this tool
writes; each starts with a header naming the format, and an entry that does not load (corrupt,
another version) is ignored and rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from pathlib import Path
from typing import Any

from .files import write_atomic

HEADER = b"nianbao-cache 1\n"
FILES = "files"
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
    """Read-and-check results of files, under <cache>/files/<key>."""

    def __init__(self, folder: Path, run_digest: str):
        self.folder = Path(folder) / FILES
        self.run_digest = run_digest
        self.used: set[str] = set()

    def key(self, name: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.run_digest}\n{name}\n{sha256}".encode()).hexdigest()

    def load(self, key: str):
        self.used.add(key)
        return load_entry(self.folder / key)

    def store(self, key: str, outcome) -> None:
        self.used.add(key)
        store_entry(self.folder / key, outcome)

    def prune(self) -> None:
        """Forget entries this run did not use (files since changed or removed)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used and not path.name.startswith("."):
                try:
                    path.unlink()
                except OSError:
                    pass


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

    def record(self, path: Path, digest: str) -> None:
        try:
            sha = file_bytes_digest(path)
        except OSError:
            self.entries.pop(self._name(path), None)
            return
        self.entries[self._name(path)] = (digest, sha)

    def forget(self, path: Path) -> None:
        self.entries.pop(self._name(path), None)

    def save(self) -> None:
        store_entry(self.path, self.entries)


def file_bytes_digest(path: Path) -> str:
    """The sha256 of a file's bytes, read a block at a time (data.csv of a large county is tens of
    megabytes: never all in memory just to be hashed)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


__all__ = ["FileCache", "OutputMemo", "digest_of", "tool_digest", "load_entry", "store_entry"]
