from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, utcnow
from core.extensions import db


def about(submission_id: int) -> str:
    """The outbox's mark on a message that carries this petitioner's personal data (retention erases it)."""
    return f"submission:{submission_id}"


class Channel(enum.StrEnum):
    PETITION = "petition"      # 人民陳情
    MAILBOX = "mailbox"        # 首長信箱
    COMPLAINT = "complaint"    # 申訴/檢舉


class ComplaintCategory(enum.StrEnum):
    INTEGRITY = "integrity"    # 廉政或違法失職
    SERVICE = "service"        # 服務態度或行政效率
    OTHER = "other"


class Source(enum.StrEnum):
    WEB = "web"
    API = "api"
    STAFF = "staff"


class ReceivedVia(enum.StrEnum):
    """How the petition reached the agency; the last four are staff-entered."""

    ONLINE = "online"
    PHONE = "phone"
    COUNTER = "counter"
    LETTER = "letter"
    FAX = "fax"
    REFERRAL = "referral"  # opened by the ethics office from a member of staff's referral


class Submission(db.Model):
    """What a citizen sent, as sent. Becomes a case once verified (or when staff register it)."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("channel IN ('petition', 'mailbox', 'complaint')", name="channel_known"),
        CheckConstraint("source IN ('web', 'api', 'staff')", name="source_known"),
        # The purge's query: unverified submissions past their expiry.
        Index("ix_submissions_unverified_expiry", "verified_at", "verification_expires_at"),
        # Staff search subject and petitioner with ILIKE '%...%': trigram indexes on PostgreSQL
        # (plain indexes on SQLite, which ignores the PostgreSQL options).
        Index("ix_submissions_subject_trgm", "subject", postgresql_using="gin",
              postgresql_ops={"subject": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    received_via: Mapped[str] = mapped_column(String(10), default=ReceivedVia.ONLINE.value)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verification_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A retried submission (the API's Idempotency-Key, the web form's hidden token) finds this one again.
    idempotency_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    verification_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_ip_digest: Mapped[str | None] = mapped_column(String(64))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the matter is (issue 14: Open311's lat, long and address_string), when the citizen said: WGS 84 degrees
    # and a description of the place. Shown to staff with a link to a map; never in a public answer as given.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address_string: Mapped[str | None] = mapped_column(String(300))

    identity_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Attachment.id",
        lazy="selectin",
    )
    # Who the petitioner is lives in its own table (rules 29, 40-41: kept apart from the case), read
    # through these properties by the services that mail the petitioner; pages show it only
    # through cases.privacy, which masks and logs.
    identity: Mapped[PetitionerIdentity | None] = relationship(
        back_populates="submission", cascade="all, delete-orphan", uselist=False, lazy="joined",
    )

    def _identity(self) -> PetitionerIdentity:
        if self.identity is None:
            self.identity = PetitionerIdentity()
        return self.identity

    @property
    def name(self) -> str:
        return self.identity.name if self.identity else ""

    @name.setter
    def name(self, value: str) -> None:
        self._identity().name = value

    @property
    def email(self) -> str:
        return self.identity.email if self.identity else ""

    @email.setter
    def email(self, value: str) -> None:
        self._identity().email = value

    @property
    def phone(self) -> str:
        return self.identity.phone if self.identity else ""

    @phone.setter
    def phone(self, value: str) -> None:
        self._identity().phone = value

    @property
    def address(self) -> str:
        return self.identity.address if self.identity else ""

    @address.setter
    def address(self, value: str) -> None:
        self._identity().address = value

    @property
    def sms_to(self) -> str:
        """The E.164 mobile number to text notices to, when the petitioner asked for SMS notices; else ""."""
        identity = self.identity
        return identity.sms_phone if identity is not None and identity.sms_notices and identity.sms_phone else ""

    @property
    def lacks_identity(self) -> bool:
        """Domain rule 27 (1): no real name, or no way to reach the petitioner."""
        return not self.name.strip() or not (self.email or self.phone or self.address)


class PetitionerIdentity(db.Model):
    """The petitioner's identifying data, apart from the submission; erased after the retention period."""

    __tablename__ = "petitioner_identities"
    __table_args__ = (
        Index("ix_petitioner_identities_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
    )

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # Notices by SMS (issue 13): the petitioner's choice, and their mobile number normalised to E.164 (+8869…).
    sms_notices: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_phone: Mapped[str] = mapped_column(String(16), default="")

    submission: Mapped[Submission] = relationship(back_populates="identity")


# Allowed attachment types, recognised by their first bytes (never by the file name): the petitioner's and the
# reply's attachments alike (feedback/rules.py checks intake against it, cases/reply_files.py the reply's).
ATTACHMENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (.xlsx)",
    "application/vnd.oasis.opendocument.text": "ODF (.odt)",
    "application/vnd.oasis.opendocument.spreadsheet": "ODF (.ods)",
}


class Attachment(db.Model):
    # Kept in the database so that a submission and its files commit (or vanish) together.
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # Identifying attachments (a signed letter, an ID card) are shown only where the identity is.
    identifying: Mapped[bool] = mapped_column(Boolean, default=False)
    # Added later by the petitioner to the open case (cases.models.PetitionerMessage), not sent with the submission.
    petitioner_message_id: Mapped[int | None] = mapped_column(ForeignKey("petitioner_messages.id"), index=True)
    # Sent with an answer to a request for information (補陳, cases.models.InformationRequest).
    information_request_id: Mapped[int | None] = mapped_column(ForeignKey("information_requests.id"), index=True)

    submission: Mapped[Submission] = relationship(back_populates="attachments")
