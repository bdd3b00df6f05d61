import datetime
from pathlib import Path

import pytest

from pipeline.config import ConfigError, CountyConfig, Unit, load_config, safe_stem

VALID = """\
county = "示例县"
year = 2024
inbox = "收件箱"
history = "../历年数据"
deadline = 2025-01-31

[[units]]
code = "QT"
name = "青塘镇"
full_name = "示例县青塘镇人民政府"
kind = "乡镇"
aliases = ["青塘"]

[[units]]
code = "HB"
name = "河滨街道"
kind = "乡镇"

[[units]]
code = "FGJ"
name = "发改局"
full_name = "示例县发展和改革局"
kind = "部门"
aliases = ["发展改革局", "县发改局"]
"""


def write(folder: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = folder / "county.toml"
    path.write_text(text, encoding=encoding)
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert str(caught.value) == caught.value.message
    return caught.value.message


def changed(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def test_valid_config_loads_with_paths_resolved_against_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "年报" / "2024"
    folder.mkdir(parents=True)
    path = write(folder, VALID)
    monkeypatch.chdir(tmp_path)  # the current folder must not matter

    config = load_config(Path("年报/2024/county.toml"))

    assert isinstance(config, CountyConfig)
    assert config.county == "示例县"
    assert config.year == 2024
    assert config.path == path.resolve()
    assert config.inbox == folder.resolve() / "收件箱"
    assert config.output == folder.resolve() / "output"
    assert config.history == (tmp_path / "年报" / "历年数据").resolve()
    assert config.deadline == datetime.date(2025, 1, 31)
    assert config.units == (
        Unit("QT", "青塘镇", "示例县青塘镇人民政府", "乡镇", ("青塘",)),
        Unit("HB", "河滨街道", "河滨街道", "乡镇", ()),
        Unit("FGJ", "发改局", "示例县发展和改革局", "部门", ("发展改革局", "县发改局")),
    )
    assert config.unit("FGJ").name == "发改局"
    with pytest.raises(KeyError):
        config.unit("XX")


def test_optional_keys_may_be_left_out(tmp_path):
    text = changed('history = "../历年数据"\ndeadline = 2025-01-31\n', 'output = "D:/年报/输出"\n')
    config = load_config(write(tmp_path, text))
    assert config.history is None
    assert config.deadline is None
    assert config.output == (tmp_path / "D:/年报/输出").resolve()  # absolute on Windows; here relative


def test_county_code_is_optional_and_kept(tmp_path):
    assert load_config(write(tmp_path, VALID)).code is None
    text = changed('county = "示例县"', 'county = "示例县"\ncode = "SLX"')
    assert load_config(write(tmp_path, text)).code == "SLX"


CITY = """\
county = "示例市"
code = "SLS"
year = 2025
inbox = "各县区汇总表"

[[units]]
code = "SLX"
name = "示例县"
full_name = "示例县人民政府"
kind = "县区"

[[units]]
code = "FGW"
name = "市发改委"
kind = "部门"
"""


def test_city_roster_lists_counties_as_kind_county(tmp_path):
    config = load_config(write(tmp_path, CITY))
    assert config.county == "示例市"
    assert config.code == "SLS"
    assert config.units == (
        Unit("SLX", "示例县", "示例县人民政府", "县区", ()),
        Unit("FGW", "市发改委", "市发改委", "部门", ()),
    )


def test_config_saved_with_bom_by_notepad_loads(tmp_path):
    assert load_config(write(tmp_path, VALID, encoding="utf-8-sig")).county == "示例县"


def test_safe_stem_is_code_and_name():
    assert safe_stem(Unit("QT", "青塘镇", "示例县青塘镇人民政府", "乡镇")) == "QT-青塘镇"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "部门"', 'kind = "镇"', "county.toml：units[3].kind 应为“乡镇”、“部门”或“县区”，实际为“镇”。"),
        ('\nkind = "部门"', "", "county.toml：缺少 units[3].kind，应为“乡镇”、“部门”或“县区”。"),
        ('kind = "部门"', "kind = 2", "county.toml：units[3].kind 应为“乡镇”、“部门”或“县区”（带引号的文本），实际为整数 2。"),
        ('county = "示例县"\n', "", "county.toml：缺少 county，应为县（市、区）名称。"),
        ("year = 2024", 'year = "2024"', "county.toml：year 应为整数（如 2024，不加引号），实际为文本“2024”。"),
        (
            "year = 2024",
            "year = 2018",
            f"county.toml：year 应为 2019 至 {datetime.date.today().year + 1} 之间的报告年度（全国统一格式自 2019 年度起施行，最晚可准备明年的报告），实际为 2018。",
        ),
        (
            'inbox = "收件箱"\n',
            "",
            'county.toml：缺少 inbox，应为收件文件夹的路径（带引号的文本，如 "收件文件夹"）。',
        ),
        ('inbox = "收件箱"', "inbox = 3", "county.toml：inbox 应为收件文件夹的路径（带引号的文本），实际为整数 3。"),
        (
            'inbox = "收件箱"',
            'inbox = "D:\\new"',
            "county.toml：inbox 中含有换行或制表符等控制字符，实际为文本 'D:\\new'。"
            "Windows 路径请用单引号括起来，例如 inbox = 'D:\\年报\\收件文件夹'。",
        ),
        (
            "deadline = 2025-01-31",
            'deadline = "2025-01-31"',
            "county.toml：deadline 应为日期（如 2025-01-31，不加引号），实际为文本“2025-01-31”。",
        ),
        (
            "deadline = 2025-01-31",
            "deadline = 2025-01-31T17:00:00",
            "county.toml：deadline 应为日期（如 2025-01-31，不加引号），实际为日期时间 2025-01-31T17:00:00。",
        ),
        (
            "deadline = 2025-01-31",
            "deadline = 2024-01-31",
            "county.toml：deadline 应在报告年度 2024 年之后（如 2025-01-31），实际为 2024-01-31。",
        ),
        (
            'code = "HB"',
            'code = "河滨"',
            "county.toml：units[2].code 只能包含英文字母、数字、“-”和“_”，实际为“河滨”。",
        ),
        ('code = "HB"', 'code = "QT"', "county.toml：units[2].code “QT”与 units[1] 重复，每个单位的代码应唯一。"),
        (
            'name = "河滨街道"',
            'name = "河滨/街道"',
            "county.toml：units[2].name 不能包含文件名中不允许的字符 /，实际为“河滨/街道”。",
        ),
        (
            'name = "河滨街道"',
            'name = "河滨:街道?"',
            "county.toml：units[2].name 不能包含文件名中不允许的字符 : ?，实际为“河滨:街道?”。",
        ),
        ('name = "河滨街道"', 'name = "河滨街道 "', "county.toml：units[2].name 前后不能有空格，实际为“河滨街道 ”。"),
        ('name = "河滨街道"', 'name = ""', "county.toml：units[2].name 不能为空，应为单位简称（用于文件名）。"),
        ('name = "发改局"', 'name = "青塘镇"', "county.toml：units[3].name “青塘镇”与 units[1] 重复，每个单位的简称应唯一。"),
        (
            '"县发改局"]',
            '"青塘"]',
            "county.toml：units[3].aliases 中的“青塘”已用于 units[1]（青塘镇），一个名称只能对应一个单位。",
        ),
        (
            '"县发改局"]',
            '"河滨街道"]',
            "county.toml：units[3].aliases 中的“河滨街道”已用于 units[2]（河滨街道），一个名称只能对应一个单位。",
        ),
        (
            'aliases = ["青塘"]',
            'aliases = "青塘"',
            'county.toml：units[1].aliases 应为文本列表（如 ["青塘", "青塘乡"]），实际为文本“青塘”。',
        ),
        (
            "year = 2024",
            "yaer = 2024",
            "county.toml：yaer 不是可用的配置项（可用：county、code、year、inbox、output、history、deadline、templates、units）。"
            "是否应为 year？\n"
            "county.toml：缺少 year，应为报告年度（整数，如 2024）。",
        ),
        (
            "full_name = \"示例县青塘镇人民政府\"",
            "fullname = \"示例县青塘镇人民政府\"",
            "county.toml：units[1].fullname 不是可用的配置项（可用：code、name、full_name、kind、aliases）。"
            "是否应为 full_name？",
        ),
        (VALID[VALID.index("[[units]]"):], "", "county.toml：缺少 [[units]]，应至少列出一个填报单位。"),
        (
            'county = "示例县"',
            'county = "示例县"\ncode = "示例"',
            "county.toml：code 只能包含英文字母、数字、“-”和“_”，实际为“示例”。",
        ),
        (
            'county = "示例县"',
            'county = "示例县"\ncode = 12',
            "county.toml：code 应为本县在上级名册中的单位代码（带引号的文本），实际为整数 12。",
        ),
    ],
)
def test_each_mistake_gets_its_own_message(tmp_path, old, new, message):
    assert problems(tmp_path, changed(old, new)) == message


def test_units_written_as_a_single_table_is_explained(tmp_path):
    text = 'county = "示例县"\nyear = 2024\ninbox = "收件箱"\n[units]\ncode = "QT"\n'
    assert problems(tmp_path, text) == (
        "county.toml：units 应为单位列表（每个单位以 [[units]] 开头），实际为表（[...] 段落）。"
    )


def test_all_problems_are_reported_together_one_per_line_in_file_order(tmp_path):
    text = changed("year = 2024", 'year = "2024"')
    text = text.replace('code = "HB"', 'code = "QT"').replace('kind = "部门"', 'kind = "镇"')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.problems == (
        "county.toml：year 应为整数（如 2024，不加引号），实际为文本“2024”。",
        "county.toml：units[3].kind 应为“乡镇”、“部门”或“县区”，实际为“镇”。",
        "county.toml：units[2].code “QT”与 units[1] 重复，每个单位的代码应唯一。",
    )
    assert caught.value.message == "\n".join(caught.value.problems)


def test_toml_syntax_error_names_the_line(tmp_path):
    text = changed('kind = "部门"', "kind = 部门")
    line = text.splitlines().index("kind = 部门") + 1
    assert problems(tmp_path, text) == (
        f"county.toml：第 {line} 行第 8 列不符合 TOML 格式（Invalid value）。"
        "值的写法不对：文字要加引号（如 \"青塘镇\"），年份和日期不加引号（如 2024、2025-01-31）。"
    )


def test_one_unit_headed_units_in_single_brackets_is_named_at_its_own_line(tmp_path):
    """Regression: the parser trips over the next, correct [[units]], and the message said to delete
    that line as a value written twice."""
    text = VALID.replace("[[units]]", "[units]", 1)
    line = text.splitlines().index("[units]") + 1
    assert problems(tmp_path, text) == (
        f"county.toml：第 {line} 行写成了 [units]（一层方括号）。每个单位都应以 [[units]]（两层方括号）开头，"
        "请把这一行改为 [[units]]。"
    )


def test_windows_path_in_double_quotes_gets_a_hint(tmp_path):
    text = changed('inbox = "收件箱"', 'inbox = "D:\\年报\\收件箱"')
    assert problems(tmp_path, text) == (
        "county.toml：第 3 行第 14 列不符合 TOML 格式（Unescaped '\\' in a string）。"
        "Windows 路径请用单引号括起来，例如 inbox = 'D:\\年报\\收件箱'，或把“\\”写成“/”。"
    )


def test_windows_path_in_single_quotes_is_fine(tmp_path):
    text = changed('inbox = "收件箱"', "inbox = 'D:\\年报\\收件箱'")
    # On Windows this is the folder D:\年报\收件箱; on Linux, where the tests run, one odd folder name.
    assert load_config(write(tmp_path, text)).inbox == (tmp_path / "D:\\年报\\收件箱").resolve()


def test_syntax_error_at_the_end_of_the_file(tmp_path):
    text = VALID + 'aliases = ["a", "b"\n'
    assert problems(tmp_path, text) == (
        f"county.toml：第 {len(text.splitlines())} 行（文件末尾）不符合 TOML 格式（Unclosed array）。"
        "方括号或花括号没有成对。"
    )


def test_file_in_gbk_encoding(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, VALID, encoding="gbk"))
    assert caught.value.message == (
        "county.toml：文件不是 UTF-8 编码。请用记事本打开，选择“另存为”，编码选“UTF-8”后保存。"
    )


def test_missing_file(tmp_path):
    path = tmp_path / "county.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.message == (
        f"找不到配置文件 county.toml（{path.resolve()}）。请先按 README.md 的示例写好 county.toml。"
    )


def test_the_example_in_readme_is_valid(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config = load_config(write(tmp_path, example))
    assert [safe_stem(unit) for unit in config.units] == ["QT-青塘镇", "HB-河滨街道", "FGJ-发改局"]
