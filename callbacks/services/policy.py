"""The follow-up policy: one row, read where it is enforced and where it is shown."""

import datetime as dt

from tickets.models import SlaClock, Ticket

from ..models import CallbackPolicy


def callback_policy() -> CallbackPolicy:
    """The stored policy (a data migration creates it); its defaults when the row is gone."""
    return CallbackPolicy.objects.order_by("pk").first() or CallbackPolicy()


def sms_links_fixed() -> bool:
    """Customer SMS carry the fixed address and a code (the policy's setting), read by every
    intake's acknowledgement: cached with the master data (migration 0003's trigger)."""
    from tickets import masterdata

    def load():
        return callback_policy().sms_links == CallbackPolicy.SmsLinks.FIXED_ADDRESS

    return masterdata.cached(("callbacks_sms_links_fixed",), load)


def clock_due(ticket: Ticket, kind: str) -> dt.datetime | None:
    """The due time of the ticket's live SLA clock of `kind`: the callback is due when its
    clock is (one source for the queue and for the breach)."""
    return (
        SlaClock.objects.filter(ticket=ticket, kind=kind, state__in=("running", "paused"))
        .order_by("-id")
        .values_list("due_at", flat=True)
        .first()
    )
