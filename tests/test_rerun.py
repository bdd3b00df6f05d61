"""Incremental re-runs: a file's read-and-check result and every output are kept in
<output>/<year>/.cache/, keyed by content; a re-run reads, checks and renders only what changed,
and its outputs are byte-identical to those of a run from scratch."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from helpers import FINANCE, FORM_2021, LONGTAN, QINGTANG, county, tree_hashes, write_report
from pipeline import perfile
from pipeline.paths import CACHE_DIR, year_folder
from pipeline.run import RunOptions, run_county
from pipeline.word import compiled


def outputs_of(folder):
    return {name: sha for name, sha in tree_hashes(folder).items() if "/.cache/" not in f"/{name}"}


@pytest.fixture
def counted(monkeypatch):
    """How many files were read and how many reports rendered, in this process (jobs=1)."""
    calls = {"read": [], "render": 0}
    real_read, real_render = perfile.read_document, compiled.CompiledTemplate.render

    def read(snapshot):
        calls["read"].append(snapshot.name)
        return real_read(snapshot)

    def render(self, context):
        calls["render"] += 1
        return real_render(self, context)

    monkeypatch.setattr(perfile, "read_document", read)
    monkeypatch.setattr(compiled.CompiledTemplate, "render", render)
    return calls


def fill_inbox(config):
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN, changes={"t3.received.natural": 99})
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE)


def test_a_rerun_with_nothing_changed_reads_and_renders_nothing(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    assert len(counted["read"]) == 3 and counted["render"] == 3  # two reports and the 汇总报告
    before = tree_hashes(config.output)
    counted["read"].clear()
    counted["render"] = 0
    outcome = run_county(config, RunOptions(jobs=1))
    assert counted["read"] == [] and counted["render"] == 0
    assert set(outcome.reports) == {"03", "12"} and outcome.failed
    assert [u.status for u in outcome.result.units] == ["通过", "有错误", "通过"]
    assert tree_hashes(config.output) == before


def test_after_one_file_changed_only_it_is_read_and_the_outputs_equal_a_run_from_scratch(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE, changes={"t3.received.natural": 99})
    counted["read"].clear()
    counted["render"] = 0
    outcome = run_county(config, RunOptions(jobs=1))
    assert counted["read"] == ["12-县财政局.xlsx"]
    assert counted["render"] == 1  # only the 汇总报告: 12 now has errors, 03's report is kept
    assert set(outcome.reports) == {"03"}
    scratch = dataclasses.replace(config, output=tmp_path / "从头")
    run_county(scratch, RunOptions(jobs=1, cache=False))
    assert outputs_of(config.output) == outputs_of(scratch.output)


def test_a_deleted_or_edited_output_is_written_again(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    before = outputs_of(config.output)
    report = year_folder(config) / "报告" / "03-青塘镇.docx"
    report.unlink()
    (year_folder(config) / "问题清单.html").write_text("edited", encoding="utf-8")
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))
    assert counted["read"] == []
    assert outputs_of(config.output) == before


def test_a_corrupt_or_foreign_cache_entry_is_ignored_and_rebuilt(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    before = outputs_of(config.output)
    entries = sorted((year_folder(config) / CACHE_DIR / "files").iterdir())
    assert len(entries) == 3
    entries[0].write_bytes(entries[0].read_bytes()[:40])  # truncated
    entries[1].write_bytes(b"\x80\x04K\x01.")  # a pickle without our header
    (year_folder(config) / CACHE_DIR / "outputs.pkl").write_bytes(b"nianbao-cache 1\nnot a pickle")
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))
    assert len(counted["read"]) == 2
    assert outputs_of(config.output) == before


def test_the_cache_is_safe_to_delete(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    before = outputs_of(config.output)
    shutil.rmtree(year_folder(config) / CACHE_DIR)
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))
    assert len(counted["read"]) == 3
    assert outputs_of(config.output) == before


def test_last_years_data_and_the_roster_are_part_of_the_key(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    counted["read"].clear()
    renamed = dataclasses.replace(config, units=(dataclasses.replace(QINGTANG, full_name="青塘镇政府"), LONGTAN, FINANCE))
    run_county(renamed, RunOptions(jobs=1))
    assert len(counted["read"]) == 3
