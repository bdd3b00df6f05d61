"""Word reports: the templates built from the spec, their check, the context, rendering, the seed.

The seed test renders the 青塘镇 2019 example from its workbook and compares the report's text with
the published report (../shared/seeds/000_0b900a435422d60b.txt, committed as
examples/seed-qingtang-2019/原始报告.txt) line by line; every difference is stated with its reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from jinja2.exceptions import UndefinedError

from pipeline.batch import FAILED, PASSED, RunResult, UnitResult, run_batch
from pipeline.config import Unit, load_config
from pipeline.demo import DEMO_COUNTY, SEED_EXAMPLE, build_demo_inbox

from pipeline.forms import FORMS, form_for_year
from pipeline.office import OfficeUnavailable, convert, find_soffice
from pipeline.workbook.reader import FileInfo, Submission, read_workbook
from pipeline.word import (
    DRAFT_MARK,
    REPORTS_DIR,
    ReportDataError,
    ReportTemplateError,
    build_template,
    check_word_template,
    paragraphs,
    render_report,
    render_reports,
    report_context,
    signature_date,
    template_path,
)
from pipeline.word import render as render_module
from pipeline.word.template import value_tag

FORM_2019 = form_for_year(2019)
FORM_2021 = form_for_year(2025)
TOWN = Unit(code="03", name="青塘镇", full_name="青塘镇人民政府", kind="乡镇")
SEED_TEXT = SEED_EXAMPLE / "原始报告.txt"


# --- helpers ----------------------------------------------------------------------------------


def submission_for(form, values=None, *, texts=None, date=dt.date(2026, 1, 20)) -> Submission:
    """A submission as the reader gives it: every cell accepted (0 unless given), texts, 落款日期."""
    sub = Submission(FileInfo(Path("03-青塘镇.xlsx"), 0, dt.datetime(2026, 1, 20), ""), form=form)
    sub.values = {c.key: Decimal(0) for c in form.cells}
    sub.values.update({k: Decimal(str(v)) for k, v in (values or {}).items()})
    sub.raw = {k: int(v) if v == v.to_integral_value() else float(v) for k, v in sub.values.items()}
    sub.texts = texts if texts is not None else {
        "text.preface": "",
        "text.overview": "（一）主动公开情况\n本年度主动公开信息。",
        "text.problems": "存在的问题。",
        "text.other": "2025年，本机关未收取信息处理费。",
    }
    if date is not None:
        sub.info["info.date"] = date
    return sub


def document_text(document) -> list[str]:
    """Paragraphs and table cells in document order; a merged cell once (a horizontal merge is one
    w:tc, a vertical merge's continuation cells are skipped)."""
    out = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for tr in child.iter(qn("w:tr")):
                for tc in tr.iterchildren(qn("w:tc")):
                    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                    if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
                        continue
                    out.append("\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p"))))
    return out


def clean_lines(lines) -> list[str]:
    """Lines as compared: surrounding spaces (full-width too) stripped, empty lines dropped."""
    return [line.strip() for line in lines if line.strip()]


def edit_docx(source: Path, target: Path, edit) -> Path:
    """A copy of a .docx with word/document.xml changed by edit(xml) -> xml."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return target


def style_fonts(style) -> dict[str, str]:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return {k.split("}")[1]: v for k, v in fonts.attrib.items()}


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    """The seed example's 2019 workbook, read, and its county config."""
    folder = tmp_path_factory.mktemp("seed")
    (path,) = build_demo_inbox(SEED_EXAMPLE, 2019, folder / "inbox")
    config = dataclasses.replace(load_config(SEED_EXAMPLE / "county.toml"), inbox=folder / "inbox", output=folder / "out")
    return read_workbook(path), config


@pytest.fixture(scope="module")
def seed_docx(seed, tmp_path_factory):
    submission, config = seed
    out = tmp_path_factory.mktemp("seed-report") / "01-青塘镇.docx"
    context = report_context(FORM_2019, 2019, config.units[0], submission, draft=True)
    render_report(template_path(FORM_2019), context, out)
    return out


# --- the templates ----------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_committed_templates_are_generated_from_the_spec(form):
    committed = template_path(form)
    assert committed.name == f"年度报告模板-{form.id}.docx"
    assert build_template(form) == committed.read_bytes(), (
        f"{committed.name} is out of date: run `python -m pipeline.word` and commit the result"
    )


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_committed_templates_pass_their_check(form):
    assert check_word_template(template_path(form), form, draft=True) == []
    assert check_word_template(template_path(form), form) == []


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_the_shipped_record_names_the_committed_templates_and_only_them(form, tmp_path):
    from pipeline.word.shipped import is_checked_shipped

    assert is_checked_shipped(template_path(form), form.id), (
        "pipeline/word/shipped.json is out of date: run `python -m pipeline.word` and commit the result"
    )
    other = next(f for f in FORMS if f is not form)
    assert not is_checked_shipped(template_path(form), other.id)
    edited = tmp_path / template_path(form).name
    edited.write_bytes(template_path(form).read_bytes() + b"\0")
    assert not is_checked_shipped(edited, form.id)
    assert not is_checked_shipped(tmp_path / "missing.docx", form.id)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_template_lays_out_every_label_and_value_tag_of_the_spec(form):
    document = docx.Document(template_path(form))
    tables = document.tables
    assert len(tables) == 3
    for grid, table in zip(tables, form.tables):
        assert len(grid.rows) == table.n_rows and len(grid.columns) == table.n_cols
        cells = grid._cells  # row-major, a merged cell repeated over its span
        at = lambda row, col: cells[row * table.n_cols + col]  # noqa: E731
        for label in table.labels:
            cell = at(label.row, label.col)
            assert cell.text == label.text
            # the merged span of the spec: the same cell across the whole span, and no further
            assert at(label.row + label.rowspan - 1, label.col + label.colspan - 1)._tc is cell._tc
            if label.col + label.colspan < table.n_cols:
                assert at(label.row, label.col + label.colspan)._tc is not cell._tc
        for value in table.cells:
            cell = at(value.row, value.col)
            assert cell.text == f"{{{{ v.{value_tag(value.key)} }}}}"
            assert at(value.row, value.col + value.colspan - 1)._tc is cell._tc
        for blank in table.blanks:
            assert at(blank.row, blank.col).text == ""
    body = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name == "一级标题"]
    assert headings == [s.heading for s in form.sections]
    assert body[0] == "{{ title }}" and body[-2:] == ["{{ signature_name }}", "{{ signature_date }}"]


def test_typography_of_the_styles():
    document = docx.Document(template_path(FORM_2021))
    styles = document.styles
    expected = {
        "Normal": ("仿宋_GB2312", 16),
        "报告标题": ("方正小标宋简体", 22),
        "一级标题": ("黑体", 16),
        "二级标题": ("楷体_GB2312", 16),
        "落款": ("仿宋_GB2312", 16),
        "表格文字": ("宋体", 10.5),
        "表格行标题": ("宋体", 10.5),
        "页码": ("宋体", 14),
    }
    for name, (east_asia, size) in expected.items():
        style = styles[name]
        assert style.font.size == Pt(size), name
        fonts = style_fonts(style)
        assert fonts["eastAsia"] == east_asia, name
        assert not any(k.endswith("Theme") or k == "cstheme" for k in fonts), name  # a theme font would win
    assert style_fonts(styles["段首小标题"])["eastAsia"] == "楷体_GB2312"  # （一）小标题。 run into a paragraph
    assert style_fonts(styles["报告标题"])["ascii"] == "Times New Roman"  # a serif for Latin letters
    assert styles["报告标题"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = styles["Normal"].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY and body.line_spacing == Pt(28.95)
    ind = styles["Normal"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "640"
    assert styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"  # 28 characters a line
    assert styles["落款"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert styles["表格文字"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # the document defaults name the East Asian font and language too
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:rFonts')}").get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    with zipfile.ZipFile(template_path(FORM_2021)) as archive:
        fonts = archive.read("word/fontTable.xml").decode()
        assert "stylesWithEffects" not in " ".join(archive.namelist())
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts


def test_page_setup_tables_header_and_footer():
    document = docx.Document(template_path(FORM_2021))
    section = document.sections[0]
    for value, mm in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
                      (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26)):
        assert abs(value.mm - mm) < 0.05
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    for grid_table, table in zip(document.tables, FORM_2021.tables):
        widths = [int(c.get(qn("w:w"))) for c in grid_table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(widths) == 8844  # the 156 mm 版心
        borders = grid_table._tbl.tblPr.find(qn("w:tblBorders"))
        assert {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders} == dict.fromkeys(
            ("top", "left", "bottom", "right", "insideH", "insideV"), "single")
        for tr in grid_table._tbl.tr_lst:  # each cell as wide as the grid columns it spans
            col = 0
            for tc in tr.tc_lst:
                assert int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) == sum(widths[col:col + tc.grid_span])
                col += tc.grid_span
            assert col == table.n_cols
        repeated = [i for i, tr in enumerate(grid_table._tbl.tr_lst) if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None]
        assert repeated == list(range(table.header_rows))
    assert [t.section for t in FORM_2021.tables if t.header_rows] == ["三", "四"]
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        assert paragraph.style.name == "页码" and paragraph.alignment == align
        assert paragraph.text == "— 1 —"
        assert [i.text for i in paragraph._p.iter(qn("w:instrText"))] == [" PAGE "]
        assert [c.get(qn("w:fldCharType")) for c in paragraph._p.iter(qn("w:fldChar"))] == ["begin", "separate", "end"]
    for header in (section.header, section.even_page_header):
        assert header.paragraphs[0].text == f"{{% if draft %}}{DRAFT_MARK}{{% endif %}}"


# --- checking a county's template -------------------------------------------------------------


def test_check_names_a_removed_and_an_unknown_tag(tmp_path):
    source = template_path(FORM_2021)
    edited = edit_docx(source, tmp_path / source.name,
                       lambda xml: xml.replace("{{ v.t3_received_natural }}", "{{ v.t3_recieved_natural }}"))
    assert check_word_template(edited, FORM_2021) == [
        "报告模板 年度报告模板-gov2021.docx 缺少单元格标签 {{ v.t3_received_natural }}"
        "（三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量／自然人）。"
        "请在 Word 中补上该标签，或重新生成模板。",
        "报告模板 年度报告模板-gov2021.docx 中的单元格标签 {{ v.t3_recieved_natural }} 不是国办公开办函〔2021〕30号格式中的单元格"
        "（是否应为 {{ v.t3_received_natural }}？）。请删除该标签或改正拼写，或重新生成模板。",
    ]


def test_check_finds_tags_split_across_runs(tmp_path):
    """Word splits a tag into runs when it is edited; docxtpl's cleaning joins them again."""
    source = template_path(FORM_2021)
    split = '{{ v.t3_rec</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>eived_natural }}'
    edited = edit_docx(source, tmp_path / source.name, lambda xml: xml.replace("{{ v.t3_received_natural }}", split))
    assert split.encode() in zipfile.ZipFile(edited).read("word/document.xml")
    assert check_word_template(edited, FORM_2021) == []


def test_check_names_missing_required_tags_loops_and_unknown_names(tmp_path):
    source = template_path(FORM_2019)

    def edit(xml):
        xml = xml.replace("{{ signature_date }}", "{{ signing_date }}")
        return xml.replace("{%p for p in problems %}", "{%p for p in issues %}")

    edited = edit_docx(source, tmp_path / source.name, edit)
    name = "报告模板 年度报告模板-gov2019.docx"
    assert check_word_template(edited, FORM_2019) == [
        f"{name} 缺少标签 {{{{ signature_date }}}}（落款日期）。请在 Word 中补上该标签，或重新生成模板。",
        f"{name} 缺少“五、存在的主要问题及改进情况”的段落循环 {{%p for p in problems %}} … {{%p endfor %}}。请在 Word 中补上该循环，或重新生成模板。",
        f"{name} 使用了未知的标签 {{{{ issues }}}}。可用的标签有：draft、other、overview、preface、problems、"
        "signature_date、signature_name、title、unit_name、v、year。请删除或改正该标签，或重新生成模板。",
        f"{name} 使用了未知的标签 {{{{ signing_date }}}}。可用的标签有：draft、other、overview、preface、problems、"
        "signature_date、signature_name、title、unit_name、v、year。请删除或改正该标签，或重新生成模板。",
    ]


def test_check_reports_a_broken_tag_and_a_missing_draft_mark(tmp_path):
    source = template_path(FORM_2019)
    broken = edit_docx(source, tmp_path / "broken.docx", lambda xml: xml.replace("{{ title }}", "{{ title }"))
    assert check_word_template(broken, FORM_2019) == [
        "报告模板 broken.docx 的正文中有不完整的标签：“{{ title }”。请检查 {{ }} 与 {% %} 是否成对，或重新生成模板。"
    ]
    nesting = edit_docx(source, tmp_path / "nesting.docx", lambda xml: xml.replace("{%p endif %}", "", 1))
    (problem,) = check_word_template(nesting, FORM_2019)
    assert problem.startswith("报告模板 nesting.docx 的正文中有写错的标签（在“{% endfor %}”附近），无法解析（Encountered unknown tag 'endfor'.")
    assert problem.endswith("）。请检查标签的拼写以及 {% %} 是否成对（for 与 endfor、if 与 endif），或重新生成模板。")
    no_mark = tmp_path / "no-mark.docx"
    document = docx.Document(source)
    for header in (document.sections[0].header, document.sections[0].even_page_header):
        header.paragraphs[0].text = ""
    document.save(no_mark)
    assert check_word_template(no_mark, FORM_2019) == []
    assert check_word_template(no_mark, FORM_2019, draft=True) == [
        "报告模板 no-mark.docx 缺少草稿标记 {% if draft %}草稿（未通过校验）{% endif %}（页眉）。"
        "生成草稿时需要它，请在页眉中补上，或重新生成模板。"
    ]
    assert check_word_template(tmp_path / "nothing.docx", FORM_2019) == [
        f"找不到报告模板 nothing.docx（{tmp_path / 'nothing.docx'}）。请把模板放回该位置，或从本工具的 input_templates 文件夹复制原始模板。"
    ]
    (tmp_path / "text.docx").write_text("not a document")
    assert check_word_template(tmp_path / "text.docx", FORM_2019) == [
        "报告模板 text.docx 无法打开，不是有效的 Word 文档（.docx）。请用 Word 另存为 .docx，或重新生成模板。"
    ]


# --- the context ------------------------------------------------------------------------------


def test_paragraphs_split_lines_strip_spaces_and_mark_headings():
    text = ("　　（一）加强组织领导\n\n　　我镇认真贯彻。 \n(二)规范建设。\n（十）第十项\n1、第一条\n一是（一）不是标题\n"
            "（三）主动公开情况。全年公开信息12条。\n（四）" + "长" * 40 + "。后文")

    def body(line, lead=""):
        return {"text": line, "heading": False, "lead": lead, "rest": line[len(lead):]}

    def heading(line):
        return {"text": line, "heading": True, "lead": "", "rest": line}

    assert paragraphs(text) == [
        heading("（一）加强组织领导"),
        body("我镇认真贯彻。"),
        heading("(二)规范建设。"),
        heading("（十）第十项"),
        body("1、第一条"),
        body("一是（一）不是标题"),
        # a heading that runs on into its paragraph: a run-in heading, not a heading paragraph
        body("（三）主动公开情况。全年公开信息12条。", lead="（三）主动公开情况。"),
        # a first sentence that long is no heading
        body("（四）" + "长" * 40 + "。后文"),
    ]
    assert paragraphs("") == [] and paragraphs(None) == []


def test_context_formats_values_title_and_signature():
    values = {"t2.fees.amount": Decimal("0.250"), "t2.licensing.decisions": Decimal("1200"), "t3.received.natural": 6}
    sub = submission_for(FORM_2021, values, date=dt.date(2026, 1, 9))
    context = report_context(FORM_2021, 2025, TOWN, sub)
    # the full name, as in the body and the signature; 22 characters of 二号 break after the year
    assert context["title"] == "青塘镇人民政府2025年\n政府信息公开工作年度报告"
    assert context["signature_name"] == "青塘镇人民政府" and context["signature_date"] == "2026年1月9日"
    assert context["draft"] is False
    v = context["v"]
    assert (v["t2_fees_amount"], v["t2_licensing_decisions"], v["t3_received_natural"]) == ("0.25", "1200", "6")
    assert len(v) == len(FORM_2021.cells)
    assert context["overview"] == paragraphs("（一）主动公开情况\n本年度主动公开信息。")
    assert [p["heading"] for p in context["overview"]] == [True, False]
    signed = report_context(FORM_2019, 2019, TOWN, submission_for(FORM_2019, {"t2.licensing.change": -8, "t2.procurement.amount": Decimal("1E+2")}))
    assert (signed["v"]["t2_licensing_change"], signed["v"]["t2_procurement_amount"]) == ("-8", "100")


@pytest.mark.parametrize("raw, shown", [
    (dt.date(2020, 1, 13), "2020年1月13日"),
    (dt.datetime(2020, 1, 13, 9, 30), "2020年1月13日"),
    ("2020-01-13", "2020年1月13日"),
    ("2020/1/3", "2020年1月3日"),
    ("2020年01月13日", "2020年1月13日"),
    ("20200113", "2020年1月13日"),
    ("2020年2月30日", "2020年2月30日"),  # no such day: kept as written
    ("二〇二〇年一月十三日", "二〇二〇年一月十三日"),
    (None, ""),
])
def test_signature_date(raw, shown):
    assert signature_date(raw) == shown


def test_draft_context_prints_refused_cells_as_held_and_normal_context_leaves_them_out():
    sub = submission_for(FORM_2021)
    for key in ("t3.received.natural", "t3.partial.natural", "t2.fees.amount"):
        del sub.values[key]
    sub.raw.update({"t3.received.natural": "6件", "t3.partial.natural": None, "t2.fees.amount": "  /  "})
    del sub.info["info.date"]
    draft = report_context(FORM_2021, 2025, TOWN, sub, draft=True)
    assert draft["draft"] is True and draft["signature_date"] == ""
    assert (draft["v"]["t3_received_natural"], draft["v"]["t3_partial_natural"], draft["v"]["t2_fees_amount"]) == ("6件", "", "/")
    normal = report_context(FORM_2021, 2025, TOWN, sub)
    assert "t3_received_natural" not in normal["v"] and "t2_fees_amount" not in normal["v"]
    assert "signature_date" not in normal


# --- rendering --------------------------------------------------------------------------------


def test_special_characters_come_out_verbatim(tmp_path):
    tricky = 'A&B <b>粗</b> "引号" {{ title }} {% if x %} {_{ y }_} {#注#} }}'
    texts = {"text.preface": tricky, "text.overview": f"（一）{tricky}\n{tricky}\n（二）小标题。{tricky}", "text.problems": "无。", "text.other": "无。"}
    sub = submission_for(FORM_2021, texts=texts)
    sub.values.pop("t3.received.natural")
    sub.raw["t3.received.natural"] = "<6>&{{x}}"
    unit = dataclasses.replace(TOWN, full_name='青塘镇人民政府 & "测试"')
    out = tmp_path / "report.docx"
    render_report(template_path(FORM_2021), report_context(FORM_2021, 2025, unit, sub, draft=True), out)
    document = docx.Document(out)
    texts_out = [p.text for p in document.paragraphs]
    assert texts_out.count(tricky) == 2  # the preface and the body paragraph
    heading = next(p for p in document.paragraphs if p.text == f"（一）{tricky}")
    assert heading.style.name == "二级标题"
    run_in = next(p for p in document.paragraphs if p.text == f"（二）小标题。{tricky}")
    assert run_in.style.name == "Normal"
    assert [(r.text, r.style.name) for r in run_in.runs] == [("（二）小标题。", "段首小标题"), (tricky, "Default Paragraph Font")]
    assert '青塘镇人民政府 & "测试"' in texts_out
    assert document.tables[1].cell(3, 3).text == "<6>&{{x}}"


def test_missing_value_fails_loudly(tmp_path):
    sub = submission_for(FORM_2021)
    del sub.values["t3.received.natural"]
    context = report_context(FORM_2021, 2025, TOWN, sub)
    out = tmp_path / "report.docx"
    with pytest.raises(UndefinedError, match="t3_received_natural"):
        render_report(template_path(FORM_2021), context, out)
    assert not out.exists()
    del sub.info["info.date"]
    sub.values["t3.received.natural"] = Decimal(0)
    with pytest.raises(UndefinedError, match="signature_date"):
        render_report(template_path(FORM_2021), report_context(FORM_2021, 2025, TOWN, sub), out)


def test_rendering_is_deterministic_and_atomic(tmp_path):
    context = report_context(FORM_2021, 2025, TOWN, submission_for(FORM_2021))
    out = tmp_path / "report.docx"
    assert render_report(template_path(FORM_2021), context, out) is True
    first = out.read_bytes()
    assert render_report(template_path(FORM_2021), context, out) is False  # unchanged: not rewritten
    assert out.read_bytes() == first
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left
    document = docx.Document(out)
    assert document.core_properties.title == "青塘镇人民政府2025年政府信息公开工作年度报告"  # no line break in the property
    assert document.core_properties.created == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert document.sections[0].header.paragraphs[0].text == ""  # not a draft: no mark


def run_of(config, form, *units: UnitResult) -> RunResult:
    return RunResult(config.year, form, list(units), [], [])


def test_render_reports_passed_units_drafts_and_stale_files(seed, tmp_path):
    submission, config = seed
    config = dataclasses.replace(config, output=tmp_path)
    unit = config.units[0]
    failed = run_of(config, FORM_2019, UnitResult(unit, FAILED, submission))
    assert render_reports(failed, config, out_dir=tmp_path) == {}
    drafts = render_reports(failed, config, out_dir=tmp_path, draft=True)
    path = tmp_path / REPORTS_DIR / "01-青塘镇.docx"
    assert drafts == {"01": path}
    assert docx.Document(path).sections[0].header.paragraphs[0].text == DRAFT_MARK
    # the next run without --draft must not leave the draft behind
    assert render_reports(failed, config, out_dir=tmp_path) == {}
    assert not path.exists()

    passed = run_of(config, FORM_2019, UnitResult(unit, PASSED, submission_for(FORM_2019)))
    assert render_reports(passed, config, out_dir=tmp_path, draft=True) == {"01": path}
    assert docx.Document(path).sections[0].header.paragraphs[0].text == ""  # a passed unit is no draft
    # the default folder is the year's output folder
    assert render_reports(passed, config) == {"01": tmp_path / "2019" / REPORTS_DIR / "01-青塘镇.docx"}


def test_render_reports_collects_units_without_data(seed, tmp_path):
    _, config = seed
    unit = config.units[0]
    sub = submission_for(FORM_2019)
    del sub.info["info.date"]
    del sub.values["t3.received.natural"]
    with pytest.raises(ReportDataError) as caught:
        render_reports(run_of(config, FORM_2019, UnitResult(unit, PASSED, sub)), config, out_dir=tmp_path)
    assert caught.value.problems == [
        "01 青塘镇 的年度报告缺少数据（落款日期、一、本年新收政府信息公开申请数量／自然人），未生成。请在该单位的报送文件中补填后重新运行。"
    ]
    assert caught.value.written == {}
    assert not (tmp_path / REPORTS_DIR / "01-青塘镇.docx").exists()


def test_render_reports_checks_the_template_and_office_first(seed, tmp_path, monkeypatch):
    _, config = seed
    run = run_of(config, FORM_2019, UnitResult(config.units[0], PASSED, submission_for(FORM_2019)))
    templates = tmp_path / "templates"
    templates.mkdir()
    edit_docx(template_path(FORM_2019), templates / "年度报告模板-gov2019.docx",
              lambda xml: xml.replace("{{ v.t4_review_upheld }}", ""))
    with pytest.raises(ReportTemplateError) as caught:
        render_reports(run, config, templates, tmp_path / "out")
    assert caught.value.problems == [
        "报告模板 年度报告模板-gov2019.docx 缺少单元格标签 {{ v.t4_review_upheld }}（四、政府信息公开行政复议、行政诉讼情况 "
        "行政复议／结果维持）。请在 Word 中补上该标签，或重新生成模板。"
    ]
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(render_module, "find_soffice", lambda: None)
    with pytest.raises(OfficeUnavailable, match="^未找到 LibreOffice（soffice），无法把报告转换为 PDF。请安装 LibreOffice 后重试，或不加 --pdf 只生成 Word 报告。$"):
        render_reports(run, config, out_dir=tmp_path / "out", pdf=True)
    assert not (tmp_path / "out").exists()


def test_demo_county_reports_in_the_2021_format(tmp_path):
    """Every unit of the demo county's clean 2024 inbox passes and gets its report."""
    config = load_config(DEMO_COUNTY / "county.toml")
    config = dataclasses.replace(config, year=2024, inbox=tmp_path / "inbox", output=tmp_path / "out")
    files = build_demo_inbox(DEMO_COUNTY, 2024, config.inbox)
    result = run_batch(config, paths=files[:4])  # a few units are enough (the others count as missing)
    passed = [u for u in result.units if u.status == PASSED]
    assert passed
    written = render_reports(result, config, out_dir=tmp_path / "out")
    assert sorted(written) == sorted(u.unit.code for u in passed)
    unit = passed[0]
    text = document_text(docx.Document(written[unit.unit.code]))
    assert text[0] == f"{unit.unit.full_name}2024年政府信息公开工作年度报告"  # a line break is no text
    assert "本年收费金额（单位：万元）" in text and "3.其他" in text
    assert text[-1] == signature_date(unit.submission.info["info.date"]) and text[-2] == unit.unit.full_name


# --- the seed ---------------------------------------------------------------------------------


def test_seed_report_matches_the_published_report(seed_docx):
    ours = clean_lines(document_text(docx.Document(seed_docx)))
    published = clean_lines(SEED_TEXT.read_text(encoding="utf-8").splitlines())
    expected = list(published)

    def replace(old: str, new: str) -> None:
        assert expected.count(old) == 1, old
        expected[expected.index(old)] = new

    # The title format carries the year and the unit's full name; the published title does not.
    replace("青塘镇政府信息公开工作年度报告", "青塘镇人民政府2019年政府信息公开工作年度报告")
    # The published text was converted from Word and kept a bookmark marker before the preface.
    preface = next(line for line in expected if line.startswith("[bookmark: _GoBack]"))
    replace(preface, preface.removeprefix("[bookmark: _GoBack]").strip())
    # The official 2019 format has a colon after 为; the published table lacks it.
    replace("（本列数据的勾稽关系为第一项加第二项之和，等于第三项加第四项之和）",
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    # The published report has a typo; the label is fixed by the format.
    replace("四、结转下半年度继续办理", "四、结转下年度继续办理")
    # The 落款日期 is printed with Arabic numerals without leading zeros (GB/T 9704-2012 7.3.5.1).
    replace("2020年01月13日", "2020年1月13日")
    # The published （二）部分公开 row is blank in all seven cells. Our draft prints the six blank cells
    # blank, as the township left them, but 总计 is the template's formula: SUM counts blanks as 0.
    partial = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    expected.insert(expected.index(partial) + 1, "0")

    assert ours == expected


def test_seed_report_structure(seed_docx):
    document = docx.Document(seed_docx)
    # the seed has errors (勾稽关系不平衡, blank cells): it is rendered as a draft
    assert document.sections[0].header.paragraphs[0].text == DRAFT_MARK
    assert document.sections[0].even_page_header.paragraphs[0].text == DRAFT_MARK
    partial_row = document.tables[1].rows[6]
    assert [c.text for c in partial_row.cells[3:]] == [""] * 6 + ["0"]
    styles = {p.text: p.style.name for p in document.paragraphs if p.text}
    assert styles["青塘镇人民政府2019年\n政府信息公开工作年度报告"] == "报告标题"  # a balanced line break
    assert styles["一、总体情况"] == "一级标题"
    assert styles["（一）加强组织领导，政务公开工作机制逐步健全完善"] == "二级标题"
    assert styles["（二）改进措施"] == "二级标题"
    assert styles["1、对信息公开工作认识不足，政府信息公开的尺度难以把握等问题；"] == "Normal"
    assert styles["青塘镇人民政府"] == styles["2020年1月13日"] == "落款"
    # no template tag survives rendering
    assert not [t for t in document_text(document) if "{{" in t or "{%" in t]


needs_pdf_tools = pytest.mark.skipif(
    find_soffice() is None or shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="需要 LibreOffice（soffice）和 poppler-utils（pdftoppm、pdftotext，Debian 软件包 poppler-utils）",
)


@needs_pdf_tools
def test_seed_report_as_pdf_and_pictures(seed, tmp_path):
    submission, config = seed
    unit = config.units[0]
    failed = run_of(config, FORM_2019, UnitResult(unit, FAILED, submission))
    (docx_path,) = render_reports(failed, config, out_dir=tmp_path, draft=True, pdf=True).values()
    pdf = docx_path.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    assert 2 <= len(pages) <= 8, len(pages)
    flat = re.sub(r"\s+", "", text)
    for table_text in ("第二十条第（一）项", "其他对外管理服务事项", "申请人情况", "法人或其他组织",
                       "四、结转下年度继续办理", "未经复议直接起诉", "复议后起诉"):
        assert table_text in flat, table_text
    assert "青塘镇人民政府2019年政府信息公开工作年度报告" in flat and "2020年1月13日" in flat
    assert flat.count(DRAFT_MARK) == len(pages)  # on every page, odd and even
    assert f"—{len(pages)}—" in flat  # the page number field is computed
    # 28 characters a line (GB/T 9704): the longest line of Chinese characters only on page 1
    chinese = [line.strip() for line in pages[0].splitlines() if line.strip() and not re.search(r"[\x00-\x7f]", line.strip())]
    assert max(len(line) for line in chinese) == 28, chinese
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == len(pages)

    # an unchanged report is not converted again; a changed one without --pdf loses its old PDF
    stamp = pdf.stat().st_mtime_ns
    render_reports(failed, config, out_dir=tmp_path, draft=True, pdf=True)
    assert pdf.stat().st_mtime_ns == stamp
    passed = run_of(config, FORM_2019, UnitResult(unit, PASSED, submission_for(FORM_2019)))
    render_reports(passed, config, out_dir=tmp_path)
    assert docx_path.exists() and not pdf.exists()


# --- titles and table 三 -----------------------------------------------------------------------


@pytest.mark.parametrize("title, lines", [
    ("青塘镇2025年政府信息公开工作年度报告", ["青塘镇2025年政府信息公开工作年度报告"]),  # fits one line
    ("示例县发展和改革局2025年政府信息公开工作年度报告", ["示例县发展和改革局2025年", "政府信息公开工作年度报告"]),
    ("示例县自然资源和规划局2025年政府信息公开工作年度报告", ["示例县自然资源和规划局2025年", "政府信息公开工作年度报告"]),
    ("青塘镇人民政府2019年政府信息公开工作年度报告", ["青塘镇人民政府2019年", "政府信息公开工作年度报告"]),
])
def test_titles_break_at_a_natural_and_balanced_point(title, lines):
    from pipeline.word.typography import balanced_title

    assert balanced_title(title).split("\n") == lines


def test_no_title_line_of_one_or_two_characters():
    from pipeline.word.typography import TITLE_CHARS_PER_LINE, balanced_title, title_width

    names = ["示例县发改局", "示例县住房和城乡建设局（示例县人民防空办公室）", "某某县某某某某某某某某某某某某某某某局", "甲"]
    for name in names:
        lines = balanced_title(f"{name}2025年政府信息公开工作年度报告").split("\n")
        assert all(3 <= title_width(line) <= TITLE_CHARS_PER_LINE for line in lines) or len(lines) == 1, lines


def test_table_three_columns_fit_the_longest_label_in_two_lines_and_four_digits():
    from pipeline.word import typography as ty
    from pipeline.word.template import CELL_MARGINS, COLUMN_WIDTHS

    widths, margin = COLUMN_WIDTHS["t3"], CELL_MARGINS["t3"]
    char = int(ty.SIZE_TABLE.pt * 20)  # twips of one 五号 character
    inner = [w - 2 * margin for w in widths]
    for form in FORMS:
        table = form.table("t3")
        for label in table.labels:
            if label.role == "row" and label.colspan == 1 and label.col == 2:
                assert ty.title_width(label.text) * char <= 2 * inner[2], label.text  # two lines at most
    assert ty.title_width("（三）不予公开") * char <= 2 * inner[1]
    assert all(w >= 2 * char for w in inner[3:])  # "自然人" two characters a line, and four digits
    assert inner[0] >= char  # "三、本年度办理结果" one character a line


def test_table_three_keeps_groups_and_the_last_rows_together():
    document = docx.Document(template_path(FORM_2021))
    t3 = document.tables[1]
    kept = [any(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs) for row in t3.rows]
    n = len(t3.rows)
    assert kept[n - 3] and kept[n - 2] and not kept[n - 1]  # （七）总计 and 四、结转 never alone
    table = FORM_2021.table("t3")
    refused = next(label for label in table.labels if label.text == "（三）不予公开")
    assert all(kept[refused.row:refused.row + refused.rowspan - 1])


def test_check_reports_an_unknown_filter_or_test_instead_of_crashing(tmp_path):
    """Regression: `{{ x|nosuch }}` made the check itself raise (Jinja compiles the tags to find their
    names), and `run` stopped with the internal-error message instead of naming the tag."""
    source = template_path(FORM_2019)
    fix = "请检查标签中“|”之后的过滤器名和“is”之后的判断名是否写错，或删去它们，或重新生成模板。"
    # an unknown test in a condition is found by Jinja only when it renders: every report would fail
    for tag, kind in (("{{ title|nosuch }}", "过滤器"), ("{% if title is nosuch %}{% endif %}{{ title }}", "判断"),
                      ("{% if draft %}{{ title|nosuch }}{% endif %}{{ title }}", "过滤器")):
        edited = edit_docx(source, tmp_path / "filter.docx", lambda xml: xml.replace("{{ title }}", tag, 1))
        (problem,) = check_word_template(edited, FORM_2019)
        assert problem.startswith("报告模板 filter.docx 的正文中有无法使用的标签（在“")
        assert problem.endswith(f"”附近）：没有名为“nosuch”的{kind}。{fix}")
    fine = edit_docx(source, tmp_path / "fine.docx", lambda xml: xml.replace("{{ title }}", "{{ title|upper }}", 1))
    assert check_word_template(fine, FORM_2019) == []
