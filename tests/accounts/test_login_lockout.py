"""Failed logins lock an account from one address (django-axes), and from every address
after many failures for a short while (tickets.auth.AccountLockBackend), on allauth's login
page and on the admin's; usernames count case-insensitively and without spaces."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ACCOUNT_LOCK_FAILURES = 6
    settings.ACCOUNT_LOCK_MINUTES = 5


def _login(client, username, password, ip, url=LOGIN):
    field = "login" if url == LOGIN else "username"
    return client.post(
        url, {field: username, "password": password}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en"
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_successful_login_before_the_limit_works(client, agent):
    for _ in range(2):
        assert _login(client, "alice", "wrong", "10.0.0.1").status_code == 200
    response = _login(client, "alice", PASSWORD, "10.0.0.1")
    assert response.status_code == 302 and _logged_in(client)


def test_wrong_password_says_so_on_the_form(client, agent):
    response = _login(client, "alice", "wrong", "10.0.0.1")
    assert response.status_code == 200
    assert not _logged_in(client)
    assert b"form-error" in response.content


def test_the_account_is_locked_from_the_address_that_failed(client, agent):
    for i in range(3):
        _login(client, "alice", f"wrong{i}", "10.0.0.1")
    response = _login(client, "alice", PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert not _logged_in(client)
    text = response.content.decode()
    assert "Too many failed logins" in text and "Try again later" in text
    # Someone else's typos from one address do not keep the user out from their own desk.
    assert _login(client, "alice", PASSWORD, "10.0.0.2").status_code == 302


def test_one_agents_typos_do_not_lock_out_the_call_centre_behind_one_address(
    client, agent, dispatcher
):
    for name in ("mallory", "trent", "victor", "alice", "alice", "alice"):
        _login(client, name, "guess", "10.6.6.6")
    response = _login(client, "dora", PASSWORD, "10.6.6.6")
    assert response.status_code == 302 and _logged_in(client)


def test_many_failures_from_many_addresses_lock_the_account_briefly_everywhere(client, agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for i in range(6):
            _login(client, "alice", "guess", f"10.8.0.{i}")
        response = _login(client, "alice", PASSWORD, "10.9.9.9")
        assert response.status_code == 429 and not _logged_in(client)
        assert "Too many failed logins" in response.content.decode()
        clock.move_to(start + dt.timedelta(minutes=6))
        assert _login(client, "alice", PASSWORD, "10.9.9.9").status_code == 302


def test_usernames_count_case_insensitively_and_without_spaces(client, agent):
    for typed in ("ALICE", " alice", "Alice "):
        _login(client, typed, "wrong", "10.0.0.1")
    assert _login(client, "alice", PASSWORD, "10.0.0.1").status_code == 429
    assert _login(client, " ALICE ", PASSWORD, "10.0.0.2").status_code == 302


def test_two_accounts_cannot_differ_only_in_case(db, agent):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="ALICE")


def test_the_admin_signs_in_through_the_staff_login(client, supervisor):
    page = client.get(ADMIN_LOGIN)
    assert page.status_code == 302 and page["Location"].startswith(LOGIN)
    # Posting a password to the admin's own form logs nobody in.
    _login(client, "sam", PASSWORD, "10.1.1.1", url=ADMIN_LOGIN)
    assert not _logged_in(client)


def test_nobody_can_sign_up(client, db):
    before = User.objects.count()
    response = client.post(
        "/accounts/signup/",
        {"username": "newbie", "password1": "pass-Word-1234", "password2": "pass-Word-1234"},
    )
    assert response.status_code in (200, 403, 404)
    assert User.objects.count() == before
    assert not _logged_in(client)
    page = client.get("/accounts/signup/")
    assert page.status_code in (200, 403, 404)
    assert b'name="password1"' not in page.content


def test_supervisor_maintains_master_data_in_the_admin(client, supervisor):
    UserFactory(username="sam2", roles=["supervisor"], is_staff=True)
    client.force_login(supervisor)
    for model in ("warrantypolicy", "feeitem", "servicearea"):
        assert client.get(f"/admin/tickets/{model}/").status_code == 200, model
        assert client.get(f"/admin/tickets/{model}/add/").status_code == 200, model
    response = client.post(
        "/admin/tickets/feeitem/add/",
        {
            "kind": "call_out",
            "category": "tv",
            "fault_class": "",
            "amount": "40.00",
            "free_allowance": "0",
        },
    )
    assert response.status_code == 302
    from tickets.models import FeeItem

    assert FeeItem.objects.get(category="tv").amount == 40
    # Tickets themselves are not master data.
    assert client.get("/admin/tickets/ticket/add/").status_code == 403


def test_agents_have_no_admin(client, agent):
    client.force_login(agent)
    assert client.get("/admin/tickets/feeitem/").status_code == 302
