"""The `nianbao` command: parses arguments, calls the library, prints Chinese messages, returns exit codes.

Exit codes: 0 done (and, for run and check, no errors found); 1 errors found in the reports, or a file
could not be read or written; 2 a usage or configuration error; 3 an internal error (a bug): the
traceback goes to a crash report file and the clerk is told where it is.

Each subcommand is one function registered with @command together with a function that adds its
options, so adding `nianbao run` or `nianbao check` is one more pair of functions in this file.
Library modules stay free of printing and exit codes; heavy imports happen inside the commands so that
`nianbao --help` answers at once.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, CountyConfig, load_config

PROG = "nianbao"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """The command line asks for something impossible; `message` is Chinese text for the clerk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # one Chinese line, shown in `nianbao --help`
    add_options: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, add_options: Callable[[argparse.ArgumentParser], None]):
    """Register `run` as the subcommand `nianbao <name>`."""

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, help, add_options, run)
        return run

    return register


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from .terminal import make_streams_safe  # Ctrl-C while the libraries load: no traceback either

        make_streams_safe()
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors end inside argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command].run(args)
    except ConfigError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"{PROG} {args.command}：错误：{exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(_os_error_message(exc), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: the clerk gets one sentence, the traceback goes to a file
        return _internal_error(exc, args, sys.argv[1:] if argv is None else list(argv))


def _internal_error(exc: Exception, args: argparse.Namespace, argv: list[str]) -> int:
    from .crash import write_crash_report

    report = write_crash_report(exc, argv, _crash_folders(args))
    where = f"错误详情已保存到 {report}" if report is not None else "错误详情未能保存（没有可写入的文件夹）"
    print(
        f"{PROG} {args.command}：程序内部错误，本次运行未完成（这不是您的文件或配置造成的）。"
        f"{where}，请把该文件发给技术支持人员。",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _crash_folders(args: argparse.Namespace) -> list[Path]:
    """The output folder of this command when it is known: --out, else the config's output folder."""
    if getattr(args, "out", None) is not None:
        return [Path(args.out)]
    config = getattr(args, "config", None)
    if config is None:
        return []
    try:
        return [load_config(config).output]
    except Exception:  # the config itself may be what is broken; the report then goes elsewhere
        return []


# --- subcommands --------------------------------------------------------------------------------


def _config_option(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--config", type=Path, required=required, metavar="county.toml",
        help="县里的配置文件 county.toml（年度、收件文件夹、单位名单）",
    )


def _template_options(parser: argparse.ArgumentParser) -> None:
    _config_option(parser, required=False)
    parser.add_argument(
        "--year", type=int, metavar="YYYY",
        help="报告年度，如 2024；给了 --config 时默认取其中的 year，不给 --config 时必填",
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR",
        help="模板保存到哪个文件夹（默认：当前文件夹下的 input_templates/<年度>/）",
    )


@command("template", "生成填报模板：空白模板和每个单位一份的 Excel 工作簿", _template_options)
def template_command(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else None
    if args.year is None and config is None:
        raise UsageError("请用 --year 指定报告年度，或用 --config 指定 county.toml。例如：nianbao template --year 2024")
    year = args.year if args.year is not None else config.year
    form = _form_for_year(year)
    out_dir = args.out if args.out is not None else Path("input_templates") / str(year)
    out_dir.mkdir(parents=True, exist_ok=True)

    from .store import StoreError, find_previous, for_year, load_previous, previous_missing_message
    from .workbook.template import write_templates

    previous, source = None, None
    if config is not None and config.history is not None:
        # 上年结转 (and the 2019 format's 上一年项目数量) come from last year's dataset
        try:
            previous = load_previous(for_year(config, year))
        except StoreError as exc:
            raise UsageError(exc.message) from None
        source = find_previous(for_year(config, year))
    written = write_templates(config, year, out_dir, previous_by_unit=previous)  # without a config: only the blank master

    print(f"已生成 {year} 年度填报模板 {len(written)} 个（{form.name}，{form.document}），保存在 {out_dir.resolve()}：")
    for path in written:
        print(f"  {_shown(path, out_dir)}")
    if previous is not None:
        filled = sum(1 for unit in config.units if unit.code in previous)
        print(f"已按 {year - 1} 年度数据（{source}）为 {filled} 个单位预填上年结转。")
    elif config is not None and config.history is not None:
        print(previous_missing_message(for_year(config, year), "模板中的上年结转未预填"))
    print(_template_next_step(config))
    return EXIT_OK


def _demo_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("output") / "demo", metavar="DIR",
        help="演示结果保存到哪个文件夹（默认：output/demo/）",
    )


@command("demo", "用虚构的示例县数据把整个流程演示一遍（无需任何准备）", _demo_options)
def demo_command(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.out)
    print(f"演示完成，结果保存在 {args.out.resolve()}。")
    return EXIT_OK


def _run_options(parser: argparse.ArgumentParser) -> None:
    _config_option(parser, required=False)
    parser.set_defaults(config=Path("county.toml"))
    parser.add_argument("--draft", action="store_true", help="有错误的单位也生成报告，页眉标注“草稿（未通过校验）”")
    parser.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 把每份报告转换为 PDF（需已安装 LibreOffice）")
    _jobs_option(parser)


@command("run", "读取收件箱中交回的全部工作簿，逐份校验，生成问题清单、退回修改的文件、Word 报告和汇总表", _run_options)
def run_command(args: argparse.Namespace) -> int:
    config = load_config(args.config)

    from .run import RunError, RunOptions, run_county
    from .terminal import console, print_run_summary, progress_bar

    try:
        outcome = run_county(
            config, RunOptions(draft=args.draft, pdf=args.pdf, jobs=args.jobs),
            lambda label, total: progress_bar(total, label),
        )
    except RunError as exc:
        raise UsageError(exc.message) from None
    for line in outcome.notices:
        print(line)
    if outcome.problems:
        print("\n".join(outcome.problems), file=sys.stderr)
    print_run_summary(outcome.result, outcome.outputs, console())
    return EXIT_FAILED if outcome.failed else EXIT_OK


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs", type=_positive_int, default=None, metavar="N",
        help="同时用几个进程处理（默认：本机全部 CPU 核心；1 表示只用一个进程）",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数，实际为“{text}”") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，实际为“{text}”")
    return value


def _check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="文件", help="要检查的工作簿（.xlsx），或已发布的年度报告（.docx、.html、.txt），可以一次给多个")
    parser.add_argument("--json", action="store_true", help="以 JSON 格式输出问题（每行一条），便于其他程序处理")
    _jobs_option(parser)


@command("check", "不需要 county.toml，直接检查一个或几个工作簿（乡镇报送前自查用）", _check_options)
def check_command(args: argparse.Namespace) -> int:
    folders = [str(p) for p in args.files if p.is_dir()]
    if folders:
        raise UsageError(f"这些是文件夹，不是工作簿文件：{'、'.join(folders)}。请给出要检查的文件本身（工作簿或已发布的报告，可以一次给多个）。")
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UsageError(f"找不到文件：{'、'.join(missing)}")

    from .batch import check_files
    from .terminal import console, print_check_report

    submissions = check_files(args.files, jobs=args.jobs)
    findings = [f for s in submissions for f in s.findings]
    if args.json:
        import json

        for finding in findings:
            print(json.dumps(finding.as_dict(), ensure_ascii=False))
    else:
        print_check_report(submissions, console())
    return EXIT_FAILED if any(f.is_error for f in findings) else EXIT_OK


def _import_options(parser: argparse.ArgumentParser) -> None:
    _config_option(parser, required=False)
    parser.set_defaults(config=Path("county.toml"))
    parser.add_argument("paths", nargs="+", type=Path, metavar="文件或文件夹",
                        help="已发布的年度报告（.docx、.html/.htm 网页、.txt），或存放它们的文件夹，可以给多个")


@command("import", "导入往年已发布的年度报告（Word、网页、文本），作为核对上年结转的往年数据", _import_options)
def import_command(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"找不到文件或文件夹：{'、'.join(missing)}")

    from .published.importing import ImportRefused, expand, import_reports
    from .terminal import progress_bar

    try:
        with progress_bar(len(expand(args.paths)), "读取已发布的报告") as advance:
            result = import_reports(config, args.paths, progress=advance)
    except ImportRefused as exc:
        raise UsageError(exc.message) from None
    for year, reports in sorted(result.imported.items()):
        errors = sum(1 for _, submission in reports for f in submission.findings if f.is_error)  # of the imported files only
        print(f"{year}年度：导入 {len(reports)} 个单位的报告（{'、'.join(u.name for u, _ in reports)}）；"
              f"报告中发现 {errors} 个错误，有错误的数值也已导入并在 data.csv 的 flags 列中标明。")
    if result.unmatched or result.duplicates:
        print("以下文件未导入：")
        for submission in result.unmatched + result.duplicates:
            reason = next((f.message for f in submission.findings if f.rule in ("unknown-unit", "duplicate")),
                          next((f.message for f in submission.findings if f.is_error), "无法确定年度或单位"))
            print(f"  {submission.file.name}：{reason}")
    for label, path in result.written.items():
        print(f"{label}：{path}")
    return EXIT_FAILED if result.unmatched or result.duplicates else EXIT_OK


def _bench_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--units", type=_positive_int, default=200, metavar="N", help="生成多少个单位的工作簿（默认 200）")
    _jobs_option(parser)
    parser.add_argument(
        "--office-files", type=int, default=None, metavar="K",
        help="其中几个文件经 LibreOffice 另存（带共享字符串和公式缓存值，如 Excel/WPS 保存的一样；默认 4，0 表示不用）",
    )
    parser.add_argument(
        "--repeats", type=_positive_int, default=None, metavar="R",
        help="首次运行、两种再次运行和读写下限各测几次、取中位数（默认 3；简单脚本只测一次）",
    )


@command("bench", "性能基准测试：生成一批工作簿，计时首次运行、再次运行、简单脚本和读写下限", _bench_options)
def bench_command(args: argparse.Namespace) -> int:
    import json

    from .bench import OFFICE_FILES, REPEATS, run_bench, table

    office = OFFICE_FILES if args.office_files is None else max(0, args.office_files)
    repeats = args.repeats or REPEATS
    result = run_bench(args.units, jobs=args.jobs, office_files=office, repeats=repeats)
    print(table(result, repeats))
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


# --- helpers ------------------------------------------------------------------------------------


def _form_for_year(year: int):
    from .config import year_problem
    from .forms import form_for_year

    problem = year_problem(year, "--year")
    if problem:
        raise UsageError(problem)
    return form_for_year(year)


def _template_next_step(config: CountyConfig | None) -> str:
    if config is None:
        return "这是不带单位信息的空白模板。要为名单上的每个单位各生成一份，请加上 --config county.toml。"
    return f"请把各单位的工作簿发给对应单位填写；收回的文件放进收件文件夹 {config.inbox}。"


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


def _os_error_message(exc: OSError) -> str:
    from .oserrors import os_error_message

    return os_error_message(exc)


# --- the parser, in Chinese ----------------------------------------------------------------------

DESCRIPTION = "县级政府信息公开工作年度报告工具：生成填报模板，收集、校验各乡镇和部门的年度报告。"
EPILOG = "一月份的完整工作流程见 README.md。查看某个子命令的用法：nianbao <子命令> --help"
SUBCOMMAND_METAVAR = "<子命令>"


class _ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


# argparse's own messages (Python 3.11) and their Chinese wording.
_ARGPARSE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), replacement)
    for pattern, replacement in (
        (r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)", r"参数 \1 的取值“\2”无效（可选：\3）"),
        (r"argument (\S+): invalid int value: '(.*)'", r"参数 \1 应为整数，实际为“\2”"),
        (r"argument (\S+): expected one argument", r"参数 \1 后面缺少取值"),
        (r"argument (\S+): (.*)", r"参数 \1：\2"),
        (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
        (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
        (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 不明确，可能是：\2"),
    )
)


_UNKNOWN_COMMAND = re.compile(rf"argument {SUBCOMMAND_METAVAR}: invalid choice: '(.*)' \(choose from .*\)", re.S)


def _chinese(message: str) -> str:
    unknown = _UNKNOWN_COMMAND.fullmatch(message)
    if unknown:
        return f"没有子命令“{unknown.group(1)}”（可用的子命令：{'、'.join(COMMANDS)}）"
    for pattern, replacement in _ARGPARSE_MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class _ChineseParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}：错误：{_chinese(message)}\n")


def _new_parser_kwargs() -> dict:
    return {"formatter_class": _ChineseHelpFormatter, "add_help": False}


def _add_help(parser: argparse.ArgumentParser) -> None:
    parser._positionals.title = "位置参数"
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")


def build_parser() -> argparse.ArgumentParser:
    parser = _ChineseParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG, **_new_parser_kwargs())
    _add_help(parser)
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}", help="显示版本号并退出")
    subparsers = parser.add_subparsers(
        dest="command", title="子命令", metavar=SUBCOMMAND_METAVAR, parser_class=_ChineseParser,
    )
    for cmd in COMMANDS.values():
        sub = subparsers.add_parser(cmd.name, help=cmd.help, description=cmd.help, **_new_parser_kwargs())
        _add_help(sub)
        cmd.add_options(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nianbao")
    except PackageNotFoundError:
        return "（未安装）"
