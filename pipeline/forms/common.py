"""Builders shared by the national formats: table grids and the rules they imply.

A format file (gov2019.py, gov2021.py) states its labels as data and calls these builders; a future
format whose tables look different can build its grids by hand with the classes of `spec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .spec import (
    ERROR,
    WARNING,
    Blank,
    Cell,
    CellKind,
    Label,
    Rule,
    Section,
    Side,
    Table,
    Term,
    TextField,
)

SECTION_HEADINGS = (
    ("一", "一、总体情况"),
    ("二", "二、主动公开政府信息情况"),
    ("三", "三、收到和处理政府信息公开申请情况"),
    ("四", "四、政府信息公开行政复议、行政诉讼情况"),
    ("五", "五、存在的主要问题及改进情况"),
    ("六", "六、其他需要报告的事项"),
)


def standard_sections() -> tuple[Section, ...]:
    """The six sections, with the table or text field each holds (the same in both formats)."""
    tables = {"二": "t2", "三": "t3", "四": "t4"}
    texts = {"一": "text.overview", "五": "text.problems", "六": "text.other"}
    return tuple(Section(n, heading, table=tables.get(n), text=texts.get(n)) for n, heading in SECTION_HEADINGS)


PREFACE = TextField(
    "text.preface", "", "引言（可选）", required=False,
    hint="报告开头、“一、总体情况”之前的说明段落，例如报告依据和数据统计期限。没有可不填。",
)
PROBLEMS = TextField(
    "text.problems", "五", "五、存在的主要问题及改进情况",
    hint="实事求是、明确具体，查找问题要有针对性，改进举措要有实效性。",
)


# --- table 二 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: CellKind = CellKind.COUNT


@dataclass(frozen=True)
class Block:
    """A sub-table of table 二: one item of 条例第二十条."""

    title: str  # "第二十条第（一）项"
    columns: tuple[Column, ...]  # one to three value columns
    rows: tuple[tuple[str, str], ...]  # (row key, verbatim label)


T2_VALUE_COLUMNS = 3


def table2(blocks: tuple[Block, ...]) -> Table:
    """Table 二: a grid of 1 label column and 3 value columns; each block has a title row and a
    column-header row. A block with one value column spans all three; a block with two leaves the
    third not applicable, as the official template prints it."""
    labels: list[Label] = []
    cells: list[Cell] = []
    blanks: list[Blank] = []
    row = 0
    width = 1 + T2_VALUE_COLUMNS
    for block in blocks:
        labels.append(Label(block.title, row, 0, colspan=width, role="title"))
        labels.append(Label("信息内容", row + 1, 0))
        span = T2_VALUE_COLUMNS if len(block.columns) == 1 else 1
        for i, column in enumerate(block.columns):
            labels.append(Label(column.label, row + 1, 1 + i, colspan=span))
        unused = range(1 + len(block.columns), width) if span == 1 else range(0)
        for c in unused:
            blanks.append(Blank(row + 1, c))
        row += 2
        for row_key, row_label in block.rows:
            labels.append(Label(row_label, row, 0, role="row"))
            for i, column in enumerate(block.columns):
                cells.append(
                    Cell(
                        key=f"t2.{row_key}.{column.key}",
                        table="t2",
                        row=row,
                        col=1 + i,
                        colspan=span,
                        kind=column.kind,
                        row_label=row_label,
                        col_label=column.label,
                        group=block.title,
                    )
                )
            for c in unused:
                blanks.append(Blank(row, c))
            row += 1
    return Table("t2", "二", row, width, tuple(labels), tuple(cells), tuple(blanks), header_rows=0)


# --- table 三 --------------------------------------------------------------------------------

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

APPLICANTS = (
    ("natural", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
)
T3_TOTAL = ("total", "总计")
T3_COLUMNS = APPLICANTS + (T3_TOTAL,)

RECEIVED = ("received", "一、本年新收政府信息公开申请数量")
CARRIED_IN = ("carried_in", "二、上年结转政府信息公开申请数量")
OUTCOMES = "三、本年度办理结果"
OUTCOME_TOTAL = ("total", "（七）总计")
CARRIED_OVER = ("carried_over", "四、结转下年度继续办理")


@dataclass(frozen=True)
class OutcomeGroup:
    """One item of 三、本年度办理结果: a single row, or a group label with numbered rows."""

    label: str  # "（一）予以公开" or "（三）不予公开"
    rows: tuple[tuple[str, str], ...]  # (row key, label); for a single row: ((key, label),) with label == self.label


def single(key: str, label: str) -> OutcomeGroup:
    return OutcomeGroup(label, ((key, label),))


def table3(groups: tuple[OutcomeGroup, ...]) -> Table:
    """Table 三: 3 label columns and 7 value columns under a 3-row header."""
    labels = [
        Label(T3_NOTE, 0, 0, rowspan=3, colspan=3, role="note"),
        Label("申请人情况", 0, 3, colspan=7),
        Label("自然人", 1, 3, rowspan=2),
        Label("法人或其他组织", 1, 4, colspan=5),
        Label("总计", 1, 9, rowspan=2),
    ]
    labels += [Label(text, 2, 4 + i) for i, (_, text) in enumerate(APPLICANTS[1:])]
    cells: list[Cell] = []

    def value_row(row: int, key: str, row_label: str, group: str = "") -> None:
        keys = [f"t3.{key}.{col}" for col, _ in APPLICANTS]
        for i, (col, col_label) in enumerate(T3_COLUMNS):
            cells.append(
                Cell(
                    key=f"t3.{key}.{col}",
                    table="t3",
                    row=row,
                    col=3 + i,
                    kind=CellKind.COUNT,
                    row_label=row_label,
                    col_label=col_label,
                    group=group,
                    sum_of=tuple(keys) if col == "total" else (),
                )
            )

    header = 3
    labels.append(Label(RECEIVED[1], header, 0, colspan=3, role="row"))
    value_row(header, *RECEIVED)
    labels.append(Label(CARRIED_IN[1], header + 1, 0, colspan=3, role="row"))
    value_row(header + 1, *CARRIED_IN)

    row = header + 2
    first_outcome = row
    detail_keys: list[str] = []
    for group in groups:
        if len(group.rows) == 1 and group.rows[0][1] == group.label:
            key, text = group.rows[0]
            labels.append(Label(text, row, 1, colspan=2, role="row"))
            value_row(row, key, text)
            detail_keys.append(key)
            row += 1
            continue
        labels.append(Label(group.label, row, 1, rowspan=len(group.rows), role="group"))
        for key, text in group.rows:
            labels.append(Label(text, row, 2, role="row"))
            value_row(row, key, text, group=group.label)
            detail_keys.append(key)
            row += 1
    total_row = row
    labels.append(Label(OUTCOME_TOTAL[1], total_row, 1, colspan=2, role="row"))
    labels.append(Label(OUTCOMES, first_outcome, 0, rowspan=total_row - first_outcome + 1, role="group"))
    for i, (col, col_label) in enumerate(T3_COLUMNS):
        sum_of = (
            tuple(f"t3.total.{c}" for c, _ in APPLICANTS)
            if col == "total"
            else tuple(f"t3.{k}.{col}" for k in detail_keys)
        )
        cells.append(
            Cell(
                key=f"t3.total.{col}",
                table="t3",
                row=total_row,
                col=3 + i,
                kind=CellKind.COUNT,
                row_label=OUTCOME_TOTAL[1],
                col_label=col_label,
                sum_of=sum_of,
            )
        )
    labels.append(Label(CARRIED_OVER[1], total_row + 1, 0, colspan=3, role="row"))
    value_row(total_row + 1, *CARRIED_OVER)
    return Table("t3", "三", total_row + 2, 10, tuple(labels), tuple(cells), header_rows=header)


# --- table 四 --------------------------------------------------------------------------------

RESULTS = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
T4_BLOCKS = (
    ("review", "行政复议"),
    ("suit_direct", "未经复议直接起诉"),
    ("suit_after_review", "复议后起诉"),
)


def table4() -> Table:
    """Table 四: one data row of 15 cells under a 3-row header (identical in both formats)."""
    labels = [Label("行政复议", 0, 0, colspan=5), Label("行政诉讼", 0, 5, colspan=10)]
    labels += [Label(text, 1, i, rowspan=2) for i, (_, text) in enumerate(RESULTS)]
    labels += [Label("未经复议直接起诉", 1, 5, colspan=5), Label("复议后起诉", 1, 10, colspan=5)]
    labels += [Label(text, 2, 5 + b * 5 + i) for b in range(2) for i, (_, text) in enumerate(RESULTS)]
    cells = []
    for b, (block, block_label) in enumerate(T4_BLOCKS):
        parts = tuple(f"t4.{block}.{r}" for r, _ in RESULTS[:-1])
        for i, (result, text) in enumerate(RESULTS):
            cells.append(
                Cell(
                    key=f"t4.{block}.{result}",
                    table="t4",
                    row=3,
                    col=b * 5 + i,
                    kind=CellKind.COUNT,
                    row_label="",
                    col_label=text,
                    group=block_label,
                    sum_of=parts if result == "total" else (),
                )
            )
    return Table("t4", "四", 4, 15, tuple(labels), tuple(cells), header_rows=3)


# --- rules -----------------------------------------------------------------------------------


def _side(*keys: str, previous: bool = False, labels: tuple[str, ...] = (), **kw) -> Side:
    return Side(tuple(Term(k, previous) for k in keys), labels=labels, **kw)


def identity_rules(tables: tuple[Table, ...]) -> list[Rule]:
    """I1, I2, I3: every total equals the sum of its parts (derived from the cells' `sum_of`)."""
    rules = []
    for table in tables:
        for cell in table.cells:
            if not cell.is_total:
                continue
            if table.key == "t4":
                rule_id, title, scope = "I3", f"{cell.group}总计＝结果维持＋结果纠正＋其他结果＋尚未审结", cell.group
                breach = f"{cell.group}总计与各项结果之和不符"
                parts = "结果维持、结果纠正、其他结果、尚未审结之和"
                instruction = f"请核对{cell.group}的各项结果，使总计等于结果维持、结果纠正、其他结果、尚未审结之和。"
            elif cell.row_label == OUTCOME_TOTAL[1] and cell.col_label != T3_TOTAL[1]:
                rule_id, title, scope = "I1", "（七）总计＝各项办理结果之和", f"{cell.col_label}列"
                breach = "（七）总计与各项办理结果之和不符"
                parts = "（一）至（六）各项办理结果之和"
                instruction = (
                    "（七）总计应等于（一）至（六）各项办理结果之和；每件申请只计入一种办理结果"
                    "（部分公开的只计入“部分公开”），请核对是否重复或漏计。"
                )
            else:
                rule_id, title = "I2", "总计列＝各类申请人之和"
                breach = "总计与各类申请人之和不符"
                parts = "自然人与各类法人或其他组织之和"
                scope = cell.row_label if not cell.group else f"{cell.group} {cell.row_label}"
                instruction = "每一行的总计应等于自然人与各类法人或其他组织之和，请核对该行各列数字。"
            if table.key == "t3" and cell.key == "t3.total.total":
                # the grand total is also the sum of the 总计 column (I1), not only of its row (I2)
                details = next(c.sum_of for c in table.cells if c.key == "t3.total.natural")
                rules.append(
                    Rule(
                        id="I1",
                        title="（七）总计＝各项办理结果之和",
                        scope="总计列",
                        left=_side(cell.key, labels=("（七）总计",)),
                        op="=",
                        right=_side(*(k.rsplit(".", 1)[0] + ".total" for k in details), labels=("（一）至（六）各项办理结果之和",)),
                        severity=ERROR,
                        instruction=(
                            "（七）总计应等于（一）至（六）各项办理结果之和；每件申请只计入一种办理结果"
                            "（部分公开的只计入“部分公开”），请核对是否重复或漏计。"
                        ),
                        anchor=cell.key,
                        breach="（七）总计与各项办理结果之和不符",
                    )
                )
            rules.append(
                Rule(
                    id=rule_id,
                    title=title,
                    scope=scope,
                    left=_side(cell.key, labels=(cell.row_label if rule_id == "I1" else "总计",)),
                    op="=",
                    right=_side(*cell.sum_of, labels=(parts,)),
                    severity=ERROR,
                    instruction=instruction,
                    anchor=cell.key,
                    breach=breach,
                )
            )
    return rules


def balance_rules() -> list[Rule]:
    """R1, per column of table 三: 一 + 二 = 三（七）总计 + 四."""
    rules = []
    for col, col_label in T3_COLUMNS:
        rules.append(
            Rule(
                id="R1",
                title="勾稽关系：第一项加第二项之和，等于第三项加第四项之和",
                scope=f"{col_label}列",
                left=_side(f"t3.received.{col}", f"t3.carried_in.{col}", labels=("本年新收", "上年结转")),
                op="=",
                right=_side(f"t3.total.{col}", f"t3.carried_over.{col}", labels=("办理结果总计", "结转下年度")),
                severity=ERROR,
                instruction="请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。",
                anchor=f"t3.total.{col}",
                breach="勾稽关系不平衡",
            )
        )
    return rules


def carry_over_rules() -> list[Rule]:
    """X1 (the reference's I4): this year's 上年结转 = last year's 结转下年度继续办理, per column."""
    return [
        Rule(
            id="X1",
            title="上年结转＝上年度报告的结转下年度继续办理",
            scope=f"{col_label}列",
            left=_side(f"t3.carried_in.{col}", labels=("本年报告上年结转",)),
            op="=",
            right=_side(f"t3.carried_over.{col}", previous=True, labels=("上年报告结转下年度",)),
            severity=ERROR,
            instruction="“上年结转”应与上一年度报告的“结转下年度继续办理”一致，请按上年报告填写；如上年数据确有更正，请附说明。",
            anchor=f"t3.carried_in.{col}",
            cross_year=True,
            breach="上年结转与上年度报告的结转下年度不一致",
        )
        for col, col_label in T3_COLUMNS
    ]


def project_count_rules(row_keys: tuple[str, ...], labels: dict[str, str]) -> list[Rule]:
    """X2 (the reference's I5, 2019 format): 上一年项目数量 = last year's 上一年项目数量 + 本年增/减."""
    return [
        Rule(
            id="X2",
            title="上一年项目数量＝上年度报告的上一年项目数量＋本年增/减",
            scope=labels[row],
            left=_side(f"t2.{row}.prev_items", labels=("本年报告上一年项目数量",)),
            op="=",
            right=_side(
                f"t2.{row}.prev_items",
                f"t2.{row}.change",
                previous=True,
                labels=("上年报告上一年项目数量", "上年报告本年增/减"),
            ),
            severity=ERROR,
            instruction="“上一年项目数量”应等于上一年度报告的上一年项目数量加本年增/减，请核对。",
            anchor=f"t2.{row}.prev_items",
            cross_year=True,
            breach="上一年项目数量与上年度报告不一致",
        )
        for row in row_keys
    ]


def warning_rules(t2_rules_row: tuple[str, ...], other_rows: tuple[str, ...]) -> list[Rule]:
    """The checks that flag what is possible but rarely right."""
    received_total = "t3.received.total"
    outcome_total = "t3.total.total"
    return [
        Rule(
            id="W1",
            title="乡镇一般不制定规章",
            scope="规章",
            left=_side(*t2_rules_row, labels=("规章各项合计",)),
            op="=",
            right=Side(),
            severity=WARNING,
            instruction="规章只由省级和设区的市级人民政府制定，乡镇一般应填0；请核对是否把规范性文件填入了“规章”行。",
            anchor=t2_rules_row[0],
            unit_kinds=("乡镇",),
            breach="乡镇填报了规章",
        ),
        Rule(
            id="W2",
            title="本年新收为0，但有办理结果",
            scope="总计列",
            left=_side(outcome_total, labels=("办理结果总计",)),
            op="=",
            right=Side(),
            severity=WARNING,
            instruction="本年未收到申请却有办理结果，请核对“本年新收”；如办理的全部是上年结转的申请，属正常情况，可不修改。",
            anchor=received_total,
            breach="本年新收为0，但有办理结果",
            when=Rule("W2", "", "", _side(received_total), "=", Side(), WARNING, "", received_total),
        ),
        Rule(
            id="W3",
            title="“其他处理”占比偏高",
            scope="总计列",
            left=_side(*(f"t3.{row}.total" for row in other_rows), labels=("“其他处理”合计",)),
            op="<=",
            right=_side(outcome_total, factor=Fraction(1, 5), labels=("办理结果总计的五分之一",)),
            severity=WARNING,
            instruction="“其他处理”原则上只用于极少数特殊情况，本单位超过办理结果总计的五分之一；请核对能否归入法定处理方式。",
            anchor=f"t3.{other_rows[0]}.total",
            breach="“其他处理”占比偏高",
            when=Rule("W3", "", "", _side(outcome_total), ">=", Side(constant=5), WARNING, "", outcome_total),
        ),
    ]
