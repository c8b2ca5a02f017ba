import io

from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command


def _call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_create_partner_token_makes_a_partner_that_cannot_log_in(db, client):
    token = _call("create_partner_token", "retailer-jd")
    user = User.objects.get(username="retailer-jd")
    assert user.groups.filter(name="partner").exists()
    assert not user.has_usable_password()
    assert len(token) == 40
    # Asking again shows the same token; --rotate replaces it and the old one stops working.
    assert _call("create_partner_token", "retailer-jd") == token
    rotated = _call("create_partner_token", "retailer-jd", "--rotate")
    assert rotated != token
    old = client.get("/api/v1/tickets/SR-1/", HTTP_AUTHORIZATION=f"Token {token}")
    new = client.get("/api/v1/tickets/SR-1/", HTTP_AUTHORIZATION=f"Token {rotated}")
    assert old.status_code == 401 and new.status_code == 404


def test_sync_roles_is_idempotent_and_grants_master_data(db):
    supervisor = Group.objects.get(name="supervisor")
    supervisor.permissions.clear()
    _call("sync_roles")
    _call("sync_roles")
    codenames = set(supervisor.permissions.values_list("codename", flat=True))
    assert {"change_feeitem", "add_warrantypolicy", "change_servicearea", "supervise"} <= codenames
    assert "change_slapolicy" in codenames
    assert "change_ticket" not in codenames
    assert Permission.objects.filter(group__name="agent", codename="use_agent_console").exists()
    assert not Group.objects.get(name="agent").permissions.filter(codename="change_feeitem")
