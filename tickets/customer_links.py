"""How a customer SMS points to the customer's pages: the private link, or, where SMS
providers accept only fixed registered links in a template, a fixed address plus a short
code the customer types there with the ticket number. The choice is the operator's setting
(the callbacks policy provides it through `tickets.hooks.sms_links_fixed`).

The codes are derived from the ticket's private token: nothing stored, nothing guessable
without the secret. Wrong codes are counted per address and per ticket number in the
shared Redis counters; after a few, the fixed pages refuse for a while."""

import hashlib
import hmac

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from . import hooks
from .rate_limits import tally, tally_add

CODE_TRIES = 5
CODE_WINDOW_SECONDS = 15 * 60


def customer_code(ticket, purpose: str) -> str:
    """Six digits for this ticket and purpose ("track", "rating")."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{purpose}:{ticket.public_token}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**6:06d}"


def customer_code_matches(ticket, purpose: str, code: str) -> bool:
    return hmac.compare_digest(customer_code(ticket, purpose), (code or "").strip())


def code_keys(scope: str, *, remote_addr: str, number: str) -> list[str]:
    return [f"{scope}:ip:{remote_addr}", f"{scope}:number:{number.upper()}"]


def code_blocked(keys: list[str]) -> bool:
    return any(tally(key) >= CODE_TRIES for key in keys)


def code_failed(keys: list[str]) -> None:
    for key in keys:
        tally_add(key, CODE_WINDOW_SECONDS)


def fixed_address() -> bool:
    """Customer SMS carry the fixed address and a code rather than the private link."""
    return hooks.sms_links_fixed()


def fixed_tracking_url() -> str:
    return settings.SITE_URL + reverse("ticket_track_fixed")


def tracking_pointer(ticket) -> str:
    """The sentence of a customer SMS that says where to follow the ticket: the private
    link, or the fixed address with the ticket number and the code (the operator's
    setting), for the messages that do not word it themselves (a reschedule, a resend)."""
    if fixed_address():
        return _("Follow it at %(url)s with your ticket number and the code %(code)s.") % {
            "url": fixed_tracking_url(),
            "code": customer_code(ticket, "track"),
        }
    url = settings.SITE_URL + reverse("ticket_track", args=[ticket.public_token])
    return _("Follow it here: %(url)s") % {"url": url}
