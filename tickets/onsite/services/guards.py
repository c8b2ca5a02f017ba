"""Who may work a job, the row locks, the status checks and the one-time form keys."""

from django.utils.translation import gettext as _

from tickets.errors import PermissionDenied, TransitionNotAllowed
from tickets.idempotency import idempotency_claim
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.models import OnsiteJob
from tickets.onsite.selectors import assigned_engineer_user_id
from tickets.roles import Role, has_role


def submission_claim(*, ticket: Ticket, user, key: str, action: str) -> bool:
    """Claim an on-site form's one-time key (`tickets.idempotency`); False when a previous
    submit already used it. Call inside the service's transaction."""
    return idempotency_claim(client=user, key=key, scope=f"onsite:{action}", ticket_id=ticket.pk)


def job_require_engineer(*, ticket: Ticket, engineer_user) -> None:
    if not has_role(engineer_user, Role.ENGINEER) or (
        assigned_engineer_user_id(ticket) != engineer_user.pk
    ):
        raise PermissionDenied(_("This job is not assigned to you."))


def _already_moved_to(ticket: Ticket, status: str) -> bool:
    """A retried submit: the ticket (locked by the caller) already made this move, so the
    service returns what it did the first time instead of refusing or acting twice."""
    if Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk) != status:
        return False
    ticket.status = status
    return True


def _locked_job(ticket: Ticket) -> OnsiteJob:
    """Lock the ticket row, then the job (always in this order: no deadlocks)."""
    Ticket.objects.select_for_update().only("id").get(pk=ticket.pk)
    job = OnsiteJob.objects.select_for_update().filter(ticket=ticket).first()
    if job is None:
        raise TransitionNotAllowed(_("Check in on site first."), field="status")
    return job


def _require_status(ticket: Ticket, *statuses: str) -> None:
    current = Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk)
    ticket.status = current
    if current not in statuses:
        raise TransitionNotAllowed(
            _("Not possible while the job is “%(status)s”.") % {"status": Status(current).label},
            field="status",
        )
