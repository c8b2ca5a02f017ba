"""Reads of the proactive side and who may see what: desk staff the plans of customers
they may see and the campaign calls of their call centre's areas (the national hotline
all); supervisors everything."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import NotFound
from tickets.models import Customer
from tickets.selectors import customer_queryset_for_user, desk_scoped

from .models import Campaign, CampaignCall, PlanVisit, ServicePlan

QUEUE_LIMIT = 50


def customer_for_user(*, user, customer_id: int) -> Customer:
    customer = customer_queryset_for_user(user).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."), field="customer")
    return customer


def plans_of_customer(customer: Customer) -> list[ServicePlan]:
    return list(
        ServicePlan.objects.filter(customer=customer)
        .select_related("appliance", "service_type")
        .prefetch_related("visits__ticket")
        .order_by("state", "next_due", "id")
    )


def plan_for_user(*, user, plan_id: int) -> ServicePlan:
    plan = (
        ServicePlan.objects.filter(pk=plan_id, customer__in=customer_queryset_for_user(user))
        .select_related("customer", "appliance")
        .first()
    )
    if plan is None:
        raise NotFound(_("Plan not found."), field="plan")
    return plan


def _area_scoped(qs: QuerySet, user) -> QuerySet:
    return desk_scoped(qs, user)


def visits_to_call(*, user, limit: int = QUEUE_LIMIT) -> list[PlanVisit]:
    """Plan visits the desk books by phone, soonest due first."""
    qs = desk_scoped(
        PlanVisit.objects.filter(call_state=PlanVisit.CallState.TO_CALL),
        user,
        area_field="ticket__area_id",
    )
    return list(
        qs.select_related("plan", "ticket__customer", "ticket__appliance", "ticket__area").order_by(
            "period", "id"
        )[:limit]
    )


def visit_for_user(*, user, visit_id: int) -> PlanVisit:
    visit = (
        PlanVisit.objects.filter(pk=visit_id, plan__customer__in=customer_queryset_for_user(user))
        .select_related("ticket")
        .first()
    )
    if visit is None:
        raise NotFound(_("Visit not found."), field="visit")
    return visit


def campaigns_for_user(user) -> list[Campaign]:
    rows = list(Campaign.objects.select_related("area").order_by("-created_at", "-id")[:100])
    counts = {}
    for row in (
        _area_scoped(CampaignCall.objects.open(), user)
        .filter(campaign__in=rows)
        .values_list("campaign_id", flat=True)
    ):
        counts[row] = counts.get(row, 0) + 1
    for campaign in rows:
        campaign.open_calls = counts.get(campaign.pk, 0)
    return rows


def campaign_get(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("area").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("Campaign not found."), field="campaign")
    return campaign


def call_queue(*, user, campaign: Campaign, area_id: int | None = None, limit=QUEUE_LIMIT):
    """Open calls of a campaign that may be made now, in list order."""
    qs = _area_scoped(CampaignCall.objects.due(timezone.now()), user).filter(campaign=campaign)
    if area_id:
        qs = qs.filter(area_id=area_id)
    return list(
        qs.select_related("customer", "appliance", "area").order_by("next_attempt_at", "id")[:limit]
    )


def call_for_user(*, user, call_id: int) -> CampaignCall:
    call = (
        _area_scoped(CampaignCall.objects.all(), user)
        .select_related("campaign", "customer", "appliance", "area", "ticket")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise NotFound(_("Call not found."), field="call")
    return call
