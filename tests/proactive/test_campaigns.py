"""Item 6: campaign targeting, the call list's opt-out and frequency rules, outcomes, the
maintenance ticket booked on a call, SMS reminders with the opt-out link."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from callbacks.models import Survey
from proactive.models import Campaign, CampaignCall, ContactOptOut
from proactive.services.campaigns import (
    call_log,
    campaign_build,
    campaign_create,
    campaign_sms_send,
)
from proactive.services.optout import customer_for_code, opt_out_code, opt_out_record
from tests.factories import ServiceAreaFactory, ticket_create
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.models import OutboundMessage

from .conftest import owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(db):
    return (
        ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao"),
        ServiceAreaFactory(code="QD-LS", name="Laoshan", city="Qingdao"),
    )


def _summer(supervisor, area, **kw):
    return campaign_create(
        name="AC cleaning before summer",
        category="ac",
        older_than_years=2,
        area=area,
        sms_text="Book your AC cleaning before summer: call 400-699-9999.",
        actor=supervisor,
        **kw,
    )


def _listed(campaign):
    return set(CampaignCall.objects.filter(campaign=campaign).values_list("customer_id", flat=True))


def test_the_rule_takes_old_acs_of_the_area_once_per_customer(areas, supervisor):
    shinan, laoshan = areas
    old = owner(area=shinan, bought_days_ago=3 * 365)
    owner(area=shinan, bought_days_ago=4 * 365, customer=old.customer)  # a second old AC
    new = owner(area=shinan, bought_days_ago=200)
    elsewhere = owner(area=laoshan, bought_days_ago=3 * 365)
    fridge = owner(area=shinan, category="fridge", bought_days_ago=3 * 365)
    campaign = _summer(supervisor, shinan)
    assert campaign_build(campaign=campaign, actor=supervisor) == 1
    assert _listed(campaign) == {old.customer_id}
    call = CampaignCall.objects.get(campaign=campaign)
    assert call.area == shinan
    assert new.customer_id not in _listed(campaign)
    assert {elsewhere.customer_id, fridge.customer_id}.isdisjoint(_listed(campaign))
    campaign.refresh_from_db()
    assert campaign.state == "active"
    # A snapshot: taken once; an AC ageing into the rule later does not join it.
    with pytest.raises(Conflict):
        campaign_build(campaign=campaign, actor=supervisor)


def test_just_bought_appliances_for_usage_tips(areas, supervisor):
    shinan, _ = areas
    fresh = owner(area=shinan, category="washer", bought_days_ago=5)
    owner(area=shinan, category="washer", bought_days_ago=40)
    campaign = campaign_create(name="Usage tips", purchased_within_days=14, actor=supervisor)
    campaign_build(campaign=campaign, actor=supervisor)
    assert _listed(campaign) == {fresh.customer_id}


def test_younger_than_and_older_than_bound_the_age(areas, supervisor):
    shinan, _ = areas
    three = owner(area=shinan, bought_days_ago=3 * 365)
    owner(area=shinan, bought_days_ago=6 * 365)
    owner(area=shinan, bought_days_ago=365)
    campaign = _summer(supervisor, None, younger_than_years=5)
    campaign_build(campaign=campaign, actor=supervisor)
    assert _listed(campaign) == {three.customer_id}
    with pytest.raises(DomainError) as exc:
        _summer(supervisor, None, younger_than_years=2)
    assert exc.value.field == "younger_than_years"


def test_the_list_leaves_out_opted_out_and_recently_contacted_customers(
    areas, supervisor, agent, warranty_policies
):
    shinan, _ = areas
    ok = owner(area=shinan, bought_days_ago=3 * 365)
    quiet = owner(area=shinan, bought_days_ago=3 * 365)
    surveyed = owner(area=shinan, bought_days_ago=3 * 365)
    surveyed_long_ago = owner(area=shinan, bought_days_ago=3 * 365)
    called = owner(area=shinan, bought_days_ago=3 * 365)
    opt_out_record(customer=quiet.customer, source="agent", actor=agent)
    now = timezone.now()
    for appliance, days in ((surveyed, 6), (surveyed_long_ago, 8)):
        ticket = ticket_create(appliance=appliance)
        Survey.objects.create(
            ticket=ticket,
            customer=appliance.customer,
            channel="web",
            speed=5,
            attitude=5,
            quality=5,
            fixed=True,
            created_at=now - dt.timedelta(days=days),
        )
    # Reached three days ago by another campaign.
    earlier = campaign_create(name="Earlier", category="ac", actor=supervisor)
    CampaignCall.objects.create(
        campaign=earlier,
        customer=called.customer,
        appliance=called,
        area=shinan,
        state="done",
        outcome="declined",
        closed_at=now - dt.timedelta(days=3),
    )
    campaign = _summer(supervisor, shinan)
    campaign_build(campaign=campaign, actor=supervisor)
    assert _listed(campaign) == {ok.customer_id, surveyed_long_ago.customer_id}


def test_reminders_go_through_the_outbox_with_the_opt_out_link_once(areas, supervisor, agent):
    shinan, _ = areas
    first = owner(area=shinan, bought_days_ago=3 * 365)
    second = owner(area=shinan, bought_days_ago=3 * 365)
    campaign = _summer(supervisor, shinan)
    campaign_build(campaign=campaign, actor=supervisor)
    opt_out_record(customer=second.customer, source="agent", actor=agent)
    assert campaign_sms_send(campaign=campaign, actor=supervisor) == 1
    sms = OutboundMessage.objects.get(purpose="campaign")
    assert sms.to == first.customer.mobile
    code = opt_out_code(first.customer)
    assert f"/optout/{code}/" in sms.body
    assert customer_for_code(code) == first.customer
    assert customer_for_code(code[:-1] + ("a" if code[-1] != "a" else "b")) is None
    assert campaign_sms_send(campaign=campaign, actor=supervisor) == 0
    # The opted-out customer's call left the list.
    assert CampaignCall.objects.get(customer=second.customer).state == "withdrawn"
    # A reminder counts as a contact: the next campaign within the gap leaves them out.
    later = _summer(supervisor, shinan)
    campaign_build(campaign=later, actor=supervisor)
    assert _listed(later) == set()
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        latest = _summer(supervisor, shinan)
        campaign_build(campaign=latest, actor=supervisor)
        assert _listed(latest) == {first.customer_id}


def _one_call(supervisor, area):
    owner(area=area, bought_days_ago=3 * 365)
    campaign = _summer(supervisor, area)
    campaign_build(campaign=campaign, actor=supervisor)
    return CampaignCall.objects.get(campaign=campaign)


def test_no_answer_is_retried_by_the_callback_policy_then_unreachable(areas, supervisor, agent):
    call = _one_call(supervisor, areas[0])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        call = call_log(call=call, outcome="no_answer", actor=agent)
        assert call.state == "open"
        assert call.next_attempt_at == start + dt.timedelta(minutes=120)
        traveller.shift(dt.timedelta(hours=2))
        call = call_log(call=call, outcome="busy", actor=agent)
        traveller.shift(dt.timedelta(hours=2))
        call = call_log(call=call, outcome="no_answer", actor=agent)
    assert call.state == "unreachable" and call.attempts == 3
    with pytest.raises(Conflict):
        call_log(call=call, outcome="reached", actor=agent)


@pytest.mark.parametrize("outcome", ["reached", "wrong_number", "declined", "warranty_interest"])
def test_closing_outcomes(areas, supervisor, agent, outcome):
    call = call_log(call=_one_call(supervisor, areas[0]), outcome=outcome, actor=agent, note="ok")
    assert (call.state, call.outcome, call.ticket_id) == ("done", outcome, None)
    assert call.call_attempts.get().outcome == outcome


def test_booking_maintenance_on_a_call_opens_the_ticket(
    areas, supervisor, agent, warranty_policies
):
    call = _one_call(supervisor, areas[0])
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    with pytest.raises(DomainError) as exc:
        call_log(call=call, outcome="booked_maintenance", actor=agent)
    assert exc.value.field == "window_start"
    call = call_log(
        call=call,
        outcome="booked_maintenance",
        actor=agent,
        window_start=start,
        window_end=start + dt.timedelta(hours=3),
    )
    ticket = call.ticket
    assert call.state == "done"
    assert ticket.service_type_id == "maintenance"
    assert ticket.priority == "appointment" and ticket.preferred_start == start
    assert ticket.appliance_id == call.appliance_id
    assert ticket.events.filter(kind="created", actor=agent).exists()


def test_the_agent_records_an_opt_out(areas, supervisor, agent):
    call = _one_call(supervisor, areas[0])
    call_log(call=call, outcome="opted_out", actor=agent)
    row = ContactOptOut.objects.get(customer=call.customer)
    assert (row.source, row.actor) == ("agent", agent)


def test_only_supervisors_run_campaigns_and_only_the_desk_calls(
    areas, supervisor, agent, engineer_user, partner
):
    with pytest.raises(PermissionDenied):
        campaign_create(name="x", actor=agent)
    call = _one_call(supervisor, areas[0])
    with pytest.raises(PermissionDenied):
        campaign_sms_send(campaign=call.campaign, actor=agent)
    for outsider in (engineer_user, partner):
        with pytest.raises(PermissionDenied):
            call_log(call=call, outcome="reached", actor=outsider)
    assert Campaign.objects.count() == 1


def test_the_call_list_is_written_in_one_statement_whatever_its_length(
    areas, supervisor, django_assert_max_num_queries
):
    shinan, _ = areas
    for _ in range(25):
        owner(area=shinan, bought_days_ago=3 * 365)
    campaign = _summer(supervisor, None)
    # Savepoint, campaign lock, the INSERT ... SELECT, the campaign's state, release.
    with django_assert_max_num_queries(6):
        assert campaign_build(campaign=campaign, actor=supervisor) == 25
