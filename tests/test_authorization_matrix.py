"""Every staff page and API endpoint, tried by every role, anonymous, and a handler of another unit,
against the access policy. A route added without an entry here makes this test fail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support import act, csrf_token, make_agency, register_case, staff_client

ACTORS = {
    "anonymous": None,
    "intake": "intake@example.tw",
    "supervisor": "roads.chief@example.tw",
    "handler": "roads.handler@example.tw",
    "other_unit_handler": "parks.handler@example.tw",
    "secretariat": "secretariat@example.tw",
    "ethics": "ethics@example.tw",
    "admin": "admin@example.tw",
}
STAFF = set(ACTORS) - {"anonymous"}
CASE_VIEWERS = {"intake", "supervisor", "handler", "secretariat", "admin"}  # a ROADS case, not confidential
UNIT = {"supervisor", "handler"}

# Public on purpose: citizens' endpoints, the login page and the API document.
PUBLIC = {"accounts.login", "public_api.Submissions", "public_api.Track", "api-docs.openapi_json",
          "public_api.TrackInformation",  # the petitioner's answer (補陳): the access code is the check
          "public_api.TrackReopen", "public_api.TrackMessages",  # reopen, add to a case: the access code is the check
          "admin.password_reset"}  # the mailed one-time link to set a password (tests/test_admin_pages.py)

# endpoint → (method, path with {case}/{attachment}/..., who may, JSON body or form data)
MATRIX: dict[str, tuple[str, str, set[str], dict]] = {
    "accounts.logout": ("POST", "/staff/logout", STAFF, {}),
    "accounts.account": ("GET", "/staff/account", STAFF, {}),
    "accounts.tokens": ("GET", "/staff/tokens", STAFF, {}),
    # {token} belongs to the ROADS handler: nobody else revokes it here (404), administrators do below.
    "accounts.revoke_token": ("POST", "/staff/tokens/{token}/revoke", {"handler"}, {}),
    "accounts.admin_tokens": ("GET", "/staff/admin/tokens", {"admin"}, {}),
    "accounts.admin_revoke_token": ("POST", "/staff/admin/tokens/{token}/revoke", {"admin"}, {}),
    "accounts.admin_staff": ("GET", "/staff/admin/staff", {"admin"}, {}),
    # {colleague} is the ROADS deputy, none of the actors.
    "accounts.deactivate_staff": ("POST", "/staff/admin/staff/{colleague}/deactivate", {"admin"}, {}),
    "accounts.reactivate_staff": ("POST", "/staff/admin/staff/{colleague}/reactivate", {"admin"}, {}),
    # Administration (tests/test_admin_pages.py): the posts here change nothing (empty forms, no-op reactivations).
    "admin.index": ("GET", "/staff/admin/", {"admin"}, {}),
    "admin.audit_log": ("GET", "/staff/admin/audit", {"admin"}, {}),
    "admin.units": ("GET", "/staff/admin/units", {"admin"}, {}),
    "admin.unit": ("POST", "/staff/admin/units/{unit}", {"admin"}, {}),
    "admin.deactivate_unit": ("POST", "/staff/admin/units/{unit}/deactivate", {"admin"}, {}),
    "admin.reactivate_unit": ("POST", "/staff/admin/units/{unit}/reactivate", {"admin"}, {}),
    "admin.new_staff": ("POST", "/staff/admin/staff/new", {"admin"}, {}),
    "admin.staff": ("POST", "/staff/admin/staff/{colleague}", {"admin"}, {}),
    "admin.reset_password": ("POST", "/staff/admin/staff/{colleague}/reset-password", {"admin"}, {}),
    "admin.settings": ("POST", "/staff/admin/settings", {"admin"}, {}),
    "cases_admin.limit_classes": ("POST", "/staff/admin/time-limits", {"admin"}, {}),
    "cases_admin.limit_class": ("POST", "/staff/admin/time-limits/ordinary", {"admin"}, {}),
    "cases_admin.limit_class_active": ("POST", "/staff/admin/time-limits/ordinary/reactivate", {"admin"}, {}),
    "cases_admin.calendar": ("GET", "/staff/admin/calendar", {"admin"}, {}),
    "cases_admin.calendar_preview": ("POST", "/staff/admin/calendar/preview", {"admin"},
                                     {"op": "add", "day": "2026-08-12", "kind": "closed", "reason": "r"}),
    "cases_admin.calendar_apply": ("POST", "/staff/admin/calendar/apply", {"admin"}, {}),
    "surveys_admin.questionnaires": ("POST", "/staff/admin/questionnaires", {"admin"}, {}),
    "surveys_admin.make_current": ("POST", "/staff/admin/questionnaires/1/make-current", {"admin"}, {}),
    # Open311 client applications (issue 14, tests/test_open311_admin.py): an empty form issues nothing; the
    # administrator's post revokes the fixture's key (the last actor to try).
    "open311_admin.clients_page": ("POST", "/staff/admin/open311-clients", {"admin"}, {}),
    "open311_admin.revoke": ("POST", "/staff/admin/open311-clients/{open311_client}/revoke", {"admin"}, {}),
    "cases.staff_home": ("GET", "/staff/", STAFF, {}),
    # The roles' homes (tests/test_role_homes.py): nothing selected, so nothing changes.
    "cases_home.bulk_route": ("POST", "/staff/bulk/route", {"intake", "admin"}, {}),
    "cases_home.bulk_assign": ("POST", "/staff/bulk/assign", {"supervisor"}, {}),
    "cases_home.chase": ("POST", "/staff/chase", {"secretariat", "admin"}, {}),
    "cases.case_page": ("GET", "/staff/cases/{case}", CASE_VIEWERS, {}),
    "cases.reply_letter": ("GET", "/staff/cases/{closed}/letter", CASE_VIEWERS, {}),
    # Reply attachments (tests/test_reply_attachments.py): the unit attaches (no reply being written: 409, not denied).
    "reply_files.upload": ("POST", "/staff/cases/{case}/reply-files", UNIT, {}),
    "reply_files.staff_download": ("GET", "/staff/reply-files/{reply_file}", CASE_VIEWERS, {}),
    # Reply templates (issue 14, tests/test_reply_quality.py): inserted by the unit (the case is not being handled
    # yet: 409, not denied), kept by the unit's supervisor and the secretariat (empty forms change nothing).
    "reply_templates.insert": ("POST", "/staff/cases/{case}/reply-template", UNIT, {}),
    "reply_templates.index": ("POST", "/staff/reply-templates", {"supervisor", "secretariat"}, {}),
    "reply_templates.edit": ("GET", "/staff/reply-templates/{reply_template}", {"supervisor", "secretariat"}, {}),
    # The public FAQ's editing (issue 14, tests/test_faq.py): the secretariat's (an empty form changes nothing).
    "faq.manage": ("POST", "/staff/faq", {"secretariat"}, {}),
    "faq.edit": ("GET", "/staff/faq/{faq_entry}", {"secretariat"}, {}),
    "cases.case_action": ("POST", "/staff/cases/{case}/classify", {"intake", "admin"}, {}),
    "cases.attachment": ("GET", "/staff/attachments/{attachment}", CASE_VIEWERS, {}),
    "cases.request_identity": ("POST", "/staff/cases/{case}/identity-request", CASE_VIEWERS, {}),
    "cases.statistics_page": ("GET", "/staff/statistics", {"secretariat", "admin"}, {}),
    "cases.statistics_download": ("GET", "/staff/statistics.csv", {"secretariat", "admin"}, {}),
    "cases.calendar_page": ("GET", "/staff/calendar", {"admin"}, {}),
    "cases.ethics_desk": ("GET", "/staff/ethics", {"ethics"}, {}),
    "cases.decide_reveal": ("POST", "/staff/ethics/reveals/{reveal}", {"ethics"}, {}),
    "cases.open_referral": ("POST", "/staff/ethics/referrals/{referral}/open", {"ethics"}, {}),
    "cases.access_log": ("GET", "/staff/access-log", {"ethics", "admin"}, {}),
    # The periodic analysis (issue 14, tests/test_analysis.py): read by the secretariat and administrators, the
    # proposals written by the secretariat (an empty form saves nothing).
    "reports.analysis_index": ("GET", "/staff/analysis", {"secretariat", "admin"}, {}),
    "reports.analysis_page": ("GET", "/staff/analysis/2025", {"secretariat", "admin"}, {}),
    "reports.analysis_xlsx": ("GET", "/staff/analysis/2025.xlsx", {"secretariat", "admin"}, {}),
    "reports.analysis_proposals": ("POST", "/staff/analysis/2025/proposals", {"secretariat"}, {}),
    "reports.ethics_reports": ("GET", "/staff/ethics/reports", {"ethics"}, {}),
    "reports.ethics_report": ("GET", "/staff/ethics/reports/2026-10", {"ethics"}, {}),
    "reports.ethics_report_xlsx": ("GET", "/staff/ethics/reports/2026-10.xlsx", {"ethics"}, {}),
    "feedback.staff_intake": ("GET", "/staff/intake", {"intake", "admin"}, {}),
    "notifications.outbox": ("GET", "/staff/outbox", {"admin"}, {}),
    "notifications.retry": ("POST", "/staff/outbox/{message}/retry", {"admin"}, {}),
    # One's own notifications (tests/test_staff_notices.py): an empty post marks one's own read, nobody else's.
    "staff_notices.notices": ("GET", "/staff/notifications", STAFF, {}),
    "staff_notices.mark_read": ("POST", "/staff/notifications/read", STAFF, {}),
    "accounts.notice_delivery": ("POST", "/staff/account/notices", STAFF, {}),
    "surveys.report": ("GET", "/staff/satisfaction", {"supervisor", "secretariat", "admin"}, {}),
    "surveys.report_download": ("GET", "/staff/satisfaction.csv", {"supervisor", "secretariat", "admin"}, {}),
    "surveys.follow_ups": ("GET", "/staff/follow-ups", {"supervisor", "secretariat", "admin"}, {}),
    "surveys.follow_up": ("GET", "/staff/follow-ups/{follow_up}", {"supervisor", "secretariat", "admin"}, {}),
    "satisfaction_api.Satisfaction": ("GET", "/api/v1/reports/satisfaction?from=2026-01-01&to=2026-12-31",
                                      {"supervisor", "secretariat", "admin"}, {}),
    "staff_api.Cases": ("GET", "/api/v1/cases", STAFF, {}),
    "staff_api.OneCase": ("GET", "/api/v1/cases/{case}", CASE_VIEWERS, {}),
    # Actions: the role decides before the state does (a refused role is 403, a wrong state 409).
    "staff_api.action_classify": ("POST", "/api/v1/cases/{case}/classify", {"intake", "admin"}, {"limit_class": "x"}),
    "staff_api.action_route": ("POST", "/api/v1/cases/{case}/route", {"intake", "admin"}, {"unit": "ROADS"}),
    "staff_api.action_transfer": ("POST", "/api/v1/cases/{case}/transfer", {"intake", "admin"},
                                  {"agency": "A", "reason": "R"}),
    "staff_api.action_not_handled": ("POST", "/api/v1/cases/{case}/not-handled", {"intake", "admin"},
                                     {"ground": "repeat"}),
    "staff_api.action_link": ("POST", "/api/v1/cases/{case}/link", {"intake", "admin"} | UNIT, {"to": "0"}),
    "staff_api.action_assign": ("POST", "/api/v1/cases/{case}/assign", {"supervisor"}, {"handler": "x@x"}),
    "staff_api.action_return_to_intake": ("POST", "/api/v1/cases/{case}/return-to-intake", {"supervisor"},
                                          {"reason": ""}),
    "staff_api.action_draft_reply": ("POST", "/api/v1/cases/{case}/draft-reply", UNIT, {"body": ""}),
    "staff_api.action_approve_reply": ("POST", "/api/v1/cases/{case}/approve-reply", {"supervisor"}, {}),
    "staff_api.action_return_reply": ("POST", "/api/v1/cases/{case}/return-reply", {"supervisor"}, {"reason": "r"}),
    "staff_api.action_request_extension": ("POST", "/api/v1/cases/{case}/request-extension", UNIT,
                                           {"days": 0, "reason": ""}),
    "staff_api.action_approve_extension": ("POST", "/api/v1/cases/{case}/approve-extension", {"supervisor"}, {}),
    "staff_api.action_refuse_extension": ("POST", "/api/v1/cases/{case}/refuse-extension", {"supervisor"},
                                          {"reason": "r"}),
    "staff_api.action_refer_to_ethics": ("POST", "/api/v1/cases/{case}/refer-to-ethics", UNIT, {"reason": ""}),
    "staff_api.action_request_information": ("POST", "/api/v1/cases/{case}/request-information", UNIT,
                                             {"question": ""}),
    "staff_api.action_close_unanswered": ("POST", "/api/v1/cases/{case}/close-unanswered", UNIT, {}),
}


def test_every_staff_route_has_an_entry(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/staff", "/api/")) and rule.endpoint not in PUBLIC}
    assert routes - set(MATRIX) == set(), "add the new route to MATRIX with who may use it"
    assert set(MATRIX) - routes == set()


@pytest.fixture
def objects(app, db, smtp):  # noqa: ANN001
    """A ROADS case with an attachment, a follow-up, a reveal request, a referral, a failed message."""
    from cases.case_file import Attachment
    from cases.models import EthicsReferral, IdentityReveal
    from core.accounts.services import find_staff
    from notifications.models import OutboxMessage
    from surveys.models import SurveyFollowUp
    from tests.support import ALL_FIVES, close_with_reply, survey_link

    make_agency(db)
    closed = close_with_reply(app, db)
    link = survey_link(smtp, "citizen@example.tw")
    citizen = app.test_client()
    citizen.post(link, data={"csrf_token": csrf_token(citizen.get(link).text), **ALL_FIVES, "overall": "1"})
    case = register_case(db)
    act(staff_client(app, "intake@example.tw"), case.number, "route", unit="ROADS")
    db.session.add(Attachment(submission_id=case.submission_id, filename="a.pdf", content_type="application/pdf",
                              size=1, sha256="0" * 64, data=b"%"))
    db.session.add(IdentityReveal(case_id=case.id, requested_by_id=find_staff("roads.chief@example.tw").id,
                                  reason="r"))
    handler = find_staff("roads.handler@example.tw")
    db.session.add(EthicsReferral(case_id=case.id, reason="r", referred_by_id=handler.id))
    db.session.add(OutboxMessage(kind="test", recipient="x@example.tw", template="verify", language="en",
                                 context={"name": "X", "subject": "S", "channel": "mailbox", "expires_on": "-",
                                          "agency": "A"}, secrets={"link": "L"}, idempotency_key="matrix",
                                 status="failed"))
    from core.accounts.models import ApiToken
    from core.accounts.tokens import issue_token

    issue_token(handler, name="matrix")
    from cases.models import Case, Reply, ReplyAttachment

    sent = db.session.scalar(sa.select(Reply.id).join(Case, Case.id == Reply.case_id).where(Case.number == closed))
    db.session.add(ReplyAttachment(reply_id=sent, filename="r.pdf", title="r.pdf", content_type="application/pdf",
                                   size=1, sha256="0" * 64, data=b"%", added_by_id=handler.id))
    db.session.commit()
    return {"case": case.number, "closed": closed,
            "token": db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "matrix")),
            "colleague": find_staff("roads.deputy@example.tw").id,
            "unit": find_staff("roads.deputy@example.tw").unit_id,
            "attachment": db.session.scalar(sa.select(Attachment.id)),
            "reveal": db.session.scalar(sa.select(IdentityReveal.id)),
            "referral": db.session.scalar(sa.select(EthicsReferral.id)),
            "message": db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.status == "failed")),
            "follow_up": db.session.scalar(sa.select(SurveyFollowUp.id)), "report": _report(db),
            "reply_file": db.session.scalar(sa.select(ReplyAttachment.id)), "reply_template": _reply_template(db),
            "faq_entry": _faq_entry(db), "open311_client": _open311_client(db)}


def _open311_client(db) -> int:  # noqa: ANN001
    from feedback.open311_clients import create_client

    client, _key = create_client("matrix app")
    db.session.commit()
    return client.id


def _faq_entry(db) -> int:  # noqa: ANN001
    from feedback.faq import FaqEntry

    entry = FaqEntry(category="", question_zh="q", answer_zh="a", question_en="", answer_en="", published=False)
    db.session.add(entry)
    db.session.commit()
    return entry.id


def _reply_template(db) -> int:  # noqa: ANN001
    from cases.reply_templates import ReplyTemplate
    from core.accounts.models import Unit

    template = ReplyTemplate(unit_id=db.session.scalar(sa.select(Unit.id).where(Unit.code == "ROADS")),
                             category="", title="t", body_zh="x", body_en="", remedy_notice=False, active=True)
    db.session.add(template)
    db.session.commit()
    return template.id


def _report(db) -> str:  # noqa: ANN001
    from reports.models import EthicsReport

    db.session.add(EthicsReport(period="2026-10", figures={}, xlsx=b"x"))
    db.session.commit()
    return "2026-10"


def _denied(response) -> bool:  # noqa: ANN001
    if response.status_code in (401, 403, 404):
        return True
    # Flask-Login sends the anonymous to the login page with ?next=; logout's own redirect has none.
    return response.status_code == 302 and "/staff/login?next=" in response.headers.get("Location", "")


def test_each_actor_is_allowed_or_denied_as_the_policy_says(app, db, objects):
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    clients = {actor: staff_client(app, email) if email else app.test_client() for actor, email in ACTORS.items()}
    tokens = {actor: {"Authorization": "Bearer " + issue_token(find_staff(email))} if email else {}
              for actor, email in ACTORS.items()}
    db.session.commit()
    wrong = []
    for endpoint, (method, template, allowed, body) in MATRIX.items():
        path = template.format(**objects)
        for actor in ACTORS:
            client = clients[actor]
            if path.startswith("/api/"):
                response = client.open(path, method=method, headers=tokens[actor],
                                       json=body if method == "POST" else None)
            elif method == "POST":
                token = csrf_token(client.get("/staff/login").text) if actor == "anonymous" else \
                    csrf_token(client.get("/staff/").text)
                response = client.post(path, data={"csrf_token": token, **body})
            else:
                response = client.get(path)
            expected_allowed = actor in allowed
            if _denied(response) == expected_allowed or response.status_code >= 500:
                wrong.append(f"{endpoint} as {actor}: {response.status_code}")
            if endpoint == "accounts.logout" and actor != "anonymous":
                clients[actor] = staff_client(app, ACTORS[actor])  # log back in for the rest
    assert wrong == [], "\n".join(wrong)
