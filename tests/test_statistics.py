"""On-time statistics per unit, channel and month, checked against counts made here from the rows."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from tests.support import act, make_agency, register_case, staff_client

TODAY = date(2026, 11, 23)


def _seed(db):  # noqa: ANN001
    """Cases in two units, two channels and two months, closed on time, late, or still open."""
    from cases.models import Case
    from core.accounts.services import find_unit

    make_agency(db)
    roads, parks = find_unit("ROADS"), find_unit("PARKS")
    # unit, channel, received, original due, due (after extensions), closed, days used, state
    d = date
    plan = [
        (roads, "petition", d(2026, 10, 5), d(2026, 11, 14), d(2026, 11, 14), d(2026, 10, 20), 11, "closed"),
        (roads, "petition", d(2026, 10, 6), d(2026, 10, 14), d(2026, 10, 21), d(2026, 10, 20), 10, "closed"),
        (roads, "mailbox", d(2026, 10, 7), d(2026, 10, 15), d(2026, 10, 15), d(2026, 11, 2), 18, "closed"),
        (roads, "mailbox", d(2026, 11, 2), d(2026, 11, 10), d(2026, 11, 10), None, None, "in_progress"),
        (parks, "petition", d(2026, 11, 3), d(2026, 12, 15), d(2026, 12, 15), None, None, "routed"),
        (parks, "petition", d(2026, 11, 4), d(2026, 11, 12), d(2026, 11, 12), d(2026, 11, 12), 6, "closed"),
        (None, "complaint", d(2026, 11, 20), d(2026, 12, 30), d(2026, 12, 30), None, None, "registered"),
    ]
    for i, (unit, channel, received, original, due, closed, used, state) in enumerate(plan):
        case = register_case(db, channel=channel, email=f"s{i}@example.tw")
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            unit_id=unit.id if unit else None, received_on=received, original_due_on=original, due_on=due,
            closed_on=closed, days_used=used, state=state,
            category="service" if channel == "complaint" else None))
    db.session.commit()


def _expected(db) -> dict[tuple, dict]:  # noqa: ANN001
    """The figures, counted in Python from the raw rows."""
    from cases.models import OPEN_STATES, Case
    from core.accounts.models import Unit

    units = {u.id: u.code for u in db.session.scalars(sa.select(Unit))}
    out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    used: dict[tuple, list] = defaultdict(list)
    for c in db.session.scalars(sa.select(Case)):
        unit = units.get(c.unit_id, "")
        received_key = (c.received_on.strftime("%Y-%m"), unit, c.channel)
        out[received_key]["received"] += 1
        if c.state in OPEN_STATES and c.due_on < TODAY:
            out[received_key]["open_overdue"] += 1
        if c.state == "closed":
            key = (c.closed_on.strftime("%Y-%m"), unit, c.channel)
            out[key]["closed"] += 1
            out[key]["closed_on_time"] += c.closed_on <= c.due_on
            out[key]["closed_late"] += c.closed_on > c.due_on
            out[key]["closed_on_time_original"] += c.closed_on <= c.original_due_on
            used[key].append(c.days_used)
    for key, values in used.items():
        out[key]["average_days_used"] = round(sum(values) / len(values), 2)
    return out


def test_figures_match_counts_made_from_the_rows(app, db):
    from cases.statistics import statistics

    _seed(db)
    expected = _expected(db)
    with app.app_context():
        rows = statistics(date(2026, 1, 1), date(2026, 12, 31), TODAY)
    got = {(r.month, r.unit, r.channel): r for r in rows}
    assert set(got) == set(expected)
    for key, figures in expected.items():
        for name in ("received", "closed", "closed_on_time", "closed_late", "closed_on_time_original",
                     "open_overdue"):
            assert getattr(got[key], name) == figures.get(name, 0), (key, name)
        assert got[key].average_days_used == figures.get("average_days_used"), key
    # Spot checks a reader of the table would make.
    assert got[("2026-10", "ROADS", "petition")].closed_on_time == 2
    assert got[("2026-10", "ROADS", "petition")].closed_on_time_original == 1  # one needed its extension
    assert got[("2026-11", "ROADS", "mailbox")].closed_late == 1
    assert got[("2026-11", "ROADS", "mailbox")].open_overdue == 1


def test_the_page_and_the_downloads_show_the_same_figures(app, db):
    _seed(db)
    client = staff_client(app, "secretariat@example.tw")
    page = client.get("/staff/statistics?from=2026-01-01&to=2026-12-31")
    assert page.status_code == 200 and "養護工程處" in page.text
    csv_answer = client.get("/staff/statistics.csv?from=2026-01-01&to=2026-12-31")
    assert csv_answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(csv_answer.data.decode("utf-8-sig"))))
    xlsx = client.get("/staff/statistics.xlsx?from=2026-01-01&to=2026-12-31")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) - 1 == len(rows) > 0
    for csv_row, xlsx_row in zip(rows, values[1:], strict=True):
        assert csv_row["收件數"] == str(xlsx_row[4]) and csv_row["單位代碼"] == (xlsx_row[1] or "")
    assert client.get("/staff/statistics.pdf").status_code == 404


def test_only_the_secretariat_and_administrators_see_statistics(app, db):
    make_agency(db)
    assert staff_client(app, "roads.handler@example.tw").get("/staff/statistics").status_code == 403
    assert staff_client(app, "admin@example.tw").get("/staff/statistics").status_code == 200


def test_a_case_closed_unanswered_counts_as_the_units_closure_against_its_moved_due_date(app, db, smtp, clock):
    """Routed to ROADS, due 2026-02-05; the handler asks on Wednesday 2026-02-04 for an answer within 3 working days
    (by Monday 2026-02-09) and closes it unanswered on Tuesday 2026-02-10. The clock stood still 02-05 to 02-10
    (4 working days), so the due date moves to 2026-02-11: closed on time by the unit, not a late "not handled"
    against the routing date of 2025-12-24. Page, CSV and XLSX show the same columns and figures."""
    from tests.test_exports_consistent import _download, _page_headings
    from tests.test_information_requests import _at, _case_in_progress, _handler

    number, _code = _case_in_progress(app, db, smtp, clock)
    _at(clock, date(2026, 2, 4))
    assert act(_handler(app), number, "request-information", question="請提供電桿編號。",
               reply_within_days="3").status_code == 303
    _at(clock, date(2026, 2, 10))
    assert act(_handler(app), number, "close-unanswered").status_code == 303

    client = staff_client(app, "secretariat@example.tw")
    path = "/staff/statistics?from=2026-02-01&to=2026-02-28"
    page = client.get(path)
    headings = _page_headings(page.text, "statistics-caption")
    rows, sheet = _download(client, path)
    assert rows[0] == headings == [c.value for c in next(sheet.iter_rows())]
    assert "其中逾期未補陳不予處理" in headings
    [csv_row] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[1] == "ROADS"]
    [xlsx_row] = [dict(zip(rows[0], r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)
                  if r[1] == "ROADS"]
    expected = {"結案數": 1, "依限辦結": 1, "逾限辦結": 0, "其中逾期未補陳不予處理": 1,
                "暫停等候民眾補充之工作天數": 4, "不予處理": 0, "逾分文日移文或不予處理": 0,
                "於分文日內移文或不予處理": 0}
    assert {k: xlsx_row[k] for k in expected} == expected
    assert {k: csv_row[k] for k in expected} == {k: str(v) for k, v in expected.items()}
    assert csv_row["準時辦結率"] == "100.0%"
    # The case page's timeline says how far the due date moved.
    assert "2026-02-05 → 2026-02-11" in staff_client(app, "roads.chief@example.tw").get(f"/staff/cases/{number}").text
