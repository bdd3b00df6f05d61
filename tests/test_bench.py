"""`nianbao bench`: the shape of its last line (never its timings)."""

from __future__ import annotations

import json

from pipeline import cli

KEYS = [
    "units", "ms_per_unit", "naive_ms_per_unit", "floor_ms_per_unit", "vs_naive", "vs_floor", "cpu_per_wall",
    "peak_rss_mib", "rerun_nothing_s", "rerun_one_changed_s",
]


def test_bench_prints_a_chinese_table_and_one_json_object_last(capsys):
    assert cli.main(["bench", "--units", "6", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert list(figures) == KEYS
    assert figures["units"] == 6
    assert all(isinstance(figures[k], (int, float)) and figures[k] >= 0 for k in KEYS)
    assert "首次运行" in out and "简单脚本" in out and "读写下限" in out
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
