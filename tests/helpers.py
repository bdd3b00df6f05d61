"""Shared helpers of the reader, checks and batch tests: templates, filled workbooks, a county in code.

A returned workbook is made the way a township makes one: the county's template
(`build_workbook` + `save_workbook`), with values typed into the cells that `layout.locate` names.
Nothing here checks anything; the tests do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Mapping

import openpyxl
import pytest

from pipeline.config import CountyConfig, Unit
from pipeline.files import save_workbook
from pipeline.forms import form_for_year
from pipeline.forms.spec import Form
from pipeline.office import find_soffice
from pipeline.workbook import layout
from pipeline.workbook.template import build_workbook

FORM_2019 = form_for_year(2019)
FORM_2021 = form_for_year(2025)
YEAR_OF = {"gov2019": 2019, "gov2021": 2025}

T3_COLUMNS = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org", "total")

QINGTANG = Unit(code="03", name="青塘镇", full_name="青塘镇人民政府", kind="乡镇", aliases=("青塘",))
LONGTAN = Unit(code="05", name="龙潭乡", full_name="龙潭乡人民政府", kind="乡镇")
FINANCE = Unit(code="12", name="县财政局", full_name="示例县财政局", kind="部门", aliases=("财政局",))
UNITS = (QINGTANG, LONGTAN, FINANCE)

needs_office = pytest.mark.skipif(
    find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过需要 LibreOffice 另存的测试"
)


# --- values ------------------------------------------------------------------------------------


def with_totals(form: Form, values: Mapping[str, object]) -> dict[str, object]:
    """`values` (input cells) plus every total computed from its parts (totals may sum totals)."""
    result = {k: v for k, v in values.items() if not form.cell(k).is_total}
    pending = [c for c in form.cells if c.is_total]
    while pending:
        ready = [c for c in pending if all(k in result for k in c.sum_of)]
        assert ready, [c.key for c in pending]
        for cell in ready:
            result[cell.key] = sum((Decimal(str(result[k])) for k in cell.sum_of), Decimal(0))
            pending.remove(cell)
    return result


def consistent_inputs(form: Form) -> dict[str, object]:
    """A complete report (every input cell) whose every rule holds and that raises no warning, even
    for a township: no 规章, no 其他处理, applications received in two columns, one carried over."""
    values: dict[str, object] = {c.key: 0 for c in form.input_cells}
    values.update({
        "t3.received.natural": 5, "t3.carried_in.natural": 1,
        "t3.disclosed.natural": 3, "t3.partial.natural": 1, "t3.carried_over.natural": 2,
        "t3.received.commercial": 2, "t3.disclosed.commercial": 1, "t3.unable_not_held.commercial": 1,
        "t4.review.upheld": 1, "t4.review.pending": 1,
    })
    if form.id == "gov2019":
        values.update({
            "t2.normative.made": 4, "t2.normative.published": 4, "t2.normative.public_total": 31,
            "t2.licensing.prev_items": 396, "t2.licensing.change": -18, "t2.licensing.decisions": 1200,
            "t2.procurement.projects": 3, "t2.procurement.amount": 12.5,
        })
    else:
        values.update({
            "t2.normative.issued": 4, "t2.normative.repealed": 1, "t2.normative.in_force": 12,
            "t2.licensing.decisions": 1200, "t2.penalty.decisions": 7, "t2.fees.amount": 0.25,
        })
    return values


def expected_values(form: Form, inputs: Mapping[str, object] | None = None) -> dict[str, Decimal]:
    """What the reader should return for `inputs`: every cell as a Decimal, totals computed."""
    inputs = consistent_inputs(form) if inputs is None else inputs
    return {k: Decimal(str(v)) for k, v in with_totals(form, inputs).items()}


def good_texts(form: Form, year: int) -> dict[str, str]:
    texts = {
        # the overview mentions the 行政复议 of consistent_inputs (rule T3) without quoting a number (T1)
        "text.overview": f"{year}年，本单位认真贯彻《中华人民共和国政府信息公开条例》，主动公开政府信息，依法办理政府信息公开行政复议案件。",
        "text.problems": "公开内容不够全面，部分栏目更新不及时。下一步将加强业务培训，规范公开流程，按月检查栏目更新情况。",
        "text.other": f"{year}年，本机关未收取信息处理费。" if form.id == "gov2021" else "无。",
    }
    return texts


GOOD_INFO = {"info.contact": "李华", "info.phone": "0797-1234567", "info.date": dt.datetime(2026, 1, 20)}


# --- workbooks ---------------------------------------------------------------------------------


def template(form: Form, year: int | None = None, unit: Unit | None = QINGTANG, **kw) -> openpyxl.Workbook:
    return build_workbook(form, YEAR_OF[form.id] if year is None else year, unit, **kw)


def put(wb: openpyxl.Workbook, form: Form, key: str, value: object) -> None:
    """Type `value` into the cell of `key` as a clerk would: text stays text (also "=…")."""
    place = layout.locate(form, key)
    cell = wb[place.sheet].cell(place.row, place.col)
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    cell.value = value
    if isinstance(value, str) and not value.startswith("="):
        cell.data_type = "s"


def fill(wb: openpyxl.Workbook, form: Form, values: Mapping[str, object]) -> None:
    for key, value in values.items():
        put(wb, form, key, value)


def report_workbook(
    form: Form,
    *,
    year: int | None = None,
    unit: Unit | None = QINGTANG,
    values: Mapping[str, object] | None = None,
    changes: Mapping[str, object] | None = None,
    texts: Mapping[str, str] | None = None,
    info: Mapping[str, object] | None = None,
) -> openpyxl.Workbook:
    """A template of `form` filled as a careful clerk would (or with `values`), then `changes` typed over."""
    year = YEAR_OF[form.id] if year is None else year
    wb = template(form, year, unit)
    fill(wb, form, consistent_inputs(form) if values is None else values)
    fill(wb, form, good_texts(form, year) if texts is None else texts)
    fill(wb, form, GOOD_INFO if info is None else info)
    fill(wb, form, changes or {})
    return wb


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def write_report(path: Path, form: Form, **kw) -> Path:
    return save(report_workbook(form, **kw), path)


# --- a county made in code -----------------------------------------------------------------------


def county(tmp_path: Path, year: int = 2025, units: tuple[Unit, ...] = UNITS, deadline=None) -> CountyConfig:
    inbox = tmp_path / "收件箱"
    inbox.mkdir(parents=True, exist_ok=True)
    return CountyConfig(
        county="示例县",
        year=year,
        inbox=inbox,
        output=tmp_path / "输出",
        history=None,
        deadline=deadline,
        units=units,
        path=tmp_path / "county.toml",
    )


COUNTY_TOML = """\
county = "示例县"
year = {year}
inbox = "收件箱"
output = "输出"

[[units]]
code = "03"
name = "青塘镇"
full_name = "青塘镇人民政府"
kind = "乡镇"
aliases = ["青塘"]
"""


def write_county_toml(tmp_path: Path, year: int = 2025) -> Path:
    (tmp_path / "收件箱").mkdir(parents=True, exist_ok=True)
    path = tmp_path / "county.toml"
    path.write_text(COUNTY_TOML.format(year=year), encoding="utf-8")
    return path


# --- files -------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) → its sha256."""
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(Path(folder).rglob("*")) if p.is_file()}
