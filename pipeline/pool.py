"""Running independent tasks on every core: a `concurrent.futures.ProcessPoolExecutor`, results
streamed back as they finish (for the progress bar) and returned in the order of the tasks.

What a task takes and returns must pickle (Windows starts workers with spawn). `jobs=1` runs the
tasks in this process, one after the other, which is also what happens for a single task.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Sequence


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Windows, macOS
        return max(1, os.cpu_count() or 1)


def workers_for(jobs: int | None, tasks: int) -> int:
    return max(1, min(default_jobs() if jobs is None else max(1, int(jobs)), tasks))


def run_tasks(
    function: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    labels: Sequence[str] | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    mp_context=None,
) -> list[Any]:
    """[function(*task) for task in tasks], in `jobs` processes (None: one per core). `progress` is
    called with the task's label as each result arrives. `initializer(*initargs)` runs once in each
    worker (and once here when running in-process)."""
    labels = list(labels) if labels is not None else [""] * len(tasks)
    workers = workers_for(jobs, len(tasks))
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        results = []
        for task, label in zip(tasks, labels):
            results.append(function(*task))
            if progress:
                progress(label)
        return results
    results: list[Any] = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context, initializer=initializer, initargs=initargs) as pool:
        futures = {pool.submit(function, *task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if progress:
                progress(labels[i])
    return results
