"""Satisfaction per unit and period, computed by SQL aggregation (one GROUP BY per figure set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, cast, func, select
from sqlalchemy import case as when

from core import exports
from core.accounts.models import Unit
from core.extensions import db
from core.settings import get_setting
from surveys.models import SLOTS, SurveyInvitation, SurveyResponse
from surveys.services import current_questionnaire
from surveys.statistics import wilson_interval

SATISFIED_FROM = 4  # 4 滿意 and 5 非常滿意


@dataclass
class Figures:
    unit: str
    unit_name: str
    invitations: int = 0
    responses: int = 0
    satisfied: int = 0
    means: dict[str, float | None] = field(default_factory=dict)
    distribution: list[int] = field(default_factory=lambda: [0] * 5)
    suppressed: bool = True

    @property
    def response_rate(self) -> float | None:
        return round(self.responses / self.invitations, 4) if self.invitations else None

    @property
    def satisfied_share(self) -> float | None:
        return None if self.suppressed or not self.responses else round(self.satisfied / self.responses, 4)

    @property
    def satisfied_ci(self) -> list[float] | None:
        interval = None if self.suppressed else wilson_interval(self.satisfied, self.responses)
        return [round(interval[0], 4), round(interval[1], 4)] if interval else None

    def as_json(self) -> dict:
        return {"unit": self.unit, "unit_name": self.unit_name, "invitations": self.invitations,
                "responses": self.responses, "response_rate": self.response_rate, "suppressed": self.suppressed,
                "satisfied_share": self.satisfied_share, "satisfied_ci": self.satisfied_ci,
                "means": {k: (None if self.suppressed else v) for k, v in self.means.items()}}


def _slots() -> list[tuple[str, str]]:
    """(question key, score column) of the current questionnaire."""
    return [(q["key"], f"s{i + 1}") for i, q in enumerate(current_questionnaire().questions[:SLOTS])]


def by_unit(start: date, end: date, unit_code: str | None = None) -> list[Figures]:
    slots = _slots()
    minimum = get_setting("survey_min_responses")
    r = SurveyResponse
    columns = [r.unit_id, func.count(), func.sum(when((r.overall >= SATISFIED_FROM, 1), else_=0))]
    columns += [func.avg(getattr(r, column)) for _key, column in slots]
    columns += [func.sum(when((r.overall == score, 1), else_=0)) for score in range(1, 6)]
    responses = select(*columns).where(r.answered_on.between(start, end)).group_by(r.unit_id)
    invitations = (select(SurveyInvitation.unit_id, func.count())
                   .where(SurveyInvitation.sent_on.between(start, end)).group_by(SurveyInvitation.unit_id))
    units_query = select(Unit.id, Unit.code, Unit.name)
    if unit_code:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == unit_code))
        responses, invitations = responses.where(r.unit_id == unit_id), invitations.where(
            SurveyInvitation.unit_id == unit_id)
        units_query = units_query.where(Unit.id == unit_id)
    names = {uid: (code, name) for uid, code, name in db.session.execute(units_query)}
    figures: dict[int | None, Figures] = {}

    def get(uid: int | None) -> Figures:
        if uid not in figures:
            code, name = names.get(uid, ("", ""))
            figures[uid] = Figures(unit=code, unit_name=name, means={k: None for k, _c in slots})
        return figures[uid]

    for uid, count in db.session.execute(invitations):
        get(uid).invitations = count
    for row in db.session.execute(responses):
        f = get(row[0])
        f.responses, f.satisfied = row[1], int(row[2] or 0)
        means = row[3:3 + len(slots)]
        f.means = {key: (round(float(m), 3) if m is not None else None) for (key, _c), m in zip(slots, means,
                                                                                              strict=True)}
        f.distribution = [int(x or 0) for x in row[3 + len(slots):]]
    for f in figures.values():
        f.suppressed = f.responses < minimum
    return sorted(figures.values(), key=lambda f: (f.unit == "", f.unit))


def by_outcome(start: date, end: date, unit_code: str | None = None) -> list[dict]:
    """Satisfaction by how the matter ended, so that a lawful refusal is not read as bad service."""
    return _grouped(SurveyResponse.outcome, start, end, unit_code)


def by_month(start: date, end: date, unit_code: str | None = None) -> list[dict]:
    from cases.statistics import month_of

    return _grouped(month_of(SurveyResponse.answered_on), start, end, unit_code)


def by_year(start: date, end: date, unit_code: str | None = None) -> list[dict]:
    """Per calendar year (the periodic analysis's history table, reports/analysis.py); keys are ints."""
    return _grouped(cast(func.extract("year", SurveyResponse.answered_on), Integer), start, end, unit_code)


def _grouped(key, start: date, end: date, unit_code: str | None) -> list[dict]:  # noqa: ANN001
    minimum = get_setting("survey_min_responses")
    r = SurveyResponse
    query = (select(key, func.count(), func.sum(when((r.overall >= SATISFIED_FROM, 1), else_=0)), func.avg(r.overall))
             .where(r.answered_on.between(start, end)).group_by(key).order_by(key))
    if unit_code:
        query = query.where(r.unit_id == select(Unit.id).where(Unit.code == unit_code).scalar_subquery())
    rows = []
    for value, count, satisfied, average in db.session.execute(query):
        suppressed = count < minimum
        interval = None if suppressed else wilson_interval(int(satisfied or 0), count)
        rows.append({"key": value, "responses": count, "suppressed": suppressed,
                     "satisfied": None if suppressed else int(satisfied or 0),
                     "satisfied_share": None if suppressed else round(int(satisfied) / count, 4),
                     "satisfied_ci": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
                     "mean_overall": None if suppressed else round(float(average), 3)})
    return rows


def table(figures: list[Figures], questions: list[dict], locale: str) -> exports.Table:
    """Satisfaction by unit as the reader sees it (in the request's language), for the page and both downloads:
    the unit by name, rates as shares (written as percentages), "too few responses" as yes/no."""
    from flask_babel import gettext

    Column = exports.Column
    columns = [Column(gettext("Unit")), Column(gettext("Invitations"), "int"), Column(gettext("Responses"), "int"),
               Column(gettext("Response rate"), "percent"), Column(gettext("Too few responses"), "bool"),
               Column(gettext("Share satisfied"), "percent"),
               Column(gettext("95% CI, lower bound"), "percent"),
               Column(gettext("95% CI, upper bound"), "percent"),
               *[Column(gettext("Mean: %(question)s", question=q["zh"] if locale.startswith("zh") else q["en"]),
                        "number") for q in questions],
               *[Column(gettext("Overall answer %(score)s", score=s), "int") for s in range(1, 6)]]
    rows = []
    for f in figures:
        ci = f.satisfied_ci or [None, None]
        rows.append([f.unit_name or gettext("(no unit)"), f.invitations, f.responses, f.response_rate, f.suppressed,
                     f.satisfied_share, ci[0], ci[1],
                     *[None if f.suppressed else f.means.get(q["key"]) for q in questions],
                     *([None] * 5 if f.suppressed else f.distribution)])
    return exports.Table.typed(columns, rows, booleans=(gettext("Yes"), gettext("No")))


def as_csv(figures: list[Figures], questions: list[dict], locale: str) -> str:
    return exports.as_csv(table(figures, questions, locale))


def as_xlsx(figures: list[Figures], questions: list[dict], locale: str) -> bytes:
    return exports.as_xlsx(table(figures, questions, locale), "satisfaction")


def follow_ups_by_unit(start: date, end: date, today: date, unit_code: str | None = None) -> list[dict]:
    """Follow-ups opened in the period, per unit: open, answered (on time / late), overdue now."""
    from surveys.models import SurveyFollowUp as F

    answered = F.answered_at.is_not(None)
    query = (select(Unit.code, Unit.name, func.count(),
                    func.sum(when((answered, 1), else_=0)),
                    func.sum(when((answered & (F.answered_on <= F.due_on), 1), else_=0)),
                    func.sum(when((~answered & (F.due_on < today), 1), else_=0)))
             .outerjoin(Unit, Unit.id == F.unit_id).where(F.opened_on.between(start, end))
             .group_by(Unit.code, Unit.name).order_by(Unit.code))
    if unit_code:
        query = query.where(Unit.code == unit_code)
    return [{"unit": code or "", "unit_name": name or "", "opened": n, "answered": int(a or 0),
             "answered_on_time": int(t or 0), "open": n - int(a or 0), "overdue": int(o or 0)}
            for code, name, n, a, t, o in db.session.execute(query)]
