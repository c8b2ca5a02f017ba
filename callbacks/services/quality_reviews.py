"""Quality sampling: each month a random share of the jobs completed in the month before go
to the QA review queue; a reviewer checks them against a checklist, records the findings
and may open a corrective action (a complaint with source "qa").

The month's `QualitySampleRun` row is the claim: it is unique per month, so a second run
(or a concurrent one, which waits on the unique index) samples nothing."""

import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import hooks
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.event_kinds import EventKind
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketEvent, TicketPhoto
from tickets.onsite.models import ChargeLine, ServiceReport
from tickets.roles import Role, has_role
from tickets.services import ticket_event_record
from tickets.warranty import fee_price

from ..models import ComplaintCategory, ComplaintSource, QualityReview, QualitySampleRun
from .complaints import complaint_open

CHECK_ITEMS = [
    ("photos", gettext_lazy("Photos of the fault (and of the replaced part) are present")),
    ("parts_traced", gettext_lazy("Every part used is traced by its serial or batch")),
    ("report_signed", gettext_lazy("The service report is signed and intact")),
    ("charges_match", gettext_lazy("The charges match the published fee schedule")),
]
CHECK_CODES = [code for code, _label in CHECK_ITEMS]
DEFAULT_RATE = Decimal("0.10")


def sample_rate() -> Decimal:
    """The share of completed jobs sampled each month (setting QA_SAMPLE_RATE, 0 to 1)."""
    rate = Decimal(str(getattr(settings, "QA_SAMPLE_RATE", DEFAULT_RATE)))
    if not Decimal("0") <= rate <= Decimal("1"):
        raise ValueError("QA_SAMPLE_RATE must be between 0 and 1.")
    return rate


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(now: dt.datetime) -> dt.date:
    first = month_start(timezone.localdate(now))
    return month_start(first - dt.timedelta(days=1))


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime.combine(nxt, dt.time.min, tzinfo=tz)


def quality_sample_month(*, month: dt.date, rate: Decimal | None = None) -> QualitySampleRun | None:
    """Sample `rate` (default: the setting) of the jobs completed in `month`, at least one
    when any were. None when the month was sampled already."""
    month = month_start(month)
    rate = sample_rate() if rate is None else Decimal(rate)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = QualitySampleRun.objects.create(
                    month=month, rate=rate, population=0, sampled=0
                )
        except IntegrityError:
            return None
        start, end = _month_bounds(month)
        completed = (
            TicketEvent.objects.filter(
                kind="status",
                to_status=Status.COMPLETED,
                created_at__gte=start,
                created_at__lt=end,
            )
            .exclude(ticket__quality_review__isnull=False)
            .values("ticket_id")
        )
        population = Ticket.objects.filter(pk__in=completed)
        total = population.count()
        size = min(total, math.ceil(total * rate)) if rate > 0 else 0
        ids = list(population.order_by("?").values_list("pk", flat=True)[:size])
        QualityReview.objects.bulk_create(
            [QualityReview(run=run, ticket_id=pk) for pk in ids], ignore_conflicts=True
        )
        run.population, run.sampled = total, len(ids)
        run.save(update_fields=["population", "sampled"])
    return run


def quality_sample_due(*, now: dt.datetime | None = None) -> QualitySampleRun | None:
    """The beat task's step: sample last month once (a later run in the month does nothing)."""
    return quality_sample_month(month=previous_month(now or timezone.now()))


# --- the checklist -----------------------------------------------------------------------


def quality_checks(*, ticket: Ticket) -> dict[str, bool]:
    """What the job's records show for each checklist item."""
    kinds = set(TicketPhoto.objects.filter(ticket=ticket).values_list("kind", flat=True))
    lines = list(ChargeLine.objects.filter(ticket=ticket))
    parts = hooks.parts_for_ticket(ticket=ticket)
    part_lines = [line for line in lines if line.kind == ChargeLine.Kind.PART]
    used_parts = bool(parts or part_lines)
    photos = TicketPhoto.Kind.FAULT in kinds and (
        not used_parts or TicketPhoto.Kind.REPLACED_PART in kinds
    )
    traced = all((p.get("serial") or "").strip() for p in parts) and (len(parts) >= len(part_lines))
    report = ServiceReport.objects.filter(ticket=ticket).order_by("-version").first()
    signed = bool(
        report is not None
        and report.intact
        and (report.content.get("signature") or {}).get("signed_at")
    )
    return {
        "photos": photos,
        "parts_traced": traced,
        "report_signed": signed,
        "charges_match": _charges_match(ticket, lines),
    }


def _charges_match(ticket: Ticket, lines: list[ChargeLine]) -> bool:
    """Call-out and labour at the schedule's price for the category and fault class; what is
    charged is the list price, or nothing when free (in warranty, or waived)."""
    category = ticket.appliance.category
    waived = bool(hooks.charge_waivers(ticket=ticket))
    for line in lines:
        if line.kind in (ChargeLine.Kind.CALL_OUT, ChargeLine.Kind.LABOUR):
            price = fee_price(
                kind=line.kind,
                category=category,
                fault_class="" if line.kind == ChargeLine.Kind.CALL_OUT else ticket.fault_class,
                service_type=ticket.service_type_id,
            )
        else:
            price = line.list_price  # parts: the catalogue's price, checked by spareparts
        if price is None or line.list_price != price:
            return False
        # A line's amount is per unit; a free line (in warranty, a part under its own
        # component term, a waived revisit) charges nothing.
        free = ticket.in_warranty or line.free or waived
        if line.amount != (Decimal("0") if free else line.list_price):
            return False
    return True


def quality_review_record(
    *,
    review: QualityReview,
    actor,
    checklist: dict[str, bool],
    findings: str,
    open_corrective: bool = False,
    corrective_category: str = ComplaintCategory.OTHER,
) -> QualityReview:
    """Record a review: each checklist item confirmed or not, the findings (required when
    an item fails), and optionally a corrective action opened as a QA complaint."""
    if not has_role(actor, Role.QUALITY, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Your role may not review job quality."))
    findings = (findings or "").strip()
    if len(findings) > 4000:
        raise DomainError(
            _("Use at most %(limit)s characters.") % {"limit": 4000}, field="findings"
        )
    items = {code: bool(checklist.get(code)) for code in CHECK_CODES}
    passed = all(items.values())
    if (not passed or open_corrective) and not findings:
        raise DomainError(_("Write what you found."), field="findings")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=review.ticket_id)
        locked = QualityReview.objects.select_for_update().get(pk=review.pk)
        if locked.state == QualityReview.State.DONE:
            raise Conflict(_("This job has been reviewed already."), field="checklist")
        locked.computed = quality_checks(ticket=ticket)
        locked.checklist = items
        locked.findings = findings
        locked.result = QualityReview.Result.PASSED if passed else QualityReview.Result.FAILED
        locked.state = QualityReview.State.DONE
        locked.reviewer, locked.reviewed_at = actor, timezone.now()
        locked.save()
        ticket_event_record(
            ticket=ticket,
            kind=EventKind.QUALITY_REVIEWED,
            actor=actor,
            reason=findings[:500],
            data={"review_id": locked.pk, "result": locked.result, **items},
        )
        if open_corrective:
            complaint_open(
                ticket=ticket,
                source=ComplaintSource.QA,
                remedy_wanted="",
                description=findings,
                actor=actor,
                category=corrective_category,
                source_ref=f"qa_review:{locked.pk}",
                quality_review=locked,
            )
    review.refresh_from_db()
    return review
