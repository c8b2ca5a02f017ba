"""In headless Chromium: a supervisor watches a ticket turn at-risk, then breached, on the
live board without reloading, and acknowledges the escalation."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import browser_login
from tests.factories import ServiceAreaFactory, UserFactory, WarrantyPolicyFactory
from tests.sla.conftest import make_ticket
from tickets.models import SlaEscalation
from tickets.sla.services import sla_sweep


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_sees_at_risk_then_breached_and_acknowledges(transactional_db, page):
    UserFactory(username="sam", roles=["supervisor"], is_staff=True)
    WarrantyPolicyFactory(category="fridge", whole_unit_months=12)
    area = ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    browser_login(page, "sam")
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        ticket = make_ticket(area=area, priority="emergency")
        page.goto("/board/")
        # On track is collapsed to its count: arrival and completion.
        assert page.locator('[data-testid="count-on_track"] span').inner_text() == "2"
        assert page.locator('[data-testid="list-on_track"]').count() == 0
        page.evaluate("window.__noReload = true")

        traveller.shift(dt.timedelta(minutes=95))  # 79% of the 2 h arrival used
        sla_sweep()
        at_risk = page.locator('[data-testid="list-at_risk"]')
        at_risk.get_by_text(ticket.number).wait_for()
        assert "min left" in at_risk.inner_text()
        page.screenshot(path="/tmp/sla-board-at-risk.png", full_page=True)

        traveller.shift(dt.timedelta(minutes=26))
        sla_sweep()
        breached = page.locator('[data-testid="list-breached"]')
        breached.get_by_text(ticket.number).wait_for()
        escalation = SlaEscalation.objects.get(ticket=ticket)
        box = page.locator(f'[data-escalation="{escalation.pk}"]')
        box.wait_for()
        assert page.evaluate("window.__noReload") is True  # updated in place
        page.screenshot(path="/tmp/sla-board-breached.png", full_page=True)

        box.get_by_role("button", name="Acknowledge").click()
        page.get_by_text("Write what is being done about it.").wait_for()
        box = page.locator(f'[data-escalation="{escalation.pk}"]')
        box.get_by_label("What is being done (required)").fill("Sent the nearest senior engineer")
        box.get_by_role("button", name="Acknowledge").click()
        box.wait_for(state="detached")
        escalation.refresh_from_db()
        assert escalation.acknowledged_at is not None
        assert escalation.note == "Sent the nearest senior engineer"
        assert page.evaluate("window.__noReload") is True
