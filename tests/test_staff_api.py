"""The staff JSON API: personal access tokens, listings, and every action."""

from __future__ import annotations

from tests.support import make_agency, register_case


def _tokens(db, *emails):  # noqa: ANN001, ANN202
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    headers = {e: {"Authorization": "Bearer " + issue_token(find_staff(e))} for e in emails}
    db.session.commit()
    return headers


def test_the_token_command_prints_a_token_that_acts_with_its_owners_roles(app, db):
    make_agency(db)
    result = app.test_cli_runner().invoke(args=["staff", "token", "intake@example.tw"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    client = app.test_client()
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer cfb_nonsense"}).status_code == 401
    from core.accounts.models import ApiToken

    stored = db.session.scalar(__import__("sqlalchemy").select(ApiToken.digest))
    assert token not in stored


def test_the_whole_path_through_the_api(app, db, smtp):
    make_agency(db)
    number = register_case(db, email="api.citizen@example.tw").number
    h = _tokens(db, "intake@example.tw", "roads.chief@example.tw", "roads.handler@example.tw")
    client = app.test_client()

    def post(who: str, action: str, **body):  # noqa: ANN202
        return client.post(f"/api/v1/cases/{number}/{action}", json=body, headers=h[who])

    answer = post("intake@example.tw", "route", unit="ROADS")
    assert answer.status_code == 200 and answer.json["state"] == "routed" and answer.json["unit"] == "ROADS"
    assert post("intake@example.tw", "route", unit="ROADS").status_code in (403, 409)  # not twice
    answer = post("roads.chief@example.tw", "assign", handler="roads.handler@example.tw")
    assert answer.json["handler"] == "roads.handler@example.tw" and answer.json["state"] == "in_progress"
    answer = post("roads.handler@example.tw", "request-extension", days=3, reason="需會勘")
    assert answer.status_code == 200
    answer = post("roads.chief@example.tw", "approve-extension")
    assert answer.json["due_on"] > answer.json["original_due_on"]
    answer = post("roads.handler@example.tw", "draft-reply", body="已修復。", outcome="met")
    assert answer.json["state"] == "awaiting_approval"
    refused = post("roads.handler@example.tw", "approve-reply")
    assert refused.status_code == 403 and refused.json["message"]
    answer = post("roads.chief@example.tw", "approve-reply")
    assert answer.status_code == 200
    body = answer.json
    assert body["state"] == "closed" and body["closed_on"] and body["outcome"] == "met"
    assert set(body) >= {"number", "state", "channel", "unit", "handler", "received_on", "due_on",
                         "original_due_on", "closed_on"}
    assert "已修復" in smtp.text(smtp.last_to("api.citizen@example.tw"))


def test_a_stale_version_is_refused_and_changes_nothing(app, db):
    make_agency(db)
    number = register_case(db).number
    h = _tokens(db, "intake@example.tw")
    client = app.test_client()
    version = client.get(f"/api/v1/cases/{number}", headers=h["intake@example.tw"]).json["version"]
    ok = client.post(f"/api/v1/cases/{number}/classify", json={"limit_class": "urgent", "version": version},
                     headers=h["intake@example.tw"])
    assert ok.status_code == 200
    stale = client.post(f"/api/v1/cases/{number}/route", json={"unit": "ROADS", "version": version},
                        headers=h["intake@example.tw"])
    assert stale.status_code == 409
    assert client.get(f"/api/v1/cases/{number}", headers=h["intake@example.tw"]).json["state"] == "registered"


def test_bad_action_bodies_are_4xx(app, db):
    make_agency(db)
    number = register_case(db).number
    h = _tokens(db, "intake@example.tw")["intake@example.tw"]
    client = app.test_client()
    for action, body in [("route", {}), ("route", {"unit": "NOPE"}), ("not-handled", {"ground": "boredom"}),
                         ("link", {"to": "999"}), ("classify", {"limit_class": "nope"}),
                         ("transfer", {"agency": "", "reason": "x"}), ("route", {"unit": 5})]:
        answer = client.post(f"/api/v1/cases/{number}/{action}", json=body, headers=h)
        assert 400 <= answer.status_code < 500, (action, body, answer.status_code)
    assert client.post("/api/v1/cases/0000/route", json={"unit": "ROADS"}, headers=h).status_code == 404


def test_every_action_is_in_the_openapi_document(client):
    from cases.actions import ACTIONS

    doc = client.get("/api/v1/openapi.json").json
    for name in ACTIONS:
        operation = doc["paths"][f"/api/v1/cases/{{number}}/{name}"]["post"]
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"200", "403", "409"} <= set(operation["responses"])
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/cases" in doc["paths"] and "/api/v1/cases/{number}" in doc["paths"]


def test_an_action_that_takes_the_case_out_of_sight_answers_with_the_case(app, db):
    # Returning a case to intake clears its unit: the supervisor can no longer see it, but the action
    # was theirs to take and it happened — the answer says so (never a 404 that reads "nothing changed").
    make_agency(db)
    number = register_case(db).number
    tokens = _tokens(db, "intake@example.tw", "roads.chief@example.tw")
    client = app.test_client()
    assert client.post(f"/api/v1/cases/{number}/route", json={"unit": "ROADS"},
                       headers=tokens["intake@example.tw"]).status_code == 200
    answer = client.post(f"/api/v1/cases/{number}/return-to-intake", json={"reason": "非本處業務"},
                         headers=tokens["roads.chief@example.tw"])
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "registered" and answer.json["unit"] is None
