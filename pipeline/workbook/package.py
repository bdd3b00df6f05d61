"""An .xlsx package opened within limits, and its XML parts parsed safely.

A returned workbook comes from outside and is opened before anyone has looked at it, so the package is
measured before anything is inflated (member count, each part's and the total uncompressed size, the
compression ratio), and every XML part is parsed with lxml without DTDs, entities or network access;
a part that declares a DOCTYPE is refused (what defusedxml guaranteed for openpyxl). Anything outside
the limits or not well-formed raises `PackageError`, which the reader turns into a finding.
"""

from __future__ import annotations

import io
import posixpath
import threading
import zipfile

from lxml import etree

# Generous for real reports (a filled template is about 30 KB zipped, 200 KB inflated).
MAX_MEMBERS = 1_000
MAX_PART_BYTES = 20 * 1024 * 1024  # one part inflated
MAX_TOTAL_BYTES = 50 * 1024 * 1024  # all parts inflated
MAX_RATIO = 100  # inflated / compressed, for the package as a whole and for any part over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024

REL_OFFICE_DOCUMENT = "/officeDocument"


class PackageError(Exception):
    """Why a package cannot be read. `kind`: damaged | other | limit | unsafe."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail  # Chinese, for the finding


def open_package(data: bytes) -> tuple[zipfile.ZipFile, str]:
    """The zip of an .xlsx file, checked against the limits, and the name of its workbook part.
    Raises PackageError: damaged (not a readable zip), other (a zip without a workbook), limit."""
    archive = _open_zip(data)
    try:
        _check_limits(archive, len(data))
        workbook_part = _workbook_part(archive)
    except BaseException:
        archive.close()
        raise
    if workbook_part is None:
        archive.close()
        raise PackageError("other")
    return archive, workbook_part


def parse_part(archive: zipfile.ZipFile, name: str):
    """The root element of a part (None when the package has no such part)."""
    return parse_xml(read_part(archive, name), name)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise PackageError("damaged") from exc


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _check_limits(archive: zipfile.ZipFile, size: int) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise PackageError("limit", f"文件内部含有 {len(members)} 个部件，超过读取上限 {MAX_MEMBERS} 个")
    total = 0
    for member in members:
        if member.file_size > MAX_PART_BYTES:
            raise PackageError("limit", f"文件内部部件 {member.filename} 解压后为 {_mib(member.file_size)}，超过单个部件的读取上限 {_mib(MAX_PART_BYTES)}")
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise PackageError("limit", f"文件内部部件 {member.filename} 的压缩比为 {ratio} 倍，超过读取上限 {MAX_RATIO} 倍（疑似“压缩炸弹”）")
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        raise PackageError("limit", f"文件解压后共 {_mib(total)}，超过读取上限 {_mib(MAX_TOTAL_BYTES)}")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(size, 1):
        raise PackageError("limit", f"文件的压缩比为 {total // max(size, 1)} 倍，超过读取上限 {MAX_RATIO} 倍（疑似“压缩炸弹”）")


def read_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_PART_BYTES + 1)  # zipfile also stops at the declared size
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError, RuntimeError) as exc:
        raise PackageError("damaged") from exc
    except Exception as exc:  # zlib.error and the like: a broken stream
        raise PackageError("damaged") from exc
    if len(data) > MAX_PART_BYTES:
        raise PackageError("limit", f"文件内部部件 {name} 解压后超过单个部件的读取上限 {_mib(MAX_PART_BYTES)}")
    return data


def _workbook_part(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    rels = parse_xml(read_part(archive, "_rels/.rels"), "_rels/.rels") if "_rels/.rels" in names else None
    if rels is not None:
        for rel in rels:
            if str(rel.get("Type", "")).endswith(REL_OFFICE_DOCUMENT):
                target = resolve("", rel.get("Target", ""))
                if target in names and target.endswith(".xml") and "workbook" in posixpath.basename(target):
                    return target
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None


def resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


# --- XML -------------------------------------------------------------------------------------------


_UNSAFE_MARKERS = tuple(
    word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


def parse_xml(data: bytes | None, part: str):
    """A part's root element, parsed without DTD, entities or network. A DOCTYPE is refused."""
    if data is None:
        return None
    if any(marker in data for marker in _UNSAFE_MARKERS):
        raise PackageError("unsafe", part)
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise PackageError("damaged", part) from exc
    if root.getroottree().docinfo.doctype:  # e.g. a UTF-16 part the byte test did not see
        raise PackageError("unsafe", part)
    return root


def _parser() -> etree.XMLParser:
    """This thread's parser, reused for every part (a parser serves one thread; with a fresh parser
    per part, parsing took longer)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        # huge_tree lifts libxml2's 10 MB limit on one text node: the part's size is bounded above and,
        # with no DTD, nothing can expand, so a very long text is read whole and judged by the reader
        parser = _PARSERS.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                   dtd_validation=False, huge_tree=True, remove_pis=True)
    return parser


_PARSERS = threading.local()


def local_name(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""



__all__ = ["PackageError", "open_package", "parse_part", "parse_xml", "read_part", "resolve", "local_name",
           "MAX_MEMBERS", "MAX_PART_BYTES", "MAX_TOTAL_BYTES", "MAX_RATIO", "RATIO_FLOOR"]
