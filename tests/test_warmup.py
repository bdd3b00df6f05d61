"""The parent's warm-up while workers read: it runs only once the workers exist, only when files
are examined by workers, is finished when the reading returns, and never breaks a run."""

from __future__ import annotations

import multiprocessing
import sys

import pytest

from pipeline.pool import stream_tasks
from pipeline.warmup import SWITCH_INTERVAL, Warmup

PREPARED = []  # what the warm-up did in this process (a forked worker has its own copy)


def prepared_in_worker(_: int) -> list:
    return list(PREPARED)


def test_steps_run_in_order_a_failing_step_is_skipped_and_the_switch_interval_comes_back():
    before = sys.getswitchinterval()
    done = []

    def broken():
        raise ImportError("no such module")

    warmup = Warmup([lambda: done.append(1), broken, lambda: done.append(2)])
    warmup.start()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    warmup.join()
    assert done == [1, 2]
    assert sys.getswitchinterval() == pytest.approx(before)
    warmup.join()  # joining twice is harmless


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="fork start method")
def test_started_is_called_once_the_workers_exist_so_none_of_them_sees_the_warmup():
    PREPARED.clear()
    calls = []

    def started():
        calls.append(1)
        PREPARED.append("compiled")

    context = multiprocessing.get_context("fork")
    tasks = ((i, "", (i,)) for i in range(6))
    results = dict(stream_tasks(prepared_in_worker, tasks, workers=2, started=started, mp_context=context))
    assert calls == [1]
    assert all(seen == [] for seen in results.values())  # forked before the warm-up began
    PREPARED.clear()


def test_started_is_not_called_when_the_tasks_run_here():
    calls = []
    results = list(stream_tasks(prepared_in_worker, [(0, "", (0,))], workers=2, started=lambda: calls.append(1)))
    assert results and calls == []


def test_a_run_warms_up_while_workers_read_and_not_when_nothing_is_read(tmp_path, monkeypatch):
    from helpers import FINANCE, FORM_2021, LONGTAN, QINGTANG, county, write_report
    from pipeline import run as run_module
    from pipeline.run import RunOptions, run_county

    events = []
    real = run_module.output_warmup

    def recording(template):
        warmup = real(template)
        start, join = warmup.start, warmup.join
        warmup.start = lambda: (events.append("start"), start())
        warmup.join = lambda: (events.append("join"), join())
        return warmup

    monkeypatch.setattr(run_module, "output_warmup", recording)
    config = county(tmp_path)
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN)
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE)
    first = run_county(config, RunOptions(jobs=2))
    assert events == ["start", "join"]
    assert len(first.reports) == 3
    events.clear()
    run_county(config, RunOptions(jobs=2))  # nothing changed: no file is examined, nothing to prepare
    assert events == ["join"]
    events.clear()
    run_county(config, RunOptions(jobs=1, cache=False))  # one process: each thing is done where needed
    assert events == ["join"]


def _modules_after(code: str) -> set[str]:
    import json
    import subprocess

    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_submitting_the_outputs_imports_no_writer_and_the_warmup_imports_them_all():
    # the run's process forks the output workers after importing pipeline.outputs: a re-run that
    # writes only the county outputs leaves each writer to the worker that needs it
    light = _modules_after("import pipeline.outputs")
    assert not {"openpyxl", "pandas", "docx", "pipeline.summary"} & light
    warmed = _modules_after(
        "from pipeline.run import output_warmup\n"
        "from pipeline.forms import form_for_year\n"
        "from pipeline.word.tags import template_path\n"
        "from pipeline.word import compiled\n"
        "for step in output_warmup(template_path(form_for_year(2025))).steps: step()\n"
        "assert compiled._CACHE"
    )
    assert {"openpyxl", "pandas", "docx", "pipeline.summary", "pipeline.workbook.annotate",
            "pipeline.report.findings_xlsx"} <= warmed
