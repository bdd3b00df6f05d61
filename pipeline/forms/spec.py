"""The building blocks of a national report format, as plain data.

A `Form` is one national format (e.g. 国办公开办函〔2021〕30号). It lists the six sections, the
three tables with their exact grid (every label, its position and its merged span), the value
cells with a stable key and a kind, the narrative fields, and the arithmetic rules.

Everything else in the product (the Excel template, the reader, the checks, the Word report, the
summary) is derived from a `Form`; nothing outside `pipeline/forms/` spells a label or a rule.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Iterable, Mapping, TypeVar

T = TypeVar("T")

ERROR = "错误"
WARNING = "警告"
NOTICE = "提示"


class CellKind(enum.Enum):
    """What a value cell may hold."""

    COUNT = "count"  # non-negative whole number (件数, 数量)
    SIGNED = "signed"  # whole number, may be negative (2019 本年增/减)
    AMOUNT_WAN = "amount_wan"  # 万元, non-negative, at most 6 decimals (2021 本年收费金额)
    AMOUNT = "amount"  # non-negative amount, unit not stated by the format (2019 采购总金额)

    @property
    def is_integer(self) -> bool:
        return self in (CellKind.COUNT, CellKind.SIGNED)

    @property
    def allows_negative(self) -> bool:
        return self is CellKind.SIGNED

    @property
    def max_decimals(self) -> int:
        return {CellKind.AMOUNT_WAN: 6, CellKind.AMOUNT: 2}.get(self, 0)

    @property
    def description(self) -> str:
        """How the kind is described to a clerk."""
        return {
            CellKind.COUNT: "不小于0的整数",
            CellKind.SIGNED: "整数（减少填负数，如-8）",
            CellKind.AMOUNT_WAN: "以万元为单位的金额，最多6位小数",
            CellKind.AMOUNT: "金额数字，最多2位小数，不带单位",
        }[self]


@dataclass(frozen=True)
class Label:
    """A fixed text cell of a table grid (header, group or row label, note).

    Positions are relative to the table's top-left corner, 0-based.
    """

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    role: str = "header"  # header | title | group | row | note


@dataclass(frozen=True)
class Cell:
    """A value cell: one number of the report."""

    key: str  # stable identifier, e.g. "t3.received.natural"
    table: str  # "t2" | "t3" | "t4"
    row: int
    col: int
    kind: CellKind
    row_label: str  # the label of its row, verbatim
    col_label: str  # the label of its column, verbatim
    group: str = ""  # the enclosing group or block, e.g. "（三）不予公开" or "第二十条第（一）项"
    colspan: int = 1
    sum_of: tuple[str, ...] = ()  # a total: the template computes it from these cells

    @property
    def is_total(self) -> bool:
        return bool(self.sum_of)

    @property
    def label(self) -> str:
        """A readable name, e.g. "（三）不予公开 1.属于国家秘密／自然人"."""
        row = f"{self.group} {self.row_label}" if self.group and self.table == "t3" else self.row_label
        if self.table == "t4":
            return f"{self.group}／{self.col_label}"
        return f"{row}／{self.col_label}"


@dataclass(frozen=True)
class Blank:
    """A cell of the grid that the format leaves empty (not applicable)."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Table:
    key: str  # "t2" | "t3" | "t4"
    section: str  # the section number, "二" / "三" / "四"
    n_rows: int
    n_cols: int
    labels: tuple[Label, ...]
    cells: tuple[Cell, ...]
    blanks: tuple[Blank, ...] = ()
    header_rows: int = 0  # rows at the top that repeat on each printed page

    def label_at(self, row: int, col: int) -> Label | None:
        for label in self.labels:
            if label.row == row and label.col == col:
                return label
        return None


@dataclass(frozen=True)
class TextField:
    """A narrative field the unit writes (section 一, 五, 六, and the optional preface)."""

    key: str  # e.g. "text.overview"
    section: str  # "" for the preface, else the section number
    title: str  # how the field is named to the clerk
    required: bool = True
    max_chars: int | None = None  # a guideline, checked as a warning
    hint: str = ""
    prefill: str = ""  # editable default; "{year}" is replaced by the report year


@dataclass(frozen=True)
class Section:
    number: str  # "一" … "六"
    heading: str  # verbatim, e.g. "一、总体情况"
    table: str | None = None  # the table key for sections 二, 三, 四
    text: str | None = None  # the text field key for sections 一, 五, 六


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One addend of a rule side: a cell of this year's report, or of last year's."""

    key: str
    previous_year: bool = False


@dataclass(frozen=True)
class Side:
    terms: tuple[Term, ...] = ()
    factor: Fraction = Fraction(1)
    constant: int = 0  # added after the factor; an empty side is the constant 0
    # names for messages: one per term (in order), or a single name for the whole side
    labels: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.terms)


OPERATORS = {
    "=": lambda a, b: a == b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Rule:
    """Σ left  op  factor × Σ right, optionally only when a condition holds.

    Modelled after DHIS2 validation rules: each rule carries a Chinese title and an instruction that
    tells the clerk what to do. Rules whose terms are missing are skipped (the missing values are
    reported on their own).
    """

    id: str  # "R1", "I1", … (the same id for each column of a per-column rule)
    title: str  # Chinese, e.g. "勾稽关系：一＋二＝三＋四"
    scope: str  # the column or block this instance checks, e.g. "自然人列"; "" when whole
    left: Side
    op: str
    right: Side
    severity: str  # 错误 | 警告
    instruction: str  # what the clerk should do
    anchor: str  # the cell key to mark in a returned workbook
    when: "Rule | None" = None  # a precondition (its severity and texts are not used)
    breach: str = ""  # how a message names the failure, e.g. "勾稽关系不平衡"; default from the title
    unit_kinds: tuple[str, ...] = ()  # only for these roster kinds (乡镇 / 部门); empty = all
    cross_year: bool = False

    @property
    def failure(self) -> str:
        return self.breach or f"不符合“{self.title}”"

    @property
    def keys(self) -> tuple[str, ...]:
        keys = self.left.keys + self.right.keys
        return keys + (self.when.keys if self.when else ())


@dataclass(frozen=True)
class Evaluation:
    rule: Rule
    passed: bool
    left: Decimal
    right: Decimal

    @property
    def difference(self) -> Decimal:
        return self.left - self.right


Number = int | Decimal


def side_value(side: Side, current: Mapping[str, Number], previous: Mapping[str, Number] | None) -> Decimal | None:
    total = Decimal(0)
    for term in side.terms:
        source = previous if term.previous_year else current
        if source is None or source.get(term.key) is None:
            return None
        total += Decimal(source[term.key])
    if side.factor != 1:
        total = total * side.factor.numerator / side.factor.denominator
    return total + side.constant


def evaluate(rule: Rule, current: Mapping[str, Number], previous: Mapping[str, Number] | None = None) -> Evaluation | None:
    """Evaluate a rule with plain arithmetic. None when it does not apply or a value is missing."""
    if rule.when is not None:
        condition = evaluate(rule.when, current, previous)
        if condition is None or not condition.passed:
            return None
    left = side_value(rule.left, current, previous)
    right = side_value(rule.right, current, previous)
    if left is None or right is None:
        return None
    return Evaluation(rule, OPERATORS[rule.op](left, right), left, right)


@dataclass(frozen=True)
class TextRule:
    """A check that reads the narrative, last year's report or the peers' figures, not only the
    arithmetic of one year's tables: a Chinese title, a severity and an instruction like a `Rule`.

    `check` names the function that evaluates it (in `pipeline/checks_text.py`,
    `pipeline/checks_history.py` or `pipeline/peers.py`); `texts` and `cells` are what it reads;
    `limits` are its thresholds, stated here so the spec says what fires.
    """

    id: str  # "T1", "X4", "P1" …
    title: str  # Chinese
    severity: str  # 错误 | 警告 | 提示
    instruction: str  # what the clerk should do
    check: str  # the name of the check, e.g. "quoted_numbers"
    texts: tuple[str, ...] = ()  # text keys it reads
    cells: tuple[str, ...] = ()  # cell keys it reads
    anchor: str = ""  # the text or cell key to mark in a returned workbook
    source: str = "text"  # "text": this year's report | "history": also last year's | "peers": the county's run
    limits: tuple[tuple[str, Decimal], ...] = ()
    patterns: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (name, regex, cell keys): quoted figures

    @property
    def cross_year(self) -> bool:
        return self.source == "history"

    def limit(self, name: str) -> Decimal:
        return dict(self.limits)[name]


# --- the form --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    id: str  # "gov2019" | "gov2021"
    name: str  # e.g. "政府信息公开工作年度报告格式（试行）"
    document: str  # e.g. "国办公开办函〔2019〕60号"
    first_year: int  # first report year the format applies to
    last_year: int | None  # last report year, None while current
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    texts: tuple[TextField, ...]
    rules: tuple[Rule, ...]
    table_notes: Mapping[str, str] = field(default_factory=dict)
    text_rules: tuple[TextRule, ...] = ()  # checks of the narrative, against last year and against peers

    def __reduce__(self):
        # a form is a module-level constant compared by identity: it travels between processes (and
        # into the cache) as its id, and comes back as the same object
        from . import form_by_id

        return (form_by_id, (self.id,))

    def applies_to(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(c for t in self.tables for c in t.cells)

    def cell(self, key: str) -> Cell:
        return self._cells_by_key[key]

    @property
    def _cells_by_key(self) -> dict[str, Cell]:
        cache = self.__dict__.get("_cache_cells")
        if cache is None:
            cache = {c.key: c for c in self.cells}
            object.__setattr__(self, "_cache_cells", cache)
        return cache

    def has_cell(self, key: str) -> bool:
        return key in self._cells_by_key

    def derived(self, compute: Callable[[Form], T]) -> T:
        """`compute(self)`, worked out once per form and kept with it (a form never changes): what
        reading every file of a run needs of the form. Kept by function, so two functions, like two
        forms, never share a result."""
        cache = self.__dict__.get("_cache_derived")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_cache_derived", cache)
        if compute not in cache:
            cache[compute] = compute(self)
        return cache[compute]

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    def text(self, key: str) -> TextField:
        for text in self.texts:
            if text.key == key:
                return text
        raise KeyError(key)

    def section(self, number: str) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise KeyError(number)

    @property
    def input_cells(self) -> tuple[Cell, ...]:
        """The cells a clerk types in (totals are computed)."""
        return tuple(c for c in self.cells if not c.is_total)

    def rules_for(self, unit_kind: str | None = None, cross_year: bool | None = None) -> tuple[Rule, ...]:
        return tuple(
            r
            for r in self.rules
            if (cross_year is None or r.cross_year == cross_year)
            and (not r.unit_kinds or unit_kind is None or unit_kind in r.unit_kinds)
        )

    def text_rules_for(self, source: str) -> tuple[TextRule, ...]:
        return tuple(r for r in self.text_rules if r.source == source)

    def with_totals(self, values: Mapping[str, Number | None]) -> dict[str, Decimal]:
        """`values` of input cells plus every total computed from its parts, as the template's SUM
        formulas do: a missing or blank part counts as 0, and totals may sum totals."""
        result = {k: Decimal(v) for k, v in values.items() if v is not None}

        def total(key: str) -> Decimal:
            if key not in result:
                result[key] = sum(
                    (total(k) if self.cell(k).is_total else result.get(k, Decimal(0)) for k in self.cell(key).sum_of),
                    Decimal(0),
                )
            return result[key]

        for cell in self.cells:
            if cell.is_total:
                total(cell.key)
        return result

    def carry_over(self, previous: Mapping[str, Number]) -> dict[str, Decimal]:
        """Values this year's report takes over from last year's (上年结转 and the like).

        Derived from the cross-year equality rules whose left side is one cell of this year.
        """
        prefilled: dict[str, Decimal] = {}
        for rule in self.rules_for(cross_year=True):
            if rule.op != "=" or len(rule.left.terms) != 1 or rule.left.terms[0].previous_year:
                continue
            value = side_value(rule.right, {}, previous)
            if value is not None:
                prefilled[rule.left.terms[0].key] = value
        return prefilled


# --- label comparison ------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "〃": '"'})


_SPACES = re.compile(r"\s+")


def normalize_label(text: str) -> str:
    """Compare labels as a person would: ignore width, spaces, line breaks and quote styles."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    return _SPACES.sub("", text)


def keys_of(cells: Iterable[Cell]) -> tuple[str, ...]:
    return tuple(c.key for c in cells)
