"""Indicators for superiors (issue 11): 实质公开率, 不予公开率, 复议纠错率, 诉讼纠错率, 收费金额, per
unit and for the county, a ranking, and the peer comparison (rule P1), as sheets of 汇总表.xlsx and
as plain-language sentences of 汇总报告.docx.

Computed with pandas over the long-form values of the units that passed (as data.csv holds them);
every figure is exact: amounts are Decimal sums, rates are Decimal quotients rounded half-up to
0.01 % (four decimals) once, when stored.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .findings import fmt_number
from .forms.spec import Form
from .summary.style import BODY_FONT, BORDER, CENTER, HEADER_FILL, LEFT, TOTAL_FILL
from .workbook import sheetdata
from .workbook.cells import plain_number, print_setup, wrapped_lines, write_cell

INDICATOR_SHEET = "指标"
RANKING_SHEET = "排名"
PEERS_SHEET = "同类单位比较"
INDICATOR_SHEETS = (INDICATOR_SHEET, RANKING_SHEET, PEERS_SHEET)

RATE_PLACES = Decimal("0.0001")
PERCENT_FORMAT = "0.00%"
AMOUNT_FORMAT = "0.00####"


@dataclass(frozen=True)
class Indicator:
    name: str
    numerator: tuple[str, ...]  # cell keys summed
    denominator: tuple[str, ...] = ()  # empty: an amount, not a rate
    definition: str = ""

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)


def indicators(form: Form) -> tuple[Indicator, ...]:
    """The indicators of a format (收费金额 only where the format has the amount: 2021)."""
    refused = tuple(c.key for c in form.table("t3").cells if c.key.startswith("t3.refused_") and c.key.endswith(".total"))
    suits = ("t4.suit_direct", "t4.suit_after_review")
    items = [
        Indicator("实质公开率", ("t3.disclosed.total", "t3.partial.total"), ("t3.total.total",),
                  "（予以公开＋部分公开）÷ 本年度办理结果（七）总计（表三“总计”列）。"),
        Indicator("不予公开率", refused, ("t3.total.total",),
                  "（三）不予公开各项之和 ÷ 本年度办理结果（七）总计（表三“总计”列）。"),
        Indicator("复议纠错率", ("t4.review.corrected",), ("t4.review.total",),
                  "行政复议“结果纠正”÷ 行政复议总计（表四）。"),
        Indicator("诉讼纠错率", tuple(f"{s}.corrected" for s in suits), tuple(f"{s}.total" for s in suits),
                  "行政诉讼（未经复议直接起诉＋复议后起诉）“结果纠正”÷ 行政诉讼总计（表四）。"),
    ]
    if form.has_cell("t2.fees.amount"):
        items.append(Indicator("收费金额（万元）", ("t2.fees.amount",), (),
                               "表二第二十条第（八）项行政事业性收费的本年收费金额，单位万元，按填报数字精确相加。"))
    return tuple(items)


def _passed_by_code(result) -> list:
    return sorted(result.passed(), key=lambda u: u.unit.code)


def indicator_table(result):
    """One row per unit that passed and a last row for the county (unit_code ""): the unit's code,
    name, kind, 办理结果总计, then for each indicator its numerator, denominator and value (Decimal,
    None for a rate whose denominator is 0). A pandas DataFrame."""
    import pandas as pd

    items = indicators(result.form)
    keys = sorted({k for i in items for k in i.numerator + i.denominator} | {"t3.total.total"})
    # every unit that passed with any value, a row of the cells the indicators use (None: a cell
    # it lacks), made a unit at a time: the long form of a county's cells pivoted into this table
    # took some 5 KiB a unit of the worker's memory (20 MiB at 4,000 units)
    units, rows = [], []
    for u in _passed_by_code(result):
        values = u.submission.values
        if values:
            units.append((u.unit.code, u.unit.name, u.unit.kind))
            rows.append([None if values.get(k) is None else Decimal(values[k]) for k in keys])
    units = pd.DataFrame(units, columns=["unit_code", "unit", "kind"]).set_index("unit_code")
    wide = pd.DataFrame(rows, index=units.index, columns=keys, dtype=object)
    county = {k: sum((v for v in wide[k] if v is not None and v == v), Decimal(0)) for k in keys}
    # built a column at a time, a unit's values as a dict one unit at a time (a dict per row of a
    # thousand-unit county, and a Series per unit, cost megabytes and time)
    columns: dict[str, list] = {"unit_code": [], "unit": [], "kind": [], "outcomes": []}
    for item in items:
        names = [f"{item.name}.numerator", f"{item.name}.denominator", item.name] if item.is_rate else [item.name]
        columns.update((name, []) for name in names)
    each = ((code, dict(zip(keys, values)), name, kind) for code, values, name, kind
            in zip(wide.index, wide.itertuples(index=False, name=None), units["unit"], units["kind"]))
    for code, values, name, kind in itertools.chain(each, [("", county, "全县合计", "")]):
        columns["unit_code"].append(code)
        columns["unit"].append(name)
        columns["kind"].append(kind)
        columns["outcomes"].append(_sum(values, ("t3.total.total",)))
        for item in items:
            numerator = _sum(values, item.numerator)
            if item.is_rate:
                denominator = _sum(values, item.denominator)
                columns[f"{item.name}.numerator"].append(numerator)
                columns[f"{item.name}.denominator"].append(denominator)
                columns[item.name].append(rate(numerator, denominator))
            else:
                columns[item.name].append(numerator)
    return pd.DataFrame(columns, dtype=object)


def _sum(values, keys: Sequence[str]) -> Decimal:
    total = Decimal(0)
    for key in keys:
        value = values.get(key)
        if value is not None and value == value:  # NaN (a key the unit lacks) is not a number
            total += Decimal(value)
    return total


def rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator ÷ denominator rounded half-up to four decimals (0.01 %); None when nothing to divide."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def percent(value: Decimal | None) -> str:
    """0.8571 → "85.71%"; None → "—"."""
    if value is None:
        return "—"
    return f"{fmt_number((value * 100).quantize(Decimal('0.01')))}%"


def ranking(result, table=None):
    """The units that passed ranked by 实质公开率 (high first; ties by 办理结果总计, more first, then
    code); a unit without finished applications has no rate and no rank. A DataFrame with "rank".
    `table`: the run's `indicator_table`, when the caller has it already."""
    import pandas as pd

    if table is None:
        table = indicator_table(result)
    units = table[table["unit_code"] != ""]
    rates, outcomes, codes = list(units["实质公开率"]), list(units["outcomes"]), list(units["unit_code"])
    positions = range(len(codes))
    ranked = sorted((i for i in positions if rates[i] is not None), key=lambda i: (-rates[i], -outcomes[i], codes[i]))
    rest = sorted((i for i in positions if rates[i] is None), key=lambda i: codes[i])
    frame = units.iloc[ranked + rest].reset_index(drop=True)
    frame["rank"] = pd.Series(list(range(1, len(ranked) + 1)) + [None] * len(rest), dtype=object)
    return frame


# --- the workbook ----------------------------------------------------------------------------


def add_indicator_sheets(workbook, result, peer_findings: Sequence | None = None, *, compact: bool = False) -> None:
    """Add 指标, 排名 and 同类单位比较 to the summary workbook. `peer_findings` default: the run's P1
    findings. With `compact`, the sheets' cells are kept as `sheetdata.compact` keeps them (for
    saving, not for looking at the cells)."""
    items = indicators(result.form)
    table = indicator_table(result)
    _indicator_sheet(workbook.create_sheet(INDICATOR_SHEET), items, table, compact)
    _ranking_sheet(workbook.create_sheet(RANKING_SHEET), items, ranking(result, table), compact)
    peers = peer_findings if peer_findings is not None else [f for f in result.findings if f.rule == "P1"]
    _peers_sheet(workbook.create_sheet(PEERS_SHEET), result, peers, compact)


# The fonts of the sheets, made once: the workbook's style registry knows each by identity (see
# pipeline/workbook/styles.py). bold=False is not the same font as no bold given (b="0" is written).
_FONT = Font(name=BODY_FONT, size=10)
_BOLD_FONTS = {flag: Font(name=BODY_FONT, size=10, bold=flag) for flag in (False, True)}
_NOTE_FONT = Font(name=BODY_FONT, size=10, color="595959")
_HEADING_FONT = Font(name=BODY_FONT, size=11, bold=True)


def _records(table):
    """`table.to_dict("records")`, a row's dict at a time."""
    columns = list(table.columns)
    for values in table.itertuples(index=False, name=None):
        yield dict(zip(columns, values))


def _header(ws, row: int, headers: Sequence[tuple[str, float]]) -> None:
    for col, (text, width) in enumerate(headers, start=1):
        write_cell(ws, row, col, text, _BOLD_FONTS[True], CENTER, HEADER_FILL, border=BORDER)
        ws.column_dimensions[get_column_letter(col)].width = width
    # a header that wraps ("实质公开率分子" in 9 characters) gets the lines it needs: office suites
    # do not grow the row, and the text ran over the first unit's row when printed
    lines = max(wrapped_lines(text, width) for text, width in headers)
    if lines > 1:
        ws.row_dimensions[row].height = 14.0 * lines + 2


def _value_cell(ws, row: int, col: int, value, item: Indicator | None, bold: bool = False) -> None:
    font = _BOLD_FONTS[bool(bold)]
    if value is None:
        write_cell(ws, row, col, "—", font, CENTER, border=BORDER)
        return
    number_format = PERCENT_FORMAT if item is not None and item.is_rate else (AMOUNT_FORMAT if item else "0")
    write_cell(ws, row, col, plain_number(value), font, CENTER, border=BORDER, number_format=number_format)


def _indicator_sheet(ws, items: Sequence[Indicator], table, compact: bool = False) -> None:
    headers = [("单位代码", 10), ("单位", 18), ("类别", 8), ("办理结果总计", 10)]
    for item in items:
        if item.is_rate:
            headers += [(f"{item.name}分子", 9), (f"{item.name}分母", 9), (item.name, 11)]
        else:
            headers.append((item.name, 12))
    _header(ws, 1, headers)
    row = 1
    for record in _records(table):
        row += 1
        total = record["unit_code"] == ""
        for col, text in enumerate((record["unit_code"], record["unit"], record["kind"]), start=1):
            write_cell(ws, row, col, text, _BOLD_FONTS[total], LEFT, TOTAL_FILL if total else None, border=BORDER)
        col = 4
        _value_cell(ws, row, col, record["outcomes"], None, total)
        for item in items:
            parts = [record[f"{item.name}.numerator"], record[f"{item.name}.denominator"], record[item.name]] if item.is_rate else [record[item.name]]
            for offset, value in enumerate(parts):
                col += 1
                _value_cell(ws, row, col, value, item if offset == len(parts) - 1 else None, total)
        sheetdata.compact_rows_above(ws, row, compact)
    row += 2
    write_cell(ws, row, 1, "指标定义", _HEADING_FONT, LEFT)
    definitions = [(i.name, i.definition) for i in items] + [
        ("计算范围", "只计通过校验的单位；全县合计按各单位分子、分母分别相加后再相除。分母为0时不计算比率，显示“—”。"),
        ("精度", "比率按四舍五入保留到0.01%；金额按各单位填报数字精确相加，不作舍入。"),
    ]
    for name, text in definitions:
        row += 1
        write_cell(ws, row, 1, name, _BOLD_FONTS[True], LEFT)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        write_cell(ws, row, 3, text, _FONT, LEFT)
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=min(len(headers), 12))
        ws.row_dimensions[row].height = 15.0 * wrapped_lines(text, 80)
    if compact:
        sheetdata.compact(ws)
    ws.freeze_panes = "D2"
    print_setup(ws, landscape=True, centered=False)


def _ranking_sheet(ws, items: Sequence[Indicator], ranked, compact: bool = False) -> None:
    headers = [("名次", 6), ("单位代码", 10), ("单位", 18), ("类别", 8), ("办理结果总计", 10)]
    headers += [(item.name, 12) for item in items]
    _header(ws, 1, headers)
    row = 1
    for record in _records(ranked):
        row += 1
        rank = record["rank"]
        texts = ("—" if rank is None or rank != rank else int(rank), record["unit_code"], record["unit"], record["kind"])
        for col, text in enumerate(texts, start=1):
            write_cell(ws, row, col, text, _FONT, CENTER if col == 1 else LEFT, border=BORDER)
        _value_cell(ws, row, 5, record["outcomes"], None)
        for offset, item in enumerate(items):
            _value_cell(ws, row, 6 + offset, record[item.name], item)
        sheetdata.compact_rows_above(ws, row, compact)
    note = ("说明：按实质公开率从高到低排列，相同时办理结果总计多的在前；本年度没有办结申请的单位不计算比率、不排名（名次为“—”）。"
            "只计通过校验的单位。")
    write_cell(ws, row + 2, 1, note, _NOTE_FONT, LEFT)
    ws.merge_cells(start_row=row + 2, start_column=1, end_row=row + 2, end_column=len(headers))
    ws.row_dimensions[row + 2].height = 30
    if compact:
        sheetdata.compact(ws)
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=True, centered=False)


def _peers_sheet(ws, result, findings: Sequence, compact: bool = False) -> None:
    headers = [("单位代码", 10), ("单位", 18), ("类别", 8), ("项目", 30), ("本单位", 10), ("同类单位中位数", 12), ("说明", 80)]
    _header(ws, 1, headers)
    kinds = {u.unit.code: u.unit.kind for u in result.units}
    row = 1
    for finding in findings:
        row += 1
        values = (finding.unit_code, finding.unit, kinds.get(finding.unit_code, ""),
                  f"{finding.row}／{finding.column}", finding.actual, finding.expected, finding.message)
        for col, value in enumerate(values, start=1):
            write_cell(ws, row, col, value, _FONT, LEFT, border=BORDER)
        ws.row_dimensions[row].height = 15.0 * wrapped_lines(finding.message, 80)
    rule = next((r for r in result.form.text_rules if r.id == "P1"), None)
    note = "没有差异悬殊的数字。" if not findings else ""
    if rule is not None:
        note += f"规则 P1“{rule.title}”：{rule.instruction}"
    write_cell(ws, row + 2, 1, note, _NOTE_FONT, LEFT)
    ws.merge_cells(start_row=row + 2, start_column=1, end_row=row + 2, end_column=len(headers))
    ws.row_dimensions[row + 2].height = 30
    if compact:
        sheetdata.compact(ws)
    print_setup(ws, landscape=True, centered=False)


# --- the summary report ----------------------------------------------------------------------------


def indicator_sentences(result, whole: str = "全县") -> list[str]:
    """One plain-language sentence per indicator for 汇总报告 (the county's figures), then the ranking
    and the peer comparison."""
    table = indicator_table(result)
    county = table[table["unit_code"] == ""].to_dict("records")[0]
    count = len(table) - 1
    sentences = []
    outcomes = county["outcomes"]
    if outcomes:
        sentences.append(
            f"{whole}通过校验的{count}个单位本年度办结政府信息公开申请{fmt_number(outcomes)}件，其中予以公开和部分公开"
            f"{fmt_number(county['实质公开率.numerator'])}件，实质公开率为{percent(county['实质公开率'])}；"
            f"不予公开{fmt_number(county['不予公开率.numerator'])}件，不予公开率为{percent(county['不予公开率'])}。"
        )
    else:
        sentences.append(f"{whole}通过校验的{count}个单位本年度没有办结的政府信息公开申请，不计算实质公开率和不予公开率。")
    for name, label in (("复议纠错率", "行政复议"), ("诉讼纠错率", "行政诉讼")):
        total = county[f"{name}.denominator"]
        if total:
            sentences.append(
                f"因政府信息公开被申请{label}{fmt_number(total)}件，其中结果纠正{fmt_number(county[f'{name}.numerator'])}件，"
                f"{name}为{percent(county[name])}。" if label == "行政复议" else
                f"因政府信息公开被提起{label}{fmt_number(total)}件，其中结果纠正{fmt_number(county[f'{name}.numerator'])}件，"
                f"{name}为{percent(county[name])}。"
            )
        else:
            sentences.append(f"本年度没有因政府信息公开引起的{label}案件，不计算{name}。")
    if "收费金额（万元）" in county:
        sentences.append(f"各单位行政事业性收费本年收费金额合计{fmt_number(county['收费金额（万元）'])}万元。")
    ranked = ranking(result, table)
    ranked = ranked[ranked["rank"].map(lambda r: r is not None and r == r)]
    if len(ranked) >= 2:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        sentences.append(
            f"办结申请的{len(ranked)}个单位中，实质公开率最高的是{top['unit']}（{percent(top['实质公开率'])}），"
            f"最低的是{bottom['unit']}（{percent(bottom['实质公开率'])}），排名见汇总表“{RANKING_SHEET}”表。"
        )
    peers = [f for f in result.findings if f.rule == "P1"]
    if peers:
        names = "、".join(dict.fromkeys(f.unit for f in peers))
        sentences.append(f"与本县同类单位相比差异悬殊、需要核实的数字有{len(peers)}项（{names}），详见汇总表“{PEERS_SHEET}”表。")
    return sentences


__all__ = [
    "Indicator", "indicators", "indicator_table", "ranking", "rate", "percent", "add_indicator_sheets",
    "indicator_sentences", "INDICATOR_SHEET", "RANKING_SHEET", "PEERS_SHEET",
]
