"""Reads of extended warranty: the contracts a verdict lays over the base terms, the
products an appliance may still buy, and who may see a contract."""

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tickets.errors import NotFound
from tickets.models import Appliance
from tickets.selectors import customer_queryset_for_user

from .models import ContractState, ExtendedWarrantyContract, ExtendedWarrantyProduct


def contracts_for_verdict(*, appliance: Appliance | None) -> list[ExtendedWarrantyContract]:
    """The appliance's active contracts (none looked up for an appliance never sold one)."""
    if appliance is None or appliance.pk is None or not appliance.has_extended_warranty:
        return []
    return list(
        ExtendedWarrantyContract.objects.filter(
            appliance_id=appliance.pk, state=ContractState.ACTIVE
        )
        .select_related("product")
        .order_by("starts_on", "id")
    )


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (a unit bought on 3 March is one month old on
    3 April)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def products_for_appliance(*, appliance: Appliance, on: dt.date) -> list[ExtendedWarrantyProduct]:
    """The products on sale that this appliance may buy today (category and age)."""
    if appliance.purchase_date is None:
        return []
    age = months_between(appliance.purchase_date, on)
    return [
        p
        for p in ExtendedWarrantyProduct.objects.filter(
            active=True, categories__contains=[appliance.category]
        )
        if age <= p.max_age_months
    ]


def contract_queryset_for_user(user) -> QuerySet[ExtendedWarrantyContract]:
    return ExtendedWarrantyContract.objects.filter(
        customer__in=customer_queryset_for_user(user)
    ).select_related("product", "appliance", "customer", "ticket", "sold_by")


def contract_get_for_user(*, user, contract_id: int) -> ExtendedWarrantyContract:
    try:
        return contract_queryset_for_user(user).get(pk=contract_id)
    except (ExtendedWarrantyContract.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Contract not found.")) from None
