"""Reply templates (常見問答集 for staff), issue 14 deliver 5.

A template belongs to a unit (or to the whole agency when it has none) and optionally to a category (the case's
complaint category, or the category intake classified it under; empty: any case). It has a Chinese and an English
text with placeholders, filled in from the case in the petitioner's language when the handler inserts it into the
reply draft. Supervisors manage their unit's templates, the secretariat every template (core.policy).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case
from cases.workflow import TransitionRefused
from core.accounts.models import Staff, Unit
from core.db import UTCDateTime, utcnow
from core.extensions import db

TITLE_MAX = 200
CATEGORY_MAX = 60
TEXT_MAX = 10_000

# The placeholders a template may use, with what each becomes (shown on the management page).
PLACEHOLDERS = {
    "greeting": _l("the greeting in the reply's language, with the petitioner's name (without it for a "
                   "confidential case or an unnamed petitioner)"),
    "case_number": _l("the case number"),
    "subject": _l("the subject the petitioner wrote"),
    "received_on": _l("the day the case was received"),
    "due_on": _l("the due date"),
    "unit": _l("the responsible unit"),
    "agency": _l("the agency's name"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ReplyTemplate(db.Model):
    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: for every unit (only the secretariat makes those).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="")
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    # Inserting the template ticks the legal-remedy notice (domain rule 24).
    remedy_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    updated_by: Mapped[Staff | None] = relationship()

    def text(self, language: str) -> str:
        """The text in the language, or the other one when that one is empty."""
        first, second = (self.body_en, self.body_zh) if language == "en" else (self.body_zh, self.body_en)
        return first or second


class TemplateInvalid(TransitionRefused):
    """The form's input was refused (422), with a message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()), 422)


# ------------------------------------------------------------------ for a case


def for_case(case: Case) -> list[ReplyTemplate]:
    """The active templates that fit the case: its unit's and the agency-wide ones, of its category or of any."""
    categories = [c for c in (case.category, (case.topic or "").strip()) if c]
    query = select(ReplyTemplate).where(
        ReplyTemplate.active.is_(True),
        or_(ReplyTemplate.unit_id.is_(None), ReplyTemplate.unit_id == case.unit_id),
        or_(ReplyTemplate.category == "", ReplyTemplate.category.in_(categories)))
    return list(db.session.scalars(query.order_by(ReplyTemplate.title, ReplyTemplate.id)))


def _date(value: date | None, language: str) -> str:
    if value is None:
        return "—"
    if language == "en":
        return f"{value.strftime('%B')} {value.day}, {value.year}"
    return f"{value.year - 1911}年{value.month}月{value.day}日"  # 民國, as letters print it


def values(case: Case, language: str) -> dict[str, str]:
    """What the placeholders become for the case, in `language`."""
    name = "" if case.confidential else (case.submission.name or "").strip()
    greetings = {"en": (f"Dear {name},", "Hello,")}.get(language, (f"{name} 您好：", "您好："))
    greeting = greetings[0] if name else greetings[1]
    unit = case.unit.name if case.unit else ""
    return {"greeting": greeting, "case_number": case.number, "subject": case.submission.subject,
            "received_on": _date(case.received_on, language), "due_on": _date(case.due_on, language),
            "unit": unit, "agency": current_app.config["AGENCY_NAME"]}


def fill(text: str, filled: dict[str, str]) -> str:
    """The placeholders replaced; an unknown one is left as written (the quality check of the eye)."""
    return _PLACEHOLDER.sub(lambda m: filled.get(m.group(1), m.group(0)), text)


def insert(case: Case, template_id: int | None, typed: str, language: str | None = None) -> tuple[str, str, bool]:
    """The draft with the template inserted: (body, language, remedy notice). In the language chosen on the form,
    else the petitioner's; after what was typed already, or instead of nothing."""
    template = db.session.get(ReplyTemplate, template_id) if template_id else None
    if template is None or template not in for_case(case):
        raise TransitionRefused(_("Choose one of the templates offered for this case."), 422)
    language = language if language in ("zh_Hant_TW", "en") else case.language
    text = fill(template.text(language), values(case, language))
    typed = (typed or "").rstrip()
    return (f"{typed}\n\n{text}" if typed else text)[:TEXT_MAX], language, bool(template.remedy_notice)


# ------------------------------------------------------------------ management


def manageable(user: Staff) -> list[ReplyTemplate]:
    from core.policy import reply_template_units

    units = reply_template_units(user)
    query = select(ReplyTemplate)
    if units is not None:
        query = query.where(ReplyTemplate.unit_id.in_(units))
    return list(db.session.scalars(query.order_by(ReplyTemplate.unit_id, ReplyTemplate.category,
                                                  ReplyTemplate.title, ReplyTemplate.id)))


def save(user: Staff, template: ReplyTemplate | None, form: dict) -> ReplyTemplate:
    """Create (template None) or change a template from the management form."""
    from core.policy import may_manage_reply_template

    errors: dict[str, str] = {}
    title = (form.get("title") or "").strip()
    # The form offers the complaint categories to choose (by their labels) and the intake topic to type.
    category = (form.get("category") or "").strip() or (form.get("topic") or "").strip()
    body_zh = (form.get("body_zh") or "").replace("\x00", "").strip()
    body_en = (form.get("body_en") or "").replace("\x00", "").strip()
    unit_code = (form.get("unit") or "").strip().upper()
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code, Unit.active.is_(True))) if unit_code else None
    if not title or len(title) > TITLE_MAX:
        errors["title"] = _("Give the template a title (at most %(n)d characters).", n=TITLE_MAX)
    if len(category) > CATEGORY_MAX:
        errors["category"] = _("The category is at most %(n)d characters.", n=CATEGORY_MAX)
    if not body_zh and not body_en:
        errors["body_zh"] = _("Write the text in Chinese, in English or in both.")
    if len(body_zh) > TEXT_MAX or len(body_en) > TEXT_MAX:
        errors["body_en"] = _("The text is too long.")
    if unit_code and unit is None:
        errors["unit"] = _("Unknown unit.")
    elif not may_manage_reply_template(user, unit.id if unit else None):
        errors["unit"] = _("You may keep templates for your own unit only.")
    if errors:
        raise TemplateInvalid(errors)
    if template is None:
        template = ReplyTemplate()
        db.session.add(template)
    template.unit, template.category, template.title = unit, category, title
    template.body_zh, template.body_en = body_zh, body_en
    template.remedy_notice = form.get("remedy_notice") in ("1", "on", "y", "true")
    template.active = form.get("active") in ("1", "on", "y", "true")
    template.updated_by_id, template.updated_at = user.id, utcnow()
    db.session.flush()
    return template
