"""Complementary suppression (reports/suppression.py): no published count of 1 or 2 can be worked out from the
other published figures, whether by the relations of one month's tables or by two pages whose periods overlap.

The rule is checked two ways: on named shapes (a closed count minus its on-time part, the agency's total minus its
units), and against an attacker written independently of the rule, who enumerates every table of whole numbers that
agrees with what is published and looks at which values each "<3" cell can take."""

from __future__ import annotations

import csv
import html
import io
import itertools
import random
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from reports.suppression import protect
from tests.support import make_agency, register_case


def _row(total: str, *parts: str) -> list[tuple[str, int]]:
    return [(total, 1), *[(p, -1) for p in parts]]


def test_closed_minus_on_time_would_give_the_late_count():
    # 10 closed, 9 on time: the late "<3" would be 1. Withholding "on time" (x, so at least 3) leaves late 1 to 7.
    assert protect({"closed": 10, "on_time": 9, "late": 1}, [_row("closed", "on_time", "late")]) == {"on_time"}
    # 4 closed: with on time withheld (≥ 3) late could still only be 1, so closed goes too.
    assert protect({"closed": 4, "on_time": 3, "late": 1}, [_row("closed", "on_time", "late")]) == \
        {"on_time", "closed"}


def test_the_total_minus_the_units_and_the_unpublished_confidential_cases():
    relation = _row("total", "roads", "parks", "confidential")
    # 10 = 8 + "<3" + confidential (≥ 0): parks may be 1 or 2, nothing more to withhold.
    assert protect({"total": 10, "roads": 8, "parks": 2}, [relation], {"confidential"}) == set()
    # 9 = 8 + "<3" + confidential: parks can only be 1.
    assert protect({"total": 9, "roads": 8, "parks": 1}, [relation], {"confidential"}) == {"roads"}
    # Without confidential cases in the relation, any single withheld part is given away.
    assert protect({"total": 10, "roads": 8, "parks": 2}, [_row("total", "roads", "parks")]) == {"roads"}


def test_figures_that_contradict_their_relations_are_not_audited():
    """A total read a moment before its rows (a case registered in between) cannot be audited: said, not guessed."""
    from reports.suppression import CannotAudit

    with pytest.raises(CannotAudit):
        protect({"total": 2, "a": 1, "b": 3}, [_row("total", "a", "b", "confidential")], {"confidential"})


def test_a_days_average_is_not_published_beside_a_withheld_count():
    """Days are used in half days: with other rows' averages, a rounded average could pin the count it rests on."""
    from reports.public_statistics import Figures

    october = Figures(received=5, closed=4, closed_on_time=3, closed_late=1, days_used_total=12.0,
                      withheld={"closed", "closed_on_time"})
    assert october.published()["average_days_used"] is None
    october.withheld = set()
    assert october.published()["average_days_used"] == 3.0


def test_the_daily_change_of_open_overdue_changes_nothing_else_withheld():
    """Open overdue of a past month changes every day, its other figures do not: comparing two days' files must
    not show a different pattern for them (received 14 = 5 + "<3" + 3 + 5: one overdue case closing must not move
    the "x" of received from one row to another)."""
    from reports.public_statistics import MEASURES, _withheld

    def month(overdue: list[int]) -> tuple:
        received = {("D", "A", "petition", ""): 5, ("D", "B", "petition", ""): 1, ("D", "C", "petition", ""): 3,
                    ("D", "D", "petition", ""): 5, ("T",): 14}
        overdue_of = dict(zip(received, [*overdue, sum(overdue)], strict=True))
        return tuple(sorted((cell, tuple({"received": n, "open_overdue": overdue_of[cell]}.get(m, 0)
                                          for m in MEASURES)) for cell, n in received.items()))

    def others(marks: frozenset) -> set:
        return {m for m in marks if m[1] != "open_overdue"}

    before, after = _withheld(month([3, 0, 2, 1])), _withheld(month([3, 0, 1, 1]))
    assert others(before) == others(after) and others(before)


def test_zeros_and_unpublished_cells_are_never_marked():
    relation = _row("total", "a", "b", "c", "hidden")
    withheld = protect({"total": 7, "a": 0, "b": 6, "c": 1}, [relation], {"hidden"})
    assert withheld == {"b"}  # c (1) would be 7 - 6; a zero and the unpublished cell are never marked


UNITS, CHANNELS = "abc", "xy"
INNER = [f"{u}{c}" for u in UNITS for c in CHANNELS]


def _range_of(key: str, values: dict[str, int], marked: set[str]) -> tuple[int, float]:
    """What the attacker knows of a cell: "x" is 3 or more if it could have been published, else 1 or more; "<3" is
    1 or 2; anything else is its value."""
    if key in marked:
        return (1, float("inf")) if 0 < values[key] < 3 else (3, float("inf"))
    return (1, 2) if 0 < values[key] < 3 else (values[key], values[key])


def _attacker_learns(values: dict[str, int], marked: set[str]) -> set[str]:
    """The small cells that what is published pins to one number. The attacker knows each published cell, that a
    "<3" cell is 1 or 2, an "x" cell 3 or more and the confidential remainder 0 or more, and tries every filling
    of the inner cells (each at most the published total, or the sum of everything) against every margin."""
    withheld = marked | {k for k, v in values.items() if 0 < v < 3}
    ceiling = values["total"] if "total" not in withheld else sum(values[k] for k in INNER) + 2
    choices = []
    for key in INNER:
        low, high = _range_of(key, values, marked)
        choices.append(range(low, int(min(high, ceiling)) + 1))
    possible: dict[str, set[int]] = {k: set() for k in withheld if 0 < values[k] < 3}
    for guess in itertools.product(*choices):
        table = dict(zip(INNER, guess, strict=True))
        for margin in [*UNITS, *CHANNELS]:
            parts = [f"{margin}{c}" for c in CHANNELS] if margin in UNITS else [f"{u}{margin}" for u in UNITS]
            table[margin] = sum(table[p] for p in parts)
        low, high = _range_of("total", values, marked)
        inside = table["x"] + table["y"]  # the total is the inside plus confidential cases (0 or more)
        if high < inside or any(not _range_of(m, values, marked)[0] <= table[m] <= _range_of(m, values, marked)[1]
                                for m in [*UNITS, *CHANNELS]):
            continue
        for key, seen in possible.items():
            if key == "total":
                seen.update(v for v in range(max(low, inside), 3) if v <= high)
            else:
                seen.add(table[key])
    return {k for k, seen in possible.items() if len(seen) == 1}


def test_no_random_two_way_table_gives_a_small_cell_away():
    """Tables of 3 units × 2 channels with their margins and a confidential remainder in the total, as the public
    pages publish them: the attacker learns nothing in any of them."""
    generator = random.Random(20261130)
    checked = 0
    for _ in range(300):
        values = {k: generator.choice([0, 0, 1, 2, 3, 4, 5, 7]) for k in INNER}
        for u in UNITS:
            values[u] = sum(values[f"{u}{c}"] for c in CHANNELS)
        for c in CHANNELS:
            values[c] = sum(values[f"{u}{c}"] for u in UNITS)
        values["total"] = values["x"] + values["y"] + generator.choice([0, 0, 1, 2])
        relations = [_row(u, *[f"{u}{c}" for c in CHANNELS]) for u in UNITS]
        relations += [_row(c, *[f"{u}{c}" for u in UNITS]) for c in CHANNELS]
        relations += [_row("total", *UNITS, "confidential"), _row("total", *CHANNELS, "confidential")]
        marked = protect(values, relations, {"confidential"})
        assert "confidential" not in marked and not any(values[k] == 0 for k in marked)
        if sum(1 for k in INNER if k in marked) > 3:  # keep the enumeration quick
            continue
        checked += 1
        assert not _attacker_learns(values, marked), (values, marked)
    assert checked >= 200


# --- Through the pages and the open data ----------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Taipei"))


def _seed(db, clock) -> None:  # noqa: ANN001
    """ROADS receives 9 petitions in September and 1 in October; PARKS 4 mailbox letters in October."""
    from cases.models import Case
    from core.accounts.services import find_unit

    clock.move_to(NOW)
    make_agency(db)
    roads, parks = find_unit("ROADS"), find_unit("PARKS")
    plan = [(roads, "petition", date(2026, 9, 1 + i)) for i in range(9)]
    plan += [(roads, "petition", date(2026, 10, 1))] + [(parks, "mailbox", date(2026, 10, 2 + i)) for i in range(4)]
    for i, (unit, channel, received) in enumerate(plan):
        case = register_case(db, channel=channel, email=f"s{i}@example.tw")
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            unit_id=unit.id, received_on=received, due_on=date(2026, 12, 31), original_due_on=date(2026, 12, 31),
            state="in_progress"))
    db.session.commit()


def _cells(page: str, caption: str) -> dict[str, list[str]]:
    """A table of the page: row heading → its cells' text."""
    table = page[page.index(f">{caption}</caption>"):]
    table = table[:table.index("</table>")]
    rows = {}
    for heading, cells in re.findall(r'<th scope="row">([^<]*)</th>(.*?)</tr>', table, re.S):
        rows[html.unescape(heading).strip()] = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                                 for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return rows


def test_two_overlapping_periods_cannot_be_subtracted(app, db, clock, client):
    _seed(db, clock)
    client.set_cookie("lang", "en")
    september = _cells(client.get("/statistics?from=2026-09&to=2026-09").text, "Per unit, for the whole period")
    both = _cells(client.get("/statistics?from=2026-09&to=2026-10").text, "Per unit, for the whole period")
    assert september["養護工程處"][0] == "9"
    # Published as 10, September–October minus September would give October's "<3" as 1: it is "at least 10"
    # (9 and a withheld part, which is at least 1), which subtracting September leaves at "at least 1".
    assert both["養護工程處"][0] == "≥10"
    october = client.get("/statistics?from=2026-10&to=2026-10").text
    assert _cells(october, "Per unit, for the whole period")["養護工程處"][0] == "<3"
    # October's total (5) minus PARKS (4) would give ROADS' 1: PARKS is withheld too, and the legend says why.
    # The channels' rows are sums of the same cells: withheld with them.
    assert _cells(october, "Per channel, for the whole period")["Director's mailbox"][0] == "x"
    assert _cells(october, "Per unit, for the whole period")["公園處"][0] == "x"
    assert _cells(october, "All figures per month")["2026-10"][0] == "5"
    assert 'shown as "x"' in october or "shown as &#34;x&#34;" in october


def test_the_open_data_withholds_what_subtraction_would_give_away(app, db, clock, client):
    _seed(db, clock)
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/statistics.csv").data.decode("utf-8-sig"))))
    october = {(r["level"], r["unit_code"]): r["received"] for r in rows if r["month"] == "2026-10"}
    assert october == {("total", ""): "5", ("detail", "ROADS"): "<3", ("detail", "PARKS"): "x"}
    package = client.get("/open-data/datapackage.json").json
    assert package["resources"][0]["schema"]["missingValues"] == ["", "<3", "x"]
    client.set_cookie("lang", "en")
    assert 'written "x"' in client.get("/open-data").text.replace("&#34;", '"')


def test_a_few_answers_are_counted_nowhere_so_no_subtraction_finds_them(app, db, clock, client):
    """ROADS: 6 answers in September (all satisfied), 1 in October (not), PARKS 5 in October (all satisfied). The
    October answer of ROADS is under the minimum (5): counted neither in ROADS' September–October figure nor in
    October's, so neither one period less another nor the month less its units gives it away."""
    from cases.models import Case
    from surveys.models import SurveyInvitation, SurveyResponse
    from surveys.services import current_questionnaire

    _seed(db, clock)
    questionnaire = current_questionnaire()
    cases = db.session.scalars(sa.select(Case).order_by(Case.received_on, Case.id)).all()
    roads, parks = cases[0].unit_id, cases[-1].unit_id
    answers = [(cases[i], roads, date(2026, 9, 20), 5) for i in range(6)]
    answers += [(cases[6], roads, date(2026, 10, 20), 1)]
    answers += [(cases[7 + i], parks, date(2026, 10, 21), 5) for i in range(5)]  # the unit the answer is about
    for i, (case, unit_id, answered, overall) in enumerate(answers):
        invitation = SurveyInvitation(case_id=case.id, questionnaire_id=questionnaire.id,
                                      token_digest=f"suppress-{i:03d}-".ljust(64, "0"), email=f"a{i}@example.tw",
                                      language="zh_Hant_TW", unit_id=unit_id, outcome="met",
                                      sent_on=answered, expires_at=sa.func.now())
        db.session.add(invitation)
        db.session.flush()
        db.session.add(SurveyResponse(invitation_id=invitation.id, questionnaire_id=questionnaire.id,
                                      unit_id=unit_id, outcome="met", answered_on=answered, overall=overall))
    db.session.commit()
    client.set_cookie("lang", "en")
    caption = "Satisfaction per month and per unit"
    both = _cells(client.get("/statistics?from=2026-09&to=2026-10").text, caption)
    assert both["養護工程處"][:2] == ["6", "100.0%"] and both["公園處"][:2] == ["5", "100.0%"]
    assert both["2026-09"][:2] == ["6", "100.0%"] and both["2026-10"][:2] == ["5", "100.0%"]
    october = _cells(client.get("/statistics?from=2026-10&to=2026-10").text, caption)
    assert "養護工程處" not in october and october["2026-10"][:2] == ["5", "100.0%"]
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/statistics.csv").data.decode("utf-8-sig"))))
    assert {r["month"]: r["satisfaction_responses"] for r in rows if r["level"] == "total"} == {
        "2026-09": "6", "2026-10": "5"}
