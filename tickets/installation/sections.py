"""What the desk's ticket page shows of installation and on-site checks (through the
`staff_ticket_sections` hook, like the other apps' sections): the delivery and the
installed units, the checklist results, and the one-stop checks linked both ways."""

from tickets import hooks
from tickets.languages import in_language
from tickets.models import Appliance
from tickets.onsite.models import ChecklistRecord, OneStopCheck

from .models import Delivery


def onsite_sections(*, ticket, user) -> list[dict]:
    delivery = (
        Delivery.objects.filter(ticket=ticket).select_related("partner").first()
        if ticket.service_type_id == "installation" or ticket.appliance.delivery_id
        else None
    )
    units = list(Appliance.objects.filter(installation_ticket=ticket).order_by("id"))
    record = ChecklistRecord.objects.filter(ticket=ticket).first()
    checks = list(
        OneStopCheck.objects.filter(ticket=ticket).select_related("appliance", "repair_ticket")
    )
    origin = (
        OneStopCheck.objects.filter(repair_ticket=ticket).select_related("ticket").first()
        if ticket.related_ticket_id
        else None
    )
    if not (delivery or units or record or checks or origin):
        return []
    checklist = [
        {
            "label": in_language(r.get("label_zh_hans", ""), r.get("label_en", "")) or r["code"],
            "ok": r.get("result") == ChecklistRecord.Result.OK,
            "note": r.get("note", ""),
        }
        for r in (record.results if record else [])
    ]
    return [
        {
            "template": "installation/_ticket_section.html",
            "context": {
                "ticket": ticket,
                "delivery": delivery,
                "delivery_lines": list(delivery.lines.all()) if delivery else [],
                "units": units,
                "checklist": checklist,
                "checklist_record": record,
                "checks": checks,
                "origin": origin,
            },
        }
    ]


hooks.add_staff_ticket_section(onsite_sections)
