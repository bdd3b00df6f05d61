"""The national report formats as data (pipeline/forms), checked against the official templates.

Every label below is written out as a literal, copied from the official templates
(国办公开办函〔2019〕60号 and 〔2021〕30号, as summarised in shared/reference-official-format.md),
so that a typo in the spec fails here rather than in 300 townships' workbooks.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.forms import (
    ERROR,
    FORMS,
    WARNING,
    CellKind,
    UnknownYear,
    evaluate,
    form_by_id,
    form_for_year,
    normalize_label,
)
from pipeline.forms.spec import Blank, Cell, Label

GOV2019 = form_by_id("gov2019")
GOV2021 = form_by_id("gov2021")
BY_ID = {"gov2019": GOV2019, "gov2021": GOV2021}
FORM_IDS = ("gov2019", "gov2021")

REFERENCE = Path(__file__).parents[2] / "shared" / "reference-official-format.md"
SEED = Path(__file__).parents[2] / "shared" / "seeds" / "000_0b900a435422d60b.txt"

PROPERTY = settings(max_examples=40, deadline=None)


# --- the official texts, verbatim ---------------------------------------------------------------

SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

# table 二: (block title, value column labels, row labels)
T2_BLOCKS = {
    "gov2019": (
        ("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "规范性文件")),
        ("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量"), ("行政许可", "其他对外管理服务事项")),
        ("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量"), ("行政处罚", "行政强制")),
        ("第二十条第（八）项", ("上一年项目数量", "本年增/减"), ("行政事业性收费",)),
        ("第二十条第（九）项", ("采购项目数量", "采购总金额"), ("政府集中采购",)),
    ),
    "gov2021": (
        ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")),
        ("第二十条第（五）项", ("本年处理决定数量",), ("行政许可",)),
        ("第二十条第（六）项", ("本年处理决定数量",), ("行政处罚", "行政强制")),
        ("第二十条第（八）项", ("本年收费金额（单位：万元）",), ("行政事业性收费",)),
    ),
}

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# (text, row, col, rowspan, colspan) of the three header rows of table 三
T3_HEADER = {
    (T3_NOTE, 0, 0, 3, 3),
    ("申请人情况", 0, 3, 1, 7),
    ("自然人", 1, 3, 2, 1),
    ("法人或其他组织", 1, 4, 1, 5),
    ("总计", 1, 9, 2, 1),
    ("商业企业", 2, 4, 1, 1),
    ("科研机构", 2, 5, 1, 1),
    ("社会公益组织", 2, 6, 1, 1),
    ("法律服务机构", 2, 7, 1, 1),
    ("其他", 2, 8, 1, 1),
}
T3_COLUMN_LABELS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T3_COLUMN_KEYS = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org", "total")
APPLICANT_KEYS = T3_COLUMN_KEYS[:-1]

OUTCOMES_LABEL = "三、本年度办理结果"

# table 三 data rows in order: (row key, group label, row label)
T3_ROWS_HEAD = (
    ("received", "", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "", "二、上年结转政府信息公开申请数量"),
    ("disclosed", "", "（一）予以公开"),
    ("partial", "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("refused_secret", "（三）不予公开", "1.属于国家秘密"),
    ("refused_law", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("refused_safety", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("refused_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("refused_internal", "（三）不予公开", "5.属于三类内部事务信息"),
    ("refused_process", "（三）不予公开", "6.属于四类过程性信息"),
    ("refused_case_file", "（三）不予公开", "7.属于行政执法案卷"),
    ("refused_inquiry", "（三）不予公开", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_need_create", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("unhandled_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("unhandled_repeat", "（五）不予处理", "2.重复申请"),
    ("unhandled_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("unhandled_massive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("unhandled_confirm", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
)
T3_ROWS_OTHER = {
    "gov2019": (("other", "", "（六）其他处理"),),
    "gov2021": (
        ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        ("other_no_fee", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("other_other", "（六）其他处理", "3.其他"),
    ),
}
T3_ROWS_TAIL = (
    ("total", "", "（七）总计"),
    ("carried_over", "", "四、结转下年度继续办理"),
)
T3_ROWS = {fid: T3_ROWS_HEAD + T3_ROWS_OTHER[fid] + T3_ROWS_TAIL for fid in FORM_IDS}
T3_OUTCOMES_ROWSPAN = {"gov2019": 20, "gov2021": 22}
T3_GROUP_ROWSPANS = {
    "gov2019": {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5},
    "gov2021": {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3},
}

T4_HEADER = {
    ("行政复议", 0, 0, 1, 5),
    ("行政诉讼", 0, 5, 1, 10),
    ("结果维持", 1, 0, 2, 1),
    ("结果纠正", 1, 1, 2, 1),
    ("其他结果", 1, 2, 2, 1),
    ("尚未审结", 1, 3, 2, 1),
    ("总计", 1, 4, 2, 1),
    ("未经复议直接起诉", 1, 5, 1, 5),
    ("复议后起诉", 1, 10, 1, 5),
    ("结果维持", 2, 5, 1, 1),
    ("结果纠正", 2, 6, 1, 1),
    ("其他结果", 2, 7, 1, 1),
    ("尚未审结", 2, 8, 1, 1),
    ("总计", 2, 9, 1, 1),
    ("结果维持", 2, 10, 1, 1),
    ("结果纠正", 2, 11, 1, 1),
    ("其他结果", 2, 12, 1, 1),
    ("尚未审结", 2, 13, 1, 1),
    ("总计", 2, 14, 1, 1),
}
T4_BLOCKS = (("review", "行政复议"), ("suit_direct", "未经复议直接起诉"), ("suit_after_review", "复议后起诉"))
T4_RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"),
              ("total", "总计"))

# Cell keys are stored in workbooks (defined names) and in the history of past years: they must not drift.
T2_KEYS = {
    "gov2019": (
        "t2.rules.made", "t2.rules.published", "t2.rules.public_total",
        "t2.normative.made", "t2.normative.published", "t2.normative.public_total",
        "t2.licensing.prev_items", "t2.licensing.change", "t2.licensing.decisions",
        "t2.other_services.prev_items", "t2.other_services.change", "t2.other_services.decisions",
        "t2.penalty.prev_items", "t2.penalty.change", "t2.penalty.decisions",
        "t2.enforcement.prev_items", "t2.enforcement.change", "t2.enforcement.decisions",
        "t2.fees.prev_items", "t2.fees.change",
        "t2.procurement.projects", "t2.procurement.amount",
    ),
    "gov2021": (
        "t2.rules.issued", "t2.rules.repealed", "t2.rules.in_force",
        "t2.normative.issued", "t2.normative.repealed", "t2.normative.in_force",
        "t2.licensing.decisions",
        "t2.penalty.decisions",
        "t2.enforcement.decisions",
        "t2.fees.amount",
    ),
}
PROJECT_ROWS_2019 = ("licensing", "other_services", "penalty", "enforcement", "fees")


# --- helpers -------------------------------------------------------------------------------------


def span(piece: Label | Cell | Blank) -> tuple[int, int, int, int]:
    rowspan = 1 if isinstance(piece, Cell) else piece.rowspan
    return piece.row, piece.col, rowspan, piece.colspan


def labels_of(table) -> set[tuple[str, int, int, int, int]]:
    return {(label.text, label.row, label.col, label.rowspan, label.colspan) for label in table.labels}


def covering(table, row: int, col: int):
    """The label, cell or blank that covers a grid position."""
    found = []
    for piece in table.labels + table.cells + table.blanks:
        r, c, rs, cs = span(piece)
        if r <= row < r + rs and c <= col < c + cs:
            found.append(piece)
    assert len(found) == 1, (row, col, found)
    return found[0]


def table_params():
    return [pytest.param(form, table.key, id=f"{form.id}-{table.key}") for form in FORMS for table in form.tables]


def rule_ids(rules) -> set[tuple[str, str]]:
    return {(rule.id, rule.anchor) for rule in rules}


def error_rules(form):
    return [r for r in form.rules_for(cross_year=False) if r.severity == ERROR]


def failing(rules, values, previous=None) -> set[tuple[str, str]]:
    failed = set()
    for rule in rules:
        result = evaluate(rule, values, previous)
        if result is not None and not result.passed:
            failed.add((rule.id, rule.anchor))
    return failed


def with_totals(form, values: dict) -> dict:
    """`values` with every total recomputed from its `sum_of` (totals may depend on totals)."""
    values = {k: v for k, v in values.items() if not form.cell(k).is_total}
    pending = [c for c in form.cells if c.is_total]
    while pending:
        ready = [c for c in pending if all(k in values for k in c.sum_of)]
        assert ready, f"totals depend on each other in a cycle: {[c.key for c in pending]}"
        for cell in ready:
            values[cell.key] = sum(values[k] for k in cell.sum_of)
            pending.remove(cell)
    return values


def value_strategy(kind: CellKind):
    if kind is CellKind.COUNT:
        return st.integers(0, 60)
    if kind is CellKind.SIGNED:
        return st.integers(-60, 60)
    places = 2 if kind is CellKind.AMOUNT else 6
    return st.decimals(min_value=0, max_value=10**6, places=places, allow_nan=False, allow_infinity=False)


@st.composite
def consistent_reports(draw, form, typical: bool = False):
    """A fully filled report whose every sum and balance holds.

    typical: a township report that should raise no warning either (no 规章, no 其他处理, some
    applications received).
    """
    values = {cell.key: draw(value_strategy(cell.kind)) for cell in form.input_cells}
    if typical:
        for key in values:
            row = key.split(".")[1]
            if key.startswith("t2.rules.") or (key.startswith("t3.") and row.startswith("other")):
                values[key] = 0
        values["t3.received.natural"] += 1
    values = with_totals(form, values)
    for col in APPLICANT_KEYS:
        balance = values[f"t3.received.{col}"] + values[f"t3.carried_in.{col}"] - values[f"t3.total.{col}"]
        if balance < 0:  # more outcomes than applications: receive more, carry nothing over
            values[f"t3.received.{col}"] -= balance
            balance = 0
        values[f"t3.carried_over.{col}"] = balance
    return with_totals(form, values)


# --- the format for a year -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "year, form_id",
    [(2019, "gov2019"), (2020, "gov2019"), (2021, "gov2021"), (2025, "gov2021"), (2030, "gov2021")],
)
def test_form_for_year(year, form_id):
    assert form_for_year(year).id == form_id
    assert form_for_year(year) is BY_ID[form_id]


def test_no_format_before_2019():
    with pytest.raises(UnknownYear) as raised:
        form_for_year(2018)
    assert str(raised.value) == "2018年没有适用的年度报告格式（统一格式自2019年度起施行）"
    assert isinstance(raised.value, ValueError)


def test_form_identity():
    assert [f.id for f in FORMS] == ["gov2019", "gov2021"]
    assert GOV2019.name == "中华人民共和国政府信息公开工作年度报告格式（试行）"
    assert GOV2019.document == "国办公开办函〔2019〕60号"
    assert (GOV2019.first_year, GOV2019.last_year) == (2019, 2020)
    assert GOV2021.name == "中华人民共和国政府信息公开工作年度报告格式"
    assert GOV2021.document == "国办公开办函〔2021〕30号"
    assert (GOV2021.first_year, GOV2021.last_year) == (2021, None)
    with pytest.raises(KeyError):
        form_by_id("gov2018")


# --- sections and texts --------------------------------------------------------------------------


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_section_headings(form_id):
    form = BY_ID[form_id]
    assert tuple(s.heading for s in form.sections) == SECTION_HEADINGS
    assert tuple(s.number for s in form.sections) == ("一", "二", "三", "四", "五", "六")
    assert {s.number: s.table for s in form.sections if s.table} == {"二": "t2", "三": "t3", "四": "t4"}
    texts = {s.number: s.text for s in form.sections if s.text}
    assert texts == {"一": "text.overview", "五": "text.problems", "六": "text.other"}
    for number, key in texts.items():
        assert form.text(key).title == form.section(number).heading
        assert form.text(key).required


def test_2021_other_matters_asks_for_the_fee_statement():
    other = GOV2021.text("text.other")
    assert other.hint == "（文字描述，收取信息处理费情况在此处报告。）"
    assert other.prefill.format(year=2024) == "2024年，本机关未收取信息处理费。"
    assert GOV2021.text("text.overview").max_chars == 1000
    assert not GOV2021.text("text.preface").required


# --- cells and the grid --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form_id, counts",
    [("gov2019", {"t2": 22, "t3": 161, "t4": 15}), ("gov2021", {"t2": 10, "t3": 175, "t4": 15})],
)
def test_cell_counts(form_id, counts):
    form = BY_ID[form_id]
    assert [t.key for t in form.tables] == ["t2", "t3", "t4"]
    assert [t.section for t in form.tables] == ["二", "三", "四"]
    assert {t.key: len(t.cells) for t in form.tables} == counts
    assert len(form.cells) == sum(counts.values())
    # totals are computed by the template: 23/25 row totals + 6 column totals of （七）总计 + 3 in table 四
    n_totals = len(T3_ROWS[form_id]) + 6 + 3
    assert len(form.input_cells) == sum(counts.values()) - n_totals
    assert all(not c.is_total for c in form.input_cells)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_keys_are_unique_and_stable(form_id):
    form = BY_ID[form_id]
    keys = [c.key for c in form.cells]
    assert len(keys) == len(set(keys))
    for table in form.tables:
        for cell in table.cells:
            assert cell.table == table.key
            assert cell.key.startswith(table.key + ".")
            assert form.cell(cell.key) is cell
            assert form.has_cell(cell.key)
    assert not form.has_cell("t3.nonexistent.natural")
    assert tuple(c.key for c in form.table("t2").cells) == T2_KEYS[form_id]
    t3_keys = tuple(f"t3.{row}.{col}" for row, _, _ in T3_ROWS[form_id] for col in T3_COLUMN_KEYS)
    assert tuple(c.key for c in form.table("t3").cells) == t3_keys
    t4_keys = {f"t4.{block}.{result}" for block, _ in T4_BLOCKS for result, _ in T4_RESULTS}
    assert {c.key for c in form.table("t4").cells} == t4_keys


@pytest.mark.parametrize("form, table_key", table_params())
def test_grid_is_a_tiling(form, table_key):
    """Every grid position is covered exactly once by a label, a value cell or a blank."""
    table = form.table(table_key)
    coverage: Counter = Counter()
    for piece in table.labels + table.cells + table.blanks:
        row, col, rowspan, colspan = span(piece)
        assert rowspan >= 1 and colspan >= 1, piece
        assert 0 <= row and row + rowspan <= table.n_rows, piece
        assert 0 <= col and col + colspan <= table.n_cols, piece
        for r in range(row, row + rowspan):
            for c in range(col, col + colspan):
                coverage[r, c] += 1
    overlaps = {pos: n for pos, n in coverage.items() if n > 1}
    assert overlaps == {}
    holes = {(r, c) for r in range(table.n_rows) for c in range(table.n_cols)} - set(coverage)
    assert holes == set()
    positions = [(c.row, c.col) for c in table.cells]
    assert len(positions) == len(set(positions))


@pytest.mark.parametrize("form, table_key", table_params())
def test_sums_follow_the_grid(form, table_key):
    """Each total adds up exactly the cells the printed table puts under it."""
    table = form.table(table_key)
    at = {(c.row, c.col): c for c in table.cells}
    for cell in table.cells:
        if not cell.is_total:
            continue
        if table_key == "t4":
            parts = [at[cell.row, c].key for c in range(cell.col - 4, cell.col)]
        elif cell.col_label != "总计":  # a column of （七）总计: the outcome rows above it
            first = next(lab.row for lab in table.labels if lab.text == OUTCOMES_LABEL)
            parts = [at[r, cell.col].key for r in range(first, cell.row)]
        else:  # a row total (also of （七）总计): the six applicant columns to its left
            parts = [at[cell.row, c].key for c in range(3, 9)]
        assert cell.sum_of == tuple(parts), cell.key
    assert table_key != "t2" or not any(c.is_total for c in table.cells)


# --- labels, verbatim ----------------------------------------------------------------------------


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_table2_labels_and_cells(form_id):
    table = BY_ID[form_id].table("t2")
    labels, cells, blanks = set(), set(), set()
    row = 0
    for title, columns, rows in T2_BLOCKS[form_id]:
        width = 3 if len(columns) == 1 else 1
        labels.add((title, row, 0, 1, 4))
        labels.add(("信息内容", row + 1, 0, 1, 1))
        for i, column in enumerate(columns):
            labels.add((column, row + 1, 1 + i, 1, width))
        unused = range(1 + len(columns), 4) if width == 1 else ()
        blanks |= {(row + 1, c) for c in unused}
        for k, row_label in enumerate(rows, start=row + 2):
            labels.add((row_label, k, 0, 1, 1))
            for i, column in enumerate(columns):
                cells.add((k, 1 + i, width, row_label, column, title))
            blanks |= {(k, c) for c in unused}
        row += 2 + len(rows)
    assert table.n_rows == row and table.n_cols == 4
    assert labels_of(table) == labels
    assert {(c.row, c.col, c.colspan, c.row_label, c.col_label, c.group) for c in table.cells} == cells
    assert {(b.row, b.col) for b in table.blanks} == blanks
    assert all((b.rowspan, b.colspan) == (1, 1) for b in table.blanks)
    titles = {title for title, _, _ in T2_BLOCKS[form_id]}
    row_labels = {text for _, _, rows in T2_BLOCKS[form_id] for text in rows}
    assert {lab.text for lab in table.labels if lab.role == "title"} == titles
    assert {lab.text for lab in table.labels if lab.role == "row"} == row_labels


def test_2019_table2_spans():
    table = GOV2019.table("t2")
    # （八） and （九） have two value columns; the third column is left empty (a Blank), as printed.
    for title in ("第二十条第（八）项", "第二十条第（九）项"):
        top = next(lab.row for lab in table.labels if lab.text == title)
        assert isinstance(covering(table, top + 1, 3), Blank)
        assert isinstance(covering(table, top + 2, 3), Blank)
        assert covering(table, top + 2, 2).colspan == 1
    assert len(table.blanks) == 4
    assert table.label_at(0, 0) == Label("第二十条第（一）项", 0, 0, colspan=4, role="title")


def test_2021_table2_spans():
    table = GOV2021.table("t2")
    assert table.blanks == ()
    wide = {c.key for c in table.cells if c.colspan == 3}
    assert wide == {"t2.licensing.decisions", "t2.penalty.decisions", "t2.enforcement.decisions", "t2.fees.amount"}
    assert all(c.col == 1 for c in table.cells if c.key in wide)
    assert all(c.colspan == 1 for c in table.cells if c.key not in wide)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_table3_header(form_id):
    table = BY_ID[form_id].table("t3")
    assert (table.n_cols, table.header_rows) == (10, 3)
    assert {lab for lab in labels_of(table) if lab[1] < 3} == T3_HEADER
    note = table.label_at(0, 0)
    assert note.text == T3_NOTE and note.role == "note"
    assert table.label_at(0, 3).text == "申请人情况"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_table3_rows(form_id):
    table = BY_ID[form_id].table("t3")
    rows = T3_ROWS[form_id]
    assert table.n_rows == 3 + len(rows)
    expected_labels = set()
    groups: dict[str, list[int]] = {}
    for r, (row_key, group, row_label) in enumerate(rows, start=3):
        if row_label[:2] in ("一、", "二、", "四、"):
            expected_labels.add((row_label, r, 0, 1, 3))
        elif group:
            expected_labels.add((row_label, r, 2, 1, 1))
            groups.setdefault(group, []).append(r)
        else:
            expected_labels.add((row_label, r, 1, 1, 2))
        cells = sorted((c for c in table.cells if c.row == r), key=lambda c: c.col)
        assert [c.key for c in cells] == [f"t3.{row_key}.{col}" for col in T3_COLUMN_KEYS]
        assert [c.col for c in cells] == list(range(3, 10))
        assert [c.col_label for c in cells] == list(T3_COLUMN_LABELS)
        assert {(c.row_label, c.group, c.colspan, c.kind) for c in cells} == {(row_label, group, 1, CellKind.COUNT)}
    assert {g: len(rs) for g, rs in groups.items()} == T3_GROUP_ROWSPANS[form_id]
    for group, group_rows in groups.items():
        expected_labels.add((group, group_rows[0], 1, len(group_rows), 1))
    first_outcome = 3 + 2
    expected_labels.add((OUTCOMES_LABEL, first_outcome, 0, T3_OUTCOMES_ROWSPAN[form_id], 1))
    assert {lab for lab in labels_of(table) if lab[1] >= 3} == expected_labels
    roles = {(lab.text, lab.row): lab.role for lab in table.labels if lab.row >= 3}
    assert {text for (text, _), role in roles.items() if role == "group"} == set(groups) | {OUTCOMES_LABEL}
    assert {text for (text, _), role in roles.items() if role == "row"} == {label for _, _, label in rows}
    # the outcomes block ends with （七）总计; 四、结转 is the last row, outside it
    outcomes = table.label_at(first_outcome, 0)
    assert outcomes.role == "group"
    assert table.label_at(first_outcome + outcomes.rowspan - 1, 1).text == "（七）总计"
    assert table.label_at(first_outcome + outcomes.rowspan, 0).text == "四、结转下年度继续办理"


def test_table3_other_handling_differs():
    t19, t21 = GOV2019.table("t3"), GOV2021.table("t3")
    single = [lab for lab in t19.labels if lab.text == "（六）其他处理"]
    assert [(lab.col, lab.rowspan, lab.colspan, lab.role) for lab in single] == [(1, 1, 2, "row")]
    grouped = [lab for lab in t21.labels if lab.text == "（六）其他处理"]
    assert [(lab.col, lab.rowspan, lab.colspan, lab.role) for lab in grouped] == [(1, 3, 1, "group")]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_table4(form_id):
    table = BY_ID[form_id].table("t4")
    assert (table.n_rows, table.n_cols, table.header_rows) == (4, 15, 3)
    assert labels_of(table) == T4_HEADER
    assert table.blanks == ()
    cells = sorted(table.cells, key=lambda c: c.col)
    expected = [
        (f"t4.{block}.{result}", 3, b * 5 + i, group, label)
        for b, (block, group) in enumerate(T4_BLOCKS)
        for i, (result, label) in enumerate(T4_RESULTS)
    ]
    assert [(c.key, c.row, c.col, c.group, c.col_label) for c in cells] == expected
    assert all(c.row_label == "" and c.kind is CellKind.COUNT for c in cells)


def test_tables_are_identical_where_the_formats_agree():
    assert GOV2019.table("t4") == GOV2021.table("t4")
    head19 = {lab for lab in labels_of(GOV2019.table("t3")) if lab[1] < 3}
    head21 = {lab for lab in labels_of(GOV2021.table("t3")) if lab[1] < 3}
    assert head19 == head21


def test_cell_names_read_naturally():
    assert GOV2019.cell("t3.refused_secret.natural").label == "（三）不予公开 1.属于国家秘密／自然人"
    assert GOV2019.cell("t3.received.total").label == "一、本年新收政府信息公开申请数量／总计"
    assert GOV2019.cell("t2.rules.made").label == "规章／本年新制作数量"
    assert GOV2021.cell("t2.fees.amount").label == "行政事业性收费／本年收费金额（单位：万元）"
    assert GOV2021.cell("t4.suit_after_review.pending").label == "复议后起诉／尚未审结"


@pytest.mark.skipif(not REFERENCE.exists(), reason=f"the reference text {REFERENCE} is not in this checkout")
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_label_occurs_in_the_reference(form_id):
    reference = REFERENCE.read_text(encoding="utf-8")
    form = BY_ID[form_id]
    texts = {lab.text for t in form.tables for lab in t.labels}
    texts |= {c.row_label for c in form.cells} | {c.col_label for c in form.cells} | {c.group for c in form.cells}
    texts |= {s.heading for s in form.sections}
    texts |= {form.name, form.document}
    texts.discard("")
    missing = sorted(t for t in texts if t not in reference)
    assert missing == []


def test_normalize_label_tolerates_print_variants():
    assert normalize_label("商业 企业") == normalize_label("商业企业")
    assert normalize_label("3.危及\"三安全一稳定\"") == normalize_label("3.危及“三安全一稳定”")
    assert normalize_label("本年收费金额(单位:万元)") == normalize_label("本年收费金额（单位：万元）")
    assert normalize_label("规范性文件") != normalize_label("行政规范性文件")


# --- cell kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form_id, special",
    [
        ("gov2019", {
            CellKind.SIGNED: {f"t2.{row}.change" for row in PROJECT_ROWS_2019},
            CellKind.AMOUNT: {"t2.procurement.amount"},
        }),
        ("gov2021", {CellKind.AMOUNT_WAN: {"t2.fees.amount"}}),
    ],
)
def test_cell_kinds(form_id, special):
    form = BY_ID[form_id]
    by_kind: dict[CellKind, set[str]] = {}
    for cell in form.cells:
        by_kind.setdefault(cell.kind, set()).add(cell.key)
    count = by_kind.pop(CellKind.COUNT)
    assert by_kind == special
    assert len(count) == len(form.cells) - sum(len(keys) for keys in special.values())
    label_of_kind = {CellKind.SIGNED: "本年增/减", CellKind.AMOUNT: "采购总金额",
                     CellKind.AMOUNT_WAN: "本年收费金额（单位：万元）"}
    for kind, keys in special.items():
        assert {c.key for c in form.cells if c.col_label == label_of_kind[kind]} == keys


def test_kind_properties():
    assert CellKind.COUNT.is_integer and not CellKind.COUNT.allows_negative
    assert CellKind.SIGNED.is_integer and CellKind.SIGNED.allows_negative
    assert not CellKind.AMOUNT_WAN.is_integer and CellKind.AMOUNT_WAN.max_decimals == 6
    assert not CellKind.AMOUNT.is_integer and CellKind.AMOUNT.max_decimals == 2
    assert CellKind.SIGNED.description == "整数（减少填负数，如-8）"
    assert CellKind.AMOUNT_WAN.description == "以万元为单位的金额，最多6位小数"


# --- rules: what they are ------------------------------------------------------------------------

RULE_TITLES = {
    "R1": "勾稽关系：第一项加第二项之和，等于第三项加第四项之和",
    "I1": "（七）总计＝各项办理结果之和",
    "I2": "总计列＝各类申请人之和",
    "X1": "上年结转＝上年度报告的结转下年度继续办理",
    "X2": "上一年项目数量＝上年度报告的上一年项目数量＋本年增/减",
    "W1": "乡镇一般不制定规章",
    "W2": "本年新收为0，但有办理结果",
    "W3": "“其他处理”占比偏高",
}


def with_id(form, rule_id):
    return [r for r in form.rules if r.id == rule_id]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_rule_counts(form_id):
    form = BY_ID[form_id]
    counts = Counter(r.id for r in form.rules)
    expected = {"R1": 7, "I1": 7, "I2": len(T3_ROWS[form_id]), "I3": 3, "X1": 7, "W1": 1, "W2": 1, "W3": 1}
    if form_id == "gov2019":
        expected["X2"] = 5
    assert dict(counts) == expected
    assert expected["I2"] == {"gov2019": 23, "gov2021": 25}[form_id]
    assert len(rule_ids(form.rules)) == len(form.rules)  # (id, anchor) names one instance


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_rule_is_explained(form_id):
    form = BY_ID[form_id]
    for rule in form.rules:
        assert rule.severity in (ERROR, WARNING), rule
        assert rule.title and any("\u4e00" <= ch <= "\u9fff" for ch in rule.title), rule
        assert rule.instruction and any("\u4e00" <= ch <= "\u9fff" for ch in rule.instruction), rule
        assert rule.instruction.endswith("。"), rule.instruction
        assert form.has_cell(rule.anchor), rule
        assert rule.op in ("=", "<=", ">="), rule
        for key in rule.keys:
            assert form.has_cell(key), (rule.id, key)
        for side in (rule.left, rule.right):
            # names for messages: none, one per addend, or one naming the whole sum
            assert len(side.labels) in (0, 1, len(side.terms)), rule
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in side.labels), rule
        if rule.id in RULE_TITLES:
            assert rule.title == RULE_TITLES[rule.id]
    for block, label in T4_BLOCKS:
        (rule,) = [r for r in with_id(form, "I3") if r.anchor == f"t4.{block}.total"]
        assert rule.title == f"{label}总计＝结果维持＋结果纠正＋其他结果＋尚未审结"
    severities = {r.id: r.severity for r in form.rules}
    assert {i for i, s in severities.items() if s == WARNING} == {"W1", "W2", "W3"}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_balance_rule_per_column(form_id):
    rules = with_id(BY_ID[form_id], "R1")
    assert [r.scope for r in rules] == [f"{label}列" for label in T3_COLUMN_LABELS]
    for rule, col in zip(rules, T3_COLUMN_KEYS):
        assert rule.left.keys == (f"t3.received.{col}", f"t3.carried_in.{col}")
        assert rule.right.keys == (f"t3.total.{col}", f"t3.carried_over.{col}")
        assert rule.op == "=" and rule.severity == ERROR and not rule.cross_year and rule.when is None
        assert rule.anchor == f"t3.total.{col}"
        assert not any(t.previous_year for t in rule.left.terms + rule.right.terms)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_identity_rules(form_id):
    form = BY_ID[form_id]
    rows = T3_ROWS[form_id]
    details = [key for key, _, _ in rows[2:-2]]
    assert len(details) == {"gov2019": 19, "gov2021": 21}[form_id]
    i1 = {r.anchor: r for r in with_id(form, "I1")}
    assert set(i1) == {f"t3.total.{col}" for col in T3_COLUMN_KEYS}
    for col in T3_COLUMN_KEYS:
        assert i1[f"t3.total.{col}"].left.keys == (f"t3.total.{col}",)
        assert i1[f"t3.total.{col}"].right.keys == tuple(f"t3.{row}.{col}" for row in details)
    i2 = {r.anchor: r for r in with_id(form, "I2")}
    assert set(i2) == {f"t3.{row}.total" for row, _, _ in rows}
    for row, _, _ in rows:
        assert i2[f"t3.{row}.total"].right.keys == tuple(f"t3.{row}.{col}" for col in APPLICANT_KEYS)
    i3 = {r.anchor: r for r in with_id(form, "I3")}
    for block, _ in T4_BLOCKS:
        assert i3[f"t4.{block}.total"].right.keys == tuple(f"t4.{block}.{r}" for r, _ in T4_RESULTS[:-1])
    for rule in with_id(form, "I1") + with_id(form, "I2") + with_id(form, "I3"):
        assert rule.op == "=" and rule.severity == ERROR and not rule.cross_year


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_cross_year_rules(form_id):
    form = BY_ID[form_id]
    x1 = with_id(form, "X1")
    assert [r.anchor for r in x1] == [f"t3.carried_in.{col}" for col in T3_COLUMN_KEYS]
    for rule, col in zip(x1, T3_COLUMN_KEYS):
        assert rule.cross_year and rule.op == "=" and rule.severity == ERROR
        assert [(t.key, t.previous_year) for t in rule.left.terms] == [(f"t3.carried_in.{col}", False)]
        assert [(t.key, t.previous_year) for t in rule.right.terms] == [(f"t3.carried_over.{col}", True)]
    x2 = with_id(form, "X2")
    if form_id == "gov2021":
        assert x2 == []
    else:
        assert [r.scope for r in x2] == ["行政许可", "其他对外管理服务事项", "行政处罚", "行政强制", "行政事业性收费"]
        for rule, row in zip(x2, PROJECT_ROWS_2019):
            assert rule.cross_year
            assert [(t.key, t.previous_year) for t in rule.left.terms] == [(f"t2.{row}.prev_items", False)]
            assert [(t.key, t.previous_year) for t in rule.right.terms] == [
                (f"t2.{row}.prev_items", True), (f"t2.{row}.change", True)]
    cross = set(form.rules_for(cross_year=True))
    assert cross == set(x1 + x2)
    assert set(form.rules_for(cross_year=False)) == set(form.rules) - cross


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_township_only_rule(form_id):
    form = BY_ID[form_id]
    (w1,) = with_id(form, "W1")
    assert w1.unit_kinds == ("乡镇",)
    assert w1.left.keys == tuple(k for k in T2_KEYS[form_id] if k.startswith("t2.rules."))
    assert [r.id for r in form.rules if r.unit_kinds] == ["W1"]
    assert w1 in form.rules_for("乡镇")
    assert w1 not in form.rules_for("部门")
    assert len(form.rules_for("部门")) == len(form.rules) - 1
    assert w1 in form.rules_for(None)


# --- rules: what they say about values -----------------------------------------------------------


@pytest.mark.parametrize("form_id", FORM_IDS)
@PROPERTY
@given(data=st.data())
def test_consistent_report_passes_every_error_rule(form_id, data):
    form = BY_ID[form_id]
    values = data.draw(consistent_reports(form))
    for rule in error_rules(form):
        result = evaluate(rule, values)
        assert result is not None, rule
        assert result.passed, (rule.id, rule.scope, result.left, result.right)
        assert result.difference == 0


@pytest.mark.parametrize("form_id", FORM_IDS)
@PROPERTY
@given(data=st.data())
def test_typical_township_report_raises_nothing(form_id, data):
    form = BY_ID[form_id]
    values = data.draw(consistent_reports(form, typical=True))
    assert failing(form.rules_for("乡镇", cross_year=False), values) == set()


def expected_breaks(form, key: str, totals_recomputed: bool) -> set[tuple[str, str]]:
    """The rules that must fail when the input cell `key` alone is changed."""
    table, row, col = key.split(".")
    if table == "t2":
        return set()
    if table == "t4":
        return set() if totals_recomputed else {("I3", f"t4.{row}.total")}
    if totals_recomputed:
        return {("R1", f"t3.total.{col}"), ("R1", "t3.total.total")}
    if row in ("received", "carried_in", "carried_over"):
        return {("I2", f"t3.{row}.total"), ("R1", f"t3.total.{col}")}
    return {("I2", f"t3.{row}.total"), ("I1", f"t3.total.{col}")}


@pytest.mark.parametrize("form_id", FORM_IDS)
@PROPERTY
@given(data=st.data())
def test_breaking_one_value_breaks_exactly_its_rules(form_id, data):
    form = BY_ID[form_id]
    values = data.draw(consistent_reports(form))
    key = data.draw(st.sampled_from([c.key for c in form.input_cells]))
    delta = data.draw(st.integers(-9, 9).filter(bool))
    broken = dict(values)
    broken[key] += delta
    assert failing(error_rules(form), broken) == expected_breaks(form, key, totals_recomputed=False)
    recomputed = with_totals(form, broken)
    assert failing(error_rules(form), recomputed) == expected_breaks(form, key, totals_recomputed=True)


def test_breaking_a_detail_example():
    values = with_totals(GOV2021, {c.key: 1 for c in GOV2021.input_cells})
    for col in APPLICANT_KEYS:  # 1 received + 1 carried in = 21 outcomes + carried over: receive 20 more
        values[f"t3.received.{col}"] = 20
        values[f"t3.carried_over.{col}"] = 0
    values = with_totals(GOV2021, values)
    assert failing(error_rules(GOV2021), values) == set()
    values["t3.refused_secret.commercial"] = 2
    assert failing(error_rules(GOV2021), values) == {("I2", "t3.refused_secret.total"), ("I1", "t3.total.commercial")}
    (i2,) = [r for r in with_id(GOV2021, "I2") if r.anchor == "t3.refused_secret.total"]
    result = evaluate(i2, values)
    assert (result.left, result.right, result.difference) == (6, 7, -1)
    assert i2.scope == "（三）不予公开 1.属于国家秘密"


def test_warnings_fire():
    values = with_totals(GOV2021, {c.key: 0 for c in GOV2021.input_cells})
    values["t2.rules.in_force"] = 1
    assert failing(GOV2021.rules_for("乡镇"), values) == {("W1", "t2.rules.issued")}
    assert failing(GOV2021.rules_for("部门"), values) == set()
    # W3 only from 5 outcomes on, and only above one fifth
    values = {c.key: 0 for c in GOV2021.input_cells}
    values["t3.received.natural"] = 10
    values["t3.disclosed.natural"] = 8
    values["t3.other_no_fee.natural"] = 2
    (w3,) = with_id(GOV2021, "W3")
    assert evaluate(w3, with_totals(GOV2021, values)).passed  # 2 ≤ 10/5
    values["t3.other_other.natural"] = 1
    result = evaluate(w3, with_totals(GOV2021, values))
    assert not result.passed and (result.left, result.right) == (3, Decimal("2.2"))
    few = {c.key: 0 for c in GOV2021.input_cells} | {"t3.received.natural": 4, "t3.other_other.natural": 4}
    assert evaluate(w3, with_totals(GOV2021, few)) is None


# --- the seed: 青塘镇 2019 -----------------------------------------------------------------------


def qingtang_2019() -> dict[str, int]:
    """The numbers of shared/seeds/000_0b900a435422d60b.txt, as read: all 0 except 其他处理 6 in the
    其他 column, the printed totals, and a 部分公开 row left blank (missing)."""
    values = {c.key: 0 for c in GOV2019.cells}
    values.update({
        "t3.other.other_org": 6, "t3.other.total": 6,
        "t3.total.other_org": 6, "t3.total.total": 6,
    })
    for col in T3_COLUMN_KEYS:
        del values[f"t3.partial.{col}"]
    return values


def read_seed_table3(text: str) -> dict[str, int]:
    """Table 三 of the seed's text dump: one tab-indented line per grid cell, rows separated by blank lines."""
    section = text.split("\n三、收到和处理政府信息公开申请情况\n", 1)[1].split("\n四、政府信息公开行政复议", 1)[0]
    by_label = {label: key for key, _, label in T3_ROWS["gov2019"]}
    values = {}
    for block in section.split("\n\n"):
        items = [line.strip() for line in block.split("\n") if line.startswith("\t")]
        if len(items) < 8 or not all(v == "" or v.isdigit() for v in items[-7:]):
            continue
        label = items[-8]
        key = "carried_over" if label.startswith("四、结转") else by_label[label]  # the seed writes 结转下半年度
        values |= {f"t3.{key}.{col}": int(v) for col, v in zip(T3_COLUMN_KEYS, items[-7:]) if v != ""}
    return values


@pytest.mark.skipif(not SEED.exists(), reason=f"the seed report {SEED} is not in this checkout")
def test_seed_values_are_read_as_the_seed_prints_them():
    text = SEED.read_text(encoding="utf-8")
    expected = qingtang_2019()
    assert read_seed_table3(text) == {k: v for k, v in expected.items() if k.startswith("t3.")}
    for heading, end in (("二、主动公开政府信息情况", "三、收到和处理"), ("四、政府信息公开行政复议、行政诉讼情况", "五、")):
        section = text.split(f"\n{heading}\n", 1)[1].split(f"\n{end}", 1)[0]
        numbers = [line.strip() for line in section.split("\n") if line.strip().isdigit()]
        assert numbers == ["0"] * {"二": 22, "四": 15}[heading[0]]


def test_seed_balance_fails_in_the_other_and_total_columns():
    values = qingtang_2019()
    r1 = {rule.anchor: evaluate(rule, values) for rule in with_id(GOV2019, "R1")}
    assert {anchor for anchor, result in r1.items() if not result.passed} == {"t3.total.other_org", "t3.total.total"}
    for anchor in ("t3.total.other_org", "t3.total.total"):
        result = r1[anchor]
        assert (result.left, result.right, result.difference) == (0, 6, -6)
    (other_col,) = [r for r in with_id(GOV2019, "R1") if r.anchor == "t3.total.other_org"]
    assert other_col.scope == "其他列"
    assert other_col.left.labels == ("本年新收", "上年结转")
    assert other_col.right.labels == ("办理结果总计", "结转下年度")


def test_seed_findings():
    values = qingtang_2019()
    rules = GOV2019.rules_for("乡镇", cross_year=False)
    assert failing(rules, values) == {
        ("R1", "t3.total.other_org"),
        ("R1", "t3.total.total"),
        ("W2", "t3.received.total"),  # nothing received, yet 6 outcomes
        ("W3", "t3.other.total"),  # all 6 outcomes are 其他处理
    }
    skipped = {(r.id, r.anchor) for r in rules if evaluate(r, values) is None}
    touching_partial = {(r.id, r.anchor) for r in rules if any(k.startswith("t3.partial.") for k in r.keys)}
    assert skipped == touching_partial
    assert skipped == {("I2", "t3.partial.total")} | {("I1", f"t3.total.{col}") for col in T3_COLUMN_KEYS}


def test_a_none_value_counts_as_missing():
    values = qingtang_2019() | {f"t3.partial.{col}": None for col in T3_COLUMN_KEYS}
    rules = GOV2019.rules_for("乡镇", cross_year=False)
    assert {(r.id, r.anchor) for r in rules if evaluate(r, values) is None} == (
        {("I2", "t3.partial.total")} | {("I1", f"t3.total.{col}") for col in T3_COLUMN_KEYS})


def test_seed_without_previous_year_skips_cross_year_rules():
    values = qingtang_2019()
    for rule in GOV2019.rules_for(cross_year=True):
        assert evaluate(rule, values, None) is None
        assert evaluate(rule, values, {}) is None


# --- across years --------------------------------------------------------------------------------


def test_carried_in_is_checked_against_last_year():
    (natural,) = [r for r in with_id(GOV2021, "X1") if r.anchor == "t3.carried_in.natural"]
    previous = {"t3.carried_over.natural": 3, "t3.carried_in.natural": 99}
    result = evaluate(natural, {"t3.carried_in.natural": 3, "t3.carried_over.natural": 7}, previous)
    assert result.passed and (result.left, result.right) == (3, 3)
    result = evaluate(natural, {"t3.carried_in.natural": 4}, previous)
    assert not result.passed and (result.left, result.right) == (4, 3)
    assert evaluate(natural, {"t3.carried_in.natural": 4}, None) is None
    assert evaluate(natural, {"t3.carried_in.natural": 4}, {"t3.carried_over.commercial": 3}) is None
    assert evaluate(natural, {}, previous) is None


def test_project_count_is_checked_against_last_year():
    (licensing,) = [r for r in with_id(GOV2019, "X2") if r.anchor == "t2.licensing.prev_items"]
    previous = {"t2.licensing.prev_items": 396, "t2.licensing.change": -18}
    assert evaluate(licensing, {"t2.licensing.prev_items": 378}, previous).passed
    result = evaluate(licensing, {"t2.licensing.prev_items": 396}, previous)
    assert not result.passed and (result.left, result.right) == (396, 378)
    assert evaluate(licensing, {"t2.licensing.prev_items": 396}, {"t2.licensing.prev_items": 396}) is None


def previous_report(form_id: str) -> dict[str, int]:
    form = BY_ID[form_id]
    values = {c.key: i for i, c in enumerate(form.input_cells)}
    for i, row in enumerate(PROJECT_ROWS_2019 if form_id == "gov2019" else ()):
        values[f"t2.{row}.change"] = -i
    return with_totals(form, values)


def test_carry_over_2021():
    previous = previous_report("gov2021")
    assert GOV2021.carry_over(previous) == {
        f"t3.carried_in.{col}": previous[f"t3.carried_over.{col}"] for col in T3_COLUMN_KEYS
    }


def test_carry_over_2019():
    previous = previous_report("gov2019")
    expected = {f"t3.carried_in.{col}": previous[f"t3.carried_over.{col}"] for col in T3_COLUMN_KEYS}
    expected |= {
        f"t2.{row}.prev_items": previous[f"t2.{row}.prev_items"] + previous[f"t2.{row}.change"]
        for row in PROJECT_ROWS_2019
    }
    assert GOV2019.carry_over(previous) == expected
    assert expected["t2.other_services.prev_items"] == previous["t2.other_services.prev_items"] - 1


def test_carry_over_from_the_2019_format_into_2021():
    """The report on 2021 takes its 上年结转 from the report on 2020, which used the 2019 format."""
    previous = previous_report("gov2019")
    assert GOV2021.carry_over(previous) == {
        f"t3.carried_in.{col}": previous[f"t3.carried_over.{col}"] for col in T3_COLUMN_KEYS
    }


def test_carry_over_without_previous_values():
    assert GOV2019.carry_over({}) == {}
    assert GOV2021.carry_over({"t3.carried_over.natural": 2}) == {"t3.carried_in.natural": 2}
    partial = {"t2.fees.prev_items": 5}  # the change is missing: nothing to carry for this row
    assert GOV2019.carry_over(partial) == {}


@pytest.mark.parametrize("form_id", FORM_IDS)
@PROPERTY
@given(data=st.data())
def test_carried_over_values_satisfy_the_cross_year_rules(form_id, data):
    form = BY_ID[form_id]
    previous = data.draw(consistent_reports(form))
    current = data.draw(consistent_reports(form))
    cross = form.rules_for(cross_year=True)
    current.update(form.carry_over(previous))
    for rule in cross:
        result = evaluate(rule, current, previous)
        assert result is not None and result.passed, rule
    # last year's 结转 corrected afterwards: every column of X1 now disagrees, nothing else does
    previous = {k: v + 1 if k.startswith("t3.carried_over.") else v for k, v in previous.items()}
    assert Counter(r.id for r in cross if not evaluate(r, current, previous).passed) == {"X1": 7}


def test_a_form_pickles_as_itself():
    import pickle

    from pipeline.forms import FORMS

    for form in FORMS:
        assert pickle.loads(pickle.dumps(form)) is form
        assert len(pickle.dumps(form)) < 200
