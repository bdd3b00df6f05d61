"""The end of a run in the terminal: the next steps for the clerk."""

from __future__ import annotations

import io
import shutil

from rich.console import Console

from helpers import FINANCE, FORM_2021, LONGTAN, QINGTANG, county, write_report
from pipeline.batch import run_batch
from pipeline.config import Unit
from pipeline.terminal import next_steps, print_run_summary

EDUCATION = Unit(code="20", name="县教育局", full_name="示例县教育局", kind="部门")


def test_next_steps_name_the_files_to_return_the_duplicates_and_the_units_to_chase(tmp_path):
    config = county(tmp_path, 2025, (QINGTANG, LONGTAN, FINANCE, EDUCATION))
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN)
    shutil.copy(config.inbox / "05-龙潭乡.xlsx", config.inbox / "05-龙潭乡（修改）.xlsx")
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE, changes={"t3.received.natural": 6})
    (config.inbox / "[bold red]乱码[bold red].xlsx").write_bytes(b"not a workbook")
    result = run_batch(config)
    assert next_steps(result) == [
        "把退回修改的文件发回 1 个单位，修改后重新报送：退回修改/12-县财政局.xlsx。",
        "龙潭乡报送了 2 个文件（05-龙潭乡.xlsx、05-龙潭乡（修改）.xlsx）：保留最终版本，把其余文件移出收件箱后重新运行。",
        "催报 1 个未报送的单位：县教育局。",
        "收件箱中有无法读取的文件（[bold red]乱码[bold red].xlsx）：不是年度报告或已损坏，见问题清单；确认来源后移出收件箱，或请报送单位重新报送。",
        "汇总报告是草稿（页眉标注草稿）：名册中 3 个单位未计入。补齐后重新运行；定稿前补写第五、六部分中标注【待补充】的内容。",
    ]
    buffer = io.StringIO()
    print_run_summary(result, {}, Console(file=buffer, width=300, highlight=False))
    printed = buffer.getvalue()
    assert printed.rstrip().endswith("定稿前补写第五、六部分中标注【待补充】的内容。")
    assert "下一步：\n1. 把退回修改的文件" in printed
    # a file name is printed as it is, never as markup: in the table and in the next steps
    assert printed.count("[bold red]乱码[bold red].xlsx") == 2


def test_next_steps_for_an_unreadable_file_say_what_its_finding_says_to_do(tmp_path):
    """Regression: a zipped return was "请该单位用县里下发的模板重新报送", asking the township to fill it in
    again, when the county only has to unzip it; an empty file the same."""
    import zipfile

    config = county(tmp_path, 2025, (QINGTANG, LONGTAN, FINANCE))
    workbook = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    with zipfile.ZipFile(config.inbox / "03-青塘镇.zip", "w") as archive:
        archive.write(workbook, "03-青塘镇.xlsx")
    (config.inbox / "05-龙潭乡.xlsx").write_bytes(b"")
    (config.inbox / "12-县财政局.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))  # an .xls
    steps = next_steps(run_batch(config))
    assert steps[:3] == [
        "青塘镇的文件 03-青塘镇.zip 无法读取：请解压后把其中的工作簿放入收件箱（不必让报送单位重新填写），把这个压缩包移出收件箱，再重新运行。",
        "龙潭乡的文件 05-龙潭乡.xlsx 无法读取：请向报送单位重新索取这个文件，放入收件箱后重新运行。",
        "县财政局的文件 12-县财政局.xlsx 无法读取：请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再报送。",
    ]


def test_next_steps_when_nothing_passed_and_when_all_passed(tmp_path):
    config = county(tmp_path / "a", 2025, (QINGTANG, FINANCE))
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE, changes={"t3.received.natural": 6})
    steps = next_steps(run_batch(config))
    assert steps[-1].startswith("名册 2 个单位中没有一个通过校验（1 个报送了文件），未生成汇总报告")

    config = county(tmp_path / "b", 2025, (QINGTANG,))
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    assert next_steps(run_batch(config)) == [
        "全部单位已通过校验：补写汇总报告第五、六部分中标注【待补充】的内容，核对落款日期后即可报送汇总表和汇总报告。",
    ]
