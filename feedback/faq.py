"""The public FAQ (業務問與答), issue 14 deliver 4: entries in Chinese and English by category, every save a new
version row, published or not; search that works on Chinese text; the suggestions the intake forms show from the
subject the citizen typed, and the daily count of how often they were shown and how often the citizen stopped there.

Search: the query is cut into terms — itself, and for Chinese the overlapping pairs of characters (a Chinese query
has no spaces: "路燈不亮" finds "路燈故障怎麼辦" by 路燈), for other scripts its words — and an entry matches when a
term is in its question or answer (ILIKE; on PostgreSQL served by pg_trgm GIN indexes for terms of three characters
or more, SQLite scans: the FAQ is small). Entries are ranked by the number of terms they contain, the question
counting double.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Staff
from core.clock import today
from core.db import UTCDateTime, insert_or_ignore, utcnow
from core.extensions import db

QUESTION_MAX = 300
ANSWER_MAX = 10_000
CATEGORY_MAX = 60
RESULTS_MAX = 30
SUGGESTIONS_MAX = 3
TERMS_MAX = 20
# What an editor writes for an entry; every save keeps all of it as a version.
TEXT_FIELDS = ("category", "category_en", "question_zh", "answer_zh", "question_en", "answer_en")


def _trgm(name: str, column: str) -> Index:
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


class FaqEntry(db.Model):
    """An entry as published now: the last version's text (the versions keep every earlier one)."""

    __tablename__ = "faq_entries"
    __table_args__ = (
        _trgm("ix_faq_entries_question_zh_trgm", "question_zh"),
        _trgm("ix_faq_entries_answer_zh_trgm", "answer_zh"),
        _trgm("ix_faq_entries_question_en_trgm", "question_en"),
        _trgm("ix_faq_entries_answer_en_trgm", "answer_en"),
        Index("ix_faq_entries_published_category", "published", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="")
    # The category's name on English pages; the Chinese name stays the key that groups and filters entries.
    category_en: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="", server_default="")
    question_zh: Mapped[str] = mapped_column(String(QUESTION_MAX), default="")
    answer_zh: Mapped[str] = mapped_column(Text, default="")
    question_en: Mapped[str] = mapped_column(String(QUESTION_MAX), default="")
    answer_en: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[FaqEntryVersion]] = relationship(back_populates="entry", order_by="FaqEntryVersion.number")

    def question(self, language: str) -> str:
        return (self.question_en or self.question_zh) if language == "en" else (self.question_zh or self.question_en)

    def answer(self, language: str) -> str:
        return (self.answer_en or self.answer_zh) if language == "en" else (self.answer_zh or self.answer_en)


class FaqEntryVersion(db.Model):
    """One save of an entry: what it said, who saved it and when."""

    __tablename__ = "faq_entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="")
    category_en: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="", server_default="")
    question_zh: Mapped[str] = mapped_column(String(QUESTION_MAX), default="")
    answer_zh: Mapped[str] = mapped_column(Text, default="")
    question_en: Mapped[str] = mapped_column(String(QUESTION_MAX), default="")
    answer_en: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[FaqEntry] = relationship(back_populates="versions")
    edited_by: Mapped[Staff] = relationship()


class FaqSuggestionDay(db.Model):
    """Per day: how often the intake forms showed FAQ suggestions, and how often the citizen said that answered
    their question and did not submit."""

    __tablename__ = "faq_suggestion_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    stopped: Mapped[int] = mapped_column(Integer, default=0)


# ------------------------------------------------------------------ search

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Other words: three letters or more and not a common English word, which would match inside others ("in" in
# "parking", "the" in "there") and suggest entries that only share the grammar.
_WORD = re.compile(r"[^\W_]{3,}")
_STOP_WORDS = frozenset({
    "the", "and", "for", "with", "out", "from", "that", "this", "these", "those", "how", "what", "when", "where",
    "which", "who", "why", "can", "could", "not", "are", "was", "were", "you", "your", "our", "have", "has", "had",
    "does", "did", "into", "about", "there", "their", "them", "they", "but", "all", "any", "get", "got", "its",
    "may", "might", "should", "would", "will", "please",
})


def terms_of(query: str) -> list[str]:
    """The search terms of a query: itself, the pairs of characters of its Chinese runs, its other words."""
    query = " ".join((query or "").split())[:100]
    if not query:
        return []
    terms = [query]
    for run in _CJK_RUN.findall(query):
        terms += [run] if len(run) <= 2 else [run[i:i + 2] for i in range(len(run) - 1)]
    terms += [w for w in _WORD.findall(_CJK_RUN.sub(" ", query)) if w.lower() not in _STOP_WORDS]
    seen: dict[str, None] = {}
    for term in terms:
        seen.setdefault(term.lower(), None)
    return list(seen)[:TERMS_MAX]


def _escaped(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class Found:
    entry: FaqEntry
    score: int


def search(query: str, *, limit: int = RESULTS_MAX, category: str = "") -> list[FaqEntry]:
    """Published entries matching the query, best first."""
    terms = terms_of(query)
    if not terms:
        return []
    columns = (FaqEntry.question_zh, FaqEntry.answer_zh, FaqEntry.question_en, FaqEntry.answer_en)
    clause = or_(*(column.ilike(_escaped(term), escape="\\") for term in terms for column in columns))
    q = select(FaqEntry).where(FaqEntry.published.is_(True), clause)
    if category:
        q = q.where(FaqEntry.category == category)
    rows = db.session.scalars(q.order_by(FaqEntry.id).limit(200)).all()
    scored = []
    for entry in rows:
        question = f"{entry.question_zh}\n{entry.question_en}".lower()
        answer = f"{entry.answer_zh}\n{entry.answer_en}".lower()
        score = sum(2 * (t in question) + (t in answer) + (3 if i == 0 and t in question else 0)
                    for i, t in enumerate(terms))
        scored.append(Found(entry, score))
    scored.sort(key=lambda f: (-f.score, f.entry.id))
    return [f.entry for f in scored[:limit]]


def suggestions(subject: str) -> list[FaqEntry]:
    """The few entries the intake form shows for the subject typed: those whose question shares a term with it,
    or whose answer shares two (one shared pair of characters in a long answer is too weak a sign)."""
    terms = terms_of(subject)
    strong = []
    for entry in search(subject, limit=SUGGESTIONS_MAX * 3):
        question = f"{entry.question_zh}\n{entry.question_en}".lower()
        answer = f"{entry.answer_zh}\n{entry.answer_en}".lower()
        if any(t in question for t in terms) or sum(t in answer for t in terms) >= 2:
            strong.append(entry)
    return strong[:SUGGESTIONS_MAX]


def published(category: str = "") -> list[FaqEntry]:
    q = select(FaqEntry).where(FaqEntry.published.is_(True))
    if category:
        q = q.where(FaqEntry.category == category)
    return list(db.session.scalars(q.order_by(FaqEntry.category, FaqEntry.id)))


def categories(language: str) -> dict[str, str]:
    """The published categories, each key (its Chinese name) with its name in `language`: on English pages the
    English name an entry of that category gives, else the Chinese one."""
    names: dict[str, str] = {}
    rows = db.session.execute(select(FaqEntry.category, FaqEntry.category_en).where(FaqEntry.published.is_(True))
                              .distinct().order_by(FaqEntry.category, FaqEntry.category_en.desc()))
    for key, english in rows:
        if key and key not in names:
            names[key] = (english or key) if language == "en" else key
    return names


# ------------------------------------------------------------------ the counter


def count(what: str) -> None:
    """One more suggestion shown ("shown") or one more citizen who stopped there ("stopped"), today."""
    column = {"shown": FaqSuggestionDay.shown, "stopped": FaqSuggestionDay.stopped}[what]
    day = today()
    db.session.execute(insert_or_ignore(FaqSuggestionDay, "day").values(day=day, shown=0, stopped=0))
    db.session.execute(update(FaqSuggestionDay).where(FaqSuggestionDay.day == day).values({column.key: column + 1}))


def recent_counts(days: int = 30) -> list[FaqSuggestionDay]:
    return list(db.session.scalars(select(FaqSuggestionDay).order_by(FaqSuggestionDay.day.desc()).limit(days)))


# ------------------------------------------------------------------ editing (the secretariat)


class FaqInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def save(entry: FaqEntry | None, form, by: Staff) -> FaqEntry:  # noqa: ANN001
    """Create or change an entry: each save is a new version row; the entry shows the last."""
    from flask_babel import gettext as _

    def text(key: str) -> str:
        return (form.get(key) or "").replace("\x00", "").strip()

    values = {k: text(k) for k in TEXT_FIELDS}
    values["published"] = form.get("published") in ("1", "on", "y", "true")
    errors = {}
    if not values["question_zh"] and not values["question_en"]:
        errors["question_zh"] = _("Write the question in Chinese, in English or in both.")
    if bool(values["question_zh"]) != bool(values["answer_zh"]) or bool(values["question_en"]) != bool(
            values["answer_en"]):
        errors["answer_zh"] = _("Each language needs both its question and its answer.")
    longest = {CATEGORY_MAX: ("category", "category_en"), QUESTION_MAX: ("question_zh", "question_en"),
               ANSWER_MAX: ("answer_zh", "answer_en")}
    if any(len(values[k]) > limit for limit, keys in longest.items() for k in keys):
        errors["category"] = _("A field is too long.")
    if errors:
        raise FaqInvalid(errors)
    if entry is None:
        entry = FaqEntry()
        db.session.add(entry)
    for key, value in values.items():
        setattr(entry, key, value)
    entry.updated_at = utcnow()
    number = (entry.versions[-1].number if entry.versions else 0) + 1
    entry.versions.append(FaqEntryVersion(number=number, edited_by_id=by.id, edited_at=utcnow(), **values))
    db.session.flush()
    return entry


def set_published(entry: FaqEntry, published_now: bool, by: Staff) -> None:
    """Publish or withdraw: recorded as a version like any save."""
    form = {k: getattr(entry, k) for k in TEXT_FIELDS}
    save(entry, {**form, "published": "1" if published_now else ""}, by)
