"""The administrators' audit log: every change made through the administration pages (and the services they
call) with who, when, what (entity and id), the value before and the value after.

Services call `record()` in the same transaction as the change, so a refused or rolled-back change leaves no
entry, and an entry never describes a change that was not saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Select, String, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from core.accounts.models import Staff
from core.clock import TAIPEI
from core.db import UTCDateTime, utcnow
from core.extensions import db

# What the log speaks of; the administration pages and the filter name them.
ENTITIES = ("unit", "staff", "setting", "time_limit_class", "calendar_day", "questionnaire")


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None: a command on the server (flask …), not a person on the web.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)

    actor: Mapped[Staff | None] = relationship()


def _plain(value: Any) -> Any:
    """JSON-safe: dates as ISO text, sets as sorted lists, everything else as given."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def record(by: Any, entity: str, entity_id: Any, action: str, old: Any = None, new: Any = None) -> AuditEntry | None:
    """One entry, in the caller's transaction. A "change" whose old and new values are equal is not one: it
    records nothing and returns None."""
    assert entity in ENTITIES, entity
    old, new = _plain(old), _plain(new)
    if action == "update":
        if old == new:
            return None
        if isinstance(old, dict) and isinstance(new, dict):  # only what changed
            changed = [k for k in new if old.get(k) != new.get(k)]
            old, new = {k: old.get(k) for k in changed}, {k: new[k] for k in changed}
    entry = AuditEntry(actor_id=getattr(by, "id", None), entity=entity, entity_id=str(entity_id), action=action,
                       old_value=old, new_value=new, at=utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """The audit page's filters, as they are in the URL."""

    entity: str
    person: str
    start: date
    end: date

    def query(self) -> Select:
        since = datetime.combine(self.start, time(0), TAIPEI)
        until = datetime.combine(self.end + timedelta(days=1), time(0), TAIPEI)
        query = (select(AuditEntry).options(joinedload(AuditEntry.actor))
                 .where(AuditEntry.at >= since, AuditEntry.at < until))
        if self.entity in ENTITIES:
            query = query.where(AuditEntry.entity == self.entity)
        if self.person:
            from core.accounts.services import find_staff

            staff = find_staff(self.person)
            query = query.where(AuditEntry.actor_id == (staff.id if staff else -1))
        return query

    def args(self) -> dict[str, str]:
        return {"entity": self.entity, "person": self.person, "from": self.start.isoformat(),
                "to": self.end.isoformat()}
