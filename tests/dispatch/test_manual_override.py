"""A dispatcher's hand-pick that the automatic dispatch would exclude names the broken rules
and needs each one confirmed; the override is recorded and shown translated."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch import services
from dispatch.models import Appointment, Assignment
from engineers.models import CertificationLevel
from tests.dispatch.factories import EngineerFactory, ServicePointFactory, km_north

pytestmark = pytest.mark.django_db

LAT = 36.07


def misfit(make_ticket):
    """Breaks five rules at once: far away, no fridge skill, junior, off shift, full."""
    engineer = EngineerFactory(
        user__first_name="Misfit",
        home_lat=km_north(LAT, 30),
        skills=["tv"],
        level=CertificationLevel.JUNIOR,
        working_hours={},
        max_concurrent=1,
    )
    Assignment.objects.create(ticket=make_ticket(), engineer=engineer, state="accepted")
    return engineer


FIVE = ["no_skill", "too_far", "no_certification", "off_shift", "at_capacity"]


def test_each_broken_rule_must_be_confirmed_and_the_override_is_recorded(make_ticket, dispatcher):
    engineer = misfit(make_ticket)
    ticket = make_ticket(fault_class="complex")
    with pytest.raises(services.OverrideNeeded) as exc:
        services.ticket_assign_manual(
            ticket_id=ticket.pk, engineer_id=engineer.pk, reason="Knows it", actor=dispatcher
        )
    assert exc.value.rules == FIVE
    assert "Lacks the skill" in exc.value.message
    with pytest.raises(services.OverrideNeeded):  # one left unconfirmed
        services.ticket_assign_manual(
            ticket_id=ticket.pk,
            engineer_id=engineer.pk,
            reason="Knows it",
            actor=dispatcher,
            confirm_rules=FIVE[:-1],
        )
    assert not Assignment.objects.live().filter(ticket=ticket).exists()
    a = services.ticket_assign_manual(
        ticket_id=ticket.pk,
        engineer_id=engineer.pk,
        reason="Knows it",
        actor=dispatcher,
        confirm_rules=FIVE,
    )
    assert a.manual and a.overridden_rules == FIVE
    event = ticket.events.get(to_status="assigned")
    assert event.data["overridden_rules"] == FIVE and event.data["manual"] is True


def test_an_eligible_hand_pick_needs_no_confirmation(make_ticket, dispatcher):
    EngineerFactory(home_lat=km_north(LAT, 1))
    other = EngineerFactory(home_lat=km_north(LAT, 2))
    ticket = make_ticket()
    a = services.ticket_assign_manual(
        ticket_id=ticket.pk, engineer_id=other.pk, reason="Customer asked", actor=dispatcher
    )
    assert a.overridden_rules == []


def test_a_clashing_appointment_is_named(make_ticket, dispatcher):
    engineer = EngineerFactory()
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    other = make_ticket()
    held = Assignment.objects.create(ticket=other, engineer=engineer, state="accepted")
    Appointment.objects.create(
        assignment=held,
        ticket=other,
        engineer=engineer,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
        lat=LAT,
        lng=120.38,
    )
    ticket = make_ticket(
        priority="appointment",
        preferred_start=start + dt.timedelta(hours=1),
        preferred_end=start + dt.timedelta(hours=3),
    )
    with pytest.raises(services.OverrideNeeded) as exc:
        services.ticket_assign_manual(
            ticket_id=ticket.pk, engineer_id=engineer.pk, reason="Only one", actor=dispatcher
        )
    assert exc.value.rules == ["appointment_clash"]


def test_the_page_lists_the_broken_rules_to_tick_and_the_history_shows_them(
    client, make_ticket, dispatcher, settings
):
    engineer = misfit(make_ticket)
    ticket = make_ticket(fault_class="complex")
    client.force_login(dispatcher)
    url = f"/dispatch/tickets/{ticket.pk}/assign/"
    form = {"engineer": engineer.pk, "reason": "Knows it", "q": "Misfit"}
    response = client.post(url, form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "does not meet these rules" in html
    for code in FIVE:
        assert f'value="{code}"' in html
    assert "Not on shift for the window" in html
    assert not Assignment.objects.live().filter(ticket=ticket).exists()
    response = client.post(url, {**form, "confirm_rules": FIVE})
    assert response.status_code == 302
    assert Assignment.objects.live().get(ticket=ticket).engineer == engineer
    page = client.get(f"/dispatch/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "该时段不当班" in html  # "not on shift", shown in the reader's language


def test_the_api_answers_with_the_rule_codes_and_assigns_once_confirmed(make_ticket, dispatcher):
    engineer = misfit(make_ticket)
    ticket = make_ticket(fault_class="complex")
    api = APIClient()
    api.force_authenticate(dispatcher)
    url = f"/api/v1/dispatch/tickets/{ticket.pk}/assign/"
    body = {"engineer_id": engineer.pk, "reason": "Knows it"}
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "confirmation_required" and "confirm_rules" in error["fields"]
    assert [r["code"] for r in error["rules"]] == FIVE
    assert error["rules"][0]["label"] == "Lacks the skill for this appliance"
    bad = api.post(url, {**body, "confirm_rules": ["made_up"]}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["confirm_rules.0"]
    long = api.post(url, {**body, "reason": "x" * 1001}, format="json")
    assert long.status_code == 400 and "reason" in long.json()["error"]["fields"]
    done = api.post(url, {**body, "confirm_rules": FIVE}, format="json")
    assert done.status_code == 201
    assert done.json()["overridden_rules"] == FIVE and done.json()["manual"] is True


def test_the_engineer_list_tells_apart_two_engineers_of_the_same_name(
    client, make_ticket, dispatcher
):
    one = EngineerFactory(
        user__first_name="Li", user__last_name="Wei", service_point=ServicePointFactory(name="East")
    )
    two = EngineerFactory(
        user__first_name="Li", user__last_name="Wei", service_point=ServicePointFactory(name="West")
    )
    ticket = make_ticket()
    client.force_login(dispatcher)
    html = client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
    for e, point in ((one, "East"), (two, "West")):
        assert f"({e.user.username}) · {point}" in html
    services.ticket_assign_manual(
        ticket_id=ticket.pk, engineer_id=two.pk, reason="Asked for", actor=dispatcher
    )
    html = client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
    assert f"{two.user.username} · West" in html  # who holds the job, and in the history
