"""Hand-made-looking published reports, as townships lay them out in Word: for the demo and tests.

Unlike the project's own Word output (`pipeline/word`), these are plain python-docx documents with
one unmerged grid per table, and they carry, on request, the drifts real published reports show
(reference §8, issue 10). The numbers are always those given: only the way they are printed changes.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Mapping

from ..files import fixed_timestamp, normalize_zip
from ..findings import fmt_number
from ..forms import form_by_id
from ..forms.common import SECTION_HEADINGS, T3_NOTE
from ..forms.spec import Form

DRIFTS = {
    "gouji": "表三说明中“勾稽”印成“钩稽”",
    "xianxing": "“现行有效件数”印成“先行有效件数”",
    "normative": "“行政规范性文件”印成“规范性文件”",
    "slash": "0 印成“/”",
    "units": "数字带单位（“5件”）",
    "split": "行标题分在两个单元格里",
    "letter_title": "标题为“关于报送……年度报告的函”",
    "no_rules_row": "表二缺少“规章”行",
    "short_row": "表三“（一）予以公开”一行少一个数",
    "format2019": "表二按2019年试行格式印制",
    "fullwidth": "数字为全角",
}


def handmade_docx(form: Form, year: int, unit_name: str, signature: str, values: Mapping[str, Decimal],
                  texts: Mapping[str, str], date: str, drifts: tuple[str, ...] = ()) -> bytes:
    import docx

    unknown = set(drifts) - set(DRIFTS)
    if unknown:
        raise ValueError(f"unknown drifts: {sorted(unknown)}")
    document = docx.Document()
    title = (f"{unit_name}关于报送{year}年政府信息公开工作年度报告的函" if "letter_title" in drifts
             else f"{unit_name}{year}年度政府信息公开工作年度报告")
    document.add_paragraph(title)
    _lines(document, texts.get("text.preface", ""))
    if "format2019" in drifts:  # the unit kept last format's layout and typed what fits
        form, values = form_by_id("gov2019"), _as_2019(form, values)
    t2_form = form
    for number, heading in SECTION_HEADINGS:
        document.add_paragraph(heading)
        section = form.section(number)
        if section.text:
            _lines(document, texts.get(section.text, ""))
        elif section.table == "t2":
            _grid(document, _t2_rows(t2_form, values, drifts))
        elif section.table == "t3":
            _grid(document, _t3_rows(form, values, drifts))
        else:
            _grid(document, _t4_rows(form, values, drifts))
    document.add_paragraph(signature)
    document.add_paragraph(date)
    stamp = fixed_timestamp(year)
    document.core_properties.created = document.core_properties.modified = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def _as_2019(form: Form, values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    old = form_by_id("gov2019")
    mapped = {k: v for k, v in values.items() if old.has_cell(k)}
    renamed = {"made": "issued", "published": "issued", "public_total": "in_force"}
    for key in ("rules", "normative"):
        for new, was in renamed.items():
            mapped[f"t2.{key}.{new}"] = values.get(f"t2.{key}.{was}", Decimal(0))
    for cell in old.table("t3").cells:
        if cell.key.startswith("t3.other."):
            column = cell.key.rsplit(".", 1)[1]
            mapped[cell.key] = sum((v for k, v in values.items() if k.startswith("t3.other_") and k.endswith("." + column)), Decimal(0))
    for cell in old.input_cells:
        mapped.setdefault(cell.key, Decimal(0))
    return old.with_totals(mapped)


def _lines(document, text: str) -> None:
    for line in str(text).splitlines():
        if line.strip():
            document.add_paragraph(line.strip())


def _grid(document, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def _number(value, drifts) -> str:
    if value is None:
        return ""
    text = fmt_number(Decimal(value))
    if text == "0" and "slash" in drifts:
        return "/"
    if "fullwidth" in drifts:
        text = text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    if "units" in drifts and text not in ("0", "/") and "." not in text:
        text += "件"
    return text


def _t2_rows(form: Form, values, drifts) -> list[list[str]]:
    table = form.table("t2")
    rows: list[list[str]] = []
    for r in range(table.n_rows):
        labels = sorted((l for l in table.labels if l.row == r), key=lambda l: l.col)
        cells = sorted((c for c in table.cells if c.row == r), key=lambda c: c.col)
        if cells:
            label = labels[0].text
            if label == "规章" and "no_rules_row" in drifts:
                continue
            if label == "行政规范性文件" and "normative" in drifts:
                label = "规范性文件"
            rows.append([label] + [_number(values.get(c.key, 0), drifts) for c in cells])
        else:
            texts = [l.text.replace("现行有效件数", "先行有效件数") if "xianxing" in drifts else l.text for l in labels]
            rows.append(texts)
    return rows


def _t3_rows(form: Form, values, drifts) -> list[list[str]]:
    table = form.table("t3")
    note = T3_NOTE.replace("勾稽", "钩稽") if "gouji" in drifts else T3_NOTE
    header = [note, "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    rows = [[note, "申请人情况"], header]
    for r in range(table.header_rows, table.n_rows):
        labels = sorted((l for l in table.labels if l.row == r and l.role in ("row", "group")), key=lambda l: l.col)
        cells = sorted((c for c in table.cells if c.row == r), key=lambda c: c.col)
        row_label = next(l.text for l in labels if l.role == "row")
        numbers = [_number(values.get(c.key), drifts) for c in cells]
        if "short_row" in drifts and cells[0].key == "t3.disclosed.natural":
            numbers = numbers[:-1]
        if "split" in drifts and row_label.startswith("一、"):
            rows.append(["一、本年新收政府信息", "公开申请数量"] + numbers)
            continue
        rows.append([row_label] + numbers)
    return rows


def _t4_rows(form: Form, values, drifts) -> list[list[str]]:
    table = form.table("t4")
    header = [l.text for l in sorted((l for l in table.labels if l.row == 2), key=lambda l: l.col)]
    first = [l.text for l in sorted((l for l in table.labels if l.row == 1), key=lambda l: l.col)]
    cells = sorted(table.cells, key=lambda c: c.col)
    return [["行政复议", "行政诉讼"], first, ["", "", "", "", ""] + header, [_number(values.get(c.key), drifts) for c in cells]]


def official_html(form: Form, year: int, unit_name: str, signature: str, values: Mapping[str, Decimal],
                  texts: Mapping[str, str], date: str, *, site: bool = True) -> bytes:
    """The report as a county website publishes it: the official tables with their merged cells
    (colspan, rowspan), inside the site's menu, header and footer, with a script and entities."""
    from html import escape

    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>政府信息公开</title>",
             "<script>document.write('<p>一、总体情况</p>')</script><style>p{margin:0}</style></head><body>"]
    if site:
        parts += ['<div class="top-nav"><ul><li><a href="/">首页</a></li><li>政务公开</li><li>一、总体情况</li></ul></div>',
                  "<header><p>示例县人民政府门户网站</p></header>",
                  '<div id="breadcrumb">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>']
    parts.append(f"<h1>{escape(f'{unit_name}{year}年政府信息公开工作年度报告')}</h1>")
    for line in str(texts.get("text.preface", "")).splitlines():
        parts.append(f"<p>{escape(line)}</p>")
    for number, heading in SECTION_HEADINGS:
        parts.append(f"<p><strong>{escape(heading)}</strong></p>")
        section = form.section(number)
        if section.text:
            parts += [f"<p>&#12288;&#12288;{escape(line)}</p>" for line in str(texts.get(section.text, "")).splitlines() if line.strip()]
        else:
            parts.append(_html_table(form.table(section.table), values))
    parts.append(f"<p style=\"text-align:right\">{escape(signature)}</p><p style=\"text-align:right\">{escape(date)}</p>")
    if site:
        parts += ['<div class="footer"><p>主办：示例县人民政府办公室 &copy; 版权所有</p><p>2024年1月1日</p></div>',
                  "<script>alert('x')</script>"]
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def _html_table(table, values) -> str:
    from html import escape

    at: dict[tuple[int, int], str] = {}
    for label in table.labels:
        span = f' rowspan="{label.rowspan}" colspan="{label.colspan}"'
        at[(label.row, label.col)] = f"<td{span}>{escape(label.text)}</td>"
    for cell in table.cells:
        value = values.get(cell.key)
        at[(cell.row, cell.col)] = f'<td colspan="{cell.colspan}">{"" if value is None else fmt_number(Decimal(value))}</td>'
    for blank in table.blanks:
        at[(blank.row, blank.col)] = "<td></td>"
    rows = []
    for r in range(table.n_rows):
        rows.append("<tr>" + "".join(at[(r, c)] for c in range(table.n_cols) if (r, c) in at) + "</tr>")
    return "<table border=\"1\"><tbody>" + "".join(rows) + "</tbody></table>"


def as_copied_text(blocks) -> bytes:
    """A report read into blocks, as text copied out of Word: cells one per line after a tab, rows
    separated by an empty line, a vertically merged cell left empty below its first row."""
    from .document import Grid

    lines = []
    for block in blocks:
        if isinstance(block, Grid):
            above: tuple[str, ...] = ()
            for row in block.rows:
                for i, text in enumerate(row):
                    merged = i < len(above) and above[i] == text and i < 3 and text and not text[0].isdigit()
                    lines.append("\t" + ("" if merged else text.replace("\n", "")))
                lines.append("")
                above = row
        else:
            lines.append(block.text)
    return "\n".join(lines).encode("utf-8")
