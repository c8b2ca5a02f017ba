import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tickets.models import Customer, Ticket, TicketEvent


def _counts():
    return (
        User.objects.count(),
        Customer.objects.count(),
        Ticket.objects.count(),
        TicketEvent.objects.count(),
    )


@pytest.mark.django_db
def test_demo_loads_a_believable_operator_and_a_second_run_adds_nothing():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = _counts()
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert User.objects.filter(groups__name="engineer").count() >= 50
    assert Customer.objects.count() >= 300
    assert {"awaiting_fee_acceptance", "assigned", "accepted", "scheduled"} <= statuses
    assert "demo-pass-2026" in out.getvalue() and "eng01" in out.getvalue()
    # Every app's demo ran on a fresh database (none took another's data for its own).
    assert "already loaded" not in out.getvalue()
    from callbacks.models import CallAttempt, Callback, Complaint
    from kpis.models import KpiRollup
    from spareparts.models import LedgerEntry

    assert CallAttempt.objects.exists() and Callback.objects.filter(kind="deep").exists()
    assert Complaint.objects.exists() and LedgerEntry.objects.exists()
    assert KpiRollup.objects.exists()
    from proactive.models import CampaignCall, PlanVisit

    assert PlanVisit.objects.filter(call_state="to_call").exists()
    assert PlanVisit.objects.filter(ticket__priority="appointment").exists()
    assert CampaignCall.objects.filter(sms_sent_at__isnull=False).exists()
    assert "closed" in set(Ticket.objects.values_list("status", flat=True))
    types = set(Ticket.objects.values_list("service_type", flat=True))
    assert {"repair", "installation", "maintenance", "inspection", "return_assessment"} <= types
    # Calls that opened no ticket, "where is my engineer?" calls and notes on tickets.
    from tickets.models import CustomerContact

    assert CustomerContact.objects.filter(ticket__isnull=True, topic="enquiry").exists()
    assert CustomerContact.objects.filter(topic="where_is_engineer").exists()
    assert TicketEvent.objects.filter(kind="contact_logged").exists()
    assert TicketEvent.objects.filter(kind="note").exists()
    from dispatch.models import Appointment
    from tickets.models import SavedTicketFilter

    # The ticket list's saved filters and the dispatcher's day view have something to show.
    assert SavedTicketFilter.objects.filter(owner__username="agent").count() >= 2
    assert Appointment.objects.filter(state="booked").exists()
    from tickets.exchanges.models import ExchangeProposal
    from tickets.extended_warranty.models import ExtendedWarrantyContract

    assert ExchangeProposal.objects.filter(state="proposed", kind="exchange").exists()
    assert ExtendedWarrantyContract.objects.filter(paid=True).exists()

    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == first
