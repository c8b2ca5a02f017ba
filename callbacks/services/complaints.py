"""Complaints: open one (from any source), move it through the ISO 10002 steps, and hand a
missed deadline to its owner.

Every step is a `ComplaintStep` row and a ticket event (through
`tickets.services.ticket_event_record`): the ticket's SLA handler starts the complaint's two
clocks on `complaint_opened` (first response, solution; targets from the ticket's SLA
policy), meets the first on `complaint_responded` and both on `complaint_resolved` (the
close). The SLA sweep warns, breaches and walks the escalation chain as for every clock;
`complaint_escalations_sweep` adds the breach to the complaint's own history and tells its
owner.

Lock order: the ticket's row, then the complaint's (as ticket_transition and the SLA
handlers lock the ticket before its clocks).
"""

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.errors import DomainError, PermissionDenied, TransitionNotAllowed
from tickets.event_kinds import EventKind
from tickets.messaging import send_email, send_sms
from tickets.models import Ticket, TicketEvent
from tickets.onsite.models import OnsiteJob
from tickets.roles import Role, has_role, roles_of
from tickets.services import actor_label, ticket_event_record
from tickets.sla.models import ClockKind, SlaClock
from tickets.sla.services import clock_start

from ..models import (
    Complaint,
    ComplaintCategory,
    ComplaintSource,
    ComplaintStep,
    Remedy,
    RootCause,
    Severity,
)

log = logging.getLogger(__name__)

S = Complaint.State
QA = {Role.QUALITY, Role.SUPERVISOR, Role.ADMIN}
DESK = {Role.AGENT, Role.DISPATCHER}
# Who may open a complaint, by source. `None` (the system) stands for the customer's own
# page and for the callbacks app's survey when it has no user to name.
OPEN_ROLES = {
    ComplaintSource.AGENT: DESK | QA,
    ComplaintSource.CALLBACK: DESK | QA | {Role.SYSTEM},
    ComplaintSource.CUSTOMER: {Role.SYSTEM},
    ComplaintSource.API: DESK | QA | {Role.PARTNER},
    ComplaintSource.QA: QA | {Role.SYSTEM},
}

# from-step -> {to-step: roles allowed}. `received -> acknowledged` happens at once, in
# complaint_open. The customer's answer may be recorded by the desk that took the call.
COMPLAINT_MOVES: dict[str, dict[str, set[str]]] = {
    S.RECEIVED: {S.ACKNOWLEDGED: {Role.SYSTEM}},
    S.ACKNOWLEDGED: {S.ASSESSED: QA},
    S.ASSESSED: {S.INVESTIGATING: QA},
    S.INVESTIGATING: {S.RESPONDED: QA},
    S.RESPONDED: {
        S.ACCEPTED: QA | DESK | {Role.SYSTEM},
        S.REJECTED: QA | DESK | {Role.SYSTEM},
    },
    S.ACCEPTED: {S.CLOSED: QA},
    S.REJECTED: {S.INVESTIGATING: QA, S.CLOSED: QA},
    S.CLOSED: {S.INVESTIGATING: QA | DESK},  # reopened
}

# The ticket event each step writes on the ticket's timeline.
STEP_EVENT = {
    S.ACKNOWLEDGED: EventKind.COMPLAINT_ACKNOWLEDGED,
    S.ASSESSED: EventKind.COMPLAINT_ASSESSED,
    S.INVESTIGATING: EventKind.COMPLAINT_INVESTIGATING,
    S.RESPONDED: EventKind.COMPLAINT_RESPONDED,
    S.ACCEPTED: EventKind.COMPLAINT_ACCEPTED,
    S.REJECTED: EventKind.COMPLAINT_REJECTED,
    S.CLOSED: EventKind.COMPLAINT_RESOLVED,
}
COMPLAINT_CLOCKS = (ClockKind.COMPLAINT_RESPONSE, ClockKind.COMPLAINT_RESOLUTION)
STEP_REOPENED = "reopened"
STEP_ESCALATED = "escalated"
NOTE_MAX = 2000
CLOSE_BLOCKER = "open_complaint"


def allowed_moves(state: str) -> list[str]:
    return list(COMPLAINT_MOVES.get(state, {}))


def _move_roles(from_state: str, to: str) -> set[str] | None:
    return COMPLAINT_MOVES.get(from_state, {}).get(to)


def may_move(user, complaint: Complaint, to: str) -> bool:
    roles = _move_roles(complaint.state, to)
    return bool(roles and roles & roles_of(user))


def _text(value, *, field: str, required: bool = False, limit: int = NOTE_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > limit:
        raise DomainError(_("Use at most %(limit)s characters.") % {"limit": limit}, field=field)
    return value


def _engineer_for(ticket: Ticket) -> Engineer | None:
    """The engineer who did the job: the on-site record, else the latest assignment."""
    user_id = OnsiteJob.objects.filter(ticket=ticket).values_list("engineer_id", flat=True).first()
    if user_id is None:
        data = (
            TicketEvent.objects.filter(ticket=ticket, kind="status", to_status="assigned")
            .order_by("-created_at", "-id")
            .values_list("data", flat=True)
            .first()
        )
        user_id = (data or {}).get("engineer_user_id")
    if not user_id:
        return None
    return Engineer.objects.filter(user_id=user_id).select_related("service_point").first()


def _step(
    complaint: Complaint,
    *,
    step: str,
    from_state: str,
    to_state: str,
    actor,
    note="",
    data=None,
    now=None,
) -> ComplaintStep:
    return ComplaintStep.objects.create(
        complaint=complaint,
        step=step,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        actor_label=actor_label(actor),
        note=note,
        data=data or {},
        created_at=now or timezone.now(),
    )


def _event(complaint: Complaint, ticket: Ticket, kind: str, *, actor, note="", data=None):
    ticket_event_record(
        ticket=ticket,
        kind=kind,
        actor=actor,
        reason=note,
        data={"complaint_id": complaint.pk, "complaint": complaint.reference, **(data or {})},
    )


def complaint_clocks(complaint: Complaint) -> list[SlaClock]:
    """The complaint's SLA clocks, newest first (a reopen starts a new solution clock)."""
    return list(
        SlaClock.objects.filter(
            ticket_id=complaint.ticket_id, kind__in=COMPLAINT_CLOCKS, ref=str(complaint.pk)
        ).order_by("-started_at", "-id")
    )


def _acknowledge(complaint: Complaint, ticket: Ticket) -> None:
    """Acknowledged at once: an SMS to the customer with when they will hear from us (read
    from the running clock, the deadline that is enforced)."""
    now = timezone.now()
    complaint.state, complaint.acknowledged_at = S.ACKNOWLEDGED, now
    complaint.save(update_fields=["state", "acknowledged_at", "updated_at"])
    notify = complaint.source != ComplaintSource.QA  # an internal corrective action
    if notify:
        due = (
            SlaClock.objects.filter(
                ticket=ticket,
                kind=ClockKind.COMPLAINT_RESPONSE,
                ref=str(complaint.pk),
                state=SlaClock.State.RUNNING,
            )
            .values_list("due_at", flat=True)
            .first()
        )
        if due:
            body = _(
                "We have received your complaint %(ref)s about repair %(number)s and will "
                "respond by %(due)s."
            ) % {
                "ref": complaint.reference,
                "number": ticket.number,
                "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
            }
        else:
            body = _(
                "We have received your complaint %(ref)s about repair %(number)s and will "
                "respond soon."
            ) % {"ref": complaint.reference, "number": ticket.number}
        send_sms(
            to=ticket.customer.mobile, body=body, purpose="complaint_acknowledgement", ticket=ticket
        )
    _step(
        complaint,
        step=S.ACKNOWLEDGED,
        from_state=S.RECEIVED,
        to_state=S.ACKNOWLEDGED,
        actor=None,
        data={"sms": notify},
        now=now,
    )
    _event(complaint, ticket, EventKind.COMPLAINT_ACKNOWLEDGED, actor=None, data={"sms": notify})


def complaint_open(
    *,
    ticket: Ticket,
    source: str,
    remedy_wanted: str,
    description: str,
    actor,
    category: str = ComplaintCategory.OTHER,
    engineer: Engineer | None = None,
    service_point=None,
    part_batch: str = "",
    source_ref: str = "",
    quality_review=None,
) -> Complaint:
    """Receive a complaint about `ticket` and acknowledge it at once (SMS to the customer,
    except for QA's own corrective actions). Starts its two clocks. `source_ref` (e.g.
    "callback:12") makes a retried open return the first complaint. The engineer and service
    point default to whoever did the job. `actor=None` is the system (the customer's page)."""
    if source not in ComplaintSource.values:
        raise DomainError(_("Unknown source."), field="source")
    if source == ComplaintSource.QA and not remedy_wanted:
        remedy_wanted = Remedy.OTHER
    if remedy_wanted not in Remedy.values:
        raise DomainError(_("Choose the remedy the customer wants."), field="remedy_wanted")
    if category not in ComplaintCategory.values:
        raise DomainError(_("Choose what the complaint is about."), field="category")
    description = _text(description, field="description", required=True)
    part_batch = _text(part_batch, field="part_batch", limit=64)
    source_ref = (source_ref or "")[:64]
    if not (OPEN_ROLES[source] & roles_of(actor)):
        raise PermissionDenied(_("Your role may not open this kind of complaint."))
    if source_ref:
        existing = Complaint.objects.filter(source_ref=source_ref).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
            if engineer is None:
                engineer = _engineer_for(locked)
            if service_point is None and engineer is not None:
                service_point = engineer.service_point
            complaint = Complaint.objects.create(
                ticket=locked,
                engineer=engineer,
                service_point=service_point,
                part_batch=part_batch,
                source=source,
                source_ref=source_ref,
                category=category,
                remedy_wanted=remedy_wanted,
                description=description,
                quality_review=quality_review,
                opened_by=actor,
            )
            _step(
                complaint,
                step=S.RECEIVED,
                from_state="",
                to_state=S.RECEIVED,
                actor=actor,
                note=description,
                data={"source": source, "remedy_wanted": remedy_wanted, "category": category},
                now=complaint.created_at,
            )
            _event(
                complaint,
                locked,
                EventKind.COMPLAINT_OPENED,
                actor=actor,
                note=description[:500],
                data={"source": source, "remedy_wanted": remedy_wanted},
            )
            _acknowledge(complaint, locked)
    except IntegrityError:
        # A concurrent open with the same source_ref, or a second open complaint from the
        # customer's page: the constraint decided; answer with the one that exists.
        existing = _existing_duplicate(ticket=ticket, source=source, source_ref=source_ref)
        if existing is None:
            raise
        return existing
    return complaint


def _existing_duplicate(*, ticket, source, source_ref) -> Complaint | None:
    if source_ref:
        return Complaint.objects.filter(source_ref=source_ref).first()
    if source == ComplaintSource.CUSTOMER:
        return (
            Complaint.objects.filter(ticket=ticket, source=source).exclude(state=S.CLOSED).first()
        )
    return None


def complaint_move(
    *,
    complaint: Complaint,
    to: str,
    actor,
    note: str = "",
    severity: str = "",
    safety_risk: bool | None = None,
    owner=None,
    findings: str = "",
    response: str = "",
    remedy_offered: str = "",
    root_cause: str = "",
) -> Complaint:
    """Move a complaint one step along `COMPLAINT_MOVES`. Each step asks for its own facts:
    assessed (severity, safety risk), investigating (the QA owner: the actor by default;
    from `closed` it is a reopen and needs a note), responded (the response and the remedy
    offered), accepted / not accepted (the customer's words, optional), closed (the root
    cause). Refuses a move not in the table or not for the actor's role."""
    note = _text(note, field="note")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=complaint.ticket_id)
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        from_state = locked.state
        roles = _move_roles(from_state, to)
        if roles is None:
            raise TransitionNotAllowed(
                _("A complaint cannot go from “%(from)s” to “%(to)s”.")
                % {"from": S(from_state).label, "to": _state_label(to)},
                field="to",
            )
        if not (roles & roles_of(actor)):
            raise PermissionDenied(
                _("Your role may not move a complaint from “%(from)s” to “%(to)s”.")
                % {"from": S(from_state).label, "to": S(to).label}
            )
        now = timezone.now()
        fields = ["state", "updated_at"]
        data: dict = {}
        step = to
        kind = STEP_EVENT[to]
        if to == S.ASSESSED:
            if severity not in Severity.values:
                raise DomainError(_("Choose the severity."), field="severity")
            locked.severity, locked.safety_risk = severity, bool(safety_risk)
            fields += ["severity", "safety_risk"]
            data = {"severity": severity, "safety_risk": bool(safety_risk)}
        elif to == S.INVESTIGATING:
            owner = owner or (actor if has_role(actor, Role.QUALITY) else locked.owner)
            if owner is None or not has_role(owner, Role.QUALITY):
                raise DomainError(
                    _("Choose the quality-assurance owner who investigates."), field="owner"
                )
            locked.owner = owner
            fields.append("owner")
            data = {"owner": owner.get_username()}
            if from_state == S.CLOSED:
                if not note:
                    raise DomainError(_("Say why the complaint is reopened."), field="note")
                step, kind = STEP_REOPENED, EventKind.COMPLAINT_REOPENED
                locked.cycle += 1
                locked.closed_at = None
                locked.cycle_started_at, locked.solution_escalated_at = now, None
                fields += ["cycle", "closed_at", "cycle_started_at", "solution_escalated_at"]
                data["cycle"] = locked.cycle
        elif to == S.RESPONDED:
            findings = _text(findings, field="findings", limit=4000)
            response = _text(response, field="response", required=True)
            if remedy_offered not in Remedy.values:
                raise DomainError(_("Choose the remedy offered."), field="remedy_offered")
            locked.response, locked.remedy_offered = response, remedy_offered
            fields += ["response", "remedy_offered"]
            if findings:
                locked.findings = findings
                fields.append("findings")
            if locked.responded_at is None:
                locked.responded_at = now
                fields.append("responded_at")
            data = {"remedy_offered": remedy_offered}
            note = note or response
        elif to == S.CLOSED:
            if root_cause not in RootCause.values:
                raise DomainError(_("Choose the root cause."), field="root_cause")
            locked.root_cause, locked.closed_at = root_cause, now
            fields += ["root_cause", "closed_at"]
            data = {"root_cause": root_cause, "customer_accepted": from_state == S.ACCEPTED}
        locked.state = to
        locked.save(update_fields=fields)
        _step(
            locked,
            step=step,
            from_state=from_state,
            to_state=to,
            actor=actor,
            note=note,
            data=data,
            now=now,
        )
        _event(locked, ticket, kind, actor=actor, note=note[:500], data=data)
        if step == STEP_REOPENED:
            # The customer is owed a solution again: a new solution clock, a full budget.
            clock_start(
                ticket=ticket, kind=ClockKind.COMPLAINT_RESOLUTION, now=now, ref=str(locked.pk)
            )
        if to == S.CLOSED:
            # The complaint may have been all that kept the ticket open.
            from .closure import ticket_close_if_done

            ticket_close_if_done(ticket=ticket)
    for field in fields:
        setattr(complaint, field, getattr(locked, field))
    return complaint


def _state_label(state: str) -> str:
    try:
        return str(S(state).label)
    except ValueError:
        return state


# --- what other apps ask of complaints ----------------------------------------------------


def complaint_close_blockers(*, ticket) -> list[str]:
    """Registered in tickets.hooks: an open complaint from the customer keeps the ticket from
    closing. QA's own corrective actions do not (they may outlive a closed job)."""
    open_ = (
        Complaint.objects.filter(ticket_id=ticket.pk)
        .exclude(state=S.CLOSED)
        .exclude(source=ComplaintSource.QA)
    )
    return [CLOSE_BLOCKER] if open_.exists() else []


# --- missed deadlines ------------------------------------------------------------------------

ESCALATION_BATCH = 200
_CLOCK_FIELD = {
    ClockKind.COMPLAINT_RESPONSE: "response_escalated_at",
    ClockKind.COMPLAINT_RESOLUTION: "solution_escalated_at",
}


def _breached(kind: str):
    return Exists(
        SlaClock.objects.filter(
            ticket_id=OuterRef("ticket_id"),
            kind=kind,
            state=SlaClock.State.BREACHED,
            ref=Cast(OuterRef("pk"), output_field=CharField()),
            started_at__gte=OuterRef("cycle_started_at"),
        )
    )


def complaint_escalations_sweep(*, now: dt.datetime | None = None, batch: int = ESCALATION_BATCH):
    """Open complaints whose first-response or solution clock breached: record the breach
    in the complaint's history and on the ticket, once per clock and cycle (a conditional
    update claims it), and tell the owner (or every QA user while nobody owns it).
    The SLA sweep has already breached the clock and walks its escalation chain
    (dispatchers, supervisors, ...). Returns how many breaches were handed over."""
    now = now or timezone.now()
    done = 0
    for kind, field in _CLOCK_FIELD.items():
        candidates = list(
            Complaint.objects.exclude(state=S.CLOSED)
            .filter(_breached(kind), **{f"{field}__isnull": True})
            .order_by("created_at")
            .values_list("pk", "ticket_id")[:batch]
        )
        for complaint_id, ticket_id in candidates:
            with transaction.atomic():
                ticket = (
                    Ticket.objects.select_for_update(skip_locked=True).filter(pk=ticket_id).first()
                )
                if ticket is None:
                    continue  # busy in a transition: the next sweep takes it
                claimed = Complaint.objects.filter(
                    pk=complaint_id, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue
                complaint = Complaint.objects.select_related("owner").get(pk=complaint_id)
                data = {"clock": kind}
                _step(
                    complaint,
                    step=STEP_ESCALATED,
                    from_state=complaint.state,
                    to_state=complaint.state,
                    actor=None,
                    data=data,
                    now=now,
                )
                _event(complaint, ticket, EventKind.COMPLAINT_ESCALATED, actor=None, data=data)
                _notify_owner(complaint, ticket, kind)
                done += 1
    return done


def _notify_owner(complaint: Complaint, ticket: Ticket, kind: str) -> None:
    User = get_user_model()
    if complaint.owner_id:
        users = [complaint.owner]
    else:
        users = list(
            User.objects.filter(is_active=True, groups__name=Role.QUALITY).select_related(
                "staff_profile"
            )
        )
    body = _("Complaint %(ref)s (ticket %(number)s) missed its deadline: “%(clock)s”.") % {
        "ref": complaint.reference,
        "number": ticket.number,
        "clock": ClockKind(kind).label,
    }
    for user in users:
        profile = getattr(user, "staff_profile", None)
        if profile is not None and profile.phone:
            send_sms(to=profile.phone, body=body, purpose="complaint_escalation", ticket=ticket)
        else:
            send_email(
                to=user.email or user.get_username(),
                subject=body[:120],
                body=body,
                purpose="complaint_escalation",
                ticket=ticket,
            )
