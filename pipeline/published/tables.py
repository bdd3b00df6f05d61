"""The values of a published report's tables, placed on the form's cells by their printed labels.

Each table of the document is matched to a table of the form by the labels it prints; each row by
its row label (tables 二 and 三) or as the one row of numbers (table 四); the values of a row go to
the row's cells left to right. What does not fit exactly becomes a finding: a label read as a
variant (提示) or guessed (警告), "/" or "—" read as 0 (提示), a blank read as 0 (警告), a unit
removed, a row with too few or too many values, a row or table that is missing, a row that fits
nowhere. A value that cannot be placed is never read as 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from ..findings import fmt_number
from ..forms.spec import ERROR, NOTICE, WARNING, Cell, CellKind, Form, Table
from ..workbook.reader import Provenance, Submission
from ..workbook.values import PLACEHOLDERS, parse_number
from .document import DocumentPlace, Grid
from .labels import EXACT, Match, canonical, label_hits, match_label, table_labels

_NUMBER_LIKE = re.compile(r"^[约共计]?[+-]?\d[\d,，.\s]*(件|个|项|次|条|份|家|起|宗|人|元|万元|万)?$")
_PLAIN = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def value_like(text: str) -> bool:
    """A cell that holds a number, a stand-in for 0 or nothing (as opposed to a label)."""
    text = unicodedata.normalize("NFKC", text).strip()
    return not text or text.lower() in PLACEHOLDERS or bool(_NUMBER_LIKE.match(text))


@dataclass(frozen=True)
class RowSpec:
    label: str  # the official row label
    cells: tuple[Cell, ...]  # left to right


def row_specs(table: Table) -> list[RowSpec]:
    rows = []
    for row in sorted({c.row for c in table.cells}):
        label = next((l.text for l in table.labels if l.row == row and l.role == "row"), "")
        rows.append(RowSpec(label, tuple(sorted((c for c in table.cells if c.row == row), key=lambda c: c.col))))
    return rows


def classify(grid: Grid, form: Form) -> Table | None:
    """The table of the form the grid prints (most labels in common), None when it is no form table."""
    texts = [t for row in grid.rows for t in row if t.strip()]
    scored = [(label_hits(texts, table_labels(t)), t.key, t) for t in form.tables]
    score, _, table = max(scored, key=lambda s: s[0])
    return table if score >= 2 else None


class TableReader:
    """Reads the grids of one document into `submission` (values, provenance, places, findings)."""

    def __init__(self, submission: Submission, form: Form):
        self.submission = submission
        self.form = form
        self.found_rows: set[tuple[str, int]] = set()  # (table key, spec row)
        self.tables_found: set[str] = set()
        self.noted: set[tuple[int, int, int]] = set()

    # --- findings ------------------------------------------------------------------------------

    def name(self, grid: Grid) -> str:
        return f"表{grid.number}"

    def note(self, severity: str, rule: str, message: str, key: str = "", *, grid: Grid | None = None,
             row: int = 0, col: int = 0, expected: str = "", actual: str = "") -> None:
        place = DocumentPlace(self.name(grid), f"第{row}行第{col}列" if row else "") if grid else None
        self.submission.note(severity, rule, message, key, place=place, expected=expected, actual=actual)

    def label_note(self, grid: Grid, row: int, col: int, printed: str, match: Match) -> None:
        if match.how == EXACT or (grid.number, row, col) in self.noted:
            return
        self.noted.add((grid.number, row, col))
        self.note(
            match.severity, "label-variant",
            f"{self.submission.file.name} {self.name(grid)}第{row}行第{col}列 {match.explain(printed)}。"
            "发布的年度报告应使用格式规定的文字。",
            grid=grid, row=row, col=col, expected=match.official, actual=printed,
        )

    # --- reading -------------------------------------------------------------------------------

    def read(self, grids: list[Grid]) -> None:
        for grid in grids:
            table = classify(grid, self.form)
            if table is None:
                if any(value_like(t) and t.strip() for row in grid.rows for t in row):
                    self.note(NOTICE, "extra-table",
                              f"{self.submission.file.name} {self.name(grid)} 不是格式规定的表格，其中的内容未读取。",
                              grid=grid)
                continue
            self.tables_found.add(table.key)
            self._check_headers(grid, table)
            if table.key == "t4":
                self._read_t4(grid, table)
            else:
                self._read_rows(grid, table)
        self._report_missing()

    def _check_headers(self, grid: Grid, table: Table) -> None:
        """Drift in the header and title cells (钩稽, 先行有效件数 …)."""
        officials = [l.text for l in table.labels if l.role != "row"] + [c.col_label for c in table.cells]
        for r, row in enumerate(grid.rows, start=1):
            if any(value_like(t) and t.strip() for t in row):
                continue
            for c, text in enumerate(row, start=1):
                if text.strip():
                    match = match_label(text, officials)
                    if match is not None:
                        self.label_note(grid, r, c, text, match)

    def _read_rows(self, grid: Grid, table: Table) -> None:
        specs = row_specs(table)
        labels = [s.label for s in specs]
        headers = {canonical(l.text) for l in table.labels if l.role in ("header", "title", "note")}
        headers |= {canonical(c.col_label) for c in table.cells}
        header: tuple[str, ...] = ()
        for r, row in enumerate(grid.rows, start=1):
            texty = [i for i, t in enumerate(row) if not value_like(t)]
            if not texty:
                if any(t.strip() for t in row):
                    self._unplaced(grid, r, "", row)
                continue
            if label_hits([row[i] for i in texty], headers) >= 2:
                header = row  # a header row: the column labels
                continue
            found = self._match_row(grid, r, row, texty, labels)
            if found is None:
                values = row[texty[-1] + 1:]
                if not values:
                    header = row  # a title row ("第二十条第（一）项")
                elif any(t.strip() for t in values):
                    self._unplaced(grid, r, row[texty[-1]], values)
                continue
            spec_index, printed, at = found
            values = row[at + 1:]
            spec = specs[spec_index]
            if (table.key, spec_index) in self.found_rows:
                self.note(WARNING, "duplicate-row",
                          f"{self.submission.file.name} {self.name(grid)}第{r}行“{printed}”重复出现，这一行的数值未读取。",
                          grid=grid, row=r)
                continue
            self.found_rows.add((table.key, spec_index))
            columns = _column_labels(header, len(spec.cells))
            self._place(grid, r, printed, list(values), spec.cells, columns)

    def _match_row(self, grid: Grid, r: int, row: tuple[str, ...], texty: list[int], labels: list[str]):
        """(spec row index, label as printed, its cell index): the rightmost label cell that is a row
        label, alone or joined with the cell before it (a label split over two cells). A word in a
        value cell ("若干") is thus a value that cannot be read, not the row's label."""
        for last in reversed(texty):
            candidates = [(row[last], False)]
            if last - 1 in texty:
                candidates.append((row[last - 1] + row[last], True))
            for printed, joined in candidates:
                match = match_label(printed, labels)
                if match is None:
                    continue
                if joined:  # a label split over two cells is never exact
                    match = Match(match.official, "variant" if match.how == EXACT else match.how, match.words)
                    self.label_note(grid, r, last + 1, f"{row[last - 1]}｜{row[last]}", match)
                else:
                    self.label_note(grid, r, last + 1, printed, match)
                return labels.index(match.official), printed, last
        return None

    def _place(self, grid: Grid, r: int, printed_row: str, values: list[str],
               cells: tuple[Cell, ...], columns: list[str]) -> None:
        while len(values) > len(cells) and not values[-1].strip():
            values.pop()  # the format's empty cells right of a short block
        name = self.submission.file.name
        if len(values) > len(cells):
            extra = "、".join(v for v in values[len(cells):] if v.strip())
            self.note(WARNING, "extra-values",
                      f"{name} {self.name(grid)}第{r}行“{printed_row}”有 {len(values)} 个数，格式规定 {len(cells)} 个；"
                      f"已按顺序读取前 {len(cells)} 个，多出的“{extra}”未读取。请核对这一行。",
                      grid=grid, row=r, expected=str(len(cells)), actual=str(len(values)))
        elif len(values) < len(cells):
            self.note(WARNING, "missing-values",
                      f"{name} {self.name(grid)}第{r}行“{printed_row}”只有 {len(values)} 个数，格式规定 {len(cells)} 个；"
                      f"已按顺序读作{'、'.join(c.col_label for c in cells[:len(values)])}，其余未读取。请核对这一行。",
                      grid=grid, row=r, expected=str(len(cells)), actual=str(len(values)))
        for i, cell in enumerate(cells):
            if i >= len(values):
                self.note(ERROR, "value-missing",
                          f"{name} {self.name(grid)}第{r}行“{printed_row}”缺少“{cell.col_label}”的数值，无法读取。请补充。",
                          cell.key, grid=grid, row=r)
                continue
            column = columns[i] if i < len(columns) and columns[i].strip() else cell.col_label
            self._value(grid, r, cell, values[i], printed_row, column)

    def _value(self, grid: Grid, r: int, cell: Cell, text: str, printed_row: str, printed_column: str) -> None:
        submission = self.submission
        place = DocumentPlace(self.name(grid), f"第{r}行“{_one_line(printed_column)}”列")
        submission.places[cell.key] = place
        submission.raw[cell.key] = text
        submission.provenance[cell.key] = Provenance(submission.file.name, self.name(grid),
                                                     _one_line(printed_row), _one_line(printed_column))
        where = f"{submission.file.name} {place} {cell.label}"
        parsed = parse_number(text, cell.kind)
        stripped = unicodedata.normalize("NFKC", text).strip()
        if parsed.value is not None:
            submission.values[cell.key] = parsed.value
            if not _PLAIN.match(text.strip()):
                submission.note(NOTICE, "normalized", f"{where}：{parsed.notice}，按 {fmt_number(parsed.value)} 读取。",
                                cell.key, actual=text, expected=fmt_number(parsed.value))
            return
        if parsed.problem == "blank":
            submission.values[cell.key] = Decimal(0)
            submission.note(WARNING, "blank-as-zero", f"{where}：单元格为空，按 0 读取。发布的年度报告无数据应填 0。",
                            cell.key, expected="0", actual="")
        elif parsed.problem == "placeholder":
            submission.values[cell.key] = Decimal(0)
            submission.note(NOTICE, "placeholder-as-zero", f"{where}：填写的是“{stripped}”，按 0 读取。发布的年度报告无数据应填 0。",
                            cell.key, expected="0", actual=text)
        elif parsed.problem == "unit-in-number" and parsed.suggestion is not None:
            value = parse_number(parsed.suggestion, cell.kind).value
            if value is None:
                self._refused(cell, where, parsed, text)
                return
            submission.values[cell.key] = value
            submission.note(NOTICE, "unit-removed", f"{where}：填写的是“{stripped}”，去掉单位后按 {fmt_number(value)} 读取。",
                            cell.key, expected=fmt_number(value), actual=text)
        elif parsed.problem == "unit-in-number" and cell.kind is CellKind.AMOUNT_WAN and "元" in stripped:
            number = Decimal(re.sub(r"[^\d.]", "", stripped) or "0") / 10000
            value = parse_number(number, cell.kind).value
            if value is None:
                self._refused(cell, where, parsed, text)
                return
            submission.values[cell.key] = value
            submission.note(WARNING, "unit-converted", f"{where}：填写的是“{stripped}”，本栏以万元为单位，换算后按 {fmt_number(value)} 读取，请核对。",
                            cell.key, expected=fmt_number(value), actual=text)
        else:
            self._refused(cell, where, parsed, text)

    def _refused(self, cell: Cell, where: str, parsed, text: str) -> None:
        self.submission.note(ERROR, parsed.problem or "not-a-number", f"{where}：{parsed.detail}。这个数值无法读取。",
                             cell.key, actual=text)

    def _read_t4(self, grid: Grid, table: Table) -> None:
        cells = row_specs(table)[0].cells
        rows = [(r, row) for r, row in enumerate(grid.rows, start=1) if row and all(value_like(t) for t in row)
                and any(t.strip() for t in row)]
        if not rows:
            return
        r, row = rows[0]
        self.found_rows.add(("t4", 0))
        self._place(grid, r, "（数据行）", list(row), cells, [])
        for extra_r, _ in rows[1:]:
            self._unplaced(grid, extra_r, "", grid.rows[extra_r - 1])

    def _unplaced(self, grid: Grid, r: int, printed: str, values) -> None:
        shown = "、".join(v for v in values if v.strip())
        what = f"“{_one_line(printed)}”" if printed else "没有行标题的一行"
        self.note(WARNING, "row-unplaced",
                  f"{self.submission.file.name} {self.name(grid)}第{r}行{what}对应不到格式规定的任何一行，其中的数值（{shown}）未读取。请核对表格。",
                  grid=grid, row=r, actual=shown)

    def _report_missing(self) -> None:
        name = self.submission.file.name
        for table in self.form.tables:
            heading = self.form.section(table.section).heading
            if table.key not in self.tables_found:
                self.note(ERROR, "table-missing",
                          f"{name} 中找不到表格“{heading}”，其中的数值无法读取。发布的年度报告应按格式附上这张表。")
                continue
            for index, spec in enumerate(row_specs(table)):
                if (table.key, index) in self.found_rows:
                    continue
                label = spec.label or "数据行"
                self.note(ERROR, "row-missing",
                          f"{name} 表格“{heading}”中没有“{label}”这一行，该行的数值无法读取。发布的年度报告应完整列出格式规定的各行。",
                          spec.cells[0].key, expected=label)


def _column_labels(header: tuple[str, ...], count: int) -> list[str]:
    """The printed column labels of the last header row, aligned with the values (right)."""
    labels = [t for t in header]
    return labels[-count:] if len(labels) >= count + 1 else []


def _one_line(text: str) -> str:
    return re.sub(r"\s+", "", str(text))
