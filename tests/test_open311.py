"""Open311 GeoReport v2 (issue 14, deliver 3): a client application's journey through /open311/v2, in JSON and
XML, with a key; what the public GETs never show."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.support import act, client_from, confirm, make_agency, staff_client

BASE = "/open311/v2"
PERSONAL = ("王小明", "citizen@example.tw", "0912-345-678", "中山路二段100號前", "路燈已經三天沒有亮")


@pytest.fixture
def key(app, db) -> str:  # noqa: ANN001
    make_agency(db)
    answer = app.test_cli_runner().invoke(args=["open311", "create-key", "台北通 app"])
    assert answer.exit_code == 0, answer.output
    return answer.output.split()[-1]


def request_form(key: str, **overrides) -> dict:  # noqa: ANN003
    return {"api_key": key, "jurisdiction_id": "city.example.tw", "service_code": "petition",
            "description": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。",
            "email": "citizen@example.tw", "first_name": "小明", "last_name": "王", "phone": "0912-345-678",
            "lat": "25.052", "long": "121.5201234", "address_string": "中山路二段100號前",
            "attribute[subject]": "中山路路燈不亮", "attribute[consent]": "true", **overrides}


def xml_items(text: str, item: str) -> list[dict[str, str]]:
    """A list answer in XML as dicts of each item's child elements' text (nested lists left out)."""
    root = ET.fromstring(text.encode())
    return [{child.tag: (child.text or "") for child in node if len(child) == 0} for node in root.findall(item)]


def as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def file_and_confirm(client, smtp, key: str, **overrides) -> tuple[str, str]:  # noqa: ANN001
    """POST a request, open the mailed link; returns (token, case number)."""
    posted = client.post(f"{BASE}/requests.json", data=request_form(key, **overrides))
    assert posted.status_code == 200, posted.text
    [answer] = posted.json
    token = answer["token"]
    pending = client.get(f"{BASE}/tokens/{token}.json")
    assert pending.status_code == 200 and pending.json == [{"service_request_id": "", "token": token}]
    confirm(client, smtp.only_link_to(overrides.get("email", "citizen@example.tw")))
    resolved = client.get(f"{BASE}/tokens/{token}.json").json
    assert resolved[0]["token"] == token and resolved[0]["service_request_id"]
    return token, resolved[0]["service_request_id"]


def test_a_client_files_a_request_and_follows_it(app, db, client, smtp, key):  # noqa: ANN001
    discovery = client.get(f"{BASE}/discovery.json")
    assert discovery.status_code == 200 and discovery.content_type.startswith("application/json")
    [endpoint] = discovery.json["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"text/xml", "application/json"}
    xml_discovery = ET.fromstring(client.get(f"{BASE}/discovery.xml").data)
    assert xml_discovery.tag == "discovery"
    assert [f.text for f in xml_discovery.find("endpoints/endpoint/formats")] == endpoint["formats"]

    services = client.get(f"{BASE}/services.json?jurisdiction_id=city.example.tw").json
    assert [s["service_code"] for s in services] == ["petition", "mailbox", "complaint"]
    assert all(s["metadata"] is True and s["type"] == "batch" for s in services)
    xml = client.get(f"{BASE}/services.xml")
    assert xml.content_type.startswith("text/xml") and xml.text.startswith("<?xml")
    assert xml_items(xml.text, "service") == [{k: as_text(v) for k, v in s.items()} for s in services]

    definition = client.get(f"{BASE}/services/complaint.json").json
    codes = {a["code"]: a for a in definition["attributes"]}
    assert {"subject", "consent", "category", "confidential"} <= set(codes)
    assert codes["category"]["required"] is True and codes["category"]["datatype"] == "singlevaluelist"
    assert {v["key"] for v in codes["category"]["values"]} == {"integrity", "service", "other"}
    xml_definition = ET.fromstring(client.get(f"{BASE}/services/complaint.xml").data)
    assert xml_definition.tag == "service_definition"
    assert [a.findtext("code") for a in xml_definition.find("attributes")] == [a["code"] for a in
                                                                                definition["attributes"]]
    assert client.get(f"{BASE}/services/parking.json").json[0]["code"] == 404

    token, number = file_and_confirm(client, smtp, key)
    receipt = smtp.text(smtp.last_to("citizen@example.tw"))
    assert number in receipt  # the petitioner's receipt, as from the web form

    from cases.models import Case

    case = db.session.scalar(db.select(Case).where(Case.number == number))
    submission = case.submission
    assert submission.source == "api" and submission.name == "王小明" and submission.phone == "0912-345-678"
    assert (submission.latitude, submission.longitude, submission.address_string) == (25.052, 121.5201234,
                                                                                     "中山路二段100號前")
    assert submission.subject == "中山路路燈不亮"

    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    [one] = client.get(f"{BASE}/requests/{number}.json", headers={"Accept-Language": "zh-TW"}).json
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["service_code"] == "petition" and one["agency_responsible"] == "養護工程處"
    assert "養護工程處" in one["status_notes"]  # the latest public step: passed to the unit
    assert one["expected_datetime"].endswith("+08:00") and one["requested_datetime"].endswith("+08:00")
    assert one["expected_datetime"][:10] == case.due_on.isoformat()
    assert (one["lat"], one["long"]) == (25.052, 121.52)  # rounded to about 100 m
    xml_one = xml_items(client.get(f"{BASE}/requests/{number}.xml",
                                   headers={"Accept-Language": "zh-TW"}).text, "request")
    assert xml_one == [{k: as_text(v) for k, v in one.items()}]

    listed = client.get(f"{BASE}/requests.json?service_code=petition&status=open", headers={"Accept-Language": "zh-TW"})
    assert [r["service_request_id"] for r in listed.json] == [number]
    assert listed.json == [one]
    assert client.get(f"{BASE}/requests.json?status=closed").json == []
    assert client.get(f"{BASE}/requests.json?service_code=mailbox").json == []
    assert [r["service_request_id"] for r in client.get(
        f"{BASE}/requests.json?service_request_id=999,{number}").json] == [number]
    assert client.get(f"{BASE}/requests.json?start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z").json == []
    assert client.get(f"{BASE}/requests.json?start_date=yesterday").json[0]["code"] == 400
    # English on request
    [english] = app.test_client().get(f"{BASE}/requests/{number}.json", headers={"Accept-Language": "en"}).json
    assert english["service_name"] == "Petition"

    for path in (f"/requests/{number}.json", f"/requests/{number}.xml", "/requests.json", "/requests.xml",
                 f"/tokens/{token}.json"):
        text = client.get(BASE + path).text
        for personal in PERSONAL:
            assert personal not in text, (path, personal)


def test_a_post_needs_a_valid_key(app, db, client, smtp, key):  # noqa: ANN001
    missing = client.post(f"{BASE}/requests.json", data=request_form(""))
    assert missing.status_code == 403
    assert missing.json[0]["code"] == 403 and missing.json[0]["description"]
    wrong = client.post(f"{BASE}/requests.xml", data=request_form("o311_not-a-key"))
    assert wrong.status_code == 403 and wrong.content_type.startswith("text/xml")
    [error] = ET.fromstring(wrong.data).findall("error")
    assert error.findtext("code") == "403" and error.findtext("description")
    assert smtp.to("citizen@example.tw") == []

    from feedback.models import Open311Client

    client_app = db.session.scalar(db.select(Open311Client))
    assert client_app.name == "台北通 app" and client_app.key_digest != key and key.startswith("o311_")
    assert app.test_cli_runner().invoke(args=["open311", "revoke-key", str(client_app.id)]).output.strip() == "revoked"
    assert client.post(f"{BASE}/requests.json", data=request_form(key)).status_code == 403
    from core.audit import AuditEntry

    assert [(e.entity, e.action) for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))] == [
        ("open311_client", "create"), ("open311_client", "revoke")]


def test_a_confidential_complaint_never_appears(app, db, client, smtp, key):  # noqa: ANN001
    public_token, public_number = file_and_confirm(client, smtp, key)
    other = client_from(app, "10.9.9.9")
    _token, secret_number = file_and_confirm(
        other, smtp, key, service_code="complaint", email="whistle@example.tw", **{
            "attribute[category]": "service", "attribute[confidential]": "true",
            "attribute[subject]": "櫃台人員態度不佳"})
    for fmt in ("json", "xml"):
        listed = client.get(f"{BASE}/requests.{fmt}").text
        assert public_number in listed and secret_number not in listed
        one = client.get(f"{BASE}/requests/{secret_number}.{fmt}")
        assert one.status_code == 404 and secret_number in one.text  # "not found", as for a number never given
    assert client.get(f"{BASE}/requests.json?service_request_id={secret_number}").json == []
    assert client.get(f"{BASE}/requests.json?service_code=complaint").json == []


@pytest.mark.parametrize(("fields", "field"), [
    ({"lat": "91", "long": "121.5"}, "lat"),
    ({"lat": "25", "long": "-181"}, "long"),
    ({"lat": "25.05", "long": ""}, "long"),
    ({"lat": "north", "long": "121.5"}, "lat"),
    ({"lat": "nan", "long": "121.5"}, "lat"),
    ({"address_string": "路" * 301}, "address_string"),
])
def test_a_location_out_of_range_is_refused(client, smtp, key, fields, field):  # noqa: ANN001
    refused = client.post(f"{BASE}/requests.json", data=request_form(key, **fields))
    assert refused.status_code == 400, refused.text
    assert any(e["code"] == 400 and e["description"].startswith(field) for e in refused.json), refused.json
    assert smtp.to("citizen@example.tw") == []


def test_a_request_breaking_the_intake_rules_is_refused_in_the_spec_format(client, smtp, key):  # noqa: ANN001
    refused = client.post(f"{BASE}/requests.xml", data=request_form(key, **{
        "attribute[consent]": "", "email": "", "service_code": "complaint"}))
    assert refused.status_code == 400
    descriptions = [e.findtext("description") for e in ET.fromstring(refused.data).findall("error")]
    assert {d.split(":")[0] for d in descriptions} >= {"consent", "email", "category"}
    assert client.post(f"{BASE}/requests.json", data=request_form(key, service_code="")).status_code == 400
    assert client.post(f"{BASE}/requests.json", data=request_form(key, service_code="parking")).status_code == 404


def test_the_staff_case_page_shows_the_place_with_a_map_link(app, db, client, smtp, key):  # noqa: ANN001
    _token, number = file_and_confirm(client, smtp, key)
    page = staff_client(app, "intake@example.tw").get(f"/staff/cases/{number}").text
    assert "中山路二段100號前" in page
    assert "https://www.openstreetmap.org/?mlat=25.052&amp;mlon=121.5201234" in page


def test_a_control_character_is_refused_in_the_spec_format(client, smtp, key):  # noqa: ANN001
    """The site-wide check for NUL and other control characters answers Open311 clients in their format."""
    as_json = client.get(f"{BASE}/requests.json?status=open%00")
    assert as_json.status_code == 400 and as_json.content_type.startswith("application/json")
    [error] = as_json.json
    assert error["code"] == 400 and "status" in error["description"]
    as_xml = client.post(f"{BASE}/requests.xml", data=request_form(key, description="路燈\x00不亮"))
    assert as_xml.status_code == 400 and as_xml.content_type.startswith("text/xml")
    assert [e.findtext("code") for e in ET.fromstring(as_xml.data).findall("error")] == ["400"]
    # Elsewhere the same check still answers with the site's page.
    assert client.get("/faq?q=%00").status_code == 400
