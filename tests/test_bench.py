"""`nianbao bench`: the shape of its last line (never its timings)."""

from __future__ import annotations

import json

from pipeline import cli

KEYS = [
    "units", "ms_per_unit", "naive_ms_per_unit", "floor_ms_per_unit", "vs_naive", "vs_floor", "cpu_per_wall",
    "peak_rss_mib", "rerun_nothing_s", "rerun_one_changed_s", "history_units", "history_ms_per_unit",
    "history_peak_rss_mib", "fewer_units", "fewer_peak_rss_mib", "peak_rss_kib_per_unit",
]


def test_bench_prints_a_chinese_table_and_one_json_object_last(capsys):
    assert cli.main(["bench", "--units", "6", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert list(figures) == KEYS
    assert figures["units"] == 6 and figures["history_units"] == 3  # the 2025 county, a year on
    assert figures["fewer_units"] == 2  # one unit of each format
    assert all(isinstance(figures[k], (int, float)) and figures[k] >= 0 for k in KEYS if k != "peak_rss_kib_per_unit")
    assert "同一次测试中 2 个单位的峰值内存" in out
    assert "首次运行" in out and "简单脚本" in out and "读写下限" in out and "第二年：有上年数据，3 个单位" in out
    assert "各测 2 次取中位数" in out and "按此推算 40000 个单位" in out


def test_the_comparison_with_the_naive_script_says_faster_or_slower_plainly():
    from pipeline.bench import naive_comparison

    assert naive_comparison(12.5) == "速度是简单脚本的 12.5 倍"
    assert naive_comparison(0.5) == "比简单脚本慢（用时是简单脚本的 2.0 倍）"


def test_the_short_phases_count_by_their_median_wall_time():
    from pipeline.bench import median_phase

    phases = [{"wall": 3.0, "cpu": 1}, {"wall": 1.0, "cpu": 2}, {"wall": 2.0, "cpu": 3}]
    assert median_phase(phases) == {"wall": 2.0, "cpu": 3}  # the figures of one and the same run
    assert median_phase(phases[:2]) == {"wall": 1.0, "cpu": 2}
    assert median_phase(phases[:1]) == {"wall": 3.0, "cpu": 1}


def test_the_county_a_year_on_is_checked_against_last_years_data_as_most_counties_are(tmp_path):
    """next_year_county: the same inbox with `history`; X1 holds (last year's 结转下年度 is this year's
    上年结转), and one unit in ten wrote last year's narrative again (X5)."""
    from pipeline.bench import generate, next_year_county
    from pipeline.config import load_config
    from pipeline.run import RunOptions, run_county

    first = generate(tmp_path, 24, office_files=0, jobs=1)[0]
    this_year = run_county(load_config(first), RunOptions(jobs=1))
    config = load_config(next_year_county(first))
    assert config.history is not None and config.inbox == load_config(first).inbox
    outcome = run_county(config, RunOptions(jobs=1))
    assert outcome.notices == []  # last year's data was found
    rules = [f.rule for f in outcome.result.findings]
    assert "X1" not in rules
    copied = {f.unit_code for f in outcome.result.findings if f.rule == "X5"}
    with_texts = sorted(u.unit.code for u in this_year.result.units if u.submission is not None)
    assert copied == set(with_texts[::10])
    assert [u.status for u in outcome.result.units] == [u.status for u in this_year.result.units]


def test_a_phase_s_memory_peak_is_its_own_not_that_of_the_process_that_started_it():
    """Regression: the second-year figure read 238 MiB because getrusage in a process started by
    subprocess (vforked on Linux) reports the launching process's peak when that is higher."""
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    if not Path("/proc/self/status").exists():
        pytest.skip("the peak is read from /proc")
    ballast = bytearray(160 * 2**20)
    ballast[:: 4096] = b"x" * len(range(0, len(ballast), 4096))  # make every page resident
    del ballast
    status = Path("/proc/self/status").read_text(encoding="ascii")
    launcher_peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    code = "import json; from pipeline.bench import _peak_rss; print(json.dumps(_peak_rss()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    phase_peak = json.loads(done.stdout)["rss_mib"]
    assert launcher_peak > 160
    assert phase_peak < launcher_peak - 100  # a bare interpreter with the bench module: tens of MiB


def test_the_first_run_and_the_floor_take_turns_so_their_ratio_is_taken_under_the_same_load(monkeypatch, tmp_path):
    """This machine's speed drifts within minutes: a ratio of a run measured in a busy minute to a
    floor measured in a quiet one is no ratio (seen: the same code 14× the floor, then 20×)."""
    from types import SimpleNamespace

    from pipeline import bench

    calls = []

    def in_process(name, configs, jobs):
        calls.append(name if configs[0].parent == tmp_path else f"{name} {configs[0].parent.name}")
        return {"phase": name, "wall": 1.0, "cpu": 1.0, "rss_mib": 1.0, "rss_children_mib": 1.0}

    monkeypatch.setattr(bench, "generate", lambda root, units, **kw: [root / "county.toml"])
    monkeypatch.setattr(bench, "_remove_outputs", lambda configs: calls.append("remove"))
    monkeypatch.setattr(bench, "_change_one", lambda config, variant=1: calls.append("change"))
    monkeypatch.setattr(bench, "next_year_county", lambda config: tmp_path / "next.toml")
    monkeypatch.setattr(bench, "_load", lambda config: SimpleNamespace(units=[1, 2]))
    monkeypatch.setattr(bench, "_in_process", in_process)
    bench.run_bench(4, repeats=3, keep=tmp_path)
    firsts_and_floors = [c for c in calls[: calls.index("change")] if c in ("run", "floor", "run fewer")]
    assert firsts_and_floors[:9] == ["run", "floor", "run fewer"] * 3
    assert calls.count("floor") == 3 and calls.count("naive") == 1


def test_memory_growth_compares_the_peaks_of_one_benchmark_per_unit_beyond_the_smaller_run():
    from pipeline.bench import memory_growth, small_units

    assert small_units(2000) == 200 and small_units(200) == 20 and small_units(6) == 2
    growth = memory_growth(2000, 118.0, 200, {"rss_mib": 110.0, "rss_children_mib": 99.0})
    assert growth == {"fewer_units": 200, "fewer_peak_rss_mib": 110.0, "peak_rss_kib_per_unit": round(8 * 1024 / 1800, 2)}
    # the largest process counts on both sides, a worker's as much as the run's own
    assert memory_growth(20, 100.0, 2, {"rss_mib": 90.0, "rss_children_mib": 101.0})["peak_rss_kib_per_unit"] < 0
