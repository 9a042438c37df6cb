"""The administrators' audit log: every change made through the administration pages (and the services they
call) with who, when, what (entity and id), the value before and the value after.

Services call `record()` in the same transaction as the change, so a refused or rolled-back change leaves no
entry, and an entry never describes a change that was not saved."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, Select, String, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from core.accounts.models import Staff
from core.clock import TAIPEI
from core.db import UTCDateTime, utcnow
from core.extensions import db

# What the log speaks of; the administration pages and the filter name them.
ENTITIES = ("unit", "staff", "setting", "time_limit_class", "calendar_day", "questionnaire", "open311_client",
            "periodic_analysis")


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


# ---------------------------------------------------------------- how an entry reads


@dataclass
class Vocabulary:
    """How one entity's entries read: its fields by their form labels, what the entry is about by name (ids to
    names, asked once per page for all its entries) and, where a field holds a code, the code by name."""

    fields: dict[str, Any] = field(default_factory=dict)
    subjects: Callable[[set[str]], Mapping[str, Any]] | None = None
    values: Callable[[str, Any], Any] | None = None
    hidden: frozenset[str] = frozenset()  # fields for the record only (a file's checksum)


# Each domain describes its entities (core: units, staff, settings; cases: time-limit classes and the calendar;
# surveys: questionnaire versions) in its init_app.
VOCABULARIES: dict[str, Vocabulary] = {}


def describe(entity: str, fields: Mapping[str, Any], subjects: Callable[[set[str]], Mapping[str, Any]] | None = None,
             values: Callable[[str, Any], Any] | None = None, hidden: Iterable[str] = ()) -> None:
    assert entity in ENTITIES, entity
    VOCABULARIES[entity] = Vocabulary(dict(fields), subjects, values, frozenset(hidden))


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Line:
    """One field of a value: its label and its value (text, a date or an instant for the page's date filters,
    or the lines of a nested value)."""

    label: Any
    value: Any


@dataclass(frozen=True)
class ReadableEntry:
    entry: AuditEntry
    subject: Any
    before: Any
    after: Any


def readable_value(value: Any) -> Any:
    """A stored value as a reader reads it: yes/no, dates as dates (the page shows them through `day`), lists
    item by item, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and ISO_MOMENT.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return date.fromisoformat(value)
    if isinstance(value, (list, tuple)):
        return [readable_value(v) for v in value]
    return value


def _lines(entity: str, value: Any) -> Any:
    vocabulary = VOCABULARIES.get(entity, Vocabulary())
    if not isinstance(value, dict):
        return readable_value(vocabulary.values("", value) if vocabulary.values else value)
    lines = []
    for key, raw in value.items():
        if key in vocabulary.hidden:
            continue
        shown = vocabulary.values(key, raw) if vocabulary.values else raw
        if isinstance(shown, dict):
            shown = [Line(label, readable_value(v)) for label, v in shown.items()]
        else:
            shown = readable_value(shown)
        lines.append(Line(vocabulary.fields.get(key, key), shown))
    return lines


def readable(entries: Iterable[AuditEntry]) -> list[ReadableEntry]:
    """The page's entries with every field by its label and every value readable, in the reader's language.
    What each entry is about is looked up once per entity for the whole page."""
    entries = list(entries)
    ids: dict[str, set[str]] = {}
    for entry in entries:
        ids.setdefault(entry.entity, set()).add(entry.entity_id)
    names: dict[str, Mapping[str, Any]] = {}
    for entity, wanted in ids.items():
        vocabulary = VOCABULARIES.get(entity)
        names[entity] = vocabulary.subjects(wanted) if vocabulary and vocabulary.subjects else {}
    return [ReadableEntry(entry, names[entry.entity].get(entry.entity_id, entry.entity_id),
                          None if entry.old_value is None else _lines(entry.entity, entry.old_value),
                          None if entry.new_value is None else _lines(entry.entity, entry.new_value))
            for entry in entries]
