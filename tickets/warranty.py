"""Warranty verdicts from purchase date, category and the per-component terms."""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from . import masterdata
from .choices import Component, FaultClass
from .models import FeeItem


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ComponentVerdict:
    component: str
    label: str
    covered: bool
    until: dt.date


@dataclass(frozen=True)
class WarrantyVerdict:
    known: bool
    in_warranty: bool
    until: dt.date | None = None
    components: list[ComponentVerdict] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "known": self.known,
            "in_warranty": self.in_warranty,
            "until": self.until.isoformat() if self.until else None,
            "reason": self.reason,
            "components": [
                {"component": c.component, "covered": c.covered, "until": c.until.isoformat()}
                for c in self.components
            ],
        }


def warranty_verdict(
    *, category: str, purchase_date: dt.date | None, on: dt.date
) -> WarrantyVerdict:
    """Covered through the last day of the term: bought 2024-03-15 with 12 months is
    covered on 2025-03-14 and out on 2025-03-15."""
    if purchase_date is None:
        return WarrantyVerdict(known=False, in_warranty=False, reason="no_purchase_date")
    if purchase_date > on:
        return WarrantyVerdict(known=False, in_warranty=False, reason="purchase_in_future")
    terms = masterdata.warranty_terms(category)
    if terms is None:
        return WarrantyVerdict(known=False, in_warranty=False, reason="no_policy")
    unit_end = add_months(purchase_date, terms.whole_unit_months)
    components = [
        ComponentVerdict(
            component=Component.WHOLE_UNIT,
            label=str(Component.WHOLE_UNIT.label),
            covered=on < unit_end,
            until=unit_end - dt.timedelta(days=1),
        )
    ]
    for component, months in terms.components:
        end = add_months(purchase_date, months)
        components.append(
            ComponentVerdict(
                component=component,
                label=str(Component(component).label),
                covered=on < end,
                until=end - dt.timedelta(days=1),
            )
        )
    return WarrantyVerdict(
        known=True,
        in_warranty=on < unit_end,
        until=unit_end - dt.timedelta(days=1),
        components=components,
    )


@dataclass(frozen=True)
class FeeEstimate:
    lines: list[tuple[str, Decimal]]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.lines), Decimal("0.00"))


def fee_estimate(*, category: str, fault_class: str) -> FeeEstimate:
    """Call-out fee plus labour for the category and fault class, from the published schedule."""
    items = masterdata.fee_items()
    lines: list[tuple[str, Decimal]] = []
    call_out = items.get((FeeItem.Kind.CALL_OUT, category, "")) or items.get(
        (FeeItem.Kind.CALL_OUT, "", "")
    )
    if call_out is not None:
        lines.append((str(FeeItem.Kind.CALL_OUT.label), call_out))
    labour = items.get((FeeItem.Kind.LABOUR, category, fault_class))
    if labour is not None:
        label = f"{FeeItem.Kind.LABOUR.label} ({FaultClass(fault_class).label})"
        lines.append((label, labour))
    return FeeEstimate(lines=lines)
