"""Who the desk may contact proactively: never a customer who opted out, and at most once
in the survey gap of the callback policy. The gap and the "surveyed lately" rule are the
callbacks app's (callbacks.services.policy); campaign calls and reminders count as
contacts too."""

import datetime as dt

from django.db.models import Q, QuerySet

from callbacks.services.policy import callback_policy, contact_gap_start, surveyed_customer_ids

from ..models import CampaignCall, ContactOptOut


def campaign_contacted_customer_ids(now: dt.datetime, policy=None) -> QuerySet:
    """Customers a campaign reached (a finished call) or sent a reminder within the gap."""
    since = contact_gap_start(now, policy)
    return CampaignCall.objects.filter(
        Q(sms_sent_at__gte=since) | Q(state=CampaignCall.State.DONE, closed_at__gte=since)
    ).values("customer_id")


def exclude_held_back(queryset: QuerySet, *, now: dt.datetime, field: str = "customer_id"):
    """`queryset` without the rows of customers the desk may not contact now."""
    policy = callback_policy()
    return (
        queryset.exclude(**{f"{field}__in": ContactOptOut.objects.values("customer_id")})
        .exclude(**{f"{field}__in": surveyed_customer_ids(now, policy)})
        .exclude(**{f"{field}__in": campaign_contacted_customer_ids(now, policy)})
    )


def opted_out(customer_id: int) -> bool:
    return ContactOptOut.objects.filter(customer_id=customer_id).exists()
