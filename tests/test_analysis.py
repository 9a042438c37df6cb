"""The periodic analysis for the management meeting (issue 14, deliver 6; domain rule 32): the periods it accepts,
its figures on a seeded third quarter of 2026 (by unit, channel, nature, category, result, days used, satisfaction,
reopen rate, the ten-year history), the same figures as the staff statistics, the XLSX and the command, and the
improvement proposals (saved, audited, not overwritten by a second writer, bad input refused)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.support import csrf_token, make_agency, register_case, staff_client

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Taipei"))  # a Monday in the fourth quarter
D = date


def test_periods_are_years_or_quarters_that_have_begun(app):
    from reports.analysis import AnalysisPeriod, PeriodInvalid, parse_period

    today = D(2026, 11, 23)
    with app.test_request_context("/"):
        q3 = parse_period("2026-Q3", today)
        assert (q3.start, q3.end, q3.name) == (D(2026, 7, 1), D(2026, 9, 30), "2026-Q3")
        assert parse_period(" 2026 ", today).end == D(2026, 12, 31)
        assert parse_period("2024-Q1", today).previous == AnalysisPeriod.of(2023, 4)
        assert AnalysisPeriod.of(2024, 1).end == D(2024, 3, 31) and AnalysisPeriod.of(2024, 2).end == D(2024, 6, 30)
        assert parse_period("2025", today).previous.name == "2024"
        for bad in ("2026-Q5", "2026-Q0", "26", "2026Q3", "abc", "", None, "1800", "2026-Q4\x00"):
            with pytest.raises(PeriodInvalid):
                parse_period(bad, today)
        with pytest.raises(PeriodInvalid, match="2027"):
            parse_period("2027", today)  # not begun


def _seed(db, clock):  # noqa: ANN001
    """The third quarter of 2026 at ROADS and PARKS, a case in the quarter before, one in each of 2024 and 2025,
    and six survey answers in the quarter (five at ROADS, four of them satisfied; one at PARKS)."""
    from cases.models import Case, InformationRequest
    from core.accounts.services import find_staff, find_unit
    from surveys.models import SurveyInvitation, SurveyResponse
    from surveys.services import current_questionnaire

    clock.move_to(NOW)
    make_agency(db)
    roads, parks = find_unit("ROADS"), find_unit("PARKS")
    petition, mailbox, ordinary = ("petition", "人民陳情", "Petition"), ("director-mailbox", "首長信箱",
                                                                          "Director's mailbox"), (
        "ordinary", "普通件", "Ordinary")
    plan = {  # name: unit, channel, class, topic, received, due, closed, days used, state, outcome, ground
        "c1": (roads, "petition", petition, "路燈", D(2026, 7, 1), D(2026, 8, 12), D(2026, 7, 20), 13, "closed",
               "met", None),
        "c2": (roads, "petition", petition, "路燈", D(2026, 7, 2), D(2026, 7, 10), D(2026, 7, 30), 20, "closed",
               "refused", None),
        "c3": (parks, "mailbox", mailbox, "公園", D(2026, 8, 3), D(2026, 8, 11), D(2026, 8, 5), 2.5, "closed",
               "explained", None),
        "c4": (parks, "mailbox", mailbox, "", D(2026, 8, 4), D(2026, 8, 12), D(2026, 8, 5), None, "transferred",
               None, None),
        "c5": (roads, "complaint", ordinary, "", D(2026, 9, 1), D(2026, 9, 9), D(2026, 9, 2), None, "not_handled",
               None, "repeat"),
        "c6": (roads, "petition", petition, "", D(2026, 9, 10), D(2026, 9, 30), None, None, "in_progress", None,
               None),
        # Reopened (below) and sent to another unit: the reopening counts on the answered case's unit.
        "c7": (parks, "petition", petition, "路燈", D(2026, 8, 1), D(2026, 12, 31), None, None, "in_progress", None,
               None),
        # Closed because the information asked for never came (補陳): the unit's closure, on time.
        "c11": (roads, "petition", petition, "", D(2026, 8, 10), D(2026, 9, 20), D(2026, 9, 15), 20, "not_handled",
                None, None),
        "c8": (roads, "petition", petition, "路燈", D(2026, 4, 1), D(2026, 5, 13), D(2026, 4, 20), 12, "closed",
               "met", None),
        "c9": (roads, "petition", petition, "", D(2024, 5, 6), D(2024, 6, 17), D(2024, 5, 20), 10, "closed", "met",
               None),
        "c10": (parks, "mailbox", mailbox, "", D(2025, 3, 3), D(2025, 3, 11), D(2025, 3, 10), 5, "closed",
                "explained", None),
    }
    ids = {}
    for name, (unit, channel, limit, topic, received, due, closed, used, state, outcome, ground) in plan.items():
        case = register_case(db, channel=channel, email=f"{name}@example.tw")
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            unit_id=unit.id, limit_class=limit[0], limit_name_zh=limit[1], limit_name_en=limit[2], topic=topic,
            received_on=received, original_due_on=due, due_on=due, routing_due_on=received, closed_on=closed,
            days_used=used, state=state, outcome=outcome, not_handled_ground=ground))
        ids[name] = case.id
    # c7 is c1 reopened by its petitioner.
    db.session.execute(sa.update(Case).where(Case.id == ids["c7"]).values(reopened_from_id=ids["c1"]))
    db.session.add(InformationRequest(case_id=ids["c11"], question="請補附照片", asked_by_id=find_staff(
        "roads.handler@example.tw").id, asked_on=D(2026, 8, 20), reply_by=D(2026, 9, 3), status="unanswered"))
    questionnaire = current_questionnaire()
    answers = [(roads, "c1", 5), (roads, "c2", 2), (roads, "c6", 4), (roads, "c7", 4), (roads, "c5", 5),
               (parks, "c3", 1)]
    for i, (unit, name, overall) in enumerate(answers):
        invitation = SurveyInvitation(case_id=ids[name], questionnaire_id=questionnaire.id,
                                      token_digest=f"analysis-{i}".ljust(64, "0"), email=f"{name}@example.tw",
                                      language="zh_Hant_TW", unit_id=unit.id, outcome="met", sent_on=D(2026, 8, 20),
                                      expires_at=sa.func.now())
        db.session.add(invitation)
        db.session.flush()
        db.session.add(SurveyResponse(invitation_id=invitation.id, questionnaire_id=questionnaire.id,
                                      unit_id=unit.id, outcome="met", answered_on=D(2026, 8, 25), overall=overall))
    db.session.commit()
    return ids


def test_the_figures_of_a_quarter(app, db, clock):
    from flask_babel import force_locale

    from reports.analysis import analyse, parse_period

    _seed(db, clock)
    with app.test_request_context("/"), force_locale("en"):
        a = analyse(parse_period("2026-Q3", D(2026, 11, 23)), D(2026, 11, 23))
    t = a.total
    assert (t.received, t.closed, t.closed_on_time, t.closed_late) == (8, 4, 3, 1)
    assert (t.transferred, t.not_handled, t.reopened, t.open_overdue) == (1, 1, 1, 1)
    assert t.average_days_used == round((13 + 20 + 2.5 + 20) / 4, 2) and t.reopen_rate == 0.25
    assert (a.previous_total.received, a.previous_total.closed) == (1, 1) and not a.so_far
    units = {name: (c.received, c.closed, c.transferred, c.reopened, s.responses, s.share) for name, c, s in a.by_unit}
    assert units == {"養護工程處": (5, 3, 0, 1, 5, 0.8), "公園處": (3, 1, 1, 0, 1, None)}  # one answer: suppressed
    assert a.satisfaction.responses == 6 and a.satisfaction.share == round(4 / 6, 4)
    channels = {name: (c.received, c.closed) for name, c in a.by_channel}
    assert channels == {"Petition": (5, 3), "Director's mailbox": (2, 1), "Complaint or report": (1, 0)}
    assert {name: c.received for name, c in a.by_nature} == {"Petition": 5, "Director's mailbox": 2, "Ordinary": 1}
    assert {name: c.received for name, c in a.by_category} == {"路燈": 3, "公園": 1, "": 4}
    assert dict(a.results) == {
        "Answered: Request met": 1, "Answered: Request refused (lawfully)": 1, "Answered: Explained": 1,
        "Transferred to the competent agency": 1, "Not handled: the information asked for was not received": 1,
        "Not handled: Same matter already properly handled and answered (APA art. 173 (2))": 1}
    assert a.day_bands == [("Up to 1 working day", 0), ("1.5 to 3 working days", 1), ("3.5 to 6 working days", 0),
                           ("6.5 to 15 working days", 1), ("15.5 to 30 working days", 2),
                           ("More than 30 working days", 0)]
    assert [(year, c.received, c.closed) for year, c, _s in a.history] == [(2024, 1, 1), (2025, 1, 1), (2026, 9, 5)]


def test_a_period_not_ended_is_compared_with_as_many_days_of_the_one_before(app, db, clock):
    """2026-Q4 on 23 November against 1 July to 23 August, not the whole third quarter."""
    from flask_babel import force_locale

    from reports.analysis import analyse, parse_period, tables

    _seed(db, clock)
    with app.test_request_context("/"), force_locale("en"):
        a = analyse(parse_period("2026-Q4", D(2026, 11, 23)), D(2026, 11, 23))
        summary = tables(a)["summary"][1]
        history = tables(a)["history"][1]
    assert a.so_far and (a.end, a.previous_end) == (D(2026, 11, 23), D(2026, 8, 23))
    # Received 1 July to 23 August: c1, c2, c3, c4, c7, c11; closed by then: c1, c2, c3.
    assert (a.previous_total.received, a.previous_total.closed) == (6, 3)
    assert summary.headings[1:3] == ["Year 2026, quarter 4, to 2026-11-23", "Year 2026, quarter 3, to 2026-08-23"]
    assert [row[0] for row in history.rows] == ["2024", "2025", "2026, to 2026-11-23"]


def test_the_analysis_counts_as_the_staff_statistics_do(app, db, clock):
    """One definition of received, closed, on time, transferred, not handled and reopened: the staff statistics'."""
    from cases.statistics import statistics
    from reports.analysis import analyse, parse_period

    _seed(db, clock)
    for name in ("2026-Q3", "2026", "2025", "2026-Q2"):
        with app.test_request_context("/"):
            period = parse_period(name, D(2026, 11, 23))
            a = analyse(period, D(2026, 11, 23))
        rows = statistics(period.start, min(period.end, D(2026, 11, 23)), D(2026, 11, 23))
        for field in ("received", "closed", "closed_on_time", "transferred", "not_handled", "reopened",
                      "open_overdue"):
            assert getattr(a.total, field) == sum(getattr(r, field) for r in rows), (name, field)
            assert sum(getattr(c, field) for _n, c, _s in a.by_unit) == getattr(a.total, field), (name, field)
            assert sum(getattr(c, field) for _n, c in a.by_channel) == getattr(a.total, field), (name, field)


def test_the_page_in_both_languages_and_its_workbook(app, db, clock):
    from openpyxl import load_workbook

    _seed(db, clock)
    secretariat = staff_client(app, "secretariat@example.tw")
    home = secretariat.get("/staff/")
    assert 'href="/staff/analysis"' in home.text and "定期分析" in home.text
    index = secretariat.get("/staff/analysis")
    assert index.status_code == 200 and 'href="/staff/analysis/2026-Q3"' in index.text
    assert secretariat.get("/staff/analysis?period=2026-Q3").headers["Location"].endswith("/staff/analysis/2026-Q3")
    page = secretariat.get("/staff/analysis/2026-Q3")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    for expected in ("2026 年第 3 季", "歷年報案情形及處理時間", "養護工程處", "路燈", "人民陳情", "首長信箱",
                     "改善建議", "<svg", "66.7%", "75.0%", "逾期未補陳，不予處理"):
        assert expected in text, expected
    assert "True" not in text and "False" not in text and "closed_on_time" not in text
    so_far = secretariat.get("/staff/analysis/2026-Q4")
    assert "2026-11-23" in so_far.text or "115/11/23" in so_far.text  # "the figures are those up to …"

    secretariat.get("/language/en")
    english = secretariat.get("/staff/analysis/2026-Q3").text
    assert "Year 2026, quarter 3" in english and "By nature (time-limit class)" in english
    assert "Director&#39;s mailbox" in english or "Director's mailbox" in english

    xlsx = secretariat.get("/staff/analysis/2026-Q3.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert len(book.sheetnames) == 9 and book.sheetnames[-1] == "Improvement proposals"
    history = book.worksheets[7]
    rows = [[cell.value for cell in row] for row in history.iter_rows()]
    assert rows[0][:3] == ["Year", "Cases received", "Cases closed"]
    assert [r[:3] for r in rows[1:]] == [["2024", 1, 1], ["2025", 1, 1], ["2026, to 2026-09-30", 9, 5]]


@pytest.mark.parametrize("path", ["/staff/analysis/2026-Q9", "/staff/analysis/2099", "/staff/analysis/x.xlsx",
                                  "/staff/analysis/99999999999999999999"])
def test_an_unknown_period_is_not_found(app, db, clock, path):
    clock.move_to(NOW)
    make_agency(db)
    assert staff_client(app, "secretariat@example.tw").get(path).status_code == 404


def test_a_period_typed_wrong_is_explained(app, db, clock):
    clock.move_to(NOW)
    make_agency(db)
    answer = staff_client(app, "secretariat@example.tw").get("/staff/analysis?period=2026-Q5")
    assert answer.status_code == 400 and "2026-Q3" in answer.text and 'aria-invalid="true"' in answer.text


def _proposals_form(client, period: str = "2026-Q3") -> dict:  # noqa: ANN001
    page = client.get(f"/staff/analysis/{period}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    return {"csrf_token": csrf_token(page.text), **({"version": version.group(1)} if version else {})}


def test_the_proposals_are_kept_audited_and_never_overwritten_unseen(app, db, clock):
    from core.audit import AuditEntry
    from reports.models import PeriodicAnalysis

    _seed(db, clock)
    first, second = staff_client(app, "secretariat@example.tw"), staff_client(app, "secretariat@example.tw")
    seen_by_second = _proposals_form(second)
    saved = first.post("/staff/analysis/2026-Q3/proposals", data={
        **_proposals_form(first), "proposals": "一、路燈維修案件逾期，請養護工程處檢討派工流程。",
        "presented_on": "2026-10-15"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/staff/analysis/2026-Q3#proposals")
    page = first.get("/staff/analysis/2026-Q3").text
    assert "一、路燈維修案件逾期" in page
    # The second writer saw no proposals: their save is refused, and they see the first writer's text.
    stale = second.post("/staff/analysis/2026-Q3/proposals", data={**seen_by_second, "proposals": "另一份"})
    assert stale.status_code == 409 and "一、路燈維修案件逾期" in stale.text and "另一份" in stale.text
    # On the screen, not only on paper: the saved text is not in the print-only block then.
    assert '<div class="proposals">' in stale.text and "其他同仁先儲存的內容" in stale.text
    # With the version they now see, it goes through.
    again = second.post("/staff/analysis/2026-Q3/proposals", data={**_proposals_form(second), "proposals": "修正版",
                                                                   "presented_on": ""})
    assert again.status_code == 303
    row = db.session.scalar(sa.select(PeriodicAnalysis).where(PeriodicAnalysis.period == "2026-Q3"))
    assert (row.proposals, row.presented_on, row.version) == ("修正版", None, 2)
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity == "periodic_analysis")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "update"]
    index = first.get("/staff/analysis").text
    assert 'href="/staff/analysis/2026-Q3#proposals">2026 年第 3 季</a>' in index
    admin = staff_client(app, "admin@example.tw")
    audit = admin.get("/staff/admin/audit?entity=periodic_analysis&from=2026-11-01&to=2026-11-30")
    assert audit.status_code == 200 and "改善建議" in audit.text and "修正版" in audit.text


def test_two_first_saves_at_once_keep_one(app, db, clock):
    from reports.models import PeriodicAnalysis
    from tests.test_case_concurrency import _together

    _seed(db, clock)
    clients = [staff_client(app, "secretariat@example.tw") for _ in range(2)]
    forms = [_proposals_form(c) for c in clients]
    answers = _together([lambda c=c, f=f, i=i: c.post("/staff/analysis/2026-Q3/proposals",
                                                      data={**f, "proposals": f"版本{i}"})
                         for i, (c, f) in enumerate(zip(clients, forms, strict=True))])
    assert sorted(a.status_code for a in answers) == [303, 409]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeriodicAnalysis)) == 1


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"presented_on": "2026-13-01"}, 400, "YYYY-MM-DD"),
    ({"presented_on": "99999-01-01"}, 400, "YYYY-MM-DD"),
    ({"proposals": "長" * 20001}, 422, "20000"),
    ({"version": "99999999999999999999"}, 400, ""),
    ({"proposals": "a\x00b"}, 400, ""),
])
def test_bad_proposals_are_refused_with_a_message(app, db, clock, data, status, message):
    from reports.models import PeriodicAnalysis

    clock.move_to(NOW)
    make_agency(db)
    client = staff_client(app, "secretariat@example.tw")
    answer = client.post("/staff/analysis/2026-Q3/proposals", data={**_proposals_form(client), **data})
    assert answer.status_code == status and message in answer.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeriodicAnalysis)) == 0


def test_only_the_secretariat_writes_the_proposals(app, db, clock):
    clock.move_to(NOW)
    make_agency(db)
    admin = staff_client(app, "admin@example.tw")
    page = admin.get("/staff/analysis/2026-Q3")
    assert page.status_code == 200 and 'name="proposals"' not in page.text
    assert admin.post("/staff/analysis/2026-Q3/proposals", data={"csrf_token": csrf_token(page.text),
                                                                 "proposals": "x"}).status_code == 403
    assert staff_client(app, "roads.handler@example.tw").get("/staff/analysis/2026-Q3").status_code == 403


def test_the_command_writes_the_workbook(app, db, clock, tmp_path):
    from openpyxl import load_workbook

    _seed(db, clock)
    runner = app.test_cli_runner()
    out = tmp_path / "q3.xlsx"
    result = runner.invoke(args=["reports", "analysis", "2026-Q3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"2026-Q3: written to {out}")
    book = load_workbook(out)
    assert book.sheetnames[0].startswith("摘要") and book.sheetnames[-1] == "改善建議"
    summary = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert summary[1][:3] == ["收件數", 8, 1]
    english = runner.invoke(args=["reports", "analysis", "2026", "--out", str(tmp_path / "y.xlsx"),
                                  "--language", "en"])
    assert english.exit_code == 0 and load_workbook(tmp_path / "y.xlsx").sheetnames[0].startswith("Summary")
    refused = runner.invoke(args=["reports", "analysis", "2026-Q7"])
    assert refused.exit_code == 2 and "2026-Q3" in refused.output


def test_a_real_closure_today_counts_in_the_quarter_so_far(app, db, clock):
    from reports.analysis import analyse, parse_period
    from tests.support import close_with_reply

    clock.move_to(NOW)
    make_agency(db)
    close_with_reply(app, db)
    with app.test_request_context("/"):
        a = analyse(parse_period("2026-Q4", D(2026, 11, 23)), D(2026, 11, 23))
    assert a.so_far and (a.total.received, a.total.closed, a.total.closed_on_time) == (1, 1, 1)
    assert [(year, c.closed) for year, c, _s in a.history][-1] == (2026, 1)
