"""Payment on site (with a receipt number), or the amount owed and its collection."""

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, PermissionDenied
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.models import OnsiteJob
from tickets.onsite.selectors import charge_lines, charges_total
from tickets.roles import STAFF_DESK_ROLES, has_role
from tickets.services import ticket_event_record

from .charges import ZERO, _money, charged_work_check
from .guards import _locked_job, _require_status, job_require_engineer


def _next_receipt_number(prefix: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('onsite_receipt_seq')")
        (value,) = cursor.fetchone()
    return f"{prefix}-{timezone.localdate():%Y%m%d}-{value:06d}"


def _chargeable_total(ticket: Ticket) -> Decimal:
    """Call with the job locked: the consent must cover what is charged now."""
    charged_work_check(ticket=ticket)
    return charges_total(charge_lines(ticket))


def payment_record(
    *, ticket: Ticket, engineer_user, method: str, reference: str = "", paid: bool
) -> OnsiteJob:
    """How the customer paid (cash, or a QR payment and its reference); gives a receipt number.
    Paid covers the total as it stands (`paid_total`)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if method not in OnsiteJob.PaymentMethod.values:
        raise DomainError(_("Choose how the customer paid."), field="payment_method")
    reference = (reference or "").strip()
    if method == OnsiteJob.PaymentMethod.QR and paid and not reference:
        raise DomainError(
            _("Enter the payment reference shown after the QR payment."),
            field="payment_reference",
        )
    with transaction.atomic():
        job = _locked_job(ticket)
        total = _chargeable_total(ticket)
        paid_total = total if paid else None
        if job.receipt_number and (
            job.payment_method,
            job.payment_reference,
            job.paid,
            job.paid_total,
        ) == (method, reference[:64], paid, paid_total):
            return job  # a retried submit: nothing changed
        if job.receipt_number is None:
            job.receipt_number = _next_receipt_number("RC")
        job.payment_method = method
        job.payment_reference = reference[:64]
        if paid and not job.paid:
            job.paid_at = timezone.now()
        job.paid = paid
        job.paid_total = paid_total
        job.save()
        ticket_event_record(
            ticket=ticket,
            kind="payment_recorded",
            actor=engineer_user,
            data={
                "receipt_number": job.receipt_number,
                "method": method,
                "reference": job.payment_reference,
                "paid": paid,
                "total": _money(total),
            },
        )
    return job


def payment_owed_record(
    *, ticket: Ticket, engineer_user, agreed_by: str, collection: str, note: str = ""
) -> OnsiteJob:
    """The customer cannot pay on site: what is not paid is owed, with the name of who agreed
    and how it will be collected. The desk follows it up (`owed_jobs`, `owed_collected`)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    agreed_by = (agreed_by or "").strip()
    if not agreed_by:
        raise DomainError(
            _("Enter the name of the person who agreed to pay later."), field="agreed_by"
        )
    if collection not in OnsiteJob.OwedCollection.values:
        raise DomainError(_("Choose how the amount will be collected."), field="collection")
    with transaction.atomic():
        job = _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        total = _chargeable_total(ticket)
        paid = (job.paid_total or ZERO) if job.paid else ZERO
        owed = total - paid
        if owed <= 0:
            raise DomainError(_("Nothing is left to pay."), field="collection")
        if job.owed and job.owed_amount == owed:
            return job  # retried submit
        job.owed_amount = owed
        job.owed_agreed_by = agreed_by[:100]
        job.owed_collection = collection
        job.owed_note = (note or "").strip()[:300]
        job.owed_at = timezone.now()
        job.owed_recorded_by = engineer_user
        job.owed_collected_at = None
        job.owed_collected_by = None
        job.save()
        ticket_event_record(
            ticket=ticket,
            kind="payment_owed",
            actor=engineer_user,
            reason=job.owed_note,
            data={
                "amount": _money(owed),
                "agreed_by": job.owed_agreed_by,
                "collection": collection,
            },
        )
    return job


def owed_collected(*, ticket: Ticket, actor, note: str = "") -> OnsiteJob:
    """The desk received an owed amount."""
    if not has_role(actor, *STAFF_DESK_ROLES):
        raise PermissionDenied(_("Your role may not record collected payments."))
    with transaction.atomic():
        job = _locked_job(ticket)
        if not job.owed:
            raise DomainError(_("Nothing is owed on this job."), field="ticket")
        if job.owed_collected_at:
            return job
        job.owed_collected_at = timezone.now()
        job.owed_collected_by = actor
        job.save(update_fields=["owed_collected_at", "owed_collected_by", "updated_at"])
        ticket_event_record(
            ticket=ticket,
            kind="owed_collected",
            actor=actor,
            reason=(note or "").strip()[:300],
            data={"amount": _money(job.owed_amount or ZERO)},
        )
    return job
