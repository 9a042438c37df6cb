"""Public statistics and open data (issue 14, deliveries 1 and 2): the staff statistics' figures, published without
personal data, confidential cases only in the totals, counts of 1 or 2 as "<3", the open data a valid Frictionless
Data Package served with ETag and Last-Modified."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.support import make_agency, register_case

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Taipei"))
PERSONAL = []  # filled by _seed: every name, e-mail, phone, address and subject of the seeded cases


def _seed(db, clock):  # noqa: ANN001
    """ROADS: four petitions closed in October (three on time, one late), one open and overdue; PARKS: two
    mailbox letters; ETHICS: one confidential integrity complaint."""
    from cases.case_file import PetitionerIdentity
    from cases.models import Case
    from core.accounts.services import find_unit

    clock.move_to(NOW)
    make_agency(db)
    roads, parks, ethics = find_unit("ROADS"), find_unit("PARKS"), find_unit("ETHICS")
    d = date
    plan = [  # unit, channel, received, due, closed, days used, state, confidential
        (roads, "petition", d(2026, 10, 1), d(2026, 10, 20), d(2026, 10, 10), 7, "closed", False),
        (roads, "petition", d(2026, 10, 2), d(2026, 10, 20), d(2026, 10, 12), 6, "closed", False),
        (roads, "petition", d(2026, 10, 3), d(2026, 10, 20), d(2026, 10, 14), 8, "closed", False),
        (roads, "petition", d(2026, 10, 5), d(2026, 10, 13), d(2026, 10, 30), 15, "closed", False),
        (roads, "petition", d(2026, 10, 6), d(2026, 10, 14), None, None, "in_progress", False),
        (parks, "mailbox", d(2026, 11, 2), d(2026, 12, 10), None, None, "routed", False),
        (parks, "mailbox", d(2026, 11, 3), d(2026, 12, 10), None, None, "routed", False),
        (ethics, "complaint", d(2026, 11, 4), d(2026, 12, 10), None, None, "in_progress", True),
    ]
    PERSONAL.clear()
    for i, (unit, channel, received, due, closed, used, state, confidential) in enumerate(plan):
        name, email, subject = f"測試姓名{i}號", f"private{i}@example.tw", f"私密主旨第{i}案路燈"
        phone, address = f"0912-34{i:04d}", f"臺北市測試區隱私路{i}號"
        case = register_case(db, channel=channel, email=email, name=name, subject=subject)
        db.session.execute(sa.update(PetitionerIdentity).where(
            PetitionerIdentity.submission_id == case.submission_id).values(phone=phone, address=address))
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            unit_id=unit.id, received_on=received, original_due_on=due, due_on=due, closed_on=closed,
            days_used=used, state=state, confidential=confidential,
            category="integrity" if channel == "complaint" else None))
        PERSONAL.extend([name, email, subject, phone, address, case.number])
    db.session.commit()


def test_the_shared_queries_keep_confidential_cases_in_the_totals_only(app, db, clock):
    from reports import public_statistics as ps

    _seed(db, clock)
    start, end, today = date(2026, 10, 1), date(2026, 11, 23), date(2026, 11, 23)
    protected = ps.tables(start, end, today)
    totals = {f.month: f for f in protected.totals}
    assert totals["2026-10"].received == 5 and totals["2026-10"].closed == 4
    assert totals["2026-11"].received == 3  # the confidential complaint counts here
    assert sum(f.received for f in protected.details if f.month == "2026-11") == 2
    assert not [f for f in protected.details if f.unit == "ETHICS" or f.category == "integrity"]
    october = totals["2026-10"].published()
    assert october["closed_late"] == "<3" and october["on_time_rate"] is None  # rests on a count of 1
    # Closed 4 and on time 3 would give the late count: both withheld, and the days average with them.
    assert october["closed"] == october["closed_on_time"] == "x" and october["average_days_used"] is None
    assert october["open_overdue"] == "<3"
    assert totals["2026-10"].days_used_total == 36.0  # 7 + 6 + 8 + 15, summed unrounded


def test_the_public_page_in_both_languages(app, db, clock, client):
    _seed(db, clock)
    home = client.get("/")
    assert 'href="/statistics"' in home.text and 'href="/open-data"' in home.text
    page = client.get("/statistics?from=2026-10&to=2026-11")
    assert page.status_code == 200
    assert "陳情案件統計" in page.text and "<svg" in page.text and "&lt;3" in page.text
    assert "養護工程處" in page.text and "準時辦結率" in page.text
    for value in PERSONAL:
        assert value not in page.text, value
    roads = client.get("/statistics?from=2026-10&to=2026-11&unit=ROADS")
    assert roads.status_code == 200 and 'value="ROADS" selected' in roads.text
    assert 'value="ETHICS"' not in roads.text  # the ethics office is not offered
    assert client.get("/statistics?from=nonsense&to=2026-13&unit=<script>").status_code == 200
    client.set_cookie("lang", "en")
    english = client.get("/statistics?from=2026-10&to=2026-11")
    assert "Petition statistics" in english.text and "On-time rate" in english.text


def _files(client) -> dict[str, bytes]:
    return {name: client.get(f"/open-data/{name}").data
            for name in ("statistics.csv", "statistics.json", "datapackage.json")}


def test_open_data_is_a_valid_data_package_without_personal_data(app, db, clock, client, tmp_path):
    from frictionless import validate

    _seed(db, clock)
    index = client.get("/open-data")  # the first request generates the files
    assert index.status_code == 200 and "政府資料開放授權條款" in index.text
    files = _files(client)
    assert files["statistics.csv"].startswith("\ufeff".encode())
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        text = content.decode("utf-8")
        for value in PERSONAL:
            assert value not in text, (name, value)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    package = json.loads(files["datapackage.json"])
    assert package["licenses"][0]["path"] == "https://data.gov.tw/license"
    assert package["contributors"][0]["title"] == app.config["AGENCY_NAME"]
    assert package["temporalCoverage"] == {"start": "2026-10", "end": "2026-11"}
    platform = package["data.gov.tw"]
    assert platform["licenseName"] == "政府資料開放授權條款－第1版" and platform["cost"] == "free"
    assert platform["updateFrequency"] == {"regularupdate": "1", "Frequency": "1", "unittime": "日"}
    assert platform["coverageStartedDate"] == "2026-10-01" and platform["publisher"] == app.config["AGENCY_NAME"]
    assert [d["downloadURL"].rsplit("/", 1)[1] for d in platform["distribution"]] == ["statistics.csv",
                                                                                    "statistics.json"]
    assert {f["name"] for f in platform["distribution"][0]["resourceField"]} >= {"received", "on_time_rate"}
    fields = package["resources"][0]["schema"]["fields"]
    assert all(f["title"] and f["description"] and f["title:en"] and f["description:en"] for f in fields)

    rows = list(csv.DictReader(io.StringIO(files["statistics.csv"].decode("utf-8-sig"))))
    [october] = [r for r in rows if r["month"] == "2026-10" and r["level"] == "total"]
    # Closed 4 and on time 3 would give the "<3" late as 1: both are withheld ("x"), see tests/test_suppression.py.
    assert october["closed_late"] == "<3" and october["on_time_rate"] == ""
    assert october["closed"] == "x" and october["closed_on_time"] == "x" and october["received"] == "5"
    parks = [r for r in rows if r["unit_code"] == "PARKS"]
    assert [r["received"] for r in parks] == ["<3"]
    assert not [r for r in rows if r["level"] == "detail" and r["category"] == "integrity"]
    [november] = [r for r in rows if r["month"] == "2026-11" and r["level"] == "total"]
    assert november["received"] == "3"  # with the confidential complaint
    records = json.loads(files["statistics.json"])
    assert len(records) == len(rows) and records[0].keys() == rows[0].keys()


def test_open_data_files_are_cached_with_etag_and_last_modified(app, db, clock, client):
    from reports.tasks import publish_open_data

    _seed(db, clock)
    first = client.get("/open-data/statistics.csv")
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Content-Type"].startswith("text/csv")
    again = client.get("/open-data/statistics.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/open-data/statistics.csv",
                      headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    # The daily task regenerates: same figures, same ETag; a new case changes it.
    publish_open_data.apply(throw=True)
    assert client.get("/open-data/statistics.csv").headers["ETag"] == first.headers["ETag"]
    register_case(db, channel="petition", email="late@example.tw")
    publish_open_data.apply(throw=True)
    assert client.get("/open-data/statistics.csv").headers["ETag"] != first.headers["ETag"]
    assert client.get("/open-data/other.csv").status_code == 404


def test_the_task_is_on_the_beat_schedule(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert any(entry["task"] == "reports.publish_open_data" for entry in schedule.values())
