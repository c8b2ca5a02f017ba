"""The desk pages of plans and campaigns, who may open them, and the public opt-out page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from proactive.models import Campaign, CampaignCall, ContactOptOut, PlanVisit, ServicePlan
from proactive.services.campaigns import campaign_build, campaign_create
from proactive.services.optout import opt_out_code
from proactive.services.plans import plan_create, plans_generate_due

from .conftest import owner

pytestmark = pytest.mark.django_db


def _campaign(supervisor):
    appliance = owner(bought_days_ago=3 * 365)
    campaign = campaign_create(
        name="Summer AC", category="ac", older_than_years=2, sms_text="Clean it", actor=supervisor
    )
    campaign_build(campaign=campaign, actor=supervisor)
    return campaign, CampaignCall.objects.get(campaign=campaign), appliance


def test_engineers_and_partners_get_403_on_every_desk_page(
    client, supervisor, engineer_user, partner, warranty_policies
):
    campaign, call, appliance = _campaign(supervisor)
    urls = [
        reverse("proactive_campaigns"),
        reverse("proactive_campaign", args=[campaign.pk]),
        reverse("proactive_call_work", args=[call.pk]),
        reverse("proactive_customer_plans", args=[appliance.customer_id]),
        reverse("proactive_visits_to_call"),
    ]
    for user in (engineer_user, partner):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
        response = client.post(reverse("proactive_campaign_action", args=[campaign.pk, "sms"]))
        assert response.status_code == 403


def test_agents_work_calls_but_do_not_run_campaigns(client, agent, supervisor):
    campaign, call, _ = _campaign(supervisor)
    client.force_login(agent)
    page = client.get(reverse("proactive_campaign", args=[campaign.pk]))
    assert page.status_code == 200
    assert f'data-call="{call.pk}"' in page.content.decode()
    assert b"Take the call list" not in page.content
    assert client.post(reverse("proactive_campaigns"), {"name": "Mine"}).status_code == 403
    response = client.post(reverse("proactive_campaign_action", args=[campaign.pk, "sms"]))
    assert response.status_code == 403
    response = client.post(
        reverse("proactive_call_work", args=[call.pk]), {"outcome": "declined", "note": "no"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.state, call.outcome, call.closed_by) == ("done", "declined", agent)


def test_supervisor_creates_and_starts_a_campaign_and_bad_input_is_a_form_error(client, supervisor):
    owner(bought_days_ago=3 * 365)
    client.force_login(supervisor)
    bad = client.post(reverse("proactive_campaigns"), {"name": "x" * 121, "older_than_years": 99})
    assert bad.status_code == 422
    assert not Campaign.objects.exists()
    response = client.post(
        reverse("proactive_campaigns"),
        {"name": "Summer AC", "category": "ac", "older_than_years": 2, "sms_text": "Clean it"},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    client.post(reverse("proactive_campaign_action", args=[campaign.pk, "build"]))
    assert CampaignCall.objects.filter(campaign=campaign).count() == 1
    page = client.get(reverse("proactive_campaign", args=[campaign.pk]), follow=True)
    assert "Send the SMS reminders" in page.content.decode()


def test_a_call_from_another_call_centre_is_not_found(client, agent, supervisor):
    from tests.factories import ServiceAreaFactory
    from tickets.models import CallCentre, StaffProfile

    campaign, call, _ = _campaign(supervisor)
    centre = CallCentre.objects.create(name="Jimo desk")
    centre.areas.add(ServiceAreaFactory(code="QD-JM", name="Jimo"))
    StaffProfile.objects.update_or_create(
        user=agent, defaults={"call_centre": centre, "national_desk": False}
    )
    client.force_login(agent)
    assert client.get(reverse("proactive_call_work", args=[call.pk])).status_code == 404


def test_customer_opts_out_from_the_sms_link(client, supervisor):
    campaign, call, _ = _campaign(supervisor)
    url = reverse("proactive_opt_out", args=[opt_out_code(call.customer)])
    page = client.get(url)
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    assert not ContactOptOut.objects.exists()
    done = client.post(url)
    assert 'data-testid="opted-out"' in done.content.decode()
    assert ContactOptOut.objects.get().source == "sms_link"
    call.refresh_from_db()
    assert call.state == "withdrawn"
    assert client.get(url[:-3] + "zz/").status_code == 404


def test_the_opt_out_page_is_rate_limited_per_address(client, settings, supervisor):
    settings.PUBLIC_PAGE_RATE = (3, 60)
    _, call, _ = _campaign(supervisor)
    url = reverse("proactive_opt_out", args=[opt_out_code(call.customer)])
    codes = [client.get(url, REMOTE_ADDR="203.0.113.9").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_plan_pages_create_end_and_the_visit_section(client, agent, warranty_policies):
    appliance = owner()
    client.force_login(agent)
    url = reverse("proactive_customer_plans", args=[appliance.customer_id])
    assert client.get(url).status_code == 200
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(
        url,
        {
            "appliance": appliance.pk,
            "service_type": "inspection",
            "interval_months": 6,
            "first_due": due.isoformat(),
            "booking": "appointment",
            "window": "morning",
        },
    )
    assert response.status_code == 302
    plan = ServicePlan.objects.get()
    assert (plan.service_type_id, plan.interval_months, plan.next_due) == ("inspection", 6, due)
    plans_generate_due()
    ticket = PlanVisit.objects.get(plan=plan).ticket
    detail = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="plan-visit"' in detail
    response = client.post(
        reverse("proactive_visit_repair", args=[ticket.pk]),
        {"description": "Drain pipe cracked"},
    )
    repair = ticket.follow_ups.get()
    assert response.status_code == 302 and response.url == reverse(
        "ticket_detail", args=[repair.pk]
    )
    client.post(reverse("proactive_plan_end", args=[plan.pk]), {"reason": "Moved away"})
    plan.refresh_from_db()
    assert plan.state == "ended" and plan.end_reason == "Moved away"
    console = client.get(reverse("console_customer", args=[appliance.customer_id]))
    assert url in console.content.decode()


def test_plan_form_errors_are_shown_not_500(client, agent):
    appliance = owner()
    client.force_login(agent)
    url = reverse("proactive_customer_plans", args=[appliance.customer_id])
    response = client.post(
        url,
        {
            "appliance": appliance.pk,
            "service_type": "inspection",
            "interval_months": 6,
            "first_due": "2001-01-01",
            "booking": "call",
            "window": "morning",
        },
    )
    assert response.status_code == 422
    assert "cannot be in the past" in response.content.decode()


def test_a_plan_visit_to_book_is_booked_from_the_list(client, agent, warranty_policies):
    appliance = owner()
    plan_create(
        customer=appliance.customer,
        appliance=appliance,
        service_type="maintenance",
        interval_months=12,
        first_due=timezone.localdate() + dt.timedelta(days=3),
        booking="call",
        actor=agent,
    )
    plans_generate_due()
    visit = PlanVisit.objects.get()
    client.force_login(agent)
    page = client.get(reverse("proactive_visits_to_call")).content.decode()
    assert f'data-visit="{visit.pk}"' in page
    start = timezone.localtime() + dt.timedelta(days=2)
    response = client.post(
        reverse("proactive_visit_book", args=[visit.pk]),
        {
            "start": start.strftime("%Y-%m-%dT10:00"),
            "end": start.strftime("%Y-%m-%dT12:00"),
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.call_state == "booked"


def test_the_call_page_and_the_opt_out_page_read_in_chinese(client, agent, supervisor):
    _, call, _ = _campaign(supervisor)
    client.force_login(agent)
    page = client.get(
        reverse("proactive_call_work", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "已预约保养" in page and "有意购买延保" in page and "要求不再联系" in page
    client.logout()
    public = client.get(
        reverse("proactive_opt_out", args=[opt_out_code(call.customer)]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "停止提醒" in public
