"""On-site work: check-in, diagnosis, charges and consent, photos, the test run, the
customer's signature, the outcomes and the signed service report.

Every status change goes through `tickets.services.ticket_transition`; every other fact is
also a `TicketEvent`, so the agent's and supervisor's timeline shows the whole visit.
Views, the API and tasks call these functions; they check state, not the HTTP method, so a
retried submit does nothing twice."""

import datetime as dt
import hashlib
import math
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.choices import FaultClass
from tickets.errors import Conflict, DomainError, PermissionDenied, TransitionNotAllowed
from tickets.idempotency import idempotency_claim
from tickets.lifecycle import Status
from tickets.masking import mobile_masked
from tickets.models import Ticket, TicketPhoto
from tickets.roles import STAFF_DESK_ROLES, Role, has_role
from tickets.services import ticket_event_record, ticket_transition
from tickets.warranty import charge_verdict, fee_price, labour_label

from .. import hooks
from . import catalog
from .models import ChargeLine, Diagnosis, OnsiteJob, ServiceReport, content_hash
from .photos import photo_clean, signature_clean
from .selectors import (
    assigned_engineer_user_id,
    charge_lines,
    charges_total,
    diagnosis_latest,
    photos_for_ticket,
    report_latest_for_ticket,
    ticket_times,
)

FAR_FROM_ADDRESS_M = 1000
CHECK_IN_FROM = (Status.SCHEDULED, Status.EN_ROUTE, Status.WAITING_FOR_PARTS)
ZERO = Decimal("0.00")


# --- helpers ------------------------------------------------------------------------------


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def submission_claim(*, ticket: Ticket, user, key: str, action: str) -> bool:
    """Claim an on-site form's one-time key (`tickets.idempotency`); False when a previous
    submit already used it. Call inside the service's transaction."""
    return idempotency_claim(client=user, key=key, scope=f"onsite:{action}", ticket=ticket)


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


def _next_receipt_number(prefix: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('onsite_receipt_seq')")
        (value,) = cursor.fetchone()
    return f"{prefix}-{timezone.localdate():%Y%m%d}-{value:06d}"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


# --- check-in ------------------------------------------------------------------------------


def ticket_check_in(
    *, ticket: Ticket, engineer_user, lat: float | None = None, lng: float | None = None
) -> OnsiteJob:
    """The engineer is at the door: the ticket goes on site (the SLA arrival evidence).
    A location far from the address is flagged for review, never refused."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if (lat is None) != (lng is None):
        lat = lng = None
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(_("The phone sent an impossible location."), field="lat")
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update().select_related("address", "area").get(pk=ticket.pk)
        )
        job, _created = OnsiteJob.objects.select_for_update().get_or_create(
            ticket=locked, defaults={"engineer": engineer_user}
        )
        if locked.status == Status.ON_SITE:
            ticket.status = locked.status
            return job  # a retried check-in: already on site
        if locked.status not in CHECK_IN_FROM:
            raise TransitionNotAllowed(
                _("Book the visit before checking in (the job is “%(status)s”).")
                % {"status": Status(locked.status).label},
                field="status",
            )
        now = timezone.now()
        distance = None
        flagged = False
        if lat is not None:
            ref_lat, ref_lng = locked.address.lat, locked.address.lng
            if ref_lat is None or ref_lng is None:
                ref_lat, ref_lng = locked.area.centroid_lat, locked.area.centroid_lng
            distance = round(distance_m(lat, lng, ref_lat, ref_lng))
            flagged = distance > FAR_FROM_ADDRESS_M
        facts = {
            "lat": lat,
            "lng": lng,
            "distance_m": distance,
            "far_from_address": flagged,
            "visit": job.visits + 1,
        }
        ticket_transition(
            ticket=locked,
            to=Status.ON_SITE,
            actor=engineer_user,
            reason=_("Checked in far from the address") if flagged else "",
            data={"check_in": True, **facts},
        )
        job.engineer = engineer_user
        job.visits += 1
        job.checked_in_at = now
        job.first_arrived_at = job.first_arrived_at or now
        job.check_in_lat, job.check_in_lng = lat, lng
        job.check_in_distance_m = distance
        job.check_in_flagged = job.check_in_flagged or flagged
        job.outcome = ""
        job.save()
        ticket_event_record(ticket=locked, kind="check_in", actor=engineer_user, data=facts)
        _charges_refresh_base_lines(ticket=locked, job=job)
    ticket.status = locked.status
    return job


def check_in_review(*, ticket: Ticket, actor, note: str = "") -> OnsiteJob:
    """A dispatcher or supervisor looked at a check-in far from the address."""
    if not has_role(actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Your role may not review check-ins."))
    with transaction.atomic():
        job = _locked_job(ticket)
        if not job.check_in_flagged:
            raise DomainError(_("This check-in was not flagged."), field="ticket")
        if job.check_in_reviewed_at:
            return job
        job.check_in_reviewed_at = timezone.now()
        job.check_in_reviewed_by = actor
        job.save(update_fields=["check_in_reviewed_at", "check_in_reviewed_by", "updated_at"])
        ticket_event_record(
            ticket=ticket,
            kind="check_in_reviewed",
            actor=actor,
            reason=(note or "").strip(),
            data={"distance_m": job.check_in_distance_m},
        )
    return job


# --- diagnosis -----------------------------------------------------------------------------


def ticket_set_fault_class(*, ticket: Ticket, fault_class: str, actor, reason: str = "") -> None:
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
            data={"from": previous, "to": fault_class},
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
            ticket=ticket, fault_class=fault_class, actor=engineer_user, reason=_("Diagnosis")
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


# --- charges and consent -------------------------------------------------------------------


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
        price = fee_price(kind=kind, category=category, fault_class=ticket.fault_class)
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
    """Out of warranty, the customer's consent must cover the current total."""
    if ticket.in_warranty:
        return False
    return job is None or not job.consent_covers(total)


def charged_work_check(*, ticket: Ticket) -> None:
    """Out of warranty, nothing chargeable happens before the customer has consented to the
    charges as they stand: a part added after the consent that raised the total stops
    charged work until the customer agrees to the new total."""
    if ticket.in_warranty:
        return
    job = OnsiteJob.objects.filter(ticket=ticket).first()
    total = charges_total(charge_lines(ticket))
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


# --- photos ---------------------------------------------------------------------------------


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


# --- fixed: test run, signature, completion -------------------------------------------------


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


def job_complete(*, ticket: Ticket, engineer_user) -> ServiceReport:
    """Fixed: completion needs a diagnosis, a passed test run, the consent when charged, and
    the customer's signature. Issues the signed service report (version 1)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    with transaction.atomic():
        job = _locked_job(ticket)
        if ticket.__class__.objects.values_list("status", flat=True).get(
            pk=ticket.pk
        ) == Status.COMPLETED and (report := report_latest_for_ticket(ticket)):
            ticket.status = Status.COMPLETED
            return report  # retried submit
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        if diagnosis_latest(ticket) is None:
            raise DomainError(_("Record the diagnosis first."), field="diagnosis")
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


# --- other outcomes --------------------------------------------------------------------------


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


def _visit_book(
    *,
    ticket: Ticket,
    engineer_user,
    window_start: dt.datetime,
    window_end: dt.datetime,
    actor,
    reason: str,
    facts: dict,
):
    """Book the next visit as every visit is booked (`hooks.book_visit`: the dispatch app's
    appointment, with its clash check), then the ticket is scheduled. Call holding the
    ticket's row lock; a refused window (a clash) rolls the caller's work back."""
    appointment = hooks.book_visit(
        ticket=ticket,
        engineer_user=engineer_user,
        window_start=window_start,
        window_end=window_end,
    )
    facts = {
        **facts,
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
        "engineer_user_id": engineer_user.pk,
        "appointment_id": getattr(appointment, "pk", None),
    }
    current = Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk)
    if current == Status.SCHEDULED:
        # The booker scheduled the ticket itself: keep the on-site facts on the timeline.
        ticket.status = current
        ticket_event_record(
            ticket=ticket, kind="visit_booked", actor=actor, reason=reason, data=facts
        )
    else:
        ticket_transition(
            ticket=ticket, to=Status.SCHEDULED, actor=actor, reason=reason, data=facts
        )
    return appointment


def parts_arrived(
    *,
    ticket: Ticket,
    actor,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
) -> Ticket:
    """The parts are in: the job goes back to its engineer. With a window agreed, the visit is
    booked (an appointment, as from the job list) and the job is scheduled; otherwise it goes
    to accepted, for the engineer to book the visit."""
    if (window_start is None) != (window_end is None):
        raise DomainError(_("Give both ends of the visit window."), field="window_end")
    if window_start and window_end <= window_start:
        raise DomainError(_("The window must end after it starts."), field="window_end")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != Status.WAITING_FOR_PARTS:
            raise TransitionNotAllowed(_("This job is not waiting for parts."), field="status")
        if window_start:
            engineer_id = assigned_engineer_user_id(locked)
            if engineer_id is None:
                raise TransitionNotAllowed(_("This job has no engineer."), field="status")
            engineer_user = get_user_model().objects.get(pk=engineer_id)
            _visit_book(
                ticket=locked,
                engineer_user=engineer_user,
                window_start=window_start,
                window_end=window_end,
                actor=actor,
                reason=_("Parts arrived"),
                facts={"parts_arrived": True},
            )
        else:
            ticket_transition(
                ticket=locked,
                to=Status.ACCEPTED,
                actor=actor,
                reason=_("Parts arrived"),
                data={"parts_arrived": True},
            )
    ticket.status = locked.status
    return ticket


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
            reason=(reason or "").strip()[:300] or _("Second visit needed"),
            facts={"second_visit": True, "customer_consent": customer_name.strip()[:100]},
        )
    return job


# --- the service report ----------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def report_content_build(*, ticket: Ticket, job: OnsiteJob) -> dict:
    """Everything the customer keeps, as plain data: the PDF and the page render from it."""
    appliance, customer = ticket.appliance, ticket.customer
    diagnosis = diagnosis_latest(ticket)
    lines = charge_lines(ticket)
    engineer = job.engineer
    times = ticket_times(ticket)
    return {
        "ticket": {"id": ticket.pk, "number": ticket.number, "created_at": _iso(ticket.created_at)},
        "customer": {
            "name": customer.name,
            "mobile": mobile_masked(customer.mobile),
            "address": ticket.address.line,
        },
        "appliance": {
            "category": appliance.category,
            "category_label": str(appliance.get_category_display()),
            "brand": appliance.brand,
            "model": appliance.model_number,
            "serial": appliance.serial_number,
            "in_warranty": ticket.in_warranty,
        },
        "diagnosis": {
            "fault": diagnosis.fault,
            "fault_label": catalog.fault_label(appliance.category, diagnosis.fault),
            "cause": diagnosis.cause,
            "cause_label": catalog.cause_label(appliance.category, diagnosis.cause),
            "fault_class": diagnosis.fault_class,
            "fault_class_label": str(FaultClass(diagnosis.fault_class).label),
            "notes": diagnosis.notes,
        }
        if diagnosis
        else None,
        "parts": hooks.parts_for_ticket(ticket=ticket),
        "charges": {
            "lines": [
                {
                    "kind": line.kind,
                    "description": line.description,
                    "quantity": line.quantity,
                    "list_price": _money(line.list_price),
                    "amount": _money(line.amount),
                    "free": line.free,
                    "free_reason": line.free_reason,
                    "free_detail": line.free_detail,
                }
                for line in lines
            ],
            "total": _money(charges_total(lines)),
            "consent_name": job.consent_name,
            "consent_at": _iso(job.consent_at),
            "receipt_number": job.receipt_number or "",
            "payment_method": job.payment_method,
            "payment_reference": job.payment_reference,
            "paid": job.paid,
            "owed": {
                "amount": _money(job.owed_amount or ZERO),
                "agreed_by": job.owed_agreed_by,
                "collection": job.owed_collection,
            }
            if job.owed
            else None,
        },
        "photos": [{"id": p.pk, "kind": p.kind} for p in photos_for_ticket(ticket)],
        "times": {key: _iso(value) for key, value in times.items()},
        "engineer": {
            "name": engineer.get_full_name() or engineer.get_username(),
            "username": engineer.get_username(),
        },
        "test_run": [
            {"code": code, "label": str(label), "passed": bool(job.test_run.get(code))}
            for code, label in catalog.checklist_for(appliance.category)
        ],
        "outcome": job.outcome,
        "loaner": {
            "description": job.loaner_description,
            "receipt_number": job.loaner_receipt_number,
            "due_back": _iso(job.loaner_due_back),
            "returned_at": _iso(job.unit_returned_at),
        }
        if job.loaner_description
        else None,
        "signature": {
            "signer_name": job.signer_name,
            "signed_at": _iso(job.signed_at),
            "sha256": hashlib.sha256(_read(job.signature)).hexdigest() if job.signature else "",
        },
    }


def _read(field_file) -> bytes:
    field_file.open("rb")
    try:
        return field_file.read()
    finally:
        field_file.close()


def _report_issue(*, ticket: Ticket, job: OnsiteJob, actor) -> ServiceReport:
    """Version 1, at completion. Call inside the completion's transaction."""
    content = report_content_build(ticket=ticket, job=job)
    content["version"] = 1
    report = ServiceReport(
        ticket=ticket,
        version=1,
        content=content,
        content_sha256=content_hash(content),
        issued_by=actor,
    )
    report.signature.save(f"{uuid.uuid4().hex}.png", ContentFile(_read(job.signature)), save=False)
    report.save()
    ticket_event_record(
        ticket=ticket,
        kind="report_issued",
        actor=actor,
        data={"report_id": report.pk, "version": 1, "sha256": report.content_sha256},
    )
    return report


CORRECTABLE_SECTIONS = ("appliance", "diagnosis", "charges", "parts")


def report_correct(*, report: ServiceReport, actor, reason: str, changes: dict) -> ServiceReport:
    """A signed report never changes; a correction is a new version linked to the previous
    one, with the reason. Only the latest version can be corrected."""
    if not has_role(actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.ENGINEER):
        raise PermissionDenied(_("Your role may not correct service reports."))
    if has_role(actor, Role.ENGINEER) and not has_role(
        actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN
    ):
        if assigned_engineer_user_id(report.ticket) != actor.pk:
            raise PermissionDenied(_("Your role may not correct service reports."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the correction."), field="reason")
    unknown = set(changes) - set(CORRECTABLE_SECTIONS)
    if unknown or not changes:
        raise DomainError(_("Nothing to correct."), field="changes")
    with transaction.atomic():
        Ticket.objects.select_for_update().get(pk=report.ticket_id)
        latest = report_latest_for_ticket(report.ticket)
        if latest.pk != report.pk:
            raise Conflict(
                _("This version was already corrected; correct the latest version."),
                field="report",
            )
        content = {**report.content}
        for section, value in changes.items():
            if isinstance(value, dict) and isinstance(content.get(section), dict):
                content[section] = {**content[section], **value}
            else:
                content[section] = value
        content["version"] = report.version + 1
        content["corrects"] = {
            "version": report.version,
            "sha256": report.content_sha256,
            "reason": reason.strip(),
        }
        new = ServiceReport(
            ticket_id=report.ticket_id,
            version=report.version + 1,
            previous=report,
            content=content,
            content_sha256=content_hash(content),
            reason=reason.strip(),
            issued_by=actor,
            signature=report.signature.name,  # the customer's signature is the same file
        )
        new.save()
        ticket_event_record(
            ticket=report.ticket,
            kind="report_corrected",
            actor=actor,
            reason=reason.strip(),
            data={"report_id": new.pk, "version": new.version, "previous_id": report.pk},
        )
    return new
