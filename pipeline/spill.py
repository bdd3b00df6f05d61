"""Each unit's bulky data kept on disk while a run goes on, so that a run's memory does not grow
with the number of units.

A county's run keeps, for every unit, the numbers, texts and facts its file gave (some 15 KiB a unit
as Python objects) until every output is written, and the output workers forked from the run's
process start with all of it. `Spill` is an anonymous temporary file (gone when closed, and when
the process ends) that those parts are appended to as each file's result arrives;
`HeldSubmission` is a `Submission` whose bulky fields are read back from it when asked for, the
last few kept at hand. Everything that uses a submission works on it unchanged (a forked worker
reads the same file); pickled (a task sent to a worker, a cache entry), it is a plain
`Submission` with all its data.

What a held submission gives back is read from disk and kept at hand only while it is among the
last few read: a change made to it in place is lost when it is read again later (the run's
submissions are not changed once read and checked). Setting the field keeps the new value.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import tempfile
import threading
import weakref
from collections import OrderedDict

from .workbook.reader import Submission

# the fields that go to disk; the rest (the file, the format, the unit's code and name, the
# findings …) stays in memory, what the run's bookkeeping and every message need
HELD_FIELDS = ("values", "provisional", "raw", "texts", "info", "places", "marks", "broken_tables", "broken_totals",
               "provenance")
RECENT = 8  # records kept at hand: a report or a sheet row reads one unit's fields many times


class Spill:
    """An append-only file of records (pickled bulky fields, or a file's bytes), read back by
    their (offset, length)."""

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="nianbao-", suffix=".spill")
        self._end = 0
        self._lock = threading.Lock()
        self._recent: OrderedDict[int, object] = OrderedDict()
        _SPILLS.add(self)
        weakref.finalize(self, self._file.close)  # closed (and so removed) with the last reference

    def append(self, payload: bytes) -> tuple[int, int]:
        with self._lock:
            offset = self._end
            _write_at(self._file, payload, offset)
            self._end += len(payload)
        return offset, len(payload)

    def read(self, place: tuple[int, int]) -> bytes:
        offset, length = place
        return _read_at(self._file, length, offset)

    def get(self, place: tuple[int, int]):
        """The pickled record at `place`, unpickled (the last RECENT kept at hand)."""
        offset, _ = place
        with self._lock:
            value = self._recent.get(offset)
            if value is not None:
                self._recent.move_to_end(offset)
                return value
        value = pickle.loads(self.read(place))
        with self._lock:
            self._recent[offset] = value
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return value

    def hold(self, submission: Submission) -> "HeldSubmission":
        """`submission` with its bulky fields in this file (a `PackedSubmission`'s as they were
        pickled where the file was examined: this process never unpickles them)."""
        if isinstance(submission, HeldSubmission):
            return submission
        fields = dict(vars(pack(submission)))
        place = self.append(fields.pop("_packed"))
        held = HeldSubmission.__new__(HeldSubmission)
        vars(held).update(fields, _spill=self, _place=place)
        return held

    def hold_bytes(self, data: bytes | None) -> "HeldBytes | None":
        return None if data is None else HeldBytes(self, self.append(data))

    def __reduce__(self):
        raise TypeError("a Spill is not sent to other processes: what it holds is (see HeldSubmission)")


class _Partial(Submission):
    """A `Submission` whose `HELD_FIELDS` are kept elsewhere, read by `_bulky()` when asked for.
    Setting one of them keeps the new value in memory."""

    def __getattr__(self, name):  # only called for what is not in the instance's __dict__
        if name in HELD_FIELDS:
            bulky = self._bulky()
            if bulky is not None:
                return bulky[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _bulky(self) -> dict | None:
        raise NotImplementedError

    def unheld(self) -> Submission:
        """A plain Submission with all the data."""
        return Submission(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Submission)})

    def __eq__(self, other):
        if isinstance(other, Submission):
            return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(Submission))
        return NotImplemented

    __hash__ = None


class HeldSubmission(_Partial):
    """A `Submission` whose `HELD_FIELDS` are in a `Spill` (see the module)."""

    def _bulky(self) -> dict | None:
        own = vars(self)
        return own["_spill"].get(own["_place"]) if "_spill" in own else None

    def __reduce__(self):
        return _plain_submission, (self.unheld().__dict__,)


class PackedSubmission(_Partial):
    """A `Submission` whose `HELD_FIELDS` are pickled into one bytes value (`pack`): what a worker
    sends back for a run, which the run's process writes to its `Spill` as it is. It pickles as it
    is (also into the cache)."""

    def _bulky(self) -> dict | None:
        own = vars(self)
        return pickle.loads(own["_packed"]) if "_packed" in own else None


def pack(submission: Submission) -> Submission:
    """`submission` as a `PackedSubmission` (made where the file is examined)."""
    if isinstance(submission, _Partial):
        return submission
    packed = PackedSubmission.__new__(PackedSubmission)
    fields = vars(submission)
    vars(packed).update({name: value for name, value in fields.items() if name not in HELD_FIELDS})
    bulky = {name: fields[name] for name in HELD_FIELDS}
    vars(packed)["_packed"] = pickle.dumps(bulky, protocol=pickle.HIGHEST_PROTOCOL)
    return packed


_SPILLS: weakref.WeakSet = weakref.WeakSet()


def _new_locks() -> None:
    """In a forked worker: a lock another thread of the parent held at the fork stays held."""
    for spill in list(_SPILLS):
        spill._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_locks)


def _plain_submission(fields: dict) -> Submission:
    return Submission(**fields)


@dataclasses.dataclass(frozen=True)
class HeldBytes:
    """Bytes kept in a `Spill`: `get()` reads them back. Pickled, they are the bytes themselves."""

    spill: Spill
    place: tuple[int, int]

    def get(self) -> bytes:
        return self.spill.read(self.place)

    def __reduce__(self):
        return _same, (self.get(),)

    def __eq__(self, other):  # equal to the same bytes, held or not (as the plain bytes were)
        if isinstance(other, (HeldBytes, bytes)):
            return self.get() == bytes_of(other)
        return NotImplemented

    __hash__ = None


def _same(value):
    return value


def bytes_of(data: "bytes | HeldBytes | None") -> bytes | None:
    return data.get() if isinstance(data, HeldBytes) else data


if hasattr(os, "pread"):
    def _write_at(file, payload: bytes, offset: int) -> None:
        view = memoryview(payload)
        while view:
            written = os.pwrite(file.fileno(), view, offset)
            view, offset = view[written:], offset + written

    def _read_at(file, length: int, offset: int) -> bytes:
        # pread: a forked worker shares the file position with this process, never changed here
        chunks = []
        while length:
            chunk = os.pread(file.fileno(), length, offset)
            if not chunk:
                raise OSError("spill file cut short")
            chunks.append(chunk)
            length -= len(chunk)
            offset += len(chunk)
        return b"".join(chunks)
else:  # Windows: workers are started, not forked, and get plain submissions; one process reads
    _POSITION = threading.Lock()

    def _write_at(file, payload: bytes, offset: int) -> None:
        with _POSITION:
            file.seek(offset)
            file.write(payload)
            file.flush()

    def _read_at(file, length: int, offset: int) -> bytes:
        with _POSITION:
            file.seek(offset)
            data = file.read(length)
        if len(data) != length:
            raise OSError("spill file cut short")
        return data
