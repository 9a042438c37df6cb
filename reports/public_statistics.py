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
- more counts are withheld ("x", WITHHELD_MARK) where the published figures would otherwise give a small one away
  by addition or subtraction (reports/suppression.py): each month's total and detail rows (the open data) are
  protected together;
- every other figure is a sum of those rows (a unit, a channel, a period), published exactly only when every part
  of it is; with a withheld part the sum is published as the least it can be ("≥ n"), which anyone can work out
  from the parts, so that no two pages, however their periods or rows overlap, can be subtracted to recover a
  withheld cell;
- satisfaction only where the staff page shows it: at least `survey_min_responses` answers (its Wilson interval),
  and every figure a sum of units' months that each have that many (`satisfaction_cells`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from cases.statistics import StatRow, month_of, statistics
from reports.suppression import SMALL, CannotAudit, protect, small

SMALL_MARK = "<3"
WITHHELD_MARK = "x"
# The counts protected by suppression; the rates and averages rest on them.
MEASURES = ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "reopened")
MAX_MONTHS = 60           # the longest period one page asks for (the open data holds everything)
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def shown(count: int) -> int | str:
    """A count as published: "<3" for 1 or 2."""
    return SMALL_MARK if small(count) else count


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
    withheld: set[str] = field(default_factory=set)  # the measures withheld to protect a small count ("x")
    floors: dict[str, int] = field(default_factory=dict)  # of a withheld sum: the least it can be ("≥ n")

    @classmethod
    def of(cls, r: StatRow) -> Figures:
        return cls(month=r.month, unit=r.unit, unit_name=r.unit_name, channel=r.channel, category=r.category,
                   received=r.received, closed=r.closed, closed_on_time=r.closed_on_time, closed_late=r.closed_late,
                   open_overdue=r.open_overdue, reopened=r.reopened,
                   days_used_total=r.days_used_sum)

    def add(self, other: Figures) -> None:
        for name in ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "reopened",
                     "days_used_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def hides(self, name: str) -> bool:
        return name in self.withheld or small(getattr(self, name))

    def mark(self, name: str) -> int | str:
        """A count as published: the number, "<3", "x", or for a sum with withheld parts "≥ n"."""
        if name in self.withheld:
            return f"≥{self.floors[name]}" if name in self.floors else WITHHELD_MARK
        return shown(getattr(self, name))

    def share(self, numerator: str, *rests_on: str) -> float | None:
        """numerator ÷ closed, unless a count it rests on is withheld."""
        if not self.closed or any(self.hides(n) for n in (numerator, "closed", *rests_on)):
            return None
        return round(getattr(self, numerator) / self.closed, 4)

    def published(self) -> dict:
        """The figures as anyone may read them."""
        satisfaction = self.satisfaction or {}
        ci = satisfaction.get("ci") or [None, None]
        return {
            "received": self.mark("received"), "closed": self.mark("closed"),
            "closed_on_time": self.mark("closed_on_time"), "closed_late": self.mark("closed_late"),
            "on_time_rate": self.share("closed_on_time", "closed_late"),
            # Only with the number closed published: days are used in half days, so a rounded average with the
            # averages of other rows could pin a withheld count.
            "average_days_used": (round(self.days_used_total / self.closed, 1)
                                  if self.closed >= SMALL and not self.hides("closed") else None),
            "open_overdue": self.mark("open_overdue"), "reopened": self.mark("reopened"),
            "reopen_rate": self.share("reopened"),
            "satisfaction_responses": (shown(satisfaction["responses"]) if "responses" in satisfaction else None),
            "satisfied_share": satisfaction.get("share"), "satisfied_ci_lower": ci[0], "satisfied_ci_upper": ci[1],
        }


def combine(parts: list[Figures]) -> Figures:
    """The sum of published rows. A measure with a withheld part is withheld in the sum, which is published as the
    least it can be ("≥ n": the published parts plus 1 for each withheld one, or its own least if it is a sum), a
    figure anyone can work out from the parts; unless that part is the only one not zero (the sum is then that
    part, published as it was)."""
    out = replace(parts[0], received=0, closed=0, closed_on_time=0, closed_late=0, open_overdue=0, reopened=0,
                  days_used_total=0.0, satisfaction=None, withheld=set(), floors={})
    for part in parts:
        out.add(part)
    for name in MEASURES:
        hidden = [p for p in parts if p.hides(name)]
        if len(hidden) == 1 and getattr(out, name) == getattr(hidden[0], name):  # the only part not zero
            if name in hidden[0].withheld:
                out.withheld.add(name)
                if name in hidden[0].floors:
                    out.floors[name] = hidden[0].floors[name]
        elif hidden:
            out.withheld.add(name)
            out.floors[name] = sum(p.floors.get(name, 1) if p.hides(name) else getattr(p, name) for p in parts)
    return out


def rollup(rows: Iterable[Figures], key: Callable[[Figures], tuple]) -> list[Figures]:
    """Rows summed by `key` (a tuple of field values in Figures' order: unit/unit_name, channel, category…)."""
    groups: dict[tuple, list[Figures]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return [combine(groups[k]) for k in sorted(groups)]


@dataclass
class Tables:
    """A period's figures, each month protected as a whole: the agency's totals (confidential cases included) and
    the finest non-confidential rows (unit × channel × complaint category, the open data's detail). Every other
    figure a page shows is a sum of these, withheld where a part is (`combine`). Both lists are in month order."""

    totals: list[Figures]
    details: list[Figures]


def tables(start: date, end: date, today: date) -> Tables:
    totals, by_month = _read(start, end, today)
    out = Tables([], [])
    for month in sorted(set(totals) | set(by_month)):
        total, rows = totals.get(month) or Figures(month=month), by_month.get(month, [])
        try:
            _mark(total, rows)
        except CannotAudit:
            # Read at different moments (the figure sets are separate statements), a case registered in between
            # makes a month disagree with itself. Read it again; if it still disagrees, withhold all of it.
            first = date(int(month[:4]), int(month[5:]), 1)
            again, again_rows = _read(first, min(_month_end(first), end), today)
            total, rows = again.get(month) or Figures(month=month), again_rows.get(month, [])
            try:
                _mark(total, rows)
            except CannotAudit:  # every count not zero "x", the small ones too: "<3" would bound them
                for f in (total, *rows):
                    f.withheld = {m for m in MEASURES if getattr(f, m) > 0}
        out.totals.append(total)
        out.details.extend(sorted(rows, key=lambda r: (r.unit, r.channel, r.category)))
    return out


def _read(start: date, end: date, today: date) -> tuple[dict[str, Figures], dict[str, list[Figures]]]:
    """The agency's monthly totals (confidential cases included) and the detail rows (without them), from one
    scan per figure set grouped by whether the cases are confidential too."""
    totals: dict[str, Figures] = {}
    by_month: dict[str, list[Figures]] = {}
    for r in statistics(start, end, today, by_category=True, by_confidential=True, published_only=True):
        f = Figures.of(r)
        if r.month not in totals:
            totals[r.month] = Figures(month=r.month)
        totals[r.month].add(f)
        if not r.confidential:
            by_month.setdefault(r.month, []).append(f)
    return totals, by_month


def _mark(total: Figures, rows: list[Figures]) -> None:
    cells = {("T",): total, **{("D", r.unit, r.channel, r.category): r for r in rows}}
    for cell, measure in _withheld(tuple((cell, tuple(getattr(f, m) for m in MEASURES))
                                         for cell, f in sorted(cells.items()))):
        cells[cell].withheld.add(measure)


@lru_cache(maxsize=512)
def _withheld(snapshot: tuple) -> frozenset:
    """The (cell, measure) pairs to mark "x" in one month, from its exact counts. The relations are those a reader
    of the open data can write: the total is the detail rows plus the unpublished confidential cases; closed is on
    time plus late; no more open overdue than received. Kept in memory: a past month's figures rarely change, so a
    page asks again for the same answer.

    Open overdue is counted as of today, so a past month's changes every day while its other figures stay: it is
    protected in a second pass that may withhold only open-overdue cells, so that its daily change never changes
    what else is withheld (two days' files compared would otherwise give a cell away)."""
    values = {(cell, m): v for cell, counts in snapshot for m, v in zip(MEASURES, counts, strict=True)}
    cells = [cell for cell, _counts in snapshot]

    def month_total(m: str) -> list[tuple]:
        return [((("T",), m), 1), *[((c, m), -1) for c in cells if c[0] == "D"], ((("C",), m), -1)]

    stable = [m for m in MEASURES if m != "open_overdue"]
    relations = [month_total(m) for m in stable]
    relations += [[((c, "closed"), 1), ((c, "closed_on_time"), -1), ((c, "closed_late"), -1)] for c in cells]
    unpublished = {(("C",), m) for m in MEASURES} | {(c, "not_overdue") for c in cells}

    def cost(k: tuple) -> tuple:  # the detail rows go first, so that the agency's total stays published
        return (k[0][0] == "T", values[k])

    first = protect(values, relations, unpublished, cost=cost)
    relations.append(month_total("open_overdue"))
    relations += [[((c, "received"), 1), ((c, "open_overdue"), -1), ((c, "not_overdue"), -1)] for c in cells]
    try:
        return frozenset(protect(values, relations, unpublished, cost=cost, marked=first,
                                 may_withhold=lambda k: k[1] == "open_overdue"))
    except CannotAudit:  # every open-overdue count not zero "x" (not "<3"): then they bound nothing
        return frozenset(first | {(c, "open_overdue") for c in cells if values[(c, "open_overdue")] > 0})


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


def page(period: Period, today: date, unit: str | None) -> dict:
    """Every figure of the public page for a period, the whole agency's or one unit's, as published: the summary,
    the months (and the charts' geometry), the tables by unit, channel and complaint category, satisfaction."""
    from flask_babel import gettext

    from cases.labels import CATEGORY_LABELS, CHANNEL_LABELS

    protected = tables(period.start, period.end, today)
    rows = [f for f in protected.details if f.unit == unit] if unit else protected.details
    # A unit's month is the sum of its rows; the agency's is its protected total (confidential cases included).
    totals = rollup(rows, lambda f: (f.month,)) if unit else protected.totals
    by_month = {f.month: f for f in totals}
    intake = gettext("(intake)")
    satisfaction = monthly_satisfaction(period.start, period.end, unit)

    def shown_row(label: str, figures: dict) -> tuple[str, dict]:
        return label, {**figures, "shown_responses": shown(figures["responses"])}

    return {
        "summary": (combine(totals) if totals else Figures()).published(),
        "chart": chart(totals, period.months),
        "monthly": [(m, (by_month.get(m) or Figures(month=m)).published()) for m in period.months],
        "by_unit": [(f.unit_name or intake, f.published()) for f in rollup(rows, lambda f: (f.unit, f.unit_name))],
        "by_channel": [(str(CHANNEL_LABELS.get(f.channel, f.channel)), f.published())
                       for f in rollup(rows, lambda f: (f.channel,))],
        "by_category": [(str(CATEGORY_LABELS.get(f.category, f.category)), f.published())
                        for f in rollup([f for f in rows if f.category], lambda f: (f.category,))],
        "overall": overall_satisfaction(satisfaction),
        "satisfaction_rows": [shown_row(m, s) for m, s in sorted(satisfaction.items())]
        + [shown_row(s["unit_name"], s) for s in satisfaction_by_unit(period.start, period.end, unit)],
    }


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


def satisfaction_cells(start: date, end: date, unit_code: str | None = None) -> dict[tuple[str, str, str], tuple]:
    """(month, unit code, unit name) → (responses, satisfied), only for a unit's month with at least the minimum
    number of responses. Every published satisfaction figure is a sum of these: a unit's month with fewer answers,
    the ethics office's and those of no unit are counted nowhere, so that no subtraction of published figures (the
    agency's month less its units, one period less another) gives a few people's answers away."""
    from sqlalchemy import func, select

    from core.accounts.models import Unit
    from core.extensions import db
    from core.settings import get_setting
    from surveys.aggregates import SATISFIED_FROM
    from surveys.models import SurveyResponse

    r = SurveyResponse
    month = month_of(r.answered_on)
    query = (select(month, Unit.code, Unit.name, func.count(), func.count().filter(r.overall >= SATISFIED_FROM))
             .join(Unit, Unit.id == r.unit_id)
             .where(r.answered_on.between(start, end), Unit.is_ethics_office.is_(False))
             .group_by(month, Unit.code, Unit.name)
             .having(func.count() >= get_setting("survey_min_responses")))
    if unit_code:
        query = query.where(Unit.code == unit_code)
    return {(m, code, name): (count, int(satisfied or 0))
            for m, code, name, count, satisfied in db.session.execute(query)}


def _summed(parts: Iterable[tuple[int, int]]) -> dict:
    from core.settings import get_setting
    from surveys.statistics import wilson_interval

    responses = satisfied = 0
    for count, yes in parts:
        responses, satisfied = responses + count, satisfied + yes
    suppressed = responses < get_setting("survey_min_responses")
    interval = None if suppressed else wilson_interval(satisfied, responses)
    return {**_satisfaction(responses, suppressed, None if suppressed else round(satisfied / responses, 4),
                            [round(interval[0], 4), round(interval[1], 4)] if interval else None),
            "_satisfied": satisfied}


def monthly_satisfaction(start: date, end: date, unit_code: str | None = None) -> dict[str, dict]:
    """Per month: the units' months with enough answers (`satisfaction_cells`)."""
    months: dict[str, list[tuple[int, int]]] = {}
    for (month, _code, _name), figures in satisfaction_cells(start, end, unit_code).items():
        months.setdefault(month, []).append(figures)
    return {month: _summed(parts) for month, parts in sorted(months.items())}


def satisfaction_by_unit(start: date, end: date, unit_code: str | None = None) -> list[dict]:
    """Per unit for the period: its months with enough answers (`satisfaction_cells`)."""
    units: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for (_month, code, name), figures in satisfaction_cells(start, end, unit_code).items():
        units.setdefault((code, name), []).append(figures)
    return [{"unit": code, "unit_name": name, **_summed(parts)} for (code, name), parts in sorted(units.items())]


def overall_satisfaction(months: dict[str, dict]) -> dict:
    """The period's satisfaction: the sum of the months' (each a sum of units' months with enough answers)."""
    return _summed((m["_responses"], m["_satisfied"]) for m in months.values())


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
    peak = max([getattr(f, n) for _m, f in values for n in ("received", "closed") if not f.hides(n)] + [1])
    step = _nice_step(peak)
    ceiling = step * -(-peak // step)
    bars, points = [], []
    for i, (month, f) in enumerate(values):
        x = left + i * slot
        for j, name in enumerate(("received", "closed")):
            drawn = 0 if f.hides(name) else getattr(f, name)  # a withheld count is drawn as nothing, labelled
            h = plot_h * drawn / ceiling
            bars.append({"x": round(x + slot * (0.15 + 0.35 * j), 1), "y": round(top + plot_h - h, 1),
                         "w": round(slot * 0.33, 1), "h": round(h, 1), "series": j, "value": f.mark(name),
                         "month": month})
        share = f.share("closed_on_time", "closed_late")
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
