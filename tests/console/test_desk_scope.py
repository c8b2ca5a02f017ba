"""Desk scoping fails closed: an agent or dispatcher without a call-centre profile sees
nothing until an administrator gives them one; the national desk is an explicit flag."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.callbacks.conftest import completed_job, follow_up_of
from tests.factories import UserFactory
from tickets.models import StaffProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(area_a, warranty_policies, fee_schedule, engineer):
    ticket = completed_job(engineer, area=area_a)
    return ticket, follow_up_of(ticket)


def _lists(client, ticket, callback):
    """What a desk user would see of the job on each list and page."""
    customer = ticket.customer
    return {
        "ticket list": ticket.number in client.get(reverse("ticket_list")).content.decode(),
        "ticket page": client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 200,
        "console search": customer.name
        in client.get(reverse("agent_console"), {"phone": customer.mobile}).content.decode(),
        "customer page": client.get(reverse("console_customer", args=[customer.pk])).status_code
        == 200,
        "callback queue": ticket.number in client.get(reverse("callback_queue")).content.decode(),
        "callback": client.get(reverse("callback_work", args=[callback.pk])).status_code == 200,
    }


@pytest.mark.parametrize("role", ["agent", "dispatcher"])
def test_a_desk_user_without_a_profile_sees_nothing_until_given_one(client, job, role, centre_a):
    ticket, callback = job
    user = UserFactory(username="newcomer", roles=[role], desk=False)
    client.force_login(user)
    assert _lists(client, ticket, callback) == dict.fromkeys(
        _lists(client, ticket, callback), False
    )

    # A profile with neither a centre nor the national flag is still nothing.
    StaffProfile.objects.create(user=user)
    assert not any(_lists(client, ticket, callback).values())

    StaffProfile.objects.filter(user=user).update(call_centre=centre_a)
    assert all(_lists(client, ticket, callback).values())


def test_the_national_desk_is_an_explicit_flag(client, job, centre_b):
    ticket, callback = job
    user = UserFactory(username="hotline", roles=["agent"], desk=centre_b)
    client.force_login(user)
    assert not any(_lists(client, ticket, callback).values())
    StaffProfile.objects.filter(user=user).update(call_centre=None, national_desk=True)
    assert all(_lists(client, ticket, callback).values())


def test_the_dispatcher_board_and_api_fail_closed(client, job, centre_a):
    ticket, _ = job
    dispatcher = UserFactory(username="newdisp", roles=["dispatcher"], desk=False)
    client.force_login(dispatcher)
    assert ticket.number not in client.get(reverse("dispatch_queue")).content.decode()
    assert client.get(reverse("dispatch_ticket", args=[ticket.pk])).status_code == 404
    board = client.get(reverse("supervisor_board")).content.decode()
    assert ticket.area.name not in board
    api = APIClient()
    api.force_authenticate(dispatcher)
    url = reverse("api_dispatch_assignments", args=[ticket.pk])
    assert api.get(url).status_code == 404

    StaffProfile.objects.create(user=dispatcher, call_centre=centre_a)
    assert client.get(reverse("dispatch_ticket", args=[ticket.pk])).status_code == 200
    assert ticket.area.name in client.get(reverse("supervisor_board")).content.decode()
    assert api.get(url).status_code == 200
