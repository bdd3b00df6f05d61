"""The county's settings file, county.toml: report year, folders and the roster of reporting units.

A clerk edits this file by hand once a year, so every mistake in it is reported in Chinese with the
file, the key (e.g. ``units[3].kind``, counting units from 1 in the order they appear), what was
expected and what was found. All problems are collected and raised together in one ConfigError, so a
clerk can fix the file in one pass.

Example::

    county = "示例县"
    year = 2024
    inbox = "收件箱"
    deadline = 2025-01-31

    [[units]]
    code = "QT"
    name = "青塘镇"
    full_name = "示例县青塘镇人民政府"
    kind = "乡镇"
    aliases = ["青塘"]

A city collects its counties' 汇总表.xlsx with the same file: each county is a unit of kind "县区"
whose code is the top-level `code` of that county's own county.toml (its summary carries the code).
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

from .forms import UnknownYear, form_for_year
from .oserrors import os_reason

KINDS = ("乡镇", "部门", "县区")  # 县区: a county on a city's roster (the city sums the counties' summaries)
KINDS_TEXT = "“乡镇”、“部门”或“县区”"

# Characters Windows does not allow in file names; unit names become output file names.
ILLEGAL_NAME_CHARS = '\\/:*?"<>|'
_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]+")

FIRST_YEAR = 2019  # the national format applies from the report on 2019

# A file system holds at most 255 bytes (Linux, UTF-8) or 255 UTF-16 units (Windows) per name. The
# longest name made for a unit is the temporary file of its Word report: ".~" + stem + 8 random
# characters + ".docx" (see `files.write_atomic`).
MAX_NAME_BYTES = 255
TEMP_NAME_EXTRA = len(".~") + 8 + len(".docx")

_TOP_KEYS = ("county", "code", "year", "inbox", "output", "history", "deadline", "templates", "units")
_UNIT_KEYS = ("code", "name", "full_name", "kind", "aliases")


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    full_name: str
    kind: str  # "乡镇" | "部门" | "县区"
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountyConfig:
    county: str
    year: int
    inbox: Path
    output: Path
    history: Path | None
    deadline: datetime.date | None
    units: tuple[Unit, ...]
    path: Path  # the config file itself, absolute
    templates: Path | None = None  # the county's own Word report templates (default: the tool's input_templates/)
    code: str | None = None  # the county's own code on the roster of the level above (its summary carries it)

    def unit(self, code: str) -> Unit:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(f"{self.path.name} 中没有代码为“{code}”的单位")


class ConfigError(Exception):
    """A problem with county.toml; `message` is the Chinese text for the clerk (one problem per line)."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.problems = problems or (message,)


def last_year() -> int:
    """The latest report year the tool accepts: next year's report can be prepared in December."""
    return datetime.date.today().year + 1


def year_problem(year: int, key: str) -> str | None:
    """Why `year` cannot be a report year (text after the key's name), or None when it can."""
    if FIRST_YEAR <= year <= last_year():
        try:
            form_for_year(year)
            return None
        except UnknownYear:
            pass
    return (
        f"{key} 应为 {FIRST_YEAR} 至 {last_year()} 之间的报告年度（全国统一格式自 {FIRST_YEAR} 年度起施行，"
        f"最晚可准备明年的报告），实际为 {year}。"
    )


def name_length_problem(unit_code: str, name: str, kind: str = "") -> tuple[int, int] | None:
    """(length, limit) in bytes when the files made for this unit would have names too long for the
    file system, else None. A county on a city's roster (县区) also sends "<stem>-汇总表.xlsx"."""
    stem = f"{unit_code}-{name}" + ("-汇总表" if kind == "县区" else "")
    longest = max(len(stem.encode("utf-8", "surrogatepass")), len(stem.encode("utf-16-le", "surrogatepass")) // 2)
    if longest + TEMP_NAME_EXTRA > MAX_NAME_BYTES:
        return longest + TEMP_NAME_EXTRA, MAX_NAME_BYTES
    return None


def safe_stem(unit: Unit) -> str:
    """The stem of every file made for `unit`, e.g. "QT-青塘镇"; the code keeps it unique and sortable."""
    return f"{unit.code}-{unit.name}"


def load_config(path: Path) -> CountyConfig:
    """Read and check county.toml; relative paths in it resolve against the file's folder."""
    path = Path(path).expanduser().resolve()
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {name}（{path}）。请先按 README.md 的示例写好 county.toml。") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {name}（{path}）：{os_reason(exc)}。") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{name}：文件不是 UTF-8 编码。请用记事本打开，选择“另存为”，编码选“UTF-8”后保存。"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_message(name, text, exc)) from None
    return _Checker(name, path.parent).check(data, path)


# --- TOML syntax errors --------------------------------------------------------------------------

_POSITION = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")

_TOML_HINTS = (
    ("Unescaped '\\'", "Windows 路径请用单引号括起来，例如 inbox = 'D:\\年报\\收件箱'，或把“\\”写成“/”。"),
    ("Illegal character '\\n'", "引号没有在同一行内闭合。"),
    ("Unclosed", "方括号或花括号没有成对。"),
    ("Expected \"'\"", "单引号没有成对。"),
    ("Cannot overwrite a value", "同一个配置项写了两次，请删去多余的一行。"),
    ("Cannot declare", "同一个表头写了两次；每个单位都应以 [[units]]（两层方括号）开头。"),
    ("Invalid value", "值的写法不对：文字要加引号（如 \"青塘镇\"），年份和日期不加引号（如 2024、2025-01-31）。"),
    ("Expected '=' after a key", "每一行应写成“名称 = 值”。"),
    ("Expected newline or end of document", "一行只能写一项；日期应写成 2025-01-31 这样月、日各两位。"),
)


_SINGLE_UNITS = re.compile(r"^[ \t]*\[[ \t]*units[ \t]*\][ \t]*(?:#.*)?$", re.MULTILINE)


def _syntax_message(name: str, text: str, exc: tomllib.TOMLDecodeError) -> str:
    single = _SINGLE_UNITS.search(text)
    if single is not None and "[[units]]" in text.replace(" ", ""):
        # one unit headed [units] among [[units]]: the parser trips over a later, correct line
        line = text.count("\n", 0, single.start()) + 1
        return (f"{name}：第 {line} 行写成了 [units]（一层方括号）。每个单位都应以 [[units]]（两层方括号）开头，"
                "请把这一行改为 [[units]]。")
    detail = str(exc)
    match = _POSITION.search(detail)
    reason = detail[: match.start()] if match else detail
    if match and match.group(1):
        where = f"第 {match.group(1)} 行第 {match.group(2)} 列"
    else:
        where = f"第 {max(len(text.splitlines()), 1)} 行（文件末尾）"
    message = f"{name}：{where}不符合 TOML 格式（{reason}）。"
    for needle, hint in _TOML_HINTS:
        if needle in reason:
            message += hint
            break
    return message


# --- checking the parsed table -------------------------------------------------------------------


class _Checker:
    """Collects every problem of one config file, then raises them together."""

    def __init__(self, name: str, folder: Path):
        self.name = name
        self.folder = folder
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.name}：{text}")

    def check(self, data: dict[str, Any], path: Path) -> CountyConfig:
        self.unknown_keys(data, _TOP_KEYS, "")
        county = self.text(data, "county", "county", required=True, what="县（市、区）名称")
        code = self.text(data, "code", "code", what="本县在上级名册中的单位代码")
        if code is not None and not _CODE_PATTERN.fullmatch(code):
            self.problem(f"code 只能包含英文字母、数字、“-”和“_”，实际为“{code}”。")
        year = self.year(data)
        inbox = self.path(data, "inbox", "收件文件夹", required=True)
        output = self.path(data, "output", "输出文件夹", default="output")
        history = self.path(data, "history", "历年数据文件夹")
        templates = self.path(data, "templates", "Word报告模板文件夹")
        deadline = self.deadline(data, year)
        units = self.units(data)
        self.folders(inbox, output, year)
        if self.problems:
            raise ConfigError("\n".join(self.problems), tuple(self.problems))
        return CountyConfig(
            county=county, year=year, inbox=inbox, output=output, history=history,
            deadline=deadline, units=units, path=path, templates=templates, code=code,
        )

    # Top-level values

    def year(self, data: dict[str, Any]) -> int:
        if "year" not in data:
            self.problem("缺少 year，应为报告年度（整数，如 2024）。")
            return 0
        value = data["year"]
        if not _is_int(value):
            self.problem(f"year 应为整数（如 2024，不加引号），实际为{_describe(value)}。")
            return 0
        problem = year_problem(value, "year")
        if problem:
            self.problem(problem)
        return value

    def path(self, data: dict[str, Any], key: str, what: str, *, required: bool = False, default: str | None = None):
        """A folder; relative to the config file's folder."""
        if key not in data:
            if required:
                self.problem(f"缺少 {key}，应为{what}的路径（带引号的文本，如 \"{what}\"）。")
                return None
            return None if default is None else (self.folder / default).resolve()
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{key} 应为{what}的路径（带引号的文本），实际为{_describe(value)}。")
            return None
        if any(ord(ch) < 32 for ch in value):
            # "D:\new" in double quotes is D: + newline + "ew": TOML read the backslash as an escape.
            self.problem(
                f"{key} 中含有换行或制表符等控制字符，实际为{_describe(value)}。"
                f"Windows 路径请用单引号括起来，例如 {key} = 'D:\\年报\\{what}'。"
            )
            return None
        return Path(joined_path(self.folder, os.path.expanduser(value))).resolve()

    def folders(self, inbox: Path | None, output: Path | None, year: int) -> None:
        """The run reads the inbox and writes the output folder: neither may hold the other, or the
        next run would read its own outputs as reports (and a run could overwrite a returned file)."""
        if inbox is None or output is None:
            return
        if _inside(output, inbox):
            same = "就是" if _same(output, inbox) else "在"
            where = "" if _same(output, inbox) else "之中"
            self.problem(
                f"输出文件夹 output（{output}）{same}收件文件夹 inbox（{inbox}）{where}，下次运行会把输出的文件当作各单位的报告读取。"
                "请把 output 改为收件文件夹以外的文件夹（如 output = \"输出\"）。"
            )
        elif year and _inside(inbox, output / str(year)):
            self.problem(
                f"收件文件夹 inbox（{inbox}）在输出文件夹的 {year} 年度文件夹（{output / str(year)}）之中，"
                "运行时输出的文件会和各单位的报告混在一起。请把收件文件夹移到输出文件夹以外。"
            )

    def deadline(self, data: dict[str, Any], year: int) -> datetime.date | None:
        if "deadline" not in data:
            return None
        value = data["deadline"]
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            # Reports on a year are due the next January; an earlier date is last year's, left unchanged.
            if year and value.year <= year:
                self.problem(
                    f"deadline 应在报告年度 {year} 年之后（如 {year + 1}-01-31），实际为 {value.isoformat()}。"
                )
            return value
        self.problem(f"deadline 应为日期（如 2025-01-31，不加引号），实际为{_describe(value)}。")
        return None

    def units(self, data: dict[str, Any]) -> tuple[Unit, ...]:
        if "units" not in data:
            self.problem("缺少 [[units]]，应至少列出一个填报单位。")
            return ()
        entries = data["units"]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            self.problem(f"units 应为单位列表（每个单位以 [[units]] 开头），实际为{_describe(entries)}。")
            return ()
        if not entries:
            self.problem("units 应至少列出一个填报单位，实际为空列表。")
            return ()
        units = []
        for number, entry in enumerate(entries, start=1):
            unit = self.unit(entry, f"units[{number}]")
            if unit is not None:
                units.append((f"units[{number}]", unit))
        self.unique(units)
        return tuple(unit for _, unit in units)

    # One unit

    def unit(self, entry: dict[str, Any], where: str) -> Unit | None:
        before = len(self.problems)
        self.unknown_keys(entry, _UNIT_KEYS, where)
        code = self.text(entry, "code", f"{where}.code", required=True, what="单位代码（英文字母、数字、“-”或“_”）")
        if code is not None and not _CODE_PATTERN.fullmatch(code):
            self.problem(f"{where}.code 只能包含英文字母、数字、“-”和“_”，实际为“{code}”。")
        name = self.text(entry, "name", f"{where}.name", required=True, what="单位简称（用于文件名）")
        if name is not None:
            self.check_name(name, f"{where}.name")
        full_name = self.text(entry, "full_name", f"{where}.full_name", what="单位全称")
        kind = self.text(entry, "kind", f"{where}.kind", required=True, what=KINDS_TEXT)
        if kind is not None and kind not in KINDS:
            self.problem(f"{where}.kind 应为{KINDS_TEXT}，实际为“{kind}”。")
        aliases = self.aliases(entry, f"{where}.aliases")
        if len(self.problems) == before:
            self.check_name_length(code, name, kind, f"{where}.name")
        if len(self.problems) > before:
            return None
        return Unit(code=code, name=name, full_name=full_name or name, kind=kind, aliases=aliases)

    def check_name(self, name: str, key: str) -> None:
        bad = sorted({ch for ch in name if ch in ILLEGAL_NAME_CHARS or ord(ch) < 32}, key=name.index)
        if bad:
            shown = " ".join(ch if ord(ch) >= 32 else repr(ch) for ch in bad)
            self.problem(f"{key} 不能包含文件名中不允许的字符 {shown}，实际为“{name}”。")
        elif name != name.strip():
            self.problem(f"{key} 前后不能有空格，实际为“{name}”。")

    def check_name_length(self, code: str, name: str, kind: str, key: str) -> None:
        too_long = name_length_problem(code, name, kind)
        if too_long:
            length, limit = too_long
            self.problem(
                f"{key} “{name}”太长：为该单位生成的文件名（如“{code}-{name}.docx”，连同保存时的临时文件名）"
                f"有 {length} 字节，超过了文件系统对一个文件名 {limit} 字节的上限，无法保存。"
                "请把单位简称缩短（一个汉字占 3 字节，简称一般不超过 20 个字），全称写在 full_name 中。"
            )

    def aliases(self, entry: dict[str, Any], key: str) -> tuple[str, ...]:
        if "aliases" not in entry:
            return ()
        value = entry["aliases"]
        if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
            self.problem(f"{key} 应为文本列表（如 [\"青塘\", \"青塘乡\"]），实际为{_describe(value)}。")
            return ()
        return tuple(value)

    def unique(self, units: list[tuple[str, Unit]]) -> None:
        """Codes and names are unique; an alias must not name another unit (it would be ambiguous)."""
        first_code: dict[str, str] = {}
        first_name: dict[str, str] = {}
        for where, unit in units:
            if unit.code in first_code:
                self.problem(f"{where}.code “{unit.code}”与 {first_code[unit.code]} 重复，每个单位的代码应唯一。")
            else:
                first_code[unit.code] = where
            if unit.name in first_name:
                self.problem(f"{where}.name “{unit.name}”与 {first_name[unit.name]} 重复，每个单位的简称应唯一。")
            else:
                first_name[unit.name] = where
        # Which unit each name, full name and alias points to (first claim wins).
        owner: dict[str, tuple[str, Unit]] = {}
        for where, unit in units:
            for label in (unit.name, unit.full_name):
                owner.setdefault(label, (where, unit))
        for where, unit in units:
            for alias in unit.aliases:
                other_where, other = owner.setdefault(alias, (where, unit))
                if other is not unit:
                    self.problem(
                        f"{where}.aliases 中的“{alias}”已用于 {other_where}（{other.name}），"
                        "一个名称只能对应一个单位。"
                    )

    # Shared helpers

    def unknown_keys(self, table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in table:
            if key in allowed:
                continue
            full = f"{where}.{key}" if where else key
            guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"是否应为 {guess[0]}？" if guess else ""
            self.problem(f"{full} 不是可用的配置项（可用：{'、'.join(allowed)}）。{hint}")

    def text(self, table: dict[str, Any], key: str, full: str, *, required: bool = False, what: str) -> str | None:
        if key not in table:
            if required:
                self.problem(f"缺少 {full}，应为{what}。")
            return None
        value = table[key]
        if not isinstance(value, str):
            self.problem(f"{full} 应为{what}（带引号的文本），实际为{_describe(value)}。")
            return None
        if not value.strip():
            self.problem(f"{full} 不能为空，应为{what}。")
            return None
        return value


def joined_path(folder: PurePath, value: str) -> PurePath:
    """`value` from county.toml against the config's folder, in the path flavour of `folder`. A Windows
    path ("D:\\年报\\收件箱", "..\\收件箱") keeps its drive and its backslashes as separators on Windows;
    elsewhere backslashes of a relative path are read as separators too (a config written on Windows)."""
    flavour = type(folder)
    if not isinstance(folder, PureWindowsPath) and "\\" in value and not _is_windows_absolute(value):
        value = value.replace("\\", "/")
    return folder / flavour(value)


def _is_windows_absolute(value: str) -> bool:
    return bool(re.match(r"^(?:[A-Za-z]:[\\/]|\\\\)", value))


def _inside(path: Path, folder: Path) -> bool:
    """`path` is `folder` or lies under it (case-insensitive where the file system is, on Windows)."""
    return Path(os.path.normcase(path)).is_relative_to(Path(os.path.normcase(folder)))


def _same(a: Path, b: Path) -> bool:
    return os.path.normcase(a) == os.path.normcase(b)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    """How a TOML value reads to a clerk, e.g. 文本“2024”, 整数 2024."""
    if isinstance(value, bool):
        return f"布尔值 {'true' if value else 'false'}"
    if isinstance(value, str):
        return f"文本“{value}”" if value.isprintable() else f"文本 {value!r}"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float):
        return f"小数 {value}"
    if isinstance(value, datetime.datetime):
        return f"日期时间 {value.isoformat()}"
    if isinstance(value, datetime.date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, datetime.time):
        return f"时间 {value.isoformat()}"
    if isinstance(value, list):
        return "列表" if not value else f"列表 {_short(value)}"
    if isinstance(value, dict):
        return "表（[...] 段落）"
    return repr(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
