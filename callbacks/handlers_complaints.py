"""What the complaints side registers in tickets.hooks (see its table)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from tickets import hooks
from tickets.roles import Role, has_role

from . import tasks_complaints  # noqa: F401  (registers the Celery task)
from .models import Complaint, ComplaintCategory, Remedy
from .services.complaints import complaint_close_blockers


def complaint_track_section(*, ticket, language: str = "") -> list[dict]:
    """The customer's tracking page: their complaints' progress (and our response), and a
    form to complain. QA's internal corrective actions are not shown."""
    complaints = list(
        Complaint.objects.filter(ticket_id=ticket.pk)
        .exclude(source="qa")
        .order_by("created_at", "id")
        .only("id", "state", "created_at", "response", "remedy_offered", "ticket_id")
    )
    can_complain = not any(
        c.state != Complaint.State.CLOSED for c in complaints
    )  # one open complaint from the page at a time
    return [
        {
            "template": "complaints/_track_section.html",
            "context": {
                "complaints": complaints,
                "can_complain": can_complain,
                "post_url": reverse("complaint_from_customer", args=[ticket.public_token]),
                "token": ticket.public_token,
                "categories": ComplaintCategory.choices,
                "remedies": Remedy.choices,
            },
        }
    ]


# Who may log a complaint from the desk (as callbacks.views.complaints.COMPLAINT_ROLES).
_COMPLAINT_DESK_ROLES = (Role.QUALITY, Role.SUPERVISOR, Role.ADMIN, Role.AGENT, Role.DISPATCHER)


def complaint_ticket_links(*, ticket, user) -> list[dict]:
    """The desk's ticket page: "open a complaint", the existing complaint form."""
    if not has_role(user, *_COMPLAINT_DESK_ROLES):
        return []
    return [
        {
            "key": "complaint",
            "label": _("Open a complaint"),
            "url": reverse("complaint_new", args=[ticket.pk]),
            "hotkey": "k",
        }
    ]


hooks.add_close_blocker(complaint_close_blockers)
hooks.add_ticket_links(complaint_ticket_links)
hooks.add_track_section(complaint_track_section)
