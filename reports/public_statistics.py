"""Public statistics (issue 14, deliver 1) and the rows of the open data (deliver 2): the staff statistics' own
queries (cases/statistics.py, surveys/aggregates.py) asked for other groupings, then made safe to publish.

What is published, and what is not:
- no personal data: the figures are counts and averages per month, unit, channel and complaint category;
- confidential cases are counted only in the agency's monthly totals (the "total" rows), never in a unit's,
  channel's or category's figures; with a unit chosen, the totals are that unit's non-confidential cases, so that a
  unit's confidential cases cannot be read off as a difference;
- a count of 1 or 2 is published as "<3" (SMALL_MARK); 0 stays 0 (nothing to disclose). A rate or an average whose
  numerator, denominator or complement is such a small count is not published either (None), nor is an average of
  fewer than three cases;
- satisfaction only where the staff page shows it: at least `survey_min_responses` answers (its Wilson interval).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from cases.statistics import StatRow, statistics

SMALL = 3
SMALL_MARK = "<3"
MAX_MONTHS = 60           # the longest period one page asks for (the open data holds everything)
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def small(count: int) -> bool:
    return 0 < count < SMALL


def shown(count: int) -> int | str:
    """A count as published: "<3" for 1 or 2."""
    return SMALL_MARK if small(count) else count


def rate(numerator: int, denominator: int, *also: int) -> float | None:
    """numerator ÷ denominator, unless any count it rests on (or its complement, in `also`) is a small cell."""
    if not denominator or any(small(n) for n in (numerator, denominator, *also)):
        return None
    return round(numerator / denominator, 4)


@dataclass
class Figures:
    """One published row; counts kept exact here, suppressed by `published()`."""

    month: str = ""
    unit: str = ""
    unit_name: str = ""
    channel: str = ""
    category: str = ""
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    open_overdue: int = 0
    reopened: int = 0
    days_used_total: float = 0.0   # Σ average × closed, to roll rows up exactly
    satisfaction: dict | None = field(default=None)  # responses, satisfied_share, ci (already suppressed)

    @classmethod
    def of(cls, r: StatRow) -> Figures:
        return cls(month=r.month, unit=r.unit, unit_name=r.unit_name, channel=r.channel, category=r.category,
                   received=r.received, closed=r.closed, closed_on_time=r.closed_on_time, closed_late=r.closed_late,
                   open_overdue=r.open_overdue, reopened=r.reopened,
                   days_used_total=(r.average_days_used or 0.0) * r.closed)

    def add(self, other: Figures) -> None:
        for name in ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "reopened",
                     "days_used_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def published(self) -> dict:
        """The figures as anyone may read them."""
        satisfaction = self.satisfaction or {}
        ci = satisfaction.get("ci") or [None, None]
        return {
            "received": shown(self.received), "closed": shown(self.closed),
            "closed_on_time": shown(self.closed_on_time), "closed_late": shown(self.closed_late),
            "on_time_rate": rate(self.closed_on_time, self.closed, self.closed_late),
            "average_days_used": (round(self.days_used_total / self.closed, 1)
                                  if self.closed >= SMALL else None),
            "open_overdue": shown(self.open_overdue), "reopened": shown(self.reopened),
            "reopen_rate": rate(self.reopened, self.closed),
            "satisfaction_responses": (shown(satisfaction["responses"]) if "responses" in satisfaction else None),
            "satisfied_share": satisfaction.get("share"), "satisfied_ci_lower": ci[0], "satisfied_ci_upper": ci[1],
        }


def rollup(rows: Iterable[Figures], key: Callable[[Figures], tuple]) -> list[Figures]:
    """Rows summed by `key` (a tuple of field values in Figures' order: unit/unit_name, channel, category…)."""
    out: dict[tuple, Figures] = {}
    for r in rows:
        k = key(r)
        if k not in out:
            out[k] = replace(r, received=0, closed=0, closed_on_time=0, closed_late=0, open_overdue=0, reopened=0,
                             days_used_total=0.0, satisfaction=None)
        out[k].add(r)
    return [out[k] for k in sorted(out)]


@dataclass
class Period:
    start: date
    end: date
    first_month: str
    last_month: str

    @property
    def months(self) -> list[str]:
        year, month = map(int, self.first_month.split("-"))
        out = []
        while f"{year:04d}-{month:02d}" <= self.last_month:
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def _month_start(text: str | None) -> date | None:
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match[2]) <= 12 or not 1990 <= int(match[1]) <= 2200:
        return None
    return date(int(match[1]), int(match[2]), 1)


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period(args: dict, today: date) -> Period:
    """The months `from` … `to` (YYYY-MM) of the query string; by default the last twelve months to this one.
    A period reaching past this month ends with it; one longer than MAX_MONTHS is cut to its last MAX_MONTHS."""
    this_month = today.replace(day=1)
    last = min(_month_start(args.get("to")) or this_month, this_month)
    first = _month_start(args.get("from")) or _shift(last, -(DEFAULT_MONTHS - 1))
    if first > last:
        first, last = last, first
    first = max(first, _shift(last, -(MAX_MONTHS - 1)))
    end = min(_month_end(last), today)
    return Period(first, end, first.strftime("%Y-%m"), last.strftime("%Y-%m"))


def monthly_totals(start: date, end: date, today: date, unit_code: str | None = None) -> list[Figures]:
    """One row per month: the whole agency including confidential cases, or one unit without them."""
    rows = statistics(start, end, today, totals_only=True, include_confidential=unit_code is None,
                      unit_code=unit_code)
    return [Figures.of(r) for r in rows]


def details(start: date, end: date, today: date, unit_code: str | None = None) -> list[Figures]:
    """One row per month, unit, channel and category, confidential cases left out."""
    rows = statistics(start, end, today, by_category=True, include_confidential=False, unit_code=unit_code)
    return [Figures.of(r) for r in rows]


def monthly_satisfaction(start: date, end: date, unit_code: str | None = None) -> dict[str, dict]:
    """Satisfaction per month as the staff page shows it (suppressed under the minimum number of responses)."""
    from surveys.aggregates import by_month

    return {row["key"]: _satisfaction(row["responses"], row["suppressed"], row.get("satisfied_share"),
                                      row.get("satisfied_ci")) for row in by_month(start, end, unit_code)}


def satisfaction_by_unit(start: date, end: date, unit_code: str | None = None) -> list[dict]:
    """Per unit for the period; the ethics office left out (its cases are mostly confidential: in totals only)."""
    from sqlalchemy import select

    from core.accounts.models import Unit
    from core.extensions import db
    from surveys.aggregates import by_unit

    ethics = set(db.session.scalars(select(Unit.code).where(Unit.is_ethics_office.is_(True))))
    return [{"unit": f.unit, "unit_name": f.unit_name,
             **_satisfaction(f.responses, f.suppressed, f.satisfied_share, f.satisfied_ci)}
            for f in by_unit(start, end, unit_code) if f.unit and f.unit not in ethics and f.responses]


def overall_satisfaction(months: dict[str, dict]) -> dict:
    """The period's satisfaction from the months' exact counts (a month under the minimum still counts here)."""
    from core.settings import get_setting
    from surveys.statistics import wilson_interval

    responses = sum(m["_responses"] for m in months.values())
    satisfied = sum(m["_satisfied"] for m in months.values() if m["_satisfied"] is not None)
    if any(m["_satisfied"] is None for m in months.values()):
        return _satisfaction(responses, True, None, None)  # a suppressed month's share is not known here
    suppressed = responses < get_setting("survey_min_responses")
    interval = None if suppressed else wilson_interval(satisfied, responses)
    return _satisfaction(responses, suppressed, None if suppressed else round(satisfied / responses, 4),
                         [round(interval[0], 4), round(interval[1], 4)] if interval else None)


def _satisfaction(responses: int, suppressed: bool, share: float | None, ci: list | None) -> dict:
    return {"responses": responses, "suppressed": suppressed, "share": None if suppressed else share,
            "ci": None if suppressed else ci, "_responses": responses,
            "_satisfied": None if suppressed or share is None else round(share * responses)}


def chart(totals: list[Figures], months: list[str]) -> dict:
    """Geometry of the two charts, computed here so the templates only draw (see the template's note on SVG)."""
    by_month = {f.month: f for f in totals}
    values = [(m, by_month.get(m, Figures(month=m))) for m in months]
    width, height, left, bottom, top = 720, 260, 48, 36, 16
    plot_h = height - bottom - top
    slot = (width - left - 8) / max(len(values), 1)
    peak = max([max(f.received, f.closed) for _m, f in values] + [1])
    step = _nice_step(peak)
    ceiling = step * -(-peak // step)
    bars, points = [], []
    for i, (month, f) in enumerate(values):
        x = left + i * slot
        for j, count in enumerate((f.received, f.closed)):
            drawn = 0 if small(count) else count   # a small count is drawn as nothing and labelled "<3"
            h = plot_h * drawn / ceiling
            bars.append({"x": round(x + slot * (0.15 + 0.35 * j), 1), "y": round(top + plot_h - h, 1),
                         "w": round(slot * 0.33, 1), "h": round(h, 1), "series": j, "value": shown(count),
                         "month": month})
        share = rate(f.closed_on_time, f.closed, f.closed_late)
        points.append({"x": round(x + slot / 2, 1), "month": month, "rate": share,
                       "y": None if share is None else round(top + plot_h * (1 - share), 1)})
    segments, current = [], []
    for p in points:  # the line breaks where a month's rate is not published
        if p["y"] is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{p['x']},{p['y']}")
    if current:
        segments.append(current)
    ticks = [{"value": v, "y": round(top + plot_h * (1 - v / ceiling), 1)} for v in range(0, ceiling + 1, step)]
    percent_ticks = [{"value": v, "y": round(top + plot_h * (1 - v / 100), 1)} for v in (0, 25, 50, 75, 100)]
    labels = [{"x": round(left + (i + 0.5) * slot, 1), "text": m[2:].replace("-", "/")}
              for i, (m, _f) in enumerate(values)]
    return {"width": width, "height": height, "left": left, "top": top, "base": top + plot_h, "bars": bars,
            "points": [p for p in points if p["y"] is not None], "segments": [" ".join(s) for s in segments],
            "ticks": ticks, "percent_ticks": percent_ticks, "labels": labels, "rows": values,
            "label_every": max(1, -(-len(values) // 12))}


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak // 5))
