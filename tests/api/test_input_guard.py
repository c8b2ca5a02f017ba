"""NUL and other control characters, anywhere a user or partner can type, get a 400 naming
the field instead of a 500 from PostgreSQL; JSON nested past a limit gets a 400."""

import json

import pytest

from tickets.models import Ticket


@pytest.mark.django_db
def test_a_nul_in_the_tracking_link_is_a_400_not_a_500(client):
    page = client.get("/t/%00/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "control character" in page.content.decode()
    assert 'class="topbar"' in page.content.decode()


def test_a_nul_in_a_search_names_the_field(client, agent):
    client.force_login(agent)
    page = client.get("/tickets/", {"q": "13800\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "q contains a control character" in page.content.decode()


def test_a_nul_in_a_form_field_names_the_field_and_saves_nothing(client, agent):
    client.force_login(agent)
    before = Ticket.objects.count()
    page = client.post(
        "/console/", {"fault_description": "no\x00cooling"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 400
    assert "fault_description" in page.content.decode()
    assert Ticket.objects.count() == before


def test_line_breaks_and_tabs_are_still_text(client, agent):
    client.force_login(agent)
    assert client.get("/tickets/", {"q": "a\tb"}).status_code == 200


def test_the_api_names_the_field_with_a_control_character(partner_client, payload):
    body = {**payload, "fault_description": "Not cooling\x00"}
    response = partner_client.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "fault_description": ["Control characters are not allowed."]
    }
    assert not Ticket.objects.exists()


def test_the_api_refuses_json_nested_too_deep(partner_client, payload):
    nested: dict = {}
    for _ in range(100):
        nested = {"x": nested}
    response = partner_client.post(
        "/api/v1/tickets/",
        json.dumps({**payload, "extra": nested}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nested deeper" in response.json()["error"]["message"]


def test_a_nul_in_an_api_query_names_the_parameter(partner_client):
    response = partner_client.get("/api/v1/tickets/SR-1/", {"x": "\x00"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["x"]
