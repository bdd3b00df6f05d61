"""The national report formats as data, and the choice of format for a report year."""

from . import gov2019, gov2021
from .spec import ERROR, NOTICE, WARNING, Cell, CellKind, Form, Rule, Table, TextField, evaluate, normalize_label

FORMS: tuple[Form, ...] = (gov2019.FORM, gov2021.FORM)


class UnknownYear(ValueError):
    pass


def form_for_year(year: int) -> Form:
    """The national format that reports on `year` follow."""
    for form in FORMS:
        if form.applies_to(year):
            return form
    raise UnknownYear(f"{year}年没有适用的年度报告格式（统一格式自2019年度起施行）")


def form_by_id(form_id: str) -> Form:
    for form in FORMS:
        if form.id == form_id:
            return form
    raise KeyError(form_id)


__all__ = [
    "FORMS", "form_for_year", "form_by_id", "UnknownYear", "Form", "Cell", "CellKind", "Rule", "Table",
    "TextField", "evaluate", "normalize_label", "ERROR", "WARNING", "NOTICE",
]
