"""The workbook style registry (pipeline/workbook/styles.py): cells get exactly the styles that
assigning them one by one gives, a combination is one entry of the workbook's tables however many
cells use it, and the helpers that size wrapped text count as before."""

from __future__ import annotations

import random
from copy import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

from pipeline.workbook.cells import cell_text, wrapped_lines, write_cell
from pipeline.workbook.styles import CellStyles, cell_styles, style_cell

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BODY = Font(name="宋体", size=10)
BOLD = Font(name="宋体", size=10, bold=True)
FILL = PatternFill("solid", fgColor="D9E1F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
ATTRIBUTES = ("font", "fill", "border", "alignment", "number_format", "protection")
TABLES = ("_fonts", "_fills", "_borders", "_alignments", "_number_formats", "_protections")

COMBINATIONS = [
    {"font": BODY},
    {"font": BODY, "border": BORDER, "number_format": "0"},
    {"font": BOLD, "fill": FILL, "alignment": CENTER, "border": BORDER},
    {"number_format": "0.00####", "protection": UNLOCKED, "fill": FILL},
    {"number_format": "0.0%"},  # a built-in format: no entry of its own in the workbook
    {"font": BODY, "fill": FILL, "border": BORDER, "alignment": CENTER, "number_format": "0.00####", "protection": UNLOCKED},
]


def resolved(cell) -> tuple:
    """What a reader sees of a cell's style: the style objects themselves, not openpyxl's proxies."""
    return tuple(copy(getattr(cell, name)) if name != "number_format" else cell.number_format for name in ATTRIBUTES)


def assign(cell, styles: dict) -> None:
    for name, value in styles.items():
        setattr(cell, name, value)


def test_cells_get_the_styles_that_assigning_them_one_by_one_gives():
    plain, registered = Workbook().active, Workbook().active
    for row, styles in enumerate(COMBINATIONS * 3, start=1):  # each combination first seen, then known
        assign(plain.cell(row, 1), styles)
        style_cell(registered.cell(row, 1), **styles)
        assert resolved(registered.cell(row, 1)) == resolved(plain.cell(row, 1)), styles


def test_a_cell_styled_before_keeps_what_it_had_and_gets_the_rest():
    plain, registered = Workbook().active, Workbook().active
    for row, (first, then) in enumerate([({"border": BORDER}, {"font": BOLD, "fill": FILL}),
                                         ({"fill": FILL, "font": BODY}, {"font": BOLD}),
                                         ({"number_format": "0"}, {"border": BORDER}),
                                         ({"border": BORDER}, {"font": BOLD, "fill": FILL})], start=1):
        for ws in (plain, registered):
            assign(ws.cell(row, 1), first)
        assign(plain.cell(row, 1), then)
        style_cell(registered.cell(row, 1), **then)
        assert resolved(registered.cell(row, 1)) == resolved(plain.cell(row, 1))
    # the same attributes on a cell without a style: no border comes with them
    style_cell(registered.cell(10, 1), font=BOLD, fill=FILL)
    assign(plain.cell(10, 1), {"font": BOLD, "fill": FILL})
    assert resolved(registered.cell(10, 1)) == resolved(plain.cell(10, 1))
    assert copy(registered.cell(10, 1).border).left.style is None


def test_one_combination_is_one_style_and_the_tables_do_not_grow_per_cell():
    wb = Workbook()
    ws = wb.active
    style_cell(ws.cell(1, 1), font=BODY, border=BORDER, number_format="0.00####")
    sizes = [len(getattr(wb, table)) for table in TABLES]
    for row in range(2, 500):
        style_cell(ws.cell(row, 1), font=BODY, border=BORDER, number_format="0.00####")
        write_cell(ws, row, 2, "文字", BODY, border=BORDER, number_format="0.00####")
    assert [len(getattr(wb, table)) for table in TABLES] == sizes
    assert len({ws.cell(row, col).style_id for row in range(1, 500) for col in (1, 2) if ws.cell(row, col).has_style}) == 1
    # every cell owns its array: restyling one cell the ordinary way leaves the others alone
    ws.cell(3, 1).font = BOLD
    assert ws.cell(3, 1).font.b and not ws.cell(4, 1).font.b and not ws.cell(2, 1).font.b


def test_different_combinations_are_different_styles():
    ws = Workbook().active
    for row, styles in enumerate(COMBINATIONS, start=1):
        style_cell(ws.cell(row, 1), **styles)
    assert len({ws.cell(row, 1).style_id for row in range(1, len(COMBINATIONS) + 1)}) == len(COMBINATIONS)


def test_equal_style_objects_share_the_table_entry_as_before():
    wb = Workbook()
    ws = wb.active
    style_cell(ws.cell(1, 1), font=Font(name="宋体", size=10))
    style_cell(ws.cell(2, 1), font=Font(name="宋体", size=10))
    assert ws.cell(1, 1).style_id == ws.cell(2, 1).style_id
    assert len(wb._fonts) == 2  # openpyxl's default font and this one


def test_style_objects_made_and_dropped_per_cell_are_never_mistaken_for_each_other():
    # the registry keys by id(): it keeps every object it has seen, so a new object never gets the
    # id of a dropped one (and with it that one's style)
    ws = Workbook().active
    sizes = [8 + (row * 7) % 13 for row in range(1, 300)]
    for row, size in enumerate(sizes, start=1):
        style_cell(ws.cell(row, 1), font=Font(name="宋体", size=size), number_format=f"0.{'0' * (size % 4)}")
    for row, size in enumerate(sizes, start=1):
        assert ws.cell(row, 1).font.sz == size
        assert ws.cell(row, 1).number_format == f"0.{'0' * (size % 4)}"


def test_a_second_workbook_has_its_own_registry():
    first, second = Workbook(), Workbook()
    second.active.cell(1, 1).font = Font(name="黑体", size=14)  # second's tables differ from first's
    second.active.cell(1, 1).fill = PatternFill("solid", fgColor="FFC7CE")
    for wb in (first, second):
        for row, styles in enumerate(COMBINATIONS, start=2):
            style_cell(wb.active.cell(row, 1), **styles)
    plain = Workbook().active
    for row, styles in enumerate(COMBINATIONS, start=2):
        assign(plain.cell(row, 1), styles)
        assert resolved(first.active.cell(row, 1)) == resolved(plain.cell(row, 1))
        assert resolved(second.active.cell(row, 1)) == resolved(plain.cell(row, 1))
    assert cell_styles(first) is not cell_styles(second)
    assert cell_styles(first) is cell_styles(first)


def test_an_explicit_registry_and_no_styles_at_all():
    ws = Workbook().active
    styles = CellStyles()
    assert styles.apply(ws.cell(1, 1)) is ws.cell(1, 1)
    assert not ws.cell(1, 1).has_style  # nothing given: nothing set
    write_cell(ws, 2, 1, "=SUM(A1)")
    assert not ws.cell(2, 1).has_style and ws.cell(2, 1).data_type == "s"
    styles.apply(ws.cell(3, 1), font=BOLD, alignment=CENTER)
    assert ws.cell(3, 1).font.b and ws.cell(3, 1).alignment.horizontal == "center"


def _wrapped_lines_by_characters(text: str, width: float) -> int:
    """The counting wrapped_lines did before it used a regular expression, character by character."""
    total = 0
    for line in str(text).split("\n") or [""]:
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)
        total += max(1, -(-units // max(1, int(width * 0.95))))
    return max(1, total)


def test_wrapped_lines_and_cell_text_count_and_escape_as_before():
    rng = random.Random(7)
    alphabet = ["a", " ", "\n", "中", "（", "\u2e7f", "\u2e80", "\ud800", "\udfff", "\U0001f600", "\x1b", "\ufffd"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        width = rng.choice([1, 5, 8, 14.5, 48, 80])
        assert wrapped_lines(text, width) == _wrapped_lines_by_characters(text, width)
    assert cell_text("文件\udcb3名") != "文件\udcb3名" and "\\x" in cell_text("a\x1bb")
    assert cell_text("普通文字 ＝SUM") == "普通文字 ＝SUM"
