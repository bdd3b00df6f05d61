"""LibreOffice, when installed: recalculating and converting documents headlessly."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("soffice", "libreoffice")


class OfficeUnavailable(RuntimeError):
    pass


def find_soffice() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def convert(source: Path, out_dir: Path, target: str = "xlsx", timeout: int = 180) -> Path:
    """Convert `source` with LibreOffice into `out_dir` (e.g. target "xlsx", "pdf", "docx").

    Formulas are recalculated on the way, so a converted workbook carries cached values as one saved
    by an office suite does. Each call uses its own throw-away profile, so calls never wait on each
    other's lock.
    """
    soffice = find_soffice()
    if soffice is None:
        raise OfficeUnavailable("未找到 LibreOffice（soffice），无法转换文件；请安装 LibreOffice 后重试。")
    source, out_dir = Path(source), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile:
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    produced = out_dir / f"{source.stem}.{target.split(':')[0]}"
    if result.returncode != 0 or not produced.exists():
        raise RuntimeError(f"LibreOffice 转换失败：{source.name}\n{result.stdout}\n{result.stderr}")
    return produced
