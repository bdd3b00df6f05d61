import argparse
import datetime as dt
import re
import subprocess
import sys
import types
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import COMMANDS, DESCRIPTION, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")

COUNTY_TOML = """\
county = "示例县"
year = 2024
inbox = "收件箱"

[[units]]
code = "QT"
name = "青塘镇"
full_name = "示例县青塘镇人民政府"
kind = "乡镇"

[[units]]
code = "FGJ"
name = "发改局"
kind = "部门"
"""


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_main_help_is_chinese_and_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：nianbao ")
    assert DESCRIPTION in out
    assert "子命令" in out
    for name, command in COMMANDS.items():
        assert re.search(rf"^\s+{name}\s+{re.escape(command.help)}$", out, re.M), name
    for english in ("usage:", "show this help", "positional arguments", "options:"):
        assert english not in out


def test_every_option_and_subcommand_has_chinese_help(capsys):
    parser = build_parser()
    commands = subparsers(parser)
    assert set(commands) == set(COMMANDS)
    for sub in [parser, *commands.values()]:
        for action in sub._actions:
            if action.help is not argparse.SUPPRESS and not isinstance(action, argparse._SubParsersAction):
                assert CJK.search(action.help or ""), (sub.prog, action.option_strings)
    for name in COMMANDS:
        assert CJK.search(COMMANDS[name].help)
        assert main([name, "--help"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"用法：nianbao {name} ")
        assert "show this help" not in out


def test_no_subcommand_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("用法：nianbao ")


def test_unknown_subcommand_is_a_usage_error_in_chinese(capsys):
    assert main(["tempalte"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"nianbao：错误：没有子命令“tempalte”（可用的子命令：{'、'.join(COMMANDS)}）"


def test_bad_option_value_is_a_usage_error_in_chinese(capsys):
    assert main(["template", "--year", "二〇二四"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "nianbao template：错误：参数 --year 应为整数，实际为“二〇二四”"


def test_template_with_config_writes_master_and_one_workbook_per_unit(tmp_path, monkeypatch, capsys):
    (tmp_path / "county.toml").write_text(COUNTY_TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert main(["template", "--config", "county.toml"]) == 0

    out_dir = tmp_path / "input_templates" / "2024"
    assert sorted(p.name for p in out_dir.iterdir()) == ["FGJ-发改局.xlsx", "QT-青塘镇.xlsx", "空白模板.xlsx"]
    assert capsys.readouterr().out == (
        f"已生成 2024 年度填报模板 3 个（中华人民共和国政府信息公开工作年度报告格式，国办公开办函〔2021〕30号），"
        f"保存在 {out_dir}：\n"
        "  空白模板.xlsx\n"
        "  QT-青塘镇.xlsx\n"
        "  FGJ-发改局.xlsx\n"
        f"请把各单位的工作簿发给对应单位填写；收回的文件放进收件文件夹 {tmp_path / '收件箱'}。\n"
    )
    meta = openpyxl.load_workbook(out_dir / "QT-青塘镇.xlsx")["_nianbao"]
    values = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert (values["unit_code"], values["unit_name"], str(values["year"])) == ("QT", "青塘镇", "2024")


def test_template_without_config_writes_only_the_blank_template(tmp_path, capsys):
    out_dir = tmp_path / "模板"
    assert main(["template", "--year", "2020", "--out", str(out_dir)]) == 0
    assert [p.name for p in out_dir.iterdir()] == ["空白模板.xlsx"]
    assert capsys.readouterr().out == (
        "已生成 2020 年度填报模板 1 个（中华人民共和国政府信息公开工作年度报告格式（试行），国办公开办函〔2019〕60号），"
        f"保存在 {out_dir}：\n"
        "  空白模板.xlsx\n"
        "这是不带单位信息的空白模板。要为名单上的每个单位各生成一份，请加上 --config county.toml。\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["template"],
            "nianbao template：错误：请用 --year 指定报告年度，或用 --config 指定 county.toml。"
            "例如：nianbao template --year 2024",
        ),
        (
            ["template", "--year", "2018"],
            f"nianbao template：错误：--year 应为 2019 至 {dt.date.today().year + 1} 之间的报告年度（全国统一格式自 2019 年度起施行，最晚可准备明年的报告），实际为 2018。",
        ),
    ],
)
def test_template_usage_errors_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message + "\n")
    assert not (tmp_path / "input_templates").exists()


def test_bad_config_exits_2_with_the_message_on_stderr_and_no_traceback(tmp_path, monkeypatch, capsys):
    bad = COUNTY_TOML.replace('kind = "部门"', 'kind = "局"').replace("year = 2024", 'year = "2024"')
    (tmp_path / "county.toml").write_text(bad, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert main(["template", "--config", "county.toml"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "county.toml：year 应为整数（如 2024，不加引号），实际为文本“2024”。\n"
        "county.toml：units[2].kind 应为“乡镇”、“部门”或“县区”，实际为“局”。\n"
    )
    assert not (tmp_path / "input_templates").exists()


def test_missing_config_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--config", "county.toml"]) == 2
    assert capsys.readouterr().err == (
        f"找不到配置文件 county.toml（{tmp_path / 'county.toml'}）。请先按 README.md 的示例写好 county.toml。\n"
    )


def test_unwritable_output_folder_exits_1_with_a_chinese_message(tmp_path, capsys):
    taken = tmp_path / "模板"
    taken.write_text("not a folder", encoding="utf-8")
    assert main(["template", "--year", "2024", "--out", str(taken)]) == 1
    assert capsys.readouterr().err == f"无法读写“{taken}”：已有同名的文件，不能当作文件夹使用。\n"


def test_demo_calls_run_demo_with_the_output_folder(tmp_path, monkeypatch, capsys):
    calls = []
    fake = types.ModuleType("pipeline.demo")
    fake.run_demo = calls.append
    monkeypatch.setitem(sys.modules, "pipeline.demo", fake)
    monkeypatch.chdir(tmp_path)

    assert main(["demo"]) == 0
    assert main(["demo", "--out", "演示"]) == 0

    assert calls == [Path("output") / "demo", Path("演示")]
    assert capsys.readouterr().out == (
        f"演示完成，结果保存在 {tmp_path / 'output' / 'demo'}。\n演示完成，结果保存在 {tmp_path / '演示'}。\n"
    )


def test_readme_documents_every_subcommand():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"nianbao {name}" not in readme]
    assert not missing, f"README.md 没有介绍这些子命令：{missing}"


def test_python_dash_m_pipeline_runs_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, encoding="utf-8", cwd=ROOT
    )
    assert result.returncode == 0
    assert result.stdout.startswith("用法：nianbao ")


def test_ctrl_c_while_the_command_starts_is_said_in_chinese_not_a_traceback(monkeypatch, capsys):
    """Regression: Ctrl-C in the first quarter second (the terminal set up, the arguments parsed)
    printed a Python traceback instead of "已中断。"."""
    from pipeline import cli, terminal

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(terminal, "make_streams_safe", interrupted)
    assert cli.main(["--help"]) == 130
    assert capsys.readouterr().err == "已中断。\n"
