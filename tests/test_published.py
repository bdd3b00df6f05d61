"""Published reports (.docx, .html, .txt) read into the same Submission as a returned workbook."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.checks import check_submission
from pipeline.config import load_config
from pipeline.demo import DEMO_COUNTY, SEED_EXAMPLE, expand_values, load_year, with_totals
from pipeline.forms import form_by_id
from pipeline.forms.spec import ERROR, NOTICE, WARNING
from pipeline.published.docx import read_docx
from pipeline.published.labels import DRIFT, EXACT, GUESSED, VARIANT, match_label
from pipeline.published.samples import DRIFTS, as_copied_text, handmade_docx, official_html
from pipeline.reading import read_document, sniff
from pipeline.snapshot import Snapshot
from pipeline.word.render import report_bytes, report_context
from pipeline.word.template import template_path
from pipeline.workbook.reader import FileInfo, Submission

CONFIG = load_config(DEMO_COUNTY / "county.toml")
DATA_2024 = load_year(DEMO_COUNTY, 2024)
FORM_2019, FORM_2021 = form_by_id("gov2019"), form_by_id("gov2021")
SEED_TEXT = SEED_EXAMPLE / "原始报告.txt"


def read_bytes(data: bytes, name: str) -> Submission:
    return read_document(Snapshot(Path(name), data, len(data), 0.0))


def values_2024(code: str) -> dict[str, Decimal]:
    report = DATA_2024.units[code]
    return {k: Decimal(str(v)) for k, v in with_totals(DATA_2024.form, report.values).items() if v is not None}


def values_2019(n: int) -> dict[str, Decimal]:
    inputs = {c.key: Decimal((n * 7 + i * 3) % 13) - (4 if c.kind.allows_negative else 0)
              for i, c in enumerate(FORM_2019.input_cells)}
    inputs["t2.procurement.amount"] = Decimal("12.5")
    return FORM_2019.with_totals(inputs)


def own_word(form, year: int, unit, values, texts) -> bytes:
    """The project's own Word report (pipeline/word) for these values."""
    submission = Submission(FileInfo(Path("x.xlsx"), 0, dt.datetime(2025, 1, 1), ""), form=form, year=year,
                            values=dict(values), texts=dict(texts), info={"info.date": dt.date(year + 1, 1, 15)})
    return report_bytes(template_path(form), report_context(form, year, unit, submission))


def rules(submission: Submission) -> list[tuple[str, str]]:
    return [(f.severity, f.rule) for f in submission.findings]


# --- round trip: render → read gives back exactly the data rendered --------------------------------


@pytest.mark.parametrize("unit", CONFIG.units, ids=[u.code for u in CONFIG.units])
def test_round_trip_own_word_report_2021_format(unit):
    values, texts = values_2024(unit.code), DATA_2024.units[unit.code].texts
    back = read_bytes(own_word(FORM_2021, 2024, unit, values, texts), f"{unit.code}.docx")
    assert back.findings == []
    assert (back.form, back.year, back.unit_name, back.medium) == (FORM_2021, 2024, unit.full_name, "docx")  # the title names the unit in full
    assert back.values == values
    assert back.texts == {k: v.strip() for k, v in texts.items()}
    assert back.info["info.unit_name"] == unit.full_name and back.info["info.date"] == "2025年1月15日"


@pytest.mark.parametrize("n,unit", list(enumerate(CONFIG.units)), ids=[u.code for u in CONFIG.units])
def test_round_trip_own_word_report_2019_format(n, unit):
    values, texts = values_2019(n), DATA_2024.units[unit.code].texts
    back = read_bytes(own_word(FORM_2019, 2020, unit, values, texts), f"{unit.code}.docx")
    assert back.findings == []
    assert (back.form, back.year, back.unit_name) == (FORM_2019, 2020, unit.full_name)
    assert back.values == values
    assert back.texts == {k: v.strip() for k, v in texts.items()}


@pytest.mark.parametrize("unit", CONFIG.units, ids=[u.code for u in CONFIG.units])
def test_round_trip_web_page_and_copied_text(unit):
    values, texts = values_2024(unit.code), DATA_2024.units[unit.code].texts
    page = read_bytes(official_html(FORM_2021, 2024, unit.name, unit.full_name, values, texts, "2025年1月15日"), "a.html")
    copied = as_copied_text(read_docx(own_word(FORM_2021, 2024, unit, values, texts), "x.docx"))
    text = read_bytes(copied, "a.txt")
    for back, medium in ((page, "html"), (text, "txt")):
        assert back.findings == [] and back.medium == medium
        # the sample page's title uses the short name; the project's own Word report the full name
        shown = unit.name if medium == "html" else unit.full_name
        assert (back.form, back.year, back.unit_name) == (FORM_2021, 2024, shown)
        assert back.values == values
        assert back.texts == {k: v.strip() for k, v in texts.items()}


def test_a_title_set_on_two_lines_is_one_title():
    unit = CONFIG.units[0]
    values, texts = values_2024(unit.code), DATA_2024.units[unit.code].texts
    copied = as_copied_text(read_docx(own_word(FORM_2021, 2024, unit, values, texts), "x.docx")).decode("utf-8")
    lines = copied.split("\n")
    title = next(i for i, line in enumerate(lines) if "政府信息公开工作年度报告" in line)
    assert "2024" not in lines[title]  # the balanced title breaks after the year: the year is on the line above
    back = read_bytes(copied.encode("utf-8"), "a.txt")
    assert back.year == 2024 and back.info["title"] == "青石镇人民政府2024年政府信息公开工作年度报告"
    assert not [f for f in back.findings if f.rule in ("year-from-text", "D3")]


def test_provenance_names_file_table_and_printed_labels():
    unit = CONFIG.units[0]
    back = read_bytes(own_word(FORM_2021, 2024, unit, values_2024(unit.code), {}), "青石镇.docx")
    where = back.provenance["t3.carried_over.natural"]
    assert (where.file, where.table, where.row, where.column) == ("青石镇.docx", "表2", "四、结转下年度继续办理", "自然人")
    assert back.where("t3.carried_over.natural") == "青石镇.docx 表2第28行“自然人”列"


# --- the seed: a real published township report as copied text -----------------------------------


def seed_values() -> dict[str, Decimal]:
    import yaml

    raw = yaml.safe_load((SEED_EXAMPLE / "data" / "2019.yaml").read_text(encoding="utf-8"))["units"]["01"]
    inputs = {k: (0 if v is None else v) for k, v in expand_values(FORM_2019, raw).items()}
    return FORM_2019.with_totals(inputs)


def test_seed_text_is_read_with_its_numbers_and_fails_R1():
    seed = read_bytes(SEED_TEXT.read_bytes(), "原始报告.txt")
    assert (seed.form, seed.year, seed.unit_name, seed.medium) == (FORM_2019, 2019, "青塘镇", "txt")
    assert seed.info["info.unit_name"] == "青塘镇人民政府" and seed.info["info.date"] == "2020年01月13日"
    assert seed.values == seed_values()
    assert seed.texts["text.other"] == "无。"
    assert seed.texts["text.preface"].startswith("青塘镇根据《中华人民共和国政府信息公开条例》")
    reading = rules(seed)
    assert reading.count((WARNING, "blank-as-zero")) == 7  # （二）部分公开 printed blank
    assert (NOTICE, "year-from-text") in reading and (WARNING, "D3") in reading
    drift = next(f for f in seed.findings if "结转下半年度" in f.message)
    assert (drift.severity, drift.rule, drift.expected) == (NOTICE, "label-variant", "四、结转下年度继续办理")
    check_submission(seed, "乡镇")
    r1 = [f for f in seed.findings if f.rule == "R1"]
    assert [(f.severity, f.column, f.actual, f.expected, f.difference) for f in r1] == [
        (ERROR, "其他", "0", "6", "-6"), (ERROR, "总计", "0", "6", "-6"),
    ]
    assert r1[0].message.startswith("原始报告.txt 表2第25行“其他”列 勾稽关系不平衡（其他列）")


# --- hand-made documents with the drifts real reports show ----------------------------------------

EXPECTED_DRIFT = {
    "gouji": (NOTICE, "label-variant", "钩稽"),
    "xianxing": (NOTICE, "label-variant", "先行有效件数"),
    "normative": (NOTICE, "label-variant", "规范性文件"),
    "slash": (NOTICE, "placeholder-as-zero", "“/”"),
    "units": (NOTICE, "unit-removed", "件"),
    "split": (NOTICE, "label-variant", "一、本年新收政府信息｜公开申请数量"),
    "letter_title": (WARNING, "D3", "关于报送"),
    "no_rules_row": (ERROR, "row-missing", "规章"),
    "short_row": (WARNING, "blank-as-zero", "（一）予以公开／总计"),
    "format2019": (ERROR, "D1", "国办公开办函〔2019〕60号"),
    "fullwidth": (NOTICE, "normalized", "全角数字已转为半角"),
}


def test_every_drift_has_a_test():
    assert set(EXPECTED_DRIFT) == set(DRIFTS)


@pytest.mark.parametrize("drift", sorted(EXPECTED_DRIFT))
def test_hand_made_document_with_drift(drift):
    values = values_2024("01")
    data = handmade_docx(FORM_2021, 2024, "青石镇", "青石镇人民政府", values, DATA_2024.units["01"].texts, "2025年1月15日", (drift,))
    back = read_bytes(data, "青石镇.docx")
    severity, rule, words = EXPECTED_DRIFT[drift]
    assert any(f.severity == severity and f.rule == rule and words in f.message for f in back.findings), rules(back)
    assert back.year == 2024 and back.unit_name == "青石镇"
    if drift == "format2019":
        assert back.form is FORM_2019
        assert back.values["t3.carried_over.natural"] == values["t3.carried_over.natural"]
        return
    assert back.form is FORM_2021
    missing = {k for k in values if k not in back.values}
    assert missing == ({"t2.rules.issued", "t2.rules.repealed", "t2.rules.in_force"} if drift == "no_rules_row" else set())
    wrong = {k for k in back.values if back.values[k] != values[k]}
    assert wrong == ({"t3.disclosed.total"} if drift == "short_row" else set())
    if drift == "short_row":  # the blank read as 0 then breaks the row's total, which the rules report
        check_submission(back, "乡镇")
        assert any(f.rule == "I2" and "（一）予以公开" in f.message for f in back.findings)


def test_row_with_fewer_values_is_read_left_to_right_and_the_rest_is_not_placed():
    blocks = "\n".join([
        "青石镇2024年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
        "\t一、本年新收政府信息公开申请数量", "\t1", "\t0", "\t0", "\t0", "\t0", "\t1", "",
        "\t自然人", "\t商业企业", "\t科研机构", "\t社会公益组织", "\t法律服务机构", "\t其他", "\t总计", "",
    ])
    back = read_bytes(blocks.encode("utf-8"), "a.txt")
    assert back.values["t3.received.other_org"] == 1 and "t3.received.total" not in back.values
    assert (WARNING, "missing-values") in rules(back)
    missing = [f for f in back.findings if f.rule == "value-missing"]
    assert [(f.severity, f.column) for f in missing] == [(ERROR, "总计")]


def test_extra_rows_and_values_are_findings_not_silent():
    text = "\n".join([
        "青石镇2024年政府信息公开工作年度报告", "四、政府信息公开行政复议、行政诉讼情况",
        "\t行政复议", "\t行政诉讼", "", *("\t" + t for t in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]), "",
        *("\t0" for _ in range(15)), "\t9", "",
        *("\t1" for _ in range(15)), "",
    ])
    back = read_bytes(text.encode("utf-8"), "a.txt")
    assert all(back.values[c.key] == 0 for c in FORM_2021.table("t4").cells)
    assert (WARNING, "extra-values") in rules(back) and (WARNING, "row-unplaced") in rules(back)


def test_value_that_cannot_be_read_is_not_zero():
    text = "青石镇2024年政府信息公开工作年度报告\n\t行政处罚\n\t若干\n\n\t行政强制\n\t1\n\n\t信息内容\n\t本年处理决定数量\n"
    back = read_bytes(text.encode("utf-8"), "a.txt")
    assert "t2.penalty.decisions" not in back.values and back.values["t2.enforcement.decisions"] == 1
    assert (ERROR, "not-a-number") in rules(back)


# --- label matching ------------------------------------------------------------------------------


@pytest.mark.parametrize("printed,how,official", [
    ("本年制发件数", EXACT, "本年制发件数"),
    ("本年制发\n件数", EXACT, "本年制发件数"),
    ("本年收费金额单位:万元", VARIANT, "本年收费金额（单位：万元）"),
    ("先行有效件数", DRIFT, "现行有效件数"),
    ("规范性文件", DRIFT, "行政规范性文件"),
    ("现行有效件", GUESSED, "现行有效件数"),
])
def test_match_label(printed, how, official):
    labels = [c.col_label for c in FORM_2021.table("t2").cells] + ["行政规范性文件", "规章"]
    match = match_label(printed, labels)
    assert (match.how, match.official) == (how, official)


def test_unrelated_label_is_not_guessed():
    assert match_label("政府集中采购", [c.col_label for c in FORM_2021.table("t2").cells] + ["规章", "行政规范性文件"]) is None
    t3_rows = [l.text for l in FORM_2021.table("t3").labels if l.role == "row"]
    assert match_label("二、上年结转政府信息公开申请数量", t3_rows).how == EXACT
    assert match_label("其他法律和行政法规禁止公开", t3_rows) == match_label("其他法律和行政法规禁止公开", t3_rows)
    assert match_label("2.其他法律和行政法规禁止公开", t3_rows).official == "2.其他法律行政法规禁止公开"


# --- hostile pages and broken files: findings, never exceptions ----------------------------------


def page(body: str) -> bytes:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode("utf-8")


def test_hostile_html_is_read_as_text_only():
    unit = CONFIG.units[0]
    values, texts = values_2024(unit.code), dict(DATA_2024.units[unit.code].texts)
    texts["text.problems"] = "<script>alert(1)</script>{{ v }} &amp; =SUM(A1)"
    data = official_html(FORM_2021, 2024, unit.name, unit.full_name, values, texts, "2025年1月15日")
    back = read_bytes(data, "a.html")
    assert back.values == values
    assert back.texts["text.problems"] == "<script>alert(1)</script>{{ v }} &amp; =SUM(A1)"
    assert "alert('x')" not in "".join(back.texts.values()) and "版权所有" not in back.texts["text.other"]
    assert "document.write" not in "".join(back.texts.values())


def test_huge_page_is_a_finding():
    back = read_bytes(page("<p>x</p>" * (3 * 1024 * 1024)), "big.html")
    assert [(f.severity, f.rule) for f in back.findings] == [(ERROR, "unreadable")]
    assert "不像一篇年度报告的网页" in back.findings[0].message and not back.readable


@pytest.mark.parametrize("body", [
    "<div>" * 5000 + "一、总体情况" + "</div>" * 5000,
    "<table><tr><td colspan='99999' rowspan='99999'>自然人</td></tr></table>",
    "<table>" + "<tr>" + "<td>0</td>" * 30000 + "</tr></table>",
    "<p>&#0;&#xD800;&bogus; &lt;b&gt;</p>",
    "",
])
def test_hostile_html_never_raises(body):
    back = read_bytes(page(body), "a.html")
    assert back.findings and all(f.file == "a.html" for f in back.findings)


def broken_docx_cases() -> dict[str, bytes]:
    unit = CONFIG.units[0]
    good = own_word(FORM_2021, 2024, unit, values_2024(unit.code), {})
    garbage = io.BytesIO()
    with zipfile.ZipFile(garbage, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document")
    return {"truncated": good[: len(good) // 2], "garbage": garbage.getvalue(), "no_tables": _docx_without_report()}


def _docx_without_report() -> bytes:
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("会议通知")
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("case", ["truncated", "garbage", "no_tables"])
def test_broken_docx_is_one_finding(case):
    back = read_bytes(broken_docx_cases()[case], "坏.docx")
    assert not back.readable
    assert [(f.severity, f.rule) for f in back.findings] == [(ERROR, "unreadable")]


# --- sniffing by bytes ---------------------------------------------------------------------------


def test_sniff_by_bytes_not_extension(tmp_path):
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert sniff(buffer.getvalue()) == "xlsx"
    assert sniff(_docx_without_report()) == "docx"
    assert sniff(page("<p>一</p>")) == "html"
    assert sniff("一、总体情况".encode("gb18030")) == "txt"
    assert sniff(b"\xef\xbb\xbf" + "一、总体情况".encode("utf-8")) == "txt"
    assert sniff(bytes(range(256)) * 4) == "xlsx"
    assert sniff(b"") == "xlsx"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)) == "xlsx"
    old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100) + "WordDocument".encode("utf-16-le")
    assert sniff(old_word) == "doc"
    (finding,) = read_bytes(old_word, "年报.doc").findings
    assert (finding.rule, finding.message) == ("unreadable", "年报.doc 是旧版 Word 文档（.doc），无法读取。请用 Word 或 WPS 打开后“另存为”Word 文档（*.docx）。")


def test_sections_out_of_order_or_extra_are_P2():
    seed = SEED_TEXT.read_text(encoding="utf-8")
    seven = seed.replace("六、其他需要报告的事项\n无。", "六、其他需要报告的事项\n无。\n七、信息处理费收取情况\n未收取。")
    finding = next(f for f in read_bytes(seven.encode("utf-8"), "a.txt").findings if f.rule == "D2")
    assert finding.severity == ERROR and "“七、信息处理费收取情况”" in finding.message
    renamed = seed.replace("五、存在的主要问题及改进情况", "五、下一步工作打算")
    finding = next(f for f in read_bytes(renamed.encode("utf-8"), "a.txt").findings if f.rule == "D2")
    assert "“五、下一步工作打算”应为“五、存在的主要问题及改进情况”" in finding.message
    longer = seed.replace("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况")
    assert "D2" not in [f.rule for f in read_bytes(longer.encode("utf-8"), "a.txt").findings]
    assert "D2" not in [f.rule for f in read_bytes(seed.encode("utf-8"), "a.txt").findings]


def test_numbered_item_inside_a_section_is_not_a_section():
    seed = SEED_TEXT.read_text(encoding="utf-8")
    items = seed.replace("　　（二）规范建设，提高政务公开质量", "二、规范建设，提高政务公开质量")
    back = read_bytes(items.encode("utf-8"), "a.txt")
    assert "D2" not in [f.rule for f in back.findings]
    assert "二、规范建设，提高政务公开质量" in back.texts["text.overview"]


def test_gbk_web_page_is_read():
    unit = CONFIG.units[0]
    values, texts = values_2024(unit.code), DATA_2024.units[unit.code].texts
    data = official_html(FORM_2021, 2024, unit.name, unit.full_name, values, texts, "2025年1月15日")
    gbk = data.decode("utf-8").replace('charset="utf-8"', 'charset="gb2312"').encode("gb18030")
    back = read_bytes(gbk, "a.htm")
    assert back.findings == [] and back.values == values and back.unit_name == unit.name


def test_copied_text_with_a_label_wrapped_onto_the_next_line():
    seed = SEED_TEXT.read_text(encoding="utf-8")
    wrapped = seed.replace("\t一、本年新收政府信息公开申请数量\n", "\t一、本年新收政府信息\n公开申请数量\n")
    assert wrapped != seed
    back = read_bytes(wrapped.encode("utf-8"), "a.txt")
    assert back.values == read_bytes(seed.encode("utf-8"), "a.txt").values
    assert "公开申请数量" not in "".join(back.texts.values())
