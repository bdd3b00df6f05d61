"""What a clerk typed into a number cell, turned into a number or a precise complaint.

Accepted with a notice: full-width digits, thousands separators, surrounding spaces, a number stored
as text. Refused: blank, placeholders ("/", "-", "无" …), units or words in the number, fractions in
a count, negative counts, implausibly large numbers. A unit is never guessed: "251000元" in a 万元
cell is refused with the number quoted, not divided by 10,000.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..forms.spec import CellKind

PLACEHOLDERS = {"/", "\\", "-", "--", "—", "——", "–", "－", "−", "无", "空", "暂无", "没有", "n/a", "na", "null", "none", "x", "×", "*"}

# A number followed (or preceded) by words: "6件", "251000元", "20.001万元", "共6件", "约5".
UNIT_PATTERN = re.compile(r"^\D{0,4}?([+-]?\d+(?:\.\d+)?)\s*([^\d\s.].{0,8})?$")

# Generous upper bounds: anything above is a typing slip (or a number in 元 in a 万元 cell).
BOUNDS = {
    CellKind.COUNT: Decimal(10_000_000),
    CellKind.SIGNED: Decimal(10_000_000),
    CellKind.AMOUNT_WAN: Decimal(1_000_000),  # 100亿元
    CellKind.AMOUNT: Decimal(100_000_000_000),
}


# Beyond any bound above: such numbers are refused before any arithmetic (no int-string limit, no
# decimal.Overflow), and texts longer than MAX_NUMBER_TEXT are never converted at all.
MAX_MAGNITUDE = 15  # decimal exponent of the largest number looked at
MAX_NUMBER_TEXT = 64  # characters
NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Parsed:
    value: Decimal | None  # the accepted number, None when refused
    problem: str = ""  # a finding type (see findings.TYPES) when refused
    detail: str = ""  # Chinese: what was wrong and what to write instead
    notice: str = ""  # Chinese: what was normalised when accepted
    suggestion: Decimal | None = None  # the number the clerk probably meant (never unit-converted)


def parse_number(raw: object, kind: CellKind) -> Parsed:
    """Interpret a cell value for a number cell of `kind`."""
    if type(raw) is int or type(raw) is float:
        return _parse_stored(raw, type(raw), kind)
    return _parse_value(raw, kind)


@functools.lru_cache(maxsize=4096)
def _parse_stored(raw: int | float, raw_type: type, kind: CellKind) -> Parsed:
    """A number as the workbook stored it: the same few recur in every file. Keyed by its type
    too, as 1 == 1.0 but they do not read alike."""
    return _parse_value(raw, kind)


def _parse_value(raw: object, kind: CellKind) -> Parsed:
    if raw is None:
        return Parsed(None, "blank", "单元格为空。无数据请填0")
    if isinstance(raw, bool):
        return Parsed(None, "not-a-number", f"填写的是“{'TRUE' if raw else 'FALSE'}”，不是数字")
    if isinstance(raw, (dt.datetime, dt.date, dt.time)):
        return Parsed(None, "date-in-number", "单元格内容被识别为日期，请把单元格格式设为“常规”后重新填写数字")
    if isinstance(raw, float) and not math.isfinite(raw):
        return Parsed(None, "not-a-number", "单元格中是无效的数值（如 #NUM! 或无穷大），请填写数字")
    if isinstance(raw, (int, float, Decimal)):
        number = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
        if not number.is_finite():
            return Parsed(None, "not-a-number", "单元格中是无效的数值，请填写数字")
        return _check(number, kind, "")
    return _parse_text(str(raw), kind)


def _parse_text(text: str, kind: CellKind) -> Parsed:
    original = text
    stripped = text.strip().strip("\u3000").strip()
    if stripped == "":
        detail = "单元格为空" if original == "" else "单元格中只有空格"
        return Parsed(None, "blank", f"{detail}。无数据请填0")
    if stripped.lower() in PLACEHOLDERS:
        return Parsed(None, "placeholder", f"填写的是“{stripped}”。无数据请填0，不要用“/”“-”“无”等符号代替")
    # U+2212 (minus sign) and U+FF0D (full-width hyphen) arrive when numbers are pasted from Word or PDF
    normalized = unicodedata.normalize("NFKC", stripped).replace("\u2212", "-")
    notes = []
    if stripped != original:
        notes.append("去掉了前后空格")
    if " " in normalized:
        normalized = normalized.replace(" ", "")
        notes.append("去掉了数字中的空格")
    if any("\uff10" <= ch <= "\uff19" for ch in stripped):
        notes.append("全角数字已转为半角")
    if "\u2212" in stripped or "\uff0d" in stripped:
        notes.append("负号已转为半角")
    if re.fullmatch(r"[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?", normalized):
        normalized = normalized.replace(",", "").replace("，", "")
        notes.append("去掉了千位分隔符")
    if len(normalized) > MAX_NUMBER_TEXT:
        if NUMBER_TEXT.fullmatch(normalized) or re.fullmatch(r"\D{0,4}?[+-]?\d+.{0,9}", normalized):
            return _too_large(stripped, kind)
        return Parsed(None, "not-a-number", f"填写的是“{_short(stripped)}”，不是数字。请填写阿拉伯数字，无数据请填0")
    try:
        number = Decimal(normalized)
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        return _words(stripped, normalized, kind)
    notice = "；".join(notes) if notes else "数字以文本形式保存，已按数字读取"
    return _check(number, kind, f"原值“{original}”：{notice}")


COUNT_WORDS = ("件", "个", "项", "次", "条", "份", "家", "起", "宗")


def _words(stripped: str, normalized: str, kind: CellKind) -> Parsed:
    match = UNIT_PATTERN.match(normalized.replace(",", "").replace("，", ""))
    if not match or not (match.group(2) or not normalized[0].isdigit()):
        return Parsed(None, "not-a-number", f"填写的是“{_short(stripped)}”，不是数字。请填写阿拉伯数字，无数据请填0")
    if len(match.group(1)) > MAX_NUMBER_TEXT:
        return _too_large(stripped, kind)
    number, words = Decimal(match.group(1)), (match.group(2) or "")
    if number != 0 and number.adjusted() > MAX_MAGNITUDE:
        return _too_large(stripped, kind)
    head = f"填写的是“{stripped}”，数字单元格中不能带单位或文字"
    if kind is CellKind.AMOUNT_WAN and "元" in words and "万" not in words:
        return Parsed(None, "unit-in-number", f"{head}；本单元格以万元为单位，请换算成万元后只填写数字")
    if kind.is_integer and words and not any(w in words for w in COUNT_WORDS):
        return Parsed(None, "unit-in-number", f"{head}，请只填写数字")
    return Parsed(None, "unit-in-number", f"{head}，请改为 {_plain(number)}", suggestion=number)


def _check(number: Decimal, kind: CellKind, notice: str) -> Parsed:
    if number == 0:
        number = Decimal(0)  # "0e5000" is 0
    elif number.adjusted() > MAX_MAGNITUDE:
        return _too_large(_plain(number), kind)
    elif number.adjusted() < -MAX_MAGNITUDE:
        if kind.is_integer:
            return Parsed(None, "not-integer", f"填写的是 {_plain(number)}，这里应为整数（件数、数量不能有小数）")
        return Parsed(None, "too-many-decimals", f"填写的是 {_plain(number)}，最多保留{kind.max_decimals}位小数")
    if kind.is_integer and number != number.to_integral_value():
        return Parsed(None, "not-integer", f"填写的是 {_plain(number)}，这里应为整数（件数、数量不能有小数）")
    if number < 0 and not kind.allows_negative:
        return Parsed(None, "negative", f"填写的是 {_plain(number)}，这里不能为负数")
    if abs(number) > BOUNDS[kind]:
        hint = "；金额请以万元为单位填写" if kind is CellKind.AMOUNT_WAN else ""
        return Parsed(None, "too-large", f"填写的是 {_plain(number)}，超出合理范围（不超过 {_plain(BOUNDS[kind])}），请核对是否多打了数字{hint}")
    if not kind.is_integer:
        exponent = number.normalize().as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if decimals > kind.max_decimals:
            return Parsed(None, "too-many-decimals", f"填写的是 {_plain(number)}，最多保留{kind.max_decimals}位小数")
    value = number.to_integral_value() if kind.is_integer else number
    return Parsed(value, notice=notice)


def _too_large(text: str, kind: CellKind) -> Parsed:
    hint = "；金额请以万元为单位填写" if kind is CellKind.AMOUNT_WAN else ""
    return Parsed(None, "too-large", f"填写的是 {_short(text)}，超出合理范围（不超过 {_plain(BOUNDS[kind])}），请核对是否多打了数字{hint}")


def _short(text: str, limit: int = 40) -> str:
    """A long text as a message quotes it: its beginning and its length."""
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 个字符）"


def _plain(number: Decimal) -> str:
    if number.is_finite() and number != 0 and abs(number.adjusted()) > 2 * MAX_MAGNITUDE:
        return format(number, "E")  # never expanded into thousands of digits
    number = number.normalize() if number != 0 else Decimal(0)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f")
