"""The run as a library function (`run.run_county`, what `nianbao run` calls), its worker processes,
a file whose reading crashes, and files that change or vanish while the run goes on."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
from pathlib import Path

import pytest

from helpers import FINANCE, FORM_2021, LONGTAN, QINGTANG, county, tree_hashes, write_county_toml, write_report
from pipeline import cli, perfile
from pipeline.batch import FAILED, PASSED, UNREADABLE, Roster, RunResult, identify, run_batch
from pipeline.forms import form_for_year
from pipeline.paths import CRASH_DIR, RETURNS_DIR, year_folder
from pipeline.perfile import CRASH_MESSAGE, FileJob, examine_path
from pipeline.run import RunError, RunOptions, run_county


def outputs_of(folder):
    """Every output file's hash, the cache left out (it is not an output)."""
    return {name: sha for name, sha in tree_hashes(folder).items() if "/.cache/" not in f"/{name}"}


def inbox_of_three(config):
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN, changes={"t3.received.natural": 99})
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE)


def test_the_cli_runs_run_county_and_all_cores_give_the_same_bytes(tmp_path, capsys):
    write_county_toml(tmp_path)
    write_report(tmp_path / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    code = cli.main(["run", "--config", str(tmp_path / "county.toml"), "--jobs", "1"])
    assert code == 0, capsys.readouterr().err
    first = outputs_of(tmp_path / "输出")
    assert "2025/报告/03-青塘镇.docx" in first
    other = tmp_path / "again"
    other.mkdir()
    write_county_toml(other)
    # the very file, its time too: 报送情况 shows when each file was received, to the minute (a file
    # written again a few seconds later, across a minute's turn, made this test fail now and then)
    (other / "收件箱").mkdir(exist_ok=True)
    shutil.copy2(tmp_path / "收件箱" / "03-青塘镇.xlsx", other / "收件箱" / "03-青塘镇.xlsx")
    from pipeline.config import load_config

    outcome = run_county(load_config(other / "county.toml"), RunOptions(jobs=2))
    assert not outcome.failed and set(outcome.reports) == {"03"}
    assert outputs_of(other / "输出") == first


def test_run_county_writes_every_output_for_passed_and_failed_units(tmp_path):
    config = county(tmp_path)
    inbox_of_three(config)
    outcome = run_county(config, RunOptions(jobs=2))
    statuses = {u.unit.code: u.status for u in outcome.result.units}
    assert statuses == {"03": PASSED, "05": FAILED, "12": PASSED}
    assert outcome.failed and set(outcome.reports) == {"03", "12"}
    assert (year_folder(config) / RETURNS_DIR / "05-龙潭乡.xlsx").exists()
    # only a unit with errors keeps the bytes of its file (for its marked-up copy)
    assert [u.unit.code for u in outcome.result.units if u.source is not None] == ["05"]


def test_a_unit_renamed_or_removed_in_the_roster_leaves_no_report_or_copy_under_its_old_name(tmp_path):
    """Regression: 报告/ kept 03-青塘镇.docx beside the renamed unit's new report, and the report of a
    unit taken off the roster; 退回修改/ the old copy beside the new one. 报告/ is what gets published.
    A file somebody changed since it was written is left alone."""
    import dataclasses

    from pipeline.paths import REPORTS_DIR

    config = county(tmp_path)
    inbox_of_three(config)
    run_county(config, RunOptions(jobs=1))
    reports, returns = year_folder(config) / REPORTS_DIR, year_folder(config) / RETURNS_DIR
    assert sorted(p.name for p in reports.iterdir()) == ["03-青塘镇.docx", "12-县财政局.docx"]
    edited = reports / "12-县财政局.docx"
    edited.write_bytes(edited.read_bytes() + b"\0")  # finished by hand in Word
    renamed = {"03": "青塘新镇", "05": "龙潭新乡"}
    units = tuple(dataclasses.replace(u, name=renamed[u.code], aliases=()) for u in config.units if u.code != "12")
    (config.inbox / "12-县财政局.xlsx").unlink()
    run_county(dataclasses.replace(config, units=units), RunOptions(jobs=1))
    assert sorted(p.name for p in reports.iterdir()) == ["03-青塘新镇.docx", "12-县财政局.docx"]
    assert sorted(p.name for p in returns.iterdir()) == ["05-龙潭新乡.xlsx"]


def test_a_bad_word_template_stops_before_reading(tmp_path):
    config = county(tmp_path)
    inbox_of_three(config)
    templates = tmp_path / "模板"
    templates.mkdir()
    import dataclasses

    from pipeline.word import template_name

    (templates / template_name(FORM_2021)).write_bytes(b"not a docx")
    with pytest.raises(RunError, match="Word 报告模板有问题"):
        run_county(dataclasses.replace(config, templates=templates), RunOptions(jobs=1))
    assert not year_folder(config).exists()


def test_the_shipped_template_is_not_checked_again_and_an_edited_copy_is(tmp_path, monkeypatch):
    import dataclasses
    import shutil

    import pipeline.word.template as template_module
    from pipeline.word import TEMPLATES_DIR, template_name

    real, checked = template_module.check_word_template, []
    monkeypatch.setattr(template_module, "check_word_template",
                        lambda path, *args, **kwargs: checked.append(Path(path).parent) or real(path, *args, **kwargs))
    config = county(tmp_path)
    inbox_of_three(config)
    run_county(config, RunOptions(jobs=1, cache=False))
    assert checked == []  # input_templates/ as shipped: checked when made (pipeline/word/shipped.json)
    templates = tmp_path / "模板"
    templates.mkdir()
    for form in (FORM_2021,):
        shutil.copyfile(TEMPLATES_DIR / template_name(form), templates / template_name(form))
    with (templates / template_name(FORM_2021)).open("ab") as handle:
        handle.write(b"\0")  # a county's own copy, edited: checked before reading
    run_county(dataclasses.replace(config, templates=templates), RunOptions(jobs=1, cache=False))
    assert checked and checked[0] == templates


def crash_on(name):
    real = perfile.read_document

    def read(snapshot):
        if snapshot.name == name:
            raise ZeroDivisionError("a bug in the reader")
        return real(snapshot)

    return read


def test_a_file_whose_reading_crashes_is_an_error_for_its_unit_and_the_rest_goes_on(tmp_path, monkeypatch):
    config = county(tmp_path)
    inbox_of_three(config)
    monkeypatch.setattr(perfile, "read_document", crash_on("12-县财政局.xlsx"))
    outcome = run_county(config, RunOptions(jobs=1))
    finance = outcome.result.unit("12")
    assert finance.status == UNREADABLE
    (finding,) = finance.findings
    assert finding.severity == "错误" or finding.is_error
    assert CRASH_MESSAGE in finding.message and finding.unit_code == "12" and finding.rule == "internal-error"
    saved = year_folder(config) / CRASH_DIR / "12-县财政局.xlsx.txt"
    assert outcome.crashes == {"12-县财政局.xlsx": saved}
    assert "ZeroDivisionError: a bug in the reader" in saved.read_text(encoding="utf-8")
    assert set(outcome.reports) == {"03"}  # the others still get their outputs
    assert (year_folder(config) / "问题清单.xlsx").exists()


def test_a_file_deleted_during_the_run_is_a_finding_and_the_outputs_are_still_written(tmp_path):
    """Regression: the marked-up copy was made by reading the file again, and a file deleted after
    it was read aborted the output stage (FileNotFoundError)."""
    config = county(tmp_path)
    inbox_of_three(config)
    failing = config.inbox / "05-龙潭乡.xlsx"

    from contextlib import contextmanager

    @contextmanager
    def progress(label, total):
        def advance(name):
            if label == "读取并校验" and name == failing.name:
                failing.unlink()  # the clerk moves the file away while the run goes on

        yield advance

    outcome = run_county(config, RunOptions(jobs=1), progress)
    assert not failing.exists()
    unit = outcome.result.unit("05")
    assert unit.status == FAILED
    assert any(f.rule == "changed-during-run" and f.file == failing.name for f in unit.findings)
    assert any(f.rule == "changed-during-run" for f in outcome.result.findings)
    assert (year_folder(config) / RETURNS_DIR / "05-龙潭乡.xlsx").exists()
    assert set(outcome.reports) == {"03", "12"}


def test_a_file_that_vanished_between_listing_and_reading_is_unreadable_for_its_unit(tmp_path):
    config = county(tmp_path)
    inbox_of_three(config)
    paths = sorted(config.inbox.iterdir())
    (config.inbox / "12-县财政局.xlsx").unlink()
    result = run_batch(config, paths=paths, jobs=1)
    assert result.unit("12").status == UNREADABLE
    assert result.unit("03").status == PASSED


def test_what_travels_to_and_from_workers_pickles(tmp_path):
    config = county(tmp_path)
    inbox_of_three(config)
    job = FileJob(Roster.of(config), config.year, form_for_year(config.year), {}, False)
    assert pickle.loads(pickle.dumps(job)).form is job.form
    outcome = examine_path(config.inbox / "05-龙潭乡.xlsx", job)
    back = pickle.loads(pickle.dumps(outcome))
    assert back.submission.form is form_for_year(config.year) and back.unit_code == "05"
    assert back.submission.findings == outcome.submission.findings and back.data == outcome.data


def test_workers_started_with_spawn_as_on_windows(tmp_path):
    config = county(tmp_path)
    inbox_of_three(config)
    spawned = run_batch(config, jobs=2, mp_context=multiprocessing.get_context("spawn"))
    here = run_batch(config, jobs=1)
    assert [(u.status, u.findings) for u in spawned.units] == [(u.status, u.findings) for u in here.units]


def test_the_roster_index_matches_names_like_before(tmp_path):
    config = county(tmp_path)
    roster = Roster.of(config)
    assert roster.match_name("示例县财政局") is FINANCE  # full name
    assert roster.match_name("青塘镇2025年报") is QINGTANG
    assert roster.match_name("财政") is None


def test_names_are_found_by_lookup_as_the_roster_scan_found_them():
    """match_name looks a text's runs of characters up instead of testing every roster name (a
    county's codeless files were each a scan of the roster): the same unit for any text, the
    longest name winning and the roster's order among names as long."""
    import random
    from types import SimpleNamespace

    from pipeline.bench import _unit
    from pipeline.config import Unit
    from pipeline.forms.spec import normalize_label

    units = [_unit(2025, i) for i in range(120)] + [
        Unit(code="X1", name="河口镇", full_name="河口镇人民政府", kind="乡镇", aliases=("河口",)),
        Unit(code="X2", name="东河口乡", full_name="东河口乡人民政府", kind="乡镇"),
    ]
    roster = Roster.of(SimpleNamespace(units=units))

    def scanned(text):
        text = normalize_label(text)
        return next((unit for name, unit in roster.names if text and (name == text or name in text)), None)

    rng = random.Random(7)
    alphabet = "第12345镇局人民政府河口东乡 -A0（）"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    texts += [f"{u.code}-{u.name}年报" for u in units] + ["东河口", "河口镇东河口乡", "第1镇第12镇"]
    assert [roster.match_name(t) for t in texts] == [scanned(t) for t in texts]
    assert sum(scanned(t) is not None for t in texts) > 150  # the texts do name units


def test_check_with_several_jobs_gives_the_same_findings(tmp_path, capsys):
    files = [
        write_report(tmp_path / "a.xlsx", FORM_2021),
        write_report(tmp_path / "b.xlsx", FORM_2021, changes={"t3.received.natural": 99}),
    ]
    assert cli.main(["check", "--json", "--jobs", "1", *map(str, files)]) == 1
    one = capsys.readouterr().out
    assert cli.main(["check", "--json", "--jobs", "2", *map(str, files)]) == 1
    assert capsys.readouterr().out == one and one


def test_jobs_must_be_a_positive_number(capsys):
    assert cli.main(["check", "--jobs", "0", "x.xlsx"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_the_word_renderer_does_not_import_the_output_writers():
    """The cycle word/render → outputs → summary → word/render is gone: output paths live in
    pipeline/paths.py, which both sides import."""
    import subprocess
    import sys

    code = "import sys, pipeline.word.render; assert 'pipeline.outputs' not in sys.modules, 'cycle'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_an_output_that_cannot_be_written_leaves_no_pdf_behind_its_report(tmp_path, monkeypatch):
    """Regression: the reports are written beside the county outputs; when one of those failed (汇总表
    open in Excel), the reports were neither recorded nor converted, and the next run, finding the
    same report bytes already on disk, kept the PDF of the old report for good."""
    import datetime as dt
    import hashlib

    import pipeline.word.render as render

    def convert(path, folder, kind):  # a PDF that says which report it was made from
        pdf = path.with_suffix(".pdf")
        pdf.write_text(hashlib.sha256(path.read_bytes()).hexdigest())
        return pdf

    monkeypatch.setattr(render, "convert", convert)
    monkeypatch.setattr(render, "find_soffice", lambda: "soffice")
    monkeypatch.setattr("pipeline.office.find_soffice", lambda: "soffice")
    config = county(tmp_path)
    inbox_of_three(config)
    options = RunOptions(jobs=1, pdf=True)
    run_county(config, options)
    report = year_folder(config) / "报告" / "03-青塘镇.docx"

    def made_from_report():
        return report.with_suffix(".pdf").read_text() == hashlib.sha256(report.read_bytes()).hexdigest()

    assert made_from_report()
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG, info={"info.contact": "李华", "info.date": dt.datetime(2026, 1, 9)})
    summary = year_folder(config) / "汇总表.xlsx"
    summary.unlink()
    summary.mkdir()  # stands for a summary the clerk has open: it cannot be replaced
    with pytest.raises(OSError):
        run_county(config, options)
    summary.rmdir()
    run_county(config, options)
    assert made_from_report()


def test_every_output_that_cannot_be_written_is_named_at_once(tmp_path):
    """Regression: with a report and 汇总表 both open in Office, only one was named, and the clerk
    learnt of the next one only on the next run."""
    import datetime as dt

    from pipeline.oserrors import OSErrors, os_error_message

    config = county(tmp_path)
    inbox_of_three(config)
    run_county(config, RunOptions(jobs=1))
    changed = {"info.contact": "李华", "info.date": dt.datetime(2026, 1, 9)}
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG, info=changed)
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE, info=changed)
    reports = year_folder(config) / "报告"
    held = [year_folder(config) / "汇总表.xlsx", reports / "03-青塘镇.docx", reports / "12-县财政局.docx"]
    for path in held:  # each stands for a file open in Excel or Word: it cannot be replaced
        path.unlink()
        path.mkdir()
    with pytest.raises(OSErrors) as caught:
        run_county(config, RunOptions(jobs=2))
    message = os_error_message(caught.value)
    assert message.startswith("3 个文件无法读写：\n")
    assert all(str(path) in message for path in held)


def test_the_run_left_for_forked_workers_is_let_go_when_the_output_stage_stops(tmp_path, monkeypatch):
    from pipeline import pool
    from pipeline.word.render import PendingReports

    config = county(tmp_path)
    inbox_of_three(config)
    shared = []

    def broken_submit(self, workers):
        shared.append(dict(pool._INHERITED))
        raise RuntimeError("stopped")

    monkeypatch.setattr(PendingReports, "submit", broken_submit)
    with pytest.raises(RuntimeError):
        run_county(config, RunOptions(jobs=2))
    # the output tasks were given the run in memory: (result, config, last year's values)
    assert shared and any(isinstance(value, tuple) and isinstance(value[0], RunResult) for value in shared[0].values())
    assert pool._INHERITED == {}


def test_temporary_files_a_killed_run_left_are_removed_by_the_next_run(tmp_path):
    """A run killed (power cut, Task Manager) between creating an output's temporary file and
    replacing the output leaves `.~<name><8 characters>.<suffix>` beside it; on Windows it is not
    even hidden. The next run removes such files, once old enough not to be another run's, and
    nothing else."""
    import os
    import time

    config = county(tmp_path)
    inbox_of_three(config)
    run_county(config, RunOptions(jobs=1))
    folder = year_folder(config)
    old = time.time() - 3600
    stale = [folder / "报告" / ".~03-青塘镇k2j4h5g6.docx", folder / ".~汇总表abc_1234.xlsx", folder / ".~data0a1b2c3d.csv"]
    kept = [
        folder / "报告" / ".~03-青塘镇q9w8e7r6.docx",  # young: maybe another run's, still writing
        folder / ".~lock.汇总表.xlsx#",  # LibreOffice has 汇总表.xlsx open
        folder / ".~没有这个文件k2j4h5g6.docx",  # beside no output of that name
        folder / ".~汇总表K2J4H5G6.xlsx",  # not mkstemp's characters
        folder / "报告" / "说明.txt",
    ]
    for path in stale + kept:
        path.write_bytes(b"x")
        if "q9w8e7r6" not in path.name:
            os.utime(path, (old, old))
    run_county(config, RunOptions(jobs=1))
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)


@pytest.mark.parametrize("jobs", [2, 1])
def test_forked_report_workers_read_the_units_themselves_not_pickled_by_the_run(tmp_path, monkeypatch, jobs):
    """The run's process used to read each unit's numbers back from its spill and pickle them again
    for the worker rendering its report (CPU, and memory it never gave back); forked workers have
    them already. With one worker (a one-core machine, `--jobs 1`) the county outputs' tasks used
    to get a pickled copy of the whole run each, every unit's numbers read back from the spill:
    they run in this process and read the run itself."""
    from pipeline.spill import HeldSubmission

    def refuse(self):
        raise AssertionError("a held submission was pickled for a worker")

    config = county(tmp_path)
    inbox_of_three(config)
    monkeypatch.setattr(HeldSubmission, "__reduce__", refuse)
    outcome = run_county(config, RunOptions(jobs=jobs))
    assert not outcome.problems and set(outcome.reports) == {"03", "12"}
    assert all(path.stat().st_size > 0 for path in outcome.reports.values())
    from pipeline.word.render import render_reports

    again = render_reports(outcome.result, config, out_dir=tmp_path / "again", jobs=jobs)  # the library call alone
    assert {code: path.read_bytes() for code, path in again.items()} == {
        code: path.read_bytes() for code, path in outcome.reports.items()}
