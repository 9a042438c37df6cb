"""Questionnaire versions on the web: an administrator prepares a new version (a draft) and makes it current.
Versions are frozen once current; responses keep the version they answered; a key keeps its position (its
score column) in every later version, so old answers stay comparable (surveys/models.py)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from core import audit
from core.accounts.admin import FieldError
from core.accounts.models import Staff
from core.db import utcnow
from core.extensions import db
from surveys.models import SLOTS, Questionnaire
from surveys.services import current_questionnaire

KEY = re.compile(r"[a-z][a-z0-9_]{0,29}", re.ASCII)


def versions() -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.version.desc())))


def check_questions(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The filled rows of the form as questions; FieldError names the first wrong field (e.g. "q-2-key")."""
    questions = []
    for i, row in enumerate(rows, 1):
        key, zh, en = (row.get(k, "").strip() for k in ("key", "zh", "en"))
        if not (key or zh or en):
            continue
        if not KEY.fullmatch(key):
            raise FieldError(_("A key has small letters, digits or “_” and begins with a letter, e.g. speed."),
                             f"q-{i}-key")
        for text, name in ((zh, "zh"), (en, "en")):
            if not text:
                raise FieldError(_("Please write the question in both languages."), f"q-{i}-{name}")
            if len(text) > 200:
                raise FieldError(_("At most %(max)d characters.", max=200), f"q-{i}-{name}")
        if key in {q["key"] for q in questions}:
            raise FieldError(_("Each key may be used once."), f"q-{i}-key")
        questions.append({"key": key, "zh": zh, "en": en})
    if not 1 <= len(questions) <= SLOTS:
        raise FieldError(_("Give 1 to %(max)d questions.", max=SLOTS))
    if "overall" not in {q["key"] for q in questions}:
        raise FieldError(_("One question must have the key “overall” (the overall satisfaction)."))
    _check_positions(questions, current_questionnaire())
    return questions


def _check_positions(questions: list[dict[str, str]], current: Questionnaire | None) -> None:
    keys = [q["key"] for q in questions]
    for i, old in enumerate(current.questions if current else []):
        if old["key"] in keys and keys.index(old["key"]) != i:
            raise FieldError(_("“%(key)s” must stay question %(n)d, so that earlier answers stay comparable.",
                               key=old["key"], n=i + 1), f"q-{keys.index(old['key']) + 1}-key")


def _state(q: Questionnaire) -> dict[str, Any]:
    return {"version": q.version, "questions": q.questions, "current": q.published_at is not None}


def add_version(rows: list[dict[str, str]], by: Staff) -> Questionnaire:
    questions = check_questions(rows)
    version = (db.session.scalar(select(func.max(Questionnaire.version))) or 0) + 1
    # A draft: published_at stays NULL (a Core insert, where an explicit None is not replaced by the default).
    db.session.execute(insert(Questionnaire).values(version=version, questions=questions, published_at=None))
    q = db.session.scalar(select(Questionnaire).where(Questionnaire.version == version))
    audit.record(by, "questionnaire", version, "create", None, {"questions": questions})
    return q


def make_current(q: Questionnaire, by: Staff) -> None:
    current = current_questionnaire()
    if q.published_at is not None:
        raise FieldError(_("Version %(n)d has been in use already: prepare a new version with its questions "
                           "instead.", n=q.version), status=409)
    if current is not None and q.version < current.version:
        raise FieldError(_("Version %(n)d is older than the current version: prepare a new version instead.",
                           n=q.version), status=409)
    _check_positions(q.questions, current)
    q.published_at = utcnow()
    db.session.flush()
    audit.record(by, "questionnaire", q.version, "make_current",
                 {"current_version": current.version if current else None}, {"current_version": q.version})
