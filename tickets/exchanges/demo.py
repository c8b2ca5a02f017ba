"""Demo returns and exchanges (run after the tickets demo): a fridge bought ten days ago
that fails, with an exchange proposed by an agent and waiting in the supervisor's
approvals queue. Idempotent."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from tickets import services as ticket_services
from tickets.choices import ApplianceCategory, Channel
from tickets.models import ServiceArea

from .models import ExchangeProposal
from .services import exchange_propose

SERIAL = "HR-DEMO-EXCH-0001"


def build(stdout):
    if ExchangeProposal.objects.exists():
        stdout.write("Returns and exchanges: already loaded.")
        return
    agent = get_user_model().objects.get(username="agent")
    area = ServiceArea.objects.get(code="QD-SN")
    customer, _address = ticket_services.customer_create(
        name="孙丽",
        mobile="+8613905320077",
        address_line="青岛市市南区香港中路 18 号 2 单元 801",
        area=area,
    )
    appliance = ticket_services.appliance_create(
        customer=customer,
        category=ApplianceCategory.FRIDGE,
        brand="海尔",
        model_number="BCD-470WDPG",
        serial_number=SERIAL,
        purchase_date=timezone.localdate() - dt.timedelta(days=10),
    )
    ticket = ticket_services.ticket_create(
        customer=customer,
        appliance=appliance,
        channel=Channel.HOTLINE,
        fault_description="新买十天，冷藏室不制冷，压缩机不停机。",
        service_type="return_assessment",
        actor=agent,
    )
    exchange_propose(
        ticket=ticket,
        rule_code="exchange_15_days",
        fault="not_cooling",
        cause="defect",
        actor=agent,
        note="客户要求换新机，购买 10 天。",
    )
    stdout.write(
        f"Returns and exchanges: {ticket.number} waits for approval (log in as supervisor)."
    )
