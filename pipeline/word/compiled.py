"""A Word report template prepared once per run, then filled for every unit.

Plain docxtpl opens the template, patches its XML and compiles it with Jinja again for every report
(and python-docx re-serialises and re-deflates the whole package, styles.xml included). Here the
patching and compiling happen once; each report renders only its XML parts (body, headers, footers,
core properties) exactly as docxtpl's `render` would, and the package is written by copying every
unchanged member as bytes deflated once (`zipwrite`). Autoescape and StrictUndefined are kept.

A part that cannot be parsed back whole (e.g. a text beyond lxml's limit) raises ReportTooLarge:
a report is written whole or not at all.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from pathlib import Path
from typing import Any, Mapping

from lxml import etree

from ..files import fixed_timestamp
from . import zipwrite

_PARAGRAPH = re.compile(r"<w:p([ >])")
_DECLARATION = re.compile(rb'\s+(xmlns(?::[\w.-]+)?="[^"]*")')  # a namespace declaration in a start tag
_LISTING_CHAR = re.compile(r"[\t\a\f\n]")  # what docxtpl's resolve_listing rewrites
_LISTING_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # docxtpl's resolve_listing
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"  # python-docx's wp:docPr
_PARSERS = threading.local()
_MADE_PARTS_KEPT = 64  # header and footer members kept by _part_member (a few per template in practice)
_JINJA_TAGS = ("{{", "{%", "{#")


class ReportTooLarge(Exception):
    """A rendered part could not be parsed back whole (lxml's limits): the report is not written."""


class CompiledTemplate:
    def __init__(self, path: Path):
        from docxtpl import DocxTemplate
        from jinja2 import Environment, StrictUndefined

        self.path = Path(path)
        env = Environment(autoescape=True, undefined=StrictUndefined)
        template = DocxTemplate(self.path)
        template.render_init()
        self._docxtpl = template
        document = template.docx
        self._env = env
        body = _PARAGRAPH.sub(r"\n<w:p\1", template.patch_xml(template.get_xml()))
        parsed = env.parse(body)  # parsed once: checked here, then compiled (which may rewrite it)
        self._tables_fixed = _tables_cannot_change(env, body, parsed)
        self._body = env.from_string(parsed)
        self._parts: list[tuple[str, Any, str]] = []  # (zip member, compiled template, encoding)
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in template.get_headers_footers(uri):
                xml = template.get_part_xml(part)
                encoding = template.get_headers_footers_encoding(xml)
                source = _PARAGRAPH.sub(r"\n<w:p\1", template.patch_xml(xml))
                self._parts.append((str(part.partname).lstrip("/"), env.from_string(source), encoding))
        self._footnotes: list[tuple[str, Any]] = []  # docxtpl renders them as text, kept as a blob
        for part in document.part.package.parts:
            if part.content_type.endswith("wordprocessingml.footnotes+xml"):
                blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
                source = _PARAGRAPH.sub(r"\n<w:p\1", template.patch_xml(blob))
                self._footnotes.append((str(part.partname).lstrip("/"), env.from_string(source)))
        self._core = document.core_properties
        self._core_part = document.part.package._core_properties_part
        self._properties = {name: _property_template(env, getattr(self._core, name)) for name in _PROPERTIES}
        self._root = document.element
        self._body_element = document.element.body
        buffer = io.BytesIO()
        document.save(buffer)
        self._members = zipwrite.members_of(buffer.getvalue())
        self._external_attrs = {item.name: item.external_attr for item in self._members}
        self._made_parts: dict[tuple[str, str], zipwrite.Member] = {}  # see _part_member

        self._document_member = str(document.part.partname).lstrip("/")
        # document.xml around its body, serialised once (see _document_xml)
        whole = etree.tostring(self._root, encoding="UTF-8", standalone=True)  # python-docx's serialize_part_xml
        body_start, body_end = whole.find(b"<w:body>"), whole.rfind(b"</w:body>")
        self._document_head = whole[:body_start] if 0 <= body_start < body_end else None
        self._document_tail = whole[body_end + len(b"</w:body>"):]
        # the declarations the document element makes (a moved body drops these from its start tag)
        self._root_declarations = {
            (f'xmlns:{prefix}="{uri}"' if prefix else f'xmlns="{uri}"').encode() for prefix, uri in self._root.nsmap.items()
        }
        self._core_member = str(self._core_part.partname).lstrip("/")

    def render(self, context: Mapping[str, Any]) -> bytes:
        """The .docx bytes of the template filled with `context` (already protected text).

        Raises jinja2's UndefinedError for a name the context lacks, ReportTooLarge when a part
        could not be parsed back whole."""
        from docx.opc.oxml import serialize_part_xml

        changed: dict[str, bytes | zipwrite.Member] = {}
        body = self._finish(self._body.render(context))
        tree = self._fix_tables(body)
        index = 1000
        for element in tree.iter(_DOC_PR):  # as docxtpl's xpath //wp:docPr, in document order
            index += 1
            element.attrib["id"] = str(index)
        changed[self._document_member] = self._document_xml(tree)
        for name, compiled, encoding in self._parts:
            changed[name] = self._part_member(name, compiled.render(context), encoding)
        for name, compiled in self._footnotes:
            changed[name] = self._finish(compiled.render(context)).encode("utf-8")
        core = self._core
        for name, compiled in self._properties.items():
            setattr(core, name, compiled.render(context))
        if context.get("title"):
            core.title = str(context["title"]).replace("\n", "")  # one line: the break is only for the printed title
        if context.get("signature_name"):
            core.author = str(context["signature_name"])
        if isinstance(context.get("year"), int):
            stamp = fixed_timestamp(context["year"])
            core.created = core.modified = core.last_printed = stamp
        changed[self._core_member] = serialize_part_xml(self._core_part._element)
        return zipwrite.write_package(self._members, changed)

    def _part_member(self, name: str, rendered: str, encoding: str) -> zipwrite.Member:
        """A header's or footer's zip member from its Jinja output, as python-docx writes the part.

        The same output (a header shows 草稿 or not) gives the same member: made once, then kept."""
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.parser import parse_xml

        made = self._made_parts.get((name, rendered))
        if made is None:
            try:
                xml = serialize_part_xml(parse_xml(self._finish(rendered).encode(encoding)))
            except etree.XMLSyntaxError as exc:
                raise ReportTooLarge(str(exc)) from exc
            if len(self._made_parts) >= _MADE_PARTS_KEPT:
                self._made_parts.clear()
            made = self._made_parts[(name, rendered)] = zipwrite.member(name, xml, self._external_attrs[name])
        return made

    def _document_xml(self, body) -> bytes:
        """document.xml with `body` (the rendered w:body) in place of the template's body.

        docxtpl puts the new body into the document tree and python-docx serialises the whole tree;
        moving a subtree into another document makes lxml reconcile every namespace in it (about
        10 ms a report). The same bytes come from serialising the body alone, dropping from its
        start tag the namespace declarations the document element already makes (exactly what the
        move does), between the document's own head and tail serialised once. A body whose start
        tag declares anything else takes docxtpl's way."""
        xml = etree.tostring(body, encoding="UTF-8")
        end = xml.find(b">")
        start_tag = xml[:end]
        declared = set(_DECLARATION.findall(start_tag))
        if self._document_head is not None and start_tag.startswith(b"<w:body") and declared <= self._root_declarations:
            return self._document_head + _DECLARATION.sub(b"", start_tag) + xml[end:] + self._document_tail
        return self._moved_document_xml(body)

    def _moved_document_xml(self, body) -> bytes:
        """docxtpl's way: the body moved into the document tree, the tree serialised."""
        from docx.opc.oxml import serialize_part_xml

        self._root.replace(self._body_element, body)
        try:
            return serialize_part_xml(self._root)
        finally:
            self._root.replace(body, self._body_element)

    def _finish(self, xml: str) -> str:
        """docxtpl's steps after Jinja: paragraphs back on one line, its escapes undone, listings."""
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # _PARAGRAPH_BACK, without a regex
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self._resolve_listings(xml)

    def _resolve_listings(self, xml: str) -> str:
        """docxtpl's resolve_listing, given only the paragraphs that hold a listing character.

        It rewrites every paragraph its pattern matches (~2 ms a report), and one without such a
        character comes out unchanged. The matches are found as its own scan finds them (each search
        starts where the previous match ended), but only as far as the last listing character."""
        resolve = self._docxtpl.resolve_listing
        pieces, done, paragraph = [], 0, None  # xml[:done] is in pieces; the scan's current match
        for char in _LISTING_CHAR.finditer(xml):
            at = char.start()
            if at < done:
                continue  # in the paragraph just resolved
            if paragraph is None:
                paragraph = _LISTING_PARAGRAPH.search(xml, done)
            while paragraph is not None and paragraph.end() <= at:
                paragraph = _LISTING_PARAGRAPH.search(xml, paragraph.end())
            if paragraph is None:
                break  # no paragraph from here on
            if paragraph.start() <= at:
                pieces += (xml[done:paragraph.start()], resolve(paragraph.group(0)))
                done, paragraph = paragraph.end(), None
        pieces.append(xml[done:])
        return "".join(pieces)

    def _fix_tables(self, xml: str):
        """docxtpl's table fix-up, on a strict parse: a part that does not parse whole is an error.

        A template whose tables cannot change (`_tables_cannot_change`) needs none."""
        try:
            tree = etree.fromstring(xml, parser=_strict_parser())
        except etree.XMLSyntaxError as exc:
            raise ReportTooLarge(str(exc)) from exc
        return tree if self._tables_fixed else _fix_tables_tree(self._docxtpl, tree)


def _fix_tables_tree(template, tree):
    """docxtpl's `fix_tables` (which parses a string itself) is run only when a table's grid does not
    match its rows, i.e. when it would change something; otherwise the tree is kept as it is."""
    if _grids_match_rows(tree):
        return tree
    return template.fix_tables(etree.tostring(tree, encoding="unicode"))


def _grids_match_rows(tree) -> bool:
    """Whether docxtpl's `fix_tables` would leave every table of `tree` as it is: no row has more
    cells than the grid has columns, and some row spans them all."""
    ns = "{" + tree.nsmap["w"] + "}"
    for table in tree.iter(ns + "tbl"):
        grid = table.find(ns + "tblGrid")
        columns = len(grid.findall(ns + "gridCol")) if grid is not None else -1
        widest = 0
        for row in table.iter(ns + "tr"):
            cells = row.findall(ns + "tc")
            if len(cells) > columns:
                return False
            widest = max(widest, sum(_span(cell, ns) for cell in cells))
        if widest < columns:
            return False
    return True


def _span(cell, ns: str) -> int:
    properties = cell.find(ns + "tcPr")
    span = None if properties is None else properties.find(ns + "gridSpan")
    return 1 if span is None else int(span.get(ns + "val"))


# What a template may use for its tables to come out as they are in it: lookups, tests, loops and
# conditions print escaped text or repeat what they enclose; no filter, call, macro, assignment or
# autoescape switch (any of which could print markup of its own).
_PLAIN_NODES = frozenset(
    ("Template", "Output", "TemplateData", "Name", "Getattr", "Getitem", "Const", "If", "For", "Not", "And", "Or",
     "Compare", "Operand", "Test", "CondExpr")
)


def _tables_cannot_change(env, source: str, parsed=None) -> bool:
    """Whether no rendering of the body `source` (docxtpl's patched XML; `parsed`: its Jinja
    syntax tree, when it was parsed already) needs docxtpl's `fix_tables`.

    That is so when its Jinja is plain (`_PLAIN_NODES`; the context's texts are escaped), no
    statement or comment lies inside a table, no attribute inside a table holds a tag, and every
    table of the source matches its grid. Statements outside the tables can then only leave out or
    repeat whole tables, so every table rendered is a copy of one in the source with the same rows,
    cells, spans and grid. A table whose rows or cells come from a Jinja loop is no such table: the
    template is checked at every rendering, as before."""
    if any(type(node).__name__ not in _PLAIN_NODES for node in _nodes(env.parse(source) if parsed is None else parsed)):
        return False
    try:
        tree = etree.fromstring(source, parser=etree.XMLParser(recover=False))
    except etree.XMLSyntaxError:
        return False
    if "w" not in tree.nsmap:
        return False  # left to the check of each rendered body
    for table in tree.iter("{" + tree.nsmap["w"] + "}tbl"):
        markup = etree.tostring(table, encoding="unicode", with_tail=False)
        if "{%" in markup or "{#" in markup:
            return False
        if any("{" in value for element in table.iter() for value in element.attrib.values()):
            return False
    try:
        return _grids_match_rows(tree)
    except (TypeError, ValueError):
        return False  # a span that is no number: left to the check of each rendered body


def _nodes(node):
    yield node
    for child in node.iter_child_nodes():
        yield from _nodes(child)


class _Text:
    """A core property without Jinja tags: the text its template always renders."""

    def __init__(self, text: str):
        self._text = text

    def render(self, context: Mapping[str, Any]) -> str:
        return self._text


def _property_template(env, source: str):
    """The core property's template, or its text rendered once when it holds no tag."""
    compiled = env.from_string(source)
    return compiled if any(tag in source for tag in _JINJA_TAGS) else _Text(compiled.render())


def _strict_parser():
    """The thread's strict parser, made once (lxml's parsers are not to be shared between threads):
    parsing a body with it takes ~0.3 ms less CPU than with a new parser for every report."""
    parser = getattr(_PARSERS, "strict", None)
    if parser is None:
        parser = _PARSERS.strict = etree.XMLParser(recover=False)
    return parser


_CACHE: dict[tuple[str, str], CompiledTemplate] = {}


def compiled_template(path: Path) -> CompiledTemplate:
    """The template at `path` prepared once per process (keyed by its content, never its mtime)."""
    path = Path(path)
    key = (str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest())
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) > 8:
            _CACHE.clear()
        found = _CACHE[key] = CompiledTemplate(path)
    return found
