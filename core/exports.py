"""Tabular downloads, the one way: a Table of headings and rows, written as CSV (UTF-8 with a BOM, so
Excel in Taiwan opens it) or as XLSX (bold headings, frozen, columns wide enough) from the same rows.

Cells are written as given, except that
- a boolean is written as the caller's words (`Table.booleans`), never as Python's True/False;
- None is an empty cell;
- text that a spreadsheet would run as a formula (starting with = + - @, tab or CR) stays text: in CSV
  it is prefixed with an apostrophe, in XLSX it is stored as a string cell (CSV/formula injection);
- a column of kind "percent" (a share, 0.875) is written as "87.5%" in CSV and as a number cell with the
  format 0.0% in XLSX; a "date" column as an ISO date (a date cell in XLSX).

`Table.typed(columns, rows)` builds a table from (label, kind) columns, so CSV, XLSX and the page's
table render from one definition.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MIN_WIDTH, _MAX_WIDTH = 6, 60


KINDS = ("text", "int", "number", "percent", "bool", "date")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    headings: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    booleans: tuple[str, str] | None = None   # the words for True and False; required if any cell is a bool
    caption: str | None = None                # an optional line above the headings (e.g. the period)
    kinds: tuple[str, ...] | None = None      # one of KINDS per column; None: every column as given

    @classmethod
    def typed(cls, columns: list[Column], rows: list[list[Any]], booleans: tuple[str, str] | None = None,
              caption: str | None = None) -> Table:
        return cls(headings=[str(c.label) for c in columns], rows=rows, booleans=booleans, caption=caption,
                   kinds=tuple(c.kind for c in columns))

    def kind(self, column: int) -> str:
        return self.kinds[column] if self.kinds is not None else "text"

    def __post_init__(self) -> None:
        if self.kinds is not None and len(self.kinds) != len(self.headings):
            raise ValueError(f"{len(self.kinds)} kinds for {len(self.headings)} headings")
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.headings):
                raise ValueError(f"row {number} has {len(row)} cells for {len(self.headings)} headings")

    def cell(self, value: Any) -> Any:
        """A cell's value with booleans in the caller's words."""
        if isinstance(value, bool):
            if self.booleans is None:
                raise TypeError("a boolean cell needs Table(booleans=(yes_word, no_word))")
            return self.booleans[0] if value else self.booleans[1]
        return value


def _looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def as_csv(table: Table) -> str:
    """CSV text starting with the BOM; None is an empty field, numbers are written as Python writes them."""
    out = io.StringIO()
    writer = csv.writer(out)
    if table.caption is not None:
        writer.writerow([_csv_text(table.caption)])
    writer.writerow([_csv_text(h) for h in table.headings])
    for row in table.rows:
        writer.writerow([_csv_text(_csv_value(table.cell(v), table.kind(i))) for i, v in enumerate(row)])
    return BOM + out.getvalue()


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "percent" and isinstance(value, (int, float, Decimal)):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def _csv_text(value: Any) -> Any:
    return "'" + value if _looks_like_formula(value) else value


def as_xlsx(table: Table, sheet_title: str) -> bytes:
    """A workbook of one sheet."""
    return as_xlsx_sheets({sheet_title: table})


def as_xlsx_sheets(sheets: Mapping[str, Table]) -> bytes:
    """A workbook of one sheet per table, in the mapping's order."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        _fill(book.create_sheet(title[:31]), table)  # Excel's limit on sheet names
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet: Any, table: Table) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    widths = [0] * len(table.headings)
    line = 1
    if table.caption is not None:
        sheet.cell(row=1, column=1, value=table.caption).font = bold
        line = 2
    for column, heading in enumerate(table.headings, start=1):
        sheet.cell(row=line, column=column, value=heading).font = bold
        widths[column - 1] = _width(heading)
    for row in table.rows:
        line += 1
        for column, raw in enumerate(row, start=1):
            value = _xlsx_value(table.cell(raw))
            cell = sheet.cell(row=line, column=column, value=value)
            if _looks_like_formula(value):
                cell.data_type = "s"  # text, not a formula
            elif table.kind(column - 1) == "percent" and isinstance(value, (int, float, Decimal)):
                cell.number_format = "0.0%"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            widths[column - 1] = max(widths[column - 1], _width(value))
    sheet.freeze_panes = f"A{3 if table.caption is not None else 2}"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, Decimal, date, time, timedelta)):
        if isinstance(value, (datetime, time)) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones: the wall time the caller chose
        return value
    return str(value)


def _width(value: Any) -> int:
    """Display width: East Asian wide and full-width characters count twice."""
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, (date, time)) else str(value)
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)

