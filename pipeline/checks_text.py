"""Checks of the narrative against the tables and the format (rules T1–T7 of the form spec).

Each check reads a submission's `texts` (a workbook's text cells, or a published document's
sections) and its values, and notes findings on the submission. They run on any Submission. They
prefer not firing to guessing: a sentence is compared only when it clearly counts what a table cell
counts.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Callable

from .findings import fmt_number
from .forms.spec import TextRule
from .forms.text_rules import FIGURE_NAMES
from .textnumbers import normalize, parse_number, pattern, sentences
from .workbook.reader import Submission

QUOTE_CHARS = 60

# words between a verb and 申请 that do not narrow what is counted ("收到群众提出的政府信息公开申请")
_FILLERS = re.compile(
    r"政府信息公开|信息公开|依申请公开|各类|各项|提出的|提交的|社会公众|公众|群众|全年|本年度|本年|全部|均已|已|共|的"
)
_NATURAL = "自然人"
_NEGATION = re.compile(r"(?:未|没有|无|不存在|零)[^，,。；;]{0,12}?(?:复议|诉讼|起诉)")
_NO_FEE = re.compile(r"(?:未|没有|不|无|免)(?:收取|收缴|收|产生|发生)?(?:任何)?(?:政府信息公开)?信息处理费|信息处理费(?:为)?(?:0|零)")
_FEE_CHARGED = re.compile(r"(?P<pre>.{0,4})收取(?:了)?(?:[^，,。；;未不]{0,6})?信息处理费|信息处理费(?:共|计|合计)*(?P<amount>[0-9][0-9.]*)(?:元|万元)")
_NUM = r"(\d{4}|[〇零○一二三四五六七八九]{4})"
_SMALL = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_PERIOD = re.compile(
    _NUM + r"年" + _SMALL + r"月" + _SMALL + r"日\s*(?:起)?\s*(?:至|到|—+|-+|－+|~|～|―+|──)\s*(?:" + _NUM + r"年)?" + _SMALL + r"月" + _SMALL + r"日"
)

_UNTIL = re.compile(r"截(?:至|止)(?:到|至)?\s*" + _NUM + r"年" + _SMALL + r"月" + _SMALL + r"日")
# the spec's plain patterns (those without a figure), compiled once per process
_compiled = functools.lru_cache(maxsize=256)(re.compile)


def run_text_rules(submission: Submission) -> None:
    """Apply the form's text rules (T1–T7) to a submission."""
    if not any(submission.texts.values()):
        return  # nothing to read (a county's 汇总表 read by the city, or a file whose texts are all missing)
    for rule in submission.form.text_rules_for("text"):
        TEXT_CHECKS[rule.check](submission, rule)


# --- T1 and T2: figures quoted in the text ---------------------------------------------------------


def _quoted(submission: Submission, rule: TextRule, names: set[str] | None = None):
    """(text key, sentence, match, name, number, alternatives) for each figure the texts quote.
    `alternatives` are tuples of cell keys; the number agrees with the table when it equals the sum
    of one of them. Skips what is not clearly a count of the table's cells."""
    seen = set()
    for key in rule.texts:
        for sentence in sentences(submission.texts.get(key, "")):
            for name, regex, cells in rule.patterns:
                if names is not None and name not in names:
                    continue
                for match in pattern(regex).finditer(sentence):
                    number = parse_number(match.group("n"))
                    alternatives = _alternatives(name, match, sentence, cells)
                    if number is None or not alternatives or (key, name, match.start("n")) in seen:
                        continue
                    seen.add((key, name, match.start("n")))
                    yield key, sentence, match, name, number, alternatives


def _alternatives(name: str, match: re.Match, sentence: str, cells: tuple[str, ...]) -> list[tuple[str, ...]]:
    gap = match.groupdict().get("gap")
    if gap is not None:
        rest = _FILLERS.sub("", gap)
        if name == "received" and rest == _NATURAL:
            return [(cells[0].replace(".total", ".natural"),)]
        if rest:
            return []  # "收到涉及征地的申请3件": a part, not the whole
        if name == "done" and "申请" not in sentence:
            return []
    if name == "received":
        # "收到申请12件（含上年结转2件）": new and carried-in together is also a reading
        return [cells, cells + ("t3.carried_in.total",)]
    return [cells]


def _sum(values, keys: tuple[str, ...]) -> Decimal | None:
    if any(values.get(k) is None for k in keys):
        return None
    return sum((Decimal(values[k]) for k in keys), Decimal(0))


def quoted_numbers(submission: Submission, rule: TextRule) -> None:
    """T1: a number the text quotes differs from the table."""
    values = submission.rule_values
    for key, sentence, match, name, number, alternatives in _quoted(submission, rule):
        sums = [_sum(values, keys) for keys in alternatives]
        if any(s is None for s in sums) or Decimal(number) in sums:
            continue
        if name == "received" and sums[0] == 0 and number > 0 and len(alternatives) > 1:
            continue  # the text says some, the table none: rule T2 (an error)
        shown = sums[1] if "结转" in sentence and len(sums) > 1 else sums[0]
        label = FIGURE_NAMES.get(name, name)
        if alternatives[0][0].endswith(".natural"):
            label = "本年新收政府信息公开申请（自然人）"
        submission.note(
            rule.severity, rule.id,
            f"{submission.where(key)} {_title(submission, key)}写明“{_quote(match.group(0))}”（{number} 件），"
            f"表中{label}为 {fmt_number(shown)}，相差 {fmt_number(abs(Decimal(number) - shown))}。{_todo(rule)}",
            key, expected=fmt_number(shown), actual=str(number), difference=fmt_number(Decimal(number) - shown),
        )


def none_received(submission: Submission, rule: TextRule) -> None:
    """T2: the text says no application came in while table 三 counts some, or the reverse."""
    received = submission.rule_values.get("t3.received.total")
    carried = submission.rule_values.get("t3.carried_in.total") or Decimal(0)
    if received is None:
        return
    for key in rule.texts:
        for sentence in sentences(submission.texts.get(key, "")):
            for name, regex, _ in rule.patterns:
                if name != "none":
                    continue
                match = _compiled(regex).search(sentence)
                if match and received > 0:
                    submission.note(
                        rule.severity, rule.id,
                        f"{submission.where(key)} {_title(submission, key)}写明“{_quote(match.group(0))}”，"
                        f"表三本年新收政府信息公开申请总计为 {fmt_number(received)}。{_todo(rule)}",
                        key, expected="0", actual=fmt_number(received),
                    )
                    return
    if received == 0 and carried == 0:
        for key, sentence, match, name, number, alternatives in _quoted(submission, rule, {"received"}):
            if number > 0 and "结转" not in sentence and len(alternatives) > 1:
                submission.note(
                    rule.severity, rule.id,
                    f"{submission.where(key)} {_title(submission, key)}写明“{_quote(match.group(0))}”（{number} 件），"
                    f"表三本年新收政府信息公开申请总计却为 0。{_todo(rule)}",
                    key, expected=str(number), actual="0",
                )
                return


# --- T3, T4: what the text must mention --------------------------------------------------------------


def cases_mentioned(submission: Submission, rule: TextRule) -> None:
    """T3: table 四 has review or suit cases the text never mentions (or says did not happen)."""
    if not submission.texts.get("text.overview", "").strip():
        return  # no 一 at all: text-missing says so
    values = submission.rule_values
    review = values.get("t4.review.total") or Decimal(0)
    suits = sum((values.get(k) or Decimal(0) for k in rule.cells[1:]), Decimal(0))
    all_sentences = [s for key in rule.texts for s in sentences(submission.texts.get(key, ""))]
    for words, count, label in ((("复议",), review, "行政复议"), (("诉讼", "起诉"), suits, "行政诉讼")):
        if count <= 0:
            continue
        about = [s for s in all_sentences if any(w in s for w in words)]
        if any(not _NEGATION.search(s.replace("未经复议", "")) for s in about):
            continue
        said = f"却写明“{_quote(about[0])}”" if about else "没有提及"
        submission.note(
            rule.severity, rule.id,
            f"{submission.where(rule.anchor)} 表四{label}总计为 {fmt_number(count)} 件，文字部分{said}。{_todo(rule)}",
            rule.anchor, expected="", actual=fmt_number(count),
        )


def fee_consistent(submission: Submission, rule: TextRule) -> None:
    """T4: 六 says no 信息处理费 was charged while another part reports one."""
    other = normalize(submission.texts.get("text.other", ""))
    said_none = _NO_FEE.search(other)
    if not said_none:
        return
    for key in rule.texts:
        if key == "text.other":
            continue
        for sentence in sentences(submission.texts.get(key, "")):
            for match in _FEE_CHARGED.finditer(sentence):
                pre = match.group("pre") or ""
                if any(word in pre for word in ("未", "不", "没有", "无", "免")):
                    continue
                if match.group("amount") is not None and Decimal(match.group("amount")) == 0:
                    continue
                submission.note(
                    rule.severity, rule.id,
                    f"{submission.where('text.other')} 六、其他需要报告的事项写明“{_quote(said_none.group(0))}”，"
                    f"{_title(submission, key)}却写明“{_quote(sentence)}”。{_todo(rule)}",
                    "text.other",
                )
                return


# --- T5, T6: the period and the format cited -------------------------------------------------------------


def statistics_period(submission: Submission, rule: TextRule) -> None:
    """T5: the statistics period stated is not 1月1日 to 12月31日 of the report year."""
    year = submission.year
    if year is None:
        return
    statement = re.compile(rule.patterns[0][1])
    for key in rule.texts:
        for sentence in sentences(submission.texts.get(key, "")):
            if not statement.search(sentence):
                continue
            match = _PERIOD.search(sentence)
            if match:
                y1, m1, d1, y2, m2, d2 = (parse_number(g) if g else None for g in match.groups())
                y2 = y2 if y2 is not None else y1
                if (y1, m1, d1, y2, m2, d2) == (year, 1, 1, year, 12, 31):
                    continue
            else:
                match = _UNTIL.search(sentence)  # "数据统计截至2025年12月31日": only the end is stated
                if not match or tuple(parse_number(g) for g in match.groups()) == (year, 12, 31):
                    continue
            submission.note(
                rule.severity, rule.id,
                f"{submission.where(key)} {_title(submission, key)}写明的统计期限为“{_quote(match.group(0))}”，"
                f"{year}年度报告应为{year}年1月1日至{year}年12月31日。请核对统计期限和数据。",
                key, expected=f"{year}年1月1日至{year}年12月31日", actual=match.group(0),
            )
            return


def format_notice(submission: Submission, rule: TextRule) -> None:
    """T6: the text cites another year's format notice (e.g. 《…格式（试行）》 in a 2021+ report)."""
    form = submission.form
    for key in rule.texts:
        text = normalize(submission.texts.get(key, ""))
        for _, regex, _ in rule.patterns:
            match = _compiled(regex).search(text)
            if match:
                start = max(0, match.start() - 20)
                end = text.find("》", match.end(), match.end() + 2) + 1 or match.end()
                submission.note(
                    rule.severity, rule.id,
                    f"{submission.where(key)} {_title(submission, key)}引用了“{_quote(text[start:end])}”，"
                    f"本年度报告的格式依据是{form.document}《{form.name}》。请改正引用的文件。",
                    key, expected=form.document, actual=match.group(0),
                )
                return


# --- T7: section 五 ---------------------------------------------------------------------------------------

_NOTHING = {"无", "暂无", "没有", "无问题", "没有问题", "不存在问题"}


def problems_substantive(submission: Submission, rule: TextRule) -> None:
    """T7: section 五 is "无" or shorter than the minimum (an empty 五 is text-missing already)."""
    key = rule.texts[0]
    if key not in submission.places and key not in submission.texts:
        return
    text = normalize(submission.texts.get(key, "")).strip()
    if not text:
        return
    chars = len(re.sub(r"[\W_]", "", text))
    minimum = int(rule.limit("min_chars"))
    if re.sub(r"[\W_]", "", text) in _NOTHING or chars < minimum:
        submission.note(
            rule.severity, rule.id,
            f"{submission.where(key)} {_title(submission, key)}只有“{_quote(text)}”（{chars} 字），"
            f"格式要求写明存在的主要问题和改进举措（本县要求不少于{minimum}字）。{_todo(rule)}",
            key, expected=f"不少于{minimum}字", actual=str(chars),
        )


# --- helpers ------------------------------------------------------------------------------------------------


def _title(submission: Submission, key: str) -> str:
    try:
        title = submission.form.text(key).title
    except KeyError:
        return ""
    return title.replace("（可选）", "")


def _todo(rule: TextRule) -> str:
    """The last sentence of a rule's instruction: what to do."""
    parts = [p for p in rule.instruction.split("。") if p]
    return parts[-1] + "。" if parts else ""


def _quote(text: str) -> str:
    text = re.sub(r"\s+", "", str(text))
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


TEXT_CHECKS: dict[str, Callable[[Submission, TextRule], None]] = {
    "quoted_numbers": quoted_numbers,
    "none_received": none_received,
    "cases_mentioned": cases_mentioned,
    "fee_consistent": fee_consistent,
    "statistics_period": statistics_period,
    "format_notice": format_notice,
    "problems_substantive": problems_substantive,
}

__all__ = ["run_text_rules", "TEXT_CHECKS"]
