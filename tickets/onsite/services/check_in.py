"""Check-in at the customer's door (the SLA arrival evidence) and its review."""

import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import text_limits
from tickets.errors import DomainError, PermissionDenied, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.models import OnsiteJob
from tickets.roles import Role, has_role
from tickets.services import ticket_event_record, ticket_transition
from tickets.text_limits import text_check

from .charges import _charges_refresh_base_lines
from .guards import _locked_job, job_require_engineer

FAR_FROM_ADDRESS_M = 1000
CHECK_IN_FROM = (Status.SCHEDULED, Status.EN_ROUTE, Status.WAITING_FOR_PARTS)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


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
            data={
                "check_in": True,
                **facts,
                **({"reason_code": "far_from_address"} if flagged else {}),
            },
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
            reason=text_check(note, field="note", limit=text_limits.NOTE),
            data={"distance_m": job.check_in_distance_m},
        )
    return job
