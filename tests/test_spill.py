"""A run keeps each unit's numbers, texts and the bytes of files with errors on disk (pipeline/spill.py)."""

from __future__ import annotations

import copy
import dataclasses
import multiprocessing
import pickle

import pytest

from helpers import FORM_2021, LONGTAN, QINGTANG, county, write_report
from pipeline.batch import FAILED, PASSED, check_files, run_batch
from pipeline.spill import HELD_FIELDS, HeldBytes, HeldSubmission, PackedSubmission, Spill, _read_at, pack
from pipeline.workbook.reader import Submission


def _plain(submission: Submission) -> dict:
    return {f.name: getattr(submission, f.name) for f in dataclasses.fields(Submission)}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_runs_submissions_hold_their_data_on_disk_and_give_what_was_read(tmp_path, jobs):
    config = county(tmp_path)
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    bad = write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN,
                       changes={"t3.received.natural": -1})
    result = run_batch(config, jobs=jobs)
    read = {s.file.name: s for s in check_files(sorted(config.inbox.iterdir()), unit_kind="乡镇")}
    good, failed = result.unit("03"), result.unit("05")
    assert (good.status, failed.status) == (PASSED, FAILED)
    for unit in (good, failed):
        held = unit.submission
        assert isinstance(held, HeldSubmission)
        assert not set(HELD_FIELDS) & set(vars(held))  # nothing bulky in this process's memory
        plain = read[held.file.name]
        for name in HELD_FIELDS:
            if name in ("places", "raw"):  # a run keeps only those its later steps use (perfile.FileJob)
                assert getattr(held, name).items() <= getattr(plain, name).items(), name
            else:
                assert getattr(held, name) == getattr(plain, name), name
        assert held.values and held.texts and held.info and held.places
    assert isinstance(failed.source, HeldBytes) and good.source is None
    assert failed.source_bytes() == bad.read_bytes()


def test_a_held_submission_pickles_and_copies_as_a_plain_one(tmp_path):
    config = county(tmp_path)
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    held = run_batch(config).unit("03").submission
    for other in (pickle.loads(pickle.dumps(held)), copy.copy(held), copy.deepcopy(held)):
        assert type(other) is Submission
        assert _plain(other) == _plain(held) and other == held and held == other
    replaced = dataclasses.replace(held, unit_name="改名")
    assert replaced.values == held.values and replaced.unit_name == "改名"
    source = run_batch(config).unit("03").source
    assert source is None
    spill = Spill()
    assert pickle.loads(pickle.dumps(spill.hold_bytes(b"abc"))) == b"abc"
    with pytest.raises(TypeError):
        pickle.dumps(spill)


def test_units_of_the_same_files_are_equal_also_with_errors_and_when_pickled(tmp_path):
    """A failing unit keeps its file's bytes on disk: equal when the bytes are (a regression: they
    were compared as places in two different temporary files)."""
    config = county(tmp_path)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN, changes={"t3.received.natural": -1})
    first, second = run_batch(config), run_batch(config)
    assert first.unit("05").status == FAILED
    assert first.unit("05") == second.unit("05") == pickle.loads(pickle.dumps(first.unit("05")))
    assert first.unit("05").source == second.unit("05").source_bytes()
    assert Spill().hold_bytes(b"a") != Spill().hold_bytes(b"b")


def test_a_worker_packs_the_bulky_fields_once_and_the_run_stores_those_bytes_as_they_are():
    submission = Submission(file=None, unit_code="03", values={"a": 1}, texts={"t": "文字"}, info={"info.x": "y"})
    packed = pack(submission)
    assert isinstance(packed, PackedSubmission) and not set(HELD_FIELDS) & set(vars(packed))
    assert packed == submission and packed.values == {"a": 1} and packed.unit_code == "03"
    sent = pickle.loads(pickle.dumps(packed))  # to the run's process, or into the cache: still packed
    assert isinstance(sent, PackedSubmission) and vars(sent)["_packed"] == vars(packed)["_packed"]
    spill = Spill()
    held = spill.hold(sent)
    assert isinstance(held, HeldSubmission) and "_packed" not in vars(held)
    offset, length = vars(held)["_place"]
    assert _read_at(spill._file, length, offset) == vars(packed)["_packed"]  # the very bytes, not unpickled
    assert held == submission and held.texts == {"t": "文字"} and held.unit_code == "03"
    assert pack(held) is held and spill.hold(held) is held


def test_a_held_field_set_again_is_kept_in_memory(tmp_path):
    spill = Spill()
    held = spill.hold(Submission(file=None, values={"a": 1}, texts={"t": "文字"}))
    assert held.values == {"a": 1} and held.texts == {"t": "文字"}
    held.values = {"a": 2}
    assert held.values == {"a": 2} and held.texts == {"t": "文字"}
    with pytest.raises(AttributeError):
        held.no_such_field


def test_many_records_read_back_in_any_order(tmp_path):
    spill = Spill()
    held = [spill.hold(Submission(file=None, values={"n": i}, texts={"t": "文" * i})) for i in range(50)]
    for i in (49, 0, 17, 17, 3, 48, 0):
        assert held[i].values == {"n": i} and held[i].texts == {"t": "文" * i}


def _read_in_child(held, connection):
    connection.send(held.values)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
def test_a_worker_forked_while_another_thread_reads_can_still_read():
    spill = Spill()
    held = spill.hold(Submission(file=None, values={"a": 1}))
    parent, child = multiprocessing.Pipe()
    spill._lock.acquire()  # as when the pool's feeder thread is pickling a held submission at the fork
    try:
        process = multiprocessing.get_context("fork").Process(target=_read_in_child, args=(held, child))
        process.start()
        process.join(30)
        if process.is_alive():
            process.kill()
    finally:
        spill._lock.release()
    assert process.exitcode == 0, "the forked worker hung on the lock held at the fork"
    assert parent.recv() == {"a": 1}
