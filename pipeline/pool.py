"""Running independent tasks on every core: a `concurrent.futures.ProcessPoolExecutor`, results
streamed back as they finish (for the progress bar).

What a task takes and returns must pickle (Windows starts workers with spawn). `jobs=1` runs the
tasks in this process, one after the other, which is also what happens for a single task. Tasks are
submitted a few at a time, so that a long list of tasks (e.g. files' bytes) is never all in memory.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator, Sequence

IN_FLIGHT_PER_WORKER = 4


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Windows, macOS
        return max(1, os.cpu_count() or 1)


def workers_for(jobs: int | None, tasks: int) -> int:
    return max(1, min(default_jobs() if jobs is None else max(1, int(jobs)), tasks))


def stream_tasks(
    function: Callable[..., Any],
    tasks: Iterable[tuple[Any, str, tuple]],
    *,
    workers: int,
    progress: Callable[[str], None] | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    mp_context=None,
) -> Iterator[tuple[Any, Any]]:
    """Yield (id, function(*args)) for every (id, label, args) of `tasks`, as results arrive.
    `progress(label)` is called for each. No pool is started when there are no tasks."""
    tasks = iter(tasks)
    first = list(itertools.islice(tasks, 2))
    if not first:
        return
    if len(first) == 1:
        workers = 1  # a single task: starting workers would cost more than it saves
    tasks = itertools.chain(first, tasks)
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for ident, label, args in tasks:
            result = function(*args)
            if progress:
                progress(label)
            yield ident, result
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context, initializer=initializer, initargs=initargs) as pool:
        running: dict = {}
        limit = workers * IN_FLIGHT_PER_WORKER
        exhausted = False
        while running or not exhausted:
            while not exhausted and len(running) < limit:
                item = next(tasks, None)
                if item is None:
                    exhausted = True
                    break
                ident, label, args = item
                running[pool.submit(function, *args)] = (ident, label)
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                ident, label = running.pop(future)
                result = future.result()
                if progress:
                    progress(label)
                yield ident, result


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
    """[function(*task) for task in tasks], in `jobs` processes (None: one per core), in order."""
    labels = list(labels) if labels is not None else [""] * len(tasks)
    results: list[Any] = [None] * len(tasks)
    stream = stream_tasks(
        function, ((i, labels[i], task) for i, task in enumerate(tasks)), workers=workers_for(jobs, len(tasks)),
        progress=progress, initializer=initializer, initargs=initargs, mp_context=mp_context,
    )
    for i, result in stream:
        results[i] = result
    return results
