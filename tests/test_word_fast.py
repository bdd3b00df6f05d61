"""The fast Word path (template prepared once, parts rendered, package copied) writes the same
documents as plain docxtpl: every part's canonical XML (C14N) is compared, for every demo unit of
both formats (drafts of the units with errors too) and for the seed's draft."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from lxml import etree

from pipeline.batch import FAILED, PASSED, run_batch
from pipeline.config import load_config
from pipeline.demo import DEMO_COUNTY, SEED_EXAMPLE, build_demo_inbox
from pipeline.forms import form_for_year
from pipeline.word import report_context, template_path
from pipeline.word.compiled import CompiledTemplate, ReportTooLarge
from pipeline.word.render import ReportDataError, docxtpl_report_bytes, render_reports, report_bytes


def canonical_parts(data: bytes) -> dict[str, bytes]:
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            content = archive.read(name)
            if name.endswith(".xml") or name.endswith(".rels"):
                parts[name] = etree.tostring(etree.fromstring(content), method="c14n")
            else:
                parts[name] = content
    return parts


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def test_a_body_declaring_its_own_namespace_is_moved_into_the_document_as_docxtpl_does(tmp_path):
    compiled = CompiledTemplate(template_path(form_for_year(2025)))
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for extra in ({}, {"x": "urn:example:extra"}):
        body = etree.Element(f"{{{w}}}body", nsmap={"w": w, **extra})
        paragraph = etree.SubElement(etree.SubElement(body, f"{{{w}}}p"), f"{{{w}}}r")
        etree.SubElement(paragraph, f"{{{w}}}t").text = "正文"
        if extra:
            body.set("{urn:example:extra}mark", "1")
        moved = compiled._moved_document_xml(body)
        assert compiled._document_xml(body) == moved
        assert (b'xmlns:x="urn:example:extra"' in moved) == bool(extra)


def contexts(example, year, tmp_path):
    config = load_config(example / "county.toml")
    config = dataclasses.replace(config, year=year, inbox=tmp_path / f"inbox{year}", output=tmp_path / "out")
    files = build_demo_inbox(example, year, config.inbox)
    result = run_batch(config, paths=files)
    found = []
    for unit in result.units:
        if unit.submission is None or unit.status not in (PASSED, FAILED):
            continue
        found.append(report_context(result.form, year, unit.unit, unit.submission, draft=unit.status == FAILED))
    return result.form, found


@pytest.mark.parametrize(("example", "year"), [(DEMO_COUNTY, 2024), (DEMO_COUNTY, 2025), (SEED_EXAMPLE, 2019)])
def test_fast_path_writes_the_same_parts_as_docxtpl(example, year, tmp_path):
    form, found = contexts(example, year, tmp_path)
    assert found
    template = template_path(form)
    for context in found:
        fast, plain = report_bytes(template, context), docxtpl_report_bytes(template, context)
        fast_parts, plain_parts = canonical_parts(fast), canonical_parts(plain)
        assert list(fast_parts) == list(plain_parts)
        for name in plain_parts:
            assert fast_parts[name] == plain_parts[name], (context["unit_name"], name)
        # the body is spliced into document.xml as bytes: the very bytes python-docx writes
        assert member(fast, "word/document.xml") == member(plain, "word/document.xml")
        assert report_bytes(template, context) == fast  # deterministic


def test_both_formats_and_drafts_are_covered(tmp_path):
    assert form_for_year(2024) is not form_for_year(2019)
    _, found = contexts(DEMO_COUNTY, 2025, tmp_path)
    assert any(c["draft"] for c in found) and any(not c["draft"] for c in found)


def test_a_report_too_large_to_write_whole_is_an_error_never_a_short_document(tmp_path):
    form, found = contexts(SEED_EXAMPLE, 2019, tmp_path)
    context = dict(found[0])
    context["overview_paragraphs" if "overview_paragraphs" in context else next(k for k, v in context.items() if isinstance(v, list) and v)] = [
        {"text": "很长" * 6_000_000, "heading": False, "lead": "", "rest": "很长" * 6_000_000}
    ]
    with pytest.raises(ReportTooLarge):
        CompiledTemplate(template_path(form)).render(context)


def test_listings_are_resolved_as_docxtpl_resolves_them():
    compiled = CompiledTemplate(template_path(form_for_year(2025)))
    run = '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>'
    paragraph = '<w:p w:rsidR="1"><w:pPr><w:jc w:val="center"/></w:pPr>' + run + "</w:p>"
    boxed = "<w:p><w:r><w:txbxContent>" + paragraph + "</w:txbxContent>" + run + "</w:r></w:p>"  # nested paragraphs
    bodies = [
        "<w:body>" + paragraph.format("无") + "</w:body>",
        "<w:body>" + paragraph.format("甲\n乙") + paragraph.format("丙") + paragraph.format("丁\t戊\a己\f庚") + "</w:body>",
        "<w:body>\n" + paragraph.format("甲") + "\t" + paragraph.format("乙\n") + "<w:p>\n</w:body>",
        "<w:body>" + boxed.format("内\n", "外\t") + boxed.format("内", "外\n") + paragraph.format("\n\n") + "</w:body>",
    ]
    for body in bodies:
        assert compiled._resolve_listings(body) == compiled._docxtpl.resolve_listing(body)


@pytest.mark.parametrize(("cell", "fixed"), [
    ("{{ v.a }}", True),
    ("{{ v.a|safe }}", False),  # a filter could print markup
    ("{% if v.a %}有{% endif %}", False),  # a statement inside a table
    ("{# 注 #}", False),
])
def test_only_tables_that_cannot_change_skip_the_table_fix(cell, fixed):
    from jinja2 import Environment

    from pipeline.word.compiled import _tables_cannot_change

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    row = f"<w:tr><w:tc><w:p><w:r><w:t>{cell}</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>"
    grid = '<w:tblGrid><w:gridCol w:w="100"/><w:gridCol w:w="100"/></w:tblGrid>'
    source = f'<w:document xmlns:w="{w}"><w:body><w:tbl>{grid}{row}</w:tbl></w:body></w:document>'
    assert _tables_cannot_change(Environment(autoescape=True), source) is fixed
    narrow = source.replace("<w:tc><w:p/></w:tc>", "")  # a row narrower than its grid: docxtpl fixes the grid
    assert _tables_cannot_change(Environment(autoescape=True), narrow) is False


@pytest.mark.parametrize("columns", [["甲"], ["甲", "乙", "丙"], ["甲", "乙", "丙", "丁", "戊"]])
def test_a_table_whose_columns_come_from_a_loop_gets_docxtpls_grid(columns, tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}")):
        cell.text = text
    template = tmp_path / "loop.docx"
    document.save(template)
    assert CompiledTemplate(template)._tables_fixed is False
    context = {"cols": columns}
    fast, plain = report_bytes(template, context), docxtpl_report_bytes(template, context)
    assert member(fast, "word/document.xml") == member(plain, "word/document.xml")
    assert member(plain, "word/document.xml").count(b"<w:gridCol ") == len(columns)  # the grid was fixed


def test_a_core_property_without_tags_renders_as_its_template_would():
    from jinja2 import Environment, StrictUndefined

    from pipeline.word.compiled import _property_template

    env = Environment(autoescape=True, undefined=StrictUndefined)
    for source in ("", "年度报告\n", "A & B", "{{ unit_name }}的报告", "{% if draft %}草稿{% endif %}"):
        context = {"unit_name": "青塘镇", "draft": True}
        assert _property_template(env, source).render(context) == env.from_string(source).render(context)


def test_the_table_check_reads_the_template_as_written_not_as_compiled(tmp_path):
    """CompiledTemplate parses the Jinja once for both the table check and the compile; compiling
    folds `1+1` into a constant, so checked after it, a template that is not plain would pass."""
    from test_word import edit_docx

    source = template_path(form_for_year(2025))
    assert CompiledTemplate(source)._tables_fixed is True
    edited = edit_docx(source, tmp_path / "folded.docx", lambda xml: xml.replace("{{ title }}", "{{ title }}{{ v[1+1] }}", 1))
    assert CompiledTemplate(edited)._tables_fixed is False
