"""Charge lines from the fee schedule and the parts, free or not (tickets.warranty), and
the customer's consent to the total."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.choices import labour_label
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.models import ChargeLine, OnsiteJob
from tickets.onsite.selectors import charge_lines, charges_total
from tickets.services import ticket_event_record
from tickets.warranty import charge_verdict, fee_price

from .guards import _locked_job, _require_status, job_require_engineer

ZERO = Decimal("0.00")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _line_fields(ticket: Ticket, *, kind: str, list_price: Decimal, component: str = "") -> dict:
    verdict = charge_verdict(ticket=ticket, kind=kind, component=component)
    return {
        "list_price": list_price,
        "amount": ZERO if verdict.free else list_price,
        "free": verdict.free,
        "free_reason": verdict.reason,
        "free_detail": verdict.detail,
    }


def _charges_refresh_base_lines(*, ticket: Ticket, job: OnsiteJob) -> None:
    """Call-out and labour from the published fee schedule for the current fault class (free
    in warranty or when waived). A change after the customer's consent that raises the total
    needs their consent again (`charged_work_check`)."""
    category = ticket.appliance.category
    for kind, label in (
        (ChargeLine.Kind.CALL_OUT, _("Call-out fee")),
        (ChargeLine.Kind.LABOUR, labour_label(ticket.fault_class)),
    ):
        price = fee_price(
            kind=kind,
            category=category,
            fault_class=ticket.fault_class,
            service_type=ticket.service_type_id,
        )
        if price is None:
            ChargeLine.objects.filter(ticket=ticket, kind=kind).delete()
            continue
        ChargeLine.objects.update_or_create(
            ticket=ticket,
            kind=kind,
            defaults={
                "description": str(label),
                **_line_fields(ticket, kind=kind, list_price=price),
            },
        )


def consent_pending(*, ticket: Ticket, job: OnsiteJob | None, total: Decimal) -> bool:
    """Out of warranty, or in warranty with something charged anyway (materials beyond
    the free allowance), the customer's consent must cover the current total."""
    if ticket.in_warranty and total <= 0:
        return False
    return job is None or not job.consent_covers(total)


def _charged_anyway(ticket: Ticket) -> bool:
    """In warranty, a line may still cost something: a material beyond the allowance."""
    return ChargeLine.objects.filter(ticket=ticket, free=False, amount__gt=0).exists()


def charged_work_check(*, ticket: Ticket) -> None:
    """Out of warranty (or in warranty once something is charged anyway), nothing
    chargeable happens before the customer has consented to the charges as they stand: a
    part or material added after the consent that raised the total stops charged work
    until the customer agrees to the new total."""
    if ticket.in_warranty and not _charged_anyway(ticket):
        return
    job = OnsiteJob.objects.filter(ticket=ticket).first()
    total = charges_total(charge_lines(ticket))
    if ticket.in_warranty and total <= 0:
        return
    if job is None or not job.consented:
        raise DomainError(
            _("Out of warranty: record the customer's consent to the charges first."),
            field="consent",
        )
    if not job.consent_covers(total):
        raise DomainError(
            _(
                "The charges grew to %(total)s CNY since the customer agreed to "
                "%(agreed)s CNY: ask for their consent to the new total."
            )
            % {"total": _money(total), "agreed": _money(job.consent_total or ZERO)},
            field="consent",
        )


def charge_line_add_part(
    *,
    ticket: Ticket,
    description: str,
    list_price: Decimal,
    quantity: int,
    source: str,
    component: str = "",
) -> ChargeLine:
    """A part's line at catalogue price: free in warranty, or while the part's own component
    term (`component`, a `tickets.choices.Component`) covers the appliance. Called by the
    spare-parts app inside its own transaction, after `charged_work_check`."""
    line, _created = ChargeLine.objects.get_or_create(
        ticket=ticket,
        source=source,
        defaults={
            "kind": ChargeLine.Kind.PART,
            "description": description[:200],
            "quantity": quantity,
            **_line_fields(
                ticket, kind=ChargeLine.Kind.PART, list_price=list_price, component=component
            ),
        },
    )
    return line


def charges_consent(
    *, ticket: Ticket, engineer_user, customer_name: str, agreed: bool
) -> OnsiteJob:
    """The customer saw the lines and the total on the phone and agreed to that total. When
    the charges grew since, they agree again to the new total."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if not agreed:
        raise DomainError(_("The customer must tick that they agree."), field="agreed")
    if not (customer_name or "").strip():
        raise DomainError(_("Enter the name of the person agreeing."), field="customer_name")
    with transaction.atomic():
        job = _locked_job(ticket)
        lines = charge_lines(ticket)
        total = charges_total(lines)
        if job.consent_covers(total):
            return job  # retried submit, or nothing new to agree to
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        previous = job.consent_total if job.consented else None
        job.consent_name = customer_name.strip()[:100]
        job.consent_at = timezone.now()
        job.consent_total = total
        job.save(update_fields=["consent_name", "consent_at", "consent_total", "updated_at"])
        ticket_event_record(
            ticket=ticket,
            kind="charges_consented",
            actor=engineer_user,
            data={
                "customer_name": job.consent_name,
                "total": _money(total),
                "previous_total": _money(previous) if previous is not None else None,
                "lines": [
                    {"description": line.description, "amount": _money(line.amount)}
                    for line in lines
                ],
            },
        )
    return job
