"""Reads of the callbacks side, and who may see which call: desk staff the calls of their
call centre's areas (the national hotline all), supervisors everything; deep callbacks only
supervisors. One access function per object kind, used by pages and the API."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tickets import hooks
from tickets.choices import ApplianceCategory
from tickets.errors import NotFound
from tickets.models import CallCentre, Ticket
from tickets.onsite.catalog import FAULTS
from tickets.onsite.models import ChargeLine, Diagnosis
from tickets.onsite.selectors import assigned_engineer_user_id
from tickets.roles import Role, roles_of
from tickets.selectors import _centre_area_ids, desk_scoped

from .models import Callback, HangingTicket

DESK_KINDS = (Callback.Kind.CHECK_BACK, Callback.Kind.FOLLOW_UP)
QUEUE_LIMIT = 50


def callback_queryset_for_user(user) -> QuerySet[Callback]:
    qs = Callback.objects.all()
    if not roles_of(user) & {Role.SUPERVISOR, Role.ADMIN}:
        qs = qs.filter(kind__in=DESK_KINDS)
    return desk_scoped(qs, user)


def callback_get_for_user(*, user, callback_id) -> Callback:
    """A call the user may work; someone else's is the same not-found as an unknown one."""
    callback = (
        callback_queryset_for_user(user)
        .select_related("ticket__customer", "ticket__appliance", "ticket__area", "area")
        .filter(pk=callback_id)
        .first()
    )
    if callback is None:
        raise NotFound(_("Callback not found."), field="callback")
    return callback


def callback_queue(
    *,
    user,
    now: dt.datetime,
    kinds=DESK_KINDS,
    area_id: int | None = None,
    centre_id: int | None = None,
    limit: int = QUEUE_LIMIT,
) -> list[Callback]:
    """Open calls that may be made now, most urgent first."""
    qs = callback_queryset_for_user(user).due(now).filter(kind__in=kinds)
    if area_id:
        qs = qs.filter(area_id=area_id)
    if centre_id:
        qs = qs.filter(area_id__in=_centre_area_ids(centre_id))
    rows = list(
        qs.select_related("ticket__customer", "ticket__appliance", "area")
        .only(*QUEUE_COLUMNS)
        .order_by("due_at", "id")[:limit]
    )
    # Labels once per page (get_FOO_display translates the whole choice list per call).
    kinds = {k: str(v) for k, v in Callback.Kind.choices}
    categories = {k: str(v) for k, v in ApplianceCategory.choices}
    for row in rows:
        row.kind_label = kinds.get(row.kind, row.kind)
        row.category_label = categories.get(row.ticket.appliance.category, "")
    return rows


# What a queue row shows: no fault text, no warranty verdict (the work page loads those).
QUEUE_COLUMNS = (
    "kind",
    "state",
    "due_at",
    "attempts",
    "next_attempt_at",
    "area__name",
    "ticket__number",
    "ticket__customer__name",
    "ticket__customer__mobile",
    "ticket__appliance__category",
    "ticket__appliance__model_number",
)


def call_centre_choices(user) -> list[tuple[int, str]] | None:
    """Supervisors filter by call centre; desk staff work their own."""
    if not roles_of(user) & {Role.SUPERVISOR, Role.ADMIN}:
        return None
    return list(CallCentre.objects.order_by("name").values_list("pk", "name"))


def _fault_label(category: str, code: str) -> str:
    for value, label, _cls in FAULTS.get(category, []):
        if value == code:
            return str(label)
    return code


def job_summary(ticket: Ticket) -> dict:
    """What the agent reads before calling: the fault, the engineer, the parts, the charges."""
    diagnosis = Diagnosis.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
    engineer_id = assigned_engineer_user_id(ticket)
    engineer = None
    if engineer_id:
        user = get_user_model().objects.filter(pk=engineer_id).first()
        engineer = (user.get_full_name() or user.get_username()) if user else None
    lines = list(ChargeLine.objects.filter(ticket=ticket).order_by("created_at", "id"))
    total = sum((line.amount * line.quantity for line in lines), Decimal("0.00"))
    return {
        "fault": _fault_label(ticket.appliance.category, diagnosis.fault) if diagnosis else "",
        "reported": ticket.fault_description,
        "engineer": engineer,
        "parts": hooks.parts_for_ticket(ticket=ticket),
        "charges": lines,
        "charges_total": total,
        "waivers": hooks.charge_waivers(ticket=ticket),
    }


def hanging_list(*, user, limit: int = 200) -> list[HangingTicket]:
    latest = HangingTicket.objects.order_by("-found_on").values_list("found_on", flat=True).first()
    if latest is None or not roles_of(user) & {Role.SUPERVISOR, Role.ADMIN}:
        return []
    return list(
        HangingTicket.objects.filter(found_on=latest)
        .select_related("ticket", "area")
        .order_by("since")[:limit]
    )
