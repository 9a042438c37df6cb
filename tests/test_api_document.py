"""The OpenAPI document is generated from the code and describes the public endpoints."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def test_openapi_document_describes_the_public_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    submit = doc["paths"]["/api/v1/submissions"]["post"]
    assert {"202", "422", "429"} <= set(submit["responses"])
    schema_ref = submit["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"channel", "subject", "body", "email", "consent"} <= set(schema["required"])
    assert schema["properties"]["channel"]["enum"] == ["petition", "mailbox", "complaint"]
    assert schema["properties"]["subject"]["maxLength"] == 200
    track = doc["paths"]["/api/v1/track"]["post"]
    assert {"200", "404", "429"} <= set(track["responses"])
    status = track["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "handler" not in doc["components"]["schemas"][status]["properties"]


def test_security_headers(client):
    answer = client.get("/")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


OPEN311 = {  # path → its operations (issue 14: Open311 GeoReport v2, feedback/open311.py)
    "/open311/v2/discovery.{format}": {"get"},
    "/open311/v2/services.{format}": {"get"},
    "/open311/v2/services/{service_code}.{format}": {"get"},
    "/open311/v2/requests.{format}": {"get", "post"},
    "/open311/v2/requests/{service_request_id}.{format}": {"get"},
    "/open311/v2/tokens/{token}.{format}": {"get"},
}


def _schema(doc: dict, ref: dict) -> dict:
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def _item_properties(doc: dict, answer: dict) -> set[str]:
    """The properties of what a 200 answers (of each item, for a list), the same in JSON and XML."""
    content = answer["content"]
    assert set(content) == {"application/json", "text/xml"}
    assert content["application/json"]["schema"] == content["text/xml"]["schema"]
    schema = _schema(doc, content["application/json"]["schema"])
    if schema["type"] == "array":
        assert schema["xml"]["wrapped"] is True
        schema = _schema(doc, schema["items"])
    return set(schema["properties"])


def test_open311_is_in_the_openapi_document_as_it_answers(app, db, client):
    """Every Open311 route is documented, and what the document says each answers is what it answers."""
    import jsonschema
    from schemathesis.specs.openapi.definitions import OPENAPI_30

    from tests.support import make_agency, register_case

    make_agency(db)
    number = register_case(db).number
    doc = client.get("/api/v1/openapi.json").json
    assert list(jsonschema.Draft4Validator(OPENAPI_30).iter_errors(doc)) == []  # a valid OpenAPI 3.0 document
    assert {path: set(doc["paths"][path]) - {"parameters"} for path in OPEN311} == OPEN311
    assert "open311" in {tag["name"] for tag in doc["tags"]}
    for path, operations in OPEN311.items():
        [fmt] = [p for p in doc["paths"][path]["parameters"] if p["name"] == "format"]
        assert fmt["in"] == "path" and fmt["schema"]["enum"] == ["json", "xml"] and fmt["description"]
        for method in operations:
            operation = doc["paths"][path][method]
            assert operation["summary"] and "200" in operation["responses"], (path, method)
            errors = operation["responses"]["default"]["content"]["text/xml"]["schema"]
            assert _schema(doc, errors)["xml"]["name"] == "errors"
            if path != "/open311/v2/discovery.{format}":  # discovery takes no jurisdiction
                named = {p["name"] for p in operation["parameters"]}
                if "requestBody" in operation:  # a POST's fields are in its form
                    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
                    named |= set(_schema(doc, form)["properties"])
                assert "jurisdiction_id" in named, (path, method)

    def documented(path: str, method: str = "get") -> set[str]:
        return _item_properties(doc, doc["paths"][path][method]["responses"]["200"])

    base = "/open311/v2"
    assert documented(f"{base}/discovery.{{format}}") == set(client.get(f"{base}/discovery.json").json)
    assert documented(f"{base}/services.{{format}}") == set(client.get(f"{base}/services.json").json[0])
    definition = client.get(f"{base}/services/complaint.json").json
    assert documented(f"{base}/services/{{service_code}}.{{format}}") == set(definition)
    attribute = doc["components"]["schemas"]["Open311Attribute"]["properties"]
    assert set(attribute) == set(definition["attributes"][0])
    [listed] = client.get(f"{base}/requests.json").json
    assert listed["service_request_id"] == number
    assert documented(f"{base}/requests.{{format}}") == set(listed)
    assert documented(f"{base}/requests/{{service_request_id}}.{{format}}") == set(listed)
    refused = client.get(f"{base}/requests.json?status=pending")
    assert refused.status_code == 400 and "400" in doc["paths"][f"{base}/requests.{{format}}"]["get"]["responses"]
    assert set(refused.json[0]) == set(doc["components"]["schemas"]["Open311Error"]["properties"])
    # In XML, each list is the element the document names, holding one element per item, named as documented.
    schemas = doc["components"]["schemas"]
    for url, name in ((f"{base}/services.xml", "Open311Services"), (f"{base}/requests.xml", "Open311Requests"),
                      (f"{base}/requests.xml?status=pending", "Open311Errors")):
        root = ET.fromstring(client.get(url).data)
        assert root.tag == schemas[name]["xml"]["name"], url
        assert {child.tag for child in root} == {_schema(doc, schemas[name]["items"])["xml"]["name"]}, url
    root = ET.fromstring(client.get(f"{base}/discovery.xml").data)
    assert root.tag == schemas["Open311Discovery"]["xml"]["name"]
    get_parameters = {p["name"] for p in doc["paths"][f"{base}/requests.{{format}}"]["get"]["parameters"]}
    assert get_parameters == {"service_request_id", "service_code", "status", "start_date", "end_date",
                              "jurisdiction_id"}

    post = doc["paths"][f"{base}/requests.{{format}}"]["post"]
    assert {"200", "400", "403", "404", "429"} <= set(post["responses"])
    body = _schema(doc, post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"])
    assert {"api_key", "service_code", "description", "email", "attribute[consent]"} <= set(body["required"])
    assert {"lat", "long", "address_string", "first_name", "last_name", "phone", "attribute[category]"} <= set(
        body["properties"])
    assert set(_item_properties(doc, post["responses"]["200"])) == {"token", "service_notice", "account_id"}
    assert documented(f"{base}/tokens/{{token}}.{{format}}") == {"service_request_id", "token"}
