"""Item 9: the API for callback results and the customer's rating."""

import pytest
from rest_framework.test import APIClient

from callbacks.models import Survey
from callbacks.services.links import rating_code

from .conftest import completed_job, follow_up_of, resolved_by_phone

pytestmark = pytest.mark.django_db

SURVEY = {"speed": 5, "attitude": 2, "quality": 5, "fixed": True, "comment": "Late"}


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


def test_agent_logs_a_follow_up_survey_once_with_an_idempotency_key(world, engineer_user, api):
    ticket = completed_job(engineer_user)
    callback = follow_up_of(ticket)
    url = f"/api/v1/callbacks/{callback.pk}/calls/"
    body = {"outcome": "reached", "survey": SURVEY}
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200, first.json()
    assert first.json()["state"] == "done"
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Survey.objects.filter(ticket=ticket).count() == 1
    reused = api.post(url, {"outcome": "busy"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    finished = api.post(url, {"outcome": "busy"}, format="json")
    assert finished.status_code == 409


def test_bad_input_names_the_field(world, engineer_user, api):
    callback = follow_up_of(completed_job(engineer_user))
    url = f"/api/v1/callbacks/{callback.pk}/calls/"
    response = api.post(url, {"outcome": "maybe"}, format="json")
    assert response.status_code == 400
    assert "outcome" in response.json()["error"]["fields"]
    missing = api.post(url, {"outcome": "reached"}, format="json")
    assert missing.status_code == 400
    assert "speed" in missing.json()["error"]["fields"]


def test_check_back_result_through_the_api(world, agent, api):
    ticket = resolved_by_phone(agent)
    callback = ticket.callbacks.get(kind="check_back")
    response = api.post(
        f"/api/v1/callbacks/{callback.pk}/calls/",
        {"outcome": "reached", "result": "fixed"},
        format="json",
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_roles_are_checked(world, engineer_user):
    callback = follow_up_of(completed_job(engineer_user))
    client = APIClient()
    assert client.get("/api/v1/callbacks/").status_code in (401, 403)
    client.force_authenticate(engineer_user)
    assert client.get("/api/v1/callbacks/").status_code == 403
    assert client.get(f"/api/v1/callbacks/{callback.pk}/").status_code == 403


def test_queue_lists_due_calls(world, engineer_user, agent, api):
    ticket = completed_job(engineer_user)
    rows = api.get("/api/v1/callbacks/").json()
    assert [r["ticket"] for r in rows] == [ticket.number]


def test_customer_rates_with_the_token_or_number_and_code(world, engineer_user):
    client = APIClient()
    first = completed_job(engineer_user)
    response = client.post(
        "/api/v1/ratings/", {"token": first.public_token, **SURVEY}, format="json"
    )
    assert response.status_code == 201
    assert Survey.objects.get(ticket=first).channel == "api"
    twice = client.post("/api/v1/ratings/", {"token": first.public_token, **SURVEY}, format="json")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_rated"

    second = completed_job(engineer_user)
    wrong = "000000" if rating_code(second) != "000000" else "111111"
    refused = client.post(
        "/api/v1/ratings/", {"number": second.number, "code": wrong, **SURVEY}, format="json"
    )
    assert refused.status_code == 404
    assert "code" in refused.json()["error"]["fields"]
    ok = client.post(
        "/api/v1/ratings/",
        {"number": second.number, "code": rating_code(second), "channel": "sms_code", **SURVEY},
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["ticket"] == second.number
    # the answer holds nothing but the ticket's own rating
    assert set(ok.json()) == {
        "ticket",
        "channel",
        "speed",
        "attitude",
        "quality",
        "fixed",
        "created_at",
    }


def test_an_agent_of_another_call_centre_gets_a_404(world, engineer_user):
    from tests.factories import ServiceAreaFactory, UserFactory
    from tickets.models import CallCentre

    callback = follow_up_of(completed_job(engineer_user))
    north = CallCentre.objects.create(name="Qingdao North")
    north.areas.add(ServiceAreaFactory(code="QD-LS", name="Laoshan", city="Qingdao"))
    client = APIClient()
    client.force_authenticate(UserFactory(username="nora", roles=["agent"], desk=north))
    assert client.get(f"/api/v1/callbacks/{callback.pk}/").status_code == 404
    call = client.post(
        f"/api/v1/callbacks/{callback.pk}/calls/", {"outcome": "busy"}, format="json"
    )
    assert call.status_code == 404
    assert client.get("/api/v1/callbacks/").json() == []
    callback.refresh_from_db()
    assert callback.attempts == 0


def test_a_supervisor_filters_the_queue_by_call_centre(world, engineer_user, supervisor):
    from tests.factories import ServiceAreaFactory
    from tickets.models import CallCentre

    south_job = completed_job(engineer_user)
    north_area = ServiceAreaFactory(code="QD-LS", name="Laoshan", city="Qingdao")
    north_job = completed_job(engineer_user, area=north_area)
    north = CallCentre.objects.create(name="Qingdao North")
    north.areas.add(north_area)
    client = APIClient()
    client.force_authenticate(supervisor)
    every = [r["ticket"] for r in client.get("/api/v1/callbacks/").json()]
    assert set(every) == {south_job.number, north_job.number}
    rows = client.get("/api/v1/callbacks/", {"centre": north.pk}).json()
    assert [r["ticket"] for r in rows] == [north_job.number]
    refused = client.get("/api/v1/callbacks/", {"centre": "north"})
    assert refused.status_code == 400 and "centre" in refused.json()["error"]["fields"]


def test_the_schema_documents_the_callback_and_rating_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for path in (
        "/api/v1/callbacks/",
        "/api/v1/callbacks/{callback_id}/",
        "/api/v1/callbacks/{callback_id}/calls/",
        "/api/v1/ratings/",
    ):
        assert path in schema["paths"], path
    call = schema["paths"]["/api/v1/callbacks/{callback_id}/calls/"]["post"]
    assert call["operationId"] == "callbacks_log_call"
    assert "Idempotency-Key" in {p["name"] for p in call["parameters"]}
    assert {"400", "403", "404", "409"} <= set(call["responses"])
    queue = schema["paths"]["/api/v1/callbacks/"]["get"]
    assert {"kind", "area", "centre"} <= {p["name"] for p in queue["parameters"]}
    assert "429" in schema["paths"]["/api/v1/ratings/"]["post"]["responses"]
