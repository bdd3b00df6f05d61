"""The county's run over an inbox: discovery, matching files to the roster, statuses, outputs that
never touch the inbox, and the exit codes of `nianbao run` and `nianbao check`."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from helpers import (
    FINANCE, FORM_2019, FORM_2021, GOOD_INFO, LONGTAN, QINGTANG, UNITS, county, sha256, tree_hashes, write_county_toml,
    write_report,
)
from pipeline.batch import DUPLICATE, FAILED, MISSING, PASSED, UNREADABLE, discover, run_batch
from pipeline.cli import main
from pipeline.config import Unit
from pipeline.findings import COLUMNS
from pipeline.forms.spec import ERROR, WARNING
from pipeline.outputs import FINDINGS_HTML, FINDINGS_XLSX, RETURNS_DIR, write_outputs
from pipeline.workbook.reader import OLE2_MAGIC

BAIMA = Unit(code="07", name="白马镇", full_name="白马镇人民政府", kind="乡镇")
SHUIXI = Unit(code="15", name="水西镇", full_name="水西镇人民政府", kind="乡镇")
STRANGER = Unit(code="99", name="外县镇", full_name="外县镇人民政府", kind="乡镇")
ROSTER = UNITS + (BAIMA, SHUIXI)  # 03 青塘镇, 05 龙潭乡, 12 县财政局, 07 白马镇, 15 水西镇

MTIME = dt.datetime(2026, 1, 20, 9, 30)


def set_mtime(path: Path, when: dt.datetime = MTIME) -> None:
    stamp = time.mktime(when.timetuple())
    os.utime(path, (stamp, stamp))


def summary(findings):
    return [(f.unit_code, f.file, f.severity, f.rule, f.message) for f in findings]


# --- one run over an inbox with something of everything ------------------------------------------


@pytest.fixture(scope="module")
def inbox_run(tmp_path_factory):
    """03 clean, 05 twice, 07 on the blank master template, 12 nothing, 15 last year's template,
    99 a county the roster does not know, lock files, hidden files and garbage."""
    config = county(tmp_path_factory.mktemp("county"), units=ROSTER)
    inbox = config.inbox
    write_report(inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    first = write_report(inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN)
    second = write_report(inbox / "05-龙潭乡（修改）.xlsx", FORM_2021, unit=LONGTAN, changes={"t2.penalty.decisions": 8})
    for path in (first, second):
        set_mtime(path)
    write_report(inbox / "空白模板.xlsx", FORM_2021, unit=None, info=GOOD_INFO | {"info.unit_name": "白马镇"})
    write_report(inbox / "15-水西镇.xlsx", FORM_2021, year=2024, unit=SHUIXI)
    write_report(inbox / "外县" / "99-外县镇.xlsx", FORM_2021, unit=STRANGER)
    (inbox / "~$03-青塘镇.xlsx").write_bytes(b"\x06lock")
    (inbox / ".~lock.03-青塘镇.xlsx#").write_text("LibreOffice lock")
    (inbox / ".DS_Store").write_bytes(bytes(20))
    (inbox / ".备份").mkdir()
    write_report(inbox / ".备份" / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    (inbox / "乱码.xlsx").write_bytes(bytes(range(256)) * 8)
    before = tree_hashes(inbox)
    result = run_batch(config)
    written = write_outputs(result, config)
    return config, result, written, before


def test_discover_skips_lock_and_hidden_files(inbox_run):
    config, *_ = inbox_run
    assert [p.relative_to(config.inbox).as_posix() for p in discover(config.inbox)] == [
        "03-青塘镇.xlsx", "05-龙潭乡.xlsx", "05-龙潭乡（修改）.xlsx", "15-水西镇.xlsx", "乱码.xlsx", "外县/99-外县镇.xlsx",
        "空白模板.xlsx",
    ]


def test_discover_of_a_missing_folder_is_empty(tmp_path):
    assert discover(tmp_path / "没有这个文件夹") == []


def test_statuses(inbox_run):
    _, result, *_ = inbox_run
    assert [(u.unit.code, u.status) for u in result.units] == [
        ("03", PASSED), ("05", DUPLICATE), ("12", MISSING), ("07", PASSED), ("15", FAILED),
    ]
    assert [s.file.name for s in result.unmatched] == ["乱码.xlsx", "99-外县镇.xlsx"]
    assert result.has_errors
    assert [u.unit.code for u in result.passed()] == ["03", "07"]


def test_a_clean_unit_passes_without_findings(inbox_run):
    _, result, *_ = inbox_run
    unit = result.unit("03")
    assert unit.findings == [] and (unit.errors, unit.warnings, unit.notices) == (0, 0, 0)
    assert unit.submission.file.name == "03-青塘镇.xlsx"


def test_duplicates_are_both_listed_and_neither_used(inbox_run):
    config, result, *_ = inbox_run
    unit = result.unit("05")
    assert unit.submission is None
    assert sorted(s.file.name for s in unit.files) == ["05-龙潭乡.xlsx", "05-龙潭乡（修改）.xlsx"]
    first, second = (config.inbox / name for name in ("05-龙潭乡.xlsx", "05-龙潭乡（修改）.xlsx"))
    listing = "；".join(
        f"{p.name}（{p.stat().st_size} 字节，修改于 2026-01-20 09:30，SHA-256 {sha256(p)[:12]}…）" for p in (first, second)
    )
    message = (
        f"05 龙潭乡 报送了 2 个文件：{listing}。在删除多余的文件之前，这些文件都不会被采用。"
        "请保留最终版本，把其余文件移出收件箱后重新运行。"
    )
    assert summary(unit.findings) == [
        ("05", "05-龙潭乡.xlsx", ERROR, "duplicate", message),
        ("05", "05-龙潭乡（修改）.xlsx", ERROR, "duplicate", message),
    ]
    assert all(f.unit == "龙潭乡" for f in unit.findings)


def test_a_missing_unit(inbox_run):
    _, result, *_ = inbox_run
    unit = result.unit("12")
    assert unit.files == [] and unit.submission is None
    assert summary(unit.findings) == [
        ("12", "", ERROR, "missing", "12 县财政局 未报送年度报告文件。请催报，收到后放入收件箱重新运行。"),
    ]


def test_an_unknown_unit(inbox_run):
    _, result, *_ = inbox_run
    stranger = next(s for s in result.unmatched if s.file.name == "99-外县镇.xlsx")
    assert summary(stranger.findings) == [(
        "99", "99-外县镇.xlsx", ERROR, "unknown-unit",
        "99-外县镇.xlsx 无法确定是哪个单位报送的（单位代码或名称：99），名册中没有对应单位。"
        "请确认报送单位后，用该单位的模板重新报送，或在 county.toml 的名册中补充别名。",
    )]
    assert summary(stranger.findings)[0] in summary(result.findings)


def test_master_template_matched_by_the_unit_name(inbox_run):
    _, result, *_ = inbox_run
    unit = result.unit("07")
    assert unit.submission.file.name == "空白模板.xlsx"
    assert summary(unit.findings) == [(
        "07", "空白模板.xlsx", WARNING, "unit-by-name",
        "空白模板.xlsx 没有县里模板的单位代码，已按基本信息中的单位名称“白马镇”识别为 07 白马镇。请使用县里下发的本单位模板。",
    )]


def test_last_years_template(inbox_run):
    _, result, *_ = inbox_run
    unit = result.unit("15")
    assert summary(unit.findings) == [(
        "15", "15-水西镇.xlsx", ERROR, "wrong-year",
        "15-水西镇.xlsx 是2024年度的模板，本次收集的是2025年度报告。请用县里下发的2025年度模板重新填写。",
    )]
    assert (unit.findings[0].expected, unit.findings[0].actual) == ("2025", "2024")


def test_garbage_is_a_finding(inbox_run):
    _, result, *_ = inbox_run
    garbage = next(s for s in result.unmatched if s.file.name == "乱码.xlsx")
    assert summary(garbage.findings) == [
        ("", "乱码.xlsx", ERROR, "unreadable", "乱码.xlsx 不是 Excel 工作簿（.xlsx），无法读取。请报送县里下发的 Excel 模板。"),
    ]


def test_findings_are_sorted_errors_first(inbox_run):
    _, result, *_ = inbox_run
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, key=[ERROR, WARNING].index)
    assert len(result.findings) == 2 + 1 + 1 + 1 + 1 + 1  # duplicates, missing, wrong year, unknown, garbage, by name


def test_outputs_go_to_the_output_folder_and_the_inbox_is_untouched(inbox_run):
    config, result, written, before = inbox_run
    assert tree_hashes(config.inbox) == before
    year = config.output / "2025"
    assert written["问题清单（Excel）"] == year / FINDINGS_XLSX and written["问题清单（网页）"] == year / FINDINGS_HTML
    assert {p.relative_to(config.output).as_posix() for p in config.output.rglob("*") if p.is_file()} == {
        f"2025/{FINDINGS_HTML}", f"2025/{FINDINGS_XLSX}", f"2025/{RETURNS_DIR}/15-水西镇.xlsx",
        "2025/汇总表.xlsx", "2025/汇总报告.docx", "2025/data.csv", "2025/texts.csv",
    }


# --- batches that must not raise -----------------------------------------------------------------


def test_garbage_never_stops_the_batch(tmp_path):
    config = county(tmp_path)
    inbox = config.inbox
    good = write_report(tmp_path / "good.xlsx", FORM_2021, unit=QINGTANG).read_bytes()
    broken_part = io.BytesIO()
    with zipfile.ZipFile(broken_part, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook")
    files = {
        "空.xlsx": b"",
        "截断.xlsx": good[: len(good) // 3],
        "坏.xlsx": broken_part.getvalue(),
        "05-龙潭乡.xls": OLE2_MAGIC + bytes(600),
        "12-县财政局.xlsx": OLE2_MAGIC + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64),
        "说明.txt": "请查收".encode("gbk"),
        "照片.jpg": b"\xff\xd8\xff\xe0" + bytes(100),
        "03-青塘镇.xlsx": good,
    }
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    (inbox / "文件夹.xlsx").mkdir()
    (inbox / "断链.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    before = tree_hashes(inbox)
    result = run_batch(config)
    write_outputs(result, config)
    assert tree_hashes(inbox) == before
    assert [(u.unit.code, u.status) for u in result.units] == [("03", PASSED), ("05", UNREADABLE), ("12", UNREADABLE)]
    assert summary(result.unit("05").findings) == [(
        "05", "05-龙潭乡.xls", ERROR, "not-xlsx",
        "05-龙潭乡.xls 是旧版 .xls 或 WPS .et 格式，无法读取。请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再报送。",
    )]
    assert [f.rule for f in result.unit("12").findings] == ["encrypted"]
    unmatched = {s.file.name: [f.rule for f in s.findings] for s in result.unmatched}
    assert unmatched == {
        "坏.xlsx": ["unreadable"], "截断.xlsx": ["unreadable"], "照片.jpg": ["unreadable"],
        "空.xlsx": ["unreadable"], "说明.txt": ["unreadable"],
    }


def test_a_file_that_vanished_is_a_finding_not_a_crash(tmp_path):
    config = county(tmp_path)
    path = write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021)
    paths = discover(config.inbox)
    path.unlink()  # moved away by the clerk while the run was starting
    result = run_batch(config, paths=paths)
    assert result.unit("03").status in (UNREADABLE, MISSING)


def test_an_older_format_for_this_year(tmp_path):
    config = county(tmp_path)
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2019, unit=QINGTANG)
    result = run_batch(config)
    assert summary(result.unit("03").findings) == [(
        "03", "03-青塘镇.xlsx", ERROR, "wrong-format",
        "03-青塘镇.xlsx 使用的是2019年度的旧版模板（国办公开办函〔2019〕60号《中华人民共和国政府信息公开工作年度报告格式（试行）》），"
        "2025年度应使用国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》。请用县里下发的2025年度模板重新填写。",
    )]


def test_identical_duplicates_say_so(tmp_path):
    config = county(tmp_path, units=(QINGTANG,))
    first = write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021)
    copy = config.inbox / "03-青塘镇 - 副本.xlsx"
    copy.write_bytes(first.read_bytes())
    unit = run_batch(config).unit("03")
    assert unit.status == DUPLICATE
    assert all("这几个文件内容完全相同，在删除多余的文件之前" in f.message for f in unit.findings)


def test_name_in_the_file_name_and_alias(tmp_path):
    """A template without marks or a unit name is matched by the file name, via an alias."""
    config = county(tmp_path, units=(QINGTANG, FINANCE))
    write_report(config.inbox / "财政局年报.xlsx", FORM_2021, unit=None)
    result = run_batch(config)
    assert result.unit("12").status == PASSED
    assert summary(result.unit("12").findings) == [(
        "12", "财政局年报.xlsx", WARNING, "unit-by-name",
        "财政局年报.xlsx 没有县里模板的单位代码，已按文件名“财政局年报”识别为 12 县财政局。请使用县里下发的本单位模板。",
    )]


def test_a_template_of_one_unit_sent_as_another_s_file_is_an_error_not_that_unit_s_report(tmp_path):
    """Regression: 龙潭乡 filled in 青塘镇's template (its code 03) and sent it as 05-龙潭乡.xlsx. It was
    taken as 青塘镇's (a report titled 青塘镇 with 龙潭乡's words and numbers), 龙潭乡 shown as 未报送."""
    config = county(tmp_path, units=(QINGTANG, LONGTAN))
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=QINGTANG)
    result = run_batch(config)
    unit = result.unit("03")
    assert unit.status == FAILED and result.unit("05").status == MISSING
    assert summary([f for f in unit.findings if f.rule == "unit-mismatch"]) == [(
        "03", "05-龙潭乡.xlsx", ERROR, "unit-mismatch",
        "05-龙潭乡.xlsx 用的是 03 青塘镇 的模板（单位代码 03），但文件名“05-龙潭乡”是名册中的另一个单位 05 龙潭乡。"
        "在核实之前，本文件按有错误处理：不计入汇总，也不生成正式报告。请核实：如果这是青塘镇的报告，请把文件改名后重新运行；"
        "如果是龙潭乡的报告，请龙潭乡用县里下发给本单位的模板重新填写后报送。",
    )]
    finding = next(f for f in unit.findings if f.rule == "unit-mismatch")
    assert (finding.expected, finding.actual) == ("03 青塘镇", "05 龙潭乡")


def test_the_unit_name_typed_in_basic_info_naming_another_unit_is_an_error_at_its_cell(tmp_path):
    config = county(tmp_path, units=(QINGTANG, LONGTAN))
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG, changes={"info.unit_name": "龙潭乡人民政府"})
    unit = run_batch(config).unit("03")
    finding = next(f for f in unit.findings if f.rule == "unit-mismatch")
    assert finding.severity == ERROR and finding.sheet and finding.cell
    assert "但基本信息中的单位名称“龙潭乡人民政府”是名册中的另一个单位 05 龙潭乡" in finding.message
    assert "请改正基本信息中的单位名称后重新运行" in finding.message


def test_a_file_name_that_names_its_own_unit_too_is_no_mismatch(tmp_path):
    """Only a name that is not the template's unit's at all counts (a file name may mention another)."""
    config = county(tmp_path, units=(QINGTANG, LONGTAN))
    write_report(config.inbox / "青塘镇年报（龙潭乡代交）.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "05.xlsx", FORM_2021, unit=LONGTAN)
    result = run_batch(config)
    assert [u.status for u in result.units] == [PASSED, PASSED]
    assert "unit-mismatch" not in {f.rule for f in result.findings}


def test_a_name_another_unit_s_alias_is_part_of_is_no_mismatch_and_a_longer_other_name_is(tmp_path):
    """Regression (a review): 东河口乡's own file "东河口.xlsx" was an error naming 河口镇 (alias "河口");
    交警大队 on 公安局's template, sent as "公安局交警大队2025年报.xlsx", passed as 公安局's."""
    hekou = Unit(code="21", name="河口镇", full_name="河口镇人民政府", kind="乡镇", aliases=("河口",))
    donghekou = Unit(code="22", name="东河口乡", full_name="东河口乡人民政府", kind="乡镇")
    police = Unit(code="31", name="公安局", full_name="示例县公安局", kind="部门")
    traffic = Unit(code="32", name="交警大队", full_name="示例县公安局交通警察大队", kind="部门")
    config = county(tmp_path, units=(hekou, donghekou, police, traffic))
    write_report(config.inbox / "河口.xlsx", FORM_2021, unit=hekou)
    write_report(config.inbox / "东河口.xlsx", FORM_2021, unit=donghekou)
    write_report(config.inbox / "公安局交警大队2025年报.xlsx", FORM_2021, unit=police)
    result = run_batch(config)
    mismatched = {(f.unit_code, f.actual) for f in result.findings if f.rule == "unit-mismatch"}
    assert mismatched == {("31", "32 交警大队")}
    assert [u.status for u in result.units] == [PASSED, PASSED, FAILED, MISSING]


def test_a_template_code_not_on_the_roster_is_named_when_the_file_name_finds_the_unit(tmp_path):
    """Regression: the warning said the file had no template code, when it had one of no unit."""
    config = county(tmp_path, units=(QINGTANG,))
    stranger = Unit(code="99", name="外县镇", full_name="外县镇人民政府", kind="乡镇")
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=stranger)
    unit = run_batch(config).unit("03")
    assert summary([f for f in unit.findings if f.rule == "unit-by-name"]) == [(
        "03", "03-青塘镇.xlsx", WARNING, "unit-by-name",
        "03-青塘镇.xlsx 的单位代码 99（外县镇）不在名册中，已按文件名“03-青塘镇”识别为 03 青塘镇。"
        "请确认这确实是该单位的报告：名册中单位的代码若已改动，请用县里新下发的本单位模板重新填写。",
    )]


# --- the command line ----------------------------------------------------------------------------


def test_run_exit_codes(tmp_path, capsys):
    config = write_county_toml(tmp_path)
    path = write_report(tmp_path / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    assert main(["run", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "名册 1 个单位：通过 1 个。共 0 个错误、0 个警告、0 个提示。" in out
    assert (tmp_path / "输出" / "2025" / FINDINGS_XLSX).is_file()

    write_report(path, FORM_2021, changes={"t3.disclosed.natural": "6件"})
    before = sha256(path)
    assert main(["run", "--config", str(config)]) == 1
    assert "有错误" in capsys.readouterr().out
    assert sha256(path) == before
    assert (tmp_path / "输出" / "2025" / RETURNS_DIR / "03-青塘镇.xlsx").is_file()

    path.unlink()  # nothing returned: the unit is 未报送, an error
    assert main(["run", "--config", str(config)]) == 1
    capsys.readouterr()


def test_run_with_a_bad_config_exits_2(tmp_path, capsys):
    bad = tmp_path / "county.toml"
    bad.write_text('county = "示例县"\nyear = "二〇二五"\n', encoding="utf-8")
    assert main(["run", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "county.toml：year 应为整数（如 2024，不加引号），实际为文本“二〇二五”。" in err
    assert "Traceback" not in err
    assert main(["run", "--config", str(tmp_path / "没有.toml")]) == 2
    assert "找不到配置文件 没有.toml" in capsys.readouterr().err


def test_run_without_the_inbox_exits_2(tmp_path, capsys):
    config = write_county_toml(tmp_path)
    (tmp_path / "收件箱").rmdir()
    assert main(["run", "--config", str(config)]) == 2
    assert "nianbao run：错误：收件文件夹" in capsys.readouterr().err


def test_check_exit_codes(tmp_path, capsys):
    clean = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021)
    assert main(["check", str(clean)]) == 0
    assert "03-青塘镇.xlsx：0 个错误，0 个警告" in capsys.readouterr().out
    warned = write_report(tmp_path / "警告.xlsx", FORM_2021, info=GOOD_INFO | {"info.phone": None})
    assert main(["check", str(warned)]) == 0
    capsys.readouterr()
    wrong = write_report(tmp_path / "错误.xlsx", FORM_2021, changes={"t2.rules.issued": "/"})
    assert main(["check", str(clean), str(wrong)]) == 1
    assert "错误.xlsx：1 个错误，0 个警告" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "没有.xlsx")]) == 2
    assert f"nianbao check：错误：找不到文件：{tmp_path / '没有.xlsx'}" in capsys.readouterr().err


def test_check_json_prints_one_finding_per_line(tmp_path, capsys):
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, changes={"t2.rules.issued": "/"},
                        info=GOOD_INFO | {"info.phone": None})
    assert main(["check", "--json", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2
    for record in records:
        assert list(record) == [name for name, _ in COLUMNS]  # the fields behind 单位代码 … 差额
    assert records[0] == {
        "unit_code": "03", "unit": "青塘镇", "file": "03-青塘镇.xlsx", "sheet": "二、主动公开", "cell": "B6",
        "row": "规章", "column": "本年制发件数", "rule": "placeholder", "severity": "错误",
        "message": "03-青塘镇.xlsx 二、主动公开!B6 规章／本年制发件数：填写的是“/”。无数据请填0，不要用“/”“-”“无”等符号代替。",
        "expected": "", "actual": "/", "difference": "",
    }
    assert (records[1]["severity"], records[1]["rule"], records[1]["cell"]) == ("警告", "info-missing", "B8")
    assert "“" in lines[0]  # Chinese as is, not \\u escapes


def test_check_json_of_a_clean_file_prints_nothing(tmp_path, capsys):
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021)
    assert main(["check", "--json", str(path)]) == 0
    assert capsys.readouterr().out == ""


def message_column(out: str) -> str:
    """The 说明 column of the check report's table, its wrapped lines joined."""
    parts = []
    for line in out.splitlines():
        cells = line.split("│")
        if len(cells) == 5:
            parts.append(cells[3].strip())
    return "".join(parts).replace(" ", "")


def test_check_report_shows_the_whole_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, changes={"t3.received.natural": 6})
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    (r1,) = [line for line in message_column(out).split("03-青塘镇.xlsx") if "勾稽关系不平衡（自然人列）" in line]
    assert r1.endswith("请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。")


# --- memory: what thousands of units have in common is held once ---------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_units_share_their_keys_and_equal_numbers_and_0_stays_apart_from_0_00(tmp_path, jobs):
    from decimal import Decimal

    from pipeline.batch import check_files
    from pipeline.perfile import share_values
    from pipeline.workbook.reader import FileInfo, Submission

    # `nianbao check` of many files (a run keeps its units' numbers on disk instead: test_spill.py)
    paths = [write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG),
             write_report(tmp_path / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN)]
    first, second = (s.values for s in check_files(paths, jobs=jobs))
    key = "t3.received.natural"
    same_key = next(k for k in second if k == key)
    assert same_key is next(k for k in first if k == key)
    zeros = [v for v in (*first.values(), *second.values()) if str(v) == "0"]
    assert len(zeros) > 10 and all(v is zeros[0] for v in zeros)

    submission = Submission(FileInfo(path=tmp_path / "x.xlsx", size=0, modified=None, sha256=""))
    submission.values = {key: Decimal("0.00"), "t3.received.legal": Decimal("1E+1")}
    share_values(submission)
    assert str(submission.values[key]) == "0.00" and submission.values[key] is not zeros[0]
    assert str(submission.values["t3.received.legal"]) == "1E+1"
