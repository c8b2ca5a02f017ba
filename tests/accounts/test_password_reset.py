"""A password reset reaches only an address the account's owner confirmed; nobody, staff
included, can point an account's resets at an address of their choosing."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.conftest import PASSWORD
from tests.factories import UserFactory

RESET = "/accounts/password/reset/"


def _reset(client, email):
    return client.post(RESET, {"email": email}, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def verified(agent):
    EmailAddress.objects.create(user=agent, email="alice@example.com", verified=True, primary=True)
    return agent


def test_a_reset_goes_to_the_verified_address(client, verified):
    response = _reset(client, "Alice@Example.com")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_an_address_typed_into_the_user_record_gets_no_reset(client, agent):
    agent.email = "mallory@example.com"
    agent.save()
    assert _reset(client, "mallory@example.com").status_code == 302
    assert mail.outbox == []


def test_an_address_nobody_verified_gets_no_mail_at_all(client, db):
    assert _reset(client, "nobody@example.com").status_code == 302
    assert mail.outbox == []


def test_an_added_address_must_be_confirmed_before_it_can_reset(client, agent):
    client.force_login(agent)
    response = client.post(
        "/accounts/email/",
        {"email": "new@example.com", "action_add": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code in (200, 302)
    address = EmailAddress.objects.get(user=agent, email="new@example.com")
    assert not address.verified
    assert [m.to for m in mail.outbox] == [["new@example.com"]]  # the confirmation
    mail.outbox.clear()
    client.logout()
    _reset(client, "new@example.com")
    assert mail.outbox == []


def test_a_completed_reset_is_announced_to_the_verified_address(client, verified):
    _reset(client, "alice@example.com")
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    mail.outbox.clear()
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": "n3w-Pass-word-77", "password2": "n3w-Pass-word-77"},
    )
    assert done.status_code == 302
    verified.refresh_from_db()
    assert verified.check_password("n3w-Pass-word-77")
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_staff_cannot_vouch_for_an_address_in_the_admin(client, agent):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/account/emailaddress/add/",
        {"user": agent.pk, "email": "mallory@example.com", "verified": "on", "primary": "on"},
    )
    assert response.status_code == 302
    address = EmailAddress.objects.get(email="mallory@example.com")
    assert address.verified is False
    assert [m.to for m in mail.outbox] == [["mallory@example.com"]]
    mail.outbox.clear()
    client.logout()
    _reset(client, "mallory@example.com")
    assert mail.outbox == []
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
