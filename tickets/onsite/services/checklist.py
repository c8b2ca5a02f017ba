"""The service type's on-site checklist (installation: the commissioning checklist), the
same recording for every type: each item OK, or a problem with a note."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import masterdata
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import ServiceKind, Ticket
from tickets.onsite.models import ChecklistRecord
from tickets.services import ticket_event_record

from .guards import _locked_job, _require_status, job_require_engineer

NOTE_MAX = 300


def checklist_items(ticket: Ticket) -> list[dict]:
    """The ticket's service type's items: [{"code", "zh_hans", "en"}]."""
    kind = masterdata.service_type(ticket.service_type_id)
    return list(kind.checklist or []) if kind is not None else []


def checklist_record(
    *, ticket: Ticket, engineer_user, results: dict[str, tuple[str, str]]
) -> ChecklistRecord:
    """`results`: {item code: (result, note)}. Every item needs a result; a problem needs
    a note. Recording again replaces the results (a retry stores the same)."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    items = checklist_items(ticket)
    if not items:
        raise DomainError(_("This service type has no checklist."), field="checklist")
    stored: list[dict] = []
    for item in items:
        result, note = results.get(item["code"], ("", ""))
        note = (note or "").strip()
        if result not in ChecklistRecord.Result.values:
            raise DomainError(_("Give a result for every item."), field=f"result_{item['code']}")
        if result == ChecklistRecord.Result.PROBLEM and not note:
            raise DomainError(_("Describe the problem found."), field=f"note_{item['code']}")
        if len(note) > NOTE_MAX:
            raise DomainError(
                _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX},
                field=f"note_{item['code']}",
            )
        stored.append(
            {
                "code": item["code"],
                "label_zh_hans": item.get("zh_hans", ""),
                "label_en": item.get("en", ""),
                "result": result,
                "note": note,
            }
        )
    with transaction.atomic():
        _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE, Status.CARRIED_IN)
        record, _created = ChecklistRecord.objects.update_or_create(
            ticket=ticket,
            defaults={
                "service_type": ticket.service_type_id,
                "results": stored,
                "engineer": engineer_user,
                "recorded_at": timezone.now(),
            },
        )
        ticket_event_record(
            ticket=ticket,
            kind="checklist_recorded",
            actor=engineer_user,
            data={"results": {r["code"]: r["result"] for r in stored}},
        )
    return record


def checklist_check(ticket: Ticket) -> None:
    """Before the customer signs and before completion: the type's checklist is recorded
    for its current items; an installation's commissioning checklist has no problem left
    (the unit is not handed over with a failed leak test)."""
    items = checklist_items(ticket)
    if not items:
        return
    record = ChecklistRecord.objects.filter(ticket=ticket).first()
    if record is None or any(item["code"] not in record.codes for item in items):
        raise DomainError(_("Record the on-site checklist first."), field="checklist")
    kind = masterdata.service_type(ticket.service_type_id)
    if kind.kind == ServiceKind.INSTALLATION and record.problems:
        raise DomainError(
            _("The commissioning checklist has problems: fix them and record it again."),
            field="checklist",
        )
