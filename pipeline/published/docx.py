"""A published report saved as Word (.docx): paragraphs and tables of the body, in order.

python-docx resolves merged cells: a horizontally merged cell is kept once per row, a vertically
merged one repeats its text in each row. Text boxes, headers, footers and nested tables are not part
of the report's body and are skipped.
"""

from __future__ import annotations

import io
import zipfile

from .document import MAX_BYTES, MAX_CELLS, Block, Grid, Paragraph, Unreadable


def read_docx(data: bytes, name: str) -> list[Block]:
    _check_package(data, name)
    try:
        import docx
        from docx.oxml.ns import qn
        from docx.table import Table
        from docx.text.paragraph import Paragraph as DocxParagraph

        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        cells = 0
        for child in document.element.body.iterchildren():
            if child.tag == qn("w:p"):
                blocks.append(Paragraph(DocxParagraph(child, document).text))
            elif child.tag == qn("w:tbl"):
                rows = []
                for row in Table(child, document).rows:
                    texts, previous = [], None
                    for cell in row.cells:
                        if cell._tc is previous:
                            continue  # the same merged cell again
                        previous = cell._tc
                        texts.append(cell.text)
                    cells += len(texts)
                    if cells > MAX_CELLS:
                        raise Unreadable(f"{name} 的表格过大（超过 {MAX_CELLS} 个单元格），不像年度报告，未读取。")
                    rows.append(tuple(texts))
                blocks.append(Grid(sum(isinstance(b, Grid) for b in blocks) + 1, tuple(rows)))
        return blocks
    except Unreadable:
        raise
    except Exception:  # a damaged document must not stop the batch
        raise Unreadable(
            f"{name} 是 Word 文档，但已损坏或无法打开。请在 Word 或 WPS 中打开确认后重新保存。"
        ) from None


def _check_package(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise Unreadable(f"{name} 是 Word 文档，但文件不完整（已损坏），无法读取。请在 Word 或 WPS 中打开确认后重新保存。") from None
    if size > 10 * MAX_BYTES:
        raise Unreadable(f"{name} 解压后超过 {10 * MAX_BYTES // 1024 // 1024} MB，不像年度报告，未读取。")
