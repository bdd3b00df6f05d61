"""The rows `pipeline.workbook.sheetdata` writes are byte for byte those of openpyxl's own writer.

Every comparison builds the same workbook twice and writes it once with the fast rows and once
with openpyxl's (`sheetdata.FAST = False`); the whole .xlsx must be the same bytes, or both writes
must fail with the same error.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from helpers import FINANCE, LONGTAN, QINGTANG, YEAR_OF, county, write_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from pipeline.batch import run_batch
from pipeline.files import fixed_timestamp, workbook_bytes
from pipeline.forms import form_for_year
from pipeline.report.findings_xlsx import write_findings_xlsx
from pipeline.summary import write_summary
from pipeline.workbook import sheetdata
from pipeline.workbook.annotate import annotate_copy

AWKWARD = [
    "", " ", " lead", "trail ", "\tTab", "line\nbreak", "cr\rhere", "\r\n", "a & b", "<tag>", "x > y",
    '"quoted"', "it's", "]]>", "&amp;", "青塘镇人民政府", "😀 emoji", "\u3000全角空格", "nbsp\xa0",
    "\x85next", "\x7f", "1" * 40, "#N/A", "=", "=A1&\"<>\"",
]


def _outcome(build, fast: bool):
    """The bytes `workbook_bytes` gives for a fresh `build()`, or the error it raises."""
    saved = sheetdata.FAST
    sheetdata.FAST = fast
    try:
        return workbook_bytes(build())
    except Exception as exc:  # both writers must fail alike
        return type(exc), str(exc)
    finally:
        sheetdata.FAST = saved


def _compacted(build):
    """`build` with every sheet's plain cells taken out of their Cells (sheetdata.compact)."""
    def make():
        wb = build()
        for ws in wb.worksheets:
            sheetdata.compact(ws)
        return wb
    return make


def assert_same_bytes(build) -> bytes:
    """Written as openpyxl writes it: by the fast rows, and by both writers once compacted."""
    plain = _outcome(build, False)
    for fast in (_outcome(build, True), _outcome(_compacted(build), True), _outcome(_compacted(build), False)):
        if isinstance(fast, bytes) and isinstance(plain, bytes):
            assert _entries(fast) == _entries(plain)  # the entry that differs, readable
        assert fast == plain
    return plain


def _entries(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


# --- random worksheets ---------------------------------------------------------------------------

OPENPYXL_REFUSES = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32)]))  # IllegalCharacterError
texts = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=OPENPYXL_REFUSES), max_size=12),
    st.lists(st.sampled_from(AWKWARD), max_size=4).map("".join),
)
moments = st.one_of(
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=9000)),
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12),
    texts,
    texts.map(lambda text: "=" + text),
    moments,
    st.sampled_from(["#N/A", "#DIV/0!", "#REF!"]),
    st.builds(
        ArrayFormula,
        st.sampled_from(["A1", "B2:C3", "'青塘'!A1:A2", 'x"&<y']),
        st.one_of(st.none(), texts.map(lambda t: "=" + t)),
    ),
    st.builds(
        lambda ref, r1: DataTableFormula(ref, r1=r1, dt2D=True),
        st.sampled_from(["A1:B2", "C3"]),
        st.sampled_from(["A1", 'a"<&\n']),
    ),
)
cells = st.tuples(st.integers(1, 12), st.integers(1, 6), values)
styles = st.sampled_from([
    None,
    Font(bold=True),
    PatternFill("solid", fgColor="FFC7CE"),
    Alignment(wrap_text=True, vertical="top"),
    "0.00%",
    "yyyy-mm-dd",
])
row_dims = st.tuples(
    st.integers(1, 15),
    st.one_of(st.none(), st.floats(1, 400), st.integers(1, 400)),
    st.booleans(),
    st.integers(0, 7),
    st.booleans(),
)
targets = st.sampled_from(["https://example.org/?a=1&b=<2>", "#'表'!A1", "mailto:x@y.cn"])
sheets = st.fixed_dictionaries({
    "cells": st.lists(cells, max_size=40),
    "styled": st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6), styles), max_size=10),
    "rows": st.lists(row_dims, max_size=5),
    "comments": st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6), texts), max_size=4),
    "links": st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6), targets), max_size=3),
    "merges": st.lists(st.tuples(st.integers(1, 10), st.integers(1, 5), st.integers(0, 2), st.integers(0, 2)), max_size=2),
    "rich": st.integers(0, 4).map(lambda n: n == 0),  # rich text: openpyxl writes the sheet
    "iso_dates": st.booleans(),
})


def new_workbook(**kw) -> openpyxl.Workbook:
    """A workbook whose document dates do not depend on the clock."""
    wb = openpyxl.Workbook(**kw)
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    return wb


def build_sheet(spec) -> openpyxl.Workbook:
    wb = new_workbook(iso_dates=spec["iso_dates"])
    ws = wb.active
    for row, col, value in spec["cells"]:
        ws.cell(row, col).value = value
    for row, col, style in spec["styled"]:
        _style(ws.cell(row, col), style)
    for row, height, hidden, level, styled in spec["rows"]:
        dim = ws.row_dimensions[row]
        dim.height, dim.hidden, dim.outline_level = height, hidden, level
        if styled:
            dim.font = Font(italic=True)
    for row, col, text in spec["comments"]:
        ws.cell(row, col).comment = Comment(text or "-", "审核")
    for row, col, target in spec["links"]:
        ws.cell(row, col).hyperlink = target
    for row, col, down, right in spec["merges"]:
        ws.merge_cells(f"{get_column_letter(col)}{row}:{get_column_letter(col + right)}{row + down}")
    if spec["rich"]:
        ws["H1"] = CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"))
    return wb


def _style(cell, style) -> None:
    if isinstance(style, Font):
        cell.font = style
    elif isinstance(style, PatternFill):
        cell.fill = style
    elif isinstance(style, Alignment):
        cell.alignment = style
    elif isinstance(style, str):
        cell.number_format = style


def _random_sheets_write_alike(spec) -> None:
    assert_same_bytes(lambda: build_sheet(spec))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets)
def test_random_sheets_are_written_as_openpyxl_writes_them(spec):
    _random_sheets_write_alike(spec)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets)
def test_random_sheets_are_written_as_openpyxl_writes_them_long(spec):
    _random_sheets_write_alike(spec)


# --- chosen cases --------------------------------------------------------------------------------


def _every_kind() -> openpyxl.Workbook:
    wb = new_workbook()
    ws = wb.active
    for col, text in enumerate(AWKWARD, start=1):
        ws.cell(1, col, text)
    row = [True, False, 0, -7, 2**70, 1 / 3, -1e-300, 1e300, Decimal("12.50"), float("inf"),
           dt.datetime(2025, 1, 2, 3, 4, 5), dt.date(2024, 2, 29), dt.time(13, 30), dt.timedelta(hours=36),
           "=SUM(A2:C2)", ArrayFormula("P2:P3", "=A2:A3*2"), ArrayFormula("Q2"),
           DataTableFormula("R2:S3", r1="A1\n\t\"<&>\r"),
           "#N/A"]
    for col, value in enumerate(row, start=1):
        ws.cell(2, col, value)
    ws["A3"].font = Font(bold=True)  # styled, empty
    ws["B3"].comment = Comment("empty but commented", "审核")
    ws["C3"]  # empty, unstyled: skipped
    ws["D4"] = "link"
    ws["D4"].hyperlink = "https://example.org/?a=1&b=2"
    ws.row_dimensions[6].height = 30  # a row that exists only through its dimensions
    ws.row_dimensions[7].hidden = True
    ws.row_dimensions[8].outline_level = 2
    ws.row_dimensions[9].font = Font(italic=True)
    ws.merge_cells("F5:H6")
    wb.create_sheet("空表")
    return wb


def _iso_dates() -> openpyxl.Workbook:
    wb = _every_kind()
    wb.iso_dates = True
    return wb


def _with_rich_text() -> openpyxl.Workbook:
    wb = _every_kind()
    wb.active["Z9"] = CellRichText("a ", TextBlock(InlineFont(b=True), "b"))
    return wb


def _with_time_zone() -> openpyxl.Workbook:
    wb = _every_kind()
    wb.active["Z9"] = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    return wb


def _with_character_lxml_refuses() -> openpyxl.Workbook:
    wb = _every_kind()
    wb.active["Z9"] = "a\ufffeb"
    return wb


def _with_zeros() -> openpyxl.Workbook:
    """-0.0 equals 0 (and 1.0 equals 1) but openpyxl writes them apart: so do compacted cells."""
    wb = new_workbook()
    for row, value in enumerate([0, -0.0, 0.0, -0.0, 1, 1.0, 1, -0.0], start=1):
        wb.active.cell(row, 1, value)
        wb.active.cell(row, 2, value).number_format = "0.00"
    return wb


@pytest.mark.parametrize(
    "build", [_every_kind, _iso_dates, _with_rich_text, _with_time_zone, _with_character_lxml_refuses, _with_zeros]
)
def test_every_cell_kind_is_written_as_openpyxl_writes_it(build):
    assert_same_bytes(build)


def test_the_fast_rows_are_used_and_keep_comments_and_hyperlinks():
    """The comparisons above would pass if the fast rows were never used: check they are."""
    wb = _every_kind()
    writer = sheetdata.FastWorksheetWriter(wb.active, io.BytesIO())
    writer.write()
    xml = writer.read()
    assert writer._sheet_data is not None
    rows = b"".join(sheetdata.sheet_data(sheetdata.FastWorksheetWriter(_every_kind().active, io.BytesIO())))
    assert rows.startswith(b"<sheetData><row") and b"".join(list(writer.pieces())[1:-1]) == rows
    assert rows in xml and xml == writer.read()  # read again: the same
    assert [c.ref for c in wb.active._comments] == ["B3"]
    assert [h.ref for h in wb.active._hyperlinks] == ["D4"]
    assert b'<c r="A1" t="inlineStr"></c><c r="B1" t="inlineStr"><is><t xml:space="preserve"> </t></is></c>' in xml


def _large_sheet() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    for row in range(1, 401):
        sheetdata.add_number_row(wb.active, row, 2, [row * 1000 + col for col in range(300)], None)
        wb.active.cell(row, 1, f"第{row}行")
    return wb


def test_a_large_sheet_goes_through_a_temporary_file_in_bounded_pieces(monkeypatch):
    """分单位明细 of a county of a thousand units is ~8 MB of rows: never held whole in memory, and
    the file is still what openpyxl writes (the last row, past the spool's first block, included)."""
    writer = sheetdata.FastWorksheetWriter(_large_sheet().active, io.BytesIO())
    writer.write()
    assert writer._sheet_data._rolled  # over SPOOL_IN_MEMORY: on disk, not in memory
    pieces = list(writer.pieces())
    assert sum(map(len, pieces)) > 4 * sheetdata.SPOOL_IN_MEMORY
    assert max(len(p) for p in pieces[1:-1]) <= sheetdata.SPOOL_BLOCK
    assert b'<c r="KO400" t="n"><v>400299</v></c></row></sheetData>' in b"".join(pieces[-3:])
    assert_same_bytes(_large_sheet)


# --- the project's outputs -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A county of three units; 县财政局's return breaks a rule and has an awkward overview text."""
    folder = tmp_path_factory.mktemp("sheet_writer")
    form = form_for_year(YEAR_OF["gov2021"])
    config = county(folder, YEAR_OF["gov2021"])
    write_report(config.inbox / "03-青塘镇.xlsx", form, unit=QINGTANG)
    write_report(config.inbox / "05-龙潭乡.xlsx", form, unit=LONGTAN)
    changes = {"t3.received.natural": "6件", "text.overview": " 概述\r\n<第二行> & “引号” "}
    write_report(config.inbox / "12-县财政局.xlsx", form, unit=FINANCE, changes=changes)
    result = run_batch(config)
    assert result.findings
    return config, result


def assert_same_file(tmp_path, name: str, write) -> bytes:
    """`write(path)` run with the fast rows and with openpyxl's writes the same bytes."""
    written = []
    for fast in (True, False):
        saved, sheetdata.FAST = sheetdata.FAST, fast
        try:
            path = tmp_path / ("fast" if fast else "plain") / name
            path.parent.mkdir()
            write(path)
        finally:
            sheetdata.FAST = saved
        written.append(path.read_bytes())
    assert _entries(written[0]) == _entries(written[1])
    assert written[0] == written[1]
    return written[0]


@pytest.mark.parametrize("every", [sheetdata.COMPACT_ROWS, 1, 2])
def test_compacting_the_summary_and_findings_sheets_changes_no_byte(small_run, tmp_path, monkeypatch, every):
    """write_summary and write_findings_xlsx compact the sheets with a row per unit or finding, as
    they go (every COMPACT_ROWS rows) and once each is done: the files are those of the workbooks
    with every Cell kept."""
    from pipeline.report.findings_xlsx import findings_workbook
    from pipeline.summary import summary_workbook

    monkeypatch.setattr(sheetdata, "COMPACT_ROWS", every)
    calls = []
    monkeypatch.setattr(sheetdata, "compact", lambda ws, **kw: calls.append(kw) or compact(ws, **kw))
    config, result = small_run
    previous = {u.unit.code: {k: v * 2 for k, v in u.submission.values.items()} for u in result.passed()}  # 同比
    compacted = summary_workbook(result, config, previous=previous, compact=True)
    kept = summary_workbook(result, config, previous=previous)
    for name in ("指标", "排名", "报送情况", "问题清单"):  # the cells were taken out (merged ones stay)
        assert not [c for c in compacted[name]._cells.values() if type(c).__name__ == "Cell"], name
        assert [c for c in kept[name]._cells.values() if type(c).__name__ == "Cell"], name
    # 同比: all but the amounts that are no whole number (kept as Cells)
    assert all(isinstance(c.value, Decimal) for c in compacted["同比"]._cells.values() if type(c).__name__ == "Cell")
    assert len([c for c in kept["同比"]._cells.values() if type(c).__name__ == "Cell"]) > 100
    assert workbook_bytes(compacted) == workbook_bytes(kept)
    findings = findings_workbook(result.findings, title="问题清单", compact=True)
    assert not findings.active._cells
    whole = findings_workbook(result.findings, title="问题清单")
    # openpyxl stamps a new workbook with the time, to the second: two made across a second's turn
    # differed in docProps/core.xml (write_findings_xlsx sets the year's fixed stamp, as here)
    for workbook in (findings, whole):
        workbook.properties.created = workbook.properties.modified = fixed_timestamp(result.year)
    assert workbook_bytes(findings) == workbook_bytes(whole)
    assert any(call.get("before_row") for call in calls) == (every < COMPACT_ROWS)  # as they go


compact, COMPACT_ROWS = sheetdata.compact, sheetdata.COMPACT_ROWS


def test_the_summary_workbook_is_written_as_openpyxl_writes_it(small_run, tmp_path):
    config, result = small_run
    data = assert_same_file(tmp_path, "汇总表.xlsx", lambda path: write_summary(result, config, path))
    assert len(_entries(data)) > 10


def test_the_findings_list_is_written_as_openpyxl_writes_it(small_run, tmp_path):
    config, result = small_run
    assert_same_file(
        tmp_path, "问题清单.xlsx",
        lambda path: write_findings_xlsx(result.findings, path, title="问题清单", year=config.year),
    )


def test_a_marked_up_copy_is_written_as_openpyxl_writes_it(small_run, tmp_path):
    config, result = small_run
    findings = [f for f in result.findings if f.file == "12-县财政局.xlsx"]
    assert any(f.cell for f in findings)
    data = assert_same_file(
        tmp_path, "12-县财政局.xlsx",
        lambda path: annotate_copy(config.inbox / "12-县财政局.xlsx", findings, path, year=config.year),
    )
    assert any(name.startswith("xl/comments") for name in _entries(data))  # findings as cell comments


# --- number rows: cells without a Cell object ------------------------------------------------------


def _with_numbers(as_cells: bool, *, rich: bool = False) -> openpyxl.Workbook:
    """Labels, a comment and a row height around runs of numbers; the runs either made with
    `ws.cell()` or given as number rows."""
    from copy import copy

    from openpyxl.cell import Cell

    wb = new_workbook()
    ws = wb.active
    ws["A1"] = "表"
    probe = Cell(ws)
    probe.font, probe.number_format = Font(name="宋体", size=10), "0.00"
    styled, plain = probe._style, Cell(ws)._style  # plain: no style at all
    runs = [  # (row, first column, values, style)
        (2, 3, [1, None, 2.5, 0, -7, 10**15, 0.1], styled),
        (3, 10, [4, 5], styled), (3, 4, [None, 6], styled),  # two runs of one row, out of order
        (4, 2, [None, 3, None], plain),  # the empty, unstyled cells are not written
        (9, 1, [8], styled),  # a row of numbers only
    ]
    for row, first, values, style in runs:
        if as_cells:
            for offset, value in enumerate(values):
                cell = ws.cell(row, first + offset)
                if value is not None:
                    cell.value = value
                cell._style = copy(style)
        else:
            sheetdata.add_number_row(ws, row, first, values, style)
    ws["B2"] = "第一行"
    ws["L2"] = "after"
    ws["K2"].comment = Comment("批注", "审核")
    ws.row_dimensions[3].height = 30
    if rich:
        ws["H5"] = CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"))
    return wb


@pytest.mark.parametrize("rich", [False, True], ids=["fast", "fallback"])
def test_number_rows_are_written_as_the_same_cells_made_with_ws_cell(rich):
    as_cells = assert_same_bytes(lambda: _with_numbers(True, rich=rich))
    assert assert_same_bytes(lambda: _with_numbers(False, rich=rich)) == as_cells
    sheet = _entries(as_cells)["xl/worksheets/sheet1.xml"]
    assert b'<dimension ref="A1:L9"/>' in sheet
    assert b'<c r="B4"' not in sheet and b'<c r="C4"' in sheet
