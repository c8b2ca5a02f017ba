"""What the engineer found, and the fault class it sets (labour, certification)."""

from django.db import transaction
from django.utils.translation import gettext as _

from tickets.choices import FaultClass
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite import catalog
from tickets.onsite.models import Diagnosis, OnsiteJob
from tickets.services import ticket_event_record, ticket_transition

from .charges import _charges_refresh_base_lines
from .guards import _locked_job, _require_status, job_require_engineer, submission_claim


def ticket_set_fault_class(
    *, ticket: Ticket, fault_class: str, actor, reason: str = "", reason_code: str = ""
) -> None:
    """Change how hard the fault is (it sets labour and the certification needed)."""
    if fault_class not in FaultClass.values:
        raise DomainError(_("Unknown fault class."), field="fault_class")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.fault_class == fault_class:
            return
        previous = locked.fault_class
        locked.fault_class = fault_class
        locked.save(update_fields=["fault_class", "updated_at"])
        ticket_event_record(
            ticket=locked,
            kind="fault_class_changed",
            actor=actor,
            reason=reason,
            data={
                "from": previous,
                "to": fault_class,
                **({"reason_code": reason_code} if reason_code else {}),
            },
        )
    ticket.fault_class = fault_class


def diagnosis_record(
    *,
    ticket: Ticket,
    engineer_user,
    fault: str,
    cause: str,
    fault_class: str = "",
    notes: str = "",
    needs_senior: bool = False,
    senior_reason: str = "",
    key: str = "",
) -> Diagnosis | None:
    """Record what was found. "Needs a senior engineer" hands the job back to dispatch as a
    complex fault, keeping this diagnosis for the senior engineer. None on a retried submit."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    category = ticket.appliance.category
    if fault not in {c for c, _l, _f in catalog.faults_for(category)}:
        raise DomainError(_("Choose the fault from the list."), field="fault")
    if cause not in {c for c, _l in catalog.causes_for(category)}:
        raise DomainError(_("Choose the cause from the list."), field="cause")
    fault_class = fault_class or catalog.usual_fault_class(category, fault) or ticket.fault_class
    if fault_class not in FaultClass.values:
        raise DomainError(_("Unknown fault class."), field="fault_class")
    if needs_senior:
        fault_class = FaultClass.COMPLEX
        if not (senior_reason or "").strip():
            raise DomainError(_("Say why a senior engineer is needed."), field="senior_reason")
    with transaction.atomic():
        job = _locked_job(ticket)
        if not submission_claim(ticket=ticket, user=engineer_user, key=key, action="diagnosis"):
            return None
        _require_status(ticket, Status.ON_SITE)
        diagnosis = Diagnosis.objects.create(
            ticket=ticket,
            engineer=engineer_user,
            fault=fault,
            cause=cause,
            fault_class=fault_class,
            notes=(notes or "").strip(),
            needs_senior=needs_senior,
        )
        ticket_event_record(
            ticket=ticket,
            kind="diagnosis",
            actor=engineer_user,
            reason=diagnosis.notes,
            data={
                "diagnosis_id": diagnosis.pk,
                "fault": fault,
                "cause": cause,
                "fault_class": fault_class,
                "needs_senior": needs_senior,
            },
        )
        ticket_set_fault_class(
            ticket=ticket, fault_class=fault_class, actor=engineer_user, reason_code="diagnosis"
        )
        if needs_senior:
            job.outcome = OnsiteJob.Outcome.NEEDS_SENIOR
            job.save(update_fields=["outcome", "updated_at"])
            ticket_transition(
                ticket=ticket,
                to=Status.AWAITING_DISPATCH,
                actor=engineer_user,
                reason=senior_reason.strip(),
                data={"needs_senior": True, "diagnosis_id": diagnosis.pk},
            )
        else:
            _charges_refresh_base_lines(ticket=ticket, job=job)
    return diagnosis
