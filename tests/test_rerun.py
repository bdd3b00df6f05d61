"""Incremental re-runs: a file's read-and-check result and every output are kept in
<output>/<year>/.cache/, keyed by content; a re-run reads, checks and renders only what changed,
and its outputs are byte-identical to those of a run from scratch."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from helpers import FINANCE, FORM_2021, LONGTAN, QINGTANG, county, tree_hashes, write_report
from pipeline import perfile
from pipeline.cache import PACK, PACK_HEADER, _scan
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


@pytest.mark.parametrize("damage", ["deleted", "edited"])
def test_a_deleted_or_edited_return_copy_is_made_again(tmp_path, counted, damage):
    """The marked-up copies live in a folder (退回修改): the county outputs count as unchanged only
    when every copy in it is still as written."""
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    before = outputs_of(config.output)
    copy = year_folder(config) / "退回修改" / "05-龙潭乡.xlsx"
    assert copy.is_file()
    if damage == "deleted":
        copy.unlink()
    else:
        copy.write_bytes(b"edited by hand")
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))
    assert counted["read"] == []
    assert outputs_of(config.output) == before


def test_a_corrupt_or_foreign_cache_entry_is_ignored_and_rebuilt(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    run_county(config, RunOptions(jobs=1))
    before = outputs_of(config.output)
    pack = year_folder(config) / CACHE_DIR / PACK
    with open(pack, "rb") as reader:
        index = {}
        _scan(reader, index)
    assert len(index) == 3
    (first, _, _), _, (third, length, _) = sorted(index.values())
    data = bytearray(pack.read_bytes())
    data[first + 10] ^= 0xFF  # a changed byte: the record's sha256 no longer matches
    pack.write_bytes(bytes(data[: third + length // 2]))  # the last record cut short
    (year_folder(config) / CACHE_DIR / "outputs.pkl").write_bytes(b"nianbao-cache 1\nnot a pickle")
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))
    assert len(counted["read"]) == 2  # the second record is still good
    assert outputs_of(config.output) == before
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))  # the pack was mended
    assert counted["read"] == []


def test_a_pack_of_another_format_is_started_again(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    pack = year_folder(config) / CACHE_DIR / PACK
    pack.parent.mkdir(parents=True)
    pack.write_bytes(b"\x80\x04K\x01." * 100)  # a pickle without our header
    run_county(config, RunOptions(jobs=1))
    assert len(counted["read"]) == 3 and pack.read_bytes().startswith(PACK_HEADER)
    counted["read"].clear()
    run_county(config, RunOptions(jobs=1))
    assert counted["read"] == []


def test_the_pack_keeps_what_a_stopped_run_examined(tmp_path, counted, monkeypatch):
    config = county(tmp_path)
    fill_inbox(config)

    real_read = perfile.read_document

    def read(snapshot):
        if snapshot.name.startswith("12"):
            raise KeyboardInterrupt  # the clerk presses Ctrl+C while the last file is read
        return real_read(snapshot)

    monkeypatch.setattr(perfile, "read_document", read)
    with pytest.raises(KeyboardInterrupt):
        run_county(config, RunOptions(jobs=1))
    monkeypatch.undo()
    from pipeline.cache import FileCache

    cache = FileCache(year_folder(config) / CACHE_DIR, "")
    assert len(cache._records()) == 2  # the two files examined before it stopped
    cache.close()


def test_records_no_run_uses_are_dropped_once_they_are_most_of_the_pack(tmp_path):
    from pipeline.cache import FileCache

    folder = tmp_path / ".cache"
    cache = FileCache(folder, "run")
    big = "x" * 2**20
    for name in ("a", "b", "c"):
        cache.store(cache.key(name, "sha"), big)
    cache.close()
    size = (folder / PACK).stat().st_size
    cache = FileCache(folder, "run")
    assert cache.load(cache.key("a", "sha")) == big and cache.load(cache.key("b", "sha")) == big
    cache.close()  # one record of three unused: kept
    assert (folder / PACK).stat().st_size == size
    cache = FileCache(folder, "run")
    assert cache.load(cache.key("a", "sha")) == big
    cache.close()  # two of three unused: the pack is rewritten with the one used
    assert (folder / PACK).stat().st_size < size / 2
    cache = FileCache(folder, "run")
    assert cache.load(cache.key("a", "sha")) == big and cache.load(cache.key("b", "sha")) is None
    cache.close()


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


def test_a_pack_that_cannot_be_written_further_keeps_its_whole_records(tmp_path, monkeypatch):
    import errno
    import io

    from pipeline.cache import FileCache

    folder = tmp_path / ".cache"
    cache = FileCache(folder, "run")
    cache.store(cache.key("a", "sha"), "first")
    real = cache._writer

    class Full(io.RawIOBase):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def tell(self):
            return real.tell()

        def close(self):
            real.close()

    cache._writer = Full()
    cache.store(cache.key("b", "sha"), "second")  # the disk is full: not stored, no error
    cache._writer = real
    cache.store(cache.key("c", "sha"), "third")  # nothing is written after a failed record
    cache.close()
    again = FileCache(folder, "run")
    assert [again.load(again.key(n, "sha")) for n in "abc"] == ["first", None, None]
    again.close()


def test_a_stopped_run_keeps_the_records_of_earlier_runs(tmp_path):
    """Regression (hostile review): a run stopped early shrank the pack to the few records it had
    used so far, and the next run read every file again."""
    from pipeline.cache import FileCache

    folder = tmp_path / ".cache"
    cache = FileCache(folder, "run")
    for name in ("a", "b", "c"):
        cache.store(cache.key(name, "sha"), "x" * 2**20)
    cache.close()
    stopped = FileCache(folder, "run")
    assert stopped.load(stopped.key("a", "sha")) is not None  # then Ctrl+C
    stopped.close(compact=False)
    again = FileCache(folder, "run")
    assert all(again.load(again.key(name, "sha")) is not None for name in "abc")
    again.close()


def test_run_batch_does_not_compact_the_pack_of_a_stopped_run(tmp_path, monkeypatch):
    from pipeline.batch import run_batch
    from pipeline.cache import FileCache

    config = county(tmp_path)
    fill_inbox(config)
    closed = []
    real_close = FileCache.close

    def close(self, *, compact=True):
        closed.append(compact)
        real_close(self, compact=compact)

    def read(snapshot):
        raise KeyboardInterrupt

    monkeypatch.setattr(FileCache, "close", close)
    run_batch(config, jobs=1, cache=year_folder(config) / CACHE_DIR)
    monkeypatch.setattr(perfile, "read_document", read)
    (config.inbox / "05-龙潭乡.xlsx").write_bytes((config.inbox / "05-龙潭乡.xlsx").read_bytes() + b"\0")
    with pytest.raises(KeyboardInterrupt):
        run_batch(config, jobs=1, cache=year_folder(config) / CACHE_DIR)
    assert closed == [True, False]


def test_a_pack_that_is_a_link_is_neither_read_nor_written_through(tmp_path, counted):
    config = county(tmp_path)
    fill_inbox(config)
    victim = tmp_path / "别人的文件.txt"
    victim.write_bytes(b"not ours")
    pack = year_folder(config) / CACHE_DIR / PACK
    pack.parent.mkdir(parents=True)
    pack.symlink_to(victim)
    run_county(config, RunOptions(jobs=1))
    assert victim.read_bytes() == b"not ours"
    assert not pack.is_symlink() and pack.read_bytes().startswith(PACK_HEADER)


def test_digest_of_each_tells_items_apart_and_refuses_objects_without_a_value_repr():
    from pipeline.cache import digest_of_each

    assert digest_of_each(["ab", "c"]) != digest_of_each(["a", "bc"]) != digest_of_each(["c", "ab"])
    assert digest_of_each(iter([("03", 1)])) == digest_of_each([("03", 1)])
    with pytest.raises(ValueError):
        digest_of_each([object()])
