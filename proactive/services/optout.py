"""The customer's opt-out: the code in every campaign SMS (derived from the customer's id
with the secret: nothing stored, nothing guessable), the public page it leads to, and the
agent's record of a customer who says so on the phone."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tickets.models import Customer

from ..models import CampaignCall, ContactOptOut


def _mac(customer_id: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"opt-out:{customer_id}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def opt_out_code(customer: Customer) -> str:
    return f"{customer.pk}-{_mac(customer.pk)}"


def customer_for_code(code: str) -> Customer | None:
    """The customer of a valid code, or None (a wrong code looks like an unknown one)."""
    head, _sep, mac = (code or "").partition("-")
    if not head.isdigit() or len(head) > 12 or not hmac.compare_digest(_mac(int(head)), mac):
        return None
    return Customer.objects.filter(pk=int(head)).first()


def opt_out_url(customer: Customer) -> str:
    return settings.SITE_URL + reverse("proactive_opt_out", args=[opt_out_code(customer)])


def opt_out_record(*, customer: Customer, source: str, actor=None) -> ContactOptOut:
    """Store the opt-out (once: the constraint decides) and take the customer off every open
    campaign list."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = ContactOptOut.objects.create(customer=customer, source=source, actor=actor)
        except IntegrityError:
            row = ContactOptOut.objects.get(customer=customer)
        CampaignCall.objects.open().filter(customer=customer).update(
            state=CampaignCall.State.WITHDRAWN, closed_at=timezone.now(), closed_by=actor
        )
    return row
