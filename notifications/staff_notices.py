"""Staff notices: what reached a member of staff, in the app and by mail.

`notify()` writes one `StaffNotice` row per person (the deputy's when the person is away today) and, for those
who chose immediate mail, the mail in the outbox: both in the caller's transaction, so nothing is lost and a
retry adds nothing (one notice per key and person). People who chose the daily digest get their held notices in
one mail from `send_digests()` (the task `notifications.send_staff_digests`, in beat's schedule).

The text is rendered from `kind` and `params` when read, in the reader's language (mail: the recipient's own,
Staff.language). Callers pass the case number and subject, or `subject=None` for a confidential case:
the petitioner's identity is never a parameter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from celery import shared_task
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core.accounts.models import Staff
from core.bulk import insert_many_or_ignore
from core.clock import TAIPEI, taipei_now, today
from core.db import insert_or_ignore, utcnow
from core.extensions import db
from core.locks import exclusive
from core.urls import external_url
from notifications.models import StaffNotice
from notifications.outbox import enqueue

MAIL_LANGUAGE = "zh_Hant_TW"  # the default; each person's mail is in their own language (Staff.language)
LANGUAGES = ("zh_Hant_TW", "en")
DELIVERIES = ("immediate", "daily")
# The daily digest goes out at the first run of the task from this Taipei hour on.
DIGEST_HOUR = 8
DIGEST_LIMIT = 200

TEXTS = {
    "routed": _l("Case %(case)s (%(subject)s) was routed to your unit."),
    "assigned": _l("Case %(case)s (%(subject)s) was assigned to you."),
    "returned_to_intake": _l("Case %(case)s (%(subject)s) was returned to intake. Reason: %(reason)s"),
    "reply_awaiting": _l("The reply to case %(case)s (%(subject)s) awaits your approval."),
    "extension_awaiting": _l("An extension of %(days)s days for case %(case)s (%(subject)s) awaits your approval."),
    "reply_approved": _l("Your reply to case %(case)s (%(subject)s) was approved and sent."),
    "reply_returned": _l("Your reply to case %(case)s (%(subject)s) was returned. Reason: %(reason)s"),
    "extension_approved": _l("Your extension for case %(case)s (%(subject)s) was approved; "
                             "the case is now due on %(due_on)s."),
    "extension_refused": _l("Your extension for case %(case)s (%(subject)s) was refused. Reason: %(reason)s"),
    "reveal_requested": _l("%(person)s asked to see the identity of the petitioner of case %(case)s. "
                           "Reason: %(reason)s"),
    "reveal_approved": _l("Your request to see the petitioner's identity in case %(case)s was approved. "
                          "Reason: %(reason)s"),
    "reveal_refused": _l("Your request to see the petitioner's identity in case %(case)s was refused. "
                         "Reason: %(reason)s"),
    "information_received": _l("The petitioner answered the request for more information in case %(case)s "
                               "(%(subject)s): the clock runs again, the case is now due on %(due_on)s."),
    "reopened": _l("The petitioner says case %(earlier)s is not resolved: it was reopened as case %(case)s "
                   "(%(subject)s) and routed back to your unit. Reason: %(reason)s"),
    "reopened_again": _l("Case %(earlier)s was reopened again, as case %(case)s (%(subject)s): it awaits the "
                         "secretariat's review. Reason: %(reason)s"),
    "petitioner_added": _l("The petitioner added information to case %(case)s (%(subject)s)."),
    "follow_up_opened": _l("A dissatisfied survey answer about your unit awaits its follow-up by %(due_on)s."),
    "due_soon": _l("Case %(case)s (%(subject)s) is due on %(due_on)s."),
    "due_today": _l("Case %(case)s (%(subject)s) is due today (%(due_on)s)."),
    "overdue": _l("%(count)s cases are overdue (as of %(day)s)."),
}


def render(kind: str, params: dict[str, Any]) -> str:
    """The notice's text in the current language."""
    text = TEXTS.get(kind)
    if text is None:
        return kind
    # A parameter a text (or its translation) names but the notice lacks reads as empty: a page never fails on it.
    values = defaultdict(str, {k: v for k, v in params.items() if isinstance(v, str | int | float)})
    if "subject" in params and not params["subject"]:
        values["subject"] = _("a confidential case")
    rendered = str(text) % values
    if params.get("for_name"):
        rendered = _("On behalf of %(name)s, who is away: %(text)s", name=params["for_name"], text=rendered)
    return rendered


def link(params: dict[str, Any], external: bool = False) -> str | None:
    target = params.get("link")
    if not target:
        return None
    endpoint, values = target[0], dict(target[1])
    return external_url(endpoint, **values) if external else url_for(endpoint, **values)


def case_params(number: str, subject: str | None, confidential: bool, **more: Any) -> dict[str, Any]:
    """A case's part of the parameters: its number, its subject unless it is confidential, and its page."""
    return {"case": number, "subject": None if confidential else subject,
            "link": ["cases.case_page", {"number": number}], **more}


def _working_person(person: Staff, day: date) -> tuple[Staff, Staff | None]:
    """The person, or their active deputy while they are away (and then whom the deputy stands in for)."""
    deputy = person.deputy
    if person.is_away(day) and deputy is not None and deputy.active and deputy.id != person.id:
        return deputy, person
    return person, None


def notify(people: Iterable[Staff], kind: str, params: dict[str, Any], *, key: str, case_id: int | None = None,
           skip: Staff | int | None = None) -> list[int]:
    """Tell each person (or their deputy) once per key: the in-app notice, and the mail at once unless they chose
    the digest. `skip`: the person who caused it (nobody is told of their own action). Returns the notices' ids."""
    skip_id = skip.id if isinstance(skip, Staff) else skip
    day, now = today(), utcnow()
    told: dict[int, tuple[Staff, Staff | None]] = {}
    for person in people:
        if person is None or not person.active or person.id == skip_id:
            continue
        recipient, away = _working_person(person, day)
        if recipient.id != skip_id:
            told.setdefault(recipient.id, (recipient, away))
    ids = []
    for recipient, away in told.values():
        row_params = {**params, "for_name": away.name} if away is not None else params
        immediate = recipient.notice_delivery != "daily"
        notice_key = f"{key}:{recipient.id}"
        notice_id = db.session.execute(
            insert_or_ignore(StaffNotice.__table__, "key").values(
                staff_id=recipient.id, case_id=case_id, kind=kind, params=row_params, key=notice_key,
                created_at=now, mailed_at=now if immediate else None).returning(StaffNotice.id)).scalar()
        if notice_id is None:  # told already (a retry, a second run)
            continue
        ids.append(notice_id)
        if immediate:
            _mail(recipient, [(kind, row_params)], key=f"staff-notice:{notice_key}", template="staff_notice")
    return ids


def record_shown(rows: list[dict[str, Any]]) -> None:
    """In-app notices for messages already mailed by their sender (the deadline reminders): each dict has
    staff_id, kind, params, key and case_id. One statement; keys already there are skipped."""
    if not rows:
        return
    now = utcnow()
    # As the sweep's ledger and outbox rows: one array per column (core/bulk.py), not one parameter set per row.
    insert_many_or_ignore(StaffNotice.__table__,
                          [{"case_id": None, **row, "created_at": now, "mailed_at": now} for row in rows], "key", "id")


def mail_language(person: Staff) -> str:
    """The language of a person's mail: the one they chose (Staff.language), zh-TW when it is not one we speak."""
    return person.language if person.language in LANGUAGES else MAIL_LANGUAGE


def _mail(recipient: Staff, notices: list[tuple[str, dict[str, Any]]], *, key: str, template: str) -> int:
    language = mail_language(recipient)
    with force_locale(language):
        lines = [{"text": render(kind, params), "url": link(params, external=True) or ""}
                 for kind, params in notices]
    return enqueue(kind=f"staff.{template}", to=recipient.email, template=template, language=language,
                   context={"name": recipient.name, "notices": lines, "count": len(lines),
                            "list_url": external_url("staff_notices.notices"),
                            "agency": current_app.config["AGENCY_NAME"]},
                   key=key)


# ------------------------------------------------------------------ the daily digest


def send_digests(day: date) -> int:
    """One mail per person with every notice held for the digest (once a day: the key is the person and day;
    notices held after it wait for the next day's). Returns how many digests were written."""
    held = db.session.scalars(select(Staff).where(Staff.id.in_(
        select(StaffNotice.staff_id).where(StaffNotice.mailed_at.is_(None)).distinct()))).all()
    sent = 0
    for person in held:
        key = f"staff-digest:{person.id}:{day}"
        from notifications.models import OutboxMessage

        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            continue
        claimed = db.session.execute(
            update(StaffNotice).where(StaffNotice.staff_id == person.id, StaffNotice.mailed_at.is_(None))
            .values(mailed_at=utcnow()).returning(StaffNotice.id, StaffNotice.kind, StaffNotice.params)
            .execution_options(synchronize_session=False)).all()
        if not claimed:
            continue
        claimed.sort(key=lambda row: row.id)
        _mail(person, [(row.kind, row.params) for row in claimed[-DIGEST_LIMIT:]], key=key,
              template="staff_notice_digest")
        sent += 1
    db.session.flush()
    return sent


@shared_task(name="notifications.send_staff_digests", ignore_result=True)
def send_staff_digests() -> int | None:
    with exclusive("notifications.send_staff_digests") as acquired:
        if not acquired or taipei_now().hour < DIGEST_HOUR:
            return None
        sent = send_digests(today())
        db.session.commit()
        return sent


# ------------------------------------------------------------------ reading


def unread_count(staff_id: int) -> int:
    """The header's count: one statement on the (staff_id, read_at) index."""
    return db.session.scalar(select(func.count()).select_from(StaffNotice)
                             .where(StaffNotice.staff_id == staff_id, StaffNotice.read_at.is_(None))) or 0


def page(staff_id: int, before: int | None, size: int = 50) -> tuple[list[StaffNotice], int | None]:
    query = select(StaffNotice).where(StaffNotice.staff_id == staff_id)
    if before is not None:
        query = query.where(StaffNotice.id < before)
    rows = list(db.session.scalars(query.order_by(StaffNotice.id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, rows[-1].id if more else None


def mark_read(staff_id: int, notice_id: int | None = None) -> int:
    """Mark one of the person's notices read (or all of them): how many changed."""
    condition = [StaffNotice.staff_id == staff_id, StaffNotice.read_at.is_(None)]
    if notice_id is not None:
        condition.append(StaffNotice.id == notice_id)
    return db.session.execute(update(StaffNotice).where(*condition).values(read_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def taipei(moment) -> str:  # noqa: ANN001
    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")
