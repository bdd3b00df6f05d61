"""Outputs written as they are made, and the run shared with forked workers: what keeps a large
county's memory down must not change a byte of what is written."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import pickle
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import outputs, store
from pipeline.cache import file_bytes_digest
from pipeline.files import FIXED_ZIP_TIME, _FixedTimeZipFile, write_atomic_chunks
from pipeline.pool import Workers


# --- write_atomic_chunks ---------------------------------------------------------------------------


def test_chunks_are_written_to_the_file(tmp_path):
    path = tmp_path / "输出" / "data.csv"
    assert write_atomic_chunks(path, iter([b"ab", b"", b"cd"])) is True
    assert path.read_bytes() == b"abcd"
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~_umask()  # an ordinary file, not mkstemp's 0600
    assert [p.name for p in path.parent.iterdir()] == ["data.csv"]


def test_the_same_bytes_leave_the_file_alone(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"abcd")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert write_atomic_chunks(path, [b"a", b"bcd"]) is False
    assert os.stat(path).st_mtime_ns == 1_000_000_000  # not even replaced by an equal copy
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]  # no temporary file left


@pytest.mark.parametrize("new", [b"abce", b"abc", b"abcde"])
def test_other_bytes_replace_the_file(tmp_path, new):
    path = tmp_path / "data.csv"
    path.write_bytes(b"abcd")
    assert write_atomic_chunks(path, [new[:2], new[2:]]) is True
    assert path.read_bytes() == new
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


@pytest.mark.parametrize(("old", "chunks"), [
    (b"abcdef", [b"abc", b"dXf"]),  # differs in the second chunk: the first is copied from the file
    (b"abcdef", [b"abc"]),  # the file is longer
    (b"ab", [b"ab", b"c"]),  # the file is shorter
    (b"abcdef", [b"", b"Xbc", b"def"]),
])
def test_the_file_gets_exactly_the_new_bytes_wherever_they_differ(tmp_path, old, chunks):
    path = tmp_path / "data.csv"
    path.write_bytes(old)
    assert write_atomic_chunks(path, iter(chunks)) is True
    assert path.read_bytes() == b"".join(chunks)


def test_an_unchanged_output_needs_no_free_space(tmp_path, monkeypatch):
    """Regression: the chunks were written to a temporary file before being compared, so a re-run on
    a nearly full disk failed for an output it did not need to change (data.csv: ~32 KB a unit)."""
    import errno
    import tempfile

    path = tmp_path / "data.csv"
    path.write_bytes(b"abcd" * 1000)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / ".~data8x2k1q9z.csv"))

    monkeypatch.setattr(tempfile, "mkstemp", full)
    assert write_atomic_chunks(path, (b"abcd" for _ in range(1000))) is False
    with pytest.raises(OSError) as caught:
        write_atomic_chunks(path, (b"abce" for _ in range(1000)))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(path)
    assert path.read_bytes() == b"abcd" * 1000


def test_a_failing_chunk_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"old")

    def chunks():
        yield b"new"
        raise ValueError("the data ran out")

    with pytest.raises(ValueError):
        write_atomic_chunks(path, chunks())
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_a_file_is_hashed_as_its_bytes(tmp_path):
    import hashlib

    path = tmp_path / "big.bin"
    data = os.urandom(3 * 2**20 + 17)  # more than one block
    path.write_bytes(data)
    assert file_bytes_digest(path) == hashlib.sha256(data).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- a worksheet streamed into the archive -----------------------------------------------------


def _archive(write) -> bytes:
    buffer = io.BytesIO()
    with _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100600 << 16
        write(archive, info)
        assert archive.normalized()
    return buffer.getvalue()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=3000) | st.sampled_from([b"<row r=\"1\">", b"<c r=\"A1\"/>" * 200]), max_size=30))
def test_pieces_give_the_entry_writestr_gives(pieces):
    """Deflate's output does not depend on how its input is cut: the streamed entry is the same bytes."""
    joined = _archive(lambda archive, info: archive.writestr(info, b"".join(pieces)))
    streamed = _archive(lambda archive, info: archive.writepieces(info, iter(pieces)))
    assert streamed == joined


# --- data.csv as chunks ------------------------------------------------------------------------------


def _one_text_writer(columns, lines) -> bytes:
    """How data.csv was written before it was streamed: one text writer over one buffer."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(lines)
    text.flush()
    return buffer.getvalue()


def test_csv_chunks_join_to_what_one_writer_gives(monkeypatch):
    monkeypatch.setattr(store, "CSV_CHUNK_LINES", 3)
    lines = [[f"{i:02d}", "青塘镇", "二行\r\n文字", 'say "hi", twice', "'=1+1", ""] for i in range(10)]
    columns = ("a", "b", "c", "d", "e", "f")
    chunks = list(store._csv_chunks(columns, iter(lines)))
    assert len(chunks) == 1 + 4  # the BOM, then lines 1-3, 4-6, 7-9 and the rest (header included)
    assert b"".join(chunks) == _one_text_writer(columns, lines)
    assert chunks[0] == b"\xef\xbb\xbf" and all(not c.startswith(b"\xef\xbb\xbf") for c in chunks[1:])


def test_csv_chunks_of_long_lines_are_cut_by_size(monkeypatch):
    """texts.csv has a unit's whole section on a line: 2,000 of them were ~6 MB in one chunk."""
    monkeypatch.setattr(store, "CSV_CHUNK_CHARS", 1000)
    lines = [[f"{i:02d}", "文字" * 300] for i in range(10)]
    chunks = list(store._csv_chunks(("a", "b"), iter(lines)))
    assert len(chunks) == 1 + 5 + 1  # the BOM, two 600-character lines a chunk, and the empty rest
    assert max(len(c) for c in chunks) < 2 * 1000 * 3 + 100
    assert b"".join(chunks) == _one_text_writer(("a", "b"), lines)


# --- values shared with the workers (Workers.share, share_each) ----------------------------------


def test_forked_workers_get_a_shared_value_from_memory_others_the_value_or_a_pickle():
    from pipeline import pool

    run = ({"units": ["青塘镇"]}, "config", None)
    with Workers(2, 5, mp_context=multiprocessing.get_context("fork")) as forked:
        assert forked.in_memory
        token = forked.share(run)
        assert isinstance(token, pool.Shared) and pool.given(token) is run
        assert len(pickle.dumps(token)) < 120  # what a task is sent: not the value
    assert pool._INHERITED == {}  # let go of once the workers are done
    spawned = Workers(2, 5, mp_context=multiprocessing.get_context("spawn"))
    assert not spawned.in_memory
    pickled = spawned.share(run)
    assert isinstance(pickled, pool.Pickled) and pool.given(pickled) == run and pool.given(pickled) is not run
    here = Workers(1, 5)
    assert here.in_memory and here.share(run) is run  # the tasks run here: no copy
    assert pool._INHERITED == {}


def test_a_forked_worker_reads_the_shared_value():
    run = ({"units": ["青塘镇", "龙潭乡"]}, "config", None)
    with Workers(2, 2, mp_context=multiprocessing.get_context("fork")) as workers:
        token = workers.share(run)
        future = workers.submit(_units_of, token)
        assert future.result() == ["青塘镇", "龙潭乡"] and future.result() is not run[0]["units"]


def _units_of(token) -> list[str]:
    from pipeline.pool import given

    return given(token)[0]["units"]


def test_forked_workers_are_sent_a_token_for_each_shared_item_and_others_the_item():
    from pipeline import pool

    items = [("青塘镇", 1), ("龙潭乡", 2)]
    with Workers(2, 2, mp_context=multiprocessing.get_context("fork")) as workers:
        handles = workers.share_each(items)
        assert len(handles) == 2 and all(isinstance(h, pool.Shared) for h in handles)
        assert handles[-1] == handles[1] == pool.Shared(handles[0].token, 1)
        assert handles[::-1] == [handles[1], handles[0]]
        with pytest.raises(IndexError):
            handles[2]
        with pytest.raises(TypeError):
            handles[1.5]  # refused here, not in the worker
        assert len(pickle.dumps(handles[1])) < 120  # what a task is sent: not the item
        futures = [workers.submit(pool.given, h) for h in handles]
        assert [f.result() for f in futures] == items
    assert pool._INHERITED == {}  # let go of once the workers are done
    spawned = Workers(2, 2, mp_context=multiprocessing.get_context("spawn"))
    assert spawned.share_each(items) == items  # pickled with each task, as on Windows
    assert Workers(1, 2).share_each(items) == items  # the tasks run here
    assert pool.given(items[0]) is items[0]


def test_values_are_not_shared_once_the_workers_run():
    from pipeline import pool

    with Workers(2, 2, mp_context=multiprocessing.get_context("fork")) as workers:
        workers.submit(pool.given, 1).result()  # the workers are forked now: too late to inherit
        assert not workers.in_memory
        assert workers.share_each(["青塘镇"]) == ["青塘镇"]
        assert pool.given(workers.share("青塘镇")) == "青塘镇"
        assert isinstance(workers.share("青塘镇"), pool.Pickled)


def test_forked_output_workers_are_sent_nothing_pickled_of_the_run(tmp_path, monkeypatch):
    """Every value the county outputs' tasks share is shared before the first task forks the
    workers: the findings lists were once shared after it, and so pickled in the run's process
    (a UTF-8 copy of every message, some 2 MiB at a thousand units)."""
    from helpers import FORM_2021, LONGTAN, county, write_report
    from pipeline import pool
    from pipeline.batch import run_batch

    config = county(tmp_path)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN, changes={"t3.received.natural": 99})
    result = run_batch(config, jobs=1)

    class Refused(pool.Pickled):
        def __init__(self, data):
            raise AssertionError("a value was pickled for forked workers")

    monkeypatch.setattr(pool, "Pickled", Refused)
    with Workers(2, 5, mp_context=multiprocessing.get_context("fork")) as workers:
        pending = outputs.start_outputs(result, config, workers, folder=tmp_path)
        list(workers.completed(pending.futures))
        pending.finish()
    assert (tmp_path / outputs.FINDINGS_XLSX).stat().st_size > 0


def test_the_findings_lists_are_the_same_from_the_inherited_run_or_sent_as_lists(tmp_path):
    """Forked workers read the findings lists from the memory they inherit; spawned ones (Windows)
    are sent the lists pickled once, not the whole run."""
    from helpers import FORM_2021, LONGTAN, county, write_report
    from pipeline.batch import run_batch

    config = county(tmp_path)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN, changes={"t3.received.natural": 99})
    result = run_batch(config, jobs=1)
    assert result.findings
    written = {}
    for how, mp in (("fork", "fork"), ("spawn", "spawn")):
        out = tmp_path / how
        out.mkdir()
        with Workers(2, 5, mp_context=multiprocessing.get_context(mp)) as workers:
            pending = outputs.start_outputs(result, config, workers, folder=out)
            list(workers.completed(pending.futures))
            pending.finish()
        written[how] = {name: (out / name).read_bytes() for name in (outputs.FINDINGS_XLSX, outputs.FINDINGS_HTML)}
    assert written["fork"] == written["spawn"]
    assert "龙潭乡" in written["fork"][outputs.FINDINGS_HTML].decode("utf-8")
