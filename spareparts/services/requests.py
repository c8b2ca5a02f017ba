"""Part requests from the engineer's phone: find the best source, reserve there, decide by
the approval table (or hold for the parts manager), and start the transfer. A job whose
part must travel waits for parts by itself."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import masterdata
from tickets.errors import DomainError, PermissionDenied, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.services import job_require_engineer, outcome_waiting_for_parts
from tickets.services import ticket_event_record

from ..access import is_parts_manager, van_for_user
from ..models import (
    ApprovalRule,
    Decision,
    LedgerEntry,
    Location,
    Part,
    PartRequest,
    Purpose,
    WarrantyScope,
)
from ..selectors import part_get_by_sku
from .sourcing import REGIONAL_REACH_KM, sources_for
from .stock import NotEnoughStock, ledger_record, stock_release
from .transfers import transfer_plan

MAX_REQUEST_QUANTITY = 20


def approval_rule_for(
    *, part: Part, quantity: int, engineer_level: int, in_warranty: bool | None, purpose: str
) -> ApprovalRule | None:
    """The first active rule (by position) whose every condition holds, or None."""
    rules = masterdata.cached(
        ("parts_rules",),
        lambda: tuple(ApprovalRule.objects.filter(active=True).order_by("position", "id")),
    )
    for rule in rules:
        if rule.purpose and rule.purpose != purpose:
            continue
        if rule.warranty == WarrantyScope.IN and in_warranty is not True:
            continue
        if rule.warranty == WarrantyScope.OUT and in_warranty is not False:
            continue
        if rule.max_unit_price is not None and part.price > rule.max_unit_price:
            continue
        if rule.max_quantity is not None and quantity > rule.max_quantity:
            continue
        if rule.min_engineer_level is not None and engineer_level < rule.min_engineer_level:
            continue
        return rule
    return None


def _source_and_reserve(*, van, engineer, part, quantity, ticket, purpose, actor):
    for source in sources_for(
        van=van,
        engineer=engineer,
        part=part,
        quantity=quantity,
        ticket=ticket,
        purpose=purpose,
        now=timezone.now(),
    ):
        try:
            entry = ledger_record(
                kind="reserve",
                location=source.location,
                part=part,
                on_hand_delta=0,
                reserved_delta=quantity,
                actor=actor,
                ticket=ticket,
            )
        except NotEnoughStock:
            continue  # taken meanwhile: the next source
        return source, entry
    raise NotEnoughStock(
        _(
            "Not enough stock of %(sku)s: none in your van, at your service point, in a "
            "regional warehouse within %(km)s km or at the central warehouse."
        )
        % {"sku": part.sku, "km": REGIONAL_REACH_KM},
        field="quantity",
    )


def part_request_create(
    *,
    engineer_user,
    sku: str,
    quantity: int,
    request_key: str,
    ticket: Ticket | None = None,
) -> PartRequest:
    """Ask for a part for `ticket` (or to refill the van when None). Returns the request,
    approved or held, its stock reserved at the source; raises NotEnoughStock when no
    source in reach has it. A retried submit (same key) returns the first request."""
    van = van_for_user(engineer_user)
    if van is None:
        raise PermissionDenied(_("You have no van stock location."))
    engineer = van.engineer
    if ticket is not None:
        job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    part = part_get_by_sku(sku)
    if part is None:
        raise DomainError(_("No part with this SKU in the catalogue."), field="sku")
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if not 1 <= quantity <= MAX_REQUEST_QUANTITY:
        raise DomainError(
            _("Quantity must be between 1 and %(max)s.") % {"max": MAX_REQUEST_QUANTITY},
            field="quantity",
        )
    request_key = (request_key or "").strip()[:64]
    if not request_key:
        raise DomainError(_("The form expired; open it again."), field="request_key")
    # No look-up of the key first: a retry is rare; the key's unique constraint finds it.
    purpose = Purpose.JOB if ticket is not None else Purpose.REFILL
    try:
        with transaction.atomic():
            if ticket is not None:
                # The ticket's lock first, then stock rows: the order completion takes too.
                ticket = (
                    Ticket.objects.select_for_update(of=("self",))
                    .select_related("address")
                    .get(pk=ticket.pk)
                )
                if ticket.status in Status.terminal() or ticket.status == Status.COMPLETED:
                    raise TransitionNotAllowed(_("This job is finished."), field="status")
            source, reservation = _source_and_reserve(
                van=van,
                engineer=engineer,
                part=part,
                quantity=quantity,
                ticket=ticket,
                purpose=purpose,
                actor=engineer_user,
            )
            rule = approval_rule_for(
                part=part,
                quantity=quantity,
                engineer_level=engineer.level,
                in_warranty=ticket.in_warranty if ticket is not None else None,
                purpose=purpose,
            )
            approved = rule is not None and rule.decision == Decision.APPROVE
            request = PartRequest.objects.create(
                engineer=engineer,
                ticket=ticket,
                part=part,
                quantity=quantity,
                purpose=purpose,
                status=PartRequest.Status.APPROVED if approved else PartRequest.Status.HELD,
                source=source.location,
                destination=van,
                source_reason=source.reason,
                source_data=source.data,
                reservation=reservation,
                rule=rule,
                decided_at=timezone.now() if approved else None,
                request_key=request_key,
            )
            if approved and request.travels:
                transfer_plan(
                    source=source.location,
                    destination=van,
                    part=part,
                    quantity=quantity,
                    actor=engineer_user,
                    request=request,
                )
            if ticket is not None:
                _record_on_job(request=request, actor=engineer_user)
    except IntegrityError:
        # A retried submit (or one that raced itself): the first one won, this one's
        # reservation rolled back with it.
        first = PartRequest.objects.filter(engineer=engineer, request_key=request_key).first()
        if first is None:
            raise
        return first
    return request


def _record_on_job(*, request: PartRequest, actor) -> None:
    ticket = request.ticket
    ticket_event_record(
        ticket=ticket,
        kind="part_requested",
        actor=actor,
        data={
            "part_request_id": request.pk,
            "sku": request.part.sku,
            "quantity": request.quantity,
            "source": request.source.name,
            "source_reason": request.source_reason,
            "status": request.status,
            "rule": request.rule.name if request.rule else None,
        },
    )
    if request.travels and ticket.status == Status.ON_SITE:
        outcome_waiting_for_parts(
            ticket=ticket,
            engineer_user=actor,
            parts_needed=f"{request.part.sku} ×{request.quantity}",
        )


def part_request_decide(
    *, request: PartRequest, actor, approve: bool, note: str = ""
) -> PartRequest:
    """The parts manager approves a held request (its transfer starts) or rejects it (its
    reservation is released)."""
    if not is_parts_manager(actor):
        raise PermissionDenied(_("Only a parts manager can decide on part requests."))
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError(_("Use at most 200 characters."), field="note")
    if not approve and not note:
        raise DomainError(_("Say why the request is rejected."), field="note")
    with transaction.atomic():
        locked = (
            PartRequest.objects.select_for_update(of=("self",))
            .select_related("part", "source", "destination", "ticket")
            .get(pk=request.pk)
        )
        if locked.status != PartRequest.Status.HELD:
            if locked.status == (
                PartRequest.Status.APPROVED if approve else PartRequest.Status.REJECTED
            ):
                return locked  # a retried click
            raise TransitionNotAllowed(_("This request was already decided."), field="status")
        locked.status = PartRequest.Status.APPROVED if approve else PartRequest.Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve and locked.travels:
            transfer_plan(
                source=locked.source,
                destination=locked.destination,
                part=locked.part,
                quantity=locked.quantity,
                actor=actor,
                request=locked,
            )
        elif not approve:
            stock_release(
                location=locked.source,
                part=locked.part,
                quantity=locked.quantity,
                actor=actor,
                ticket=locked.ticket,
            )
    return locked


def reserved_for_ticket(*, location: Location, part: Part, ticket: Ticket) -> int:
    """What is still reserved at `location` for this job (the ledger's sum)."""
    from django.db.models import Sum

    total = LedgerEntry.objects.filter(location=location, part=part, ticket=ticket).aggregate(
        n=Sum("reserved_delta")
    )["n"]
    return max(int(total or 0), 0)
