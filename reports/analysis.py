"""The periodic analysis of petitions for the management meeting (domain rule 32; issue 14, deliver 6).

Per year or quarter: the number of cases and how they compare with the period before, then the cases by nature
(the time-limit class), category (the one staff set at classification), channel, result, unit, working days used,
satisfaction and reopen rate; a history of the last ten years (歷年報案情形及處理時間); and the improvement proposals
the meeting adopted (reports.models.PeriodicAnalysis). The page, the XLSX and `flask reports analysis` render the
same `tables()`.

The counts follow the staff statistics' rules (cases/statistics.py): received by day of receipt; closed by the
unit's closures (answered, or closed because the information asked for never came) on the day of closing, judged
on time against the due date in force (extensions and pauses included); transfers and "not handled" apart (they
answer to the routing milestone); a reopening counted on the answered case. Staff read the figures, so nothing is
suppressed here except satisfaction under the minimum number of responses, as on the staff satisfaction page.
Every figure set is one GROUP BY; the page sends about forty statements whatever the number of cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column, select, tuple_
from sqlalchemy import case as when
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, join
from sqlalchemy.orm.exc import StaleDataError

from cases.models import CLOCK_RUNNING_STATES, Case, CaseState, TimeLimitClass
from cases.statistics import closed_by_unit, closed_unanswered
from core import exports
from core.accounts.models import Unit
from core.db import utcnow
from core.extensions import db
from core.hygiene import DATE_MAX, DATE_MIN
from reports.models import PeriodicAnalysis

HISTORY_YEARS = 10
_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
# Working days used by a closed case: the upper bounds of the distribution's bands (the last is open).
DAY_BANDS = (1, 3, 6, 15, 30)


class PeriodInvalid(ValueError):
    """A period that is not YEAR or YEAR-Qn, or that has not begun. The message is in the reader's language."""


@dataclass(frozen=True)
class AnalysisPeriod:
    name: str      # "2026" or "2026-Q3"
    year: int
    quarter: int | None
    start: date
    end: date      # the period's last day (it may not have come yet: the figures are then "so far")

    @classmethod
    def of(cls, year: int, quarter: int | None = None) -> AnalysisPeriod:
        if quarter is None:
            return cls(f"{year}", year, None, date(year, 1, 1), date(year, 12, 31))
        first = date(year, 3 * quarter - 2, 1)
        last = date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)
        return cls(f"{year}-Q{quarter}", year, quarter, first, last)

    @property
    def previous(self) -> AnalysisPeriod:
        if self.quarter is None:
            return AnalysisPeriod.of(self.year - 1)
        return AnalysisPeriod.of(self.year - 1, 4) if self.quarter == 1 else AnalysisPeriod.of(self.year,
                                                                                                self.quarter - 1)

    def label(self) -> str:
        from flask_babel import gettext

        if self.quarter is None:
            return gettext("Year %(year)d", year=self.year)
        return gettext("Year %(year)d, quarter %(quarter)d", year=self.year, quarter=self.quarter)


def parse_period(text: str | None, today: date) -> AnalysisPeriod:
    """YEAR or YEAR-Qn (2026, 2026-Q3), begun by `today`; anything else is refused with a message."""
    from flask_babel import gettext

    match = _PERIOD.match((text or "").strip())
    if not match:
        raise PeriodInvalid(gettext("Write the period as a year (2026) or a quarter (2026-Q3)."))
    year, quarter = int(match[1]), int(match[2]) if match[2] else None
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        raise PeriodInvalid(gettext("The year must lie between %(first)d and %(last)d.", first=DATE_MIN.year,
                                    last=DATE_MAX.year))
    period = AnalysisPeriod.of(year, quarter)
    if period.start > today:
        raise PeriodInvalid(gettext("%(period)s has not begun yet.", period=period.name))
    return period


def recent_periods(today: date, years: int = 3) -> list[AnalysisPeriod]:
    """The periods offered on the index page: this year and the last `years` - 1, each with its quarters begun."""
    out = []
    for year in range(today.year, today.year - years, -1):
        out.append(AnalysisPeriod.of(year))
        out += [AnalysisPeriod.of(year, q) for q in range(4, 0, -1) if AnalysisPeriod.of(year, q).start <= today]
    return out


# ---------------------------------------------------------------------------------------------- the figures


@dataclass
class Counts:
    received: int = 0
    closed: int = 0               # the unit's closures (see the module's note)
    closed_on_time: int = 0
    days_used_total: float = 0.0
    transferred: int = 0
    not_handled: int = 0          # not counting those closed unanswered (they are among the closed)
    reopened: int = 0
    open_overdue: int = 0         # of the cases received in the period, open past their due date today

    @property
    def closed_late(self) -> int:
        return self.closed - self.closed_on_time

    @property
    def on_time_rate(self) -> float | None:
        return round(self.closed_on_time / self.closed, 4) if self.closed else None

    @property
    def average_days_used(self) -> float | None:
        return round(self.days_used_total / self.closed, 2) if self.closed else None

    @property
    def reopen_rate(self) -> float | None:
        return round(self.reopened / self.closed, 4) if self.closed else None


KeyOf = Callable[..., Any]   # (case entity, the date column the figure is counted by) → the GROUP BY expression
TOTAL = ""                   # the name under which `counts` returns the period's total, keyed TOTAL too


def counts(dims: dict[str, KeyOf], start: date, end: date, today: date) -> dict[str, dict[Any, Counts]]:
    """The figures of the cases in [start, end] by each of `dims` (name → key) and in total: four figure sets
    (received, closed, transferred or not handled, reopened), merged by key. {name: {key: Counts}}, and
    {TOTAL: {TOTAL: Counts}}.

    On PostgreSQL each figure set is one statement whose GROUPING SETS give every dimension and the total from one
    scan of the period's cases (the year's analysis at a million cases went from 20 statements to 4); SQLite, which
    has no grouping sets, sends one GROUP BY per dimension."""
    out: dict[str, dict[Any, Counts]] = {name: {} for name in dims} | {TOTAL: {}}

    def merge(entity, day, where: list, measures: dict, fill: Callable, joined=None) -> None:  # noqa: ANN001
        for name, key, values in _tally(dims, entity, day, where, measures, joined):
            fill(out[name].setdefault(key, Counts()), *values)

    overdue = when((Case.state.in_(CLOCK_RUNNING_STATES) & (Case.due_on < today), 1), else_=0)

    def received(c: Counts, number: int, late: int | None) -> None:
        c.received, c.open_overdue = number, int(late or 0)

    merge(Case, Case.received_on, [Case.received_on.between(start, end)], {"late": overdue}, received)

    def closed(c: Counts, number: int, on_time: int | None, days: float | None) -> None:
        c.closed, c.closed_on_time, c.days_used_total = number, int(on_time or 0), float(days or 0)

    merge(Case, Case.closed_on, [closed_by_unit(Case), Case.closed_on.between(start, end)],
          {"on_time": when((Case.closed_on <= Case.due_on, 1), else_=0), "days": Case.days_used}, closed)

    def routed_out(c: Counts, _number: int, transferred: int | None, not_handled: int | None) -> None:
        c.transferred, c.not_handled = int(transferred or 0), int(not_handled or 0)

    merge(Case, Case.closed_on, [Case.state.in_([CaseState.TRANSFERRED.value, CaseState.NOT_HANDLED.value]),
                                 ~closed_unanswered(Case), Case.closed_on.between(start, end)],
          {"transferred": when((Case.state == CaseState.TRANSFERRED.value, 1), else_=0),
           "not_handled": when((Case.state == CaseState.NOT_HANDLED.value, 1), else_=0)}, routed_out)

    def reopened(c: Counts, number: int) -> None:
        c.reopened = number

    # A reopening: by the day the petitioner reopened, on the answered (original) case's unit, channel, ….
    original = aliased(Case, name="original")
    merge(original, Case.received_on, [Case.reopened_from_id.is_not(None), Case.received_on.between(start, end)],
          {}, reopened, joined=join(Case, original, original.id == Case.reopened_from_id))
    return out


def _tally(dims: dict[str, KeyOf], entity, day, where: list, measures: dict, joined=None):  # noqa: ANN001, ANN202
    """(dimension name, key, (count, Σ measure…)) of the rows `where` selects, per dimension and in total."""
    names = list(dims)
    columns = [key_of(entity, day).label(f"d{i}") for i, key_of in enumerate(dims.values())]
    inner = select(*columns, *[m.label(f"m_{k}") for k, m in measures.items()], literal_column("1").label("one"))
    if joined is not None:
        inner = inner.select_from(joined)
    rows = inner.where(*where).subquery()
    keys = [rows.c[f"d{i}"] for i in range(len(names))]
    sums = [func.count(rows.c.one), *[func.sum(rows.c[f"m_{k}"]) for k in measures]]
    if names and db.session.get_bind().dialect.name == "postgresql":
        flags = [func.grouping(k) for k in keys]
        query = select(*keys, *flags, *sums).group_by(func.grouping_sets(*[tuple_(k) for k in keys], tuple_()))
        for row in db.session.execute(query):
            grouped = [i for i, flag in enumerate(row[len(keys):2 * len(keys)]) if flag == 0]
            values = tuple(row[2 * len(keys):])
            if grouped:
                yield names[grouped[0]], row[grouped[0]], values
            elif values[0]:
                yield TOTAL, TOTAL, values
        return
    for i, name in enumerate(names):
        for key, *values in db.session.execute(select(keys[i], *sums).group_by(keys[i])):
            yield name, key, tuple(values)
    total = db.session.execute(select(*sums)).one()
    if total[0]:
        yield TOTAL, TOTAL, tuple(total)


def _year(_entity, day):  # noqa: ANN001, ANN202
    return cast(func.extract("year", day), Integer)


def _category(entity, _day):  # noqa: ANN001, ANN202
    return func.coalesce(func.trim(entity.topic), "")


@dataclass
class Satisfaction:
    responses: int = 0
    satisfied: int = 0
    minimum: int = 5

    @property
    def suppressed(self) -> bool:
        return self.responses < self.minimum

    @property
    def share(self) -> float | None:
        return None if self.suppressed else round(self.satisfied / self.responses, 4)

    @property
    def interval(self) -> tuple[float | None, float | None]:
        from surveys.statistics import wilson_interval

        ci = None if self.suppressed else wilson_interval(self.satisfied, self.responses)
        return (round(ci[0], 4), round(ci[1], 4)) if ci else (None, None)


@dataclass
class Analysis:
    period: AnalysisPeriod
    today: date
    end: date            # the last day counted: the period's, or today's if it has not ended
    previous_end: date   # the last day counted of the period before (as many days as this one)
    total: Counts
    previous_total: Counts
    satisfaction: Satisfaction
    previous_satisfaction: Satisfaction
    by_unit: list[tuple[str, Counts, Satisfaction]]
    by_channel: list[tuple[str, Counts]]
    by_nature: list[tuple[str, Counts]]
    by_category: list[tuple[str, Counts]]
    results: list[tuple[str, int]]
    day_bands: list[tuple[str, int]]
    history: list[tuple[int, Counts, Satisfaction]]
    notes: dict = field(default_factory=dict)

    @property
    def so_far(self) -> bool:
        """The period has not ended: its figures are up to today."""
        return self.period.end > self.today


def analyse(period: AnalysisPeriod, today: date, progress: Callable[[str], None] | None = None) -> Analysis:
    """Every figure of the analysis, in the request's language for the names (units by name, channels, classes)."""
    from flask_babel import get_locale

    from cases.labels import CHANNEL_LABELS
    from core.settings import get_setting
    from surveys.aggregates import by_unit as satisfaction_by_unit
    from surveys.aggregates import by_year as satisfaction_by_year

    step = progress or (lambda _name: None)
    english = str(get_locale() or "").startswith("en")
    minimum = get_setting("survey_min_responses")
    start, end = period.start, min(period.end, today)
    before = period.previous
    # A period not ended is compared with as many days of the period before, not with all of it.
    before_end = min(before.end, before.start + (end - start))

    step("summary")
    class_names = {code: (en if english else zh) for code, zh, en in db.session.execute(
        select(TimeLimitClass.code, TimeLimitClass.name_zh, TimeLimitClass.name_en))}
    figures = counts({"unit": lambda entity, _day: entity.unit_id, "channel": lambda entity, _day: entity.channel,
                      "nature": lambda entity, _day: entity.limit_class, "category": _category}, start, end, today)
    total = figures[TOTAL].get(TOTAL, Counts())
    previous_total = counts({}, before.start, before_end, today)[TOTAL].get(TOTAL, Counts())

    def overall(start: date, end: date) -> tuple[Satisfaction, dict[int | None, Satisfaction]]:
        units = {}
        for f in satisfaction_by_unit(start, end):
            units[f.unit] = Satisfaction(f.responses, f.satisfied, minimum)
        return (Satisfaction(sum(s.responses for s in units.values()), sum(s.satisfied for s in units.values()),
                             minimum), units)

    satisfaction, unit_satisfaction = overall(start, end)
    previous_satisfaction, _units = overall(before.start, before_end)

    step("units")
    names = {uid: (code, name) for uid, code, name in db.session.execute(select(Unit.id, Unit.code, Unit.name))}
    per_unit = figures["unit"]
    by_code = {code: (name, per_unit.get(uid, Counts())) for uid, (code, name) in names.items()}
    by_code[""] = ("", per_unit.get(None, Counts()))   # not routed yet: the intake's
    # A unit with cases or with survey answers in the period (answers come after closing, maybe the period after).
    shown = {names.get(uid, ("", ""))[0] for uid in per_unit} | set(unit_satisfaction)
    by_unit = sorted(((by_code[code][0], by_code[code][1], unit_satisfaction.get(code, Satisfaction(minimum=minimum)))
                      for code in shown if code in by_code), key=lambda row: (row[0] == "", row[0]))

    step("channels")
    by_channel = [(str(CHANNEL_LABELS.get(channel, channel)), c) for channel, c in sorted(figures["channel"].items())]

    step("nature")
    by_nature = sorted(((class_names.get(code) or code, c) for code, c in figures["nature"].items()),
                       key=lambda row: -row[1].received)

    step("categories")
    by_category = sorted(figures["category"].items(), key=lambda row: (row[0] == "", -row[1].received, row[0]))

    step("results")
    results = _results(start, end)
    day_bands = _day_bands(start, end)

    step("history")
    first_year = max(period.year - HISTORY_YEARS + 1,
                     (db.session.scalar(select(func.min(Case.received_on))) or period.start).year)
    history_start = date(first_year, 1, 1)
    per_year = counts({"year": _year}, history_start, end, today)["year"]
    yearly_satisfaction = {row["key"]: Satisfaction(row["responses"], row["satisfied"] or 0, minimum)
                           for row in satisfaction_by_year(history_start, end)}
    history = [(year, per_year.get(year, Counts()), yearly_satisfaction.get(year, Satisfaction(minimum=minimum)))
               for year in range(first_year, period.year + 1)]
    return Analysis(period, today, end, before_end, total, previous_total, satisfaction, previous_satisfaction,
                    by_unit, by_channel, by_nature, by_category, results, day_bands, history)


def _results(start: date, end: date) -> list[tuple[str, int]]:
    """How the cases finished in the period ended: one GROUP BY over state, outcome, ground and "unanswered"."""
    from flask_babel import gettext

    from cases.labels import GROUND_LABELS, OUTCOME_LABELS

    # Grouped over a subquery: PostgreSQL will not match a CASE with bound parameters in SELECT and GROUP BY.
    ended = (select(Case.state, Case.outcome, Case.not_handled_ground,
                    when((closed_unanswered(Case), 1), else_=0).label("unanswered"))
             .where(Case.state.in_([CaseState.CLOSED.value, CaseState.TRANSFERRED.value,
                                    CaseState.NOT_HANDLED.value]), Case.closed_on.between(start, end))
             .subquery())
    finished = db.session.execute(
        select(ended.c.state, ended.c.outcome, ended.c.not_handled_ground, ended.c.unanswered, func.count())
        .group_by(ended.c.state, ended.c.outcome, ended.c.not_handled_ground, ended.c.unanswered))
    tally: dict[str, int] = {}
    order: list[str] = []
    for state, outcome, ground, was_unanswered, number in finished:
        if state == CaseState.CLOSED.value:
            label = gettext("Answered: %(outcome)s", outcome=OUTCOME_LABELS.get(outcome or "other",
                                                                               OUTCOME_LABELS["other"]))
        elif was_unanswered:
            label = gettext("Not handled: the information asked for was not received")
        elif state == CaseState.TRANSFERRED.value:
            label = gettext("Transferred to the competent agency")
        else:
            label = gettext("Not handled: %(ground)s", ground=GROUND_LABELS.get(ground or "", gettext("other ground")))
        if label not in tally:
            order.append(label)
        tally[label] = tally.get(label, 0) + number
    return sorted(((label, tally[label]) for label in order), key=lambda row: -row[1])


def _day_bands(start: date, end: date) -> list[tuple[str, int]]:
    """The unit's closures in the period by working days used, in DAY_BANDS (one GROUP BY)."""
    from flask_babel import gettext

    bands = (select(when(*[(Case.days_used <= upper, index) for index, upper in enumerate(DAY_BANDS)],
                         else_=len(DAY_BANDS)).label("band"))
             .where(closed_by_unit(Case), Case.closed_on.between(start, end)).subquery())
    found = {index: number for index, number in db.session.execute(
        select(bands.c.band, func.count()).group_by(bands.c.band))}
    labels = [gettext("Up to 1 working day")]
    labels += [gettext("%(low)s to %(high)d working days", low=_after(low), high=high)
               for low, high in zip(DAY_BANDS, DAY_BANDS[1:], strict=False)]
    labels.append(gettext("More than %(days)d working days", days=DAY_BANDS[-1]))
    return [(label, int(found.get(index, 0))) for index, label in enumerate(labels)]


def _after(days: int) -> str:
    """The first count above `days` working days: days used go by half days (rule 4)."""
    return f"{days + 0.5:g}"


# ---------------------------------------------------------------------------------------------- the tables


def tables(analysis: Analysis) -> dict[str, tuple[str, exports.Table]]:
    """Each section's title and table, in the request's language: the page, the XLSX and the command share them."""
    from flask_babel import gettext as _

    Column = exports.Column
    a = analysis
    figures = [Column(_("Cases received"), "int"), Column(_("Cases closed"), "int"), Column(_("Closed on time"), "int"),
               Column(_("Closed late"), "int"), Column(_("On-time rate"), "percent"),
               Column(_("Average working days used"), "number"), Column(_("Transferred"), "int"),
               Column(_("Not handled"), "int"), Column(_("Reopened"), "int"), Column(_("Reopen rate"), "percent")]

    def row(c: Counts) -> list:
        return [c.received, c.closed, c.closed_on_time, c.closed_late, c.on_time_rate, c.average_days_used,
                c.transferred, c.not_handled, c.reopened, c.reopen_rate]

    def share(number: int, of: int) -> float | None:
        return round(number / of, 4) if of else None

    def change(now: float | None, then: float | None) -> float | None:
        return None if now is None or then is None else round(now - then, 4)

    sat, before = a.satisfaction, a.previous_satisfaction
    summary_rows = [
        [_("Cases received"), a.total.received, a.previous_total.received,
         a.total.received - a.previous_total.received],
        [_("Cases closed"), a.total.closed, a.previous_total.closed, a.total.closed - a.previous_total.closed],
        [_("On-time rate"), _percent(a.total.on_time_rate), _percent(a.previous_total.on_time_rate),
         _points(change(a.total.on_time_rate, a.previous_total.on_time_rate))],
        [_("Average working days used"), a.total.average_days_used, a.previous_total.average_days_used,
         change(a.total.average_days_used, a.previous_total.average_days_used)],
        [_("Transferred"), a.total.transferred, a.previous_total.transferred,
         a.total.transferred - a.previous_total.transferred],
        [_("Not handled"), a.total.not_handled, a.previous_total.not_handled,
         a.total.not_handled - a.previous_total.not_handled],
        [_("Open and overdue (today)"), a.total.open_overdue, a.previous_total.open_overdue,
         a.total.open_overdue - a.previous_total.open_overdue],
        [_("Reopen rate"), _percent(a.total.reopen_rate), _percent(a.previous_total.reopen_rate),
         _points(change(a.total.reopen_rate, a.previous_total.reopen_rate))],
        [_("Survey responses"), sat.responses, before.responses, sat.responses - before.responses],
        [_("Share satisfied"), _percent(sat.share), _percent(before.share),
         _points(change(sat.share, before.share))],
    ]
    summary = exports.Table.typed(
        [Column(_("Figure")), Column(_to(a.period.label(), a.end, a.period.end)),
         Column(_to(a.period.previous.label(), a.previous_end, a.period.previous.end)), Column(_("Change"))],
        [[label, _blank(now), _blank(then), _blank(diff)] for label, now, then, diff in summary_rows])

    units = exports.Table.typed(
        [Column(_("Unit")), *figures, Column(_("Open and overdue (today)"), "int"),
         Column(_("Survey responses"), "int"), Column(_("Share satisfied"), "percent"),
         Column(_("95% CI, lower bound"), "percent"), Column(_("95% CI, upper bound"), "percent")],
        [[name or _("(intake)"), *row(c), c.open_overdue, s.responses, s.share, *s.interval]
         for name, c, s in a.by_unit])
    channels = exports.Table.typed([Column(_("Channel")), *figures], [[n, *row(c)] for n, c in a.by_channel])
    nature = exports.Table.typed([Column(_("Nature (time-limit class)")), *figures],
                                 [[n, *row(c)] for n, c in a.by_nature])
    categories = exports.Table.typed([Column(_("Category")), *figures],
                                     [[n or _("(no category set)"), *row(c)] for n, c in a.by_category])
    finished = sum(n for _label, n in a.results)
    results = exports.Table.typed([Column(_("Result")), Column(_("Cases"), "int"), Column(_("Share"), "percent")],
                                  [[label, n, share(n, finished)] for label, n in a.results])
    closed = sum(n for _label, n in a.day_bands)
    days = exports.Table.typed(
        [Column(_("Working days used")), Column(_("Cases closed"), "int"), Column(_("Share"), "percent")],
        [[label, n, share(n, closed)] for label, n in a.day_bands])
    history = exports.Table.typed(
        [Column(_("Year")), Column(_("Cases received"), "int"), Column(_("Cases closed"), "int"),
         Column(_("Closed on time"), "int"), Column(_("On-time rate"), "percent"),
         Column(_("Average working days used"), "number"), Column(_("Transferred"), "int"),
         Column(_("Not handled"), "int"), Column(_("Reopen rate"), "percent"),
         Column(_("Survey responses"), "int"), Column(_("Share satisfied"), "percent")],
        [[_to(str(year), a.end, date(year, 12, 31)), c.received, c.closed, c.closed_on_time, c.on_time_rate,
          c.average_days_used, c.transferred, c.not_handled, c.reopen_rate, s.responses, s.share]
         for year, c, s in a.history])
    return {
        "summary": (_("Summary, compared with the period before"), summary),
        "units": (_("By unit"), units),
        "channels": (_("By channel"), channels),
        "nature": (_("By nature (time-limit class)"), nature),
        "categories": (_("By category"), categories),
        "results": (_("By result (cases finished in the period)"), results),
        "days": (_("Working days used (cases closed in the period)"), days),
        "history": (_("Cases and handling times over the years"), history),
    }


def workbook(analysis: Analysis) -> bytes:
    """The analysis as a workbook in the reader's language: one sheet per table, then the adopted proposals."""
    from flask_babel import gettext as _

    sheets = {title: table for title, table in tables(analysis).values()}
    kept = adopted(analysis.period)
    sheets[_("Improvement proposals")] = exports.Table.typed(
        [exports.Column(_("Improvement proposals adopted")),
         exports.Column(_("Presented to the management meeting on"), "date")],
        [[kept.proposals if kept else "", kept.presented_on if kept else None]])
    return exports.as_xlsx_sheets(sheets)


def _to(label: str, counted_to: date, ends: date) -> str:
    """A period's label, with the last day counted when that is before its end (a period not ended yet)."""
    from flask_babel import gettext

    from core.dates import day

    return label if counted_to >= ends else gettext("%(period)s, to %(day)s", period=label, day=day(counted_to))


def _blank(value: object) -> object:
    return "—" if value is None else value


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value * 100:.1f}%"


def _points(value: float | None) -> str | None:
    """A change of a rate, in percentage points."""
    if value is None:
        return None
    from flask_babel import gettext

    return gettext("%(points)s points", points=f"{value * 100:+.1f}")


def history_chart(analysis: Analysis) -> dict:
    """Geometry of the history chart (received and closed per year, horizontal bars), so the template only draws."""
    rows = [(str(year), c.received, c.closed) for year, c, _s in analysis.history]
    return _bars(rows, series=2)


def days_chart(analysis: Analysis) -> dict:
    return _bars([(label, n) for label, n in analysis.day_bands], series=1, label_width=200)


def _bars(rows: list[tuple], series: int, label_width: int = 64) -> dict:
    width, bar, gap, top = 720, 14, 10, 8
    plot = width - label_width - 72           # room for the value after the longest bar
    peak = max([max(r[1:]) for r in rows] + [1])
    groups, y = [], top
    for label, *values in rows:
        bars = []
        for index, value in enumerate(values):
            bars.append({"x": label_width, "y": y + index * bar, "w": round(plot * value / peak, 1), "h": bar - 2,
                         "value": value, "series": index})
        groups.append({"label": label, "y": y, "middle": y + series * bar / 2 + 4, "bars": bars})
        y += series * bar + gap
    return {"width": width, "height": y + (24 if series > 1 else 0), "groups": groups, "label_width": label_width,
            "series": series, "legend_y": y + 12}


# ---------------------------------------------------------------------------------------------- the proposals

PROPOSALS_MAX = 20000


def adopted(period: AnalysisPeriod) -> PeriodicAnalysis | None:
    return db.session.scalar(select(PeriodicAnalysis).where(PeriodicAnalysis.period == period.name))


def save_proposals(period: AnalysisPeriod, text: str, presented_on: date | None, version: int | None,
                   by: object) -> PeriodicAnalysis | None:
    """Keep what the meeting adopted, in the caller's transaction. `version` is the one the writer saw (None: they
    saw none); if someone saved in between, nothing is written and the writer is told (409), not overwritten."""
    from flask_babel import gettext

    from core import audit
    from core.errors import DomainError

    text = text.replace("\r\n", "\n").strip()
    if len(text) > PROPOSALS_MAX:
        raise DomainError(gettext("Write at most %(count)d characters.", count=PROPOSALS_MAX), 422)
    conflict = DomainError(gettext("Someone else saved the proposals for this period meanwhile. Their text is "
                                   "shown below the form; save again to replace it with yours."), 409)
    row = adopted(period)
    if (row.version if row else None) != version:
        raise conflict
    if row is None and not text and presented_on is None:
        return None  # an empty form where nothing was kept: nothing to keep
    old = {"proposals": row.proposals, "presented_on": row.presented_on} if row else None
    if row is None:
        row = PeriodicAnalysis(period=period.name)
        db.session.add(row)
    row.proposals, row.presented_on = text, presented_on
    row.updated_by_id, row.updated_at = getattr(by, "id", None), utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except (IntegrityError, StaleDataError):
        raise conflict from None
    new = {"proposals": row.proposals, "presented_on": row.presented_on}
    audit.record(by, "periodic_analysis", period.name, "update" if old else "create", old, new)
    return row
