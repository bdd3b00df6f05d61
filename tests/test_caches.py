"""What the reader keeps between files never leaks from one form, workbook or value to another."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from pipeline.forms import FORMS
from pipeline.forms.spec import CellKind
from pipeline.workbook.book import Book, Sheet
from pipeline.workbook.reader import _defined_names, _normalized_labels, _reading_order
from pipeline.workbook.values import parse_number


def test_derived_is_kept_per_form_and_per_function():
    first, second = FORMS
    assert first.derived(len_of_cells) == len(first.cells)
    assert second.derived(len_of_cells) == len(second.cells)
    assert first.derived(keys_of_cells) == tuple(c.key for c in first.cells)
    assert second.derived(keys_of_cells) == tuple(c.key for c in second.cells)
    assert first.derived(keys_of_cells) is first.derived(keys_of_cells)  # worked out once


def test_a_changed_copy_of_a_form_has_its_own_results():
    form = FORMS[0]
    form.derived(keys_of_cells)
    fewer = dataclasses.replace(form, tables=form.tables[:1])
    assert fewer.derived(keys_of_cells) == tuple(c.key for c in form.tables[0].cells)


def test_reading_plans_follow_their_form():
    for form in FORMS:
        assert [key for key, _ in form.derived(_defined_names)][-len(form.cells):] == [c.key for c in form.cells]
        assert {c.key for c in form.derived(_reading_order)} == {c.key for c in form.cells}
        assert [len(labels) for labels in form.derived(_normalized_labels)] == [len(t.labels) for t in form.tables]


def test_the_same_stored_number_of_another_type_reads_as_its_own():
    for kind in CellKind:
        for raw in (1, 1.0, 2.5, 0, 0.0, 7):
            parse_number(raw, kind)
    assert str(parse_number(1.0, CellKind.AMOUNT).value) == "1.0"
    assert str(parse_number(1, CellKind.AMOUNT).value) == "1"
    assert parse_number(True, CellKind.COUNT).problem == "not-a-number"  # True == 1, but not a number
    assert parse_number(Decimal("1.0"), CellKind.AMOUNT).value.as_tuple() == Decimal("1.0").as_tuple()


def test_a_defined_name_points_only_into_its_own_workbook():
    names = {"NB_x": "'表 1'!$B$3"}
    with_sheet = Book({"表 1": Sheet("表 1")}, [], names, {})
    without = Book({"表 2": Sheet("表 2")}, [], names, {})
    assert with_sheet.destination("NB_x") == ("表 1", 3, 2)
    assert without.destination("NB_x") is None
    assert with_sheet.destination("NB_x") == ("表 1", 3, 2)


def len_of_cells(form):
    return len(form.cells)


def keys_of_cells(form):
    return tuple(c.key for c in form.cells)
