"""Repeat faults get a free revisit: "not fixed" in a survey, or a new ticket on the same
appliance with the same fault family within the repeat window. The revisit is linked to the
first job, free (tickets.hooks.charge_waivers), goes to dispatch first and preferably not to
the same engineer, and is charged back to the first engineer and service point."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.choices import Channel
from tickets.event_kinds import EventKind
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketEvent
from tickets.onsite.models import Diagnosis
from tickets.onsite.selectors import assigned_engineer_user_id
from tickets.roles import STAFF_DESK_ROLES, has_role
from tickets.services import ticket_create, ticket_event_record, ticket_transition

from ..models import Revisit
from .policy import callback_policy

WAIVER_FREE_REVISIT = "free_revisit"
FINISHED = (Status.COMPLETED, Status.CALLBACK_DONE, Status.CLOSED)


def charge_waiver(*, ticket) -> list[str]:
    """Registered in tickets.hooks.charge_waivers: a free revisit has no call-out fee or
    labour, whatever its warranty."""
    return [WAIVER_FREE_REVISIT] if Revisit.objects.filter(revisit_id=ticket.pk).exists() else []


def fault_family(ticket: Ticket) -> str:
    """The engineer's diagnosed fault (a catalogue code), else the reported fault code."""
    fault = (
        Diagnosis.objects.filter(ticket=ticket)
        .order_by("-created_at", "-id")
        .values_list("fault", flat=True)
        .first()
    )
    return (fault or ticket.fault_code or "").strip().lower()


def _chargeback(original: Ticket) -> tuple[int | None, int | None]:
    engineer_user_id = assigned_engineer_user_id(original)
    if engineer_user_id is None:
        return None, None
    point = (
        Engineer.objects.filter(user_id=engineer_user_id)
        .values_list("service_point_id", flat=True)
        .first()
    )
    return engineer_user_id, point


def _link(*, original: Ticket, revisit: Ticket, reason: str, family: str, actor) -> Revisit | None:
    """Link the two tickets (once per first job: the constraint decides), free the revisit's
    fees, put it in front of dispatch."""
    engineer_id, point_id = _chargeback(original)
    link = Revisit(
        original=original,
        revisit=revisit,
        reason=reason,
        fault_family=family,
        chargeback_engineer_id=engineer_id,
        chargeback_service_point_id=point_id,
    )
    try:
        with transaction.atomic():
            link.save(force_insert=True)
    except IntegrityError:
        return None
    data = {
        "original_ticket": original.number,
        "revisit_ticket": revisit.number,
        "reason": reason,
        "free": True,
        "dispatch_first": True,
        # dispatch: prefer another engineer than the first job's
        "avoid_engineer_user_id": engineer_id,
    }
    for ticket in (original, revisit):
        ticket_event_record(ticket=ticket, kind=EventKind.REVISIT_OPENED, actor=actor, data=data)
    if revisit.status == Status.AWAITING_FEE_ACCEPTANCE:
        ticket_transition(
            ticket=revisit,
            to=Status.AWAITING_DISPATCH,
            actor=None,
            reason="",
            data={"reason_code": WAIVER_FREE_REVISIT},
        )
    return link


def revisit_open_not_fixed(*, original: Ticket, actor=None) -> Revisit | None:
    """The customer says the job is not fixed: a new, free ticket linked to it. Call while
    holding the original's row lock."""
    if Revisit.objects.filter(original=original).exists():
        return None  # under the lock: the first revisit stands
    desk_actor = actor if actor is not None and has_role(actor, *STAFF_DESK_ROLES) else None
    revisit = ticket_create(
        customer=original.customer,
        appliance=original.appliance,
        address=original.address,
        channel=Channel.HOTLINE,
        priority=original.priority if original.priority != "appointment" else "normal",
        fault_class=original.fault_class,
        fault_code=original.fault_code,
        fault_description=_("Free revisit of %(number)s (not fixed): %(fault)s")
        % {"number": original.number, "fault": original.fault_description[:900]},
        related_ticket=original,
        actor=desk_actor,
    )
    return _link(
        original=original,
        revisit=revisit,
        reason=Revisit.Reason.NOT_FIXED,
        family=fault_family(original),
        actor=actor,
    )


def _completed_at(ticket_ids) -> dict[int, dt.datetime]:
    rows = (
        TicketEvent.objects.filter(
            ticket_id__in=ticket_ids, kind="status", to_status=Status.COMPLETED
        )
        .order_by("ticket_id", "-created_at")
        .values_list("ticket_id", "created_at")
    )
    out: dict[int, dt.datetime] = {}
    for ticket_id, at in rows:
        out.setdefault(ticket_id, at)
    return out


def revisit_check_repeat(*, ticket_id: int) -> Revisit | None:
    """A ticket on an appliance whose job was completed within the repeat window, with the
    same fault family: the new ticket becomes the free revisit of that job. Safe twice."""
    ticket = Ticket.objects.select_related("appliance").get(pk=ticket_id)
    family = fault_family(ticket)
    if not family or ticket.status in Status.terminal():
        return None
    if Revisit.objects.filter(revisit=ticket).exists():
        return None
    since = ticket.created_at - dt.timedelta(days=callback_policy().repeat_window_days)
    earlier = list(
        Ticket.objects.filter(
            appliance_id=ticket.appliance_id, status__in=FINISHED, created_at__lt=ticket.created_at
        )
        .exclude(pk=ticket.pk)
        .exclude(revisit_link__isnull=False)
        .order_by("-created_at")[:5]
    )
    completed = _completed_at([t.pk for t in earlier])
    for original in earlier:
        done = completed.get(original.pk)
        if done is None or done < since or fault_family(original) != family:
            continue
        with transaction.atomic():
            # Lock order: the older ticket first (as every writer that takes two).
            list(
                Ticket.objects.select_for_update()
                .filter(pk__in=(original.pk, ticket.pk))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            return _link(
                original=original,
                revisit=ticket,
                reason=Revisit.Reason.REPEAT_FAULT,
                family=family,
                actor=None,
            )
    return None
