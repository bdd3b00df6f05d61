"""Scanning the inbox: every file a unit may have sent, and every entry that could not be looked into.

A folder the program may not open, a shortcut (symbolic link) to a file that is gone and links that
point in a circle hide files from the run; each becomes a finding so the clerk learns why a unit that
did send its report shows 未报送. Office lock files ("~$…", ".~lock.…") and hidden entries (".…") are
left out, as before.

A file name that occurs in two sub-folders (乡镇/青塘镇.xlsx and 部门/青塘镇.xlsx) is shown with its
folder wherever the file is named, so the clerk can tell the two apart (`InboxFiles.labels`).
"""

from __future__ import annotations

import errno
import os
from collections import Counter
from pathlib import Path
from typing import Iterable

from .findings import Finding
from .forms.spec import ERROR
from .names import shown_name
from .oserrors import os_reason

LOCK_PREFIXES = ("~$", ".~lock.", ".")

FOLDER_UNREADABLE = "inbox-folder-unreadable"
BROKEN_LINK = "inbox-broken-link"
LINK_LOOP = "inbox-link-loop"


class InboxFiles(list):
    """The files of the inbox (a list of Paths, sorted), with how to name them and what was not readable."""

    def __init__(self, paths: Iterable[Path] = (), labels: dict[Path, str] | None = None, findings: list[Finding] | None = None):
        super().__init__(paths)
        self.labels: dict[Path, str] = labels or {}  # path → its path within the inbox, for names found twice
        self.findings: list[Finding] = findings or []  # folders and links that could not be looked into

    def label(self, path: Path) -> str:
        return self.labels.get(Path(path), "")


def scan_inbox(inbox: Path) -> InboxFiles:
    """Every file under `inbox` (following links to files and folders), and a finding for each entry that
    could not be followed. An inbox that is missing or not a folder gives no files (the CLI says why)."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return InboxFiles()
    found: list[Path] = []
    findings: list[Finding] = []
    _visit(inbox, inbox, {_identity(inbox)}, found, findings)
    found.sort()
    return InboxFiles(found, labels_of(found, inbox), findings)


def inbox_files(paths: Iterable[Path], inbox: Path) -> InboxFiles:
    """`paths` as InboxFiles (as given by `scan_inbox`, or a plain list of paths in `inbox`)."""
    if isinstance(paths, InboxFiles):
        return paths
    paths = [Path(p) for p in paths]
    return InboxFiles(paths, labels_of(paths, inbox))


def labels_of(paths: list[Path], inbox: Path) -> dict[Path, str]:
    """For each file whose name occurs more than once: its path within the inbox ("乡镇/青塘镇.xlsx")."""
    names = Counter(p.name for p in paths)
    return {p: _relative(p, inbox) for p in paths if names[p.name] > 1}


def _visit(folder: Path, inbox: Path, ancestors: set, found: list[Path], findings: list[Finding]) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        findings.append(_folder_unreadable(folder, inbox, exc))
        return
    for entry in entries:
        if entry.name.startswith(LOCK_PREFIXES):
            continue
        path = Path(entry.path)
        try:
            target = os.stat(path)  # follows links: a broken link or a loop raises here
        except OSError as exc:
            if entry.is_symlink() and exc.errno == errno.ELOOP:
                findings.append(_link_loop(path, inbox))
            elif entry.is_symlink():
                findings.append(_broken_link(path, inbox))
            else:
                findings.append(_folder_unreadable(path, inbox, exc))
            continue
        if os.path.isdir(path):
            identity = (target.st_dev, target.st_ino)
            if identity in ancestors:  # a link to this folder or one above it
                findings.append(_link_loop(path, inbox))
                continue
            _visit(path, inbox, ancestors | {identity}, found, findings)
        elif os.path.isfile(path):
            found.append(path)


def _identity(folder: Path) -> tuple[int, int]:
    stat = os.stat(folder)
    return stat.st_dev, stat.st_ino


def _relative(path: Path, inbox: Path) -> str:
    try:
        return Path(path).relative_to(inbox).as_posix()
    except ValueError:
        return str(path)


def _finding(path: Path, inbox: Path, rule: str, message: str) -> Finding:
    return Finding(
        unit_code="", unit="", file=shown_name(_relative(path, inbox)), sheet="", cell="", row="", column="",
        rule=rule, severity=ERROR, message=message,
    )


def _folder_unreadable(path: Path, inbox: Path, exc: OSError) -> Finding:
    where = shown_name(_relative(path, inbox))
    if isinstance(exc, PermissionError):
        reason = "没有读取权限"
        remedy = "请给当前用户读取该文件夹的权限（文件夹“属性”→“安全”），或把其中的文件复制到收件箱中"
    else:
        reason, remedy = os_reason(exc), "请检查该文件夹"
    return _finding(
        path, inbox, FOLDER_UNREADABLE,
        f"收件箱中的文件夹“{where}”无法打开（{reason}），其中的文件都没有读取，相应单位会显示为未报送。{remedy}，然后重新运行。",
    )


def _broken_link(path: Path, inbox: Path) -> Finding:
    where = shown_name(_relative(path, inbox))
    try:
        target = f"“{shown_name(os.readlink(path))}”"
    except OSError:
        target = ""
    return _finding(
        path, inbox, BROKEN_LINK,
        f"收件箱中的“{where}”是一个快捷方式（符号链接），它指向的文件{target}不存在，没有读取。"
        "如果这是某单位报送的文件，请把原文件复制到收件箱中；否则请删除该链接。然后重新运行。",
    )


def _link_loop(path: Path, inbox: Path) -> Finding:
    where = shown_name(_relative(path, inbox))
    return _finding(
        path, inbox, LINK_LOOP,
        f"收件箱中的“{where}”是一个快捷方式（符号链接），它指向自己或上级文件夹，形成了循环，没有读取。"
        "请删除该链接，把要报送的文件直接放进收件箱，然后重新运行。",
    )
