"""API tokens are cached per process (tickets.masterdata): revoking a token, removing the
partner role or deactivating the partner still takes effect."""

import pytest

from tests.api.conftest import token_client


@pytest.mark.django_db
def test_a_revoked_token_stops_working(partner, payload):
    from rest_framework.authtoken.models import Token

    client = token_client(partner)
    assert client.get("/api/v1/tickets/SR-NONE/").status_code == 404  # known caller
    Token.objects.filter(user=partner).delete()
    response = client.get("/api/v1/tickets/SR-NONE/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_a_deactivated_partner_and_a_removed_role_lose_access(partner, payload):
    client = token_client(partner)
    assert client.post("/api/v1/tickets/", payload, format="json").status_code == 201

    partner.groups.clear()
    assert client.post("/api/v1/tickets/", payload, format="json").status_code == 403

    partner.is_active = False
    partner.save(update_fields=["is_active"])
    assert client.post("/api/v1/tickets/", payload, format="json").status_code == 401
