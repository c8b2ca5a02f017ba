"""Reads for on-site work, and the access rules: which engineer may work a job, who may see
its photos and its report."""

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tickets.errors import NotFound
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketEvent, TicketPhoto
from tickets.roles import Role, has_role
from tickets.selectors import ticket_get_for_user, ticket_queryset_for_user

from .charge_display import part_line_names
from .models import ChargeLine, Diagnosis, OnsiteJob, ServiceReport

# Statuses in which the assigned engineer works the job.
WORKING_STATUSES = (
    Status.ACCEPTED,
    Status.SCHEDULED,
    Status.EN_ROUTE,
    Status.ON_SITE,
    Status.WAITING_FOR_PARTS,
    Status.CARRIED_IN,
)
# After the work: the engineer may still open the report and photos of their own job.
FINISHED_STATUSES = (Status.COMPLETED, Status.CALLBACK_DONE, Status.CLOSED)

# The engineer's call to the customer (dispatch.services.customer_call_log); only a call
# with outcome "reached" counts as contact.
CONTACT_EVENT_KINDS = ("customer_call",)


def assigned_engineer_user_id(ticket: Ticket) -> int | None:
    """The engineer named by the latest assignment. Dispatch writes every assignment through
    `ticket_transition(to=assigned, data={"engineer_user_id": ...})`, so the event log is the
    authority and tickets need not import dispatch."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, kind="status", to_status=Status.ASSIGNED)
        .order_by("-created_at", "-id")
        .only("data")
        .first()
    )
    if event is None:
        return None
    value = event.data.get("engineer_user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _ticket_qs() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("customer", "appliance", "address", "area")


def job_get_for_engineer(*, user, ticket_id, include_finished: bool = False) -> Ticket:
    """The job if `user` is an engineer, the latest assignment names them, and the ticket is
    in a working status (or finished, when asked). Anything else: NotFound, so an engineer
    cannot even learn that someone else's job exists."""
    if not has_role(user, Role.ENGINEER):
        raise NotFound(_("Job not found."))
    statuses = WORKING_STATUSES + (FINISHED_STATUSES if include_finished else ())
    try:
        ticket = _ticket_qs().get(pk=ticket_id, status__in=statuses)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Job not found.")) from None
    if assigned_engineer_user_id(ticket) != user.pk:
        raise NotFound(_("Job not found."))
    return ticket


def ticket_get_for_onsite_viewer(*, user, ticket_id) -> Ticket:
    """Who may see a job's photos and report: its engineer (also after completion) and the
    desk roles that may see the ticket."""
    if has_role(user, Role.ENGINEER):
        try:
            return job_get_for_engineer(user=user, ticket_id=ticket_id, include_finished=True)
        except NotFound:
            if not has_role(user, Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN):
                raise
    return ticket_get_for_user(user=user, ticket_id=ticket_id)


def photo_get_for_user(*, user, photo_id) -> TicketPhoto:
    try:
        photo = TicketPhoto.objects.get(pk=photo_id)
    except (TicketPhoto.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Photo not found.")) from None
    ticket_get_for_onsite_viewer(user=user, ticket_id=photo.ticket_id)
    return photo


def onsite_job_for(ticket: Ticket) -> OnsiteJob | None:
    return OnsiteJob.objects.filter(ticket=ticket).first()


def diagnosis_latest(ticket: Ticket) -> Diagnosis | None:
    return Diagnosis.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()


def charge_lines(ticket: Ticket) -> list[ChargeLine]:
    """The ticket's lines, each part line with its catalogue names (one query for all)."""
    lines = list(ChargeLine.objects.filter(ticket=ticket).order_by("created_at", "id"))
    part_line_names(lines)
    return lines


def charges_total(lines: list[ChargeLine]) -> Decimal:
    return sum((line.total for line in lines), Decimal("0.00"))


def photos_for_ticket(ticket: Ticket) -> list[TicketPhoto]:
    return list(TicketPhoto.objects.filter(ticket=ticket).order_by("created_at", "id"))


def report_latest_for_ticket(ticket: Ticket) -> ServiceReport | None:
    """The newest version of the ticket's signed service report, or None."""
    return ServiceReport.objects.filter(ticket=ticket).order_by("-version").first()


def report_get_for_user(*, user, report_id) -> ServiceReport:
    try:
        report = ServiceReport.objects.get(pk=report_id)
    except (ServiceReport.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Report not found.")) from None
    ticket_get_for_onsite_viewer(user=user, ticket_id=report.ticket_id)
    return report


def ticket_times(ticket: Ticket) -> dict:
    """Reported / contacted / arrived / completed, from the event log."""
    events = TicketEvent.objects.filter(ticket=ticket).only(
        "kind", "to_status", "data", "created_at"
    )
    times = {"reported": ticket.created_at, "contacted": None, "arrived": None, "completed": None}
    for event in events:  # ordered by created_at
        if event.kind in CONTACT_EVENT_KINDS and event.data.get("outcome", "reached") == "reached":
            times["contacted"] = times["contacted"] or event.created_at
        elif event.kind == "status" and event.to_status == Status.ON_SITE:
            times["arrived"] = times["arrived"] or event.created_at
        elif event.kind == "status" and event.to_status == Status.COMPLETED:
            times["completed"] = event.created_at
    return times


def flagged_check_ins(*, user, limit: int = 100) -> list[OnsiteJob]:
    """Check-ins far from the address, not yet reviewed, in the tickets the user may see."""
    tickets = ticket_queryset_for_user(user)
    return list(
        OnsiteJob.objects.filter(
            check_in_flagged=True, check_in_reviewed_at__isnull=True, ticket__in=tickets
        )
        .select_related("ticket", "ticket__address", "ticket__area", "engineer")
        .order_by("-checked_in_at")[:limit]
    )


def owed_jobs(*, user, limit: int = 200) -> list[OnsiteJob]:
    """Amounts owed and not yet collected, oldest first, in the tickets the user may see."""
    tickets = ticket_queryset_for_user(user)
    return list(
        OnsiteJob.objects.filter(
            owed_at__isnull=False, owed_collected_at__isnull=True, ticket__in=tickets
        )
        .select_related("ticket", "ticket__customer", "ticket__area", "engineer")
        .order_by("owed_at")[:limit]
    )
