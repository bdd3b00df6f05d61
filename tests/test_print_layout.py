"""Print layouts, measured: the demo's outputs and the seed draft converted to PDF with LibreOffice
(once for the module, in one LibreOffice run) and read back with poppler's pdftotext and pdfinfo.

- Word reports (two demo units, the 2021 汇总报告, the 2019 seed draft): table 三 on two pages at
  most, the title in balanced lines, the 汇总报告's draft mark and passages to complete;
- 汇总表.xlsx: a page count near the number of things to print (not 53 pages), every page footed with
  its sheet name and number, table 三 of 汇总 whole on one page, every chart alone at the top of a page;
- 问题清单.xlsx: text printed at a legible size (measured from the word boxes of the PDF).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

from helpers import needs_office
from pipeline.batch import run_batch
from pipeline.config import load_config
from pipeline.demo import DEMO_COUNTY, SEED_EXAMPLE, build_demo_inbox
from pipeline.forms import form_for_year
from pipeline.office import find_soffice
from pipeline.report import write_findings_xlsx
from pipeline.summary import write_summary, write_summary_report
from pipeline.word import render_report, render_reports, report_context, template_path
from pipeline.workbook.reader import read_workbook

pytestmark = [
    needs_office,
    pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None, reason="poppler-utils 未安装"),
]

TABLE_START = "本列数据的勾稽关系为"  # the first row of table 三 (also in its repeated header)
TABLE_END = "四、结转下年度继续办理"  # its last row
REPORTS = ("15-示例县发改局", "01-青石镇", "汇总报告", "seed-2019")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("print")
    config = load_config(DEMO_COUNTY / "county.toml")
    build_demo_inbox(DEMO_COUNTY, 2025, folder / "inbox")
    config = dataclasses.replace(config, inbox=folder / "inbox", output=folder / "out")
    result = run_batch(config)
    reports = render_reports(result, config, out_dir=folder / "reports")
    sources = [reports["15"], reports["01"]]
    sources.append(write_summary_report(result, config, folder / "汇总报告.docx"))
    (seed_file,) = build_demo_inbox(SEED_EXAMPLE, 2019, folder / "seed")
    seed_config = load_config(SEED_EXAMPLE / "county.toml")
    form_2019 = form_for_year(2019)
    context = report_context(form_2019, 2019, seed_config.units[0], read_workbook(seed_file), draft=True)
    render_report(template_path(form_2019), context, folder / "seed-2019.docx")
    sources.append(folder / "seed-2019.docx")
    sources.append(write_summary(result, config, folder / "汇总表.xlsx"))
    findings = folder / "问题清单.xlsx"
    write_findings_xlsx(result.findings, findings, title="问题清单", year=2025, rules=result.form.rules)
    sources.append(findings)
    out = folder / "pdf"
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile:
        subprocess.run(
            [find_soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out), *map(str, sources)],
            capture_output=True, timeout=600, check=True,
        )
    converted = {path.stem: out / f"{path.stem}.pdf" for path in sources}
    assert all(p.exists() for p in converted.values()), sorted(p.name for p in out.iterdir())
    converted["_workbook"] = folder / "汇总表.xlsx"
    return converted


def page_texts(pdf: Path) -> list[str]:
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout).group(1))
    texts = []
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                              capture_output=True, text=True).stdout
        texts.append(re.sub(r"[ \u3000]+", "", text))
    return texts


def pages_with(texts: list[str], needle: str) -> list[int]:
    return [i for i, text in enumerate(texts) if needle in text]


def word_heights(pdf: Path, page: int) -> list[float]:
    """The heights (points) of the words pdftotext finds on `page`: about the printed font size."""
    html = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                          capture_output=True, text=True).stdout
    return [float(y2) - float(y1) for y1, y2 in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', html)]


# --- Word --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_table_three_takes_at_most_two_pages(pdfs, name):
    texts = page_texts(pdfs[name])
    first, last = pages_with(texts, TABLE_START)[0], pages_with(texts, TABLE_END)[-1]
    assert last - first + 1 <= 2, (name, first + 1, last + 1)
    # the last row is never alone under a repeated header: 总计 is on its page
    assert "（七）总计" in texts[last]


def test_long_title_breaks_in_balanced_lines_with_the_full_name(pdfs):
    first_page = page_texts(pdfs["15-示例县发改局"])[0].splitlines()
    lines = [line for line in first_page if line.strip()][:2]
    assert lines == ["示例县发展和改革局2025年", "政府信息公开工作年度报告"]


def test_summary_report_pages_carry_the_draft_mark_and_the_passages_to_complete(pdfs):
    texts = page_texts(pdfs["汇总报告"])
    assert all("草稿（未通过校验）" in text for text in texts)
    whole = "".join(texts).replace("\n", "")
    assert "本报告汇总了名册18个单位中通过校验的11个单位的数据" in whole
    assert whole.count("【待补充】") == 2
    assert "2026年1月31日" in whole


# --- 汇总表.xlsx -------------------------------------------------------------------------------


def test_summary_workbook_prints_each_sheet_deliberately(pdfs):
    texts = page_texts(pdfs["汇总表"])
    assert len(texts) <= 20  # the workbook printed as 53 pages before
    sheets = [re.search(r"(\S+?)第(\d+)页，共(\d+)页", text) for text in texts]
    assert all(sheets), [i + 1 for i, s in enumerate(sheets) if not s]
    assert {s.group(1).splitlines()[-1] for s in sheets} == {"汇总", "分单位明细", "报送情况", "问题清单", "图表", "指标", "排名", "同类单位比较"}
    # table 三 of 汇总: whole on one page, with its 总计 column
    (t3_page,) = pages_with(texts, "三、收到和处理政府信息公开申请情况")
    assert TABLE_END in texts[t3_page] and texts[t3_page].count("总计") >= 2
    # 分单位明细 repeats its labels and unit headers on every page
    detail = [t for t, s in zip(texts, sheets) if s.group(1).endswith("分单位明细")]
    assert len(detail) >= 2 and all("青石镇" in t and "表行列" in t.replace("\n", "") for t in detail)


def test_every_chart_stands_alone_at_the_top_of_a_page(pdfs):
    wb = openpyxl.load_workbook(pdfs["_workbook"])
    ws = wb["图表"]
    anchors = sorted(chart.anchor._from.row + 1 for chart in ws._charts)
    breaks = {brk.id + 1 for brk in ws.row_breaks.brk}
    assert anchors[0] == 1 and set(anchors[1:]) <= breaks  # each later chart begins a page
    # in the PDF, each chart's title is near the top of a page of its own (LibreOffice also writes
    # the next chart's text, clipped, into the page before: only the top position tells)
    titles = ["各单位本年新收政府信息公开申请数量（件）", "示例县本年度办理结果分布（件）"]
    tops = [title_pages(pdfs["汇总表"], title) for title in titles]
    assert all(len(t) == 1 for t in tops) and tops[0] != tops[1], tops


def title_pages(pdf: Path, title: str) -> list[int]:
    """The pages on which `title` is within the top sixth of the page."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        for y in re.findall(r'yMin="([\d.]+)"[^>]*>' + re.escape(title) + "<", page):
            if float(y) < height / 6:
                pages.append(number)
    return pages


def test_findings_list_prints_at_a_legible_size(pdfs):
    heights = word_heights(pdfs["问题清单"], 1)
    assert heights and statistics.median(heights) >= 7.5  # points; the list printed at about 5 pt before
