from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.case_file import Attachment, Submission
from core.accounts.models import Staff, Unit
from core.db import UTCDateTime, utcnow
from core.extensions import db


class CaseState(enum.StrEnum):
    REGISTERED = "registered"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    AWAITING_APPROVAL = "awaiting_approval"
    # 補陳 (rule 25): the petitioner was asked for more information; the case's clock is stopped until they answer.
    AWAITING_INFORMATION = "awaiting_information"
    CLOSED = "closed"
    TRANSFERRED = "transferred"
    NOT_HANDLED = "not_handled"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(
            "state IN ('registered', 'routed', 'in_progress', 'awaiting_approval', 'awaiting_information', "
            "'closed', 'transferred', 'not_handled')",
            name="state_known",
        ),
        # The reminder sweep and the due-soon/overdue filters: open cases by due date.
        Index("ix_cases_state_due_on", "state", "due_on"),
        # Work queues: a unit's cases in a state, newest first.
        Index("ix_cases_unit_state_id", "unit_id", "state", "id"),
        Index("ix_cases_handler_state", "handler_id", "state"),
        Index("ix_cases_closed_on", "closed_on"),
        # The intake home: new cases by routing date, read in index order up to the first twenty.
        Index("ix_cases_state_routing_due_on", "state", "routing_due_on", "received_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=CaseState.REGISTERED.value)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(16))
    # Domain rule 27 (1): flagged at registration for the intake officer's decision.
    lacks_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    access_code_hash: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    limit_class: Mapped[str] = mapped_column(String(40))
    # The limit as it was when the case was classified (interpretation I1): a later change to the class
    # applies to cases classified afterwards, never to this one. Only reclassification changes it.
    limit_days: Mapped[int] = mapped_column(Integer)
    limit_counts_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_name_zh: Mapped[str] = mapped_column(String(60), default="")
    limit_name_en: Mapped[str] = mapped_column(String(60), default="")
    # 限期公文: a deadline set by the sender (rule 9).
    sender_deadline: Mapped[date | None] = mapped_column(Date)
    # The limit before any extension; statistics report on-time against both (rule 16).
    original_due_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    # Some day from receipt to the due date lies in a year without the official DGPA calendar (I7).
    due_on_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # The intake milestone: routed, transferred or declared "not handled" by this day (I5), counted like the
    # limit from the setting's working days as they were at registration (routing_days).
    routing_days: Mapped[int | None] = mapped_column(Integer)
    routing_due_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    days_used: Mapped[float | None] = mapped_column(Float)
    # How the matter ended (met / explained / refused / other): surveys judge units fairly with it.
    outcome: Mapped[str | None] = mapped_column(String(20))
    not_handled_ground: Mapped[str | None] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(60), default="")
    # The petitioner said the answer of this earlier case did not resolve the matter (issue 13: cases/reopen.py).
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # What the petitioner sent (cases/case_file.py): part of the case file, owned by cases like the rest.
    submission: Mapped[Submission] = relationship()
    unit: Mapped[Unit | None] = relationship()
    handler: Mapped[Staff | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    extensions: Mapped[list[Extension]] = relationship(back_populates="case", order_by="Extension.id")
    replies: Mapped[list[Reply]] = relationship(back_populates="case", order_by="Reply.id")
    information_requests: Mapped[list[InformationRequest]] = relationship(back_populates="case",
                                                                          order_by="InformationRequest.id")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def paused_days(self) -> int:
        """Working days the clock stood still while the petitioner was asked for more information (補陳)."""
        return sum(r.paused_days or 0 for r in self.information_requests)

    @property
    def sent_reply(self) -> Reply | None:
        return next((r for r in self.replies if r.status == ReplyStatus.SENT), None)

    # Two people saving the same case: the second UPDATE matches no row and fails.
    __mapper_args__ = {"version_id_col": version}


OPEN_STATES = (CaseState.REGISTERED.value, CaseState.ROUTED.value, CaseState.IN_PROGRESS.value,
               CaseState.AWAITING_APPROVAL.value, CaseState.AWAITING_INFORMATION.value)
# Once routed a unit is accountable for the deadline; reminders go to open cases in these states.
UNIT_OPEN_STATES = OPEN_STATES[1:]
# Open, but the clock stopped (補陳): no due-soon, due-today or overdue while the agency waits for the petitioner.
CLOCK_STOPPED_STATES = (CaseState.AWAITING_INFORMATION.value,)
CLOCK_RUNNING_STATES = tuple(s for s in OPEN_STATES if s not in CLOCK_STOPPED_STATES)
UNIT_CLOCK_RUNNING_STATES = tuple(s for s in UNIT_OPEN_STATES if s not in CLOCK_STOPPED_STATES)


class CaseEvent(db.Model):
    """The case timeline: one row per transition, never updated."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    # Only what a person typed (a reason, a note). What the code knows (a unit, a handler, days, a ground, a
    # limit class, a cause) is in `detail`, and cases/timeline.py words it in the reader's language. Events
    # written before `detail` existed have {} and an English note composed from codes: shown as it is.
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # A due-date change (action "due_date_changed", I2): the date before and after; the note says why.
    due_before: Mapped[date | None] = mapped_column(Date)
    due_after: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[Staff | None] = relationship()

    @property
    def text(self) -> str:
        """What happened, in the reader's language (cases/timeline.py): the case page's and the API's sentence."""
        from cases.timeline import describe

        return describe(self)


class CaseNumberCounter(db.Model):
    """Last case number used per ROC year; incremented in SQL so numbers are unique under load."""

    __tablename__ = "case_number_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ExtensionStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class Extension(db.Model):
    """展期: requested by the handler before the due date, decided by the supervisor."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ExtensionStatus.REQUESTED.value)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    due_before: Mapped[date] = mapped_column(Date)
    due_after: Mapped[date | None] = mapped_column(Date)
    # How its days count, fixed when it is requested (I3): calendar days for a class that counts them.
    counts_holidays: Mapped[bool] = mapped_column(Boolean, default=False)

    case: Mapped[Case] = relationship(back_populates="extensions")
    requested_by: Mapped[Staff] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id])


class ReplyStatus(enum.StrEnum):
    DRAFT = "draft"          # awaiting the supervisor's approval
    RETURNED = "returned"    # sent back to the handler
    SENT = "sent"            # approved and handed to the outbox


class Reply(db.Model):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    remedy_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=ReplyStatus.DRAFT.value)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    # 發文字號, given once when the reply is approved (cases/documents.py).
    document_number: Mapped[str | None] = mapped_column(String(60), unique=True)

    case: Mapped[Case] = relationship(back_populates="replies")
    drafted_by: Mapped[Staff] = relationship(foreign_keys=[drafted_by_id])
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id])
    # Every version of the text, the first as drafted, then one per edit after a return; the reply's own body,
    # outcome, notice and language are the last version's (the approved letter is the last version).
    versions: Mapped[list[ReplyVersion]] = relationship(back_populates="reply", order_by="ReplyVersion.number")
    attachments: Mapped[list[ReplyAttachment]] = relationship(order_by="ReplyAttachment.id", viewonly=True)

    def authors(self) -> frozenset[int]:
        """Who wrote any version: none of them may approve it (four eyes)."""
        return frozenset({self.drafted_by_id, *(v.edited_by_id for v in self.versions)})


class ReplyAttachment(db.Model):
    """A file the handler attaches to a reply draft (issue 13): stored like the petitioner's attachments (in the
    database, under a derived name), sent as an access-code protected link with the approved reply."""

    __tablename__ = "reply_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  # derived: {case number}-R{n}.{detected extension}
    title: Mapped[str] = mapped_column(String(200))  # the name the handler's file had, cleaned, shown in the list
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reply: Mapped[Reply] = relationship()


class ReplyVersion(db.Model):
    """One version of a reply: what it said, who wrote it and when, and the return that led to it (if any)."""

    __tablename__ = "reply_versions"
    __table_args__ = (UniqueConstraint("reply_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(20))
    remedy_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The supervisor's reason for returning the previous version ("" for the first).
    return_reason: Mapped[str] = mapped_column(Text, default="")

    reply: Mapped[Reply] = relationship(back_populates="versions")
    edited_by: Mapped[Staff] = relationship()


class Transfer(db.Model):
    """移文: the case went to the competent agency (APA art. 172); the petitioner is told."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    agency: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseLink(db.Model):
    """A repeat or related petition linked to an earlier case of the same petitioner."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    earlier_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # None: the petitioner linked it by reopening the earlier case (cases/reopen.py).
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    earlier_case: Mapped[Case] = relationship(foreign_keys=[earlier_case_id])


class PetitionerMessage(db.Model):
    """What the petitioner added to an open case from the tracking page or the API (cases/additions.py), with its
    attachments (kept with the submission's, `Attachment.petitioner_message_id` naming the message)."""

    __tablename__ = "petitioner_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # web, api
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A retried request (Idempotency-Key, the page's form token) finds this message instead of adding another.
    idempotency_digest: Mapped[str | None] = mapped_column(String(64), unique=True)

    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id", viewonly=True)


class CalendarDay(db.Model):
    """The agency's own closures (typhoon days) and extra working days, over the national calendar."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfficeCalendarYear(db.Model):
    """A year of the official DGPA office calendar, imported from its CSV (`flask calendar import`)."""

    __tablename__ = "office_calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfficeCalendarDay(db.Model):
    """One day of the official calendar: 是否放假 (2 = day off, 0 = working day) and its 備註."""

    __tablename__ = "office_calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")


class TimeLimitClass(db.Model):
    """A time-limit class; the built-in ones carry the 文書處理手冊 defaults, administrators add more."""

    __tablename__ = "time_limit_classes"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    days: Mapped[int] = mapped_column(Integer)
    counts_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReminderLedger(db.Model):
    """Every reminder sent, so that none is sent twice (the unique key decides between racing sweeps)."""

    __tablename__ = "reminder_ledger"
    __table_args__ = (Index("ix_reminder_ledger_case_kind", "case_id", "kind", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    on_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdentityReveal(db.Model):
    """A request to see a confidential petitioner's identity; only an ethics officer approves it."""

    __tablename__ = "identity_reveals"
    __table_args__ = (Index("ix_identity_reveals_case_staff", "case_id", "requested_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved: Mapped[bool | None] = mapped_column(Boolean)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    requested_by: Mapped[Staff] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id])


class PersonalDataAccess(db.Model):
    """Every view of a petitioner's identifying data: who, when, which case, why."""

    __tablename__ = "personal_data_access"
    __table_args__ = (
        Index("ix_personal_data_access_staff_at", "staff_id", "at"),
        Index("ix_personal_data_access_case_at", "case_id", "at"),
        Index("ix_personal_data_access_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    purpose: Mapped[str] = mapped_column(String(20))   # page, api, reveal, ethics
    reveal_id: Mapped[int | None] = mapped_column(ForeignKey("identity_reveals.id"))

    staff: Mapped[Staff] = relationship()
    case: Mapped[Case] = relationship()


class EthicsReferral(db.Model):
    """移請政風室: a case a member of staff referred to the ethics office, with the reason."""

    __tablename__ = "ethics_referrals"
    __table_args__ = (
        # One open referral per case: a second click or a second colleague finds the first.
        Index("uq_ethics_referrals_open_case", "case_id", unique=True,
              postgresql_where=text("ethics_case_id IS NULL"), sqlite_where=text("ethics_case_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ethics_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    ethics_case: Mapped[Case | None] = relationship(foreign_keys=[ethics_case_id])
    referred_by: Mapped[Staff] = relationship(foreign_keys=[referred_by_id])


class InformationStatus(enum.StrEnum):
    OPEN = "open"                # asked, not yet answered: the clock is stopped
    ANSWERED = "answered"        # answered: the due date moved by the paused working days
    UNANSWERED = "unanswered"    # not answered by the reply-by date, and the case closed as not handled


class InformationRequest(db.Model):
    """補陳 (APA art. 171, domain rule 25): a question to the petitioner, and the clock stopped until the answer."""

    __tablename__ = "information_requests"
    __table_args__ = (
        # One open question per case: a second request (or two staff at once) finds the first.
        Index("uq_information_requests_open_case", "case_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    asked_on: Mapped[date] = mapped_column(Date)          # the Taipei day of the request
    reply_by: Mapped[date] = mapped_column(Date)          # the last working day the petitioner was given
    status: Mapped[str] = mapped_column(String(12), default=InformationStatus.OPEN.value)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The office day the answer counts as received on (after office hours or on a day off: the next working day).
    answered_on: Mapped[date | None] = mapped_column(Date)
    # Working days d with asked_on < d <= answered_on (or the closing day, unanswered): cases/pauses.py.
    paused_days: Mapped[int | None] = mapped_column(Integer)
    due_before: Mapped[date | None] = mapped_column(Date)
    due_after: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="information_requests")
    asked_by: Mapped[Staff] = relationship()
