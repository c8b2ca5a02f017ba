"""Who may see which complaint and quality review, and how much of the customer they see.

One access function per object kind, used by the pages and the API alike."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tickets.errors import NotFound
from tickets.models import Ticket
from tickets.roles import Role, roles_of
from tickets.selectors import ticket_queryset_for_user

from .models import Complaint, QualityReview

# QA owns complaints; supervisors and admins oversee them: they see every complaint.
ALL_COMPLAINTS = {Role.QUALITY, Role.SUPERVISOR, Role.ADMIN}
# Those who phone the customer about a complaint see who the customer is.
PERSONAL_DATA_ROLES = {Role.QUALITY, Role.AGENT, Role.DISPATCHER}


def complaint_queryset_for_user(user) -> QuerySet[Complaint]:
    """QA, supervisors and admins: every complaint. Agents and dispatchers: those on tickets
    of their call centre's areas (ticket_queryset_for_user). Partners: those on tickets they
    created. Anyone else: none."""
    roles = roles_of(user)
    qs = Complaint.objects.all()
    if roles & ALL_COMPLAINTS:
        return qs
    if roles & {Role.AGENT, Role.DISPATCHER}:
        return qs.filter(ticket__in=ticket_queryset_for_user(user))
    if Role.PARTNER in roles:
        return qs.filter(ticket__in=Ticket.objects.filter(created_by=user))
    return qs.none()


def complaint_get_for_user(*, user, complaint_id) -> Complaint:
    try:
        return (
            complaint_queryset_for_user(user)
            .select_related(
                "ticket__customer",
                "ticket__appliance",
                "ticket__area",
                "owner",
                "engineer__user",
                "service_point",
            )
            .get(pk=complaint_id)
        )
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Complaint not found.")) from None


def complaint_queue(*, user, state: str = "", limit: int = 100) -> list[Complaint]:
    """Open complaints (or those of one step), oldest first: the QA queue."""
    qs = complaint_queryset_for_user(user).select_related(
        "ticket__customer", "ticket__appliance", "owner", "service_point"
    )
    qs = qs.filter(state=state) if state else qs.exclude(state=Complaint.State.CLOSED)
    return list(qs.order_by("created_at", "id")[:limit])


def sees_personal_data(user) -> bool:
    return bool(roles_of(user) & PERSONAL_DATA_ROLES)


def mask_name(name: str) -> str:
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def customer_view(user, customer) -> dict:
    """The customer as this user may see them: in full for those who phone them about the
    complaint, masked for everyone else (supervisors' overview, partner systems)."""
    if sees_personal_data(user):
        return {"name": customer.name, "mobile": customer.national_number(), "masked": False}
    return {"name": mask_name(customer.name), "mobile": customer.masked_mobile, "masked": True}


REVIEW_ROLES = {Role.QUALITY, Role.SUPERVISOR, Role.ADMIN}


def quality_review_queryset_for_user(user) -> QuerySet[QualityReview]:
    if roles_of(user) & REVIEW_ROLES:
        return QualityReview.objects.all()
    return QualityReview.objects.none()


def quality_review_get_for_user(*, user, review_id) -> QualityReview:
    try:
        return (
            quality_review_queryset_for_user(user)
            .select_related("ticket__customer", "ticket__appliance", "run", "reviewer")
            .get(pk=review_id)
        )
    except (QualityReview.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Review not found.")) from None
