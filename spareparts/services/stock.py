"""The stock ledger: every movement is one ledger row, and the stock row of its location
and SKU changes with it, in one statement (a conditional UPDATE feeding the INSERT). The
UPDATE takes the row's lock and re-checks `on_hand >= reserved >= 0` after any wait, so
concurrent moves queue on the row and none can take stock that is no longer there (the
check constraints are the backstop)."""

from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from tickets.errors import Conflict, DomainError

from ..models import (
    AdjustReason,
    Alert,
    LedgerEntry,
    LedgerKind,
    Location,
    Part,
    SerialUnit,
    Stock,
)

MAX_QUANTITY = 100_000


class NotEnoughStock(Conflict):
    default_code = "not_enough_stock"


_STOCK = Stock._meta.db_table
_LEDGER = LedgerEntry._meta.db_table
# The stock row's change and its ledger row in one statement (one round trip): the UPDATE
# takes the row's lock and re-checks on_hand >= reserved >= 0 after any wait; the INSERT
# reads the UPDATE's result, so a refused change (no row updated) writes no ledger row.
_MOVE = f"""
WITH moved AS (
    UPDATE {_STOCK}
       SET on_hand = on_hand + %(d_on)s, reserved = reserved + %(d_res)s, updated_at = now()
     WHERE location_id = %(location)s AND part_id = %(part)s
       AND on_hand + %(d_on)s >= reserved + %(d_res)s AND reserved + %(d_res)s >= 0
    RETURNING on_hand, reserved, min_qty
), entry AS (
    INSERT INTO {_LEDGER} (kind, location_id, part_id, on_hand_delta, reserved_delta,
                supplier, batch, serials, reason, approver_id, actor_id, ticket_id,
                transfer_id, request_key, created_at)
    SELECT %(kind)s, %(location)s, %(part)s, %(d_on)s, %(d_res)s, %(supplier)s, %(batch)s,
           %(serials)s::varchar(64)[], %(reason)s, %(approver)s::bigint, %(actor)s::bigint,
           %(ticket)s::bigint, %(transfer)s::bigint, %(request_key)s, %(created_at)s
      FROM moved
    RETURNING id
)
SELECT entry.id, moved.on_hand, moved.reserved, moved.min_qty FROM entry, moved
"""


def _move(entry: LedgerEntry) -> tuple | None:
    """Apply `entry` to its stock row and write it; None (nothing written) when the change
    would break on_hand >= reserved >= 0."""
    params = {
        "kind": entry.kind,
        "location": entry.location_id,
        "part": entry.part_id,
        "d_on": entry.on_hand_delta,
        "d_res": entry.reserved_delta,
        "supplier": entry.supplier,
        "batch": entry.batch,
        "serials": list(entry.serials),
        "reason": entry.reason,
        "approver": entry.approver_id,
        "actor": entry.actor_id,
        "ticket": entry.ticket_id,
        "transfer": entry.transfer_id,
        "request_key": entry.request_key,
        "created_at": entry.created_at,
    }
    with connection.cursor() as cursor:
        cursor.execute(_MOVE, params)
        row = cursor.fetchone()
        first_receipt = 0 <= entry.reserved_delta <= entry.on_hand_delta
        if row is None and first_receipt:
            # No row yet (a first receipt): create it empty, then apply the change.
            Stock.objects.bulk_create(
                [Stock(location_id=entry.location_id, part_id=entry.part_id)],
                ignore_conflicts=True,
            )
            cursor.execute(_MOVE, params)
            row = cursor.fetchone()
    return row


def _quantity(quantity) -> int:
    try:
        value = int(quantity)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_QUANTITY:
        raise DomainError(
            _("Enter a quantity from 1 to %(max)s.") % {"max": MAX_QUANTITY}, field="quantity"
        )
    return value


def ledger_record(
    *,
    kind: str,
    location: Location,
    part: Part,
    on_hand_delta: int,
    reserved_delta: int,
    actor=None,
    **facts,
) -> LedgerEntry:
    """Write one ledger row and apply it to the stock row (one statement), or raise
    NotEnoughStock. No savepoint: a refused change writes nothing and raises only after the
    block, so a caller's transaction goes on (to try the next source)."""
    entry = LedgerEntry(
        kind=kind,
        location=location,
        part=part,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        actor=actor,
        **facts,
    )
    with transaction.atomic(savepoint=False):
        row = _move(entry)
        if row is not None:
            entry.pk, on_hand, reserved, min_qty = row
            entry._state.adding, entry._state.db = False, connection.alias
            if min_qty is not None and on_hand_delta < 0 and on_hand - reserved < min_qty:
                low_stock_alert(location=location, part=part, available=on_hand - reserved)
    if row is None:
        raise NotEnoughStock(
            _("Not enough stock of %(sku)s at %(location)s.")
            % {"sku": part.sku, "location": location.name},
            field="quantity",
        )
    return entry


def low_stock_alert(*, location: Location, part: Part, available: int) -> None:
    """One open low-stock alert per location and SKU (the partial unique constraint)."""
    Alert.objects.bulk_create(
        [
            Alert(
                kind=Alert.Kind.LOW_STOCK,
                location=location,
                part=part,
                subject=f"{location.pk}:{part.pk}",
                data={"available": available},
            )
        ],
        ignore_conflicts=True,
    )


def stock_receive(
    *,
    location: Location,
    part: Part,
    quantity: int,
    supplier: str,
    batch: str = "",
    serials: Sequence[str] = (),
    actor=None,
    request_key: str = "",
) -> LedgerEntry:
    """Goods in from a supplier. A serialized part needs one new serial per unit. With a
    `request_key`, a retried receipt returns the first one."""
    request_key = (request_key or "").strip()[:64] if actor is not None else ""
    quantity = _quantity(quantity)
    supplier = (supplier or "").strip()[:100]
    if not supplier:
        raise DomainError(_("Name the supplier."), field="supplier")
    batch = (batch or "").strip().upper()[:64]
    serials = [s.strip().upper() for s in serials if s and s.strip()]
    if any(len(s) > 64 for s in serials):
        raise DomainError(_("A serial number is too long."), field="serials")
    if part.serialized:
        if len(serials) != quantity or len(set(serials)) != quantity:
            raise DomainError(
                _("Scan one different serial per unit (%(n)s).") % {"n": quantity},
                field="serials",
            )
    elif not batch:
        raise DomainError(_("Enter the batch number."), field="batch")
    try:
        with transaction.atomic():
            entry = ledger_record(
                kind=LedgerKind.RECEIPT,
                location=location,
                part=part,
                on_hand_delta=quantity,
                reserved_delta=0,
                actor=actor,
                supplier=supplier,
                batch=batch,
                serials=serials,
                request_key=request_key,
            )
            if serials:
                SerialUnit.objects.bulk_create(
                    [
                        SerialUnit(
                            part=part,
                            serial=s,
                            batch=batch,
                            supplier=supplier,
                            received_at=entry.created_at,
                            receipt=entry,
                        )
                        for s in serials
                    ]
                )
    except IntegrityError as exc:
        first = (
            LedgerEntry.objects.filter(actor=actor, request_key=request_key).first()
            if request_key
            else None
        )
        if first is not None:
            return first  # a retried receipt
        raise DomainError(_("One of these serials was already received."), field="serials") from exc
    return entry


def stock_reserve(
    *, location: Location, part: Part, quantity: int, actor=None, ticket=None
) -> LedgerEntry:
    return ledger_record(
        kind=LedgerKind.RESERVE,
        location=location,
        part=part,
        on_hand_delta=0,
        reserved_delta=_quantity(quantity),
        actor=actor,
        ticket=ticket,
    )


def stock_release(
    *, location: Location, part: Part, quantity: int, actor=None, ticket=None
) -> LedgerEntry:
    return ledger_record(
        kind=LedgerKind.RELEASE,
        location=location,
        part=part,
        on_hand_delta=0,
        reserved_delta=-_quantity(quantity),
        actor=actor,
        ticket=ticket,
    )


def stock_consume(
    *,
    location: Location,
    part: Part,
    quantity: int,
    reserved: int = 0,
    actor=None,
    ticket=None,
    batch: str = "",
    serials: Sequence[str] = (),
) -> LedgerEntry:
    """A part fitted: out of stock, and `reserved` of it out of the reservation held for it."""
    quantity = _quantity(quantity)
    reserved = max(0, min(int(reserved), quantity))
    return ledger_record(
        kind=LedgerKind.CONSUME,
        location=location,
        part=part,
        on_hand_delta=-quantity,
        reserved_delta=-reserved,
        actor=actor,
        ticket=ticket,
        batch=(batch or "")[:64],
        serials=list(serials),
    )


def stock_return(
    *, location: Location, part: Part, quantity: int, actor=None, ticket=None, batch: str = ""
) -> LedgerEntry:
    """An unused part back into stock (a job cancelled, a wrong part brought back)."""
    return ledger_record(
        kind=LedgerKind.RETURN,
        location=location,
        part=part,
        on_hand_delta=_quantity(quantity),
        reserved_delta=0,
        actor=actor,
        ticket=ticket,
        batch=(batch or "").strip().upper()[:64],
    )


def stock_adjust(
    *, location: Location, part: Part, delta: int, reason: str, approver, actor=None
) -> LedgerEntry:
    """A correction (a count, damage, loss), with its reason and the approver's name."""
    try:
        delta = int(delta)
    except (TypeError, ValueError):
        delta = 0
    if delta == 0 or abs(delta) > MAX_QUANTITY:
        raise DomainError(_("Enter a non-zero change."), field="delta")
    if reason not in AdjustReason.values:
        raise DomainError(_("Choose the reason for the adjustment."), field="reason")
    if approver is None:
        raise DomainError(_("An adjustment needs an approver."), field="approver")
    return ledger_record(
        kind=LedgerKind.ADJUST,
        location=location,
        part=part,
        on_hand_delta=delta,
        reserved_delta=0,
        actor=actor,
        reason=reason,
        approver=approver,
    )


def stock_differences() -> list[dict]:
    """Stock rows that differ from the sums of their ledger rows (there must be none)."""
    sql = f"""
    SELECT COALESCE(s.location_id, l.location_id), COALESCE(s.part_id, l.part_id),
           COALESCE(s.on_hand, 0), COALESCE(s.reserved, 0),
           COALESCE(l.on_hand, 0), COALESCE(l.reserved, 0)
      FROM {Stock._meta.db_table} s
      FULL OUTER JOIN (
            SELECT location_id, part_id, SUM(on_hand_delta) AS on_hand,
                   SUM(reserved_delta) AS reserved
              FROM {LedgerEntry._meta.db_table} GROUP BY location_id, part_id
      ) l ON l.location_id = s.location_id AND l.part_id = s.part_id
     WHERE COALESCE(s.on_hand, 0) <> COALESCE(l.on_hand, 0)
        OR COALESCE(s.reserved, 0) <> COALESCE(l.reserved, 0)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return [
        {
            "location_id": r[0],
            "part_id": r[1],
            "stock_on_hand": r[2],
            "stock_reserved": r[3],
            "ledger_on_hand": r[4],
            "ledger_reserved": r[5],
        }
        for r in rows
    ]


def negative_stock_count() -> int:
    return (
        Stock.objects.filter(on_hand__lt=0).count() + Stock.objects.filter(reserved__lt=0).count()
    )
