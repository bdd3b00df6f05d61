"""Writing a .docx package quickly and deterministically: members that did not change are copied as
the deflated bytes prepared once, only the changed parts are deflated; every entry carries the same
fixed timestamp, so the same content always gives the same bytes."""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..files import FIXED_ZIP_TIME

_DOS_DATE = ((FIXED_ZIP_TIME[0] - 1980) << 9) | (FIXED_ZIP_TIME[1] << 5) | FIXED_ZIP_TIME[2]
_DOS_TIME = (FIXED_ZIP_TIME[3] << 11) | (FIXED_ZIP_TIME[4] << 5) | (FIXED_ZIP_TIME[5] // 2)
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION  # Unix, as zipfile writes it
_UTF8_FLAG = 0x800


@dataclass(frozen=True)
class Member:
    name: str
    crc: int
    size: int
    deflated: bytes
    external_attr: int


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def member(name: str, data: bytes, external_attr: int = 0o600 << 16) -> Member:
    return Member(name, zlib.crc32(data), len(data), deflate(data), external_attr)


def members_of(package: bytes) -> list[Member]:
    """Every member of a zip archive, deflated once, in the archive's order."""
    import io

    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return [member(info.filename, archive.read(info), info.external_attr) for info in archive.infolist()]


def write_package(members: Sequence[Member], changed: Mapping[str, bytes | Member]) -> bytes:
    """The archive of `members` in order, with the members named in `changed` replaced by new content
    (or by a member made before from it, with the same external attributes)."""
    out = bytearray()
    central = bytearray()
    for item in members:
        if item.name in changed:
            new = changed[item.name]
            item = new if isinstance(new, Member) else member(item.name, new, item.external_attr)
        name = item.name.encode("utf-8")
        flags = 0 if name.isascii() else _UTF8_FLAG
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, _VERSION, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
            item.crc, len(item.deflated), item.size, len(name), 0,
        )
        out += name
        out += item.deflated
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, _VERSION, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
            item.crc, len(item.deflated), item.size, len(name), 0, 0, 0, 0, item.external_attr, offset,
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    return bytes(out)
