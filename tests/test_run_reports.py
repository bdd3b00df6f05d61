"""`nianbao run` renders the Word reports: passed units, --draft, a county's edited template, --pdf."""

from __future__ import annotations

import shutil
import zipfile

import docx
import pytest

from helpers import FORM_2021, write_county_toml, write_report
from pipeline import cli
from pipeline.word import TEMPLATES_DIR, template_name


def run(capsys, *args):
    code = cli.main(["run", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def text_of(path):
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


@pytest.fixture
def county_dir(tmp_path):
    write_county_toml(tmp_path)
    return tmp_path


def test_a_passing_unit_gets_its_report_named_from_the_roster(county_dir, capsys):
    write_report(county_dir / "收件箱" / "随便起的名字.xlsx", FORM_2021)
    code, out, err = run(capsys, "--config", county_dir / "county.toml")
    assert code == 0, err
    report = county_dir / "输出" / "2025" / "报告" / "03-青塘镇.docx"
    assert report.exists()
    assert text_of(report).startswith("青塘镇人民政府2025年\n政府信息公开工作年度报告")  # full name, balanced break
    assert "Word 年度报告（1 份）" in out


def test_a_unit_with_errors_gets_a_report_only_as_a_marked_draft(county_dir, capsys):
    write_report(county_dir / "收件箱" / "03-青塘镇.xlsx", FORM_2021, changes={"t3.received.natural": 99})
    code, _, _ = run(capsys, "--config", county_dir / "county.toml")
    report = county_dir / "输出" / "2025" / "报告" / "03-青塘镇.docx"
    assert code == 1 and not report.exists()
    code, _, _ = run(capsys, "--config", county_dir / "county.toml", "--draft")
    assert code == 1 and report.exists()
    header = "".join(p.text for s in docx.Document(report).sections for p in s.header.paragraphs)
    assert "草稿（未通过校验）" in header


def test_an_edited_template_without_a_tag_stops_the_run_before_reading(county_dir, capsys):
    inbox_file = write_report(county_dir / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    ours = county_dir / "我县模板"
    ours.mkdir()
    name = template_name(FORM_2021)
    source = zipfile.ZipFile(TEMPLATES_DIR / name)
    with zipfile.ZipFile(ours / name, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ v.t3_received_natural }}", b"")
            target.writestr(item, data)
    config = county_dir / "county.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('output = "输出"', 'output = "输出"\ntemplates = "我县模板"'), encoding="utf-8")
    code, out, err = run(capsys, "--config", config)
    assert code == 2
    assert err.startswith("nianbao run：错误：Word 报告模板有问题，未处理任何文件：\n报告模板 年度报告模板-gov2021.docx 缺少单元格标签 {{ v.t3_received_natural }}")
    assert not (county_dir / "输出").exists()  # nothing was read or written
    assert inbox_file.exists()


def test_pdf_without_libreoffice_is_a_usage_error(county_dir, capsys, monkeypatch):
    monkeypatch.setattr("pipeline.office.find_soffice", lambda: None)
    write_report(county_dir / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    code, _, err = run(capsys, "--config", county_dir / "county.toml", "--pdf")
    assert code == 2
    assert err == "nianbao run：错误：未找到 LibreOffice（soffice），无法生成 PDF。请安装 LibreOffice，或不加 --pdf。\n"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装：跳过 PDF 转换")
def test_pdf_is_written_next_to_the_report(county_dir, capsys):
    write_report(county_dir / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    code, _, err = run(capsys, "--config", county_dir / "county.toml", "--pdf")
    assert code == 0, err
    pdf = county_dir / "输出" / "2025" / "报告" / "03-青塘镇.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_unit_that_starts_failing_loses_last_runs_report(county_dir, capsys):
    path = write_report(county_dir / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    assert run(capsys, "--config", county_dir / "county.toml")[0] == 0
    report = county_dir / "输出" / "2025" / "报告" / "03-青塘镇.docx"
    assert report.exists()
    write_report(path, FORM_2021, changes={"t3.received.natural": 99})
    assert run(capsys, "--config", county_dir / "county.toml")[0] == 1
    assert not report.exists()
