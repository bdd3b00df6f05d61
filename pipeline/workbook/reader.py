"""Reading a returned workbook into a Submission: values, texts, marks and what went wrong.

The reader never raises for a bad file: whatever it cannot use becomes a finding. It recognises the
file by its content (first bytes, then the template's hidden marks), locates cells by the template's
defined names and, where those are gone, by the official labels as a person would.

The package is opened within limits (`package.py`) and parsed once (`book.py`): a formula cell
gives its formula and its saved result together, so one pass serves what a person typed and what
the office suite computed.
The Submission holds plain data only (no workbook objects), so it pickles across processes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..findings import Finding
from ..forms import FORMS, form_by_id
from ..forms.spec import ERROR, NOTICE, WARNING, Cell, Form, Label, normalize_label
from . import layout
from .layout import Place
from .book import Book, CellError, read_book
from .package import PackageError
from .values import parse_number
from ..names import shown_name
from ..oserrors import os_reason
from ..snapshot import Snapshot, take_snapshot

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

LABEL_BUDGET = 50_000  # text cells a label search looks at (a template has a few hundred)
MAX_NARRATIVE = 50_000  # characters of one text part; far beyond what the format needs
YEAR_TEXT = re.compile(r"[0-9]{4}")  # ASCII digits only: "2025²" is not a year
# Characters Word cannot hold (XML 1.0 forbids them); tab and line breaks stay
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: Path
    size: int
    modified: dt.datetime | None  # None when the file system's time is not a date (e.g. beyond year 9999)
    sha256: str
    label: str = ""  # the path within the inbox when the name alone is ambiguous (Snapshot.label)

    @property
    def name(self) -> str:
        """The name every message, sheet and page shows: bad bytes and control characters escaped."""
        return shown_name(self.label or self.path.name)

    @classmethod
    def of(cls, path: Path, data: bytes | None = None) -> "FileInfo":
        return cls.of_snapshot(take_snapshot(path) if data is None else Snapshot(Path(path), data, len(data), Path(path).stat().st_mtime))

    @classmethod
    def of_snapshot(cls, snapshot: Snapshot) -> "FileInfo":
        return cls(snapshot.path, snapshot.size, snapshot.modified, snapshot.sha256, snapshot.label)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a value of a published report was printed: file, table, and its row and column labels
    as printed (a workbook's values are located by `Submission.places` instead)."""

    file: str
    table: str  # "表3"
    row: str
    column: str


@dataclass
class Submission:
    """One returned file, as read."""

    file: FileInfo
    form: Form | None = None
    year: int | None = None  # the report year the file says it is for
    unit_code: str = ""  # from the template's marks
    unit_name: str = ""  # from the marks, else from the 基本信息 sheet
    marked: bool = False  # the template's hidden marks were found
    marks: dict[str, str] = field(default_factory=dict)  # every hidden mark as read (format, year, unit_code, source …)
    by_names: bool = False  # cells were located by defined names (else by labels)
    values: dict[str, Decimal] = field(default_factory=dict)  # accepted numbers
    # refused cells (and totals over them) as the rules read them: blank → 0, "6件" → 6 (see PROVISIONAL_ZERO)
    provisional: dict[str, Decimal] = field(default_factory=dict)
    raw: dict[str, object] = field(default_factory=dict)  # what each number cell held
    texts: dict[str, str] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    broken_tables: set[str] = field(default_factory=set)  # tables whose layout was altered (not read)
    broken_totals: set[str] = field(default_factory=set)  # totals whose formula shows an error value
    is_summary: bool = False  # a county's 汇总表 read at the level above: its totals are numbers, not formulas
    findings: list[Finding] = field(default_factory=list)
    medium: str = "xlsx"  # what the file is: xlsx, or a published report (docx, html, txt)
    provenance: dict[str, Provenance] = field(default_factory=dict)  # published reports: where each value was printed

    @property
    def rule_values(self) -> dict[str, Decimal]:
        """What the rules are evaluated on: accepted values, and refused ones as provisionally read."""
        return {**self.provisional, **self.values}

    @property
    def readable(self) -> bool:
        return self.form is not None

    def place_of(self, key: str) -> Place | None:
        return self.places.get(key)

    def note(self, severity: str, rule: str, message: str, key: str = "", *, place: Place | None = None,
             expected: str = "", actual: str = "", difference: str = "") -> None:
        """Record a finding about this file (the unit is filled in once the file is matched to the roster)."""
        place = place or (self.places.get(key) if key else None)
        row, column = "", ""
        if key and self.form is not None and self.form.has_cell(key):
            cell = self.form.cell(key)
            row = f"{cell.group} {cell.row_label}".strip() if cell.table == "t3" else (cell.row_label or cell.group)
            column = cell.col_label
        elif key and self.form is not None:
            row = _field_title(self.form, key)
        self.findings.append(
            Finding(
                unit_code=self.unit_code,
                unit=self.unit_name,
                file=self.file.name,
                sheet=place.sheet if place else "",
                cell=place.coordinate if place else "",
                row=row,
                column=column,
                rule=rule,
                severity=severity,
                message=message,
                expected=expected,
                actual=actual,
                difference=difference,
            )
        )

    def where(self, key: str) -> str:
        """'03-青塘镇.xlsx 三、依申请公开!D7' — how a message names a cell."""
        place = self.places.get(key)
        return f"{self.file.name} {place}" if place else self.file.name


def _field_title(form: Form, key: str) -> str:
    for info in layout.INFO_FIELDS:
        if info.key == key:
            return info.label
    for text in form.texts:
        if text.key == key:
            return text.title
    return key


def read_workbook(path: Path) -> Submission:
    """Read one file from disk (a snapshot of its bytes). Never raises for a bad file."""
    return read_snapshot(take_snapshot(Path(path)))


def read_snapshot(snapshot: Snapshot) -> Submission:
    """Read one file of the inbox from its snapshot. Never raises for a bad file."""
    data = snapshot.data
    submission = Submission(FileInfo.of_snapshot(snapshot))
    if snapshot.error is not None:  # moved away, or locked by another program, after it was listed
        exc = snapshot.error
        submission.note(ERROR, "unreadable", f"{submission.file.name} 无法打开：{os_reason(exc)}。")
        return submission
    name = submission.file.name
    if not data.strip():
        submission.note(
            ERROR, "unreadable",
            f"{name} 是空文件（{len(data)} 字节，没有任何内容），可能是下载、复制或保存没有完成。请向报送单位重新索取这个文件，放入收件箱后重新运行。",
        )
        return submission
    if data.startswith(OLE2_MAGIC):
        if _is_encrypted_ooxml(data):
            submission.note(ERROR, "encrypted", f"{name} 设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送。")
        else:
            submission.note(ERROR, "not-xlsx", f"{name} 是旧版 .xls 或 WPS .et 格式，无法读取。请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再报送。")
        return submission
    if not data.startswith(ZIP_MAGIC):
        submission.note(ERROR, "unreadable", f"{name} 不是 Excel 工作簿（.xlsx），无法读取。请报送县里下发的 Excel 模板。")
        return submission
    try:
        book = read_book(data)
    except PackageError as exc:
        if exc.kind == "other":
            _other_zip_finding(submission, data)
        else:
            _package_finding(submission, exc)
        return submission
    except Exception:  # whatever else a broken package raises must not stop the batch
        _package_finding(submission, PackageError("damaged", "package"))
        return submission
    _read_marks(submission, book)
    if submission.form is None:
        submission.form = _guess_form(book)
    if submission.form is None:
        submission.note(ERROR, "not-a-template", f"{name} 中找不到年度报告的表格（没有模板标记，也找不到官方表头），不是县里下发的模板。请使用下发的模板填写后报送。")
        return submission
    _locate(submission, book)
    if not submission.places:
        submission.note(ERROR, "not-a-template", f"{name} 中找不到年度报告的表格。请使用县里下发的模板填写后报送。")
        submission.form = None
        return submission
    _check_layout(submission, book)
    _read_info(submission, book)
    _read_numbers(submission, book)
    _read_texts(submission, book)
    return submission


# --- recognising the file --------------------------------------------------------------------


def _is_encrypted_ooxml(data: bytes) -> bool:
    return "EncryptionInfo".encode("utf-16-le") in data


def _package_finding(submission: Submission, exc: PackageError) -> None:
    name = submission.file.name
    if exc.kind == "limit":
        submission.note(ERROR, "package-limit", f"{name} {exc.detail}，不像正常的年度报告工作簿，未读取。请删除工作簿中多余的工作表、图片和大段粘贴的内容，或用县里下发的模板重新填写后报送。")
    elif exc.kind == "unsafe":
        submission.note(ERROR, "unsafe-xml", f"{name} 的内部部件 {exc.detail} 含有 DOCTYPE（文档类型）声明，Excel 和 WPS 保存的工作簿不会有这种声明，为安全起见未读取。请在 Excel 或 WPS 中打开后重新保存，或用县里下发的模板重新填写后报送。")
    elif exc.detail:  # a part that is not well-formed
        submission.note(ERROR, "unreadable", f"{name} 已损坏或无法打开（内容不完整）。请在 Excel 或 WPS 中打开确认后重新保存报送。")
    else:
        submission.note(ERROR, "unreadable", f"{name} 已损坏（文件不完整），无法读取。请在 Excel 或 WPS 中打开确认后重新保存报送。")


OPENDOCUMENT_SPREADSHEET = b"application/vnd.oasis.opendocument.spreadsheet"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")


def _other_zip_finding(submission: Submission, data: bytes) -> None:
    """A zip that is no workbook (its size and members were checked against the limits already):
    an OpenDocument spreadsheet, an archive holding the workbooks, or something else; each with
    what to do about it."""
    import io
    import zipfile

    from ..names import shown_name

    name = submission.file.name
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in members else b""
    except Exception:  # a zip the package check read but this cannot: the general message
        members, mimetype = [], b""
    if mimetype.startswith(OPENDOCUMENT_SPREADSHEET):
        submission.note(ERROR, "not-xlsx", f"{name} 是 OpenDocument 表格（.ods，WPS 或 LibreOffice 可以保存成这种格式），无法读取。"
                                           "请用 WPS、LibreOffice 或 Excel 打开后“另存为”Excel 工作簿（*.xlsx）再报送。")
        return
    inside = [m for m in members if m.lower().endswith(WORKBOOK_SUFFIXES) and not m.endswith("/")]
    if inside:
        shown = "、".join(shown_name(m) for m in inside[:3]) + ("等" if len(inside) > 3 else "")
        submission.note(ERROR, "not-xlsx", f"{name} 是压缩包，里面有 {len(inside)} 个表格文件（{shown}）。请解压后把其中的工作簿放入收件箱"
                                           "（不必让报送单位重新填写），把这个压缩包移出收件箱，再重新运行。")
        return
    submission.note(ERROR, "unreadable", f"{name} 是压缩包或其他格式的文件，不是 Excel 工作簿（.xlsx），里面也没有工作簿，无法读取。"
                                         "请确认报送单位发来的是哪个文件，并请其报送县里下发的 Excel 模板。")


def _year(value: object) -> int | None:
    """A four-digit year ("2025"; never "2025²", whose digits str.isdigit() also accepts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 9999 else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if 1000 <= value <= 9999 else None
    text = str(value or "").strip()
    return int(text) if YEAR_TEXT.fullmatch(text) else None


def _read_marks(submission: Submission, book: Book) -> None:
    marks: dict[str, str] = {}
    if layout.META_SHEET in book:
        meta = book[layout.META_SHEET]
        for row in sorted({r for (r, c) in meta.cells if c == 1}):
            key, value = meta.value(row, 1), meta.value(row, 2)
            if key is not None:
                marks[str(key).strip()] = "" if value is None else str(value).strip()
    else:
        props = book.custom_properties
        for name in ("format", "year", "unit_code"):
            value = props.get(f"nianbao.{name}")
            if value and value != "-":
                marks[name] = value
    if marks.get("product", layout.PRODUCT) != layout.PRODUCT or "format" not in marks:
        return
    try:
        submission.form = form_by_id(marks["format"])
    except KeyError:
        return
    submission.marked = True
    submission.marks = marks
    submission.year = _year(marks.get("year", ""))
    submission.unit_code = marks.get("unit_code", "")
    submission.unit_name = marks.get("unit_name", "")
    submission.is_summary = marks.get("source") == "summary"


def _label_cells(book: Book):
    """(sheet, row, col, text) of the text cells a label search looks at: only cells present in the
    file, and at most LABEL_BUDGET of them (a template has a few hundred)."""
    seen = 0
    for sheet in book.worksheets:
        for row, col, text in sheet.strings():
            seen += 1
            if seen > LABEL_BUDGET:
                return
            yield sheet, row, col, text


def _guess_form(book: Book) -> Form | None:
    """Without marks: the format whose distinctive column labels appear in the workbook."""
    texts = {normalize_label(text) for _, _, _, text in _label_cells(book)}
    best, score = None, 0
    for form in FORMS:
        labels = {normalize_label(l.text) for t in form.tables for l in t.labels}
        hits = len(labels & texts)
        if hits > score:
            best, score = form, hits
    return best if score >= 10 else None


# --- locating cells --------------------------------------------------------------------------


def _locate(submission: Submission, book: Book) -> None:
    form = submission.form
    places: dict[str, Place] = {}
    unusable: list[tuple[str, str]] = []  # names widened to a range or pointing elsewhere: not used
    for key, name in form.derived(_defined_names):
        destination = book.destination(name)
        if destination is not None:
            places[key] = Place(*destination)
        elif name in book.defined_names:
            unusable.append((name, book.defined_names[name]))
    if form.derived(_cell_keys) <= places.keys():
        submission.by_names = True
        submission.places = places
        return
    submission.places = {**_locate_by_labels(form, book), **places}
    if submission.places and unusable:
        name, reference = unusable[0]
        submission.note(WARNING, "layout-changed", f"{submission.file.name} 中模板的单元格名称 {name} 应指向一个单元格，实际为“{_shown(reference)}”，已按表头文字定位各单元格。请使用县里下发的模板，不要修改单元格名称。", expected="一个单元格", actual=_shown(reference))
    elif submission.places and submission.marked:
        submission.note(WARNING, "layout-changed", f"{submission.file.name} 中模板的单元格名称缺失，已按表头文字定位各单元格。请使用县里下发的模板，不要把内容复制到其他工作簿。")


def _defined_names(form: Form) -> tuple[tuple[str, str], ...]:
    """(key, defined name) of every info field, text field and value cell of the form."""
    return tuple((key, layout.defined_name(key)) for key in layout.all_keys(form))


def _cell_keys(form: Form) -> frozenset[str]:
    return frozenset(c.key for c in form.cells)


def _normalized_labels(form: Form) -> tuple[tuple[tuple[Label, str], ...], ...]:
    """For each table of the form, its labels with their text as compared (`normalize_label`)."""
    return tuple(tuple((l, normalize_label(l.text)) for l in table.labels) for table in form.tables)


def _is_label(found: object, label: Label, normalized: str) -> bool:
    """Whether a cell holds the label (the text itself, or one that compares equal)."""
    return found == label.text or normalize_label(found or "") == normalized


def _locate_by_labels(form: Form, book: Book) -> dict[str, Place]:
    """Find each table by its labels: the sheet and offset where most of its labels sit."""
    places: dict[str, Place] = {}
    candidates = list(_label_cells(book))
    for table, labels in zip(form.tables, form.derived(_normalized_labels)):
        anchor = table.labels[0] if table.key != "t3" else next(l for l in table.labels if l.role == "row")
        target = normalize_label(anchor.text)
        best = None
        for ws, row, col, text in candidates:
            if normalize_label(text) != target:
                continue
            top, left = row - anchor.row, col - anchor.col
            score = sum(
                1 for l, normalized in labels if _is_label(ws.value(top + l.row, left + l.col), l, normalized)
            ) if top >= 1 and left >= 1 else 0
            if best is None or score > best[0]:
                best = (score, ws.name, top, left)
        if best and best[0] >= 3:  # found; labels that moved are reported by _check_layout
            _, sheet, top, left = best
            for cell in table.cells:
                places[cell.key] = Place(sheet, top + cell.row, left + cell.col)
    for key, (sheet, _, row) in layout.TEXT_FIELDS.items():
        if sheet in book:
            places[key] = Place(sheet, row, 1)
    if layout.INFO_SHEET in book:
        for info in layout.INFO_FIELDS:
            places[info.key] = Place(layout.INFO_SHEET, info.row, layout.INFO_VALUE_COLUMN)
    return places


def _check_layout(submission: Submission, book: Book) -> None:
    """Every label of each table where the template put it, relative to the table's cells."""
    form = submission.form
    for table, labels in zip(form.tables, form.derived(_normalized_labels)):
        origins = {}
        for cell in table.cells:
            place = submission.places.get(cell.key)
            if place:
                origins.setdefault((place.sheet, place.row - cell.row, place.col - cell.col), []).append(cell)
        heading = form.section(table.section).heading
        if not origins:
            submission.broken_tables.add(table.key)
            submission.note(
                ERROR, "layout-changed",
                f"{submission.file.name} 中找不到表格“{heading}”（表头被修改或行列被改动）。"
                "请使用县里下发的模板重新填写，不要修改表头、插入或删除行列。",
            )
            continue
        # the table's first value cell fixes where the table is; cells elsewhere have moved
        first = next(c for c in table.cells if c.key in submission.places)
        reference = (submission.places[first.key].sheet, submission.places[first.key].row - first.row,
                     submission.places[first.key].col - first.col)
        sheet, top, left = reference
        ws = book[sheet]
        if len(origins) > 1:
            # the defined names followed the rows (as in Excel), so the values are still read right
            moved = min((c for o, cells in origins.items() if o != reference for c in cells), key=lambda c: (c.row, c.col))
            submission.note(
                ERROR, "layout-changed",
                f"{submission.file.name} {sheet} 的表格被插入或删除了行列（自“{moved.row_label or moved.col_label}”起位置错动）。"
                "请使用县里下发的模板重新填写，不要插入或删除行列。",
                moved.key,
            )
            continue
        for label, normalized in labels:
            found = ws.value(top + label.row, left + label.col)
            if not _is_label(found, label, normalized):
                place = Place(sheet, top + label.row, left + label.col)
                submission.note(
                    ERROR, "layout-changed",
                    f"{submission.file.name} {place} 的表头应为“{label.text}”，实际为“{found or '（空）'}”。"
                    "模板的表头被修改，请使用县里下发的模板重新填写，不要修改表头、插入或删除行列。",
                    place=place, expected=label.text, actual=str(found or ""),
                )
                submission.broken_tables.add(table.key)
                break  # one finding per table is enough to send the file back


# --- reading values --------------------------------------------------------------------------


def _read_info(submission: Submission, book: Book) -> None:
    for info in layout.INFO_FIELDS:
        place = submission.places.get(info.key)
        if place and place.sheet in book:
            value = book[place.sheet].value(place.row, place.col)
            if isinstance(value, str):
                value = _clean_text(submission, value, info.key).strip()
            submission.info[info.key] = value
    if not submission.unit_name and submission.info.get("info.unit_name"):
        submission.unit_name = str(submission.info["info.unit_name"])
    if not submission.unit_code and submission.info.get("info.unit_code"):
        submission.unit_code = str(submission.info["info.unit_code"])
    if submission.year is None:
        submission.year = _year(submission.info.get("info.year"))


# How a refused input counts when the rules are evaluated. Blank and placeholders are read as 0, as
# the spreadsheet's own SUM does (so the clerk's live check and our findings agree); "6件" counts as
# the 6 it quotes; anything else is unknown and the rules that depend on it are skipped.
PROVISIONAL_ZERO = ("blank", "placeholder")


def _read_numbers(submission: Submission, book: Book) -> None:
    form = submission.form
    formula_totals: dict[str, object] = {}  # total key → its saved result (None when not saved)
    for cell in form.derived(_reading_order):
        place = submission.places.get(cell.key)
        if place is None or cell.table in submission.broken_tables:
            continue  # a table whose layout changed is sent back whole: its cells are not read
        formula, value = book[place.sheet].cells.get((place.row, place.col), (None, None))
        raw = formula if formula is not None else value
        submission.raw[cell.key] = raw
        if formula is not None and cell.is_total:
            if isinstance(value, CellError) or "#REF!" in formula.upper():
                shown = value if isinstance(value, CellError) else "（未保存）"
                submission.note(
                    ERROR, "total-error",
                    f"{submission.where(cell.key)} {cell.label}：合计显示错误值“{shown}”（公式“{_shown(formula)}”），合计公式已损坏。"
                    "请使用县里下发的模板重新填写，不要删除或移动合计引用的单元格。",
                    cell.key, actual=_shown(str(value if isinstance(value, CellError) else formula)),
                )
                value = None
                submission.broken_totals.add(cell.key)
            formula_totals[cell.key] = value
            continue
        if formula is not None:
            if value is None:
                submission.note(ERROR, "formula-no-value", f"{submission.where(cell.key)} {cell.label}：单元格中是公式“{_shown(raw)}”，文件没有保存计算结果。请直接填写数字。", cell.key, actual=_shown(raw))
                continue
            # whatever it shows, a formula is not a typed figure: it may link elsewhere or change on recalculation
            parsed = parse_number(value, cell.kind)
            submission.note(
                ERROR, "formula-in-input",
                f"{submission.where(cell.key)} {cell.label}：单元格中是公式“{_shown(raw)}”（显示为 {_shown(str(value))}），"
                "这里应直接填写数字。请删除公式，直接填写数字。",
                cell.key, expected=_expected(parsed) if parsed.value is None else _fmt(parsed.value), actual=_shown(raw),
            )
            reading = parsed.value if parsed.value is not None else parsed.suggestion
            if reading is not None:
                submission.provisional[cell.key] = reading
            continue
        raw_value = raw
        if cell.is_total and raw is not None and not submission.is_summary:
            submission.note(
                WARNING, "formula-overwritten",
                f"{submission.where(cell.key)} {cell.label}：合计公式被改写为{'数字' if not isinstance(raw, str) else '文字'} {_shown(str(raw))}。合计应由模板自动计算，请使用下发的模板，不要改写合计。",
                cell.key, actual=_shown(str(raw)),
            )
        parsed = parse_number(raw_value, cell.kind)
        if parsed.value is None:
            submission.note(
                ERROR, parsed.problem, f"{submission.where(cell.key)} {cell.label}：{parsed.detail}。",
                cell.key,
                expected=_expected(parsed),
                actual="" if raw_value is None else _shown(str(raw_value)),
            )
            if parsed.problem in PROVISIONAL_ZERO:
                submission.provisional[cell.key] = Decimal(0)
            elif parsed.suggestion is not None:
                submission.provisional[cell.key] = parsed.suggestion
            continue
        submission.values[cell.key] = parsed.value
        if parsed.notice:
            submission.note(NOTICE, "normalized", f"{submission.where(cell.key)} {cell.label}：{parsed.notice}，按 {_fmt(parsed.value)} 读取。", cell.key, actual=_shown(str(raw_value)), expected=_fmt(parsed.value))
    _formula_totals(submission, formula_totals)
    for key in submission.broken_totals:  # computed from its parts for the rules, never accepted
        if key in submission.values:
            submission.provisional[key] = submission.values.pop(key)


def _reading_order(form: Form) -> tuple[Cell, ...]:
    """The form's value cells, the totals last (a total is judged by what its parts read)."""
    return tuple(sorted(form.cells, key=lambda c: c.is_total))


def _formula_totals(submission: Submission, saved: dict[str, object]) -> None:
    """The value of each total that is still a formula.

    The saved result is used when every part was accepted. When the file was never opened in an
    office suite there is no saved result, and when a part was refused the saved result counted it
    as Excel's SUM does; in both cases the total is computed from its parts, refused parts counting
    with their provisional reading. A total with an unknown part stays unknown."""
    form = submission.form
    unknown = object()
    done: dict[str, object] = {}

    def total(key: str):
        if key in submission.values:
            return submission.values[key]
        if key in submission.provisional:
            return submission.provisional[key]
        if key not in saved:
            return unknown  # a refused part with no reading, or a cell that could not be located
        if key in done:
            return done[key]
        cell = form.cell(key)
        parts = [total(part) for part in cell.sum_of]
        if any(p is unknown for p in parts):
            done[key] = unknown
            return unknown
        exact = all(part in submission.values for part in cell.sum_of)
        cached = parse_number(saved[key], cell.kind).value if saved[key] is not None else None
        value = cached if exact and cached is not None else sum(parts, Decimal(0))
        (submission.values if exact else submission.provisional)[key] = value
        done[key] = value
        return value

    for key in saved:
        total(key)


def _expected(parsed) -> str:
    return _fmt(parsed.suggestion) if parsed.suggestion is not None else ""


def _fmt(value) -> str:
    from ..findings import fmt_number

    return fmt_number(value)


def _read_texts(submission: Submission, book: Book) -> None:
    for text in submission.form.texts:
        place = submission.places.get(text.key)
        if place is None or place.sheet not in book:
            continue
        value = book[place.sheet].value(place.row, place.col)  # text is kept verbatim, a leading "=" included
        value = "" if value is None else _clean_text(submission, str(value), text.key)
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(value) > MAX_NARRATIVE:
            submission.note(
                ERROR, "narrative-too-long",
                f"{submission.where(text.key)} {text.title}：共 {len(value)} 个字，超过 {MAX_NARRATIVE} 个字的上限，"
                "无法完整排入年度报告。请删减后重新报送（年度报告各部分通常为几百到几千字）。",
                text.key, expected=f"不超过 {MAX_NARRATIVE} 个字", actual=f"{len(value)} 个字",
            )
        submission.texts[text.key] = value


def _clean_text(submission: Submission, value: str, key: str) -> str:
    """A text without the control characters Word cannot hold (a notice says which were removed)."""
    cleaned = CONTROL_CHARS.sub("", value)
    if cleaned != value:
        removed = len(value) - len(cleaned)
        submission.note(
            NOTICE, "control-chars",
            f"{submission.where(key)}：文字中有 {removed} 个无法显示的控制字符（通常是从其他软件复制粘贴带入的），已删除。请核对文字是否完整。",
            key,
        )
    return cleaned


def _shown(text: object, limit: int = 60) -> str:
    """A value as quoted in a message: long texts are shortened, with their length."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 个字符）"
