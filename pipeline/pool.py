"""Running independent tasks on every core: a `concurrent.futures.ProcessPoolExecutor`, results
streamed back as they finish (for the progress bar).

What a task takes and returns must pickle (Windows starts workers with spawn). `jobs=1` runs the
tasks in this process, one after the other, which is also what happens for a single task. Tasks are
submitted a few at a time, so that a long list of tasks (e.g. files' bytes) is never all in memory.
"""

from __future__ import annotations

import collections.abc
import contextlib
import functools
import gc
import itertools
import os
import pickle
from collections import deque
from concurrent.futures import BrokenExecutor, FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

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
    started: Callable[[], None] | None = None,
    niceness: int = 0,
) -> Iterator[tuple[Any, Any]]:
    """Yield (id, function(*args)) for every (id, label, args) of `tasks`, as results arrive.
    `progress(label)` is called for each. No pool is started when there are no tasks.
    `started()` is called once the worker processes exist (never when the tasks run here).
    `niceness` > 0: the workers run at that much lower priority (`os.nice`, where there is one),
    so that this process's own work meanwhile (feeding them, a `warmup.Warmup`) is not slowed by
    them (other busy programs get the CPU before them too)."""
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
    initializer, initargs = _start_worker, (niceness, initializer, initargs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context, initializer=initializer, initargs=initargs) as pool, \
            _cancelled_on_error(pool):
        running: dict = {}
        limit = workers * IN_FLIGHT_PER_WORKER
        exhausted, forked = False, False
        while running or not exhausted:
            while not exhausted and len(running) < limit:
                item = next(tasks, None)
                if item is None:
                    exhausted = True
                    break
                ident, label, args = item
                with contextlib.nullcontext() if forked else forking():
                    running[pool.submit(function, *args)] = (ident, label)
                if not forked:  # the first submit started the workers (fork: all of them at once)
                    forked = True
                    if started is not None:
                        started()
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                ident, label = running.pop(future)
                result = future.result()
                if progress:
                    progress(label)
                yield ident, result


def _start_worker(niceness: int = 0, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> None:
    """A worker's start: Ctrl-C left to the process that started it, its priority lowered by
    `niceness` (stream_tasks), then `initializer`.

    Ctrl-C in a terminal interrupts every process of the run. A worker interrupted while it sends a
    result back keeps the result queue's lock for ever: the other workers wait for it, and the run
    waits for them (seen: the run hung after one Ctrl-C, and printed the workers' tracebacks). So a
    worker ignores it; the run stops, takes back the tasks not yet started, lets the few running
    ones finish and stops its workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness > 0:
        try:
            os.nice(niceness)
        except (AttributeError, OSError):  # Windows has no os.nice; a refused change leaves it as it was
            pass
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def _cancelled_on_error(pool: ProcessPoolExecutor):
    """The tasks not yet started are dropped when the run stops (Ctrl-C, an error) before they
    are all done: only those running are waited for."""
    try:
        yield
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise


@contextlib.contextmanager
def forking():
    """Around the call that forks the workers: every object this process holds is set aside from
    the cyclic garbage collector (`gc.freeze`) while they are forked, and given back to it here
    afterwards. A worker's own collections then never walk the tens of thousands of objects it was
    forked with (the imported libraries, a county's run): about 60 ms a full collection, and each
    walk writes to every page it passes, which the worker must then copy. Objects someone else
    froze stay frozen: nothing is frozen or given back then."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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


@dataclass(frozen=True)
class Outcome:
    """How a task of `Workers.submit_each` ended: its result, or the exception it raised."""

    result: Any = None
    error: BaseException | None = None

    @classmethod
    def of(cls, future: Future) -> "Outcome":
        error = future.exception()
        return cls(error=error) if error is not None else cls(future.result())


class Workers:
    """Worker processes for tasks of different kinds that should run side by side (the county
    outputs and the units' Word reports): `submit` a few now, or `submit_each` of a long list as
    room frees up; collect with `completed` (or `as_completed`).

    With one worker nothing is started: a task runs in this process when it is collected (or its
    result is asked for), in the order submitted. A task's exception is raised by its `result()`,
    as with any `concurrent.futures.Future`. Use as a context manager: leaving it waits for every
    task and stops the workers."""

    def __init__(self, jobs: int | None, tasks: int, *, mp_context=None):
        self.workers = workers_for(jobs, tasks)
        self._mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None
        self._lists: deque = deque()  # (function, enumerate of (label, args), done) of submit_each
        self._shared: list[str] = []  # tokens of share and share_each, let go of on leaving

    def inherit_on_start(self) -> bool:
        """The worker processes are yet to be started, and will be forked: what this process holds
        when the first task is submitted, they hold too (without it being pickled to them)."""
        if self.workers <= 1 or self._pool is not None:
            return False
        import multiprocessing

        return (self._mp_context or multiprocessing).get_start_method() == "fork"

    @property
    def in_memory(self) -> bool:
        """The tasks will find what `share` is given in this process's memory: they run here, or in
        workers yet to be forked. Else (spawned workers, as on Windows, or workers already running)
        it is pickled to them."""
        return self.workers <= 1 or self.inherit_on_start()

    def share(self, value: Any) -> Any:
        """A task argument standing for `value`, which several tasks read and none changes; the
        task gets the value back with `given`. Call it before the first task is submitted.

        - workers yet to be forked: a `Shared` token, two small values to pickle: the worker finds
          the value in the memory it was forked with (a county's run is megabytes of objects that
          every worker would otherwise unpickle a copy of);
        - tasks run here: the value itself;
        - spawned workers: the value pickled once (`Pickled`), not again for every task."""
        if self.workers <= 1:
            return value
        if not self.inherit_on_start():
            return Pickled(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return Shared(self._keep(value))

    def share_each(self, items: Sequence[Any]) -> Sequence[Any]:
        """Task arguments for `items` (one each, by index), as `share` does for one value: for
        workers yet to be forked, item i is `Shared(token, i)` (made as it is asked for, not a
        thousand handles at once); else the items themselves (used as they are when the tasks run
        here, pickled with each task for spawned workers)."""
        if not self.inherit_on_start():
            return items
        return Indexed(len(items), functools.partial(Shared, self._keep(items)))

    def _keep(self, value: Any) -> str:
        token = f"shared-{os.getpid()}-{next(_TOKENS)}"
        _INHERITED[token] = value
        self._shared.append(token)
        return token

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        if self.workers <= 1:
            return _Deferred(function, args)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._mp_context,
                                             initializer=_start_worker)
            with forking():  # the first submit starts the workers
                return self._pool.submit(function, *args)
        return self._pool.submit(function, *args)

    def submit_each(self, function: Callable[..., Any], tasks: Iterable[tuple[str, tuple]],
                    done: Callable[[int, Outcome], None]) -> None:
        """function(*args) for each (label, args) of `tasks`, taken from `tasks` only as room frees
        up while `completed` runs (a few per worker at a time, after what was submitted before):
        a thousand reports are never a thousand waiting tasks and futures at once. `done(index,
        outcome)` is called here as each finishes, the index counting from 0 in `tasks`."""
        self._lists.append((function, enumerate(tasks), done))

    def completed(self, labelled: Mapping[Future, str] = {}) -> Iterator[str]:
        """The label of each task as it finishes: of the futures given (submitted already) and of
        every task of `submit_each`."""
        pending = dict(labelled)
        if self.workers <= 1:
            for future in self.as_completed(pending):
                yield pending[future]
            while self._lists:
                function, tasks, done = self._lists.popleft()
                for index, (label, args) in tasks:
                    future = _Deferred(function, args)
                    future.run()
                    done(index, Outcome.of(future))
                    yield label
            return
        listed: dict[Future, tuple[Callable[[int, Outcome], None], int]] = {}
        limit = self.workers * IN_FLIGHT_PER_WORKER
        while True:
            while self._lists and len(listed) < limit:
                function, tasks, done = self._lists[0]
                item = next(tasks, None)
                if item is None:
                    self._lists.popleft()
                    continue
                index, (label, args) = item
                try:
                    future = self.submit(function, *args)
                except BrokenExecutor as exc:  # the pool died: this task fails with its error, as those in flight do
                    future = Future()
                    future.set_exception(exc)
                pending[future], listed[future] = label, (done, index)
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                label = pending.pop(future)
                if future in listed:
                    done, index = listed.pop(future)
                    done(index, Outcome.of(future))
                yield label

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        """The futures as they finish (in this process: in the order given, each run here)."""
        futures = list(futures)
        if self._pool is None:
            for future in futures:
                if isinstance(future, _Deferred):
                    future.run()
                yield future
            return
        yield from as_completed(futures)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, kind, value, trace) -> None:
        self._lists.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=kind is not None)
            self._pool = None
        for token in self._shared:
            _INHERITED.pop(token, None)
        self._shared.clear()


# What `Workers.share` and `share_each` left for the workers it forks: {token: value}
_INHERITED: dict[str, Any] = {}
_TOKENS = itertools.count()


@dataclass(frozen=True, slots=True)
class Shared:
    """What a run's process shared with the workers it forks (`Workers.share`): the value of
    `token`, or its item `index`."""

    token: str
    index: int | None = None

    def get(self) -> Any:
        value = _INHERITED[self.token]
        return value if self.index is None else value[self.index]


@dataclass(frozen=True, slots=True)
class Pickled:
    """A value pickled once for workers that do not share this process's memory (`Workers.share`)."""

    data: bytes

    def get(self) -> Any:
        return pickle.loads(self.data)


class Indexed(collections.abc.Sequence):
    """item(i) for i in range(length), each made when it is asked for (a task's arguments as it
    is submitted, not a thousand of them held at once); indexes and slices as a list takes them."""

    def __init__(self, length: int, item: Callable[[int], Any]):
        self._length, self._item = length, item

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        return self._item(range(self._length)[index])  # IndexError, TypeError as a list gives


def given(argument: Any) -> Any:
    """A task's argument as the task uses it: the value a `Shared` or `Pickled` stands for, or itself."""
    return argument.get() if isinstance(argument, (Shared, Pickled)) else argument


class _Deferred(Future):
    """A task of a one-worker `Workers`: run in this process when collected."""

    def __init__(self, function: Callable[..., Any], args: tuple):
        super().__init__()
        self._task = (function, args)

    def run(self) -> None:
        if self._task is None:
            return
        function, args = self._task
        self._task = None
        try:
            self.set_result(function(*args))
        except Exception as exc:  # collected by result(), as from a worker
            self.set_exception(exc)

    def result(self, timeout=None):
        self.run()
        return super().result(timeout)

    def exception(self, timeout=None):
        self.run()
        return super().exception(timeout)
