"""Issue 14, deliver 5: reply templates inserted with their placeholders filled in the petitioner's language, and
the reply-quality check before approval (陳核): each flag refuses, on the page and through the API, at drafting and
at approval; an override with a reason goes on and is recorded on the timeline."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from tests.support import act, csrf_token, make_agency, register_case, staff_client


def _case(db, number):  # noqa: ANN001
    from cases.models import Case

    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def _in_progress(app, db, **kwargs) -> str:  # noqa: ANN001
    number = register_case(db, **kwargs).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    act(staff_client(app, "roads.chief@example.tw"), number, "assign", handler="roads.handler@example.tw")
    return number


def _api(email: str) -> dict:
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    return {"Authorization": "Bearer " + issue_token(find_staff(email))}


FLAGGED = [
    ("empty", {"body": "。。。"}, {}),
    ("in_progress_only", {"body": "處理中。"}, {}),
    ("in_progress_only", {"body": "In progress"}, {"language": "en", "email": "en@example.tw"}),
    ("remedy_notice_missing", {"body": "依規定不予同意，理由如下：本路段非本處管轄。", "outcome": "refused"}, {}),
    ("chinese_for_english", {"body": "路燈已修復，謝謝您的來信。"}, {"language": "en", "email": "en@example.tw"}),
]


@pytest.mark.parametrize(("flag", "form", "case_kwargs"), FLAGGED)
def test_each_flag_refuses_the_draft_and_an_override_with_a_reason_is_recorded(app, db, smtp, flag, form,
                                                                             case_kwargs):
    make_agency(db)
    number = _in_progress(app, db, **case_kwargs)
    handler = staff_client(app, "roads.handler@example.tw")
    refused = act(handler, number, "draft-reply", **form)
    assert refused.status_code == 422
    assert _case(db, number).state == "in_progress" and not _case(db, number).replies
    page = html.unescape(refused.text)
    assert 'id="draft-flags"' in page and 'name="override_reason"' in page
    assert form["body"] in page  # what was typed is kept

    done = act(handler, number, "draft-reply", override_reason="申請人電話中已同意此答覆方式", **form)
    assert done.status_code == 303
    case = _case(db, number)
    assert case.state == "awaiting_approval"
    override = next(e for e in case.events if e.action == "reply_quality_override")
    assert override.detail == {"flags": [flag], "reason": "申請人電話中已同意此答覆方式", "stage": "draft"}
    timeline = html.unescape(handler.get(f"/staff/cases/{number}").text)
    assert "申請人電話中已同意此答覆方式" in timeline

    # The approver sees the flag on the approval form and must give a reason too.
    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get(f"/staff/cases/{number}").text
    assert 'id="approve-flags"' in page
    assert act(chief, number, "approve-reply").status_code == 422
    assert _case(db, number).state == "awaiting_approval"
    assert act(chief, number, "approve-reply", override_reason="已確認可發文").status_code == 303
    case = _case(db, number)
    assert case.state == "closed"
    stages = [e.detail.get("stage") for e in case.events if e.action == "reply_quality_override"]
    assert stages == ["draft", "approve"]


def test_a_good_reply_passes_without_flags(app, db, smtp):
    make_agency(db)
    number = _in_progress(app, db)
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, number, "draft-reply", body="不予同意，理由如下：本路段非本處管轄。", outcome="refused",
               remedy_notice="1").status_code == 303
    chief = staff_client(app, "roads.chief@example.tw")
    assert 'id="approve-flags"' not in chief.get(f"/staff/cases/{number}").text
    assert act(chief, number, "approve-reply").status_code == 303
    assert not [e for e in _case(db, number).events if e.action == "reply_quality_override"]


def test_the_api_answers_422_with_the_flags_unless_an_override_reason_is_given(app, db, client, smtp):
    make_agency(db)
    number = _in_progress(app, db, language="en", email="en@example.tw")
    handler = _api("roads.handler@example.tw")
    db.session.commit()
    answer = client.post(f"/api/v1/cases/{number}/draft-reply", headers=handler,
                         json={"body": "處理中", "outcome": "refused"})
    assert answer.status_code == 422
    codes = [f["code"] for f in answer.json["errors"]["flags"]]
    assert codes == ["in_progress_only", "remedy_notice_missing", "chinese_for_english"]
    assert _case(db, number).state == "in_progress"
    answer = client.post(f"/api/v1/cases/{number}/draft-reply", headers=handler,
                         json={"body": "處理中", "outcome": "refused", "override_reason": "test reason"})
    assert answer.status_code == 200, answer.json
    chief = _api("roads.chief@example.tw")
    db.session.commit()
    answer = client.post(f"/api/v1/cases/{number}/approve-reply", headers=chief, json={})
    assert answer.status_code == 422 and answer.json["errors"]["flags"]
    answer = client.post(f"/api/v1/cases/{number}/approve-reply", headers=chief, json={"override_reason": "ok"})
    assert answer.status_code == 200 and answer.json["state"] == "closed"
    events = [e for e in _case(db, number).events if e.action == "reply_quality_override"]
    assert [e.detail["reason"] for e in events] == ["test reason", "ok"]


def _template(db, **fields):  # noqa: ANN001
    from cases.reply_templates import ReplyTemplate
    from core.accounts.models import Unit

    roads = db.session.scalar(sa.select(Unit).where(Unit.code == "ROADS"))
    template = ReplyTemplate(unit_id=roads.id, category="", title="路面修補", remedy_notice=False, active=True,
                             body_zh="{greeting}\n您於{received_on}反映「{subject}」（案件編號 {case_number}），"
                                     "本處已派員修補，預計{due_on}前完成。",
                             body_en="{greeting}\nRegarding your message of {received_on} (case {case_number}), "
                                     "we will repair it by {due_on}.", **fields)
    db.session.add(template)
    db.session.commit()
    return template.id


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_a_template_is_inserted_with_its_placeholders_filled_in_the_petitioners_language(app, db, smtp, language):
    make_agency(db)
    email = "en@example.tw" if language == "en" else "citizen@example.tw"
    number = _in_progress(app, db, language=language, email=email)
    template_id = _template(db)
    case = _case(db, number)
    handler = staff_client(app, "roads.handler@example.tw")
    page = handler.get(f"/staff/cases/{number}")
    assert 'formaction="' in page.text and "路面修補" in page.text
    answer = handler.post(f"/staff/cases/{number}/reply-template", data={
        "csrf_token": csrf_token(page.text), "version": str(case.version), "template": str(template_id),
        "body": "", "outcome": "met"})
    assert answer.status_code == 200
    body = html.unescape(re.search(r'<textarea id="body"[^>]*>(.*?)</textarea>', answer.text, re.S).group(1))
    assert "{" not in body and number in body
    if language == "en":
        assert body.startswith("Dear 王小明,")
        assert f"{case.received_on.strftime('%B')} {case.received_on.day}, {case.received_on.year}" in body
        assert re.search(r'<option value="en" selected', answer.text)
    else:
        assert body.startswith("王小明 您好：")
        assert f"{case.received_on.year - 1911}年{case.received_on.month}月{case.received_on.day}日" in body
        assert "「人行道破損」" in body
    # The prefilled form is the draft form: it goes on as typed.
    assert act(handler, number, "draft-reply", body=body, outcome="met", language=language).status_code == 303
    assert _case(db, number).replies[-1].body == body.replace("\r\n", "\n").strip()


def test_templates_are_kept_by_supervisors_for_their_unit_and_by_the_secretariat(app, db):
    from cases.reply_templates import ReplyTemplate

    make_agency(db)
    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get("/staff/reply-templates")
    assert page.status_code == 200
    token = csrf_token(page.text)
    created = chief.post("/staff/reply-templates", data={"csrf_token": token, "title": "查復", "unit": "ROADS",
                                                         "body_zh": "{greeting}已查復。", "active": "1"})
    assert created.status_code == 303
    # Another unit's, or the whole agency's: not for a unit supervisor.
    for unit in ("PARKS", ""):
        refused = chief.post("/staff/reply-templates", data={"csrf_token": token, "title": "x", "unit": unit,
                                                             "body_zh": "x"})
        assert refused.status_code == 422
    secretariat = staff_client(app, "secretariat@example.tw")
    token = csrf_token(secretariat.get("/staff/reply-templates").text)
    assert secretariat.post("/staff/reply-templates", data={"csrf_token": token, "title": "通用", "unit": "",
                                                            "body_en": "{greeting}", "active": "1"}).status_code == 303
    ours = db.session.scalar(sa.select(ReplyTemplate).where(ReplyTemplate.title == "查復"))
    common = db.session.scalar(sa.select(ReplyTemplate).where(ReplyTemplate.title == "通用"))
    assert common.unit_id is None
    assert chief.get(f"/staff/reply-templates/{common.id}").status_code == 404
    edited = secretariat.post(f"/staff/reply-templates/{ours.id}", data={
        "csrf_token": token, "title": "查復（修）", "unit": "ROADS", "body_zh": "已查復。", "active": ""})
    assert edited.status_code == 303
    db.session.expire_all()
    ours = db.session.get(ReplyTemplate, ours.id)
    assert ours.title == "查復（修）" and not ours.active
    handler = staff_client(app, "roads.handler@example.tw")
    assert handler.get("/staff/reply-templates").status_code == 403


def test_a_templates_category_is_a_complaint_category_chosen_by_its_label_or_an_intake_topic(app, db):
    """No code to type or read: the complaint categories are offered by name; an intake topic is typed as is."""
    from cases.reply_templates import ReplyTemplate

    make_agency(db)
    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get("/staff/reply-templates").text
    assert '<option value="integrity" >廉政或違法失職</option>' in page and "integrity、" not in page
    token = csrf_token(page)
    chosen = {"廉政": {"category": "integrity", "topic": ""}, "路燈": {"category": "", "topic": "路燈"}}
    for title, fields in chosen.items():
        assert chief.post("/staff/reply-templates", data={"csrf_token": token, "title": title, "unit": "ROADS",
                                                          "body_zh": "已查復。", "active": "1", **fields}
                          ).status_code == 303
    saved = dict(db.session.execute(sa.select(ReplyTemplate.title, ReplyTemplate.category)).all())
    assert saved == {"廉政": "integrity", "路燈": "路燈"}
    listing = html.unescape(chief.get("/staff/reply-templates").text)
    assert "<td>廉政或違法失職</td>" in listing and "<td>路燈</td>" in listing and ">integrity<" not in listing
    ids = dict(db.session.execute(sa.select(ReplyTemplate.title, ReplyTemplate.id)).all())
    coded = chief.get(f"/staff/reply-templates/{ids['廉政']}").text
    assert '<option value="integrity" selected>' in coded and 'id="topic" name="topic" maxlength="60" value=""' in coded
    topic = html.unescape(chief.get(f"/staff/reply-templates/{ids['路燈']}").text)
    assert 'value="integrity" selected' not in topic and 'name="topic" maxlength="60" value="路燈"' in topic
