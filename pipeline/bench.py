"""`nianbao bench`: how fast a county's run is, against a naive script and against the I/O floor.

It generates N filled workbooks (half in each format, from the demo's data and fill code, ~10 % with
the mistakes the demo plants; a few re-saved through LibreOffice so that they carry shared strings and
cached formula values as Excel/WPS save them) into a temporary folder, then times, each phase in its
own process (so that memory and CPU are its own): the first run, a re-run with nothing changed, a
re-run after one file changed, the naive script (per file: openpyxl.load_workbook(data_only=True),
a new DocxTemplate, render, save) and the I/O floor (inflate every input, write every output's bytes).
It prints a Chinese table and, as its last line, one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_YEARS = (2025, 2019)  # one county per format
MISTAKE_EVERY = 10  # one unit in ten returns a file with mistakes
OFFICE_FILES = 4  # files re-saved through LibreOffice (cached between benchmarks)
CACHE = Path(tempfile.gettempdir()) / "nianbao-bench-office"
REPEATS = 3  # runs of each short phase (see run_bench)
SCALE = 10  # memory: the first run is also measured on a tenth as many units, in the same benchmark


# --- generating the inboxes -------------------------------------------------------------------


def generate(root: Path, units: int, *, office_files: int = OFFICE_FILES, jobs: int | None = None) -> list[Path]:
    """Write root/<year>/county.toml and root/<year>/收件箱/*.xlsx for both formats; the county
    configs' paths are returned."""
    from .pool import run_tasks

    tasks, configs = [], []
    for index, year in enumerate(BENCH_YEARS):
        count = (units + 1 - index) // 2  # 2025 gets the odd one
        if count == 0:
            continue
        folder = root / str(year)
        (folder / "收件箱").mkdir(parents=True, exist_ok=True)
        roster = [_unit(year, i) for i in range(count)]
        configs.append(_write_config(folder, year, roster))
        for i, unit in enumerate(roster):
            tasks.append((folder / "收件箱" / f"{unit.code}-{unit.name}.xlsx", year, unit, i, 0))
    run_tasks(write_unit_file, tasks, jobs=jobs)
    if office_files:
        _resave_some(root, office_files)
    return configs


def _unit(year: int, i: int):
    from .config import Unit

    town = i % 3 != 2
    name = f"第{i + 1}{'镇' if town else '局'}"
    return Unit(code=f"{'A' if year >= 2021 else 'B'}{i + 1:04d}", name=name,
                full_name=f"{name}{'人民政府' if town else ''}", kind="乡镇" if town else "部门")


def _write_config(folder: Path, year: int, roster) -> Path:
    lines = [f'county = "基准县{year}"', f"year = {year}", 'inbox = "收件箱"', 'output = "输出"', ""]
    for unit in roster:
        lines += ["[[units]]", f'code = "{unit.code}"', f'name = "{unit.name}"',
                  f'full_name = "{unit.full_name}"', f'kind = "{unit.kind}"', ""]
    path = folder / "county.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_unit_file(path: Path, year: int, unit, i: int, variant: int) -> Path:
    """One unit's returned workbook: demo data cycled over the demo's units, a tenth with mistakes;
    `variant` > 0 changes the contact's name (a file that changed)."""
    from .demo import CELL_MISTAKES, DEMO_COUNTY, SEED_EXAMPLE, save_deterministic
    from .files import fixed_timestamp
    from .workbook.fill import fill_workbook
    from .workbook.template import build_workbook

    data = _year_data(SEED_EXAMPLE if year < 2021 else DEMO_COUNTY, 2019 if year < 2021 else 2025)
    reports = sorted(data.units.values(), key=lambda r: r.code)
    clean = [r for r in reports if not r.mistakes]
    with_mistakes = [r for r in reports if any(m.type in CELL_MISTAKES for m in r.mistakes)]
    if i % MISTAKE_EVERY == MISTAKE_EVERY - 1 and with_mistakes:
        report = with_mistakes[(i // MISTAKE_EVERY) % len(with_mistakes)]
        values = report.returned_values
    elif i % MISTAKE_EVERY == MISTAKE_EVERY - 1:
        report = clean[i % len(clean)]
        key = next(c.key for c in data.form.input_cells if c.key.startswith("t3."))
        values = {**report.values, key: "6件"}  # a number with its unit typed in
    else:
        report = clean[i % len(clean)]
        values = dict(report.values)
    if year < 2021 and not (i % MISTAKE_EVERY == MISTAKE_EVERY - 1):
        values = {k: 0 if v is None else v for k, v in values.items()}  # the seed's blank row, typed as 0
        if "t3.received.other_org" in values:
            values["t3.received.other_org"] = 6  # the seed's 6 其他处理 received this year: it balances
    texts = {k: v.replace(report.name, unit.name) if report.name else v for k, v in report.texts.items()}
    info = {"info.contact": "王明", "info.phone": "0797-7654321", **report.info}
    if variant:
        info["info.contact"] = f"{info.get('info.contact', '')}{variant}"
    wb = build_workbook(data.form, year, unit, county=f"基准县{year}")
    fill_workbook(wb, data.form, values, texts, info)
    save_deterministic(wb, path, fixed_timestamp(year))
    return path


_YEARS: dict = {}


def _year_data(example: Path, year: int):
    from .demo import load_year

    key = (str(example), year)
    if key not in _YEARS:
        _YEARS[key] = load_year(example, year)
    return _YEARS[key]


def _resave_some(root: Path, count: int) -> None:
    """Replace `count` generated files (spread over both formats) by their LibreOffice re-save, as
    an office suite writes them (cached by the content of the generated file)."""
    from .office import convert, find_soffice

    if find_soffice() is None:
        return
    inboxes = [root / str(y) / "收件箱" for y in BENCH_YEARS if (root / str(y) / "收件箱").is_dir()]
    chosen = []
    for k in range(count):
        files = sorted(inboxes[k % len(inboxes)].glob("*.xlsx"))
        if k // len(inboxes) < len(files):
            chosen.append(files[k // len(inboxes)])
    CACHE.mkdir(parents=True, exist_ok=True)
    for path in chosen:
        cached = CACHE / f"{hashlib.sha256(path.read_bytes()).hexdigest()}.xlsx"
        if not cached.exists():
            with tempfile.TemporaryDirectory() as out:
                converted = convert(path, Path(out), "xlsx")
                shutil.copyfile(converted, cached)
        shutil.copyfile(cached, path)


# --- the phases, each in its own process ------------------------------------------------------


def phase(name: str, configs: list[Path], jobs: int | None) -> dict[str, Any]:
    """Run one phase here and measure it: wall seconds, CPU seconds (this process and its workers),
    peak RSS of this process and of its largest worker."""
    from .config import load_config

    loaded = [load_config(path) for path in configs]
    prepared = _prepare(name, loaded)
    start_cpu = _cpu()
    start = time.perf_counter()
    _PHASES[name](loaded, jobs, prepared)
    wall = time.perf_counter() - start
    cpu = _cpu() - start_cpu
    return {"phase": name, "wall": wall, "cpu": cpu, **_peak_rss()}


def _run(configs, jobs, _):
    from .run import RunOptions, run_county

    for config in configs:
        run_county(config, RunOptions(jobs=jobs))


def _prepare(name: str, configs) -> Any:
    if name == "naive":
        return _naive_contexts(configs)
    if name == "floor":
        return _floor_inputs(configs)
    return None


def _naive_contexts(configs) -> list[tuple[Path, Path, dict, Path]]:
    """(file, template, context, output) of every file, made before the clock starts."""
    from .batch import identify, Roster
    from .forms import form_for_year
    from .reading import read_path
    from .word import report_context, template_path

    work = []
    for config in configs:
        form = form_for_year(config.year)
        roster = Roster.of(config)
        out = config.output / "naive"
        out.mkdir(parents=True, exist_ok=True)
        for path in sorted(config.inbox.glob("*.xlsx")):
            submission = read_path(path)
            unit = identify(submission, roster)
            if unit is None or submission.form is not form:
                continue
            context = report_context(form, config.year, unit, submission, draft=True)
            work.append((path, template_path(form), context, out / f"{unit.code}.docx"))
    return work


def _naive(configs, jobs, work):
    """What a first script would do, one file after the other."""
    import warnings

    import openpyxl
    from docxtpl import DocxTemplate
    from jinja2 import Environment, StrictUndefined

    from .word.render import _protect

    for path, template, context, out in work:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
        document = DocxTemplate(template)
        document.render(_protect(context), Environment(autoescape=True, undefined=StrictUndefined))
        document.save(out)


def _floor_inputs(configs):
    inputs = [p for c in configs for p in sorted(c.inbox.glob("*.xlsx"))]
    outputs = []
    for config in configs:
        folder = config.output / str(config.year)
        outputs += [(p.relative_to(config.output), p.read_bytes()) for p in sorted(folder.rglob("*"))
                    if p.is_file() and ".cache" not in p.parts]
    return inputs, outputs, configs[0].output.parent / "floor"


def _floor(configs, jobs, prepared):
    """The least any run must do: inflate every member of every input, write every output's bytes."""
    import zipfile

    inputs, outputs, target = prepared
    for path in inputs:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                archive.read(name)
    for relative, data in outputs:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


_PHASES = {"run": _run, "naive": _naive, "floor": _floor}


def _cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return time.process_time()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss() -> dict[str, float]:
    """Peak RSS in MiB of this process and of its largest child (the pool's workers).

    This process's own peak is read from /proc where there is one: getrusage's figure is wrong
    for a process started by subprocess, which on Linux is vforked, so the kernel hands the
    launching process's peak (the whole benchmark's) over to it at exec."""
    try:
        import resource
    except ImportError:
        return {"rss_mib": 0.0, "rss_children_mib": 0.0}
    scale = 1024 if sys.platform != "darwin" else 1  # KiB on Linux, bytes on macOS
    own = _vm_hwm_kib()
    own = own * 1024 / 2**20 if own is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 2**20
    return {"rss_mib": own, "rss_children_mib": children}


def _vm_hwm_kib() -> int | None:
    """This process's peak resident set in KiB since it was exec'd (Linux), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _in_process(name: str, configs: list[Path], jobs: int | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "pipeline.bench", name, *map(str, configs)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise RuntimeError(f"基准测试的“{name}”阶段失败：\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the whole benchmark ----------------------------------------------------------------------


def run_bench(units: int = 200, *, jobs: int | None = None, office_files: int = OFFICE_FILES,
              keep: Path | None = None, repeats: int = REPEATS) -> dict[str, Any]:
    """Generate, measure every phase, and return the figures (the JSON object printed last).

    The short phases (first run, both re-runs, the floor) run `repeats` times and count by their
    median: one of them a second slower because the machine was busy would move a ratio by a
    third. The first run and the floor take turns, so that the ratio between them is of times
    taken under the same load (minutes apart, this machine's speed was seen to differ by half).
    The naive script, the longest by far, runs once. The peak memory is the largest seen. The first
    run is also measured on a tenth as many units (`memory_growth`), in turn with the others."""
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        root = Path(keep) if keep is not None else Path(tmp)
        configs = generate(root, units, office_files=office_files, jobs=jobs)
        fewer = small_units(units)
        smaller = generate(root / "fewer", fewer, office_files=office_files, jobs=jobs)
        firsts, floors, smalls = [], [], []
        for _ in range(repeats):
            _remove_outputs(configs)
            firsts.append(_in_process("run", configs, jobs))
            floors.append(_in_process("floor", configs, 1))  # the outputs just written, written again
            _remove_outputs(smaller)
            smalls.append(_in_process("run", smaller, jobs))
        nothing = [_in_process("run", configs, jobs) for _ in range(repeats)]
        ones = []
        for variant in range(1, repeats + 1):
            _change_one(configs[0], variant)
            ones.append(_in_process("run", configs, jobs))
        naive = _in_process("naive", configs, 1)
        second = next_year_county(configs[0])  # every county's case from its second year on
        seconds = []
        for _ in range(repeats):
            _remove_outputs([second])
            seconds.append(_in_process("run", [second], jobs))
        second_units = len(_load(second).units)
    first = {**median_phase(firsts), **_peaks(firsts)}
    result = figures(units, first, median_phase(nothing), median_phase(ones), naive, median_phase(floors))
    with_history = {**median_phase(seconds), **_peaks(seconds)}
    result.update(
        history_units=second_units,
        history_ms_per_unit=round(with_history["wall"] * 1000 / second_units, 2),
        history_peak_rss_mib=round(max(with_history["rss_mib"], with_history["rss_children_mib"]), 1),
    )
    result.update(memory_growth(units, result["peak_rss_mib"], fewer, _peaks(smalls)))
    return result


def small_units(units: int) -> int:
    """How many units the memory comparison's smaller run has: a tenth (two at least, one county
    of each format)."""
    return max(2, units // SCALE)


def memory_growth(units: int, peak_mib: float, fewer: int, fewer_peaks: dict[str, float]) -> dict[str, Any]:
    """The peak memory of the first run on `fewer` units, measured in the same benchmark as that of
    `units` (each the largest of its repeats), and how much more each unit beyond them took: runs
    minutes apart differ by a few MiB by themselves, so only these two are compared."""
    fewer_peak = round(max(fewer_peaks["rss_mib"], fewer_peaks["rss_children_mib"]), 1)
    per_unit = (peak_mib - fewer_peak) * 1024 / (units - fewer) if units > fewer else 0.0
    return {"fewer_units": fewer, "fewer_peak_rss_mib": fewer_peak, "peak_rss_kib_per_unit": round(per_unit, 2)}


def _peaks(phases: list[dict[str, Any]]) -> dict[str, float]:
    return {k: max(p[k] for p in phases) for k in ("rss_mib", "rss_children_mib")}


def _load(config_path: Path):
    from .config import load_config

    return load_config(config_path)


NEXT_YEAR = "有上年数据"  # the folder of the county in its second year, beside the county's own


def next_year_county(config_path: Path) -> Path:
    """The county of `config_path` (whose outputs were written) as the same county a year on, with
    last year's dataset: a config beside it whose `history` holds data.csv and texts.csv made from
    its outputs, relabelled as last year's. Its units read the same inbox (the year is kept).

    Last year's 结转下年度 is this year's 上年结转 (as it is in most real returns, so X1 holds), and
    the narrative of one unit in ten is last year's word for word (年年雷同, X5), the others' not."""
    import csv

    from .paths import DATASET, TEXTS, year_folder
    from .store import ENCODING

    config = _load(config_path)
    last = config.year - 1
    folder = config_path.parent.parent / f"{config_path.parent.name}{NEXT_YEAR}"
    history = folder / "上年数据" / str(last)
    history.mkdir(parents=True, exist_ok=True)
    written = year_folder(config)

    def rows(name: str):
        with open(written / name, encoding=ENCODING, newline="") as stream:
            yield from csv.reader(stream)

    def write(name: str, rows) -> None:
        with open(history / name, "w", encoding=ENCODING, newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerows(rows)

    data = list(rows(DATASET))
    at = {name: data[0].index(name) for name in ("unit_code", "year", "key", "value")}
    carried_in = {(row[at["unit_code"]], row[at["key"]]): row[at["value"]] for row in data[1:]}
    for row in data[1:]:
        row[at["year"]] = str(last)
        key = row[at["key"]]
        if key.startswith("t3.carried_over."):
            row[at["value"]] = carried_in.get((row[at["unit_code"]], key.replace("carried_over", "carried_in")), row[at["value"]])
    write(DATASET, data)
    texts = list(rows(TEXTS))
    at = {name: texts[0].index(name) for name in ("unit_code", "year", "text")}
    codes = sorted({row[at["unit_code"]] for row in texts[1:]})
    copied = set(codes[::10])
    for row in texts[1:]:
        row[at["year"]] = str(last)
        if row[at["unit_code"]] not in copied:
            row[at["text"]] = row[at["text"]][::-1]  # last year's words were others
    write(TEXTS, texts)
    toml = config_path.read_text(encoding="utf-8").replace(
        'inbox = "收件箱"', f'inbox = "../{config_path.parent.name}/收件箱"\nhistory = "上年数据"', 1)
    target = folder / "county.toml"
    target.write_text(toml, encoding="utf-8")
    return target


def median_phase(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """The phase of median wall time (the lower middle one of an even number)."""
    ordered = sorted(phases, key=lambda phase: phase["wall"])
    return ordered[(len(ordered) - 1) // 2]


def _remove_outputs(configs: list[Path]) -> None:
    from .config import load_config

    for path in configs:
        shutil.rmtree(load_config(path).output, ignore_errors=True)


def _change_one(config_path: Path, variant: int = 1) -> None:
    from .config import load_config

    config = load_config(config_path)
    unit = config.units[0]
    path = config.inbox / f"{unit.code}-{unit.name}.xlsx"
    write_unit_file(path, config.year, unit, 0, variant)


def figures(units: int, first, nothing, one, naive, floor) -> dict[str, Any]:
    ms = first["wall"] * 1000 / units
    naive_ms = naive["wall"] * 1000 / units
    floor_ms = floor["wall"] * 1000 / units
    return {
        "units": units,
        "ms_per_unit": round(ms, 2),
        "naive_ms_per_unit": round(naive_ms, 2),
        "floor_ms_per_unit": round(floor_ms, 2),
        "vs_naive": round(naive_ms / ms, 2) if ms else None,
        "vs_floor": round(ms / floor_ms, 2) if floor_ms else None,
        "cpu_per_wall": round(first["cpu"] / first["wall"], 2) if first["wall"] else None,
        "peak_rss_mib": round(max(first["rss_mib"], first["rss_children_mib"]), 1),
        "rerun_nothing_s": round(nothing["wall"], 3),
        "rerun_one_changed_s": round(one["wall"], 3),
    }


def naive_comparison(vs_naive: float) -> str:
    """vs_naive is naive time ÷ our time: 12 → "速度是简单脚本的 12 倍"; 0.8 → "比简单脚本慢"."""
    if vs_naive >= 1:
        return f"速度是简单脚本的 {vs_naive} 倍"
    return f"比简单脚本慢（用时是简单脚本的 {round(1 / vs_naive, 2)} 倍）" if vs_naive > 0 else ""


PROJECTED_UNITS = 40_000  # every township in China


def table(result: dict[str, Any], repeats: int = REPEATS) -> str:
    """The figures as a Chinese table."""
    projected = result["ms_per_unit"] * PROJECTED_UNITS / 60_000
    rows = [
        ("首次运行", f"{result['ms_per_unit']:.1f} 毫秒/单位",
         f"是下限的 {result['vs_floor']} 倍", naive_comparison(result['vs_naive'])),
        (f"按此推算 {PROJECTED_UNITS} 个单位", f"{projected:.1f} 分钟", "", ""),
        ("简单脚本（openpyxl + 每份新建 DocxTemplate）", f"{result['naive_ms_per_unit']:.1f} 毫秒/单位", "", ""),
        ("读写下限（解压全部输入 + 写出全部输出）", f"{result['floor_ms_per_unit']:.1f} 毫秒/单位", "", ""),
        ("再次运行（无任何改动）", f"{result['rerun_nothing_s']:.2f} 秒", "", ""),
        ("再次运行（改动一个文件）", f"{result['rerun_one_changed_s']:.2f} 秒", "", ""),
        ("首次运行 CPU 时间/实际时间", f"{result['cpu_per_wall']}", "", ""),
        ("峰值内存（单个进程，含子进程）", f"{result['peak_rss_mib']} MiB", "", ""),
    ]
    if "fewer_units" in result:
        growth = result["peak_rss_kib_per_unit"]
        rows.append((f"  同一次测试中 {result['fewer_units']} 个单位的峰值内存", f"{result['fewer_peak_rss_mib']} MiB",
                     f"多出的单位每个约多用 {growth} KiB" if growth > 0 else "单位多了，峰值没有增加", ""))
    if "history_units" in result:
        rows += [
            (f"首次运行（第二年：有上年数据，{result['history_units']} 个单位）", f"{result['history_ms_per_unit']:.1f} 毫秒/单位", "", ""),
            ("  其峰值内存", f"{result['history_peak_rss_mib']} MiB", "", ""),
        ]
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"基准测试：{result['units']} 个单位（两种格式各半，约 1/{MISTAKE_EVERY} 有错误；"
             f"简单脚本测 1 次，其余各测 {repeats} 次取中位数）"]
    for label, figure, *notes in rows:
        lines.append(f"  {label:<{width}}{figure:>16}  {'  '.join(n for n in notes if n)}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.bench <phase> county.toml … [--jobs N]`: one measured phase (internal)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline.bench")
    parser.add_argument("phase", choices=sorted(_PHASES))
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(phase(args.phase, args.configs, args.jobs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
