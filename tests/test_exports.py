"""The one tabular export helper: CSV (with BOM) and XLSX from the same rows."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from core.exports import BOM, Table, as_csv, as_xlsx, as_xlsx_sheets

HEADINGS = ["unit", "name", "count", "share", "day"]
ROWS = [["ROADS", "養護工程處", 6, 0.6667, date(2026, 1, 5)], ["PARKS", "公園處", 0, None, date(2026, 2, 1)]]


def test_csv_starts_with_the_bom_and_round_trips_the_rows():
    text = as_csv(Table(HEADINGS, ROWS))
    assert text.startswith(BOM) and text.count(BOM) == 1
    assert list(csv.reader(io.StringIO(text.removeprefix(BOM)))) == [
        HEADINGS,
        ["ROADS", "養護工程處", "6", "0.6667", "2026-01-05"],
        ["PARKS", "公園處", "0", "", "2026-02-01"],
    ]
    assert "\r\n" in text  # what Excel expects


def test_xlsx_has_the_same_headings_and_rows():
    book = load_workbook(io.BytesIO(as_xlsx(Table(HEADINGS, ROWS), "figures")))
    sheet = book["figures"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADINGS
    assert [list(v[:4]) for v in values[1:]] == [r[:4] for r in ROWS]
    assert [v[4].date() for v in values[1:]] == [r[4] for r in ROWS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width  # CJK text counts double


def test_booleans_are_written_as_the_callers_words_never_true():
    table = Table(["unit", "suppressed"], [["ROADS", True], ["PARKS", False]], booleans=("是", "否"))
    text = as_csv(table)
    assert "True" not in text and "False" not in text
    assert list(csv.reader(io.StringIO(text.removeprefix(BOM))))[1:] == [["ROADS", "是"], ["PARKS", "否"]]
    sheet = load_workbook(io.BytesIO(as_xlsx(table, "t"))).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["是", "否"]
    with pytest.raises(TypeError):
        as_csv(Table(["flag"], [[True]]))  # no words given: refuse rather than write True


def test_text_that_looks_like_a_formula_stays_text():
    table = Table(["name"], [["=HYPERLINK(\"http://x\")"], ["-1+2"]])
    assert list(csv.reader(io.StringIO(as_csv(table).removeprefix(BOM))))[1:] == [
        ["'=HYPERLINK(\"http://x\")"], ["'-1+2"]]
    sheet = load_workbook(io.BytesIO(as_xlsx(table, "t"))).active
    assert [c.data_type for c in sheet["A"][1:]] == ["s", "s"]
    assert sheet["A2"].value == "=HYPERLINK(\"http://x\")"


def test_a_caption_above_the_headings_and_one_sheet_per_table():
    book = load_workbook(io.BytesIO(as_xlsx_sheets({
        "one": Table(["a", "b"], [[1, 2]], caption="2025-12"), "two": Table(["c"], [])})))
    assert book.sheetnames == ["one", "two"]
    assert [list(r) for r in book["one"].iter_rows(values_only=True)] == [["2025-12", None], ["a", "b"], [1, 2]]
    assert book["one"].freeze_panes == "A3"


def test_rows_must_match_the_headings():
    with pytest.raises(ValueError):
        Table(["a", "b"], [[1]])
