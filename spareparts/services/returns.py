"""Old-part returns: every new part fitted under warranty expects its old part back within
RETURN_DAYS; the old part is scanned in at a service point and matched serial by serial."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.errors import Conflict, DomainError

from ..access import location_require_access
from ..models import RETURN_DAYS, Alert, Location, LocationKind, OldPartReturn, PartUsage


def returns_expect(*, ticket) -> int:
    """Open the expected returns of a completed in-warranty job's fitted parts (once per
    usage: the one-to-one constraint). Call while holding the ticket's lock."""
    if not ticket.in_warranty:
        return 0
    usages = list(PartUsage.objects.filter(ticket=ticket))
    engineers = {
        e.user_id: e for e in Engineer.objects.filter(user_id__in={u.engineer_id for u in usages})
    }
    due = timezone.localdate() + dt.timedelta(days=RETURN_DAYS)
    rows = [
        OldPartReturn(
            usage=u,
            ticket=ticket,
            part_id=u.part_id,
            engineer=engineers[u.engineer_id],
            new_serial=u.serial_or_batch,
            expected_serial=u.old_part_serial,
            due_on=due,
        )
        for u in usages
        if u.engineer_id in engineers
    ]
    return len(OldPartReturn.objects.bulk_create(rows, ignore_conflicts=True))


def _flag(kind: str, serial: str, location: Location, **data) -> None:
    Alert.objects.bulk_create(
        [
            Alert(
                kind=kind,
                location=location,
                subject=f"{kind}:{serial}",
                data={"serial": serial, **data},
            )
        ],
        ignore_conflicts=True,
    )


def old_part_return_scan(*, location: Location, serial: str, actor) -> OldPartReturn:
    """The old part is scanned in at a service point's store: matched to the new part that
    expects it. Returned twice, or expected by no new part: refused and flagged."""
    if location.kind != LocationKind.STORE:
        raise DomainError(_("Old parts are returned at a service point."), field="location")
    # The store's keeper scans it, or the engineer hands it in at their own service point.
    if not Engineer.objects.filter(user=actor, service_point_id=location.service_point_id).exists():
        location_require_access(user=actor, location=location)
    serial = (serial or "").strip().upper()
    if not serial or len(serial) > 64:
        raise DomainError(_("Scan or type the old part's serial."), field="serial")
    previous = OldPartReturn.objects.filter(returned_serial=serial).first()
    if previous is not None:
        _flag(Alert.Kind.OLD_PART_DUPLICATE, serial, location, first_return=previous.pk)
        raise Conflict(
            _("This old part was already returned on %(date)s.")
            % {"date": timezone.localtime(previous.returned_at).strftime("%Y-%m-%d")},
            field="serial",
        )
    try:
        with transaction.atomic():
            expected = (
                OldPartReturn.objects.select_for_update()
                .filter(expected_serial=serial, returned_at__isnull=True)
                .order_by("due_on", "id")
                .first()
            )
            if expected is None:
                raise LookupError
            expected.returned_at = timezone.now()
            expected.returned_serial = serial
            expected.returned_to = location
            expected.received_by = actor
            expected.save(
                update_fields=["returned_at", "returned_serial", "returned_to", "received_by"]
            )
            Alert.objects.filter(
                kind=Alert.Kind.OLD_PART_OVERDUE,
                subject=f"return:{expected.pk}",
                resolved_at__isnull=True,
            ).update(resolved_at=expected.returned_at)
    except IntegrityError:
        _flag(Alert.Kind.OLD_PART_DUPLICATE, serial, location)
        raise Conflict(_("This old part was already returned."), field="serial") from None
    except LookupError:
        _flag(Alert.Kind.OLD_PART_UNMATCHED, serial, location)
        raise DomainError(
            _("No new part fitted under warranty expects this old serial."), field="serial"
        ) from None
    return expected


def returns_flag_overdue(*, today: dt.date | None = None, batch: int = 500) -> int:
    """Flag old parts that never came back, oldest first, one alert each: a return is
    claimed by a conditional update, so two sweeps at once never flag it twice."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OldPartReturn.objects.filter(
                returned_at__isnull=True, due_on__lt=today, overdue_flagged_at__isnull=True
            )
            .order_by("due_on", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        OldPartReturn.objects.filter(pk__in=ids).update(overdue_flagged_at=now)
        rows = [
            Alert(
                kind=Alert.Kind.OLD_PART_OVERDUE,
                part_id=r.part_id,
                ticket_id=r.ticket_id,
                subject=f"return:{r.pk}",
                data={
                    "serial": r.expected_serial,
                    "engineer": r.engineer.user.get_username(),
                    "due_on": r.due_on.isoformat(),
                },
            )
            for r in OldPartReturn.objects.filter(pk__in=ids).select_related("engineer__user")
        ]
        Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return len(ids)
