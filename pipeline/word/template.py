"""The Word template of a report format, generated from the form spec, and its check.

`build_template(form)` lays out the official report as a docxtpl template: the title, the six
sections with their headings verbatim, the narrative as paragraph loops, the three tables with every
label and merged cell of the spec and a `{{ v.<key> }}` tag in every value cell, and the signature
block. The result is committed under input_templates/ so that a county can restyle it in Word or WPS;
`check_word_template` then says, in Chinese and before anything is rendered, which tag an edited
template lacks or which it has that the format does not know.

Regenerate the committed templates with `python -m pipeline.word` (writes only what changed).
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table as DocxTable

from ..files import normalize_zip, write_atomic
from ..forms import FORMS
from ..forms.spec import Form, Table
from . import typography as ty

from .tags import DRAFT_MARK, KNOWN_NAMES, NAME_TITLES, REQUIRED_NAMES, TEMPLATES_DIR, TEXT_NAMES, template_path, value_tag

# per table: the width of each grid column in twips (the sum is the 156 mm 版心) and the cell margins.
# Table 三, with 0.5 mm margins: each number column takes two 五号 characters a line (a header of six
# characters wraps to three lines; four digits fit), the 总计 column a little more; the label columns
# get the rest, so that the longest row label (2021: 37 half-characters) takes two lines of 19 and
# "（三）不予公开" two lines of four. Measured in LibreOffice by tests/test_print_layout.py.
COLUMN_WIDTHS = {
    "t2": (2844, 2000, 2000, 2000),
    "t3": (480, 920, 4060) + (483,) * 6 + (486,),
    "t4": (590,) * 14 + (584,),
}
CELL_MARGINS = {"t2": 108, "t3": 28, "t4": 57}
ROW_HEIGHT = 340  # twips (6 mm), at least: rows of single numbers are not cramped


# --- building ---------------------------------------------------------------------------------


def build_template(form: Form) -> bytes:
    """The docxtpl template of `form` as deterministic .docx bytes."""
    document = docx.Document()
    _strip_package(document)
    ty.apply_styles(document)
    _setup_page(document)

    _paragraph(document, "{{ title }}", "ReportTitle")
    _paragraph(document, "", "Normal")  # one empty line below the title
    _text_loop(document, TEXT_NAMES["text.preface"])
    for section in form.sections:
        _paragraph(document, section.heading, "Heading1Zh")
        if section.text:
            _text_loop(document, TEXT_NAMES[section.text])
        if section.table:
            _table(document, form.table(section.table))
            _paragraph(document, "", "Normal")
    _paragraph(document, "", "Normal")  # room for the seal above the signature
    _paragraph(document, "", "Normal")
    _paragraph(document, "{{ signature_name }}", "Signature")
    _paragraph(document, "{{ signature_date }}", "Signature")

    props = document.core_properties
    stamp = dt.datetime(form.first_year, 1, 1)
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.title = f"政府信息公开工作年度报告模板（{form.document}）"
    props.subject = form.name
    props.keywords = ""
    props.category = ""
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def write_word_templates(out_dir: Path = TEMPLATES_DIR, forms: tuple[Form, ...] = FORMS) -> list[Path]:
    """Write one template per format; an unchanged file is left alone."""
    written = []
    for form in forms:
        path = template_path(form, out_dir)
        write_atomic(path, build_template(form))
        written.append(path)
    return written


def _strip_package(document) -> None:
    """Drop what python-docx's default template carries that a report does not need: the thumbnail,
    the Word 2010 copy of the styles (Word 2010 would read it instead of ours) and sample custom XML."""
    package_rels = document.part.package.rels
    for rId, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rId]
    rels = document.part.rels
    for rId, rel in list(rels.items()):
        if rel.reltype.endswith("/stylesWithEffects") or rel.reltype == RT.CUSTOM_XML:
            del rels[rId]
        elif rel.reltype == RT.FONT_TABLE:
            rel.target_part._blob = ty.font_table_xml(rel.target_part.blob)
    settings = document.settings.element
    for tag in ("w:rsids", "w14:docId", "w:proofState", "w:attachedTemplate"):
        for element in settings.findall(qn(tag)):
            settings.remove(element)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    # odd pages carry the page number on the right, even pages on the left
    document.settings.odd_and_even_pages_header_footer = True


def _setup_page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = ty.PAGE_WIDTH, ty.PAGE_HEIGHT
    section.top_margin, section.bottom_margin = ty.MARGIN_TOP, ty.MARGIN_BOTTOM
    section.left_margin, section.right_margin = ty.MARGIN_LEFT, ty.MARGIN_RIGHT
    section.header_distance, section.footer_distance = ty.HEADER_DISTANCE, ty.FOOTER_DISTANCE
    sectPr = section._sectPr
    grid = sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectPr.append(grid)
    grid.attrib.clear()
    # a line grid only: LibreOffice lays out Word's character grid (linesAndChars) with two cells for
    # each 三号 character; the 28 characters a line come from the styles' character spacing instead
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(ty.LINE_PITCH_TWIPS))

    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.style = document.styles["草稿标记"]
        paragraph.add_run(f"{{% if draft %}}{DRAFT_MARK}{{% endif %}}")
    for footer, align, indent in ((section.footer, "right", "rightChars"), (section.even_page_footer, "left", "leftChars")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles["页码"]
        pPr = paragraph._p.get_or_add_pPr()
        # 单页码居右空一字，双页码居左空一字
        ind = OxmlElement("w:ind")
        ind.set(qn(f"w:{indent}"), "100")
        ind.set(qn(f"w:{indent[:-5]}"), str(int(ty.SIZE_PAGE_NUMBER.pt * 20)))
        pPr.append(ind)
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), align)
        pPr.append(jc)
        _page_field(paragraph)


def _page_field(paragraph) -> None:
    """"— 1 —": a PAGE field between em dashes."""
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text
    paragraph.add_run(" —")


def _paragraph(document, text: str, style_id: str):
    paragraph = document.add_paragraph(text)
    paragraph.style = document.styles[ty.style_spec(style_id).name]
    return paragraph


def _text_loop(document, name: str) -> None:
    """A narrative field: one paragraph per line, （一）… lines as level-2 headings (or run-in)."""
    _paragraph(document, f"{{%p for p in {name} %}}", "Normal")
    _paragraph(document, "{%p if p.heading %}", "Normal")
    _paragraph(document, "{{ p.text }}", "Heading2Zh")
    _paragraph(document, "{%p elif p.lead %}", "Normal")
    run_in = _paragraph(document, "", "Normal")  # （一）小标题。正文……: the heading in the heading font
    run_in.add_run("{{ p.lead }}").style = document.styles[ty.RUN_IN_HEADING.name]
    run_in.add_run("{{ p.rest }}")
    _paragraph(document, "{%p else %}", "Normal")
    _paragraph(document, "{{ p.text }}", "Normal")
    _paragraph(document, "{%p endif %}", "Normal")
    _paragraph(document, "{%p endfor %}", "Normal")


def _table(document, table: Table) -> DocxTable:
    widths = COLUMN_WIDTHS[table.key]
    assert len(widths) == table.n_cols and sum(widths) == ty.TEXT_WIDTH_TWIPS, table.key
    grid = document.add_table(rows=table.n_rows, cols=table.n_cols)
    _table_properties(grid, widths, CELL_MARGINS[table.key])
    rows = grid.rows
    for r, row in enumerate(rows):
        trPr = row._tr.get_or_add_trPr()
        trPr.append(OxmlElement("w:cantSplit"))
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(ROW_HEIGHT))
        height.set(qn("w:hRule"), "atLeast")
        trPr.append(height)
        if r < table.header_rows:
            trPr.append(OxmlElement("w:tblHeader"))  # repeats on each page

    # the spec's spans: labels, value cells and not-applicable blanks
    placed: list[tuple[int, int, int, int, str, str]] = []  # row, col, rowspan, colspan, text, style
    for label in table.labels:
        style = "TableRowLabel" if label.role in ("row", "group") else "TableText"
        placed.append((label.row, label.col, label.rowspan, label.colspan, label.text, style))
    for cell in table.cells:
        placed.append((cell.row, cell.col, 1, cell.colspan, f"{{{{ v.{value_tag(cell.key)} }}}}", "TableText"))
    for blank in table.blanks:
        placed.append((blank.row, blank.col, blank.rowspan, blank.colspan, "", "TableText"))
    for row, col, rowspan, colspan, _, _ in placed:
        if rowspan > 1 or colspan > 1:
            grid.cell(row, col).merge(grid.cell(row + rowspan - 1, col + colspan - 1))
    # rows kept on the page of the row below: headers, and each block title of table 二 with its
    # column headers, so that no header is left alone at the foot of a page
    titles = {label.row for label in table.labels if label.role == "title"}
    keep = set(range(table.header_rows)) | titles | {r + 1 for r in titles} | _rows_kept_together(table)
    cells = grid._cells  # row-major, a merged cell repeated over its span (computed once: it is slow)
    for row, col, _, _, text, style in placed:
        paragraph = cells[row * table.n_cols + col].paragraphs[0]
        paragraph._p.style = style  # the style id
        if row in keep:
            paragraph.paragraph_format.keep_with_next = True
        if text:
            paragraph.add_run(text)
    for tr in grid._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tcPr = tc.get_or_add_tcPr()
            tcW = tcPr.get_or_add_tcW()
            tcW.set(qn("w:w"), str(sum(widths[col:col + span])))  # twips
            tcW.set(qn("w:type"), "dxa")
            v_align = OxmlElement("w:vAlign")
            v_align.set(qn("w:val"), "center")
            tcPr.append(v_align)
            col += span
    return grid


def _rows_kept_together(table: Table) -> set[int]:
    """Rows kept on the page of the row below, so that no block is split where it can be avoided:
    each group of rows under one merged label ("（三）不予公开" and its eight rows), and the last
    three rows of table 三, so that 四、结转下年度继续办理 never stands alone under a repeated header."""
    if table.key != "t3":
        return set()
    kept: set[int] = set()
    for label in table.labels:
        if label.role == "group" and label.col > 0 and label.rowspan > 1:
            kept |= set(range(label.row, label.row + label.rowspan - 1))
    kept |= {table.n_rows - 3, table.n_rows - 2}
    return kept


def _table_properties(grid: DocxTable, widths: tuple[int, ...], margin: int) -> None:
    tbl = grid._tbl
    tblPr = tbl.tblPr
    for child in list(tblPr):
        if child.tag in (qn("w:tblStyle"), qn("w:tblW"), qn("w:tblLook")):
            tblPr.remove(child)
    tblW = OxmlElement("w:tblW")
    tblW.set(qn("w:w"), str(sum(widths)))
    tblW.set(qn("w:type"), "dxa")
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "center")
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for attr, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "000000")):
            line.set(qn(f"w:{attr}"), value)
        borders.append(line)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    margins = OxmlElement("w:tblCellMar")
    for edge, width in (("left", margin), ("right", margin)):
        side = OxmlElement(f"w:{edge}")
        side.set(qn("w:w"), str(width))
        side.set(qn("w:type"), "dxa")
        margins.append(side)
    for element in (tblW, jc, borders, layout, margins):  # CT_TblPr order
        tblPr.append(element)
    tblGrid = tbl.tblGrid
    for gridCol, width in zip(tblGrid.findall(qn("w:gridCol")), widths):
        gridCol.set(qn("w:w"), str(width))


# --- checking a (county-edited) template ------------------------------------------------------


def check_word_template(path: Path, form: Form, *, draft: bool = False) -> list[str]:
    """The problems of a report template for `form`, in Chinese, each saying which tag and what to do.

    Tags split across runs by Word's editing are found as docxtpl sees them (its own XML cleaning).
    With `draft`, the draft mark of the header is required too.
    """
    from docxtpl import DocxTemplate
    from jinja2 import Environment, TemplateSyntaxError, meta, nodes

    path = Path(path)
    name = path.name
    redo = "请在 Word 中补上该标签，或重新生成模板。"
    if not path.is_file():
        return [f"找不到报告模板 {name}（{path}）。请把模板放回该位置，或从本工具的 input_templates 文件夹复制原始模板。"]
    try:
        template = DocxTemplate(path)
        document = template.get_docx()
        parts = [("正文", template.patch_xml(template.get_xml()))]
        for rel in document.part.rels.values():
            if rel.reltype in (RT.HEADER, RT.FOOTER) and rel.target_part.blob:
                where = "页眉" if rel.reltype == RT.HEADER else "页脚"
                parts.append((where, template.patch_xml(template.get_part_xml(rel.target_part))))
    except Exception:  # not a Word document at all
        return [f"报告模板 {name} 无法打开，不是有效的 Word 文档（.docx）。请用 Word 另存为 .docx，或重新生成模板。"]

    problems = _unbalanced_tags(document, name)
    if problems:
        return problems
    env = Environment()
    names: set[str] = set()
    loops: set[str] = set()
    cell_tags: list[str] = []
    for where, xml in parts:
        xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # one paragraph a line, as docxtpl renders
        try:
            tree = env.parse(xml)
        except TemplateSyntaxError as exc:
            problems.append(
                f"报告模板 {name} 的{where}中有写错的标签（{_near(xml, exc.lineno)}），无法解析（{exc.message}）。"
                "请检查标签的拼写以及 {% %} 是否成对（for 与 endfor、if 与 endif），或重新生成模板。"
            )
            continue
        fix = "请检查标签中“|”之后的过滤器名和“is”之后的判断名是否写错，或删去它们，或重新生成模板。"
        unknown = [(node, "过滤器") for node in tree.find_all(nodes.Filter) if node.name not in env.filters]
        unknown += [(node, "判断") for node in tree.find_all(nodes.Test) if node.name not in env.tests]
        for node, kind in sorted(unknown, key=lambda found: found[0].lineno):  # Jinja finds some only when rendering
            problems.append(f"报告模板 {name} 的{where}中有无法使用的标签（{_near(xml, node.lineno)}）：没有名为“{node.name}”的{kind}。{fix}")
        if unknown:
            continue
        try:
            names |= meta.find_undeclared_variables(tree)  # compiles the tags
        except TemplateSyntaxError as exc:
            problems.append(f"报告模板 {name} 的{where}中有无法使用的标签（{_near(xml, exc.lineno)}），无法生成报告（{exc.message}）。{fix}")
            continue
        for loop in tree.find_all(nodes.For):
            if isinstance(loop.iter, nodes.Name):
                loops.add(loop.iter.name)
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if isinstance(node.node, nodes.Name) and node.node.name == "v":
                if isinstance(node, nodes.Getattr):
                    cell_tags.append(node.attr)
                elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                    cell_tags.append(node.arg.value)
    if problems:
        return problems

    for required in REQUIRED_NAMES:
        if required not in names:
            problems.append(f"报告模板 {name} 缺少标签 {{{{ {required} }}}}（{NAME_TITLES[required]}）。{redo}")
    for key, loop_name in TEXT_NAMES.items():
        if loop_name not in loops:
            title = form.text(key).title
            problems.append(
                f"报告模板 {name} 缺少“{title}”的段落循环 {{%p for p in {loop_name} %}} … {{%p endfor %}}。"
                "请在 Word 中补上该循环，或重新生成模板。"
            )
    if draft and "draft" not in names:
        problems.append(
            f"报告模板 {name} 缺少草稿标记 {{% if draft %}}{DRAFT_MARK}{{% endif %}}（页眉）。"
            "生成草稿时需要它，请在页眉中补上，或重新生成模板。"
        )
    known_tags = {value_tag(c.key): c for c in form.cells}
    present = set(cell_tags)
    for tag, cell in known_tags.items():
        if tag not in present:
            heading = next(s.heading for s in form.sections if s.table == cell.table)
            problems.append(f"报告模板 {name} 缺少单元格标签 {{{{ v.{tag} }}}}（{heading} {cell.label}）。{redo}")
    for tag in dict.fromkeys(cell_tags):
        if tag not in known_tags:
            close = difflib.get_close_matches(tag, list(known_tags), n=1)
            hint = f"（是否应为 {{{{ v.{close[0]} }}}}？）" if close else ""
            problems.append(
                f"报告模板 {name} 中的单元格标签 {{{{ v.{tag} }}}} 不是{form.document}格式中的单元格{hint}。"
                "请删除该标签或改正拼写，或重新生成模板。"
            )
    for unknown in sorted(names - KNOWN_NAMES):
        problems.append(
            f"报告模板 {name} 使用了未知的标签 {{{{ {unknown} }}}}。可用的标签有："
            f"{'、'.join(sorted(KNOWN_NAMES))}。请删除或改正该标签，或重新生成模板。"
        )
    return problems


_TAG_MARKS = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CLOSING = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _unbalanced_tags(document, name: str) -> list[str]:
    """Paragraphs (body, tables, headers, footers) whose tag marks do not pair up, e.g. "{{ title }"."""
    from docx.oxml.ns import qn as _qn

    problems = []
    containers = [("正文", document.element.body)]
    for section in document.sections:
        for where, part in (("页眉", section.header), ("页眉", section.even_page_header),
                            ("页脚", section.footer), ("页脚", section.even_page_footer)):
            containers.append((where, part._element))
    seen = set()
    for where, element in containers:
        if id(element) in seen:
            continue
        seen.add(id(element))
        for p in element.iter(_qn("w:p")):
            text = "".join(t.text or "" for t in p.iter(_qn("w:t")))
            opened = None
            broken = False
            for mark in _TAG_MARKS.findall(text):
                if mark in _CLOSING:
                    broken = broken or opened is not None
                    opened = mark
                else:
                    broken = broken or opened is None or _CLOSING[opened] != mark
                    opened = None
            if broken or opened is not None:
                problems.append(
                    f"报告模板 {name} 的{where}中有不完整的标签：“{text.strip()[:60]}”。"
                    "请检查 {{ }} 与 {% %} 是否成对，或重新生成模板。"
                )
    return problems


def _near(xml: str, lineno: int | None) -> str:
    """The text of the paragraph (one a line) where jinja2 stopped, for pointing at a broken tag."""
    lines = xml.splitlines()
    if not lineno or lineno > len(lines):
        return "位置不明"
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()
    return f"在“{text[:40]}”附近" if text else "位置不明"


def main(argv: list[str] | None = None) -> int:
    """Write the templates (into the folder given, by default input_templates/) and list them. The
    shipped ones (input_templates/) are checked and recorded as such (see `shipped`)."""
    out_dir = Path(argv[0]) if argv else TEMPLATES_DIR
    written = write_word_templates(out_dir)
    for path in written:
        print(path)
    if Path(out_dir).resolve() == TEMPLATES_DIR.resolve():
        from .shipped import record_shipped

        for form, path in zip(FORMS, written):
            problems = check_word_template(path, form, draft=True) + check_word_template(path, form)
            if problems:
                print("\n".join(problems))
                return 1
        record_shipped({form.id: path for form, path in zip(FORMS, written)})
    return 0


