"""Reliability, piece by piece: file names as shown, worksheet text, OS errors in Chinese, crash reports and
exit code 3, terminal output that is never markup, config bounds, and a damaged history dataset.
The same faults met in a whole county run are in test_hostile_run.py."""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
from pathlib import Path, PureWindowsPath

import openpyxl
import pytest
from rich.console import Console

from helpers import FORM_2021, QINGTANG, county, write_county_toml, write_report
from pipeline import cli
from pipeline.cli import main
from pipeline.config import ConfigError, joined_path, load_config, name_length_problem, year_problem
from pipeline.crash import REPORT_PREFIX
from pipeline.files import workbook_bytes, write_atomic, write_atomic_chunks
from pipeline.names import shown_name
from pipeline.oserrors import os_error_message
from pipeline.reading import read_document
from pipeline.snapshot import Snapshot
from pipeline.store import StoreError, load_dataset
from pipeline.terminal import escape, print_check_report
from pipeline.workbook.cells import cell_text, write_cell

NEXT_YEAR = dt.date.today().year + 1


# --- file names as shown -------------------------------------------------------------------------


def test_undecodable_bytes_of_a_file_name_are_shown_as_escapes():
    gbk_name = os.fsdecode(b"\xb2\xe2\xca\xd4.xlsx")  # 测试.xlsx in GBK, as unzipped on Linux
    assert shown_name(gbk_name) == "\\xb2\\xe2\\xca\\xd4.xlsx"
    shown_name(gbk_name).encode("utf-8")  # would raise with the surrogates left in


@pytest.mark.parametrize(("name", "shown"), [("a\x1b[31m.xlsx", "a\\x1b[31m.xlsx"), ("铃\x07.xlsx", "铃\\x07.xlsx"),
                                             ("行\n尾.xlsx", "行\\x0a尾.xlsx"), ("青塘镇.xlsx", "青塘镇.xlsx")])
def test_control_characters_of_a_file_name_are_shown_as_escapes(name, shown):
    assert shown_name(name) == shown


def test_a_submission_names_its_file_with_the_bad_bytes_replaced(tmp_path):
    path = tmp_path / os.fsdecode(b"\xb2\xe2.xlsx")
    submission = read_document(Snapshot(path, b"not a workbook", 14, 0.0))
    assert submission.file.name == "\\xb2\\xe2.xlsx"
    assert all("\\xb2\\xe2.xlsx" in f.message for f in submission.findings)


def test_a_modification_time_beyond_year_9999_is_unknown_not_a_crash(tmp_path):
    submission = read_document(Snapshot(tmp_path / "x.xlsx", b"PK", 2, 1e13))
    assert submission.file.modified is None


# --- text a worksheet can hold -------------------------------------------------------------------


def test_cell_text_escapes_what_openpyxl_refuses_and_the_workbook_saves():
    wb = openpyxl.Workbook()
    text = "名\x1b称\x07" + os.fsdecode(b"\xb2")
    write_cell(wb.active, 1, 1, text)
    assert wb.active["A1"].value == "名\\x1b称\\x07\\xb2"
    assert openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb))).active["A1"].value == "名\\x1b称\\x07\\xb2"


def test_cell_text_keeps_tabs_and_line_breaks():
    assert cell_text("一\t二\n三\r") == "一\t二\n三\r"


# --- OS errors in Chinese, naming the real file -----------------------------------------------------


def _fail_replace(error):
    def replace(src, dst):
        raise error(src, dst)

    return replace


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (lambda s, d: PermissionError(errno.EACCES, "Permission denied", s, None, d), "没有权限，或该文件正在 Excel、WPS 中打开"),
        (lambda s, d: OSError(errno.ENOSPC, "No space left on device", s), "磁盘空间已满"),
        (lambda s, d: OSError(errno.ENAMETOOLONG, "File name too long", s), "文件名或路径太长"),
        (lambda s, d: OSError(errno.EROFS, "Read-only file system", s), "所在的磁盘是只读的"),
        (lambda s, d: OSError(errno.EBUSY, "Device or resource busy", s), "文件正被其他程序使用"),
        (lambda s, d: OSError(errno.EIO, "Input/output error", s), "读写磁盘时出错"),
    ],
)
@pytest.mark.parametrize("write", [write_atomic, lambda path, data: write_atomic_chunks(path, [data[:2], data[2:]])])
def test_a_failed_output_names_the_real_file_in_chinese(tmp_path, monkeypatch, error, reason, write):
    target = tmp_path / "汇总表.xlsx"
    monkeypatch.setattr(os, "replace", _fail_replace(error))
    with pytest.raises(OSError) as caught:
        write(target, b"data")
    message = os_error_message(caught.value)
    assert message.startswith(f"无法读写“{target}”：{reason}")
    assert ".~" not in message and "Permission" not in message and "No space" not in message
    assert not any(p.name.startswith(".~") for p in tmp_path.iterdir())  # the temporary file is gone


@pytest.mark.parametrize("write", [write_atomic, lambda path, data: write_atomic_chunks(path, iter([data]))])
def test_disk_full_while_writing_names_the_real_file(tmp_path, monkeypatch, write):
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd):
            self.inner = real_fdopen(fd, "wb")

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            self.inner.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(OSError) as caught:
        write(tmp_path / "data.csv", b"x")
    assert os_error_message(caught.value) == (
        f"无法读写“{tmp_path / 'data.csv'}”：磁盘空间已满。请清理磁盘空间，或在 county.toml 中把 output 改到空间充足的磁盘，然后重新运行。"
    )


def test_an_unknown_os_error_gives_its_number_not_english():
    message = os_error_message(OSError(errno.EXDEV, "Invalid cross-device link", "/a/b.xlsx"))
    assert message == f"无法读写“/a/b.xlsx”：操作系统报告了错误（错误号 {errno.EXDEV}）。请确认文件所在的磁盘和文件夹可以正常使用后重新运行。"


def test_a_file_held_by_another_program_on_windows_is_named_so():
    exc = PermissionError(errno.EACCES, "The process cannot access the file", "C:/输出/汇总表.xlsx")
    exc.winerror = 32
    assert "文件正被其他程序使用" in os_error_message(exc)


# --- exit code 3 and the crash report ---------------------------------------------------------------


def test_an_internal_error_exits_3_with_a_crash_report_in_the_output_folder(tmp_path, monkeypatch, capsys):
    config = write_county_toml(tmp_path)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("pipeline.batch.run_batch", broken)
    assert main(["run", "--config", str(config)]) == 3
    err = capsys.readouterr().err
    reports = list((tmp_path / "输出").glob(f"{REPORT_PREFIX}-*.txt"))
    assert len(reports) == 1
    assert err.lstrip("\n") == (
        f"nianbao run：程序内部错误，本次运行未完成（这不是您的文件或配置造成的）。错误详情已保存到 {reports[0]}，"
        "请把该文件发给技术支持人员。\n"
    )
    assert "Traceback" not in err and "ZeroDivisionError" not in err
    assert "ZeroDivisionError: a bug" in reports[0].read_text(encoding="utf-8")


def test_an_internal_error_without_an_output_folder_reports_into_the_temp_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr("pipeline.batch.check_files", lambda paths: 1 / 0)
    (tmp_path / "a.xlsx").write_bytes(b"x")
    assert main(["check", str(tmp_path / "a.xlsx")]) == 3
    assert len(list(tmp_path.glob(f"{REPORT_PREFIX}-*.txt"))) == 1
    assert "程序内部错误" in capsys.readouterr().err


# --- terminal: user text is never markup ------------------------------------------------------------


def test_markup_in_file_names_and_cells_is_shown_as_typed(tmp_path):
    path = write_report(tmp_path / "[red]x[bold].xlsx", FORM_2021, changes={"t2.penalty.decisions": "[/]"})
    from pipeline.batch import check_files

    out = io.StringIO()
    print_check_report(check_files([path]), Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "[red]x[bold].xlsx：" in text
    assert "“[/]”" in text


def test_escape_applies_file_name_escapes_too():
    assert escape("[b]\x1b") == "\\[b]\\x1b"


# --- config bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2018, NEXT_YEAR + 1, 9999, 10**30])
def test_years_outside_the_formats_are_refused(year):
    assert year_problem(year, "year") == (
        f"year 应为 2019 至 {NEXT_YEAR} 之间的报告年度（全国统一格式自 2019 年度起施行，最晚可准备明年的报告），实际为 {year}。"
    )


@pytest.mark.parametrize("year", [2019, 2021, NEXT_YEAR])
def test_years_of_the_formats_are_accepted(year):
    assert year_problem(year, "year") is None


def test_template_year_9999_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--year", "9999"]) == 2
    assert "--year 应为 2019 至" in capsys.readouterr().err
    assert not (tmp_path / "input_templates").exists()


def test_a_name_too_long_for_the_file_system_is_refused():
    assert name_length_problem("03", "青" * 70) is None  # 2 + 1 + 210 + 15 bytes
    assert name_length_problem("03", "青" * 84) == (3 + 252 + 15, 255)
    assert name_length_problem("03", "a" * 240) == (3 + 240 + 15, 255)
    assert name_length_problem("03", "a" * 235) is None
    assert name_length_problem("03", "a" * 235, "县区") == (3 + 235 + 10 + 15, 255)  # it sends "…-汇总表.xlsx"


def test_windows_paths_join_as_windows_paths():
    folder = PureWindowsPath("C:\\县里\\年报")
    assert joined_path(folder, "D:\\年报\\收件箱") == PureWindowsPath("D:/年报/收件箱")
    assert joined_path(folder, "..\\收件箱") == PureWindowsPath("C:/县里/年报/../收件箱")
    assert joined_path(folder, "收件箱\\2024") == PureWindowsPath("C:/县里/年报/收件箱/2024")
    assert joined_path(folder, "\\\\服务器\\共享\\收件箱") == PureWindowsPath("//服务器/共享/收件箱")


def test_a_relative_windows_path_works_on_linux_too(tmp_path):
    (tmp_path / "县里").mkdir()
    text = write_county_toml(tmp_path / "县里").read_text(encoding="utf-8")
    text = text.replace('inbox = "收件箱"', "inbox = '..\\年报\\收件箱'").replace('output = "输出"', "output = '..\\年报\\输出'")
    config_path = tmp_path / "县里" / "county.toml"
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    assert config.inbox == tmp_path / "年报" / "收件箱"
    assert config.output == tmp_path / "年报" / "输出"


# --- history data.csv ---------------------------------------------------------------------------------

HEADER = "unit_code,unit_name,year,format,key,table,row_label,column_label,value\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("03,青塘镇,2024,gov2021,t2.x,二,行,列,1e9999999\n", "的数值（value）应为不带指数的普通数字（如 12、1.25、-18），实际为“1e9999999”。"),
        ("03,青塘镇,2024,gov2021,t2.x,二,行,列," + "9" * 5000 + "\n", "的数值（value）应为不带指数的普通数字（如 12、1.25、-18），实际为“" + "9" * 37 + "…”。"),
        ("03,青塘镇,2024²,gov2021,t2.x,二,行,列,1\n", "的年度（year）应为四位数字的年份，如 2024，实际为“2024²”。"),
        ("03,青塘镇,２０２４,gov2021,t2.x,二,行,列,1\n", "的年度（year）应为四位数字的年份，如 2024，实际为“２０２４”。"),
    ],
)
def test_a_damaged_history_dataset_is_a_store_error(tmp_path, row, message):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + row, encoding="utf-8-sig")
    with pytest.raises(StoreError) as caught:
        load_dataset(path)
    assert caught.value.message.startswith(f"数据文件 {path} 第 2 行{message}")


def test_check_on_a_folder_says_it_is_a_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"nianbao check：错误：这些是文件夹，不是工作簿文件：{tmp_path}。请给出要检查的文件本身（工作簿或已发布的报告，可以一次给多个）。\n"
    )
