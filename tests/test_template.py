"""The Excel template: layout from the spec, locks, validation, formulas, live check and marks."""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile

import openpyxl
import pytest

from pipeline.config import Unit
from pipeline.files import save_workbook, workbook_bytes
from pipeline.forms import FORMS, form_for_year
from pipeline.office import convert, find_soffice
from pipeline.workbook import layout
from pipeline.workbook.template import MASTER_NAME, build_workbook, write_templates

UNIT = Unit(code="03", name="青塘镇", full_name="青塘镇人民政府", kind="乡镇", aliases=("青塘",))
YEAR_OF = {"gov2019": 2019, "gov2021": 2025}

needs_office = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过需要重新计算公式的测试")


def saved(tmp_path, form, unit=UNIT, **kw):
    path = tmp_path / f"{form.id}.xlsx"
    save_workbook(build_workbook(form, YEAR_OF[form.id], unit, **kw), path)
    return openpyxl.load_workbook(path)


@pytest.fixture(params=FORMS, ids=lambda f: f.id)
def form(request):
    return request.param


def test_sheets_follow_the_printed_report(tmp_path, form):
    wb = saved(tmp_path, form)
    assert wb.sheetnames == [
        "填报说明", "基本信息", "一、总体情况", "二、主动公开", "三、依申请公开", "四、复议诉讼",
        "五、问题及改进", "六、其他事项", "_nianbao",
    ]
    assert wb["_nianbao"].sheet_state == "hidden"
    assert all(wb[name].sheet_state == "visible" for name in wb.sheetnames[:-1])


def test_marks_identify_format_year_unit_and_version(tmp_path, form):
    wb = saved(tmp_path, form)
    meta = {row[0].value: row[1].value for row in wb["_nianbao"].iter_rows()}
    assert meta == {
        "product": "nianbao",
        "format": form.id,
        "year": str(YEAR_OF[form.id]),
        "unit_code": "03",
        "unit_name": "青塘镇",
        "template_version": layout.TEMPLATE_VERSION,
    }
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["nianbao.format"] == form.id
    assert props["nianbao.unit_code"] == "03"


def test_every_key_has_a_defined_name_at_its_place(tmp_path, form):
    wb = saved(tmp_path, form)
    keys = layout.all_keys(form)
    assert len(keys) == 7 + 4 + len(form.cells)
    for key in keys:
        defined = wb.defined_names[layout.defined_name(key)]
        (sheet, coordinate), = list(defined.destinations)
        place = layout.locate(form, key)
        assert (sheet, coordinate.replace("$", "")) == (place.sheet, place.coordinate)


def test_labels_and_merges_are_the_spec_grid(tmp_path, form):
    wb = saved(tmp_path, form)
    for table in form.tables:
        ws = wb[layout.TABLE_SHEETS[table.key]]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for label in table.labels:
            place = layout.grid_place(table.key, label.row, label.col)
            cell = ws.cell(place.row, place.col)
            assert cell.value == label.text
            assert cell.data_type == "s"
            if label.rowspan > 1 or label.colspan > 1:
                end = layout.grid_place(table.key, label.row + label.rowspan - 1, label.col + label.colspan - 1)
                assert f"{place.coordinate}:{end.coordinate}" in merged
        for cell in table.cells:
            if cell.colspan > 1:
                place = layout.grid_place(table.key, cell.row, cell.col)
                end = layout.grid_place(table.key, cell.row, cell.col + cell.colspan - 1)
                assert f"{place.coordinate}:{end.coordinate}" in merged


def test_only_input_cells_are_unlocked_and_sheets_are_protected_without_password(tmp_path, form):
    wb = saved(tmp_path, form)
    inputs = {(p.sheet, p.coordinate) for p in (layout.locate(form, c.key) for c in form.input_cells)}
    inputs |= {(p.sheet, p.coordinate) for p in (layout.locate(form, t.key) for t in form.texts)}
    inputs |= {(layout.INFO_SHEET, layout.locate(form, i.key).coordinate) for i in layout.INFO_FIELDS if i.editable}
    for ws in wb.worksheets:
        assert ws.protection.sheet is True
        assert not ws.protection.password
        for row in ws.iter_rows():
            for cell in row:
                if cell.coordinate in ws.merged_cells and (ws.title, cell.coordinate) not in inputs:
                    continue
                unlocked = cell.protection.locked is False
                assert unlocked == ((ws.title, cell.coordinate) in inputs), (ws.title, cell.coordinate)


def test_prefilled_unit_is_locked_and_master_is_fillable(tmp_path, form):
    wb = saved(tmp_path, form)
    ws = wb[layout.INFO_SHEET]
    code, name = layout.locate(form, "info.unit_code"), layout.locate(form, "info.unit_name")
    assert ws[code.coordinate].value == "03" and ws[code.coordinate].protection.locked
    assert ws[name.coordinate].value == "青塘镇" and ws[name.coordinate].protection.locked
    master = saved(tmp_path, form, unit=None)[layout.INFO_SHEET]
    assert master[code.coordinate].value is None and master[code.coordinate].protection.locked is False
    assert master[layout.locate(form, "info.year").coordinate].value == YEAR_OF[form.id]


def test_every_number_cell_is_validated_with_a_chinese_message(tmp_path, form):
    wb = saved(tmp_path, form)
    expected_type = {"count": "whole", "signed": "whole", "amount_wan": "decimal", "amount": "decimal"}
    for table in form.tables:
        ws = wb[layout.TABLE_SHEETS[table.key]]
        validations = ws.data_validations.dataValidation
        for cell in table.cells:
            coordinate = layout.locate(form, cell.key).coordinate
            covering = [dv for dv in validations if coordinate in dv.sqref]
            if cell.is_total:
                assert covering == []
                continue
            assert len(covering) == 1, cell.key
            dv = covering[0]
            assert dv.type == expected_type[cell.kind.value]
            assert dv.showErrorMessage and "无数据请填0" in dv.error or "无变化请填0" in dv.error
            if cell.kind.value == "count":
                assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
            if cell.kind.value == "signed":
                assert dv.operator == "between" and dv.formula1.startswith("-")


def test_totals_are_formulas_over_exactly_their_parts(tmp_path, form):
    wb = saved(tmp_path, form)
    for cell in form.cells:
        place = layout.locate(form, cell.key)
        value = wb[place.sheet][place.coordinate].value
        if not cell.is_total:
            assert not (isinstance(value, str) and value.startswith("=")), cell.key
            continue
        assert value.startswith("=SUM(")
        referenced = set()
        for part in re.findall(r"[A-Z]+\d+(?::[A-Z]+\d+)?", value[5:]):
            bounds = part.split(":")
            first = openpyxl.utils.cell.coordinate_from_string(bounds[0])
            last = openpyxl.utils.cell.coordinate_from_string(bounds[-1])
            for col in range(openpyxl.utils.column_index_from_string(first[0]), openpyxl.utils.column_index_from_string(last[0]) + 1):
                for row in range(first[1], last[1] + 1):
                    referenced.add(f"{openpyxl.utils.get_column_letter(col)}{row}")
        assert referenced == {layout.locate(form, k).coordinate for k in cell.sum_of}, cell.key


def test_live_check_row_per_column_of_table_three(tmp_path, form):
    ws = saved(tmp_path, form)["三、依申请公开"]
    row = layout.check_row(form)
    assert ws.cell(row, 1).value.startswith("勾稽关系检查")
    formulas = [ws.cell(row, 1 + 3 + i).value for i in range(7)]
    assert all(f.startswith("=") and "不平衡" in f and "平衡" in f for f in formulas)
    received = layout.locate(form, "t3.received.natural").coordinate
    carried_over = layout.locate(form, "t3.carried_over.natural").coordinate
    assert received in formulas[0] and carried_over in formulas[0]
    assert len(ws.conditional_formatting) >= 1


def test_narrative_cells_and_guideline_counter(tmp_path, form):
    wb = saved(tmp_path, form)
    other = layout.locate(form, "text.other")
    overview = layout.locate(form, "text.overview")
    ws = wb[overview.sheet]
    assert ws[overview.coordinate].alignment.wrap_text
    assert ws[overview.coordinate].protection.locked is False
    counters = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "LEN(" in c.value]
    if form.id == "gov2021":
        assert wb[other.sheet][other.coordinate].value == "2025年，本机关未收取信息处理费。"
        assert counters == [f'="已填写"&LEN({overview.coordinate})&"字（原则上不超过1000字）"']
    else:
        assert wb[other.sheet][other.coordinate].value is None
        assert counters == []


def test_guide_sheet_explains_rules_and_deadline(tmp_path, form):
    wb = saved(tmp_path, form, county="示例县", deadline=dt.date(2026, 1, 31))
    text = "\n".join(str(c.value) for row in wb["填报说明"].iter_rows() for c in row if c.value)
    assert "无数据请填0" in text
    assert "请于2026年1月31日前将本文件报送" in text
    assert form.document in text
    for rule_id in {r.id for r in form.rules}:
        assert f"{rule_id}（" in text


def test_print_setup_is_a4_fit_to_width(tmp_path, form):
    wb = saved(tmp_path, form)
    for ws in wb.worksheets[:-1]:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert wb["四、复议诉讼"].page_setup.orientation == "landscape"
    assert wb["三、依申请公开"].print_title_rows == "$4:$6"


def test_previous_year_prefills_carry_over(tmp_path):
    form = form_for_year(2025)
    previous = {f"t3.carried_over.{c}": i + 1 for i, c in enumerate(["natural", "commercial", "research", "public_interest", "legal_service", "other_org", "total"])}
    wb = saved(tmp_path, form, previous=previous)
    ws = wb["三、依申请公开"]
    values = [ws[layout.locate(form, f"t3.carried_in.{c}").coordinate].value for c in ["natural", "commercial", "research", "public_interest", "legal_service", "other_org"]]
    assert values == [1, 2, 3, 4, 5, 6]
    assert ws[layout.locate(form, "t3.carried_in.natural").coordinate].protection.locked is False
    # totals stay formulas even when last year's total is known
    assert ws[layout.locate(form, "t3.carried_in.total").coordinate].value.startswith("=SUM(")


def test_previous_2019_format_prefills_project_counts(tmp_path):
    form = form_for_year(2020)
    wb = saved(tmp_path, form, previous={"t2.licensing.prev_items": 396, "t2.licensing.change": -18})
    assert wb["二、主动公开"][layout.locate(form, "t2.licensing.prev_items").coordinate].value == 378


def test_write_templates_names_files_from_the_roster_and_is_byte_stable(tmp_path):
    from pipeline.config import CountyConfig

    config = CountyConfig(
        county="示例县", year=2025, inbox=tmp_path / "in", output=tmp_path / "out", history=None,
        deadline=dt.date(2026, 1, 31), units=(UNIT, Unit("12", "示例县财政局", "示例县财政局", "部门")),
        path=tmp_path / "county.toml",
    )
    out = tmp_path / "templates"
    paths = write_templates(config, 2025, out)
    assert [p.name for p in paths] == [MASTER_NAME, "03-青塘镇.xlsx", "12-示例县财政局.xlsx"]
    first = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    write_templates(config, 2025, out)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths} == first
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temp files left
    assert oct(paths[0].stat().st_mode & 0o777) != oct(0o600)


def test_same_input_gives_same_bytes():
    form = form_for_year(2025)
    one = workbook_bytes(build_workbook(form, 2025, UNIT))
    two = workbook_bytes(build_workbook(form, 2025, UNIT))
    assert one == two
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(__import__("io").BytesIO(one)).infolist())


# --- with a real office suite ----------------------------------------------------------------


def fill(form, path, values):
    wb = openpyxl.load_workbook(path)
    for key, value in values.items():
        place = layout.locate(form, key)
        wb[place.sheet][place.coordinate].value = value
    wb.save(path)


def seed_values(form):
    values = {c.key: 0 for c in form.input_cells}
    values["t3.other.other_org"] = 6
    for col in ("natural", "commercial", "research", "public_interest", "legal_service", "other_org"):
        values[f"t3.partial.{col}"] = None  # the seed leaves the 部分公开 row blank
    return values


@needs_office
def test_libreoffice_shows_the_seed_unbalanced(tmp_path):
    form = form_for_year(2019)
    path = tmp_path / "seed.xlsx"
    save_workbook(build_workbook(form, 2019, UNIT), path)
    fill(form, path, seed_values(form))
    recalculated = convert(path, tmp_path / "lo")
    ws = openpyxl.load_workbook(recalculated, data_only=True)["三、依申请公开"]
    row = layout.check_row(form)
    checks = [ws.cell(row, 4 + i).value for i in range(7)]
    assert checks == ["有空白，请填0"] * 5 + ["不平衡（相差6），有空白", "不平衡（相差6）"]
    assert ws[layout.locate(form, "t3.total.total").coordinate].value == 6


@needs_office
def test_libreoffice_balances_a_consistent_report_and_keeps_the_marks(tmp_path):
    form = form_for_year(2025)
    rng = random.Random(7)
    values = {c.key: rng.randint(0, 9) for c in form.input_cells if c.table == "t3"}
    apps = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org")
    for col in apps:
        outcomes = sum(v for k, v in values.items() if k.endswith("." + col) and k.split(".")[1] not in ("received", "carried_in", "carried_over"))
        values[f"t3.carried_over.{col}"] = 0
        values[f"t3.received.{col}"] = outcomes
        values[f"t3.carried_in.{col}"] = 0
    path = tmp_path / "clean.xlsx"
    save_workbook(build_workbook(form, 2025, UNIT), path)
    fill(form, path, {**{c.key: 0 for c in form.input_cells}, **values})
    recalculated = convert(path, tmp_path / "lo")
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    ws = wb["三、依申请公开"]
    row = layout.check_row(form)
    assert [ws.cell(row, 4 + i).value for i in range(7)] == ["平衡"] * 7
    for cell in form.table("t3").cells:
        if cell.is_total:
            expected = sum(values.get(k, 0) if k in values else 0 for k in cell.sum_of) if cell.col_label != "总计" or cell.row_label != "（七）总计" else None
            if expected is not None and all(k in values for k in cell.sum_of):
                assert ws[layout.locate(form, cell.key).coordinate].value == expected
    # what the reader relies on survives a save by an office suite
    assert wb["_nianbao"]["B2"].value == "gov2021"
    assert layout.defined_name("t3.received.natural") in wb.defined_names


def test_the_date_hint_names_a_date_of_the_year_after_the_report_year():
    from pipeline.forms import form_for_year
    from pipeline.workbook import layout
    from pipeline.workbook.template import build_workbook

    for year in (2020, 2024):
        ws = build_workbook(form_for_year(year), year)[layout.INFO_SHEET]
        hints = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "落款日期，如" in c.value]
        assert hints == [f"年度报告落款日期，如 {year + 1}/1/20"]
