"""Evidence of the repair: photos, the test run and the customer's signature."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketPhoto
from tickets.onsite import catalog
from tickets.onsite.models import OnsiteJob
from tickets.onsite.photos import photo_clean, signature_clean
from tickets.services import ticket_event_record

from .checklist import checklist_check
from .guards import _locked_job, _require_status, job_require_engineer, submission_claim


def handover_check(ticket: Ticket) -> None:
    """What must be done before the customer signs (acceptance of an installation): the
    service type's checklist, and on an installation every delivered unit's serial."""
    from tickets.installation.services import is_installation, units_missing

    if is_installation(ticket):
        missing = units_missing(ticket)
        if missing:
            raise DomainError(
                _("Scan the serial of every unit first (%(n)d to go).") % {"n": missing},
                field="serial_number",
            )
    checklist_check(ticket)


def photo_add(
    *, ticket: Ticket, engineer_user, upload, kind: str = TicketPhoto.Kind.FAULT, key: str = ""
) -> TicketPhoto | None:
    """Store a checked, re-encoded photo of the fault or the replaced part. None on a retry."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if kind not in TicketPhoto.Kind.values:
        raise DomainError(_("Choose what the photo shows."), field="kind")
    if upload is None:
        raise DomainError(_("Choose or take a photo."), field="image")
    data = photo_clean(upload)
    with transaction.atomic():
        _locked_job(ticket)
        if not submission_claim(ticket=ticket, user=engineer_user, key=key, action="photo"):
            return None
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        photo = TicketPhoto(ticket=ticket, kind=kind, uploaded_by=engineer_user)
        photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
        photo.save()
        ticket_event_record(
            ticket=ticket,
            kind="photo_added",
            actor=engineer_user,
            data={"photo_id": photo.pk, "kind": kind, "bytes": len(data)},
        )
    return photo


def test_run_record(*, ticket: Ticket, engineer_user, checked: list[str]) -> OnsiteJob:
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    items = [code for code, _label in catalog.checklist_for(ticket.appliance.category)]
    missing = [code for code in items if code not in set(checked)]
    if missing:
        raise DomainError(
            _("Every test-run check must pass before the customer signs."), field="checked"
        )
    with transaction.atomic():
        job = _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        job.test_run = {code: True for code in items}
        job.test_run_at = timezone.now()
        job.save(update_fields=["test_run", "test_run_at", "updated_at"])
        ticket_event_record(
            ticket=ticket, kind="test_run", actor=engineer_user, data={"passed": items}
        )
    return job


def signature_record(
    *, ticket: Ticket, engineer_user, signer_name: str, data_url: str
) -> OnsiteJob:
    """The customer signs on the phone's screen (a PNG from the signature pad)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if not (signer_name or "").strip():
        raise DomainError(_("Enter the name of the person signing."), field="signer_name")
    png = signature_clean(data_url)
    with transaction.atomic():
        job = _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        if ticket.status == Status.CARRIED_IN and job.unit_returned_at is None:
            raise TransitionNotAllowed(
                _("Record the repaired unit's return before the customer signs."),
                field="status",
            )
        if not job.test_run_at:
            raise DomainError(_("Complete the test-run checklist first."), field="checked")
        handover_check(ticket)
        job.signature.save(f"{uuid.uuid4().hex}.png", ContentFile(png), save=False)
        job.signer_name = signer_name.strip()[:100]
        job.signed_at = timezone.now()
        job.save()
        ticket_event_record(
            ticket=ticket,
            kind="signed",
            actor=engineer_user,
            data={
                "signer_name": job.signer_name,
                "sha256": hashlib.sha256(png).hexdigest(),
            },
        )
    return job
