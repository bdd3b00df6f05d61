"""The canonical per-year dataset: every accepted number of the units that passed, in long form.

Each run writes `data.csv` into the year's output folder. Next January the run finds it through the
configured `history` folder: the cross-year rules (上年结转 against last year's 结转下年度) read it,
and `nianbao template` prefills 上年结转 from it.

The file is plain CSV that pandas reads directly (`pandas.read_csv(path, dtype={"unit_code": str})`;
the value column comes back as numbers):

    unit_code, unit_name, year, format, key, table, row_label, column_label, value

- one row per accepted value (totals included), units by code, cells in the order of the form;
- `value` is plain decimal text, never an exponent ("12", "1.25", "-18");
- UTF-8 with a byte-order mark, so that Excel shows the Chinese correctly, and "\\n" line endings;
- written atomically, and left untouched (same bytes, same modification time) when nothing changed.

CSV has no formulas, but Excel evaluates a field beginning with = + - @ when it opens a CSV file. The
label columns (unit_name, table, row_label, column_label) are free text (a roster name may be
"=青塘镇"), so a label beginning with one of these characters is written with a single quote in front
("'=青塘镇"), which Excel shows as text; pandas reads the quote as part of the label. The same is done
for a unit code beginning with "-" (county.toml allows it), and `load_dataset` removes that quote
again, so codes round-trip. year, format and key never begin with these characters, and `value` may
begin with "-" because it is a number: Excel reading "-18" as the number -18 is right, so values are
never quoted. The file is for reading; a copy saved by Excel loses leading zeros of codes and its
encoding, and `load_dataset` refuses a file that is not UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from collections.abc import Mapping
from typing import Iterable, Iterator

from .batch import RunResult
from .config import CountyConfig
from .files import write_atomic, write_atomic_chunks
from .findings import fmt_number
from .oserrors import os_reason

from .paths import DATASET, TEXTS  # noqa: E402 (the file names, shared with the run)
ENCODING = "utf-8-sig"
COLUMNS = ("unit_code", "unit_name", "year", "format", "key", "table", "row_label", "column_label", "value")
QUOTED_COLUMNS = ("unit_code", "unit_name", "table", "row_label", "column_label")  # see the module text
FORMULA_STARTS = ("=", "+", "-", "@")

Values = dict[str, Mapping[str, Decimal]]  # unit code → its values (UnitValues when read from a file)

# The narrative texts of each unit and year, next to data.csv, for the checks against last year's text
# (年年雷同). Same conventions as data.csv (UTF-8 with BOM, label columns quoted against formulas).
TEXT_COLUMNS = ("unit_code", "unit_name", "year", "format", "key", "title", "text")
Texts = dict[str, dict[str, str]]  # unit code → text key (e.g. "text.s1") → text


class StoreError(Exception):
    """A dataset file that cannot be used; `message` is the Chinese text for the clerk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- writing -------------------------------------------------------------------------------------


def write_dataset(result: RunResult, config: CountyConfig, folder: Path) -> Path:
    """Write `data.csv` of the run into `folder`; returns its path."""
    path = Path(folder) / DATASET
    write_atomic_chunks(path, dataset_chunks(result))
    return path


def dataset_chunks(result: RunResult) -> Iterator[bytes]:
    """data.csv of the run, a few thousand lines at a time: a row per passed unit and cell it holds
    (~32 KB a unit: at 40,000 units over a gigabyte, never all in memory)."""
    form = result.form
    # what a row says of its cell, worked out once for the form, not once per unit
    labels = [(cell.key, _excel_safe(form.section(form.table(cell.table).section).heading),
               _excel_safe(_row_label(cell)), _excel_safe(cell.col_label)) for cell in form.cells]
    year = str(result.year)
    formatted: dict = {}  # value -> its text (fmt_number depends only on the number)

    def lines():
        for unit in sorted(result.passed(), key=lambda u: u.unit.code):
            values = unit.submission.values
            code, name = _excel_safe(unit.unit.code), _excel_safe(unit.unit.name)
            for key, table, row_label, column_label in labels:
                value = values.get(key)
                if value is None:
                    continue
                text = formatted.get(value)
                if text is None:
                    text = formatted[value] = fmt_number(Decimal(value))
                yield code, name, year, form.id, key, table, row_label, column_label, text

    return _csv_chunks(COLUMNS, lines())


def csv_bytes(columns: tuple[str, ...], quoted: tuple[str, ...], rows) -> bytes:
    """The CSV files of the store (data.csv, texts.csv, imported data.csv) as bytes: a header, one
    line per row (a dict of text by column), free-text columns quoted against formulas (see the
    module text), UTF-8 with BOM and "\\n" line endings."""
    return b"".join(_csv_chunks(columns, _safe_lines(columns, quoted, rows)))


def _safe_lines(columns: tuple[str, ...], quoted: tuple[str, ...], rows):
    """Each row (a dict of text by column) as its texts in column order, `quoted` ones made safe."""
    return ([_excel_safe(row[c]) if c in quoted else row[c] for c in columns] for row in rows)


CSV_CHUNK_LINES = 2000
CSV_CHUNK_CHARS = 2**18


def _csv_chunks(columns: tuple[str, ...], lines) -> Iterator[bytes]:
    """`columns`, then each line (its texts in column order, already made safe), as it is made: the
    BOM, then every CSV_CHUNK_LINES lines, or CSV_CHUNK_CHARS characters (texts.csv has a unit's
    whole section on a line), encoded (a Chinese text held as one str takes up to 4 bytes a
    character, and again as the encoded copy)."""
    yield codecs.BOM_UTF8  # ENCODING: UTF-8 with BOM
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for count, line in enumerate(lines, start=1):
        writer.writerow(line)
        if count % CSV_CHUNK_LINES == 0 or text.tell() > CSV_CHUNK_CHARS:
            yield text.getvalue().encode("utf-8")
            text.seek(0)
            text.truncate()
    yield text.getvalue().encode("utf-8")


def _row_label(cell) -> str:
    """The row as 问题清单 names it: in table 三 with its group ("（三）不予公开 1.属于国家秘密")."""
    if cell.table == "t3":
        return f"{cell.group} {cell.row_label}".strip()
    return cell.row_label or cell.group


def _excel_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _unquoted(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


@dataclasses.dataclass(frozen=True)
class TextRecord:
    unit_code: str
    unit_name: str
    year: int
    format: str  # form id
    key: str  # the form's text key, e.g. "text.s1"
    title: str  # the section heading as the form names it
    text: str


def text_records(result: RunResult) -> list[TextRecord]:
    """The narrative of every unit whose file could be read (passed or not: a failed table does not
    make last year's text less useful for comparing), units by code, texts in the order of the form."""
    return list(iter_text_records(result))


def iter_text_records(result: RunResult) -> Iterator[TextRecord]:
    """`text_records`, a unit at a time (a run keeps the units' texts on disk, pipeline/spill.py)."""
    for unit in sorted(result.units, key=lambda u: u.unit.code):
        submission = unit.submission
        if submission is None or submission.form is None:
            continue
        texts = submission.texts
        for text in submission.form.texts:
            if texts.get(text.key):
                yield TextRecord(unit.unit.code, unit.unit.name, result.year, submission.form.id,
                                 text.key, text.title, texts[text.key])


def write_texts(folder: Path, records: Iterable[TextRecord]) -> Path:
    """Write `texts.csv` into `folder` (atomically, untouched when unchanged; the records may be an
    iterator, written as they come); returns its path."""
    path = Path(folder) / TEXTS
    write_atomic_chunks(path, _texts_chunks(records))
    return path


def _texts_chunks(records: Iterable[TextRecord]) -> Iterator[bytes]:
    rows = ({**dataclasses.asdict(record), "year": str(record.year)} for record in records)
    return _csv_chunks(TEXT_COLUMNS, _safe_lines(TEXT_COLUMNS, ("unit_code", "unit_name", "title", "text"), rows))


def load_texts(path: Path) -> Texts:
    """unit code → text key → text of a texts.csv file. Raises StoreError for a file that is not one.
    Read a row at a time (never the whole file as one text and a list of rows)."""
    path = Path(path)
    texts: Texts = {}
    try:
        with open(path, encoding=ENCODING, newline="") as stream:
            for row in csv.DictReader(stream):
                code, key = _unquoted((row.get("unit_code") or "").strip()), (row.get("key") or "").strip()
                if code and key:
                    texts.setdefault(code, {})[key] = _unquoted(row.get("text") or "")
    except UnicodeDecodeError:
        raise StoreError(f"文字数据文件 {path} 不是 UTF-8 编码，可能被 Excel 或 WPS 另存过。请不要编辑或另存 {path.name}。") from None
    except csv.Error as exc:
        raise StoreError(f"文字数据文件 {path} 不是有效的 CSV 文件（{exc}）。") from None
    except OSError as exc:
        raise StoreError(f"无法读取文字数据文件 {path}：{os_reason(exc)}。") from None
    return texts


def load_previous_texts(config: CountyConfig) -> Texts | None:
    """Last year's narrative texts by unit code (texts.csv next to last year's data.csv), or None."""
    dataset = find_previous(config)
    if dataset is None or not (dataset.parent / TEXTS).is_file():
        return None
    return load_texts(dataset.parent / TEXTS)


# --- reading -------------------------------------------------------------------------------------


def load_dataset(path: Path) -> Values:
    """unit code → key → value of a dataset file. Raises StoreError for a file that is not one."""
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[Values, set[int]]:
    """The values and the report years a dataset file holds.

    Read a row at a time (a 1,000-unit county's data.csv is some 30 MB, several times that as one
    Python text and a list of rows); the keys and the small numbers every unit repeats are held once."""
    name = path.name
    try:
        stream = open(path, encoding=ENCODING, newline="")
    except FileNotFoundError:
        raise StoreError(f"找不到数据文件 {path}。") from None
    except OSError as exc:
        raise StoreError(f"无法读取数据文件 {path}：{os_reason(exc)}。") from None
    with stream:
        try:
            return _parse(path, csv.reader(stream))
        except UnicodeDecodeError:
            raise StoreError(
                f"数据文件 {path} 不是 UTF-8 编码，可能被 Excel 或 WPS 另存过。请不要编辑或另存 {name}；"
                f"可用上一年度的收件箱重新运行 nianbao run 生成该文件。"
            ) from None
        except csv.Error as exc:
            raise StoreError(f"数据文件 {path} 不是有效的 CSV 文件（{exc}）。请不要编辑 {name}；可重新运行上一年度的 nianbao run 生成。") from None
        except OSError as exc:
            raise StoreError(f"无法读取数据文件 {path}：{os_reason(exc)}。") from None


def _parse(path: Path, rows: Iterator[list[str]]) -> tuple[Values, set[int]]:
    from .perfile import shared_number  # the small numbers' one Decimal (the same digits: 0 and 0.00 differ)

    name = path.name
    first = next(rows, None)
    if first is None or not any(field.strip() for field in first):
        raise StoreError(f"数据文件 {path} 是空的，应有表头 {','.join(COLUMNS)}。可重新运行上一年度的 nianbao run 生成。")
    header = [field.strip() for field in first]
    missing = [c for c in ("unit_code", "year", "key", "value") if c not in header]
    if missing:
        raise StoreError(
            f"数据文件 {path} 的表头缺少 {'、'.join(missing)} 列，不是本工具生成的分年数据集"
            f"（表头应为 {','.join(COLUMNS)}）。"
        )
    at = {column: header.index(column) for column in ("unit_code", "year", "key", "value")}
    values: dict[str, dict[str, Decimal]] = {}
    years: set[int] = set()
    keys: dict[str, str] = {}  # each key's one str
    for number, row in enumerate(rows, start=2):
        if not any(field.strip() for field in row):
            continue
        where = f"数据文件 {path} 第 {number} 行"
        if len(row) < len(header):
            raise StoreError(f"{where}只有 {len(row)} 列，应有 {len(header)} 列。请不要编辑 {name}；可重新运行上一年度的 nianbao run 生成。")
        code, year, key, value = (row[at[c]].strip() for c in ("unit_code", "year", "key", "value"))
        code = _unquoted(code)
        if not code or not key:
            raise StoreError(f"{where}缺少单位代码或指标（unit_code、key 不能为空）。")
        if not _YEAR.fullmatch(year):  # not str.isdigit(): "2024²" is digits to it, and int() refuses it
            raise StoreError(f"{where}的年度（year）应为四位数字的年份，如 2024，实际为“{_short(year)}”。请不要编辑 {name}；可重新运行上一年度的 nianbao run 生成。")
        years.add(int(year))
        number_value = _decimal(value)
        if number_value is None:
            raise StoreError(f"{where}的数值（value）应为不带指数的普通数字（如 12、1.25、-18），实际为“{_short(value)}”。请不要编辑 {name}；可重新运行上一年度的 nianbao run 生成。")
        number_value = shared_number(value, number_value)  # checked first: the table is the process's
        key = keys.setdefault(key, key)
        unit = values.setdefault(code, {})
        if key in unit and unit[key] != number_value:
            raise StoreError(f"{where}：单位 {code} 的 {key} 出现了两次且数值不同（{fmt_number(unit[key])} 和 {value}）。")
        unit[key] = number_value
    if len(years) > 1:
        shown = "、".join(str(y) for y in sorted(years))
        raise StoreError(f"数据文件 {path} 混有多个年度（{shown}）的数据，每个年度应单独一个文件。")
    return _frozen(values), years


class UnitValues(Mapping[str, Decimal]):
    """A unit's values of a dataset, read-only: its numbers in a tuple, the keys' places in a dict
    that every unit with the same keys shares (a dict of its own per unit is some 6 KiB)."""

    __slots__ = ("_places", "_values")

    def __init__(self, places: dict[str, int], values: tuple):
        self._places, self._values = places, values

    def __getitem__(self, key: str) -> Decimal:
        return self._values[self._places[key]]

    def __contains__(self, key) -> bool:
        return key in self._places

    def __iter__(self):
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self):
        return UnitValues, (self._places, self._values)


def _frozen(values: dict[str, dict[str, Decimal]]) -> Values:
    """{code: UnitValues}, the units with the same keys in the same order sharing their places."""
    shared: dict[tuple[str, ...], dict[str, int]] = {}
    frozen: Values = {}
    for code, unit in values.items():
        order = tuple(unit)
        places = shared.get(order)
        if places is None:
            places = shared[order] = {key: i for i, key in enumerate(order)}
        frozen[code] = UnitValues(places, tuple(unit.values()))
    return frozen


_YEAR = re.compile(r"[0-9]{4}")
# What `dataset_chunks` writes (fmt_number): plain decimal text. An exponent ("1e9999999") or thousands of
# digits would make every later sum and comparison slow or overflow, so only this shape is read.
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,10})?")


def _decimal(text: str) -> Decimal | None:
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _short(text: str) -> str:
    """A field as quoted in a message: at most 40 characters."""
    return text if len(text) <= 40 else text[:37] + "…"


# --- last year's dataset -------------------------------------------------------------------------


def previous_locations(config: CountyConfig) -> list[Path]:
    """Where last year's dataset is looked for, in order (empty without a `history` folder):
    `<history>/<year-1>/data.csv` (history is an output folder of earlier runs), then
    `<history>/data.csv` (history is last year's folder itself)."""
    if config.history is None:
        return []
    return [config.history / str(config.year - 1) / DATASET, config.history / DATASET]


def find_previous(config: CountyConfig) -> Path | None:
    """Last year's dataset, or None. `<history>/data.csv` counts only if it holds last year's data
    (or cannot be read: then `load_previous` says what is wrong with it rather than "not found")."""
    locations = previous_locations(config)
    if not locations:
        return None
    by_year, flat = locations
    if by_year.is_file():
        return by_year
    if flat.is_file():
        try:
            years = _read(flat)[1]
        except StoreError:
            return flat
        if years == {config.year - 1}:
            return flat
    return None


def load_previous(config: CountyConfig) -> Values | None:
    """Last year's values by unit code, or None when there is no `history` or no dataset for last year.
    Raises StoreError when the dataset found is damaged or holds another year."""
    path = find_previous(config)
    if path is None:
        return None
    values, years = _read(path)
    if years and years != {config.year - 1}:
        raise StoreError(
            f"数据文件 {path} 是 {min(years)} 年度的数据，核对 {config.year} 年度报告需要 {config.year - 1} 年度的数据。"
            f"请检查 county.toml 中的 history。"
        )
    return values


def previous_missing_message(config: CountyConfig, consequence: str) -> str:
    """One line for the clerk: no dataset of last year where `history` points; `consequence` says
    what is therefore not done (e.g. "未核对上年结转")."""
    locations = previous_locations(config)
    looked = "、".join(str(p) for p in locations)
    other = ""
    if locations and locations[-1].is_file():
        try:
            years = _read(locations[-1])[1]
        except StoreError:
            years = set()
        if years:
            other = f"；{locations[-1]} 是 {'、'.join(str(y) for y in sorted(years))} 年度的数据"
    return f"未找到 {config.year - 1} 年度的分年数据集（查找了 {looked}{other}），{consequence}。"


def for_year(config: CountyConfig, year: int) -> CountyConfig:
    """The config as if its report year were `year` (the template command may be given another year)."""
    return config if config.year == year else dataclasses.replace(config, year=year)


# --- values imported from published reports --------------------------------------------------------

# An imported data.csv has the columns of COLUMNS and two more at the end, which `load_dataset` (it
# reads columns by their header name) ignores: `flags`, the rules and reading findings the value is
# part of ("R1 blank-as-zero"; empty when it was read exactly and passed every rule), and `source`,
# where it was printed ("青塘镇.docx｜表2｜（七）总计｜其他").
IMPORT_COLUMNS = COLUMNS + ("flags", "source")


@dataclasses.dataclass(frozen=True)
class ValueRecord:
    unit_code: str
    unit_name: str
    year: int
    format: str
    key: str
    table: str  # the section heading, as in data.csv
    row_label: str
    column_label: str
    value: Decimal
    flags: str = ""
    source: str = ""


def write_imported(folder: Path, records: list[ValueRecord]) -> Path:
    """Write `data.csv` of imported values into `folder` (atomically, untouched when unchanged)."""
    path = Path(folder) / DATASET
    write_atomic(path, imported_bytes(records))
    return path


def imported_bytes(records: list[ValueRecord]) -> bytes:
    rows = ({**dataclasses.asdict(record), "year": str(record.year), "value": fmt_number(record.value)} for record in records)
    return csv_bytes(IMPORT_COLUMNS, QUOTED_COLUMNS + ("flags", "source"), rows)


def is_imported(path: Path) -> bool:
    """Whether the data.csv at `path` was written by `nianbao import` (it has the `flags` column)."""
    try:
        first = Path(path).read_bytes().decode(ENCODING).split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        return False
    return "flags" in [c.strip() for c in first.split(",")]
