"""Operating-system errors in Chinese: which file, what happened and what to do.

The operating system's own text (strerror) is English on most machines and names no remedy, so it is
never shown to a clerk; the error number decides the sentence.
"""

from __future__ import annotations

import errno

from .names import shown_name

# Windows error numbers (OSError.winerror) of a file another program holds open.
_WINDOWS_SHARING = (32, 33)

_BY_ERRNO = {
    errno.ENOSPC: "磁盘空间已满。请清理磁盘空间，或在 county.toml 中把 output 改到空间充足的磁盘，然后重新运行",
    errno.ENAMETOOLONG: "文件名或路径太长。请把文件夹移到较短的路径下（如 D:\\年报），或缩短 county.toml 中的单位简称",
    errno.EROFS: "所在的磁盘是只读的（如光盘或打开了写保护的 U 盘）。请把文件夹改到可以写入的磁盘",
    errno.EBUSY: "文件正被其他程序使用。请在 Excel、WPS 等程序中关闭该文件后重新运行",
    errno.ETXTBSY: "文件正被其他程序使用。请在 Excel、WPS 等程序中关闭该文件后重新运行",
    errno.ELOOP: "路径中的快捷方式（符号链接）互相指向，形成了循环。请删除或修正该链接",
    errno.EIO: "读写磁盘时出错，磁盘可能已损坏或已被拔出。请检查磁盘后重新运行",
    errno.EACCES: "没有权限，或该文件正在 Excel、WPS 中打开。请关闭该文件、确认有权限读写该文件夹后重新运行",
    errno.EPERM: "没有权限，或该文件正在 Excel、WPS 中打开。请关闭该文件、确认有权限读写该文件夹后重新运行",
    errno.ENOENT: "找不到该文件或文件夹",
    errno.EEXIST: "已有同名的文件，不能当作文件夹使用",
    errno.ENOTDIR: "已有同名的文件，不能当作文件夹使用",
    errno.EISDIR: "这是一个文件夹，不是文件",
}
if hasattr(errno, "EDQUOT"):
    _BY_ERRNO[errno.EDQUOT] = _BY_ERRNO[errno.ENOSPC]

_BY_CLASS = (
    (PermissionError, _BY_ERRNO[errno.EACCES]),
    (FileNotFoundError, _BY_ERRNO[errno.ENOENT]),
    ((FileExistsError, NotADirectoryError), _BY_ERRNO[errno.EEXIST]),
    (IsADirectoryError, _BY_ERRNO[errno.EISDIR]),
)


def os_reason(exc: OSError) -> str:
    """What happened, in Chinese, with what to do (no final full stop)."""
    if getattr(exc, "winerror", None) in _WINDOWS_SHARING:
        return _BY_ERRNO[errno.EBUSY]
    if exc.errno in _BY_ERRNO:
        return _BY_ERRNO[exc.errno]
    for kind, text in _BY_CLASS:
        if isinstance(exc, kind):
            return text
    number = f"（错误号 {exc.errno}）" if exc.errno is not None else ""
    return f"操作系统报告了错误{number}。请确认文件所在的磁盘和文件夹可以正常使用后重新运行"


def os_error_message(exc: OSError) -> str:
    """One sentence for the clerk, e.g. 无法读写“D:\\年报\\输出\\2024\\汇总表.xlsx”：磁盘空间已满。…;
    a line for each file of `OSErrors`."""
    if isinstance(exc, OSErrors):
        return f"{len(exc.errors)} 个文件无法读写：\n" + "\n".join(os_error_message(e) for e in exc.errors)
    where = f"“{shown_name(str(exc.filename))}”" if exc.filename else "文件"
    return f"无法读写{where}：{os_reason(exc)}。"


class OSErrors(OSError):
    """Several files that could not be written or removed (e.g. a report and a copy both open in
    Office): all named at once, so that the clerk closes them all before running again."""

    def __init__(self, errors: list[OSError]):
        super().__init__(f"{len(errors)} files")
        self.errors = errors


def raise_first_or_together(errors) -> None:
    """Raise the errors that are not None: several operating-system errors as one `OSErrors`
    (those of an `OSErrors` among them flattened), else the first."""
    found = [e for e in errors if e is not None]
    if not found:
        return
    if len(found) > 1 and all(isinstance(e, OSError) for e in found):
        flat = [inner for e in found for inner in (e.errors if isinstance(e, OSErrors) else [e])]
        raise OSErrors(flat)
    raise found[0]
