"""The complaints API and who sees what: another call centre's agent sees nothing, a partner
only complaints on its own tickets, and personal data is masked for those who do not phone
the customer."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from callbacks.models import Complaint
from tests.factories import UserFactory
from tests.factories import ticket_create as make_ticket

from .test_complaint_steps import open_one

pytestmark = pytest.mark.django_db
LIST = "/api/v1/complaints/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_open_through_the_api_with_an_idempotency_key(ticket_a, agent_a):
    body = {
        "ticket_number": ticket_a.number,
        "remedy_wanted": "refund",
        "description": "Charged twice for the call-out.",
        "category": "charges",
    }
    first = api(agent_a).post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert first.data["state"] == "acknowledged" and first.data["source"] == "api"
    assert {c["kind"] for c in first.data["clocks"]} == {
        "complaint_response",
        "complaint_resolution",
    }
    again = api(agent_a).post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.data["id"] == first.data["id"] and Complaint.objects.count() == 1
    other = api(agent_a).post(
        LIST, {**body, "description": "other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert other.data["error"]["code"] == "idempotency_key_reused"


def test_bad_input_names_the_field(ticket_a, agent_a):
    response = api(agent_a).post(
        LIST,
        {"ticket_number": ticket_a.number, "remedy_wanted": "pony", "description": ""},
        format="json",
    )
    assert response.status_code == 400
    assert {"remedy_wanted", "description"} <= set(response.data["error"]["fields"])
    response = api(agent_a).post(
        LIST,
        {"ticket_number": "SR-NOPE", "remedy_wanted": "apology", "description": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert response.data["error"]["fields"] == {"ticket_number": ["Ticket not found."]}


def test_qa_moves_it_through_its_steps_and_a_wrong_move_is_a_409(ticket_a, agent_a, qa):
    complaint = open_one(ticket_a, agent_a)
    url = f"/api/v1/complaints/{complaint.pk}/steps/"
    client = api(qa)
    wrong = client.post(url, {"to": "closed", "root_cause": "other"}, format="json")
    assert wrong.status_code == 409 and wrong.data["error"]["code"] == "transition_not_allowed"
    missing = client.post(url, {"to": "assessed"}, format="json")
    assert missing.status_code == 400 and "severity" in missing.data["error"]["fields"]
    ok = client.post(
        url,
        {"to": "assessed", "severity": "high", "safety_risk": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a-1",
    )
    assert ok.status_code == 200 and ok.data["state"] == "assessed" and ok.data["safety_risk"]
    replay = client.post(
        url,
        {"to": "assessed", "severity": "high", "safety_risk": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a-1",
    )
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert complaint.steps.filter(step="assessed").count() == 1
    ok = client.post(url, {"to": "investigating"}, format="json")
    assert ok.data["owner"] == qa.username
    # An agent may not do QA's steps.
    denied = api(agent_a).post(
        url, {"to": "responded", "response": "x", "remedy_offered": "apology"}, format="json"
    )
    assert denied.status_code == 403
    detail = client.get(f"/api/v1/complaints/{complaint.pk}/")
    assert [s["step"] for s in detail.data["steps"]][-1] == "investigating"
    assert detail.data["allowed_moves"] == ["responded"]


def test_an_agent_of_another_call_centre_sees_nothing(ticket_a, agent_a, agent_b, client):
    complaint = open_one(ticket_a, agent_a)
    assert api(agent_b).get(LIST).data["results"] == []
    assert api(agent_b).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert (
        api(agent_b)
        .post(f"/api/v1/complaints/{complaint.pk}/steps/", {"to": "accepted"}, format="json")
        .status_code
        == 404
    )
    client.force_login(agent_b)
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 404
    assert client.get(reverse("complaint_new", args=[ticket_a.pk])).status_code == 404
    client.force_login(agent_a)
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 200
    assert [c["id"] for c in api(agent_a).get(LIST).data["results"]] == [complaint.pk]


def test_list_filters_are_checked_not_cut(ticket_a, agent_a):
    complaint = open_one(ticket_a, agent_a)
    by_number = api(agent_a).get(LIST, {"ticket": ticket_a.number}).data["results"]
    assert [c["id"] for c in by_number] == [complaint.pk]
    # A cut filter could match another ticket's number; a long one is refused, naming it.
    too_long = api(agent_a).get(LIST, {"ticket": ticket_a.number + "9" * 32})
    assert too_long.status_code == 400 and "ticket" in too_long.json()["error"]["fields"]
    for name, value in (("state", "lost"), ("after", "x")):
        refused = api(agent_a).get(LIST, {name: value})
        assert refused.status_code == 400 and name in refused.json()["error"]["fields"]


def test_a_partner_sees_only_complaints_on_its_own_tickets_and_masked(
    warranty_policies, partner, agent_a, ticket_a
):
    own = make_ticket(actor=partner)
    theirs = open_one(ticket_a, agent_a)
    response = api(partner).post(
        LIST,
        {
            "ticket_number": own.number,
            "remedy_wanted": "revisit",
            "description": "The engineer never came.",
        },
        format="json",
    )
    assert response.status_code == 201
    mine = response.data
    assert mine["customer"]["masked"] is True
    assert mine["customer"]["mobile"] == own.customer.masked_mobile
    assert own.customer.name not in str(api(partner).get(LIST).content)
    assert [c["id"] for c in api(partner).get(LIST).data["results"]] == [mine["id"]]
    assert api(partner).get(f"/api/v1/complaints/{theirs.pk}/").status_code == 404
    foreign = api(partner).post(
        LIST,
        {"ticket_number": ticket_a.number, "remedy_wanted": "revisit", "description": "x"},
        format="json",
    )
    assert foreign.status_code == 404
    # Partners do not move complaints.
    assert (
        api(partner)
        .post(f"/api/v1/complaints/{mine['id']}/steps/", {"to": "assessed"}, format="json")
        .status_code
        == 403
    )


def test_qa_sees_the_customer_in_full_a_supervisor_masked(ticket_a, agent_a, qa, supervisor):
    complaint = open_one(ticket_a, agent_a)
    full = api(qa).get(f"/api/v1/complaints/{complaint.pk}/").data["customer"]
    assert full == {
        "name": ticket_a.customer.name,
        "mobile": ticket_a.customer.national_number(),
        "masked": False,
    }
    masked = api(supervisor).get(f"/api/v1/complaints/{complaint.pk}/").data["customer"]
    assert masked["masked"] and masked["mobile"] == ticket_a.customer.masked_mobile


def test_engineers_and_strangers_get_nothing(ticket_a, agent_a, engineer_user, client):
    complaint = open_one(ticket_a, agent_a)
    assert api(engineer_user).get(LIST).status_code == 403
    assert APIClient().get(LIST).status_code in (401, 403)
    client.force_login(engineer_user)
    assert client.get(reverse("complaint_queue")).status_code == 403
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 403
    assert client.get(reverse("qa_review_queue")).status_code == 403
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get(reverse("complaint_queue")).status_code == 403


def test_the_schema_documents_the_complaint_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/complaints/", "/api/v1/complaints/{complaint_id}/steps/"):
        assert path in text
    assert "complaints_move" in text and "Idempotency-Key" in text
