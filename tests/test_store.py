"""The per-year dataset (data.csv): written from a run, read by pandas and by next year's run."""

from __future__ import annotations

import dataclasses
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.batch import NOTICE, PASSED, run_batch
from pipeline.cli import main
from pipeline.config import Unit, load_config
from pipeline.forms import form_for_year
from pipeline.outputs import FINDINGS_XLSX
from pipeline.store import (
    COLUMNS,
    DATASET,
    StoreError,
    find_previous,
    load_dataset,
    load_previous,
    write_dataset,
)
from pipeline.workbook import layout
from helpers import (
    COUNTY_TOML,
    FINANCE,
    FORM_2019,
    FORM_2021,
    LONGTAN,
    QINGTANG,
    consistent_inputs,
    county,
    expected_values,
    with_totals,
    write_county_toml,
    write_report,
)

HEADER = "unit_code,unit_name,year,format,key,table,row_label,column_label,value\n"
FINANCE_CHANGES = {"t2.fees.amount": 1.25, "t2.licensing.decisions": 3000}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """2025: 青塘镇 and 县财政局 pass, 龙潭乡 has an error."""
    config = county(tmp_path_factory.mktemp("county"))
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "05-龙潭乡.xlsx", FORM_2021, unit=LONGTAN, changes={"t2.rules.issued": "/"})
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE, changes=FINANCE_CHANGES)
    result = run_batch(config)
    assert [(u.unit.code, u.status) for u in result.units] == [("03", PASSED), ("05", "有错误"), ("12", PASSED)]
    return config, result


@pytest.fixture
def written(run, tmp_path):
    config, result = run
    return write_dataset(result, config, tmp_path / "2025"), result


def finance_values() -> dict[str, Decimal]:
    return expected_values(FORM_2021, {**consistent_inputs(FORM_2021), **FINANCE_CHANGES})


# --- writing -------------------------------------------------------------------------------------


def test_only_passing_units_are_stored_with_every_accepted_value(written):
    path, result = written
    assert path.name == DATASET
    stored = load_dataset(path)
    assert stored == {"03": expected_values(FORM_2021), "12": finance_values()}
    assert stored == {u.unit.code: u.submission.values for u in result.passed()}


def test_header_encoding_and_line_endings(written):
    path, _ = written
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert b"\r" not in data
    assert data.endswith(b"\n")
    text = data.decode("utf-8-sig")
    assert tuple(HEADER.strip().split(",")) == COLUMNS
    lines = text.splitlines()
    n_values = len(expected_values(FORM_2021)) + len(finance_values())
    assert len(lines) == 1 + n_values


def test_rows_follow_unit_code_then_the_form(written):
    path, _ = written
    df = pd.read_csv(path, dtype={"unit_code": str})
    assert list(df.unit_code.unique()) == ["03", "12"]
    for code, values in (("03", expected_values(FORM_2021)), ("12", finance_values())):
        assert list(df[df.unit_code == code].key) == [c.key for c in FORM_2021.cells if c.key in values]


def test_one_row_reads_as_a_person_would(written):
    path, _ = written
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert "03,青塘镇,2025,gov2021,t3.refused_secret.natural,三、收到和处理政府信息公开申请情况,（三）不予公开 1.属于国家秘密,自然人,0" in lines
    assert "12,县财政局,2025,gov2021,t2.fees.amount,二、主动公开政府信息情况,行政事业性收费,本年收费金额（单位：万元）,1.25" in lines
    assert "12,县财政局,2025,gov2021,t2.licensing.decisions,二、主动公开政府信息情况,行政许可,本年处理决定数量,3000" in lines
    assert "03,青塘镇,2025,gov2021,t4.review.total,四、政府信息公开行政复议、行政诉讼情况,行政复议,总计,2" in lines


def test_pandas_reads_it_directly_and_gives_back_the_values(written):
    path, _ = written
    df = pd.read_csv(path)  # no options: the BOM, the header and the numbers just work
    assert tuple(df.columns) == COLUMNS
    assert df.value.dtype == "float64"  # 1.25 makes the column float; every other value is a whole number
    assert df.year.dtype == "int64" and set(df.year) == {2025}
    assert set(df.format) == {"gov2021"}
    df = pd.read_csv(path, dtype={"unit_code": str})  # codes such as "03" keep their zero as text
    got = {(r.unit_code, r.key): r.value for r in df.itertuples()}
    want = {("03", k): float(v) for k, v in expected_values(FORM_2021).items()}
    want |= {("12", k): float(v) for k, v in finance_values().items()}
    assert got == want
    assert "E" not in "".join(pd.read_csv(path, dtype=str).value)  # plain decimals, never an exponent


def test_written_twice_the_bytes_and_the_file_stay_the_same(run, tmp_path):
    config, result = run
    path = write_dataset(result, config, tmp_path)
    first = path.read_bytes()
    os.utime(path, (1_000_000_000, 1_000_000_000))
    again = run_batch(config)  # read afresh: the same reports give the same file
    assert write_dataset(again, config, tmp_path) == path
    assert path.read_bytes() == first
    assert path.stat().st_mtime == 1_000_000_000  # untouched, not rewritten
    assert [p.name for p in tmp_path.iterdir()] == [DATASET]  # no temporary file left behind


def test_labels_that_excel_would_evaluate_are_quoted_and_codes_round_trip(tmp_path):
    odd = Unit(code="-7", name="=HYPERLINK(1)", full_name="某镇", kind="乡镇")
    config = county(tmp_path, units=(odd,))
    write_report(config.inbox / "x.xlsx", FORM_2021, unit=odd)
    result = run_batch(config)
    assert result.units[0].status == PASSED
    path = write_dataset(result, config, tmp_path / "out")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("'-7,'=HYPERLINK(1),2025,gov2021,t2.rules.issued,")
    assert all(line.startswith("'-7,'=HYPERLINK(1),") for line in lines[1:])
    assert load_dataset(path) == {"-7": expected_values(FORM_2021)}


def test_signed_values_are_written_as_numbers(tmp_path):
    config = county(tmp_path, year=2019, units=(QINGTANG,))
    write_report(config.inbox / "03.xlsx", FORM_2019, unit=QINGTANG)
    result = run_batch(config)
    path = write_dataset(result, config, tmp_path / "out")
    text = path.read_text(encoding="utf-8-sig")
    assert "03,青塘镇,2019,gov2019,t2.licensing.change,二、主动公开政府信息情况,行政许可,本年增/减,-18\n" in text
    assert "t2.procurement.amount,二、主动公开政府信息情况,政府集中采购,采购总金额,12.5\n" in text
    assert load_dataset(path)["03"]["t2.licensing.change"] == Decimal(-18)


def test_no_passing_unit_gives_the_header_alone(tmp_path):
    config = county(tmp_path, units=(LONGTAN,))
    result = run_batch(config)  # 龙潭乡 未报送
    path = write_dataset(result, config, tmp_path / "out")
    assert path.read_bytes() == b"\xef\xbb\xbf" + HEADER.encode()
    assert load_dataset(path) == {}


# --- reading a damaged file ----------------------------------------------------------------------


def test_a_malformed_file_gives_a_chinese_error(written, tmp_path):
    path, _ = written
    good = path.read_text(encoding="utf-8-sig")
    bad = tmp_path / DATASET

    bad.write_text(good.replace(",0\n", ",六\n", 1), encoding="utf-8-sig")
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message == (
        f"数据文件 {bad} 第 2 行的数值（value）应为不带指数的普通数字（如 12、1.25、-18），实际为“六”。"
        f"请不要编辑 {bad.name}；可重新运行上一年度的 nianbao run 生成。"
    )

    bad.write_bytes(good.encode("gbk"))  # what Excel does to a CSV on a Chinese Windows
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message == (
        f"数据文件 {bad} 不是 UTF-8 编码，可能被 Excel 或 WPS 另存过。请不要编辑或另存 data.csv；"
        "可用上一年度的收件箱重新运行 nianbao run 生成该文件。"
    )

    bad.write_text("单位,数值\n03,1\n", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message == (
        f"数据文件 {bad} 的表头缺少 unit_code、year、key、value 列，不是本工具生成的分年数据集"
        "（表头应为 unit_code,unit_name,year,format,key,table,row_label,column_label,value）。"
    )

    bad.write_text("", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message == (
        f"数据文件 {bad} 是空的，应有表头 unit_code,unit_name,year,format,key,table,row_label,column_label,value。"
        "可重新运行上一年度的 nianbao run 生成。"
    )

    bad.write_text(good + "03,青塘镇,2025,gov2021,t2.rules.issued\n", encoding="utf-8-sig")
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    row = len(good.splitlines()) + 1
    assert caught.value.message == (
        f"数据文件 {bad} 第 {row} 行只有 5 列，应有 9 列。请不要编辑 data.csv；可重新运行上一年度的 nianbao run 生成。"
    )

    bad.write_text(good + "03,青塘镇,2025,gov2021,t2.rules.issued,,,,7\n", encoding="utf-8-sig")
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message == (
        f"数据文件 {bad} 第 {row} 行：单位 03 的 t2.rules.issued 出现了两次且数值不同（0 和 7）。"
    )

    bad.write_text(good.replace("\n03,青塘镇,2025,", "\n03,青塘镇,2024,", 1), encoding="utf-8-sig")
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message == f"数据文件 {bad} 混有多个年度（2024、2025）的数据，每个年度应单独一个文件。"


# --- finding last year's dataset -----------------------------------------------------------------


def test_a_byte_that_is_not_utf8_far_down_the_file_is_still_found(written, tmp_path):
    """The file is read a row at a time: a bad byte after thousands of good rows still refuses it."""
    path, _ = written
    good = path.read_bytes()
    bad = tmp_path / DATASET
    bad.write_bytes(good + good.split(b"\n", 1)[1] * 40 + "03,青塘镇,2025,gov2021,t2.x,,,,1\n".encode("gbk"))
    with pytest.raises(StoreError) as caught:
        load_dataset(bad)
    assert caught.value.message.startswith(f"数据文件 {bad} 不是 UTF-8 编码")


def test_units_share_the_keys_and_small_numbers_of_the_dataset(written):
    """A 1,000-unit dataset is some 6 MiB as a dict per unit; its units share their keys' places."""
    import pickle

    from pipeline.cache import digest_by_unit

    path, result = written
    values = load_dataset(path)
    first, second = values["03"], values["12"]
    assert first._places is second._places  # the same keys in the same order
    zeros = [v for unit in values.values() for v in unit.values() if v == 0 and str(v) == "0"]
    assert len(zeros) > 10 and all(z is zeros[0] for z in zeros)
    plain = {code: dict(unit) for code, unit in values.items()}
    assert values == plain and first == plain["03"] and plain["03"] == first
    assert plain["12"] == {k: v for k, v in finance_values().items() if v is not None}
    assert "t2.rules.issued" in first and "t2.nothing" not in first and first.get("t2.nothing") is None
    assert repr(first) == repr(plain["03"]) and digest_by_unit(values) == digest_by_unit(plain)
    copied = pickle.loads(pickle.dumps(values))
    assert copied == plain and copied["03"]._places is copied["12"]._places
    with pytest.raises(TypeError):
        first["t2.rules.issued"] = Decimal(1)  # read-only: a unit's dataset is as it was written


def test_a_texts_file_that_is_not_utf8_gives_a_chinese_error(tmp_path):
    from pipeline.store import load_texts

    path = tmp_path / "texts.csv"
    path.write_bytes("unit_code,key,text\n03,text.s1,概述\n".encode("gbk"))
    with pytest.raises(StoreError) as caught:
        load_texts(path)
    assert caught.value.message == f"文字数据文件 {path} 不是 UTF-8 编码，可能被 Excel 或 WPS 另存过。请不要编辑或另存 texts.csv。"


def test_find_previous_in_an_output_root_and_in_a_year_folder(written, tmp_path):
    path, _ = written  # tmp_path/2025/data.csv holds 2025
    this_year = county(tmp_path / "next", year=2026)
    assert find_previous(this_year) is None and load_previous(this_year) is None  # no history configured

    root = dataclasses.replace(this_year, history=tmp_path)  # <history>/2025/data.csv
    assert find_previous(root) == path
    assert load_previous(root) == load_dataset(path)

    folder = dataclasses.replace(this_year, history=tmp_path / "2025")  # <history>/data.csv of 2025
    assert find_previous(folder) == path
    assert load_previous(folder) == load_dataset(path)

    wrong_year = dataclasses.replace(folder, year=2027)  # <history>/data.csv is not of 2026
    assert find_previous(wrong_year) is None and load_previous(wrong_year) is None

    empty = dataclasses.replace(this_year, history=tmp_path / "没有")
    assert find_previous(empty) is None and load_previous(empty) is None


def test_a_damaged_or_mislaid_previous_dataset_is_an_error(written, tmp_path):
    path, _ = written
    config = county(tmp_path / "next", year=2026)
    folder = dataclasses.replace(config, history=tmp_path / "2025")
    path.write_bytes(b"\x00\xff garbage")
    assert find_previous(folder) == path  # found, so that the clerk learns it is damaged
    with pytest.raises(StoreError) as caught:
        load_previous(folder)
    assert caught.value.message.startswith(f"数据文件 {path} 不是 UTF-8 编码")

    mislaid = tmp_path / "history" / "2025" / DATASET  # the 2025 folder holds another year's file
    mislaid.parent.mkdir(parents=True)
    mislaid.write_text(HEADER + "03,青塘镇,2024,gov2021,t3.carried_over.natural,,,,2\n", encoding="utf-8-sig")
    with pytest.raises(StoreError) as caught:
        load_previous(dataclasses.replace(config, history=tmp_path / "history"))
    assert caught.value.message == (
        f"数据文件 {mislaid} 是 2024 年度的数据，核对 2026 年度报告需要 2025 年度的数据。请检查 county.toml 中的 history。"
    )


# --- last year in the run: the notice for units without last year's data --------------------------


def test_a_unit_absent_from_last_years_data_gets_a_notice(tmp_path):
    config = county(tmp_path)
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG)
    write_report(config.inbox / "12-县财政局.xlsx", FORM_2021, unit=FINANCE)  # 龙潭乡 未报送
    last_year = {"12": {"t3.carried_over.natural": Decimal(1), "t3.carried_over.total": Decimal(1)}}

    result = run_batch(config, previous_by_unit=last_year)
    notices = [(f.unit_code, f.rule, f.severity, f.message) for f in result.findings if f.severity == NOTICE]
    assert notices == [("03", "previous-missing", NOTICE, "03 青塘镇 在上年数据中没有记录，未核对上年结转。")]
    assert result.unit("03").status == PASSED  # a notice, not an error
    assert not result.unit("12").notices  # last year's 1 carried over is this year's 1 carried in
    assert [f.rule for f in result.unit("05").findings] == ["missing"]

    without_history = run_batch(config)
    assert not [f for f in without_history.findings if f.rule == "previous-missing"]


# --- end to end: 2024's run, then 2025 with history ----------------------------------------------


def county_toml_with_history(folder: Path, year: int, history: str) -> Path:
    (folder / "收件箱").mkdir(parents=True, exist_ok=True)
    text = COUNTY_TOML.format(year=year).replace("\n[[units]]", f'history = "{history}"\n\n[[units]]', 1)
    path = folder / "county.toml"
    path.write_text(text, encoding="utf-8")
    return path


def findings_of(path: Path) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


X1_INSTRUCTION = "“上年结转”应与上一年度报告的“结转下年度继续办理”一致，请按上年报告填写；如上年数据确有更正，请附说明。"


def x1_message(key: str, column: str, this_year: int, last_year: int) -> str:
    where = f"03-青塘镇.xlsx {layout.locate(FORM_2021, key)}"
    return (
        f"{where} 上年结转与上年度报告的结转下年度不一致（{column}列）：本年报告上年结转 {this_year}，"
        f"上年报告结转下年度 {last_year}，相差 {abs(this_year - last_year)}。{X1_INSTRUCTION}"
    )


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """2024's run of 青塘镇 (结转下年度: 2 from natural persons), and a 2025 county whose history is
    2024's output root."""
    root = tmp_path_factory.mktemp("years")
    config_2024 = write_county_toml(root / "2024", year=2024)
    write_report(root / "2024" / "收件箱" / "03-青塘镇.xlsx", FORM_2021, year=2024)
    assert main(["run", "--config", str(config_2024)]) == 0
    config_2025 = county_toml_with_history(root / "2025", 2025, "../2024/输出")
    return root, config_2025


def test_run_writes_the_dataset_and_lists_it(two_years, capsys):
    root, _ = two_years
    path = root / "2024" / "输出" / "2024" / DATASET
    assert load_dataset(path) == {"03": expected_values(FORM_2021)}
    assert main(["run", "--config", str(root / "2024" / "county.toml")]) == 0
    assert f"分年数据集（明年核对上年结转用）：{path}" in capsys.readouterr().out


def test_next_years_run_checks_carried_in_against_last_years_dataset(two_years, capsys):
    root, config = two_years
    inbox = root / "2025" / "收件箱"
    report = inbox / "03-青塘镇.xlsx"
    capsys.readouterr()

    # consistent_inputs carries 1 in from natural persons; 2024 carried 2 over
    write_report(report, FORM_2021, year=2025)
    assert main(["run", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "未找到" not in out
    errors = [f for f in findings_of(root / "2025" / "输出" / "2025" / FINDINGS_XLSX) if f["级别"] == "错误"]
    # 问题清单 shows the rule's name, its code in a column of its own, and 说明 without the location
    shown = lambda key, column: x1_message(key, column, 1, 2).split(" ", 2)[2]  # noqa: E731
    assert [(f["规则代码"], f["规则"], f["说明"]) for f in errors] == [
        ("X1", "上年结转", shown("t3.carried_in.natural", "自然人")),
        ("X1", "上年结转", shown("t3.carried_in.total", "总计")),
    ]
    assert load_dataset(root / "2025" / "输出" / "2025" / DATASET) == {}  # 青塘镇 did not pass

    # the same report carrying in the 2 of last year (and receiving one fewer, so that it balances)
    inputs = consistent_inputs(FORM_2021) | {"t3.carried_in.natural": 2, "t3.received.natural": 4}
    write_report(report, FORM_2021, year=2025, values=inputs)
    assert main(["run", "--config", str(config)]) == 0
    # issue 11: the same texts as last year (X5 年年雷同 for 一 and 五, warnings) and the same 现行有效件数
    # 12 after 4 制发 and 1 废止 (X3, a notice); neither keeps the unit from passing
    assert "名册 1 个单位：通过 1 个。共 0 个错误、2 个警告、1 个提示。" in capsys.readouterr().out
    assert load_dataset(root / "2025" / "输出" / "2025" / DATASET) == {
        "03": {k: Decimal(str(v)) for k, v in with_totals(FORM_2021, inputs).items()}
    }


def test_run_says_when_last_years_dataset_is_missing(tmp_path, capsys):
    config = county_toml_with_history(tmp_path, 2025, "历年")
    write_report(tmp_path / "收件箱" / "03-青塘镇.xlsx", FORM_2021)
    assert main(["run", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    history = tmp_path / "历年"
    assert (
        f"未找到 2024 年度的分年数据集（查找了 {history / '2024' / DATASET}、{history / DATASET}），"
        "本次未核对上年结转等跨年度数据。"
    ) in out
    assert "提示" not in "".join(f["级别"] for f in findings_of(tmp_path / "输出" / "2025" / FINDINGS_XLSX))


def test_run_stops_on_a_damaged_dataset(tmp_path, capsys):
    config = county_toml_with_history(tmp_path, 2025, "历年")
    damaged = tmp_path / "历年" / "2024" / DATASET
    damaged.parent.mkdir(parents=True)
    damaged.write_text("单位,数值\n", encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"nianbao run：错误：数据文件 {damaged} 的表头缺少 unit_code、year、key、value 列，不是本工具生成的分年数据集"
        "（表头应为 unit_code,unit_name,year,format,key,table,row_label,column_label,value）。\n"
    )
    assert not (tmp_path / "输出").exists()  # nothing was read or written


def test_template_prefills_carried_in_from_last_years_dataset(two_years, tmp_path, capsys):
    _, config = two_years
    out = tmp_path / "模板"
    assert main(["template", "--config", str(config), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    source = load_config(config).history / "2024" / DATASET
    assert f"已按 2024 年度数据（{source}）为 1 个单位预填上年结转。" in printed
    wb = openpyxl.load_workbook(out / "03-青塘镇.xlsx")
    place = layout.locate(FORM_2021, "t3.carried_in.natural")
    assert wb[place.sheet].cell(place.row, place.col).value == 2
    place = layout.locate(FORM_2021, "t3.carried_in.commercial")
    assert wb[place.sheet].cell(place.row, place.col).value == 0
    master = openpyxl.load_workbook(out / "空白模板.xlsx")  # the blank master is never prefilled
    place = layout.locate(FORM_2021, "t3.carried_in.natural")
    assert master[place.sheet].cell(place.row, place.col).value is None


def test_template_without_last_years_dataset_says_so(tmp_path, capsys):
    config = county_toml_with_history(tmp_path, 2025, "历年")
    assert main(["template", "--config", str(config), "--out", str(tmp_path / "模板")]) == 0
    history = tmp_path / "历年"
    assert (
        f"未找到 2024 年度的分年数据集（查找了 {history / '2024' / DATASET}、{history / DATASET}），模板中的上年结转未预填。"
    ) in capsys.readouterr().out
    wb = openpyxl.load_workbook(tmp_path / "模板" / "03-青塘镇.xlsx")
    place = layout.locate(FORM_2021, "t3.carried_in.natural")
    assert wb[place.sheet].cell(place.row, place.col).value is None


def test_a_2020_template_prefills_the_2019_project_counts(tmp_path, capsys):
    """X2 (2019 format): 上一年项目数量 = last year's 上一年项目数量 + 本年增/减."""
    config_2019 = write_county_toml(tmp_path / "2019", year=2019)
    write_report(tmp_path / "2019" / "收件箱" / "03-青塘镇.xlsx", FORM_2019, year=2019)
    assert main(["run", "--config", str(config_2019)]) == 0
    config = county_toml_with_history(tmp_path / "2020", 2020, "../2019/输出")
    assert main(["template", "--config", str(config), "--out", str(tmp_path / "模板")]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(tmp_path / "模板" / "03-青塘镇.xlsx")
    form = form_for_year(2020)
    place = layout.locate(form, "t2.licensing.prev_items")
    assert wb[place.sheet].cell(place.row, place.col).value == 396 - 18
    place = layout.locate(form, "t3.carried_in.natural")
    assert wb[place.sheet].cell(place.row, place.col).value == 2


def test_texts_round_trip_through_texts_csv(tmp_path):
    from pipeline.store import TextRecord, load_texts, write_texts

    records = [
        TextRecord("QT", "=青塘镇", 2025, "gov2021", "text.s1", "一、总体情况", "=SUM(1)\n第二段，含“引号”,逗号"),
        TextRecord("-X", "某局", 2025, "gov2021", "text.s5", "五、存在的主要问题及改进情况", "问题"),
    ]
    path = write_texts(tmp_path, records)
    assert path.name == "texts.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_texts(path) == {"QT": {"text.s1": "=SUM(1)\n第二段，含“引号”,逗号"}, "-X": {"text.s5": "问题"}}
    first = path.stat().st_mtime_ns
    write_texts(tmp_path, records)
    assert path.stat().st_mtime_ns == first
