"""Cell styles registered once per workbook and then assigned cheaply.

openpyxl stores a cell's style as a `StyleArray`: indices into the workbook's tables of fonts,
fills, borders, alignments, number formats and protections. Every `cell.font = …` looks the font up
in its table (`IndexedList.add`), which hashes the whole Font, its Color and so on, recursively,
each time. A summary of a few hundred units assigns a few hundred thousand styles that way, and
that hashing was most of the time spent writing it.

`style_cell(cell, font=…, border=…, …)` gives the same result: the first time a workbook sees a
combination (the cell's style so far, and the objects given), it assigns them the ordinary way and
remembers the resulting StyleArray; every later cell with that combination gets a copy of it.

The key holds the `id()` of each style object, and the registry keeps a reference to each of them,
so an id cannot be reused by another object while the registry lives. The style objects must not be
changed once used (openpyxl treats a style object as a value once assigned; this project never
changes one: they are module constants or made once per sheet). Equal but distinct objects (two
`Font(name="宋体", size=10)`) end up in the same table entry, as before, but each is looked up once.
"""

from __future__ import annotations

import weakref
from copy import copy

_ATTRIBUTES = ("font", "fill", "border", "alignment", "number_format", "protection")


class CellStyles:
    """The style combinations one workbook has seen, each with the StyleArray it resolves to.

    Use one registry per workbook (`style_cell` keeps one for every workbook it meets): a StyleArray
    holds indices into that workbook's own tables."""

    def __init__(self) -> None:
        # (style so far, id(font), id(fill), id(border), id(alignment), number format, id(protection))
        #   -> (resulting StyleArray, the style objects: kept so that their ids stay theirs)
        self._resolved: dict[tuple, tuple] = {}

    def apply(self, cell, *, font=None, fill=None, border=None, alignment=None, number_format=None, protection=None):
        """Set the given attributes on `cell` (None: leave that attribute as it is) and return the cell;
        the same as assigning them one by one."""
        start = cell._style  # None for a new cell, else the StyleArray it has so far
        key = (
            None if start is None else tuple(start),
            id(font), id(fill), id(border), id(alignment), number_format, id(protection),
        )
        known = self._resolved.get(key)
        if known is None:
            # first time: the ordinary assignments, through the workbook's tables
            values = (font, fill, border, alignment, number_format, protection)
            for name, value in zip(_ATTRIBUTES, values):
                if value is not None:
                    setattr(cell, name, value)
            if cell._style is None:  # nothing given: still a cell without a style
                return cell
            known = self._resolved[key] = (copy(cell._style), values)
        else:
            cell._style = copy(known[0])  # each cell owns its array (openpyxl changes it in place)
        return cell


# One registry per workbook, dropped with the workbook (the registry holds no reference to it).
_REGISTRIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cell_styles(workbook) -> CellStyles:
    """The registry of `workbook`."""
    registry = _REGISTRIES.get(workbook)
    if registry is None:
        registry = _REGISTRIES[workbook] = CellStyles()
    return registry


def style_cell(cell, *, font=None, fill=None, border=None, alignment=None, number_format=None, protection=None):
    """Style `cell` through its workbook's registry (see `CellStyles.apply`); returns the cell."""
    return cell_styles(cell.parent.parent).apply(
        cell, font=font, fill=fill, border=border, alignment=alignment, number_format=number_format,
        protection=protection,
    )
