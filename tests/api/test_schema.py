import subprocess
import sys

from django.conf import settings


def test_openapi_schema_validates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    schema = result.stdout
    for path in ("/api/v1/tickets/:", "/api/v1/alarms/:", "/api/v1/tickets/{number}/:"):
        assert path in schema
    assert "TicketCreateInput" in schema and "TicketStatusOutput" in schema
    assert "Idempotency-Key" in schema


def test_schema_and_swagger_ui_are_served_without_a_cdn(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/alarms/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_every_text_query_parameter_declares_its_length(client, db):
    """A client (and the contract test) can tell from the schema how long a filter may be:
    a longer one is refused with 400, not cut."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    unbounded = [
        f"{method.upper()} {path} ?{param['name']}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for param in operation.get("parameters", [])
        if param["in"] == "query"
        and param["schema"].get("type") == "string"
        and "enum" not in param["schema"]
        and "maxLength" not in param["schema"]
    ]
    assert unbounded == []
    texts = {
        (path, param["name"]): param["schema"]["maxLength"]
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for param in operation.get("parameters", [])
        if param["in"] == "query" and "maxLength" in param["schema"]
    }
    assert texts[("/api/v1/parts/stock/", "q")] == 60
    assert texts[("/api/v1/complaints/", "ticket")] == 32
