"""What a clerk types into a number cell: accepted with a 提示, or refused with the exact 说明."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.findings import TYPES
from pipeline.forms.spec import CellKind
from pipeline.workbook.values import BOUNDS, parse_number

COUNT, SIGNED, WAN, AMOUNT = CellKind.COUNT, CellKind.SIGNED, CellKind.AMOUNT_WAN, CellKind.AMOUNT

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def refused(raw, kind, problem, detail, suggestion=None):
    parsed = parse_number(raw, kind)
    assert (parsed.value, parsed.problem, parsed.detail, parsed.notice, parsed.suggestion) == (
        None, problem, detail, "", suggestion,
    )
    assert problem in TYPES  # every refusal is a finding type with a Chinese title


def accepted(raw, kind, value, notice=""):
    parsed = parse_number(raw, kind)
    assert (parsed.value, parsed.problem, parsed.detail, parsed.notice) == (Decimal(value), "", "", notice)
    return parsed.value


# --- nothing, or a placeholder instead of 0 ------------------------------------------------------


def test_blank_cell():
    refused(None, COUNT, "blank", "单元格为空。无数据请填0")


@pytest.mark.parametrize("raw", ["   ", "\u3000", " \u3000 ", "\t"])
def test_whitespace_only(raw):
    refused(raw, COUNT, "blank", "单元格中只有空格。无数据请填0")


@pytest.mark.parametrize("raw", ["/", "-", "—", "无", "——", "－", " / ", "N/A"])
def test_placeholders_are_refused(raw):
    shown = raw.strip()
    refused(raw, COUNT, "placeholder", f"填写的是“{shown}”。无数据请填0，不要用“/”“-”“无”等符号代替")


def test_a_placeholder_in_an_amount_cell():
    refused("/", WAN, "placeholder", "填写的是“/”。无数据请填0，不要用“/”“-”“无”等符号代替")


# --- units and words in a number: refused, the number quoted, never converted ---------------------


def test_count_with_a_unit_word_suggests_the_number():
    refused("6件", COUNT, "unit-in-number", "填写的是“6件”，数字单元格中不能带单位或文字，请改为 6", Decimal(6))


def test_yuan_in_a_wan_cell_is_never_converted():
    parsed = parse_number("251000元", WAN)
    refused(
        "251000元", WAN, "unit-in-number",
        "填写的是“251000元”，数字单元格中不能带单位或文字；本单元格以万元为单位，请换算成万元后只填写数字",
    )
    assert parsed.suggestion is None  # not 25.1: a unit is never guessed


def test_wan_yuan_written_out_in_a_wan_cell():
    refused(
        "20.001万元", WAN, "unit-in-number",
        "填写的是“20.001万元”，数字单元格中不能带单位或文字，请改为 20.001", Decimal("20.001"),
    )


def test_a_word_that_is_not_a_count_unit_gets_no_suggestion():
    refused("6人", COUNT, "unit-in-number", "填写的是“6人”，数字单元格中不能带单位或文字，请只填写数字")


def test_words_without_a_number():
    refused("见附件", COUNT, "not-a-number", "填写的是“见附件”，不是数字。请填写阿拉伯数字，无数据请填0")


# --- accepted with a 提示 ------------------------------------------------------------------------


def test_full_width_digits():
    accepted("１２", COUNT, 12, "原值“１２”：全角数字已转为半角")


def test_thousands_separator():
    accepted("1,200", COUNT, 1200, "原值“1,200”：去掉了千位分隔符")


def test_surrounding_spaces():
    accepted(" 5 ", COUNT, 5, "原值“ 5 ”：去掉了前后空格")


def test_number_stored_as_text():
    accepted("5", COUNT, 5, "原值“5”：数字以文本形式保存，已按数字读取")
    accepted("12.5", AMOUNT, "12.5", "原值“12.5”：数字以文本形式保存，已按数字读取")


def test_plain_numbers_need_no_notice():
    assert accepted(5, COUNT, 5) == 5
    assert accepted(5.0, COUNT, 5) == 5
    assert accepted(0, COUNT, 0) == 0
    assert accepted(12.5, AMOUNT, "12.5") == Decimal("12.5")
    assert accepted(0.25, WAN, "0.25") == Decimal("0.25")
    assert accepted(Decimal("0.123456"), WAN, "0.123456") == Decimal("0.123456")  # six decimals are fine


def test_full_width_comma_is_not_called_a_full_width_digit():
    accepted("1，200", COUNT, 1200, "原值“1，200”：去掉了千位分隔符")


# --- numbers that cannot be right ----------------------------------------------------------------


def test_fraction_in_a_count():
    refused(2.5, COUNT, "not-integer", "填写的是 2.5，这里应为整数（件数、数量不能有小数）")
    refused("2.50", COUNT, "not-integer", "填写的是 2.5，这里应为整数（件数、数量不能有小数）")


def test_negative_count():
    refused(-1, COUNT, "negative", "填写的是 -1，这里不能为负数")


def test_negative_amount():
    refused(-0.5, WAN, "negative", "填写的是 -0.5，这里不能为负数")


def test_negative_change_in_a_signed_cell_is_fine():
    assert accepted(-18, SIGNED, -18) == -18
    accepted("-18", SIGNED, -18, "原值“-18”：数字以文本形式保存，已按数字读取")


def test_fraction_in_a_signed_cell():
    refused(-1.5, SIGNED, "not-integer", "填写的是 -1.5，这里应为整数（件数、数量不能有小数）")


def test_typographic_minus_keeps_its_sign():
    parsed = parse_number("−18", SIGNED)
    assert parsed.value == -18 or parsed.suggestion == -18


def test_too_large():
    refused(99999999, COUNT, "too-large", "填写的是 99999999，超出合理范围（不超过 10000000），请核对是否多打了数字")
    assert accepted(BOUNDS[COUNT], COUNT, BOUNDS[COUNT]) == 10_000_000
    refused(
        1_000_001, WAN, "too-large",
        "填写的是 1000001，超出合理范围（不超过 1000000），请核对是否多打了数字；金额请以万元为单位填写",
    )


def test_seven_decimals_in_a_wan_cell():
    refused(0.1234567, WAN, "too-many-decimals", "填写的是 0.1234567，最多保留6位小数")
    refused("0.1234567", WAN, "too-many-decimals", "填写的是 0.1234567，最多保留6位小数")


def test_three_decimals_in_an_amount_cell():
    refused(12.345, AMOUNT, "too-many-decimals", "填写的是 12.345，最多保留2位小数")


@pytest.mark.parametrize("raw", [dt.date(2025, 1, 6), dt.datetime(2025, 1, 6, 0, 0), dt.time(6, 0)])
def test_a_date(raw):
    refused(raw, COUNT, "date-in-number", "单元格内容被识别为日期，请把单元格格式设为“常规”后重新填写数字")


def test_true_and_false():
    refused(True, COUNT, "not-a-number", "填写的是“TRUE”，不是数字")
    refused(False, COUNT, "not-a-number", "填写的是“FALSE”，不是数字")


@pytest.mark.parametrize("kind", [COUNT, AMOUNT])
def test_non_finite_numbers_are_refused_not_raised(kind):
    for raw in (float("inf"), float("nan")):
        assert parse_number(raw, kind).value is None


# --- properties ------------------------------------------------------------------------------------

COUNTS = st.integers(min_value=0, max_value=int(BOUNDS[COUNT]))


@settings(max_examples=150, deadline=None)
@given(COUNTS)
def test_any_count_parses_to_itself(n):
    assert parse_number(n, COUNT).value == n
    assert parse_number(n, COUNT).notice == ""
    as_text = parse_number(str(n), COUNT)
    assert as_text.value == n and as_text.notice == f"原值“{n}”：数字以文本形式保存，已按数字读取"
    full = str(n).translate(FULL_WIDTH)
    as_full = parse_number(full, COUNT)
    assert as_full.value == n and as_full.notice == f"原值“{full}”：全角数字已转为半角"


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=int(BOUNDS[COUNT]) + 1, max_value=10**15))
def test_any_count_above_the_bound_is_too_large(n):
    parsed = parse_number(n, COUNT)
    assert (parsed.value, parsed.problem) == (None, "too-large")


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=-(10**6), max_value=-1))
def test_any_negative_count_is_refused_and_any_signed_accepted(n):
    assert parse_number(n, COUNT).problem == "negative"
    assert parse_number(n, SIGNED).value == n


# --- numbers no arithmetic should ever see (issue 12: each of these used to raise) ------------------


@pytest.mark.parametrize("raw, shown", [
    ("1e5000", "1E+5000"),
    ("1E9999999", "1E+9999999"),
    ("-1E+999999999", "-1E+999999999"),
    (1e308, "1E+308"),
])
def test_huge_exponents_are_too_large(raw, shown):
    refused(raw, SIGNED, "too-large", f"填写的是 {shown}，超出合理范围（不超过 10000000），请核对是否多打了数字")


def test_a_digit_run_beyond_the_int_string_limit_is_too_large():
    digits = "9" * 4301
    refused(digits, COUNT, "too-large",
            f"填写的是 {'9' * 40}…（共 4301 个字符），超出合理范围（不超过 10000000），请核对是否多打了数字")


def test_a_huge_count_with_a_unit_word_is_too_large_without_a_suggestion():
    parsed = parse_number("9" * 5000 + "件", COUNT)
    assert (parsed.value, parsed.problem, parsed.suggestion) == (None, "too-large", None)
    parsed = parse_number("共" + "9" * 30 + "件", COUNT)
    assert (parsed.value, parsed.problem, parsed.suggestion) == (None, "too-large", None)


def test_tiny_exponents_are_fractions():
    refused("1e-9999999", COUNT, "not-integer", "填写的是 1E-9999999，这里应为整数（件数、数量不能有小数）")
    refused("1e-9999999", WAN, "too-many-decimals", "填写的是 1E-9999999，最多保留6位小数")


def test_zero_with_any_exponent_is_zero():
    assert accepted("0e5000", COUNT, 0, "原值“0e5000”：数字以文本形式保存，已按数字读取") == 0


def test_a_long_text_is_quoted_shortened():
    parsed = parse_number("不详" * 1000, COUNT)
    assert parsed.problem == "not-a-number" and "…（共 2000 个字符）" in parsed.detail and len(parsed.detail) < 120


NUMBERISH = st.one_of(
    st.text(),
    st.text(alphabet="0123456789eE+-.,，０１２３４５６７８９ 件元万/", max_size=6000),
    st.from_regex(r"[+-]?\d{1,5000}(\.\d{0,40})?([eE][+-]?\d{1,12})?", fullmatch=True),
    st.integers(), st.floats(), st.decimals(), st.booleans(), st.none(),
)


def _never_raises(raw):
    for kind in (COUNT, SIGNED, WAN, AMOUNT):
        parsed = parse_number(raw, kind)
        if parsed.value is None:
            assert parsed.problem in TYPES and parsed.detail and len(parsed.detail) < 400
        else:
            assert abs(parsed.value) <= BOUNDS[kind]


@settings(max_examples=60, deadline=None)
@given(NUMBERISH)
def test_any_cell_value_is_accepted_or_refused_never_raised(raw):
    _never_raises(raw)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None)
@given(NUMBERISH)
def test_any_cell_value_is_accepted_or_refused_never_raised_long(raw):
    _never_raises(raw)
