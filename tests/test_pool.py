"""Worker processes: tasks of different kinds side by side, and the same results in one process."""

from __future__ import annotations

import os
import sys

import pytest

from pipeline.pool import Workers


def square(n: int) -> int:
    return n * n


def fail(n: int) -> int:
    raise ValueError(f"bad {n}")


def pid(_: int) -> int:
    return os.getpid()


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_run_every_task_and_raise_a_task_error_at_its_result(jobs):
    with Workers(jobs, 4) as workers:
        futures = [workers.submit(square, n) for n in range(4)]
        failing = workers.submit(fail, 7)
        done = list(workers.as_completed([*futures, failing]))
        assert len(done) == 5
        assert [f.result() for f in futures] == [0, 1, 4, 9]
        with pytest.raises(ValueError, match="^bad 7$"):
            failing.result()


def test_one_worker_runs_the_tasks_here_when_collected_in_the_order_submitted():
    seen = []
    with Workers(1, 10) as workers:
        futures = [workers.submit(seen.append, n) for n in range(3)]
        assert seen == []  # nothing runs at submit: a progress bar shows the work as it is done
        for _ in workers.as_completed(futures):
            pass
    assert seen == [0, 1, 2]
    with Workers(1, 1) as workers:
        assert workers.submit(pid, 0).result() == os.getpid()
        assert str(workers.submit(fail, 3).exception()) == "bad 3"  # asked before collected: run now


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_two_workers_are_other_processes():
    with Workers(2, 4) as workers:
        futures = [workers.submit(pid, n) for n in range(4)]
        assert os.getpid() not in {f.result() for f in futures}


@pytest.mark.parametrize("jobs", [1, 2])
def test_submit_each_runs_every_task_and_hands_each_outcome_to_done(jobs):
    outcomes = {}
    with Workers(jobs, 6) as workers:
        given = workers.submit(square, 9)
        workers.submit_each(square, ((f"s{n}", (n,)) for n in range(4)), outcomes.__setitem__)
        workers.submit_each(fail, [("f", (5,))], lambda index, outcome: outcomes.__setitem__(("f", index), outcome))
        labels = list(workers.completed({given: "given"}))
    assert sorted(labels) == ["f", "given", "s0", "s1", "s2", "s3"]
    assert given.result() == 81
    assert {i: outcomes[i].result for i in range(4)} == {0: 0, 1: 1, 2: 4, 3: 9}
    assert all(outcomes[i].error is None for i in range(4))
    assert str(outcomes[("f", 0)].error) == "bad 5" and outcomes[("f", 0)].result is None


def test_one_worker_runs_the_futures_given_then_the_lists_in_order():
    seen = []
    with Workers(1, 10) as workers:
        first = workers.submit(seen.append, "given")
        workers.submit_each(seen.append, ((str(n), (n,)) for n in range(3)), lambda index, outcome: None)
        assert seen == []
        assert list(workers.completed({first: "given"})) == ["given", "0", "1", "2"]
    assert seen == ["given", 0, 1, 2]


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_submit_each_takes_tasks_only_as_room_frees_up():
    from pipeline.pool import IN_FLIGHT_PER_WORKER

    taken = []

    def tasks():
        for n in range(60):
            taken.append(n)
            yield str(n), (n,)

    with Workers(2, 60) as workers:
        workers.submit_each(square, tasks(), lambda index, outcome: None)
        assert taken == []  # nothing is taken before the tasks are collected
        running = workers.completed()
        next(running)
        assert len(taken) <= 2 * IN_FLIGHT_PER_WORKER  # not all sixty tasks at once
        assert len(list(running)) == 59
    assert taken == list(range(60))


def die(n: int) -> int:
    os._exit(1)


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_dead_worker_fails_every_task_left_instead_of_stopping_the_collection():
    outcomes = {}
    with Workers(2, 30) as workers:
        workers.submit_each(die, [("dead", (0,))] + [(str(n), (n,)) for n in range(1, 30)], outcomes.__setitem__)
        labels = list(workers.completed())
    assert len(labels) == 30 and len(outcomes) == 30  # every task reached done, none raised out of completed
    assert outcomes[0].error is not None


def frozen_objects(_: int) -> int:
    import gc

    return gc.get_freeze_count()


def _forks() -> bool:
    import multiprocessing

    return multiprocessing.get_start_method() == "fork"  # Linux up to Python 3.13 (3.14: forkserver)


@pytest.mark.skipif(not _forks(), reason="workers are forked only where fork is the start method")
def test_forked_workers_start_with_what_they_inherit_set_aside_from_their_garbage_collector():
    """A worker's full collections walk only what it made itself (pool.forking): they used to walk
    every object it was forked with, 60 ms each, three times in a 200-unit run's workers."""
    import gc

    from pipeline.pool import forking, stream_tasks

    assert gc.get_freeze_count() == 0
    gc.freeze()  # what someone else froze stays frozen
    try:
        frozen = gc.get_freeze_count()
        with forking():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    with Workers(2, 4) as workers:
        counts = [f.result() for f in [workers.submit(frozen_objects, n) for n in range(4)]]
    streamed = [count for _, count in stream_tasks(frozen_objects, ((n, "", (n,)) for n in range(4)), workers=2)]
    assert min(counts + streamed) > 10_000  # the imported modules' objects, at least
    assert gc.get_freeze_count() == 0  # this process's collector is given them back


def niceness(_: int) -> int:
    return os.nice(0)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="os.nice")
def test_streamed_workers_can_run_at_a_lower_priority_and_tasks_run_here_never_do():
    """The reading workers yield the CPU to the run's own process (perfile.READING_NICENESS)."""
    from pipeline.pool import stream_tasks

    own = os.nice(0)
    if own + 3 > 19:
        pytest.skip("this process runs at the lowest priority already: no lower one to see")
    niced = {n for _, n in stream_tasks(niceness, ((i, "", (i,)) for i in range(4)), workers=2, niceness=3)}
    plain = {n for _, n in stream_tasks(niceness, ((i, "", (i,)) for i in range(4)), workers=2)}
    here = {n for _, n in stream_tasks(niceness, ((i, "", (i,)) for i in range(4)), workers=1, niceness=3)}
    assert niced == {own + 3} and plain == {own} and here == {own}
    assert os.nice(0) == own


class _NicenessJob:
    """A job that reports the priority it was examined at."""

    def examine(self, snapshot):
        from pipeline.perfile import FileOutcome
        from pipeline.workbook.reader import FileInfo, Submission

        return FileOutcome(Submission(FileInfo.of_snapshot(snapshot)), str(os.nice(0)), 0)


@pytest.mark.skipif(not _forks() or not hasattr(os, "nice"), reason="forked workers and os.nice")
def test_the_files_are_read_by_workers_at_the_reading_priority(tmp_path):
    from pipeline.perfile import READING_NICENESS, examine_all

    if os.nice(0) + READING_NICENESS > 19:
        pytest.skip("this process runs at too low a priority to see a lower one")
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.xlsx")
        paths[-1].write_bytes(b"x")
    own = os.nice(0)
    outcomes = examine_all(paths, _NicenessJob(), jobs=2)
    assert {o.unit_code for o in outcomes} == {str(own + READING_NICENESS)}
    assert {o.unit_code for o in examine_all(paths, _NicenessJob(), jobs=1)} == {str(own)}


def sigint_ignored(_: int) -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_workers_leave_ctrl_c_to_the_run_and_tasks_run_here_keep_it():
    """Regression: Ctrl-C interrupts every process of the run; a worker interrupted while sending a
    result back kept the result queue's lock, the other workers and then the run waited for ever
    (6 hangs in 32 Ctrl-Cs on a 300-unit county), and the workers printed their tracebacks."""
    from pipeline.pool import stream_tasks

    streamed = {ignored for _, ignored in stream_tasks(sigint_ignored, ((i, "", (i,)) for i in range(4)), workers=2)}
    with Workers(2, 4) as workers:
        submitted = {f.result() for f in [workers.submit(sigint_ignored, n) for n in range(4)]}
    here = {ignored for _, ignored in stream_tasks(sigint_ignored, ((i, "", (i,)) for i in range(4)), workers=1)}
    assert streamed == {True} and submitted == {True}
    assert here == {False}  # this process still stops on Ctrl-C ("已中断。")
