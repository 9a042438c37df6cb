"""A handler sees and acts on their own unit's cases only, through the pages and the API alike."""

from __future__ import annotations

from tests.support import act, make_agency, register_case, staff_client


def _routed_to_roads(app, db) -> str:  # noqa: ANN001
    make_agency(db)
    number = register_case(db, subject="道路坑洞").number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    return number


def test_another_units_handler_cannot_read_or_act_through_the_pages(app, db):
    number = _routed_to_roads(app, db)
    parks = staff_client(app, "parks.handler@example.tw")
    assert parks.get(f"/staff/cases/{number}").status_code == 404
    assert parks.post(f"/staff/cases/{number}/draft-reply", data={"body": "x"}).status_code in (400, 404)
    for queue in ("all", "unit", "mine", "approval"):
        assert number not in parks.get(f"/staff/?queue={queue}").text
    assert number not in parks.get("/staff/?q=道路").text
    chief = staff_client(app, "parks.chief@example.tw")
    page = chief.get(f"/staff/cases/{number}")
    assert page.status_code == 404
    roads = staff_client(app, "roads.handler@example.tw")
    assert roads.get(f"/staff/cases/{number}").status_code == 200
    assert number in roads.get("/staff/?queue=all").text


def test_another_units_handler_cannot_read_or_act_through_the_api(app, db):
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    number = _routed_to_roads(app, db)
    parks = {"Authorization": "Bearer " + issue_token(find_staff("parks.chief@example.tw"))}
    roads = {"Authorization": "Bearer " + issue_token(find_staff("roads.chief@example.tw"))}
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/api/v1/cases/{number}", headers=parks).status_code == 404
    assert client.post(f"/api/v1/cases/{number}/assign", json={"handler": "parks.handler@example.tw"},
                       headers=parks).status_code == 404
    assert number not in client.get("/api/v1/cases", headers=parks).text
    assert client.get(f"/api/v1/cases/{number}", headers=roads).status_code == 200
    listed = client.get("/api/v1/cases?queue=unit", headers=roads).json["cases"]
    assert [c["number"] for c in listed] == [number]


def test_the_secretariat_sees_every_case_but_cannot_act_on_them(app, db):
    number = _routed_to_roads(app, db)
    secretariat = staff_client(app, "secretariat@example.tw")
    page = secretariat.get(f"/staff/cases/{number}")
    assert page.status_code == 200
    assert 'action="/staff/cases/' not in page.text  # no action forms for the secretariat
    assert act(secretariat, number, "assign", handler="roads.handler@example.tw").status_code == 403
