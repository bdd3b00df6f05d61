"""The roll-up demo: a fictional city (示例市) runs the same pipeline over its counties' summaries.

The city's roster (examples/demo-city/county.toml) lists two counties of kind 县区: the demo county
(示例县) and 样板县, whose units' numbers are the demo county's clean 2025 data scaled up (so every
rule still holds). Each county's 汇总表.xlsx is a filled template for the county as one unit; the city
collects them in its inbox, runs the batch and writes its own 汇总表.xlsx, the sum of the counties.

Everything is example data and deterministic: the same input gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from .batch import RunResult, run_batch
from .config import CountyConfig, load_config, safe_stem
from .demo import DEFAULT_OUT, DEMO_COUNTY, EXAMPLES, _set_mtime, build_demo_inbox, load_year, save_deterministic
from .files import fixed_timestamp, write_atomic
from .summary import SUMMARY_NAME, write_summary
from .workbook.fill import fill_workbook
from .workbook.template import build_workbook

CITY_EXAMPLE = EXAMPLES / "demo-city"
SAMPLE_COUNTY = CITY_EXAMPLE / "yangban-county"

# 样板县 unit code → (示例县 unit code whose clean data it takes, factor)
SAMPLE_SOURCES = {
    "01": ("01", 2),
    "02": ("04", 3),
    "03": ("06", 2),
    "04": ("08", 3),
    "05": ("12", 2),
    "06": ("14", 3),
    "07": ("15", 2),
    "08": ("16", 3),
}


def city_folders(out_dir: Path) -> dict[str, Path]:
    """Where the roll-up demo writes (under the demo's output folder, next to 示例县/)."""
    out_dir = Path(out_dir)
    return {
        "city_inbox": out_dir / "示例市" / "2025年收件箱",
        "city_results": out_dir / "示例市" / "结果" / "2025",
        "sample_inbox": out_dir / "样板县" / "2025年收件箱",
        "sample_results": out_dir / "样板县" / "结果" / "2025",
        "county_inbox_2024": out_dir / "示例县" / "2024年收件箱",
        "county_inbox_2025": out_dir / "示例县" / "2025年收件箱",
    }


def build_city_demo(out_dir: Path | None = None, *, county_summary: Path | None = None) -> tuple[CountyConfig, RunResult]:
    """Build 样板县's summary, put it and 示例县's summary into the city's inbox, run the city's batch
    and write the city's 汇总表.xlsx into `city_folders(out_dir)["city_results"]`.

    `county_summary` is the demo county's 汇总表.xlsx from the demo run; without it the demo county's
    2024 and 2025 runs are done here. Returns the city's config (inbox and output under `out_dir`)
    and its run result."""
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    folders = city_folders(out_dir)
    city = load_config(CITY_EXAMPLE / "county.toml")
    city = replace(city, inbox=folders["city_inbox"], output=folders["city_results"].parent)

    demo_county = load_config(DEMO_COUNTY / "county.toml")
    received = folders["city_inbox"] / f"{safe_stem(_city_unit(city, demo_county.county))}-{SUMMARY_NAME}"
    if county_summary is None:
        _demo_county_summary(_with_city_code(demo_county, city), folders, received)
    else:
        write_atomic(received, Path(county_summary).read_bytes())
    _set_mtime(received, summary_sent(city.year))

    sample = load_config(SAMPLE_COUNTY / "county.toml")
    sample = replace(sample, inbox=folders["sample_inbox"], output=folders["sample_results"].parent)
    build_sample_inbox(sample, folders["sample_inbox"])
    sample_result = run_batch(sample)
    sample_summary = write_summary(sample_result, sample, folders["sample_results"] / SUMMARY_NAME)
    sample_unit = _city_unit(city, sample.county)
    sent = folders["city_inbox"] / f"{safe_stem(sample_unit)}-{SUMMARY_NAME}"
    write_atomic(sent, sample_summary.read_bytes())
    _set_mtime(sent, summary_sent(city.year))

    result = run_batch(city)
    write_summary(result, city, folders["city_results"] / SUMMARY_NAME)
    return city, result


def build_sample_inbox(config: CountyConfig, out_dir: Path) -> list[Path]:
    """样板县's returned workbooks: each unit's numbers are a demo county unit's clean data × factor."""
    source = load_year(DEMO_COUNTY, config.year)
    form = source.form
    written = []
    for unit in config.units:
        source_code, factor = SAMPLE_SOURCES[unit.code]
        values = scaled(source.units[source_code].values, factor)
        wb = build_workbook(form, config.year, unit, county=config.county, deadline=config.deadline)
        fill_workbook(wb, form, values, sample_texts(form, config.year, unit.full_name), sample_info(config.year))
        path = Path(out_dir) / f"{safe_stem(unit)}.xlsx"
        save_deterministic(wb, path, fixed_timestamp(config.year))
        _set_mtime(path, sample_info(config.year)["info.date"])  # sent on its 落款日期: the same in every run
        written.append(path)
    return written


def scaled(values: Mapping[str, object], factor: int) -> dict[str, object]:
    """Every number × factor (amounts exactly, as Decimal arithmetic); blanks stay blank."""
    result: dict[str, object] = {}
    for key, value in values.items():
        if value is None:
            result[key] = None
        elif isinstance(value, int):
            result[key] = value * factor
        else:
            result[key] = float(Decimal(str(value)) * factor)
    return result


def sample_texts(form, year: int, full_name: str) -> dict[str, str]:
    other = form.text("text.other").prefill.format(year=year) or "无。"
    return {
        "text.preface": "【示例数据】本报告为演示用虚构材料，数字由示例县示例数据按比例生成。",
        "text.overview": f"{year}年，{full_name}认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息，依法办理政府信息公开申请。",
        "text.problems": "政策解读形式较为单一，部分栏目更新不够及时。下一步将丰富图解、音视频等解读形式，按月检查栏目更新情况。",
        "text.other": other,
    }


def summary_sent(year: int) -> dt.date:
    """When a county's summary reaches the city in the demo: before the city's deadline, every run."""
    return dt.date(year + 1, 2, 15)


def sample_info(year: int) -> dict[str, object]:
    return {"info.contact": "示例联系人", "info.phone": "0000-0000000", "info.date": dt.date(year + 1, 1, 20)}


# --- the demo county, when the demo run's summary is not given -----------------------------------


def _demo_county_summary(config: CountyConfig, folders: dict[str, Path], path: Path) -> Path:
    """The demo county's runs of 2024 (last year's data) and 2025, as `nianbao demo` does them."""
    last_year = replace(config, year=config.year - 1, inbox=folders["county_inbox_2024"])
    this_year = replace(config, inbox=folders["county_inbox_2025"])
    build_demo_inbox(DEMO_COUNTY, last_year.year, folders["county_inbox_2024"])
    build_demo_inbox(DEMO_COUNTY, this_year.year, folders["county_inbox_2025"])
    earlier = run_batch(last_year)
    previous = {u.unit.code: u.submission.values for u in earlier.passed()}
    result = run_batch(this_year, previous_by_unit=previous)
    return write_summary(result, this_year, path, previous=previous)


def _with_city_code(county: CountyConfig, city: CountyConfig) -> CountyConfig:
    """The demo county with the code the city's roster gives it (its county.toml may not carry one)."""
    return county if county.code else replace(county, code=_city_unit(city, county.county).code)


def _city_unit(city: CountyConfig, county_name: str):
    for unit in city.units:
        if unit.name == county_name:
            return unit
    raise KeyError(f"{city.path.name} 的名册中没有“{county_name}”")


__all__ = ["build_city_demo", "build_sample_inbox", "city_folders", "scaled", "SAMPLE_SOURCES", "CITY_EXAMPLE"]
