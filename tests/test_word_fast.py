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
