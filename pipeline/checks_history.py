"""Checks against the same unit's report of last year (rules X3, X4 and X5 of the form spec).

X3 (2021 format) follows 现行有效件数 from last year's; X4 compares the main figures with last year's
values (data.csv of last year's run); X5 compares the narrative with last year's texts (texts.csv
beside it): a section 五 copied from last year is what the format notice calls "敷衍了事甚至年年雷同".
(X1 and X2 are arithmetic rules of the spec, see `checks.check_rule`.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Mapping

from .findings import fmt_number
from .forms.spec import TextRule
from .textnumbers import normalize, sentences
from .workbook.reader import Submission

QUOTE_CHARS = 60


def run_history_rules(
    submission: Submission,
    previous: Mapping[str, Decimal] | None,
    previous_texts: Mapping[str, str] | None,
) -> None:
    """Apply the form's rules against last year, X3–X5 (each only when its kind of history exists)."""
    for rule in submission.form.text_rules_for("history"):
        if rule.check == "in_force" and previous is not None:
            in_force(submission, rule, previous)
        elif rule.check == "year_over_year" and previous is not None:
            year_over_year(submission, rule, previous)
        elif rule.check == "same_as_last_year" and previous_texts:
            same_as_last_year(submission, rule, previous_texts)


# --- X3: 现行有效件数 ---------------------------------------------------------------------------------------


def in_force(submission: Submission, rule: TextRule, previous: Mapping[str, Decimal]) -> None:
    """X3: 现行有效 + 废止 = last year's 现行有效 + 制发, per row of 第二十条第（一）项."""
    current = submission.rule_values
    rows = dict.fromkeys(k.rsplit(".", 1)[0] for k in rule.cells)
    for row in rows:
        keys = (f"{row}.in_force", f"{row}.repealed", f"{row}.issued")
        if any(current.get(k) is None for k in keys) or previous.get(f"{row}.in_force") is None:
            continue
        now, repealed, issued = (Decimal(current[k]) for k in keys)
        before = Decimal(previous[f"{row}.in_force"])
        left, right = now + repealed, before + issued
        if left == right:
            continue
        label = submission.form.cell(f"{row}.in_force").row_label
        anchor = f"{row}.in_force"
        submission.note(
            rule.severity, rule.id,
            f"{submission.where(anchor)} 现行有效件数与上年度现行有效件数及本年制发、废止件数不符（{label}）："
            f"本年现行有效件数 {fmt_number(now)} ＋ 本年废止件数 {fmt_number(repealed)} ＝ {fmt_number(left)}，"
            f"上年度现行有效件数 {fmt_number(before)} ＋ 本年制发件数 {fmt_number(issued)} ＝ {fmt_number(right)}，"
            f"相差 {fmt_number(abs(left - right))}。{rule.instruction}",
            anchor, expected=fmt_number(right), actual=fmt_number(left), difference=fmt_number(left - right),
        )


# --- X4: jumps ---------------------------------------------------------------------------------------------


def year_over_year(submission: Submission, rule: TextRule, previous: Mapping[str, Decimal]) -> None:
    """X4: a main figure more than `factor` times last year's, or less than 1/`factor` of it, when the
    larger of the two is at least `floor` (so 0 → 3 does not fire)."""
    factor, floor = rule.limit("factor"), rule.limit("floor")
    current = submission.values  # accepted values only: a refused cell is reported on its own
    for key in rule.cells:
        now, before = current.get(key), previous.get(key)
        if now is None or before is None or max(now, before) < floor:
            continue
        if now > factor * before:
            change = f"是上年度的 {_ratio(now, before)} 倍" if before else "上年度为0"
        elif now * factor < before:
            change = f"不到上年度的五分之一（{_ratio(now, before)} 倍）" if now else "本年为0"
        else:
            continue
        cell = submission.form.cell(key)
        submission.note(
            rule.severity, rule.id,
            f"{submission.where(key)} {cell.label}本年为 {fmt_number(now)}，上年度为 {fmt_number(before)}，{change}。"
            f"请核对是否填错；确属实际变化的，可不修改。",
            key, expected=fmt_number(before), actual=fmt_number(now), difference=fmt_number(now - before),
        )


def _ratio(a: Decimal, b: Decimal) -> str:
    return fmt_number((Decimal(a) / Decimal(b)).quantize(Decimal("0.1")))


# --- X5: 年年雷同 ----------------------------------------------------------------------------------------------


def comparable(text: str) -> str:
    """A text as compared for 年年雷同: letters only (no spaces or punctuation), every number as #
    (the year and the figures change every year even in a copied text)."""
    text = normalize(text)
    text = re.sub(r"[0-9]+(?:\.[0-9]+)?|[〇零一二两三四五六七八九十百千万]{2,}(?=年)", "#", text)
    return re.sub(r"[\W_]", "", text)


def trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def similarity(a: str, b: str) -> float:
    """Character 3-gram Jaccard similarity of two texts (as `comparable`), 0 … 1."""
    x, y = trigrams(comparable(a)), trigrams(comparable(b))
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def most_similar_passage(text: str, earlier: str) -> str:
    """The sentence of `text` that shares the largest part of its 3-grams with `earlier` (the longest
    of those entirely found in it)."""
    seen = trigrams(comparable(earlier))
    best, best_score = "", (-1.0, 0)
    for sentence in sentences(text):
        grams = trigrams(comparable(sentence))
        if not grams:
            continue
        score = (len(grams & seen) / len(grams), len(grams))
        if score > best_score:
            best, best_score = sentence, score
    return best


def same_as_last_year(submission: Submission, rule: TextRule, previous_texts: Mapping[str, str]) -> None:
    """X5: a section (五, then 一) at or above the similarity threshold with last year's."""
    minimum = int(rule.limit("min_chars"))
    for key in rule.texts:
        threshold = rule.limit(f"similarity.{key}")
        now, before = submission.texts.get(key, ""), previous_texts.get(key, "")
        if len(comparable(now)) < minimum or len(comparable(before)) < minimum:
            continue
        score = Decimal(str(round(similarity(now, before), 2)))
        if score < threshold:
            continue
        passage = most_similar_passage(now, before)
        passage = passage if len(passage) <= QUOTE_CHARS else passage[: QUOTE_CHARS - 1] + "…"
        title = submission.form.text(key).title
        submission.note(
            rule.severity, rule.id,
            f"{submission.where(key)} {title}与本单位上年度报告的同一部分高度相似（相似度 {score:.0%}，"
            f"达到{threshold:.0%}即提示），例如“{passage}”。格式要求不能敷衍了事、年年雷同，请结合本年度实际情况重新撰写。",
            key, expected=f"低于{threshold:.0%}", actual=f"{score:.0%}",
        )


__all__ = ["run_history_rules", "year_over_year", "same_as_last_year", "similarity", "most_similar_passage", "comparable"]
