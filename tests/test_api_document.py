"""The OpenAPI document is generated from the code and describes the public endpoints."""

from __future__ import annotations


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
