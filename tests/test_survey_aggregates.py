"""Satisfaction aggregates checked against figures computed here from the raw rows."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest
import sqlalchemy as sa

from surveys.statistics import wilson_interval
from tests.support import make_agency, register_case, staff_client

DAY = date(2026, 11, 10)


def test_wilson_interval_against_textbook_values():
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson_interval(0, 20)
    assert low == 0 and round(high, 4) == 0.1611
    assert wilson_interval(0, 0) is None


def _seed(db, plan: dict[str, int]) -> list:  # noqa: ANN001
    """`plan`: unit code → number of responses. Scores are random but reproducible."""
    from core.accounts.services import find_unit
    from surveys.models import SurveyInvitation, SurveyResponse
    from surveys.services import current_questionnaire

    make_agency(db)
    questionnaire = current_questionnaire()
    rng = random.Random(7)
    rows = []
    for code, n in plan.items():
        unit = find_unit(code)
        for i in range(n + 2):  # two invitations per unit stay unanswered
            case = register_case(db, email=f"{code}{i}@example.tw")
            invitation = SurveyInvitation(case_id=case.id, questionnaire_id=questionnaire.id,
                                          token_digest=f"{code}-{i:04d}".ljust(64, "0"), email=f"{code}{i}@example.tw",
                                          language="zh_Hant_TW", unit_id=unit.id,
                                          outcome=rng.choice(["met", "explained", "refused"]),
                                          sent_on=DAY, expires_at=sa.func.now())
            db.session.add(invitation)
            db.session.flush()
            if i >= n:
                continue
            scores = [rng.randint(1, 5) for _ in range(5)]
            rows.append((code, invitation.outcome, scores))
            db.session.add(SurveyResponse(invitation_id=invitation.id, questionnaire_id=questionnaire.id,
                                          unit_id=unit.id, outcome=invitation.outcome, answered_on=DAY,
                                          overall=scores[4], s1=scores[0], s2=scores[1], s3=scores[2], s4=scores[3],
                                          s5=scores[4]))
    db.session.commit()
    return rows


def test_unit_figures_match_the_raw_rows(app, db):
    from surveys.aggregates import by_outcome, by_unit

    rows = _seed(db, {"ROADS": 23, "PARKS": 4})  # PARKS is below the minimum of 5
    with app.app_context():
        figures = {f.unit: f for f in by_unit(DAY, DAY)}
        outcomes = {o["key"]: o for o in by_outcome(DAY, DAY)}
    roads = [r for r in rows if r[0] == "ROADS"]
    n = len(roads)
    satisfied = sum(1 for r in roads if r[2][4] >= 4)
    f = figures["ROADS"]
    assert (f.invitations, f.responses, f.satisfied) == (n + 2, n, satisfied)
    assert f.response_rate == round(n / (n + 2), 4)
    assert f.satisfied_share == round(satisfied / n, 4)
    p, z = satisfied / n, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert f.satisfied_ci == pytest.approx([centre - half, centre + half], abs=1e-4)
    for slot, key in enumerate(["speed", "attitude", "clarity", "solved", "overall"]):
        assert f.means[key] == pytest.approx(sum(r[2][slot] for r in roads) / n, abs=1e-3)
    assert f.distribution == [sum(1 for r in roads if r[2][4] == s) for s in range(1, 6)]

    parks = figures["PARKS"]
    assert parks.responses == 4 and parks.suppressed
    assert parks.as_json()["satisfied_share"] is None and parks.as_json()["satisfied_ci"] is None
    assert all(v is None for v in parks.as_json()["means"].values())

    for outcome, figure in outcomes.items():
        answers = [r for r in rows if r[1] == outcome]
        assert figure["responses"] == len(answers)
        if not figure["suppressed"]:
            assert figure["satisfied_share"] == round(sum(1 for r in answers if r[2][4] >= 4) / len(answers), 4)


def test_the_report_page_and_downloads(app, db):
    import csv
    import io

    from openpyxl import load_workbook

    _seed(db, {"ROADS": 6, "PARKS": 2})
    secretariat = staff_client(app, "secretariat@example.tw")
    page = secretariat.get("/staff/satisfaction?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "<svg" in page.text and "<table" in page.text  # each chart with its data table
    assert page.text.count('role="img"') == 2
    rows = list(csv.DictReader(io.StringIO(secretariat.get(
        "/staff/satisfaction.csv?from=2026-11-01&to=2026-11-30").data.decode("utf-8-sig"))))
    by_unit = {r["單位"]: r for r in rows}
    assert by_unit["養護工程處"]["回覆數"] == "6" and by_unit["公園處"]["回覆數過少"] == "是"
    assert by_unit["公園處"]["滿意比率"] == ""
    book = load_workbook(io.BytesIO(secretariat.get("/staff/satisfaction.xlsx?from=2026-11-01&to=2026-11-30").data))
    assert [c.value for c in book.active[1]][:3] == ["單位", "邀請數", "回覆數"]
    # A supervisor sees their own unit only, whatever they ask for.
    chief = staff_client(app, "parks.chief@example.tw")
    own = chief.get("/staff/satisfaction?from=2026-11-01&to=2026-11-30&unit=ROADS")
    assert "公園處" in own.text and "養護工程處" not in own.text.split("<main", 1)[1]
    assert staff_client(app, "roads.handler@example.tw").get("/staff/satisfaction").status_code == 403
