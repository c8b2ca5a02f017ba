"""Selling extended warranty (延保) contracts and recording their payment. The console,
the ticket page and the follow-up call all sell through `contract_sell`."""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, PermissionDenied
from tickets.event_kinds import EventKind
from tickets.models import Appliance, ApplianceState, Ticket
from tickets.roles import STAFF_DESK_ROLES, has_role
from tickets.services import ticket_event_record
from tickets.warranty import add_months, warranty_verdict

from .models import (
    ContractState,
    ExtendedWarrantyContract,
    ExtendedWarrantyProduct,
    SaleChannel,
    StartsFrom,
)
from .selectors import months_between

SELLING_ROLES = STAFF_DESK_ROLES


def certificate_number_next(on: dt.date) -> str:
    """A new certificate number: a Postgres sequence, so two sales at the same moment
    never get the same number (the unique constraint stands behind it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('extended_warranty_cert_seq')")
        (value,) = cursor.fetchone()
    return f"YB{on:%Y}{value:08d}"


def contract_period(*, product: ExtendedWarrantyProduct, appliance: Appliance, sold_on: dt.date):
    """(first day, last day) of cover: from the day after the standard whole-unit warranty
    ends, or from the sale, as the product's terms say; never before the sale."""
    start = sold_on
    if product.starts_from == StartsFrom.BASE_END:
        base = warranty_verdict(
            category=appliance.category,
            purchase_date=appliance.purchase_date,
            installation_date=appliance.installed_on,
            on=sold_on,
        )
        if base.known and base.until is not None:
            start = max(sold_on, base.until + dt.timedelta(days=1))
    end = add_months(start, 12 * product.years) - dt.timedelta(days=1)
    return start, end


def contract_sell(
    *,
    appliance: Appliance,
    product: ExtendedWarrantyProduct,
    actor,
    channel: str,
    ticket: Ticket | None = None,
    paid: bool = False,
    payment_reference: str = "",
) -> ExtendedWarrantyContract:
    """Sell `product` on `appliance`: checks the category and the appliance's age at sale,
    fixes the period and the terms as sold, gives a certificate number and, sold on a
    ticket or at its follow-up call, records the sale on the ticket."""
    if not has_role(actor, *SELLING_ROLES):
        raise PermissionDenied(_("Only the desk sells extended warranties."))
    if channel not in SaleChannel.values:
        raise DomainError(_("Unknown sales channel."), field="channel")
    if ticket is not None and ticket.appliance_id != appliance.pk:
        raise DomainError(_("The ticket is for another appliance."), field="ticket")
    if not product.active:
        raise DomainError(_("This product is no longer on sale."), field="product")
    if appliance.state != ApplianceState.IN_USE:
        raise DomainError(_("This appliance was returned or exchanged."), field="product")
    if appliance.category not in product.categories:
        raise DomainError(_("This product is not sold for this category."), field="product")
    if appliance.purchase_date is None:
        raise DomainError(
            _("The appliance needs a purchase date before an extended warranty is sold."),
            field="product",
        )
    today = timezone.localdate()
    if months_between(appliance.purchase_date, today) > product.max_age_months:
        raise DomainError(
            _("The appliance is older than %(months)s months: this product cannot be sold.")
            % {"months": product.max_age_months},
            field="product",
        )
    reference = (payment_reference or "").strip()
    if len(reference) > 64:
        raise DomainError(_("At most 64 characters."), field="payment_reference")
    start, end = contract_period(product=product, appliance=appliance, sold_on=today)
    now = timezone.now()
    try:
        with transaction.atomic():
            # Locked: an exchange approved at the same moment either moves this contract
            # to the new unit or is seen here as done.
            state = (
                Appliance.objects.select_for_update()
                .values_list("state", flat=True)
                .get(pk=appliance.pk)
            )
            if state != ApplianceState.IN_USE:
                raise DomainError(_("This appliance was returned or exchanged."), field="product")
            contract = ExtendedWarrantyContract.objects.create(
                certificate_number=certificate_number_next(today),
                product=product,
                appliance=appliance,
                customer_id=appliance.customer_id,
                ticket=ticket,
                channel=channel,
                coverage=product.coverage,
                components=list(product.components),
                price=product.price,
                starts_on=start,
                ends_on=end,
                paid=paid,
                paid_at=now if paid else None,
                payment_reference=reference if paid else "",
                sold_by=actor,
                sold_at=now,
            )
            if not appliance.has_extended_warranty:
                Appliance.objects.filter(pk=appliance.pk).update(has_extended_warranty=True)
                appliance.has_extended_warranty = True
            if ticket is not None:
                ticket_event_record(
                    ticket=ticket,
                    kind=EventKind.EXTENDED_WARRANTY_SOLD,
                    actor=actor,
                    data={
                        "certificate_number": contract.certificate_number,
                        "product": product.code,
                        "channel": channel,
                        "starts_on": start.isoformat(),
                        "ends_on": end.isoformat(),
                        "price": str(product.price),
                        "paid": paid,
                    },
                )
    except IntegrityError:
        raise DomainError(
            _("This appliance already has this extended warranty."), field="product"
        ) from None
    return contract


def contract_record_payment(
    *, contract: ExtendedWarrantyContract, actor, paid: bool, payment_reference: str = ""
) -> ExtendedWarrantyContract:
    """Record the contract as paid (with a reference) or as not paid."""
    if not has_role(actor, *SELLING_ROLES):
        raise PermissionDenied(_("Only the desk records extended warranty payments."))
    reference = (payment_reference or "").strip()
    if len(reference) > 64:
        raise DomainError(_("At most 64 characters."), field="payment_reference")
    with transaction.atomic():
        locked = ExtendedWarrantyContract.objects.select_for_update().get(pk=contract.pk)
        if locked.paid == paid and (not paid or locked.payment_reference == reference):
            return locked
        locked.paid = paid
        locked.paid_at = timezone.now() if paid else None
        locked.payment_reference = reference if paid else ""
        locked.save(update_fields=["paid", "paid_at", "payment_reference"])
        if locked.ticket_id:
            ticket_event_record(
                ticket=locked.ticket,
                kind=EventKind.EXTENDED_WARRANTY_PAID,
                actor=actor,
                data={"certificate_number": locked.certificate_number, "paid": paid},
            )
    return locked


def contracts_follow_exchange(*, old: Appliance, new: Appliance | None) -> int:
    """An exchanged unit's contracts go with the new unit; a returned unit's end. Call
    inside the exchange's transaction."""
    active = ExtendedWarrantyContract.objects.filter(appliance=old, state=ContractState.ACTIVE)
    if new is None:
        return active.update(state=ContractState.CANCELLED)
    moved = active.update(appliance=new)
    if moved:
        Appliance.objects.filter(pk=new.pk).update(has_extended_warranty=True)
        new.has_extended_warranty = True
    return moved
