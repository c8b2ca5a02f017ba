"""How a visit ends: fixed (completion and the report), waiting for parts, carry-in
repair with a loaner, or a second visit."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.models import OnsiteJob, ServiceReport
from tickets.onsite.selectors import (
    charge_lines,
    charges_total,
    diagnosis_latest,
    report_latest_for_ticket,
)
from tickets.services import ticket_event_record, ticket_transition

from .charges import _money, charged_work_check
from .evidence import handover_check
from .guards import _already_moved_to, _locked_job, _require_status, job_require_engineer
from .payment import _next_receipt_number
from .service_report import _report_issue
from .visits import _visit_book


def needs_diagnosis(ticket: Ticket) -> bool:
    """A repair or a return assessment diagnoses a fault; an installation, a cleaning or
    an inspection records its checklist instead."""
    from tickets import masterdata
    from tickets.models import ServiceKind

    kind = masterdata.service_type(ticket.service_type_id)
    return kind is None or kind.kind in (ServiceKind.REPAIR, ServiceKind.RETURN_ASSESSMENT)


def job_complete(*, ticket: Ticket, engineer_user) -> ServiceReport:
    """Fixed: completion needs a diagnosis (of a repair or assessment), the service type's
    checklist (and an installation's scanned serials), a passed test run, the consent when
    charged, and the customer's signature. Issues the signed service report (version 1)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    with transaction.atomic():
        job = _locked_job(ticket)
        if ticket.__class__.objects.values_list("status", flat=True).get(
            pk=ticket.pk
        ) == Status.COMPLETED and (report := report_latest_for_ticket(ticket)):
            ticket.status = Status.COMPLETED
            return report  # retried submit
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        if needs_diagnosis(ticket) and diagnosis_latest(ticket) is None:
            raise DomainError(_("Record the diagnosis first."), field="diagnosis")
        handover_check(ticket)
        if ticket.status == Status.CARRIED_IN and job.unit_returned_at is None:
            raise TransitionNotAllowed(
                _("The repaired unit has not been returned yet."), field="status"
            )
        total = charges_total(charge_lines(ticket))
        if total > 0:
            charged_work_check(ticket=ticket)
            if not job.settled(total):
                raise DomainError(
                    _(
                        "Record the payment of %(total)s CNY, or mark it as owed with who "
                        "agreed and how it will be collected."
                    )
                    % {"total": _money(total)},
                    field="payment",
                )
        if not job.test_run_at:
            raise DomainError(_("Complete the test-run checklist first."), field="checked")
        if not job.signed_at or not job.signature:
            raise DomainError(_("The customer has not signed yet."), field="signature")
        if ticket.status == Status.ON_SITE:
            job.outcome = OnsiteJob.Outcome.FIXED
        job.completed_at = timezone.now()
        job.save(update_fields=["outcome", "completed_at", "updated_at"])
        ticket_transition(
            ticket=ticket,
            to=Status.COMPLETED,
            actor=engineer_user,
            data={"outcome": job.outcome or OnsiteJob.Outcome.FIXED},
        )
        report = _report_issue(ticket=ticket, job=job, actor=engineer_user)
    return report


def outcome_waiting_for_parts(*, ticket: Ticket, engineer_user, parts_needed: str) -> OnsiteJob:
    """Cannot fix without a part: the job waits (the SLA clock pauses on this status) and
    returns to the engineer when the parts arrive (`parts_arrived`)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if not (parts_needed or "").strip():
        raise DomainError(_("Say which parts are needed."), field="parts_needed")
    with transaction.atomic():
        job = _locked_job(ticket)
        if _already_moved_to(ticket, Status.WAITING_FOR_PARTS):
            return job
        _require_status(ticket, Status.ON_SITE)
        job.outcome = OnsiteJob.Outcome.WAITING_FOR_PARTS
        job.save(update_fields=["outcome", "updated_at"])
        ticket_transition(
            ticket=ticket,
            to=Status.WAITING_FOR_PARTS,
            actor=engineer_user,
            reason=parts_needed.strip(),
            data={"parts_needed": parts_needed.strip()},
        )
    return job


def outcome_carry_in(
    *, ticket: Ticket, engineer_user, loaner_description: str, due_back: dt.date
) -> OnsiteJob:
    """The unit goes to the workshop; the customer gets a loaner and a receipt for it."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if not (loaner_description or "").strip():
        raise DomainError(_("Describe the loaner unit."), field="loaner_description")
    if due_back is None or due_back <= timezone.localdate():
        raise DomainError(_("The due-back date must be after today."), field="due_back")
    with transaction.atomic():
        job = _locked_job(ticket)
        if _already_moved_to(ticket, Status.CARRIED_IN):
            return job
        _require_status(ticket, Status.ON_SITE)
        job.outcome = OnsiteJob.Outcome.CARRY_IN
        job.loaner_description = loaner_description.strip()[:200]
        job.loaner_due_back = due_back
        job.loaner_receipt_number = job.loaner_receipt_number or _next_receipt_number("LN")
        job.save()
        facts = {
            "loaner": job.loaner_description,
            "loaner_receipt_number": job.loaner_receipt_number,
            "due_back": due_back.isoformat(),
        }
        ticket_event_record(ticket=ticket, kind="loaner_issued", actor=engineer_user, data=facts)
        ticket_transition(ticket=ticket, to=Status.CARRIED_IN, actor=engineer_user, data=facts)
    return job


def carry_in_return(*, ticket: Ticket, engineer_user) -> OnsiteJob:
    """The repaired unit is back with the customer (and the loaner collected). Then the test
    run, the signature and completion, as for a fix on the spot."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    with transaction.atomic():
        job = _locked_job(ticket)
        _require_status(ticket, Status.CARRIED_IN)
        if job.unit_returned_at:
            return job
        job.unit_returned_at = timezone.now()
        job.save(update_fields=["unit_returned_at", "updated_at"])
        ticket_event_record(
            ticket=ticket,
            kind="unit_returned",
            actor=engineer_user,
            data={"loaner_receipt_number": job.loaner_receipt_number},
        )
    return job


def outcome_second_visit(
    *,
    ticket: Ticket,
    engineer_user,
    customer_name: str,
    agreed: bool,
    window_start: dt.datetime,
    window_end: dt.datetime,
    reason: str = "",
) -> OnsiteJob:
    """Another visit is needed: with the customer's consent, the next visit is booked as an
    appointment (the same clash check as a booking from the job list)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if not agreed or not (customer_name or "").strip():
        raise DomainError(
            _("The customer must agree to the second visit (tick and enter their name)."),
            field="agreed",
        )
    if window_start is None or window_end is None:
        raise DomainError(_("Give both ends of the visit window."), field="window_start")
    if window_end <= window_start:
        raise DomainError(_("The window must end after it starts."), field="window_end")
    if window_start <= timezone.now():
        raise DomainError(_("The new window must be in the future."), field="window_start")
    with transaction.atomic():
        job = _locked_job(ticket)
        if _already_moved_to(ticket, Status.SCHEDULED):
            return job
        _require_status(ticket, Status.ON_SITE)
        job.outcome = OnsiteJob.Outcome.SECOND_VISIT
        job.save(update_fields=["outcome", "updated_at"])
        _visit_book(
            ticket=ticket,
            engineer_user=engineer_user,
            window_start=window_start,
            window_end=window_end,
            actor=engineer_user,
            reason=(reason or "").strip()[:300],
            facts={
                "second_visit": True,
                "reason_code": "second_visit",
                "customer_consent": customer_name.strip()[:100],
            },
        )
    return job
