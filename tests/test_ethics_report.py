"""The monthly report to the ethics office: the right working day, delivered once, true figures,
and never an identity."""

from __future__ import annotations

import io
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import load_workbook

from core.clock import TAIPEI
from tests.support import make_agency, register_case, staff_client


def _seed_december(db):  # noqa: ANN001
    from cases.models import Case, EthicsReferral, Extension
    from core.accounts.services import find_staff, find_unit
    from surveys.models import SurveyFollowUp, SurveyInvitation, SurveyResponse

    make_agency(db)
    roads, ethics = find_unit("ROADS"), find_unit("ETHICS")
    plan = [  # unit, category, state, received
        (ethics, "integrity", "routed", date(2025, 12, 3)),
        (ethics, "integrity", "closed", date(2025, 12, 10)),
        (roads, "service", "in_progress", date(2025, 12, 15)),
        (roads, "service", "in_progress", date(2025, 11, 28)),   # November: not in the report
    ]
    cases = []
    for i, (unit, category, state, received) in enumerate(plan):
        case = register_case(db, channel="complaint", email=f"r{i}@example.tw", name=f"檢舉人{i}")
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            unit_id=unit.id, category=category, state=state, received_on=received, due_on=date(2025, 12, 20)))
        cases.append(case)
    handler = find_staff("roads.handler@example.tw")
    db.session.add(EthicsReferral(case_id=cases[2].id, reason="疑似收賄", referred_by_id=handler.id,
                                  referred_at=datetime(2025, 12, 16, 10, tzinfo=TAIPEI)))
    db.session.add(Extension(case_id=cases[2].id, days=5, reason="會勘", status="approved", requested_by_id=handler.id,
                             decided_by_id=find_staff("roads.chief@example.tw").id, due_before=date(2025, 12, 20),
                             decided_at=datetime(2025, 12, 18, 9, tzinfo=TAIPEI)))
    invitation = SurveyInvitation(case_id=cases[1].id, questionnaire_id=1, token_digest="f" * 64, email="x@x.tw",
                                  language="zh_Hant_TW", unit_id=roads.id, outcome="refused",
                                  sent_on=date(2025, 12, 10),
                                  expires_at=datetime(2025, 12, 24, tzinfo=TAIPEI))
    db.session.add(invitation)
    db.session.flush()
    response = SurveyResponse(invitation_id=invitation.id, questionnaire_id=1, unit_id=roads.id, outcome="refused",
                              answered_on=date(2025, 12, 11), overall=1)
    db.session.add(response)
    db.session.flush()
    db.session.add(SurveyFollowUp(response_id=response.id, unit_id=roads.id, opened_on=date(2025, 12, 11),
                                  due_on=date(2025, 12, 16), original_due_on=date(2025, 12, 16)))
    db.session.commit()


def test_generated_on_the_first_working_day_once_with_true_figures(app, db, smtp):
    from reports.ethics import run_monthly
    from reports.models import EthicsReport

    _seed_december(db)
    smtp.clear()
    with app.app_context():
        from core.extensions import db as ext_db

        assert run_monthly(date(2026, 1, 1)) is None  # 元旦: not a working day
        report = run_monthly(date(2026, 1, 2))  # Friday, the first working day of January 2026
        ext_db.session.commit()
        assert report is not None and report.period == "2025-12"
        assert run_monthly(date(2026, 1, 2)) is None  # once
        assert run_monthly(date(2026, 1, 5)) is None  # not the first working day
        ext_db.session.commit()
    assert [m["To"] for m in smtp.messages] == ["ethics@example.tw"]
    assert "2025-12" in smtp.subject(smtp.messages[0])

    figures = db.session.scalar(sa.select(EthicsReport.figures))
    assert sorted(map(tuple, figures["complaints"])) == [("ETHICS", "integrity", "closed", 1),
                                                         ("ETHICS", "integrity", "routed", 1),
                                                         ("ROADS", "service", "in_progress", 1)]
    assert figures["referrals"] == [["ROADS", 1]]
    assert figures["extensions"] == [["ROADS", 1, 5]]
    assert figures["follow_ups"] == [["ROADS", 1, 0, 1]]
    assert sorted(map(tuple, figures["overdue"])) == [("ETHICS", 1, 0), ("ROADS", 2, 0)]  # due 2025-12-20, still open

    ethics = staff_client(app, "ethics@example.tw")
    page = ethics.get("/staff/ethics/reports/2025-12")
    book = load_workbook(io.BytesIO(ethics.get("/staff/ethics/reports/2025-12.xlsx").data))
    cells = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    for secret in ("檢舉人", "@example.tw"):
        assert secret not in page.text.split("<main", 1)[1] and secret not in cells
    assert book["referrals"]["A3"].value == "養護工程處"  # the unit by name, headings in the reader's language
    assert [c.value for c in book["referrals"][2]] == ["單位", "移送件數"]
    assert staff_client(app, "secretariat@example.tw").get("/staff/ethics/reports/2025-12").status_code == 403


def test_when_the_first_is_a_sunday_the_report_waits_for_monday(app, db, smtp):
    from reports.ethics import run_monthly

    make_agency(db)
    with app.app_context():
        assert run_monthly(date(2026, 2, 1)) is None  # Sunday
        assert run_monthly(date(2026, 2, 2)).period == "2026-01"


def test_a_missed_first_working_day_is_caught_up_and_a_period_can_be_made_on_demand(app, db, smtp, clock):
    from datetime import datetime

    from core.clock import TAIPEI
    from reports.ethics import run_monthly
    from reports.models import EthicsReport

    make_agency(db)
    smtp.clear()
    with app.app_context():
        from core.extensions import db as ext_db

        # The scheduler was down on Monday 2026-03-02, the first working day of March: Tuesday catches up.
        report = run_monthly(date(2026, 3, 3))
        ext_db.session.commit()
        assert report is not None and report.period == "2026-02"
    clock.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=TAIPEI))
    runner = app.test_cli_runner()
    made = runner.invoke(args=["reports", "ethics", "2025-11"])
    assert made.exit_code == 0 and "2025-11: generated" in made.output
    again = runner.invoke(args=["reports", "ethics", "2025-11"])
    assert again.exit_code == 0 and "already generated" in again.output
    assert runner.invoke(args=["reports", "ethics", "2026-03"]).exit_code != 0  # not ended yet
    assert runner.invoke(args=["reports", "ethics", "2026/03"]).exit_code != 0
    periods = sorted(db.session.scalars(sa.select(EthicsReport.period)))
    assert periods == ["2025-11", "2026-02"]
    assert sorted(smtp.subject(m) for m in smtp.messages if "2025-11" in smtp.subject(m))  # announced


def test_a_case_awaiting_the_petitioners_information_is_paused_not_overdue(app, db, smtp):
    """補陳 stops the clock: on the report of 2026-01-02 a case due 2025-12-22 that still waits for the petitioner's
    answer is counted as paused, not overdue, as the staff statistics leave it out of open overdue."""
    from cases.models import Case
    from core.accounts.services import find_unit
    from reports.ethics import run_monthly
    from reports.models import EthicsReport

    make_agency(db)
    roads, parks = find_unit("ROADS"), find_unit("PARKS")
    plan = [(roads, "in_progress", date(2025, 12, 22)),            # overdue on 2026-01-02
            (roads, "awaiting_information", date(2025, 12, 22)),   # past its date but paused
            (parks, "awaiting_information", date(2026, 1, 20)),    # paused, not yet due
            (parks, "in_progress", date(2026, 1, 20))]             # neither
    for i, (unit, state, due) in enumerate(plan):
        case = register_case(db, email=f"p{i}@example.tw")
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            unit_id=unit.id, state=state, received_on=date(2025, 12, 1), due_on=due))
    db.session.commit()
    with app.app_context():
        from core.extensions import db as ext_db

        assert run_monthly(date(2026, 1, 2)).period == "2025-12"
        ext_db.session.commit()
    figures = db.session.scalar(sa.select(EthicsReport.figures))
    assert sorted(map(tuple, figures["overdue"])) == [("PARKS", 0, 1), ("ROADS", 1, 1)]

    ethics = staff_client(app, "ethics@example.tw")
    page = ethics.get("/staff/ethics/reports/2025-12")
    assert "逾期及暫停計時案件" in page.text and "暫停計時（待民眾補陳）案件數" in page.text
    book = load_workbook(io.BytesIO(ethics.get("/staff/ethics/reports/2025-12.xlsx").data))
    rows = [[c.value for c in row] for row in book["overdue"].iter_rows(min_row=3)]
    assert sorted(rows) == [["公園處", 0, 1], ["養護工程處", 1, 1]]


def test_a_report_kept_before_the_paused_column_still_shows(app, db, smtp):
    from reports.models import EthicsReport

    make_agency(db)
    db.session.add(EthicsReport(period="2025-10", figures={"overdue": [["ROADS", 2]]}, xlsx=b""))
    db.session.commit()
    page = staff_client(app, "ethics@example.tw").get("/staff/ethics/reports/2025-10")
    assert page.status_code == 200 and "養護工程處" in page.text
