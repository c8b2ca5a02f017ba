"""What the proactive side plugs into tickets (tickets.hooks): the plan section on the
desk's ticket page of a plan visit."""

from tickets import hooks

from .forms import FindingForm
from .models import PlanVisit


def plan_visit_section(*, ticket, user) -> list[dict]:
    visit = (
        PlanVisit.objects.filter(ticket_id=ticket.pk).select_related("plan__service_type").first()
    )
    if visit is None:
        return []
    findings = list(ticket.follow_ups.filter(service_type_id="repair").order_by("id"))
    return [
        {
            "template": "proactive/_ticket_plan_section.html",
            "context": {
                "ticket": ticket,
                "visit": visit,
                "plan": visit.plan,
                "form": FindingForm(),
                "findings": findings,
            },
        }
    ]


hooks.add_staff_ticket_section(plan_visit_section)
