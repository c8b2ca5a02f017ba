"""Who hears about a clock, and when: outside the staff's working hours what the policy
holds waits for them, a warning never past its deadline; delivery through the gateway."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from ...choices import Priority
from ...lifecycle import Status
from ...messaging import send_email, send_sms
from ...models import Ticket, TicketEvent
from ...roles import Role
from .. import calendar as cal
from ..models import (
    ServiceCalendar,
    SlaClock,
    SlaNotification,
)
from .clocks import K, _schedule


def _engineer_user_id(ticket_id: int) -> int | None:
    event = (
        TicketEvent.objects.filter(ticket_id=ticket_id, kind="status", to_status=Status.ASSIGNED)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    value = (event or {}).get("engineer_user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _role_users(role: str, area_id: int) -> list[int]:
    """Users of a role for an area: those of the call centres covering it, plus the
    national desk. Supervisors and admins see everything."""
    User = get_user_model()
    qs = User.objects.filter(is_active=True, groups__name=role)
    if role == Role.DISPATCHER:
        qs = qs.filter(
            Q(staff_profile__call_centre__areas=area_id) | Q(staff_profile__national_desk=True)
        )
    return list(qs.values_list("pk", flat=True).distinct())


def _owners(clock: SlaClock, area_id: int) -> list[int]:
    users = set()
    if clock.kind in (K.ACCEPT, K.CONTACT, K.ARRIVAL, K.COMPLETION):
        engineer = _engineer_user_id(clock.ticket_id)
        if engineer:
            users.add(engineer)
        users.update(_role_users(Role.DISPATCHER, area_id))
    elif clock.kind in (K.CHECK_BACK, K.CALLBACK):
        users.update(_role_users(Role.AGENT, area_id))
    else:
        users.update(_role_users(Role.SUPERVISOR, area_id))
    return sorted(users)


def _staff_hours() -> cal.Schedule | None:
    """The staff's working hours (the default calendar), or None: no quiet hours."""
    calendar_id = (
        ServiceCalendar.objects.filter(is_default=True).values_list("pk", flat=True).first()
    )
    schedule = _schedule(calendar_id)
    return schedule if schedule is not None and schedule.has_hours else None


def _holds(clock: SlaClock, ticket: Ticket, *, warning: bool) -> bool:
    """What the clock's policy says waits for working hours (no policy: all but emergencies)."""
    policy = clock.policy if clock.policy_id else None
    if policy is None:
        return ticket.priority != Priority.EMERGENCY
    return policy.hold_warnings if warning else policy.hold_escalations


def _not_before(
    *,
    now: dt.datetime,
    clock: SlaClock,
    ticket: Ticket,
    staff: cal.Schedule | None,
    warning: bool,
) -> dt.datetime:
    """When a notification may go. Outside working hours, what the policy holds waits for
    the staff; a warning is never held past the deadline it warns about: it waits only if
    the staff are back the policy's notice before the deadline, otherwise it goes now."""
    if staff is None or not _holds(clock, ticket, warning=warning):
        return now
    opening = staff.next_open(now)
    if opening <= now:
        return now
    if warning and clock.due_at is not None:
        minutes = clock.policy.warning_notice_minutes if clock.policy_id else 60
        if opening + dt.timedelta(minutes=minutes) > clock.due_at:
            return now
    return opening


def _notifications(
    *, clock: SlaClock, ticket: Ticket, users, purpose: str, body: str, now, not_before
) -> list[SlaNotification]:
    return [
        SlaNotification(
            clock=clock,
            ticket=ticket,
            user_id=user_id,
            purpose=purpose,
            body=body,
            not_before=not_before,
            created_at=now,
        )
        for user_id in users
    ]


def _deliver_batch(now: dt.datetime, batch: int) -> int:
    with transaction.atomic():
        notes = list(
            SlaNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, not_before__lte=now)
            .select_related("user__staff_profile", "ticket")
            .order_by("not_before")[:batch]
        )
        for note in notes:
            profile = getattr(note.user, "staff_profile", None)
            if profile is not None and profile.phone:
                send_sms(
                    to=profile.phone,
                    body=note.body,
                    purpose=note.purpose,
                    ticket=note.ticket,
                )
            else:
                send_email(
                    to=note.user.email or note.user.get_username(),
                    subject=note.body[:120],
                    body=note.body,
                    purpose=note.purpose,
                    ticket=note.ticket,
                )
        if notes:
            SlaNotification.objects.filter(pk__in=[n.pk for n in notes]).update(sent_at=now)
        return len(notes)
