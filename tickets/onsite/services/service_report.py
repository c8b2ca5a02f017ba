"""The signed service report: its content, version 1 at completion, and corrections as
new versions."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from tickets import hooks
from tickets.choices import FaultClass
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.masking import mobile_masked
from tickets.models import Ticket
from tickets.onsite import catalog
from tickets.onsite.charge_display import charge_line_labels, quantity_json
from tickets.onsite.models import OnsiteJob, ServiceReport, content_hash
from tickets.onsite.selectors import (
    assigned_engineer_user_id,
    charge_lines,
    charges_total,
    diagnosis_latest,
    photos_for_ticket,
    report_latest_for_ticket,
    ticket_times,
)
from tickets.roles import Role, has_role
from tickets.services import ticket_event_record

from .charges import ZERO, _money


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
                    **charge_line_labels(line),
                    "quantity": quantity_json(line.quantity),
                    "unit": line.unit,
                    "list_price": _money(line.list_price),
                    "amount": _money(line.amount),
                    "line_total": _money(line.total),
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
        "checklist": _checklist_content(ticket),
        "installed_units": [
            {
                "category": a.category,
                "model": a.model_number,
                "serial": a.serial_number,
                "installed_on": _iso(a.installed_on),
            }
            for a in ticket.installed_appliances.order_by("id")
        ],
        "one_stop_checks": [
            {
                "appliance": str(c.appliance),
                "category": c.appliance.category,
                "brand": c.appliance.brand,
                "model": c.appliance.model_number,
                "serial": c.appliance.serial_number,
                "result": c.result,
                "result_label": str(c.get_result_display()),
                "note": c.note,
                "repair_ticket": c.repair_ticket.number if c.repair_ticket else None,
            }
            for c in ticket.one_stop_checks.select_related("appliance", "repair_ticket")
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


def _checklist_content(ticket: Ticket) -> list[dict]:
    from tickets.languages import in_language
    from tickets.onsite.models import ChecklistRecord

    record = ChecklistRecord.objects.filter(ticket=ticket).first()
    if record is None:
        return []
    return [
        {
            "code": r["code"],
            "label": in_language(r.get("label_zh_hans", ""), r.get("label_en", "")) or r["code"],
            "label_zh_hans": r.get("label_zh_hans", ""),
            "label_en": r.get("label_en", ""),
            "result": r.get("result"),
            "note": r.get("note", ""),
        }
        for r in record.results
    ]


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
