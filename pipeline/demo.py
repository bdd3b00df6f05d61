"""The demo: a fictional county's returned workbooks, built from readable example data.

`examples/<name>/county.toml` holds the roster and `examples/<name>/data/<year>.yaml` what each unit
should have reported, plus a `mistakes` list per unit: the errors real townships make (blank cells,
"/", "6件", a broken 勾稽, an overwritten total, an old template, a duplicate, a missing file …).
`build_demo_inbox` turns one year into the folder of .xlsx files a county clerk would collect, with the
mistakes planted; `run_demo` builds the templates and the inboxes of the bundled examples.

The output is deterministic: the same data gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import yaml
from openpyxl import Workbook

from .config import CountyConfig, load_config, safe_stem
from .files import fixed_timestamp, save_workbook
from .forms import form_for_year
from .forms.common import APPLICANTS, RESULTS
from .forms.spec import Form
from .workbook.fill import fill_workbook
from .workbook.template import build_workbook, write_templates

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEMO_COUNTY = EXAMPLES / "demo-county"
SEED_EXAMPLE = EXAMPLES / "seed-qingtang-2019"
DEFAULT_OUT = ROOT / "output" / "demo"

INFO_KEYS = ("contact", "phone", "date")
TEXT_KEYS = ("preface", "overview", "problems", "other")

# Mistakes that overwrite one cell with `value`, and those that change the file itself.
CELL_MISTAKES = (
    "blank", "slash", "dash", "unit_text", "balance", "wrong_total", "township_rules", "fullwidth", "thousands",
)
FILE_MISTAKES = ("old_format", "duplicate", "missing")


class DemoDataError(ValueError):
    """The example data does not fit the form or the roster (a bug in examples/, not a user error)."""


@dataclass(frozen=True)
class Mistake:
    type: str
    note: str
    cell: str | None = None  # cell mistakes: the cell key
    value: Any = None  # cell mistakes: what is written, as is
    file: str | None = None  # duplicate: the second file's name
    changes: Mapping[str, Any] = field(default_factory=dict)  # duplicate: what differs in the second file
    template_year: int | None = None  # old_format: the year of the old template


@dataclass(frozen=True)
class UnitReport:
    """What one unit should have reported (clean), and the mistakes its returned file carries."""

    code: str
    name: str
    info: Mapping[str, Any]  # "info.contact" … ; missing values are left out
    values: Mapping[str, int | float | None]  # every input cell of the form
    texts: Mapping[str, str]  # "text.overview" …
    mistakes: tuple[Mistake, ...] = ()

    def mistakes_of(self, kind: str) -> tuple[Mistake, ...]:
        return tuple(m for m in self.mistakes if m.type == kind)

    @property
    def returned_values(self) -> dict[str, Any]:
        """The values as they appear in the returned workbook: clean data with cell mistakes applied."""
        values: dict[str, Any] = dict(self.values)
        for mistake in self.mistakes:
            if mistake.type in CELL_MISTAKES:
                values[mistake.cell] = mistake.value
        return values


@dataclass(frozen=True)
class YearData:
    year: int
    form: Form
    units: Mapping[str, UnitReport]


# --- building inboxes ------------------------------------------------------------------------


def build_demo_inbox(example_dir: Path, year: int, out_dir: Path) -> list[Path]:
    """Write the workbooks the units of `example_dir` return for `year` into `out_dir`.

    Each unit's template is built as the county would send it (with last year's values prefilled when
    the example has last year's data), filled with the unit's data, and then spoilt by its mistakes.
    Files are named "<code>-<name>.xlsx"; a duplicate gets the name its mistake gives.
    """
    example_dir = Path(example_dir)
    out_dir = Path(out_dir)
    config = load_config(example_dir / "county.toml")
    data = load_year(example_dir, year)
    previous = load_year(example_dir, year - 1) if data_file(example_dir, year - 1).exists() else None
    deadline = _deadline(config, year)
    _check_roster(config, data)

    written: list[Path] = []
    for unit in config.units:
        report = data.units[unit.code]
        if report.mistakes_of("missing"):
            continue
        last = previous.units.get(unit.code) if previous else None
        last_values = with_totals(previous.form, last.values) if last else None
        files = [(f"{safe_stem(unit)}.xlsx", report.returned_values, report.info, report.texts)]
        for mistake in report.mistakes_of("duplicate"):
            values, info, texts = dict(report.returned_values), dict(report.info), dict(report.texts)
            for key, value in mistake.changes.items():
                target = info if key.startswith("info.") else texts if key.startswith("text.") else values
                target[key] = value
            files.append((mistake.file, values, info, texts))
        for name, values, info, texts in files:
            wb = _returned_workbook(config, unit, report, data.form, year, deadline, last_values, values, info, texts)
            path = out_dir / name
            save_deterministic(wb, path, fixed_timestamp(year))
            _set_mtime(path, info.get("info.date"))
            written.append(path)
    return written


def _returned_workbook(config, unit, report, form, year, deadline, previous, values, info, texts) -> Workbook:
    old = report.mistakes_of("old_format")
    if old:
        # the unit kept a template of an earlier year and typed this year's numbers where it could
        old_year = old[0].template_year
        form = form_for_year(old_year)
        wb = build_workbook(form, old_year, unit, county=config.county, deadline=_shift(deadline, old_year - year))
        # cells only the old format has are typed as 0, as a clerk would
        values = {c.key: values.get(c.key, 0) for c in form.input_cells}
    else:
        wb = build_workbook(form, year, unit, county=config.county, deadline=deadline, previous=previous)
    fill_workbook(wb, form, values, texts, info)
    return wb


def save_deterministic(wb: Workbook, path: Path, stamp: dt.datetime) -> bool:
    """Save `wb` atomically and byte-identical for the same content: fixed document times and zip
    entry times. False when the file already held these bytes."""
    wb.properties.created = stamp
    wb.properties.modified = stamp
    return save_workbook(wb, Path(path))


def _set_mtime(path: Path, date: Any) -> None:
    """Give the file the time the unit sent it (its 落款日期, 17:00), so that "newest file" means the
    same in every run."""
    if isinstance(date, dt.date):
        stamp = time.mktime(dt.datetime(date.year, date.month, date.day, 17, 0).timetuple())
        os.utime(path, (stamp, stamp))


def _deadline(config: CountyConfig, year: int) -> dt.date | None:
    return _shift(config.deadline, year - config.year)


def _shift(date: dt.date | None, years: int) -> dt.date | None:
    return date.replace(year=date.year + years) if date else None


def _check_roster(config: CountyConfig, data: YearData) -> None:
    roster = {u.code: u for u in config.units}
    for code, report in data.units.items():
        if code not in roster:
            raise DemoDataError(f"{data.year}.yaml：单位代码“{code}”不在 county.toml 的名单中")
        if report.name != roster[code].name:
            raise DemoDataError(f"{data.year}.yaml：单位“{code}”的名称“{report.name}”与名单中的“{roster[code].name}”不一致")
    for code in roster:
        if code not in data.units:
            raise DemoDataError(f"{data.year}.yaml：缺少单位“{code}”的数据（未报送的单位请写 mistakes: [{{type: missing}}]）")


# --- the example data ------------------------------------------------------------------------


def data_file(example_dir: Path, year: int) -> Path:
    return Path(example_dir) / "data" / f"{year}.yaml"


def load_year(example_dir: Path, year: int) -> YearData:
    """Read data/<year>.yaml of an example: every unit's clean values, texts, info and mistakes."""
    path = data_file(example_dir, year)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    form = form_for_year(year)
    where = path.name
    if raw.get("year") != year:
        raise DemoDataError(f"{where}：year 应为 {year}，实际为 {raw.get('year')!r}")
    if raw.get("format") != form.id:
        raise DemoDataError(f"{where}：format 应为 {form.id}，实际为 {raw.get('format')!r}")
    units = {}
    for code, entry in (raw.get("units") or {}).items():
        code = str(code)
        units[code] = _unit_report(form, code, entry, f"{where} 单位“{code}”")
    return YearData(year, form, units)


def _unit_report(form: Form, code: str, entry: Mapping[str, Any], where: str) -> UnitReport:
    info = {f"info.{k}": v for k, v in (entry.get("info") or {}).items() if v is not None}
    for key in entry.get("info") or {}:
        if key not in INFO_KEYS:
            raise DemoDataError(f"{where}：info 中没有“{key}”（可用：{'、'.join(INFO_KEYS)}）")
    texts = {}
    for key, text in (entry.get("texts") or {}).items():
        if key not in TEXT_KEYS:
            raise DemoDataError(f"{where}：texts 中没有“{key}”（可用：{'、'.join(TEXT_KEYS)}）")
        if text is not None:
            texts[f"text.{key}"] = str(text)
    return UnitReport(
        code=code,
        name=str(entry.get("name", "")),
        info=info,
        values=expand_values(form, entry, where),
        texts=texts,
        mistakes=tuple(_mistake(form, m, where) for m in entry.get("mistakes") or ()),
    )


def expand_values(form: Form, entry: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Every input cell of `form` from the compact rows of an example unit; rows not listed are 0."""
    values: dict[str, Any] = {c.key: 0 for c in form.input_cells}
    columns = {
        "t2": lambda row: [c.key for c in form.table("t2").cells if c.key.startswith(f"t2.{row}.")],
        "t3": lambda row: [f"t3.{row}.{col}" for col, _ in APPLICANTS],
        "t4": lambda row: [f"t4.{row}.{result}" for result, _ in RESULTS[:-1]],
    }
    for table in ("t2", "t3", "t4"):
        for row, numbers in (entry.get(table) or {}).items():
            keys = columns[table](row)
            if not keys or not all(k in values for k in keys):
                raise DemoDataError(f"{where}：{form.id} 的{table}中没有可填写的“{row}”行")
            if not isinstance(numbers, list):
                numbers = [numbers]
            if len(numbers) != len(keys):
                raise DemoDataError(f"{where}：{table}.{row} 应有 {len(keys)} 个数，实际为 {len(numbers)} 个")
            for key, number in zip(keys, numbers):
                if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))):
                    raise DemoDataError(f"{where}：{key} 应为数字或 null，实际为 {number!r}")
                values[key] = number
    return values


def with_totals(form: Form, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` plus every total the template's formulas compute (blank addends count as 0), as the
    plain numbers openpyxl writes."""
    return {key: _plain(value) for key, value in form.with_totals(
        {k: Decimal(str(v)) for k, v in values.items() if v is not None}
    ).items()} | {k: v for k, v in values.items() if v is None}


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _mistake(form: Form, raw: Mapping[str, Any], where: str) -> Mistake:
    kind = raw.get("type")
    note = raw.get("note")
    if kind not in CELL_MISTAKES + FILE_MISTAKES:
        raise DemoDataError(f"{where}：未知的错误类型 {kind!r}")
    if not note:
        raise DemoDataError(f"{where}：{kind} 缺少 note（说明植入的是哪一种错误）")
    if kind in CELL_MISTAKES:
        cell = raw.get("cell")
        if "value" not in raw or not cell or not form.has_cell(cell):
            raise DemoDataError(f"{where}：{kind} 应给出 {form.id} 中存在的 cell 和 value，实际为 {dict(raw)!r}")
        return Mistake(kind, note, cell=cell, value=raw["value"])
    if kind == "duplicate":
        changes = dict(raw.get("changes") or {})
        unknown = [k for k in changes if not (form.has_cell(k) or k.startswith(("info.", "text.")))]
        if not raw.get("file") or not changes or unknown:
            raise DemoDataError(f"{where}：duplicate 应给出 file 和 changes（{form.id} 中存在的格），实际为 {dict(raw)!r}")
        return Mistake(kind, note, file=str(raw["file"]), changes=changes)
    if kind == "old_format":
        old_year = raw.get("template_year")
        if not isinstance(old_year, int) or form_for_year(old_year).id == form.id:
            raise DemoDataError(f"{where}：old_format 的 template_year 应为另一种格式的年度，实际为 {old_year!r}")
        return Mistake(kind, note, template_year=old_year)
    return Mistake(kind, note)


# --- the whole demo --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOutput:
    label: str
    folder: Path
    files: list[Path]


def demo_folders(out_dir: Path) -> dict[str, Path]:
    """Where run_demo puts each part (the county.toml files of the examples point here too)."""
    return {
        "templates": out_dir / "示例县" / "2025年模板",
        "inbox_2024": out_dir / "示例县" / "2024年收件箱",
        "inbox_2025": out_dir / "示例县" / "2025年收件箱",
        "seed_inbox": out_dir / "青塘镇样例" / "2019年收件箱",
        "results_2024": out_dir / "示例县" / "结果" / "2024",
        "results_2025": out_dir / "示例县" / "结果" / "2025",
        "seed_results": out_dir / "青塘镇样例" / "结果" / "2019",
        "published_2024": out_dir / "示例县" / "2024年已发布的报告",
        "imported": out_dir / "示例县" / "导入的往年数据",
    }


# Units whose 2024 report the demo prints "by hand", with the drifts real published reports show;
# the others are published as this tool's own Word reports. The numbers are the same either way.
HANDMADE_2024 = {
    "03": ("gouji", "xianxing", "normative", "letter_title"),
    "05": ("slash", "units", "split", "fullwidth"),
    "07": ("format2019",),
}


def build_published_year(result, config: CountyConfig, out_dir: Path) -> list[Path]:
    """The reports of every unit that passed in `result`, as the county published them: this tool's
    Word report, except the units of HANDMADE_2024, typed by hand with drifts."""
    from .published.samples import handmade_docx
    from .word.render import report_bytes, report_context, signature_date
    from .word.template import template_path
    from .files import write_atomic

    written = []
    for unit_result in result.passed():
        unit, submission = unit_result.unit, unit_result.submission
        if unit.code in HANDMADE_2024:
            path = Path(out_dir) / f"{unit.name}{result.year}年度政府信息公开工作年度报告.docx"
            data = handmade_docx(result.form, result.year, unit.name, unit.full_name or unit.name, submission.values,
                                 submission.texts, signature_date(submission.info.get("info.date")), HANDMADE_2024[unit.code])
        else:
            path = Path(out_dir) / f"{safe_stem(unit)}.docx"
            data = report_bytes(template_path(result.form), report_context(result.form, result.year, unit, submission))
        write_atomic(path, data)
        written.append(path)
    return written


def run_demo(out_dir: Path | None = None) -> int:
    """Build the demo county's 2025 templates, its 2024 and 2025 inboxes, and the seed's 2019 inbox."""
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    folders = demo_folders(out_dir)
    config = load_config(DEMO_COUNTY / "county.toml")
    last = load_year(DEMO_COUNTY, config.year - 1)
    previous = {code: with_totals(last.form, report.values) for code, report in last.units.items()}
    outputs = [
        DemoOutput(
            f"{config.year}年填报模板（{config.county}，已预填上年结转）",
            folders["templates"],
            write_templates(config, config.year, folders["templates"], previous_by_unit=previous),
        ),
        DemoOutput(
            f"{config.year - 1}年收件箱（各单位均正确填报）",
            folders["inbox_2024"],
            build_demo_inbox(DEMO_COUNTY, config.year - 1, folders["inbox_2024"]),
        ),
        DemoOutput(
            f"{config.year}年收件箱（植入常见填报错误）",
            folders["inbox_2025"],
            build_demo_inbox(DEMO_COUNTY, config.year, folders["inbox_2025"]),
        ),
        DemoOutput(
            "2019年收件箱（青塘镇样例，数据取自公开发布的年报）",
            folders["seed_inbox"],
            build_demo_inbox(SEED_EXAMPLE, 2019, folders["seed_inbox"]),
        ),
    ]
    _print_summary(outputs)
    _check_demo(config, folders, out_dir)
    return 0


def _check_demo(config: CountyConfig, folders: dict[str, Path], out_dir: Path) -> None:
    """Run the county's checking on the built inboxes, as `nianbao run` would, then the city's roll-up.

    The 2024 run's dataset (data.csv) is the history of the 2025 run: its cross-year checks and its
    year-over-year sheet use it, as next January's real run would."""
    from dataclasses import replace

    from rich.console import Console

    from .batch import run_batch
    from .outputs import write_outputs
    from .rollup_demo import build_city_demo, city_folders
    from .store import load_previous, load_previous_texts
    from .summary import SUMMARY_NAME
    from .terminal import print_run_summary
    from .word import render_reports
    from .word.render import REPORTS_DIR

    console = Console(highlight=False)
    last_year = replace(config, year=config.year - 1, inbox=folders["inbox_2024"], output=folders["results_2024"].parent)
    this_year = replace(config, inbox=folders["inbox_2025"], output=folders["results_2025"].parent,
                        history=folders["results_2024"].parent)
    earlier = run_batch(last_year)
    write_outputs(earlier, last_year, folder=folders["results_2024"])
    # a county in its first year with the tool has only last year's reports as published: import them
    from .published.importing import import_reports

    published = build_published_year(earlier, last_year, folders["published_2024"])
    this_year = replace(this_year, history=folders["imported"])
    imported = import_reports(this_year, [folders["published_2024"]])
    console.print(
        f"\n导入 {config.year - 1} 年已发布的报告：{len(published)} 份 Word 文件（其中 {len(HANDMADE_2024)} 份手工排版，"
        f"带有常见的表头错字和写法），导入 {sum(len(r) for r in imported.imported.values())} 个单位；"
        f"导入问题清单：{_shown(imported.written[f'{config.year - 1}年度导入问题清单'])}",
        soft_wrap=True,
    )
    previous = load_previous(this_year)
    result = run_batch(this_year, previous_by_unit=previous, previous_texts=load_previous_texts(this_year))
    outputs = write_outputs(result, this_year, folder=folders["results_2025"], previous=previous)
    reports = render_reports(result, this_year, out_dir=folders["results_2025"])
    outputs[f"Word 年度报告（{len(reports)} 份，通过校验的单位）"] = folders["results_2025"] / REPORTS_DIR
    console.print()
    print_run_summary(result, outputs, console)

    seed = load_config(SEED_EXAMPLE / "county.toml")
    seed = replace(seed, inbox=folders["seed_inbox"], output=folders["seed_results"].parent, history=None)
    seed_result = run_batch(seed)
    seed_outputs = write_outputs(seed_result, seed, folder=folders["seed_results"])
    render_reports(seed_result, seed, out_dir=folders["seed_results"], draft=True)
    console.print(
        f"\n青塘镇 2019 年样例：发现 {seed_result.units[0].errors} 个错误（原报告勾稽关系不平衡等），"
        f"问题清单：{_shown(seed_outputs['问题清单（Excel）'])}；"
        f"按原报告数字生成的草稿：{_shown(folders['seed_results'] / REPORTS_DIR)}",
        soft_wrap=True,
    )

    city, city_result = build_city_demo(out_dir, county_summary=folders["results_2025"] / SUMMARY_NAME)
    passed = len(city_result.passed())
    partial = sum(1 for u in city_result.passed() if any(f.rule == "partial-summary" for f in u.findings))
    partly = f"（其中 {partial} 个县的汇总未覆盖全部乡镇和部门，报送情况中标为“部分”）" if partial else ""
    console.print(
        f"\n{city.county}汇总：收到 {len(city_result.units)} 个县的汇总表，{passed} 个通过校验{partly}；"
        f"全市汇总表：{_shown(city_folders(out_dir)['city_results'] / SUMMARY_NAME)}",
        soft_wrap=True,
    )


def _print_summary(outputs: list[DemoOutput]) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    console.print("[bold]示例数据已生成[/bold]（单位、人员和数字均为虚构）：")
    for output in outputs:
        console.print(f"  • {output.label}：{len(output.files)} 个文件")
        console.print(f"    {_shown(output.folder)}", soft_wrap=True)
    console.print(f"示例县配置：{_shown(DEMO_COUNTY / 'county.toml')}", soft_wrap=True)
    console.print(f"植入的填报错误清单：{_shown(EXAMPLES / 'README.md')}", soft_wrap=True)


def _shown(path: Path) -> str:
    """A path as printed through rich: never read as markup (a folder may be named "[demo]")."""
    from .terminal import escape

    try:
        return escape(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return escape(path)
