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
