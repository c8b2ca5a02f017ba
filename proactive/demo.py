"""Demo data of the proactive side: an inspection plan booked as appointments (its first
visit already generated), a yearly cleaning the desk books by phone (its visit waits on
"Plan visits to book"), and a summer campaign for air conditioners older than two years in
Shinan with its call list taken, a call retried after no answer and reminders sent.
Idempotent."""

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from tickets.choices import ApplianceCategory
from tickets.models import Appliance, ServiceArea

from .models import Campaign, CampaignCall, ServicePlan
from .services.campaigns import call_log, campaign_build, campaign_create, campaign_sms_send
from .services.plans import plan_create, plans_generate_due


def build(stdout):
    if ServicePlan.objects.exists() or Campaign.objects.exists():
        stdout.write("proactive demo: already loaded")
        return
    agent = User.objects.filter(username="agent").first()
    supervisor = User.objects.filter(username="supervisor").first()
    area = ServiceArea.objects.filter(code="QD-SN").first()
    if agent is None or supervisor is None or area is None:
        stdout.write("proactive demo: no tickets demo, skipped")
        return
    acs = list(
        Appliance.objects.filter(
            category=ApplianceCategory.AIR_CONDITIONER, customer__addresses__area=area
        ).order_by("id")[:2]
    )
    today = timezone.localdate()
    plans = []
    for appliance, kind, months, booking, days in zip(
        acs,
        ("inspection", "maintenance"),
        (6, 12),
        ("appointment", "call"),
        (7, 10),
        strict=False,
    ):
        plans.append(
            plan_create(
                customer=appliance.customer,
                appliance=appliance,
                service_type=kind,
                interval_months=months,
                first_due=today + dt.timedelta(days=days),
                booking=booking,
                note="巡检合同" if kind == "inspection" else "付费清洗",
                actor=agent,
            )
        )
    made = plans_generate_due()["made"]
    campaign = campaign_create(
        name="夏季空调清洗（购机两年以上）",
        category=ApplianceCategory.AIR_CONDITIONER,
        older_than_years=2,
        area=area,
        script="您好，这里是售后服务中心。夏季来临前，建议为使用两年以上的空调做一次深度清洗。",
        sms_text="【售后服务】夏季将至，您的空调已使用两年以上，预约深度清洗请致电400-699-9999。",
        actor=supervisor,
    )
    listed = campaign_build(campaign=campaign, actor=supervisor)
    first = CampaignCall.objects.filter(campaign=campaign).order_by("id").first()
    if first is not None:
        call_log(call=first, outcome="no_answer", actor=agent)
    sent = campaign_sms_send(campaign=campaign, actor=supervisor)
    campaign_create(name="新机使用提示（30天内购机）", purchased_within_days=30, actor=supervisor)
    stdout.write(
        f"proactive demo: {len(plans)} plans ({made} visits), a campaign of {listed} calls "
        f"({sent} reminders)"
    )
