"""The follow-up policy: one row, read where it is enforced and where it is shown."""

import datetime as dt

from django.db.models import QuerySet

from tickets.models import SlaClock, Ticket

from ..models import CallbackPolicy, Survey


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


def contact_gap_start(now: dt.datetime, policy: CallbackPolicy | None = None) -> dt.datetime:
    """The start of the quiet period: a customer surveyed since then is not asked again.
    The same gap holds for the desk's proactive calls and reminders (proactive/)."""
    policy = policy or callback_policy()
    return now - dt.timedelta(days=policy.survey_gap_days)


def surveyed_customer_ids(now: dt.datetime, policy: CallbackPolicy | None = None) -> QuerySet:
    """The ids of the customers surveyed within the gap, as a subquery (the frequency rule
    of every contact the desk starts: follow-ups, campaign calls and SMS)."""
    return Survey.objects.filter(created_at__gte=contact_gap_start(now, policy)).values(
        "customer_id"
    )
