"""A hostile corpus for the reader (issue 12): files a careless clerk, another program or an attacker
could put in the inbox, each generated here from a good workbook. For every kind the reader must not
raise, must leave the input bytes as they were, and must give the specific finding (rule, severity and
the key words of the Chinese message)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl.workbook.defined_name import DefinedName

from helpers import FORM_2021, QINGTANG, expected_values, report_workbook
from pipeline.files import save_workbook
from pipeline.findings import TYPES
from pipeline.forms.spec import ERROR, NOTICE, WARNING
from pipeline.workbook import book, layout, package
from pipeline.workbook.reader import LABEL_BUDGET, MAX_NARRATIVE, read_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FILE = "03-青塘镇.xlsx"
T3 = layout.TABLE_SHEETS["t3"]


def at(key: str) -> layout.Place:
    return layout.locate(FORM_2021, key)


# --- making files -----------------------------------------------------------------------------------


class Good(bytes):
    def __repr__(self) -> str:  # hypothesis prints its arguments
        return f"<the careful clerk's workbook, {len(self)} bytes>"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> bytes:
    """The careful clerk's report, as openpyxl writes it."""
    path = tmp_path_factory.mktemp("good") / FILE
    save_workbook(report_workbook(FORM_2021, unit=QINGTANG), path)
    return Good(path.read_bytes())


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    workbook = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    rid = next(v for s in workbook.iter(f"{{{MAIN}}}sheet") if s.get("name") == sheet
               for k, v in s.attrib.items() if k.endswith("}id"))
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def set_cell(data: bytes, place: layout.Place, xml: str) -> bytes:
    """The workbook with the `<c>` element of `place` replaced by `xml` (a cell as another program
    would store it: a cached value, an error, a shared formula …)."""
    parts = members(data)
    name = sheet_part(parts, place.sheet)
    parser = etree.XMLParser(huge_tree=True)
    root = etree.fromstring(parts[name], parser)
    new = etree.fromstring(f'<c xmlns="{MAIN}" r="{place.coordinate}" {xml}</c>' if not xml.endswith("/>")
                           else f'<c xmlns="{MAIN}" r="{place.coordinate}" {xml}', parser)
    old = next((c for c in root.iter(f"{{{MAIN}}}c") if c.get("r") == place.coordinate), None)
    if old is not None:
        new.set("s", old.get("s", "0"))
        old.getparent().replace(old, new)
    else:
        data_element = root.find(f"{{{MAIN}}}sheetData")
        row = next((r for r in data_element if r.get("r") == str(place.row)), None)
        if row is None:
            row = etree.SubElement(data_element, f"{{{MAIN}}}row", r=str(place.row))
        row.append(new)
    parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return zipped(parts)


XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def inline(text: str) -> str:
    """An inline string cell, as Excel stores it: characters XML cannot hold as _xHHHH_ escapes."""
    text = XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f't="inlineStr"><is><t xml:space="preserve">{escaped}</t></is>'


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    parts = members(data)
    parts[name] = content
    return zipped(parts)


def edited(data: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    edit(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def typed(key: str, value) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb):
        place = at(key)
        cell = wb[place.sheet].cell(place.row, place.col)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    return edit


def read(tmp_path: Path, data: bytes):
    """Read `data` as an inbox file; the file's bytes must be the same afterwards."""
    path = tmp_path / FILE
    path.write_bytes(data)
    before = hashlib.sha256(data).hexdigest()
    submission = read_workbook(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    return submission


# --- the corpus -------------------------------------------------------------------------------------

BIG = package.MAX_PART_BYTES


def bomb_part(good: bytes) -> bytes:
    return with_part(good, "xl/media/padding.bin", b" " * (BIG + 1))


def bomb_total(good: bytes) -> bytes:
    import random

    chunk = random.Random(1).randbytes(package.MAX_TOTAL_BYTES // 3 + 1024)  # incompressible: no ratio
    parts = members(good) | {f"xl/media/image{i}.png": chunk for i in range(3)}
    return zipped(parts, zipfile.ZIP_STORED)


def bomb_ratio(good: bytes) -> bytes:
    return with_part(good, "xl/media/zeros.bin", bytes(2 * 1024 * 1024))


def bomb_members(good: bytes) -> bytes:
    parts = members(good) | {f"xl/media/e{i}.bin": b"" for i in range(package.MAX_MEMBERS)}
    return zipped(parts)


def too_many_cells(good: bytes) -> bytes:
    parts = members(good)
    name = sheet_part(parts, "六、其他事项")
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><v>1</v></c></row>'
                   for r in range(100, 100 + book.MAX_CELLS // 2 + 10))
    parts[name] = re.sub(rb"</sheetData>", rows.encode() + b"</sheetData>", parts[name])
    return zipped(parts)


def far_cell_without_names(good: bytes) -> bytes:
    def edit(wb):
        for name in [n for n in wb.defined_names if n.startswith("NB_")]:
            del wb.defined_names[name]
        wb[T3]["XFD1048576"] = 1
    return edited(good, edit)


def chart_sheet_named_like_a_table(good: bytes) -> bytes:
    from openpyxl.chart import BarChart, Reference

    def edit(wb):
        index = wb.sheetnames.index(T3)
        data = wb["四、复议诉讼"]
        del wb[T3]
        chart_sheet = wb.create_chartsheet(T3, index)
        chart = BarChart()
        chart.add_data(Reference(data, min_col=2, min_row=6, max_row=7))
        chart_sheet.add_chart(chart)
    return edited(good, edit)


def widened_name(good: bytes) -> bytes:
    def edit(wb):
        name = layout.defined_name("t3.received.natural")
        place = at("t3.received.natural")
        del wb.defined_names[name]
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{T3}'!$D${place.row}:$D${place.row + 3}")
    return edited(good, edit)


def superscript_year(good: bytes) -> bytes:
    def edit(wb):
        meta = wb[layout.META_SHEET]
        for row in meta.iter_rows():
            if row[0].value == "year":
                row[1].value = "2025²"
                row[1].data_type = "s"
        place = at("info.year")
        wb[place.sheet].cell(place.row, place.col).value = "2025²"
    return edited(good, edit)


def doctype(payload: str) -> Callable[[bytes], bytes]:
    def make(good: bytes) -> bytes:
        parts = members(good)
        name = sheet_part(parts, T3)
        parts[name] = payload.encode() + parts[name].split(b"?>", 1)[-1]
        return zipped(parts)
    return make


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + "]>")
XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def doctype_utf16(good: bytes) -> bytes:
    parts = members(good)
    name = sheet_part(parts, T3)
    body = parts[name].decode("utf-8").split("?>", 1)[-1]
    parts[name] = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet>' + body).encode("utf-16")
    return zipped(parts)


def shared_strings_rich(good: bytes, index_text: str = "") -> bytes:
    """The overview as a rich-text shared string (two runs and a phonetic guide), as Excel stores it."""
    parts = members(good)
    parts["xl/sharedStrings.xml"] = (
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><r><t>总体</t></r><r><rPr><b/></rPr>'
        '<t xml:space="preserve">情况_x000D_\n良好</t></r><rPh sb="0" eb="2"><t>ゾウタイ</t></rPh></si></sst>'
    ).encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings"/></Relationships>')).encode()
    data = zipped(parts)
    return set_cell(data, at("text.overview"), f't="s"><v>{index_text or 0}</v>')


@dataclass(frozen=True)
class Case:
    make: Callable[[bytes], bytes]
    rule: str
    severity: str
    words: tuple[str, ...]  # key words of the message
    sheet: str = ""
    cell: str = ""


def cell_of(key: str) -> tuple[str, str]:
    return at(key).sheet, at(key).coordinate


INPUT = "t3.received.natural"
TOTAL = "t3.total.total"

CASES = {
    # numbers no arithmetic should see
    "number-1e5000": Case(lambda g: edited(g, typed(INPUT, "1e5000")), "too-large", ERROR, ("1E+5000", "超出合理范围"), *cell_of(INPUT)),
    "number-1E9999999": Case(lambda g: edited(g, typed(INPUT, "1E9999999")), "too-large", ERROR, ("1E+9999999", "超出合理范围"), *cell_of(INPUT)),
    "number-4301-digits": Case(lambda g: edited(g, typed(INPUT, "9" * 4301)), "too-large", ERROR, ("共 4301 个字符", "超出合理范围"), *cell_of(INPUT)),
    "number-digits-with-unit": Case(lambda g: edited(g, typed(INPUT, "9" * 5000 + "件")), "too-large", ERROR, ("共 5001 个字符",), *cell_of(INPUT)),
    "stored-number-1e5000": Case(lambda g: set_cell(g, at(INPUT), "><v>1e5000</v>"), "not-a-number", ERROR, ("无效的数值",), *cell_of(INPUT)),
    "stored-number-5000-digits": Case(lambda g: set_cell(g, at(INPUT), f"><v>{'9' * 5000}</v>"), "not-a-number", ERROR, ("无效的数值",), *cell_of(INPUT)),
    "boolean-in-input": Case(lambda g: set_cell(g, at(INPUT), 't="b"><v>1</v>'), "not-a-number", ERROR, ("TRUE",), *cell_of(INPUT)),
    "error-value-in-input": Case(lambda g: set_cell(g, at(INPUT), 't="e"><v>#DIV/0!</v>'), "not-a-number", ERROR, ("#DIV/0!",), *cell_of(INPUT)),
    # zip bombs and other packages beyond the limits
    "bomb-part-size": Case(bomb_part, "package-limit", ERROR, ("xl/media/padding.bin", "单个部件的读取上限 20.0 MB")),
    "bomb-total-size": Case(bomb_total, "package-limit", ERROR, ("解压后共", "读取上限 50.0 MB")),
    "bomb-ratio": Case(bomb_ratio, "package-limit", ERROR, ("xl/media/zeros.bin", "压缩比", "压缩炸弹")),
    "bomb-member-count": Case(bomb_members, "package-limit", ERROR, (f"读取上限 {package.MAX_MEMBERS} 个",)),
    "too-many-cells": Case(too_many_cells, "package-limit", ERROR, (f"单元格超过读取上限 {book.MAX_CELLS} 个",)),
    # unsafe XML
    "doctype-billion-laughs": Case(doctype(LAUGHS), "unsafe-xml", ERROR, ("DOCTYPE", "未读取")),
    "doctype-external-entity": Case(doctype(XXE), "unsafe-xml", ERROR, ("DOCTYPE",)),
    "doctype-utf16": Case(doctype_utf16, "unsafe-xml", ERROR, ("DOCTYPE",)),
    # not a workbook, or a broken one
    "empty-file": Case(lambda g: b"", "unreadable", ERROR, ("是空文件（0 字节", "重新索取")),
    "truncated-zip": Case(lambda g: g[: len(g) // 2], "unreadable", ERROR, ("已损坏（文件不完整）",)),
    "zip-magic-only": Case(lambda g: b"PK\x03\x04" + bytes(40), "unreadable", ERROR, ("已损坏（文件不完整）",)),
    "zip-without-workbook": Case(lambda g: zipped({"word/document.xml": b"<w/>"}), "unreadable", ERROR, ("不是 Excel 工作簿", "里面也没有工作簿")),
    "malformed-sheet-xml": Case(lambda g: with_part(g, sheet_part(members(g), T3), b"<worksheet><sheetData>"), "unreadable", ERROR, ("已损坏或无法打开（内容不完整）",)),
    "shared-string-out-of-range": Case(lambda g: shared_strings_rich(g, "99"), "unreadable", ERROR, ("已损坏或无法打开",)),
    "shared-string-negative-index": Case(lambda g: shared_strings_rich(g, "-1"), "unreadable", ERROR, ("已损坏或无法打开",)),
    # formulas where a figure must be typed, and broken totals
    "formula-0+0-in-input": Case(lambda g: set_cell(g, at(INPUT), "><f>0+0</f><v>5</v>"), "formula-in-input", ERROR, ("=0+0", "应直接填写数字"), *cell_of(INPUT)),
    "external-link-in-input": Case(lambda g: set_cell(g, at(INPUT), "><f>'[other.xlsx]Sheet1'!A1</f><v>5</v>"), "formula-in-input", ERROR, ("[other.xlsx]",), *cell_of(INPUT)),
    "webservice-in-input": Case(lambda g: set_cell(g, at(INPUT), '><f>WEBSERVICE("http://example.com/n")</f><v>5</v>'), "formula-in-input", ERROR, ("WEBSERVICE",), *cell_of(INPUT)),
    "shared-formula-follower-in-input": Case(lambda g: set_cell(g, at(INPUT), '><f t="shared" si="7"/><v>5</v>'), "formula-in-input", ERROR, ("公式",), *cell_of(INPUT)),
    "ref-error-total": Case(lambda g: set_cell(g, at(TOTAL), 't="e"><f>SUM(#REF!)</f><v>#REF!</v>'), "total-error", ERROR, ("#REF!", "合计公式已损坏"), *cell_of(TOTAL)),
    "text-999-in-total": Case(lambda g: edited(g, typed(TOTAL, "=999")), "unit-in-number", ERROR, ("=999", "不能带单位或文字"), *cell_of(TOTAL)),
    "date-in-input": Case(lambda g: edited(g, typed(INPUT, __import__("datetime").datetime(2025, 3, 1))), "date-in-number", ERROR, ("日期",), *cell_of(INPUT)),
    # the layout
    "chart-sheet-named-like-a-table": Case(chart_sheet_named_like_a_table, "layout-changed", ERROR, ("找不到表格",)),
    "widened-defined-name": Case(widened_name, "layout-changed", WARNING, ("单元格名称 NB_t3_received_natural 应指向一个单元格", "$D$7:$D$10")),
    "far-cell-without-names": Case(far_cell_without_names, "layout-changed", WARNING, ("单元格名称缺失",)),
    # text
    "control-characters": Case(lambda g: set_cell(g, at("text.overview"), inline("总体_x0007_情况_x001B_良好")), "control-chars", NOTICE, ("2 个无法显示的控制字符", "已删除"), *cell_of("text.overview")),
    "huge-narrative": Case(lambda g: set_cell(g, at("text.overview"), inline("好" * (MAX_NARRATIVE + 1))), "narrative-too-long", ERROR, (f"共 {MAX_NARRATIVE + 1} 个字", "上限"), *cell_of("text.overview")),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_hostile_file_gives_its_finding(good, tmp_path, kind):
    case = CASES[kind]
    submission = read(tmp_path, case.make(good))
    matching = [f for f in submission.findings if f.rule == case.rule and f.severity == case.severity]
    assert matching, [(f.rule, f.message) for f in submission.findings]
    finding = matching[0]
    assert case.rule in TYPES
    for word in case.words:
        assert word in finding.message, finding.message
    assert finding.message.startswith(FILE)
    if case.cell:
        assert (finding.sheet, finding.cell) == (case.sheet, case.cell)
    assert len(finding.message) < 600  # a long value is quoted shortened


def test_the_corpus_has_at_least_thirty_kinds():
    assert len(CASES) >= 30


# --- what is read, beyond the finding ----------------------------------------------------------------


def test_far_cell_is_read_by_labels_without_walking_the_grid(good, tmp_path):
    submission = read(tmp_path, far_cell_without_names(good))
    assert submission.values == expected_values(FORM_2021) and not submission.by_names


def test_widened_name_is_not_used_but_the_cell_is_found_by_labels(good, tmp_path):
    submission = read(tmp_path, widened_name(good))
    assert submission.values == expected_values(FORM_2021)
    assert submission.places["t3.received.natural"] == at("t3.received.natural")


def test_chart_sheet_is_never_read_as_a_worksheet(good, tmp_path):
    submission = read(tmp_path, chart_sheet_named_like_a_table(good))
    assert "t3" in submission.broken_tables and not any(k.startswith("t3.") for k in submission.values)
    assert submission.values["t4.review.upheld"] == 1  # the other tables are read


def test_superscript_year_is_no_year(good, tmp_path):
    submission = read(tmp_path, superscript_year(good))
    assert submission.readable and submission.marked and submission.year is None


def test_rich_shared_string_runs_are_joined_and_escapes_decoded(good, tmp_path):
    submission = read(tmp_path, shared_strings_rich(good))
    assert submission.texts["text.overview"] == "总体情况\n良好"  # _x000D_ is a carriage return; ゾウタイ is a reading guide
    assert not [f for f in submission.findings if f.severity != NOTICE]


def test_an_escaped_underscore_stays_literal(good, tmp_path):
    submission = read(tmp_path, set_cell(good, at("text.overview"), inline("见_x005F_x000D_说明")))
    assert submission.texts["text.overview"] == "见_x000D_说明"


def test_control_characters_are_removed_from_the_text(good, tmp_path):
    submission = read(tmp_path, CASES["control-characters"].make(good))
    assert submission.texts["text.overview"] == "总体情况良好"


def test_a_huge_narrative_is_kept_whole_never_cut(good, tmp_path):
    submission = read(tmp_path, CASES["huge-narrative"].make(good))
    assert len(submission.texts["text.overview"]) == MAX_NARRATIVE + 1


def test_formula_in_input_is_not_accepted_but_read_provisionally(good, tmp_path):
    submission = read(tmp_path, CASES["formula-0+0-in-input"].make(good))
    assert INPUT not in submission.values and submission.rule_values[INPUT] == 5


def test_a_ref_total_is_not_accepted(good, tmp_path):
    submission = read(tmp_path, CASES["ref-error-total"].make(good))
    assert TOTAL not in submission.values and submission.rule_values[TOTAL] == 6
    assert submission.raw[TOTAL] == "=SUM(#REF!)"


def test_text_999_in_a_total_is_also_an_overwritten_total(good, tmp_path):
    submission = read(tmp_path, CASES["text-999-in-total"].make(good))
    (warning,) = [f for f in submission.findings if f.rule == "formula-overwritten"]
    assert warning.severity == WARNING and "合计公式被改写为文字 =999" in warning.message


def test_shared_formula_followers_are_formulas_with_the_masters_text(good, tmp_path):
    data = set_cell(good, at(INPUT), '><f t="shared" ref="D7:E7" si="3">1+1</f><v>2</v>')
    data = set_cell(data, at("t3.received.commercial"), '><f t="shared" si="3"/><v>2</v>')
    submission = read(tmp_path, data)
    rules = {f.cell: f.rule for f in submission.findings}
    assert rules[at(INPUT).coordinate] == rules[at("t3.received.commercial").coordinate] == "formula-in-input"


def test_label_search_is_bounded_by_a_cell_budget(good, tmp_path):
    """More text cells than the budget before the tables: the search stops looking (the tables are
    then not found), it does not go on through every cell."""
    def edit(wb):
        for name in [n for n in wb.defined_names if n.startswith("NB_")]:
            del wb.defined_names[name]
        del wb[layout.META_SHEET]
        ws = wb.create_sheet("附表", 0)
        for row in range(1, LABEL_BUDGET // 10 + 2):
            for col in range(1, 11):
                ws.cell(row, col, "填充")
    submission = read(tmp_path, edited(good, edit))
    errors = [f for f in submission.findings if f.severity == ERROR]
    assert errors and all(f.rule == "layout-changed" and "找不到表格" in f.message for f in errors)
    assert submission.values == {}


def test_the_submission_is_plain_data(good, tmp_path):
    import pickle

    submission = read(tmp_path, good)
    assert pickle.loads(pickle.dumps(submission)).values == submission.values


# --- any value in a number cell, through the whole reader ---------------------------------------------

CELL_VALUES = st.one_of(
    st.text(max_size=80),
    st.from_regex(r"[+-]?\d{1,400}(\.\d{0,20})?([eE][+-]?\d{1,9})?(件|元|万元)?", fullmatch=True),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True),
)


def _stored(value) -> str:
    if isinstance(value, str):
        return inline(value)
    return f"><v>{value!r}</v>" if isinstance(value, float) else f"><v>{value}</v>"


def _any_value_is_read_or_found(good, tmp_path, value):
    submission = read(tmp_path, set_cell(good, at(INPUT), _stored(value)))
    if INPUT not in submission.values:
        assert any(f.cell == at(INPUT).coordinate and f.rule in TYPES for f in submission.findings)
    else:
        assert isinstance(submission.values[INPUT], Decimal)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=CELL_VALUES)
def test_any_cell_value_is_read_or_a_finding(good, tmp_path, value):
    _any_value_is_read_or_found(good, tmp_path, value)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=CELL_VALUES)
def test_any_cell_value_is_read_or_a_finding_long(good, tmp_path, value):
    _any_value_is_read_or_found(good, tmp_path, value)


def test_a_narrative_beyond_libxml2s_text_limit_is_read_whole_and_refused(good, tmp_path):
    """A text node over 10 MB (libxml2's default limit) is still read, so the finding says what is wrong."""
    import random

    size = 11 * 1024 * 1024
    text = "".join(random.Random(2).choices([chr(c) for c in range(0x4E00, 0x9FA5)], k=size // 3))  # no zip bomb
    submission = read(tmp_path, set_cell(good, at("text.overview"), inline(text)))
    (finding,) = [f for f in submission.findings if f.rule == "narrative-too-long"]
    assert finding.severity == ERROR and f"共 {size // 3} 个字" in finding.message
    assert len(submission.texts["text.overview"]) == size // 3
