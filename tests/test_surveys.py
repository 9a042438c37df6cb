"""Satisfaction surveys: the link in the reply mail, answering once, follow-ups of dissatisfied answers."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from tests.support import (
    ALL_FIVES,
    close_with_reply,
    csrf_token,
    make_agency,
    staff_client,
    survey_link,
)


def _survey_form(app, db, smtp, outcome: str = "met"):  # noqa: ANN001, ANN202
    """Close a case with a reply; the citizen opens the survey link from the reply mail."""
    close_with_reply(app, db, outcome=outcome)
    link = survey_link(smtp, "citizen@example.tw")
    citizen = app.test_client()
    return citizen, link, citizen.get(link)


def _count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_close_reply_link_form_answer_and_the_units_figures_change(app, db, smtp):
    from surveys.aggregates import by_unit
    from surveys.models import SurveyResponse

    make_agency(db)
    citizen, link, form = _survey_form(app, db, smtp)  # the link is in the reply mail
    assert form.status_code == 200 and "整體滿意度" in form.text
    citizen.get(link)  # opening it again (or a link scanner) records nothing
    assert _count(db, SurveyResponse) == 0

    comment = '<script>alert(1)</script> 承辦人很親切 & "專業"'
    answer = citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "attitude": "4",
                                      "comment": comment})
    assert answer.status_code == 200 and "謝謝" in answer.text
    stored = db.session.scalar(sa.select(SurveyResponse))
    assert stored.comment == comment and stored.overall == 5 and stored.s2 == 4
    assert stored.unit_id is not None and stored.outcome == "met"

    with app.app_context():
        from core.clock import today

        [roads] = [f for f in by_unit(today(), today()) if f.unit == "ROADS"]
    assert roads.invitations == 1 and roads.responses == 1 and roads.satisfied == 1
    assert roads.suppressed  # one response is below the minimum of 5: no score is shown
    again = citizen.get(link)
    assert again.status_code == 409 and "已" in again.text


def test_a_comment_is_shown_escaped_to_the_unit(app, db, smtp):
    make_agency(db)
    citizen, link, form = _survey_form(app, db, smtp)  # the link is in the reply mail
    citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "1",
                             "comment": "<b>太慢</b>"})
    from surveys.models import SurveyFollowUp

    follow_up = db.session.scalar(sa.select(SurveyFollowUp))
    page = staff_client(app, "roads.chief@example.tw").get(f"/staff/follow-ups/{follow_up.id}")
    assert "&lt;b&gt;太慢&lt;/b&gt;" in page.text and "<b>太慢</b>" not in page.text


def test_a_token_posted_twice_at_once_records_one_response(app, db, smtp):
    from surveys.models import SurveyResponse

    make_agency(db)
    close_with_reply(app, db)
    link = survey_link(smtp, "citizen@example.tw")
    clients = [app.test_client() for _ in range(3)]
    forms = [c.get(link) for c in clients]
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def post(client, form) -> None:  # noqa: ANN001
        barrier.wait()
        statuses.append(client.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES}).status_code)

    threads = [threading.Thread(target=post, args=(c, f)) for c, f in zip(clients, forms, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200, 409, 409]
    assert _count(db, SurveyResponse) == 1


def test_expired_and_unknown_links_say_so_and_store_nothing(app, db, smtp):
    from core.db import utcnow
    from surveys.models import SurveyInvitation, SurveyResponse

    make_agency(db)
    citizen, link, form = _survey_form(app, db, smtp)  # the link is in the reply mail
    db.session.execute(sa.update(SurveyInvitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    expired = citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES})
    assert expired.status_code == 410 and "過期" in expired.text
    unknown = citizen.get("/survey/not-a-real-token")
    assert unknown.status_code == 404 and "無效" in unknown.text
    assert _count(db, SurveyResponse) == 0


def test_incomplete_or_bad_answers_are_shown_and_nothing_is_stored(app, db, smtp):
    from surveys.models import SurveyResponse

    make_agency(db)
    citizen, link, form = _survey_form(app, db, smtp)  # the link is in the reply mail
    answer = citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "9",
                                      "speed": "", "comment": "意見"})
    assert answer.status_code == 400
    assert 'id="overall-error"' in answer.text and 'id="speed-error"' in answer.text
    assert "意見" in answer.text and 'value="5" required checked' in answer.text  # what was chosen stays chosen
    assert _count(db, SurveyResponse) == 0
    assert citizen.post(link, data=ALL_FIVES).status_code == 400  # no CSRF token


def test_a_dissatisfied_answer_opens_a_follow_up_that_is_reminded_once_when_overdue(app, db, smtp):
    from cases.deadlines import load_calendar
    from core.clock import today
    from surveys.models import SurveyFollowUp
    from surveys.services import remind_overdue_follow_ups

    make_agency(db)
    citizen, link, form = _survey_form(app, db, smtp, outcome="refused")  # the link is in the reply mail
    citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "2", "solved": "1"})
    follow_up = db.session.scalar(sa.select(SurveyFollowUp))
    with app.app_context():
        assert follow_up.due_on == load_calendar().add_working_days(today(), 3)
    chief = staff_client(app, "roads.chief@example.tw")
    assert str(follow_up.id) in chief.get("/staff/follow-ups").text
    assert staff_client(app, "parks.chief@example.tw").get(f"/staff/follow-ups/{follow_up.id}").status_code == 404

    smtp.clear()
    with app.app_context():
        from core.extensions import db as ext_db

        calendar = load_calendar()
        late = calendar.next_working_day(follow_up.due_on)
        # Overdue from the day after the due date, but nobody is reminded on a day off (weekend, holiday).
        day_off = next(follow_up.due_on + timedelta(days=n) for n in range(1, 15)
                       if not calendar.is_working_day(follow_up.due_on + timedelta(days=n)))
        assert remind_overdue_follow_ups(day_off) == 0
        assert remind_overdue_follow_ups(late) == 1
        ext_db.session.commit()
        assert remind_overdue_follow_ups(calendar.next_working_day(late)) == 0
        ext_db.session.commit()
    assert [m["To"] for m in smtp.messages] == ["roads.chief@example.tw"]

    page = chief.get(f"/staff/follow-ups/{follow_up.id}")
    extended = chief.post(f"/staff/follow-ups/{follow_up.id}", data={
        "csrf_token": csrf_token(page.text), "action": "extend", "days": "9", "reason": "需調閱資料"})
    assert extended.status_code == 422  # 3 + 9 > 10 working days
    answered = chief.post(f"/staff/follow-ups/{follow_up.id}", data={
        "csrf_token": csrf_token(page.text), "analysis": "依法無法同意，說明不足。",
        "measures": "回覆時附上法令依據與替代方案。"})
    assert answered.status_code == 303
    db.session.expire_all()
    assert db.session.get(SurveyFollowUp, follow_up.id).answered_by_id is not None
    handler = staff_client(app, "roads.handler@example.tw")
    assert handler.get("/staff/follow-ups").status_code == 403


def test_no_survey_without_e_mail_and_not_too_often_to_one_address(app, db, smtp):
    from core.settings import set_setting
    from surveys.models import SurveyInvitation

    make_agency(db)
    set_setting("survey_max_per_address_30_days", 1)
    db.session.commit()
    close_with_reply(app, db)
    close_with_reply(app, db)  # the same address again within 30 days
    assert _count(db, SurveyInvitation) == 1
    reply = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "/survey/" not in reply and "答覆內容" in reply


def test_the_report_api(app, db, smtp):
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token
    from core.clock import today

    make_agency(db)
    close_with_reply(app, db)
    headers = {"Authorization": "Bearer " + issue_token(find_staff("secretariat@example.tw"))}
    handler = {"Authorization": "Bearer " + issue_token(find_staff("roads.handler@example.tw"))}
    db.session.commit()
    client = app.test_client()
    year = today().year  # the frozen clock's year, whichever instant the suite runs at
    period = f"from={year}-01-01&to={year}-12-31"
    answer = client.get(f"/api/v1/reports/satisfaction?{period}", headers=headers)
    assert answer.status_code == 200
    [roads] = [u for u in answer.json["units"] if u["unit"] == "ROADS"]
    assert roads["invitations"] == 1 and roads["responses"] == 0 and roads["suppressed"] is True
    assert roads["satisfied_share"] is None and roads["satisfied_ci"] is None
    assert set(roads["means"]) == {"speed", "attitude", "clarity", "solved", "overall"}
    assert client.get(f"/api/v1/reports/satisfaction?{period}", headers=handler).status_code == 403
    assert client.get(f"/api/v1/reports/satisfaction?from=x&to={year}-12-31", headers=headers).status_code == 422
    assert client.get(f"/api/v1/reports/satisfaction?{period}").status_code == 401


def test_follow_ups_count_in_the_report(app, db, smtp):
    make_agency(db)
    citizen, link, form = _survey_form(app, db, smtp)  # the link is in the reply mail
    citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "1"})
    with app.app_context():
        from core.clock import today
        from surveys.aggregates import follow_ups_by_unit

        [row] = follow_ups_by_unit(today(), today(), today())
    assert row == {"unit": "ROADS", "unit_name": "養護工程處", "opened": 1, "answered": 0, "answered_on_time": 0,
                   "open": 1, "overdue": 0}


def test_one_reminder_when_the_setting_asks_for_it(app, db, smtp):
    from core.clock import today
    from core.settings import set_setting
    from surveys.models import SurveyResponse
    from surveys.services import remind_unanswered

    make_agency(db)
    close_with_reply(app, db)
    first_link = survey_link(smtp, "citizen@example.tw")
    with app.app_context():
        from core.extensions import db as ext_db

        assert remind_unanswered(today() + timedelta(days=5)) == 0  # off by default
        set_setting("survey_reminder_after_days", 3)
        ext_db.session.commit()
        assert remind_unanswered(today() + timedelta(days=2)) == 0  # not yet
        assert remind_unanswered(today() + timedelta(days=3)) == 1
        ext_db.session.commit()
        assert remind_unanswered(today() + timedelta(days=4)) == 0  # once only
        ext_db.session.commit()
    reminder = smtp.last_to("citizen@example.tw")
    assert "提醒" in smtp.subject(reminder)
    second_link = survey_link(smtp, "citizen@example.tw")
    assert second_link != first_link
    citizen = app.test_client()
    form = citizen.get(second_link)
    assert citizen.post(second_link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES}).status_code == 200
    assert citizen.get(first_link).status_code == 409  # either link: answered once
    assert _count(db, SurveyResponse) == 1


def test_the_survey_mail_states_the_expiry_date_of_taipei(app, db, smtp, clock):
    # 07:30 in Taipei is 23:30 of the day before in UTC: the date must be Taipei's.
    from datetime import datetime

    from core.clock import TAIPEI, today
    from core.settings import set_setting
    from surveys.services import remind_unanswered

    make_agency(db)
    clock.move_to(datetime(2026, 3, 10, 7, 30, tzinfo=TAIPEI))
    close_with_reply(app, db)
    with app.app_context():
        from core.extensions import db as ext_db

        set_setting("survey_reminder_after_days", 1)
        assert remind_unanswered(today() + timedelta(days=1)) == 1
        ext_db.session.commit()
    reminder = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "2026-03-24" in reminder and "2026-03-23" not in reminder  # 14 days, in Taipei


def test_a_link_stored_before_keyed_digests_still_works_and_is_rekeyed(app, db, smtp):
    """Links mailed before this release were stored as plain SHA-256: they open the form and are re-keyed."""
    from core.security import token_digest
    from surveys.models import SurveyInvitation

    make_agency(db)
    close_with_reply(app, db)
    link = survey_link(smtp, "citizen@example.tw")
    token = link.rstrip("/").rsplit("/", 1)[1].split("?", 1)[0]
    keyed = db.session.scalar(sa.select(SurveyInvitation.token_digest))
    assert keyed != token_digest(token) and token not in keyed
    db.session.execute(sa.update(SurveyInvitation).values(token_digest=token_digest(token)))
    db.session.commit()
    citizen = app.test_client()
    form = citizen.get(link)
    assert form.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(SurveyInvitation.token_digest)) == keyed
    answer = citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES})
    assert answer.status_code == 200 and _count(db, SurveyInvitation) == 1
    assert db.session.scalar(sa.select(SurveyInvitation.answered_at)) is not None
