"""How a customer reaches the rating form: the private link (tracking page, e-mail, the QR
code on the service report), or, where SMS providers accept only fixed registered links,
the fixed rating address plus a short code typed there with the ticket number."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from tickets.customer_links import customer_code, customer_code_matches
from tickets.messaging import send_sms
from tickets.models import Ticket

from ..models import CallbackPolicy
from .policy import callback_policy


def rating_code(ticket: Ticket) -> str:
    return customer_code(ticket, "rating")


def rating_code_matches(ticket: Ticket, code: str) -> bool:
    return customer_code_matches(ticket, "rating", code)


def rating_url(ticket: Ticket, *, via: str = "") -> str:
    url = settings.SITE_URL + reverse("callback_rate", args=[ticket.public_token])
    return f"{url}?via={via}" if via else url


def fixed_rating_url() -> str:
    return settings.SITE_URL + reverse("callback_rate_fixed")


def rating_sms_body(ticket: Ticket, *, policy: CallbackPolicy | None = None) -> str:
    policy = policy or callback_policy()
    if policy.sms_links == CallbackPolicy.SmsLinks.FIXED_ADDRESS:
        return _(
            "Your repair %(number)s is complete. Rate it at %(url)s with your ticket number "
            "and the code %(code)s."
        ) % {"number": ticket.number, "url": fixed_rating_url(), "code": rating_code(ticket)}
    return _("Your repair %(number)s is complete. Please rate it: %(url)s") % {
        "number": ticket.number,
        "url": rating_url(ticket),
    }


def rating_sms_send(*, ticket: Ticket, policy: CallbackPolicy | None = None) -> None:
    send_sms(
        to=ticket.customer.mobile,
        purpose="rating",
        ticket=ticket,
        body=rating_sms_body(ticket, policy=policy),
    )
