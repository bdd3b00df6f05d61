"""A published report (paragraphs and tables) into a Submission: title, year, unit, sections,
narrative texts, signature, tables, and the rules that only a published document can break.

The year comes from the title, else from the text (统计期限, else "<year>年度"); the unit from the
title and the signature; the format from the labels its tables print (so a 2021 report printed in
the 2019 format is read as printed, and told so).
"""

from __future__ import annotations

import re

from ..forms import FORMS, UnknownYear, form_by_id, form_for_year
from ..forms.common import SECTION_HEADINGS
from ..forms.published import SECTION_VARIANTS, SECTIONS, TITLE, WRONG_FORMAT
from ..forms.spec import ERROR, NOTICE, Form, normalize_label
from ..workbook.reader import Submission
from .document import Block, DocumentPlace, Grid, Paragraph
from .labels import EXACT, distinctive_labels, label_hits, match_label
from .tables import TableReader, classify

_HEADING = re.compile(r"^([一二三四五六七八九十]{1,2})[、.．]\s*(\S.{0,40})$")
_TITLE_FORM = re.compile(r"^(?P<unit>.+?)(?P<year>\d{4})年度?政府信息公开工作年度报告$")
_YEAR_IN_TITLE = re.compile(r"(\d{4})\s*年")
_PERIOD = re.compile(r"统计期限[^0-9]{0,12}(\d{4})\s*年")
_YEAR_TEXT = re.compile(r"(\d{4})\s*年度")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DATE = re.compile(r"^[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日$")
NUMERALS = "一二三四五六七八九十"


def assemble(submission: Submission, blocks: list[Block]) -> None:
    """Fill `submission` from the blocks of a published report. Never raises for odd content."""
    name = submission.file.name
    paragraphs = [(i, b.text.strip()) for i, b in enumerate(blocks) if isinstance(b, Paragraph) and b.text.strip()]
    grids = [b for b in blocks if isinstance(b, Grid)]
    headings = _headings(paragraphs)
    first_heading = headings[0][0] if headings else len(blocks)
    title_at, title = _title(paragraphs, first_heading)
    if not headings and not any(classify(g, f) for g in grids for f in FORMS):
        submission.note(ERROR, "unreadable", f"{name} 中找不到政府信息公开工作年度报告（没有格式规定的表格和章节标题），无法读取。"
                                                 "请确认报送单位发来的是哪个文件：填报用县里下发的 Excel 模板；已发布的报告可以是 Word 文档、网页或文本文件。")
        return
    submission.info["title"] = title
    _year(submission, title, paragraphs)
    form = _form(submission, grids)
    submission.form = form
    if form is None:
        submission.note(ERROR, "not-a-template", f"{name} 中找不到年度报告的表格，也无法从标题或正文确定报告年度，无法读取其中的数字。")
        return
    _unit(submission, title, blocks, headings)
    _texts(submission, blocks, headings, title_at)
    TableReader(submission, form).read(grids)
    _check_title(submission, title)
    _check_sections(submission, headings)
    _check_format(submission)


# --- structure -------------------------------------------------------------------------------


def _headings(paragraphs: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(block index, number, heading as printed) of the level-1 headings: "一、总体情况" … A numbered
    line counts when its words are a known section title; one with other words counts when no known
    title has its number and it continues the numbering ("五、下一步打算", "七、附件"), so that an
    item "二、规范建设" inside 一 is not taken for section 二."""
    known = [(n, h.split("、", 1)[1]) for n, h in SECTION_HEADINGS]
    titles = [t for _, t in known] + [v for vs in SECTION_VARIANTS.values() for v in vs]
    candidates = []
    for index, text in paragraphs:
        match = _HEADING.match(text)
        if match and len(text) <= 45 and not text.endswith(("。", "；", ";")):
            candidates.append((index, match.group(1), text, match_label(match.group(2), titles) is not None))
    recognised = {number for _, number, _, known_title in candidates if known_title}
    found: list[tuple[int, str, str]] = []
    for index, number, text, known_title in candidates:
        follows = bool(found) and NUMERALS.find(number) == NUMERALS.find(found[-1][1]) + 1
        if known_title or (follows and number not in recognised):
            found.append((index, number, text))
    return found


def _title(paragraphs: list[tuple[int, str]], before: int) -> tuple[int, str]:
    head = [(i, t) for i, t in paragraphs if i < before and len(t) <= 60]
    for k in range(len(head) - 1, -1, -1):  # the nearest to the first heading: a site's menu comes before
        i, text = head[k]
        if normalize_label(text).endswith(("报告", "报告的函")):
            # a title set on two lines ("青石镇人民政府2024年" / "政府信息公开工作年度报告") is one title
            if k and head[k - 1][0] == i - 1 and not (_YEAR_IN_TITLE.search(text) and "政府信息公开" in text):
                before_line = head[k - 1][1]
                joined = before_line + text
                if not before_line.endswith(("。", "：", ":", "；")) and "政府信息公开" in joined and _YEAR_IN_TITLE.search(joined):
                    return i, joined  # the text begins after the last line of the title
            if "政府信息公开" in text:
                return i, text
    for i, text in head:
        if "报告" in text and not text.endswith(("。", "：", ":")):
            return i, text
    return (head[0] if head else (-1, ""))


def _year(submission: Submission, title: str, paragraphs: list[tuple[int, str]]) -> None:
    match = _YEAR_IN_TITLE.search(title)
    if match:
        submission.year = int(match.group(1))
        return
    text = "\n".join(t for _, t in paragraphs[:40])
    match = _PERIOD.search(text) or _YEAR_TEXT.search(text)
    if match:
        submission.year = int(match.group(1))
        submission.note(NOTICE, "year-from-text",
                        f"{submission.file.name} 的标题中没有年度，按正文“{match.group(0)}”读作 {submission.year} 年度。")
    else:
        submission.note(ERROR, "year-missing",
                        f"{submission.file.name} 的标题和正文中都找不到报告年度。标题应写明年度，如“××镇2024年政府信息公开工作年度报告”。")


def _form(submission: Submission, grids: list[Grid]) -> Form | None:
    """The format the tables are printed in; without tables, the format of the report year."""
    texts = [t for g in grids for row in g.rows for t in row if t.strip()]
    hits = {form_id: label_hits(texts, labels) for form_id, labels in distinctive_labels(FORMS).items()}
    best = max(hits, key=lambda k: hits[k])
    if hits[best] > 0 and list(hits.values()).count(hits[best]) == 1:
        return form_by_id(best)
    if submission.year is not None:
        try:
            return form_for_year(submission.year)
        except UnknownYear:
            return None
    return None


def _unit(submission: Submission, title: str, blocks: list[Block], headings) -> None:
    match = _TITLE_FORM.match(normalize_label(title))
    from_title = match.group("unit") if match else re.split(r"\d{4}|政府信息公开|关于", normalize_label(title))[0]
    signature, date = _signature(blocks, headings)
    submission.unit_name = from_title or signature
    submission.info["info.unit_name"] = signature or from_title
    if date:
        submission.info["info.date"] = date


def _signature(blocks: list[Block], headings) -> tuple[str, str]:
    """(unit, date) of the signature: the last date line after 六 and the short line above it."""
    start = headings[-1][0] + 1 if headings else 0
    lines = [(i, b.text.strip()) for i, b in enumerate(blocks) if i >= start and isinstance(b, Paragraph) and b.text.strip()]
    for position in range(len(lines) - 1, -1, -1):
        i, text = lines[position]
        if _DATE.match(normalize_label(text)) or _CN_DATE.match(normalize_label(text)):
            above = lines[position - 1][1] if position > 0 else ""
            unit = above if above and len(above) <= 30 and not above.endswith("。") else ""
            return unit, text
    return "", ""


def _texts(submission: Submission, blocks: list[Block], headings, title_at: int) -> None:
    form = submission.form
    signature_at = _signature_index(blocks, headings)
    bounds = [(index, number, text) for index, number, text in headings]
    starts = [(title_at, "", "")] + bounds
    for n, (index, number, printed) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else signature_at
        field = next((t for t in form.texts if t.section == number), None)
        if field is None:
            continue
        lines = [b.text.strip() for b in blocks[index + 1:end] if isinstance(b, Paragraph) and b.text.strip()]
        submission.texts[field.key] = "\n".join(lines)
        submission.places[field.key] = DocumentPlace(printed or "标题之后的引言")


def _signature_index(blocks: list[Block], headings) -> int:
    unit, date = _signature(blocks, headings)
    if not date:
        return len(blocks)
    for i in range(len(blocks) - 1, -1, -1):
        if isinstance(blocks[i], Paragraph) and blocks[i].text.strip() == date:
            if unit and i > 0:
                for j in range(i - 1, -1, -1):
                    if isinstance(blocks[j], Paragraph) and blocks[j].text.strip() == unit:
                        return j
            return i
    return len(blocks)


# --- rules of a published document -----------------------------------------------------------


def _check_title(submission: Submission, title: str) -> None:
    if _TITLE_FORM.match(normalize_label(title).replace("（度）", "")):
        return
    shown = title or "（没有标题）"
    submission.note(
        TITLE.severity, TITLE.id,
        f"{submission.file.name} 的标题为“{shown}”，不符合“<机关名称><年度>年（度）政府信息公开工作年度报告”的形式。{TITLE.instruction}",
        expected="<机关名称><年度>年政府信息公开工作年度报告", actual=title,
    )


def _check_sections(submission: Submission, headings) -> None:
    official = [(n, h) for n, h in SECTION_HEADINGS]
    found = [(number, text) for _, number, text in headings]
    problems = []
    if [n for n, _ in found] != [n for n, _ in official]:
        problems.append("正文的部分依次为" + ("、".join(f"“{t}”" for _, t in found) if found else "（没有找到部分标题）"))
    for number, text in found:
        heading = dict(official).get(number)
        if heading is None:
            continue
        variants = [heading.split("、", 1)[1], *SECTION_VARIANTS.get(number, ())]
        match = match_label(text.split("、", 1)[-1] if "、" in text else text[2:], variants)
        if match is None:
            problems.append(f"“{text}”应为“{heading}”")
        elif match.how != EXACT and match.official == variants[0]:
            submission.note(NOTICE, "label-variant", f"{submission.file.name} 的标题“{text}”{match.explain(text)[len(text) + 2:]}。",
                            expected=heading, actual=text)
    if problems:
        submission.note(
            SECTIONS.severity, SECTIONS.id,
            f"{submission.file.name} {'；'.join(problems)}。{SECTIONS.instruction}",
            expected="、".join(h for _, h in official), actual="、".join(t for _, t in found),
        )


def _check_format(submission: Submission) -> None:
    form, year = submission.form, submission.year
    if year is None or form.applies_to(year):
        return
    try:
        right = form_for_year(year)
    except UnknownYear:
        return
    submission.note(
        WRONG_FORMAT.severity, WRONG_FORMAT.id,
        f"{submission.file.name} 是{year}年度的报告，表格却是{form.document}《{form.name}》的格式；"
        f"{year}年度应使用{right.document}《{right.name}》。{WRONG_FORMAT.instruction}",
        expected=right.document, actual=form.document,
    )
