"""Supervisors and admins sign in with a second factor (TOTP, with recovery codes); other
staff may enrol. Deactivating a user ends their sessions and revokes their API tokens."""

import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def _code(secret: str) -> str:
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))


def _password_login(client, username):
    return client.post(LOGIN, {"login": username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")


def _enrol(client) -> str:
    # allauth asks for the password again before a second factor is set up.
    page = client.get("/accounts/2fa/totp/activate/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Location"].startswith("/accounts/reauthenticate/")
    client.post(page["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    secret = page.context["form"].secret
    done = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert done.status_code == 302
    return secret


def test_a_supervisor_must_enrol_before_any_page_opens(client, supervisor):
    assert _password_login(client, "sam").status_code == 302
    page = client.get("/console/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/2fa/totp/activate/")
    secret = _enrol(client)
    assert Authenticator.objects.filter(user=supervisor, type="totp").exists()
    assert client.get("/console/").status_code == 200
    # Recovery codes come with it.
    assert client.get("/accounts/2fa/recovery-codes/").status_code == 200

    client.logout()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        response = _password_login(client, "sam")
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        assert "_auth_user_id" not in client.session  # not in on the password alone
        client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert "_auth_user_id" not in client.session
        client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
        assert client.session["_auth_user_id"] == str(supervisor.pk)
        assert client.get("/console/").status_code == 200


def test_other_staff_may_sign_in_with_a_password_and_may_enrol(client, agent):
    assert _password_login(client, "alice").status_code == 302
    assert client.get("/console/").status_code == 200
    _enrol(client)
    assert Authenticator.objects.filter(user=agent, type="totp").exists()


def test_deactivating_a_user_ends_their_sessions_at_once(client, agent):
    assert _password_login(client, "alice").status_code == 302
    assert client.get("/console/").status_code == 200
    agent.is_active = False
    agent.save()
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_deactivating_a_user_revokes_their_api_tokens(partner):
    from tickets.api import partner_token_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {partner_token_issue(username=partner.username)}")
    assert api.get("/api/v1/tickets/SR-NONE/").status_code == 404
    partner.is_active = False
    partner.save()
    assert not Token.objects.filter(user=partner).exists()
    assert api.get("/api/v1/tickets/SR-NONE/").status_code == 401
    partner.is_active = True
    partner.save()
    assert api.get("/api/v1/tickets/SR-NONE/").status_code == 401  # the old token stays dead


@pytest.mark.parametrize("url", ["/accounts/2fa/", "/accounts/email/", "/accounts/password/reset/"])
def test_account_pages_open_in_the_products_frame(client, agent, url):
    client.force_login(agent)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'id="main"' in page.content
