"""The per-file stage of a run: snapshot → read → identify → check, as a pure function of the file.

It runs in worker processes (`concurrent.futures.ProcessPoolExecutor`), so what goes in (the job) and
what comes back (`FileOutcome`: the Submission without any workbook object, its findings) is plain,
picklable data, also under the spawn start method of Windows. The file's bytes travel back only
when the file has errors: the marked-up return copy is made from the very bytes that were checked.

A file whose reading raises an unexpected exception is one ERROR finding for its unit; the traceback
travels back with the outcome (the run saves it under the output folder) and the other files go on.
"""

from __future__ import annotations

import pickle
import sys
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .findings import sort_key
from .forms import Form
from .forms.spec import ERROR
from .reading import read_document
from .snapshot import Snapshot, take_snapshot
from .workbook.reader import FileInfo, Submission

CRASH_MESSAGE = "读取时出现程序错误，已记录"


@dataclass
class FileOutcome:
    submission: Submission
    unit_code: str | None  # the roster unit the file belongs to (None: unknown, or no roster)
    read_findings: int  # how many of the findings came before the checks (a duplicate keeps only these)
    data: bytes | None = field(default=None, repr=False)  # the bytes as read, only when the file has errors
    crash: str = ""  # the traceback when reading or checking raised


@dataclass(frozen=True)
class FileJob:
    """What every file of a county's run is examined against."""

    roster: object  # batch.Roster
    year: int
    form: Form
    previous_by_unit: Mapping[str, Mapping[str, Decimal]]
    history: bool  # last year's data was given: a unit missing from it gets a notice
    previous_texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # last year's texts by unit code

    def examine(self, snapshot: Snapshot) -> FileOutcome:
        from .batch import check_unit_file, identify
        from .peers import peer_keys

        submission = read_document(snapshot)
        unit = identify(submission, self.roster)
        read_findings = len(submission.findings)
        if unit is not None and submission.readable:
            previous = self.previous_by_unit.get(unit.code)
            check_unit_file(submission, unit, self.year, self.form, previous, history=self.history,
                            previous_texts=self.previous_texts.get(unit.code))
        # where each cell was: only reading and checking need it (flat memory), except the cells the
        # comparison with peers reads after all units are in (its notices name the cell)
        kept = set(peer_keys(self.form))
        submission.places = {key: place for key, place in submission.places.items() if key in kept}
        # what a cell held as typed: only a draft report prints it, for a cell whose value was refused
        submission.raw = {key: raw for key, raw in submission.raw.items() if key not in submission.values}
        share_values(submission)
        return FileOutcome(submission, unit.code if unit else None, read_findings)


@dataclass(frozen=True)
class CheckJob:
    """`nianbao check`: one file on its own, without a roster."""

    unit_kind: str | None = None

    def examine(self, snapshot: Snapshot) -> FileOutcome:
        from .checks import check_submission

        submission = read_document(snapshot)
        read_findings = len(submission.findings)
        check_submission(submission, self.unit_kind)
        submission.findings.sort(key=sort_key)
        return FileOutcome(submission, None, read_findings)


def examine_path(path: Path, job) -> FileOutcome:
    """Snapshot one file and examine it. Never raises for a bad file, nor for a bug met while reading it."""
    return examine_snapshot(take_snapshot(path), job)


def examine_snapshot(snapshot: Snapshot, job) -> FileOutcome:
    try:
        outcome = job.examine(snapshot)
    except Exception:
        outcome = _crashed(snapshot, job, traceback.format_exc())
    if any(f.severity == ERROR for f in outcome.submission.findings) and outcome.submission.readable:
        outcome.data = snapshot.data
    return outcome


def _crashed(snapshot: Snapshot, job, trace: str) -> FileOutcome:
    submission = Submission(FileInfo.of_snapshot(snapshot))
    submission.note(
        ERROR, "internal-error",
        f"{snapshot.name} {CRASH_MESSAGE}（程序错误记录在输出文件夹的 程序错误记录 中）。"
        "这不是报送单位的错误：请把该记录和这个文件发给工具的维护人员；其余单位的结果不受影响。",
    )
    unit_code = None
    roster = getattr(job, "roster", None)
    if roster is not None:
        from .batch import identify

        unit = identify(submission, roster)  # by the file name, as for an unreadable file
        unit_code = unit.code if unit else None
    return FileOutcome(submission, unit_code, len(submission.findings), crash=trace)


def examine_all(
    paths: Sequence[Path],
    job,
    *,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    mp_context=None,
    cache=None,
    warmup=None,
    spill=None,
) -> list[FileOutcome]:
    """Every file examined, in the order of `paths`; `jobs` worker processes (None: one per core, 1:
    in this process). `progress` is called with each file name as its result arrives.

    Each file is read once here (its snapshot travels to the worker). With a `cache.FileCache`, a
    file whose bytes (and name, and the run's digest) were examined before is not examined again.
    With a `warmup.Warmup`, its steps run in this process while workers examine files (not at all
    when no file needs examining, or when there are no workers); it is finished when this returns.
    With a `spill.Spill`, each outcome's bulky data (its submission's numbers, texts …, the bytes
    of a file with errors) goes there as the outcome arrives: the list holds what remains."""
    from .pool import stream_tasks, workers_for

    label = getattr(paths, "label", lambda path: "")  # an inbox scan names same-named files by their folder
    paths = [Path(p) for p in paths]
    results: list[FileOutcome | None] = [None] * len(paths)
    keys: dict[int, str] = {}

    def keep(outcome: FileOutcome) -> FileOutcome:
        if spill is None:
            share_values(outcome.submission)
        else:
            outcome.submission = spill.hold(outcome.submission)
            outcome.data = spill.hold_bytes(outcome.data)
        return outcome

    def misses():
        for i, path in enumerate(paths):
            snapshot = take_snapshot(path, label(path))
            if cache is not None and snapshot.error is None:
                keys[i] = cache.key(snapshot.name, snapshot.sha256)
                hit = cache.load(keys[i])
                if isinstance(hit, FileOutcome):
                    hit.submission.file = FileInfo.of_snapshot(snapshot)  # this run's path and time
                    results[i] = keep(hit)
                    if progress:
                        progress(path.name)
                    continue
            yield i, path.name, (snapshot,)

    stream = stream_tasks(
        _examine_in_worker, misses(), workers=workers_for(jobs, len(paths)), progress=progress,
        initializer=_set_job, initargs=(job, spill is not None), mp_context=mp_context,
        started=warmup.start if warmup is not None else None, niceness=READING_NICENESS,
    )
    try:
        for i, outcome in stream:
            payload = None
            if isinstance(outcome, bytes):  # pickled where it was examined (see _examine_in_worker)
                payload, outcome = outcome, pickle.loads(outcome)
            if cache is not None and i in keys and not outcome.crash:
                cache.store(keys[i], outcome, payload=payload)
            results[i] = keep(outcome)
    finally:
        if warmup is not None:
            warmup.join()
    return results  # type: ignore[return-value]


# The reading workers' priority below this process's (pool.stream_tasks' `niceness`). While they
# read, this process feeds them and, in its warm-up thread, prepares the later stages: with three
# busy processes on two cores it got about a third less than a core, and the county outputs
# waited for the warm-up ~0.07 s longer (median of 4 alternating 200-unit runs, 0.72 s against
# 0.65 s into the run). The outputs' workers keep the normal priority.
READING_NICENESS = 5


_SHARED_NUMBERS: dict[str, Decimal] = {}
SHARED_NUMBERS_LIMIT = 4096  # distinct small numbers kept (a hostile file cannot grow the table)


def share_values(submission: Submission) -> None:
    """Make the keys and the small numbers of `submission.values` the very objects every other
    submission of this process uses: a county's thousands of units hold the same ~200 keys and
    mostly zeros, ~35 KiB a unit when each has its own. Equal means the same digits: 0 and 0.00
    stay different numbers. (In a worker, it also lets pickle send each number once.)"""
    values = {}
    for key, value in submission.values.items():
        if isinstance(value, Decimal):
            value = shared_number(str(value), value)
        values[sys.intern(key)] = value
    submission.values = values


def shared_number(text: str, value: Decimal) -> Decimal:
    """The one Decimal of this process for a small number written `text` (its digits as `value`
    has them), or `value` itself (a long number, or the table is full)."""
    if len(text) > 12:
        return value
    shared = _SHARED_NUMBERS.get(text)
    if shared is None and len(_SHARED_NUMBERS) < SHARED_NUMBERS_LIMIT:
        shared = _SHARED_NUMBERS[text] = value
    return shared if shared is not None else value


_JOB = None
_PACK = False  # the run keeps what it is sent in a spill: send the bulky fields pickled once (spill.pack)


def _set_job(job, pack: bool = False) -> None:
    global _JOB, _PACK
    _JOB, _PACK = job, pack


def _examine_in_worker(snapshot: Snapshot) -> FileOutcome | bytes:
    """The file's outcome; pickled here when the run keeps it in a spill (its bulky fields pickled
    once more inside, see spill.pack): the run stores these very bytes in its cache, and its copy of
    the outcome is never pickled again."""
    outcome = examine_snapshot(snapshot, _JOB)
    if _PACK:
        from .spill import pack

        outcome.submission = pack(outcome.submission)
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    return outcome
