"""A published report saved as a web page (.html/.htm): its text paragraphs and its <td> tables.

The page is parsed with lxml.html and only read: scripts, styles, forms and embedded objects are
dropped unseen, nothing is fetched or executed, entities become the characters they stand for and
stay text. The site's menus, headers and footers (by element or by a class or id naming them) are
skipped. Only innermost tables are report tables: a page laid out with tables is read as text.
"""

from __future__ import annotations

import re

from .document import MAX_BYTES, MAX_CELLS, MAX_SPAN, Block, Grid, Paragraph, Unreadable
from .text import decode_text

SKIPPED = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "canvas",
    "form", "select", "button", "input", "textarea", "nav", "header", "footer", "aside", "head", "title",
}
BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "main",
    "blockquote", "pre", "center", "dd", "dt", "dl", "body", "table", "tr", "td", "th",
}
SITE_PARTS = re.compile(r"(^|[\s_-])(nav|navbar|menu|footer|foot|header|breadcrumb|crumbs?|sidebar|banner|copyright|share|toolbar|topbar)([\s_-]|\d|$)", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def looks_like_html(text: str) -> bool:
    """Text that is a web page: it begins with a doctype or a tag and holds HTML elements."""
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    return head.startswith("<") and bool(re.search(r"<(html|head|body|table|p|div|meta)[\s>/]", head))


def read_html(data: bytes, name: str) -> list[Block]:
    if len(data) > MAX_BYTES:
        raise Unreadable(f"{name} 超过 {MAX_BYTES // 1024 // 1024} MB，不像一篇年度报告的网页，未读取。请只保存报告所在的网页。")
    text = _decode(data)
    if text is None:
        raise Unreadable(f"{name} 是网页，但文字编码无法识别，无法读取。请用浏览器另存为 UTF-8 编码的网页。")
    try:
        import lxml.html
        from lxml import etree

        root = lxml.html.document_fromstring(text)
    except Exception:  # lxml refuses some pages (empty, or not HTML at all)
        raise Unreadable(f"{name} 是网页，但无法解析（文件内容不是有效的网页），无法读取。") from None
    return _blocks(root, etree, name)


def _decode(data: bytes) -> str | None:
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith(b"\xef\xbb\xbf"):
        encoding = declared.group(1).decode("ascii").lower()
        if encoding in ("gb2312", "gbk"):
            encoding = "gb18030"
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _skipped(element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments, processing instructions
    tag = element.tag.lower()
    if tag in SKIPPED:
        return True
    marker = f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"
    return bool(SITE_PARTS.search(marker)) or "navigation" in marker.lower()


def _blocks(root, etree, name: str) -> list[Block]:
    blocks: list[Block] = []
    line: list[str] = []
    cells = 0

    def flush() -> None:
        text = re.sub(r"\s+", " ", "".join(line)).strip()
        line.clear()
        if text:
            blocks.append(Paragraph(text))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if _skipped(element):
                walker.skip_subtree()
                if element.tail:
                    line.append(element.tail)
                continue
            if tag == "table" and not element.xpath(".//table"):
                flush()
                rows = _grid_rows(element)
                cells += sum(len(r) for r in rows)
                if cells > MAX_CELLS:
                    raise Unreadable(f"{name} 的表格过大（超过 {MAX_CELLS} 个单元格），不像年度报告，未读取。")
                blocks.append(Grid(sum(isinstance(b, Grid) for b in blocks) + 1, tuple(rows)))
                walker.skip_subtree()
                if element.tail:
                    line.append(element.tail)
                continue
            if tag in BLOCKS or tag == "br":
                flush()
            if element.text:
                line.append(element.text)
        else:
            if tag in BLOCKS:
                flush()
            if element.tail:
                line.append(element.tail)
    flush()
    return blocks


def _grid_rows(table) -> list[tuple[str, ...]]:
    """The rows of an innermost table; a colspan cell once, a rowspan cell repeated below."""
    pending: dict[int, tuple[str, int, int]] = {}  # first column → (text, rows still covered, colspan)
    rows = []
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        texts: list[str] = []
        column = 0
        cells = iter(td for td in tr if isinstance(td.tag, str) and td.tag.lower() in ("td", "th"))
        cell = next(cells, None)
        while cell is not None or any(c >= column for c in pending):
            if column in pending:
                text, left, span = pending.pop(column)
                texts.append(text)
                if left > 1:
                    pending[column] = (text, left - 1, span)
                column += span
                continue
            if cell is None:
                column += 1
                continue
            text = _cell_text(cell)
            span = _span(cell.get("colspan"))
            down = _span(cell.get("rowspan"))
            texts.append(text)
            if down > 1:
                pending[column] = (text, down - 1, span)
            column += span
            cell = next(cells, None)
        rows.append(tuple(texts))
    return rows


def _cell_text(cell) -> str:
    parts = []
    for piece in cell.iter():
        if not isinstance(piece.tag, str) or piece.tag.lower() in SKIPPED:
            if piece is not cell and piece.tail:
                parts.append(piece.tail)
            continue
        if piece.tag.lower() in ("br", "p", "div") and parts:
            parts.append("\n")
        if piece.text:
            parts.append(piece.text)
        if piece is not cell and piece.tail:
            parts.append(piece.tail)
    return "".join(parts).strip()


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), MAX_SPAN))
    except (TypeError, ValueError):
        return 1
