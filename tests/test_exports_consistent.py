"""Every download opened as a reader would (csv, openpyxl) and compared with the other format and the page:
the same headings in the user's language, rates as percentages, booleans as words, names instead of codes,
typed cells in XLSX (issue 12, deliver 7)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tests.support import staff_client
from tests.test_statistics import _seed as seed_statistics
from tests.test_survey_aggregates import _seed as seed_satisfaction

SNAKE = re.compile(r"^[a-z]+(_[a-z]+)+$")
CHANNEL_CODES = {"petition", "mailbox", "complaint"}


class _Headers(HTMLParser):
    """The column headings of the page's first table after the element with id `caption_id`."""

    def __init__(self, caption_id: str) -> None:
        super().__init__()
        self.caption_id, self.found, self.in_th, self.done = caption_id, False, False, False
        self.headings: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        if dict(attrs).get("id") == self.caption_id:
            self.found = True
        if self.found and not self.done and tag == "th" and dict(attrs).get("scope") == "col":
            self.in_th = True
            self.headings.append("")

    def handle_endtag(self, tag) -> None:  # noqa: ANN001
        if tag == "th":
            self.in_th = False
        if self.found and tag == "thead":
            self.done = True

    def handle_data(self, data) -> None:  # noqa: ANN001
        if self.in_th:
            self.headings[-1] += data.strip()


def _page_headings(text: str, caption_id: str) -> list[str]:
    parser = _Headers(caption_id)
    parser.feed(text)
    return parser.headings


def _download(client, path: str):  # noqa: ANN001, ANN202
    raw = client.get(path.replace("?", ".csv?", 1)).data
    assert raw.startswith("\ufeff".encode()), "CSV must start with the UTF-8 BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(client.get(path.replace("?", ".xlsx?", 1)).data)).active
    return rows, sheet


def _check_common(rows: list[list[str]], sheet, page_headings: list[str]) -> list[list]:  # noqa: ANN001
    cells = [list(r) for r in sheet.iter_rows()]
    xlsx_headings = [c.value for c in cells[0]]
    assert rows[0] == xlsx_headings == page_headings
    assert len(rows) == len(cells) > 1
    text = " ".join(" ".join(r) for r in rows)
    assert "True" not in text and "False" not in text
    assert not [h for h in rows[0] if SNAKE.match(h)]
    for row in rows[1:]:
        assert not CHANNEL_CODES & set(row)
    for row in cells[1:]:
        assert not [c.value for c in row if c.value in ("True", "False")]
    return cells


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_statistics_downloads_match_each_other_and_the_page(app, db, language):
    seed_statistics(db)
    client = staff_client(app, "secretariat@example.tw")
    client.set_cookie("lang", language)
    path = "/staff/statistics?from=2026-01-01&to=2026-12-31"
    page = client.get(path)
    headings = _page_headings(page.text, "statistics-caption")
    assert headings[:2] == (["月份", "單位代碼"] if language != "en" else ["Month", "Unit code"])
    rows, sheet = _download(client, path)
    cells = _check_common(rows, sheet, headings)
    rate = headings.index("準時辦結率" if language != "en" else "On-time rate")
    received = headings.index("收件數" if language != "en" else "Cases received")
    channel = headings.index("管道" if language != "en" else "Channel")
    by_key = {(r[0], r[1], r[channel]): r for r in rows[1:]}
    petition = "人民陳情" if language != "en" else "Petition"
    roads_october = by_key[("2026-10", "ROADS", petition)]
    assert roads_october[rate] == "100.0%"  # two closed, both on time
    for csv_row, xlsx_row in zip(rows[1:], cells[1:], strict=True):
        assert isinstance(xlsx_row[received].value, int) and str(xlsx_row[received].value) == csv_row[received]
        if csv_row[rate]:
            assert isinstance(xlsx_row[rate].value, (int, float)) and xlsx_row[rate].number_format == "0.0%"
            assert csv_row[rate] == f"{xlsx_row[rate].value * 100:.1f}%"
        else:
            assert xlsx_row[rate].value is None
    assert "100.0%" in page.text


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_satisfaction_downloads_match_each_other_and_the_page(app, db, language):
    seed_satisfaction(db, {"ROADS": 6, "PARKS": 2})
    client = staff_client(app, "secretariat@example.tw")
    client.set_cookie("lang", language)
    path = "/staff/satisfaction?from=2026-11-01&to=2026-11-30"
    page = client.get(path)
    headings = _page_headings(page.text, "report-table-1")
    rows, sheet = _download(client, path)
    cells = _check_common(rows, sheet, headings)
    zh = language != "en"
    assert headings[:3] == (["單位", "邀請數", "回覆數"] if zh else ["Unit", "Invitations", "Responses"])
    by_unit = {r[0]: (r, x) for r, x in zip(rows[1:], cells[1:], strict=True)}
    roads, roads_cells = by_unit["養護工程處"]  # unit names are data, not translated
    parks, _parks_cells = by_unit["公園處"]
    few = headings.index("回覆數過少" if zh else "Too few responses")
    assert (roads[few], parks[few]) == (("否", "是") if zh else ("No", "Yes"))
    response_rate = headings.index("回收率" if zh else "Response rate")
    share = headings.index("滿意比率" if zh else "Share satisfied")
    for column in (response_rate, share):
        assert re.fullmatch(r"\d{1,3}\.\d%", roads[column]), roads[column]
        cell = roads_cells[column]
        assert isinstance(cell.value, (int, float)) and cell.number_format == "0.0%"
        assert roads[column] == f"{cell.value * 100:.1f}%"
    assert parks[share] == ""
    assert isinstance(roads_cells[headings.index("回覆數" if zh else "Responses")].value, int)
    assert roads[share] in page.text


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_the_ethics_report_download_matches_its_page(app, db, language):
    from reports.ethics import run_monthly
    from tests.test_ethics_report import _seed_december

    _seed_december(db)
    with app.app_context():
        from core.extensions import db as ext_db

        assert run_monthly(date(2026, 1, 2)) is not None
        ext_db.session.commit()
    client = staff_client(app, "ethics@example.tw")
    client.set_cookie("lang", language)
    page = client.get("/staff/ethics/reports/2025-12").text
    book = load_workbook(io.BytesIO(client.get("/staff/ethics/reports/2025-12.xlsx").data))
    zh = language != "en"
    for name in ("complaints", "referrals", "overdue", "extensions", "follow_ups"):
        sheet = book[name]
        assert sheet["A1"].value == "2025-12"
        headings = [c.value for c in sheet[2]]
        assert headings == _page_headings(page, f"ethics-{name}")
        assert not [h for h in headings if SNAKE.match(h)]
        for row in sheet.iter_rows(min_row=3):
            assert isinstance(row[-1].value, int)
    values = {c.value for sheet in book for row in sheet.iter_rows(min_row=3) for c in row}
    assert not values & {"ROADS", "ETHICS", "integrity", "service", "in_progress", "routed", "closed", "True"}
    assert "養護工程處" in values
    assert ("廉政或違法失職" if zh else "Integrity or misconduct") in values
    assert [c.value for c in book["complaints"][2]] == (["單位", "類別", "狀態", "案件"] if zh
                                                         else ["Unit", "Category", "State", "Cases"])
