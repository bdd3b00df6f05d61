"""The typography of a published report, after GB/T 9704-2012 《党政机关公文格式》, as Word styles.

Everything a county may want to restyle lives in named styles (正文 is Word's Normal; 报告标题,
一级标题, 二级标题, 落款, 表格文字 …), never in direct formatting of the body: changing a style in
Word or WPS changes every report rendered from the template.

East Asian text takes its font from `w:rFonts/@w:eastAsia`; python-docx sets only the Latin
(`ascii`/`hAnsi`) names, so the attributes are written here directly, and the theme-font attributes
of python-docx's default template are removed because a theme font wins over a named one. Fonts are
named, not embedded: the machine that opens the file supplies them. The font table names for each
government font the common substitute (`w:altName`, e.g. 仿宋 for 仿宋_GB2312), which Word and
LibreOffice use when the named font is missing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

# --- the page ---------------------------------------------------------------------------------

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)  # 天头
MARGIN_BOTTOM = Mm(35)
MARGIN_LEFT = Mm(28)  # 订口
MARGIN_RIGHT = Mm(26)
HEADER_DISTANCE = Mm(15)
FOOTER_DISTANCE = Mm(22)  # puts the page number about 7 mm below the 版心
TEXT_WIDTH_TWIPS = round(156 / 25.4 * 1440)  # 版心 156 mm = 8844 twips

# 22 lines on the 225 mm 版心: a line pitch of 28.95 pt (579 twips), as exact line spacing
LINE_PITCH_TWIPS = 579
LINE_PITCH = Pt(LINE_PITCH_TWIPS / 20)
CHARS_PER_LINE = 28

# --- fonts ------------------------------------------------------------------------------------

LATIN_SERIF = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
PAGE_NUMBER_FONT = "宋体"

SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_PAGE_NUMBER = Pt(14)  # 四号
SIZE_TABLE = Pt(10.5)  # 五号: table 三 has 10 columns and table 四 15 within 156 mm

# 28 characters of 三号 on the 156 mm line need a pitch of 15.79 pt: the 三号 styles are condensed
# by a quarter point (w:spacing in twentieths of a point), which Word and LibreOffice both honour
CHAR_SPACING = math.floor((TEXT_WIDTH_TWIPS / CHARS_PER_LINE - SIZE_BODY.pt * 20) / 5) * 5  # -5


@dataclass(frozen=True)
class FontEntry:
    """A font of the font table: its substitute and classification, so that an office suite
    without it picks a sensible replacement."""

    name: str
    alt_name: str
    panose: str
    family: str  # roman | swiss | modern | auto
    pitch: str = "variable"
    charset: str = "86"  # GB2312


FONT_TABLE = (
    FontEntry(TITLE_FONT, "宋体", "02010601030101010101", "auto"),
    FontEntry(BODY_FONT, "仿宋", "02010609030101010101", "modern", "fixed"),
    FontEntry(HEADING1_FONT, "SimHei", "02010609060101010101", "modern", "fixed"),
    FontEntry(HEADING2_FONT, "楷体", "02010609030101010101", "modern", "fixed"),
    FontEntry(TABLE_FONT, "SimSun", "02010600030101010101", "auto"),
    FontEntry(LATIN_SERIF, "", "02020603050405020304", "roman", charset="00"),
)


# --- styles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StyleSpec:
    style_id: str  # ASCII ids: Word and WPS show the name, not the id
    name: str
    east_asia: str
    latin: str
    size: Pt
    align: str  # w:jc value: both | center | left | right
    first_line_chars: int = 0  # in 1/100 of a character
    right_chars: int = 0
    left_chars: int = 0
    exact_line: bool = True  # exact line spacing of the grid; else single, off the grid
    on_grid: bool = True  # lines snap to the document's line grid
    condensed: bool = False  # 三号 text: condensed so that 28 characters fill a line
    bold: bool = False
    color: str = "000000"
    keep_next: bool = False
    outline_level: int | None = None
    based_on: str = "Normal"
    next_style: str | None = None


STYLES = (
    StyleSpec("Normal", "Normal", BODY_FONT, LATIN_SERIF, SIZE_BODY, "both", first_line_chars=200, condensed=True, based_on=""),
    StyleSpec("ReportTitle", "报告标题", TITLE_FONT, LATIN_SERIF, SIZE_TITLE, "center", on_grid=False,
              next_style="Normal"),
    StyleSpec("Heading1Zh", "一级标题", HEADING1_FONT, HEADING1_FONT, SIZE_BODY, "both", first_line_chars=200, condensed=True,
              keep_next=True, outline_level=0, next_style="Normal"),
    StyleSpec("Heading2Zh", "二级标题", HEADING2_FONT, LATIN_SERIF, SIZE_BODY, "both", first_line_chars=200, condensed=True,
              keep_next=True, outline_level=1, next_style="Normal"),
    StyleSpec("Signature", "落款", BODY_FONT, LATIN_SERIF, SIZE_BODY, "right", right_chars=400, condensed=True),
    StyleSpec("TableText", "表格文字", TABLE_FONT, LATIN_SERIF, SIZE_TABLE, "center", exact_line=False),
    StyleSpec("TableRowLabel", "表格行标题", TABLE_FONT, LATIN_SERIF, SIZE_TABLE, "left", exact_line=False,
              based_on="TableText"),
    StyleSpec("PageNumber", "页码", PAGE_NUMBER_FONT, PAGE_NUMBER_FONT, SIZE_PAGE_NUMBER, "right", exact_line=False),
    StyleSpec("DraftMark", "草稿标记", HEADING1_FONT, HEADING1_FONT, SIZE_BODY, "center", exact_line=False,
              color="C00000"),
)


@dataclass(frozen=True)
class CharacterStyleSpec:
    style_id: str
    name: str
    east_asia: str
    latin: str


# "（一）主动公开情况。" at the start of a body paragraph: the level-2 heading font, body size
RUN_IN_HEADING = CharacterStyleSpec("RunInHeading", "段首小标题", HEADING2_FONT, LATIN_SERIF)


def style_spec(style_id: str) -> StyleSpec:
    return next(s for s in STYLES if s.style_id == style_id)


def apply_styles(document) -> None:
    """Define the report's styles on a python-docx Document (built on python-docx's default template)."""
    _set_doc_defaults(document)
    styles = document.styles
    for spec in STYLES:
        if spec.style_id == "Normal":
            style = styles["Normal"]
        else:
            style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
            style.style_id = spec.style_id
            style.quick_style = True
        element = style.element
        if spec.based_on:
            _set_child_val(element, "w:basedOn", spec.based_on, before=("w:next", "w:link", "w:qFormat", "w:pPr", "w:rPr"))
        if spec.next_style:
            _set_child_val(element, "w:next", spec.next_style, before=("w:link", "w:qFormat", "w:pPr", "w:rPr"))
        _set_paragraph_properties(element.get_or_add_pPr(), spec)
        _set_run_properties(element.get_or_add_rPr(), spec)
    run_in = styles.add_style(RUN_IN_HEADING.name, WD_STYLE_TYPE.CHARACTER)
    run_in.style_id = RUN_IN_HEADING.style_id
    run_in.quick_style = True
    set_fonts(run_in.element.get_or_add_rPr(), RUN_IN_HEADING.east_asia, RUN_IN_HEADING.latin)


def set_fonts(rPr, east_asia: str, latin: str) -> None:
    """Name the East Asian and the Latin font of a run-properties element; drop theme fonts."""
    rFonts = rPr.find(qn("w:rFonts"))
    if rFonts is None:
        rFonts = OxmlElement("w:rFonts")
        rPr.insert(0, rFonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rFonts.attrib.pop(qn(attr), None)
    rFonts.set(qn("w:ascii"), latin)
    rFonts.set(qn("w:hAnsi"), latin)
    rFonts.set(qn("w:eastAsia"), east_asia)
    rFonts.set(qn("w:cs"), latin)


def font_table_xml(original: bytes) -> bytes:
    """The font table with an entry for each government font (substitute, panose, charset)."""
    from lxml import etree

    root = etree.fromstring(original)
    known = {f.get(qn("w:name")): f for f in root.findall(qn("w:font"))}
    for entry in FONT_TABLE:
        font = known.get(entry.name)
        if font is not None:
            root.remove(font)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), entry.name)
        if entry.alt_name:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), entry.alt_name)
        etree.SubElement(font, qn("w:panose1")).set(qn("w:val"), entry.panose)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), entry.charset)
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), entry.family)
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), entry.pitch)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- helpers ----------------------------------------------------------------------------------


def _set_doc_defaults(document) -> None:
    """Document defaults: the body fonts, Chinese as the East Asian language, no paragraph spacing."""
    styles_el = document.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rPr, BODY_FONT, LATIN_SERIF)
    for tag, value in (("w:sz", "32"), ("w:szCs", "32")):
        rPr.find(qn(tag)).set(qn("w:val"), value)
    lang = rPr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    pPr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = pPr.find(qn("w:spacing"))
    for attr, value in (("w:before", "0"), ("w:after", "0"), ("w:line", str(LINE_PITCH_TWIPS)), ("w:lineRule", "exact")):
        spacing.set(qn(attr), value)


def _set_child_val(element, tag: str, value: str, before: tuple[str, ...]) -> None:
    child = element.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        anchor = next((element.find(qn(t)) for t in before if element.find(qn(t)) is not None), None)
        if anchor is not None:
            anchor.addprevious(child)
        else:
            element.append(child)
    child.set(qn("w:val"), value)


# the order of w:pPr children that matters here (ECMA-376 CT_PPrBase)
_PPR_ORDER = ("w:keepNext", "w:snapToGrid", "w:spacing", "w:ind", "w:jc", "w:outlineLvl")
_RPR_ORDER = ("w:rFonts", "w:b", "w:bCs", "w:color", "w:spacing", "w:sz", "w:szCs")


def _replace(parent, order: tuple[str, ...], elements: dict[str, object]) -> None:
    for tag in order:
        old = parent.find(qn(tag))
        if old is not None:
            parent.remove(old)
    # append in schema order after whatever else is there (pStyle, tabs … come earlier)
    for tag in order:
        if tag in elements:
            parent.append(elements[tag])


def _el(tag: str, **attrs: str):
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _set_paragraph_properties(pPr, spec: StyleSpec) -> None:
    elements = {}
    if spec.keep_next:
        elements["w:keepNext"] = _el("w:keepNext")
    if not spec.on_grid:
        elements["w:snapToGrid"] = _el("w:snapToGrid", val="0")
    if spec.exact_line:
        elements["w:spacing"] = _el("w:spacing", before="0", after="0", line=str(LINE_PITCH_TWIPS), lineRule="exact")
    else:
        # table text and page numbers keep their natural height: off the document grid
        elements["w:snapToGrid"] = _el("w:snapToGrid", val="0")
        elements["w:spacing"] = _el("w:spacing", before="0", after="0", line="240", lineRule="auto")
    char_twips = int(spec.size.pt * 20)
    elements["w:ind"] = _el(
        "w:ind",
        firstLineChars=str(spec.first_line_chars),
        firstLine=str(char_twips * spec.first_line_chars // 100),
        leftChars=str(spec.left_chars),
        left=str(char_twips * spec.left_chars // 100),
        rightChars=str(spec.right_chars),
        right=str(char_twips * spec.right_chars // 100),
    )
    elements["w:jc"] = _el("w:jc", val=spec.align)
    if spec.outline_level is not None:
        elements["w:outlineLvl"] = _el("w:outlineLvl", val=str(spec.outline_level))
    # drop tabs inherited from python-docx's template (Header/Footer) that assume Letter paper
    tabs = pPr.find(qn("w:tabs"))
    if tabs is not None:
        pPr.remove(tabs)
    _replace(pPr, _PPR_ORDER, elements)


def _set_run_properties(rPr, spec: StyleSpec) -> None:
    fonts = OxmlElement("w:rFonts")
    rPr_tmp = OxmlElement("w:rPr")
    rPr_tmp.append(fonts)
    set_fonts(rPr_tmp, spec.east_asia, spec.latin)
    half_points = str(int(spec.size.pt * 2))
    elements = {
        "w:rFonts": fonts,
        "w:color": _el("w:color", val=spec.color),
        "w:sz": _el("w:sz", val=half_points),
        "w:szCs": _el("w:szCs", val=half_points),
    }
    if spec.condensed:
        elements["w:spacing"] = _el("w:spacing", val=str(CHAR_SPACING))
    if spec.bold:
        elements["w:b"] = _el("w:b")
        elements["w:bCs"] = _el("w:bCs")
    for tag in _RPR_ORDER:
        old = rPr.find(qn(tag))
        if old is not None:
            rPr.remove(old)
    # rFonts first; the others after any earlier children, in schema order
    rPr.insert(0, elements["w:rFonts"])
    for tag in _RPR_ORDER[1:]:
        if tag in elements:
            rPr.append(elements[tag])


# --- titles -----------------------------------------------------------------------------------

TITLE_CHARS_PER_LINE = int(TEXT_WIDTH_TWIPS / (SIZE_TITLE.pt * 20))  # 20 characters of 二号 on 156 mm
NATURAL_BREAK_BONUS = 6
MIN_TITLE_LINE = 3  # GB/T 9704: a title breaks balanced, never leaving one or two characters alone
# where a report title reads well broken: after the unit's name, after the year, after 政府信息公开
TITLE_BREAKS = re.compile(r"(?<=\d年)|(?=\d{4}年)|(?<=政府信息公开)|(?=工作年度报告)|(?=年度报告$)")


def title_width(text: str) -> float:
    """The width of `text` in 二号 characters: a CJK character is one, a digit or Latin letter half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def balanced_title(text: str, chars_per_line: int = TITLE_CHARS_PER_LINE) -> str:
    """`text` with a line break ("\\n") where it must wrap: at the natural point (after the unit's
    name, after the year …) that makes the lines most even, else in the middle; no line shorter
    than MIN_TITLE_LINE characters. A title that fits one line is returned unchanged."""
    total = title_width(text)
    if total <= chars_per_line:
        return text
    natural = {m.start() for m in TITLE_BREAKS.finditer(text)}
    candidates = []
    head = 0.0
    for at in range(1, len(text)):
        head += title_width(text[at - 1])  # the width of text[:at], kept as it grows
        tail = total - head
        if max(head, tail) > chars_per_line or min(head, tail) < MIN_TITLE_LINE:
            continue
        if text[at - 1].isdigit() and (text[at].isdigit() or text[at] == "年"):
            continue  # never inside "2025年"
        # a natural break wins over one up to six characters more even; then the longer line on top
        candidates.append((abs(head - tail) - (NATURAL_BREAK_BONUS if at in natural else 0), tail > head, at))
    if not candidates:  # longer than two lines: balanced lines of the same width
        lines = math.ceil(total / chars_per_line)
        return "\n".join(_split_even(text, lines))
    at = min(candidates)[2]
    return text[:at] + "\n" + text[at:]


def _split_even(text: str, lines: int) -> list[str]:
    target = title_width(text) / lines
    result, current = [], ""
    for ch in text:
        if title_width(current + ch) > target + 0.5 and len(result) < lines - 1:
            result.append(current)
            current = ""
        current += ch
    return result + [current]
