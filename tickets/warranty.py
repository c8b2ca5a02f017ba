"""Warranty verdicts from purchase date, category and the per-component terms, the
published fees, and whether a charge is free and why: one rule each, read by the agent
console, the API, the engineer's pages, the charges and the service report (page and PDF).
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import hooks, masterdata
from .choices import Component, labour_label
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
    extensions: list["ExtensionVerdict"] = field(default_factory=list)
    # The day the terms were counted from and which date it is ("purchase" or
    # "installation"); `starts_from_policy` is what the policy asks for (an installation
    # date policy counts from the purchase until the unit is installed).
    counted_from: str = ""
    start_date: dt.date | None = None
    starts_from_policy: str = ""

    def as_dict(self) -> dict:
        return {
            "known": self.known,
            "in_warranty": self.in_warranty,
            "until": self.until.isoformat() if self.until else None,
            "reason": self.reason,
            "counted_from": self.counted_from,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "starts_from_policy": self.starts_from_policy,
            "components": [
                {"component": c.component, "covered": c.covered, "until": c.until.isoformat()}
                for c in self.components
            ],
            "extensions": [e.as_dict() for e in self.extensions],
        }

    @property
    def active_extension(self) -> "ExtensionVerdict | None":
        return next((e for e in self.extensions if e.active), None)


STARTS_FROM_PURCHASE = "purchase"
STARTS_FROM_INSTALLATION = "installation"


def warranty_verdict(
    *,
    category: str,
    purchase_date: dt.date | None,
    on: dt.date,
    installation_date: dt.date | None = None,
) -> WarrantyVerdict:
    """Covered through the last day of the term: bought 2024-03-15 with 12 months is
    covered on 2025-03-14 and out on 2025-03-15. The term counts from the purchase date,
    or from the installation date when the category's policy says so and the unit is
    installed (until then from the purchase date); the verdict says which."""
    terms = masterdata.warranty_terms(category)
    policy_start = terms.starts_from if terms is not None else STARTS_FROM_PURCHASE
    if policy_start == STARTS_FROM_INSTALLATION and installation_date is not None:
        counted_from, start = STARTS_FROM_INSTALLATION, installation_date
    else:
        counted_from, start = STARTS_FROM_PURCHASE, purchase_date
    if start is None:
        return WarrantyVerdict(known=False, in_warranty=False, reason="no_purchase_date")
    if start > on:
        reason = (
            "installation_in_future"
            if counted_from == STARTS_FROM_INSTALLATION
            else "purchase_in_future"
        )
        return WarrantyVerdict(known=False, in_warranty=False, reason=reason)
    if terms is None:
        return WarrantyVerdict(known=False, in_warranty=False, reason="no_policy")
    unit_end = add_months(start, terms.whole_unit_months)
    components = [
        ComponentVerdict(
            component=Component.WHOLE_UNIT,
            label=str(Component.WHOLE_UNIT.label),
            covered=on < unit_end,
            until=unit_end - dt.timedelta(days=1),
        )
    ]
    for component, months in terms.components:
        end = add_months(start, months)
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
        counted_from=counted_from,
        start_date=start,
        starts_from_policy=policy_start,
    )


# --- extended warranty (延保) --------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionVerdict:
    """One extended warranty contract of the appliance, as the verdict on a day sees it."""

    certificate_number: str
    product: str
    coverage: str  # "whole_unit" or "components"
    components: tuple[str, ...]
    starts_on: dt.date
    ends_on: dt.date
    active: bool  # covers on the verdict's day

    def as_dict(self) -> dict:
        return {
            "certificate_number": self.certificate_number,
            "product": self.product,
            "coverage": self.coverage,
            "components": list(self.components),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "active": self.active,
        }


def verdict_with_extensions(verdict: WarrantyVerdict, *, contracts, on: dt.date) -> WarrantyVerdict:
    """The base verdict with the appliance's extended warranty contracts laid over it: a
    contract covers from its first through its last day, the whole unit (then every
    component too) or the components it lists. A unit whose base verdict is unknown
    (no purchase date) stays unknown: a contract is never sold without one."""
    extensions = [
        ExtensionVerdict(
            certificate_number=c.certificate_number,
            product=c.product.name,
            coverage=c.coverage,
            components=tuple(c.components),
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            active=c.starts_on <= on <= c.ends_on,
        )
        for c in contracts
    ]
    if not verdict.known or not extensions:
        return verdict
    in_warranty, until = verdict.in_warranty, verdict.until
    components = list(verdict.components)
    for ext in extensions:
        whole = ext.coverage == "whole_unit"
        if whole:
            if ext.active or (in_warranty and ext.starts_on <= until + dt.timedelta(days=1)):
                until = max(until, ext.ends_on)
            in_warranty = in_warranty or ext.active
        covered_codes = {c.component for c in components} if whole else set(ext.components)
        missing = covered_codes - {c.component for c in components}
        components += [
            ComponentVerdict(
                component=code,
                label=str(Component(code).label),
                covered=False,
                until=ext.starts_on - dt.timedelta(days=1),
            )
            for code in sorted(missing)
        ]
        components = [
            ComponentVerdict(
                component=c.component,
                label=c.label,
                covered=c.covered or ext.active,
                until=max(c.until, ext.ends_on) if _continues(c, ext) else c.until,
            )
            if c.component in covered_codes
            else c
            for c in components
        ]
    return WarrantyVerdict(
        known=True,
        in_warranty=in_warranty,
        until=until,
        components=components,
        reason=verdict.reason,
        extensions=extensions,
        counted_from=verdict.counted_from,
        start_date=verdict.start_date,
        starts_from_policy=verdict.starts_from_policy,
    )


def _continues(cover: ComponentVerdict, ext: ExtensionVerdict) -> bool:
    """The contract covers now, or takes over without a gap from a cover still running."""
    return ext.active or (cover.covered and ext.starts_on <= cover.until + dt.timedelta(days=1))


def appliance_warranty_verdict(*, appliance, on: dt.date) -> WarrantyVerdict:
    """The verdict for one appliance on a day: its category's terms from its purchase or
    installation date (as the policy says) and its active extended warranty contracts."""
    from .extended_warranty.selectors import contracts_for_verdict

    verdict = warranty_verdict(
        category=appliance.category,
        purchase_date=appliance.purchase_date,
        installation_date=appliance.installed_on,
        on=on,
    )
    return verdict_with_extensions(
        verdict, contracts=contracts_for_verdict(appliance=appliance), on=on
    )


@dataclass(frozen=True)
class FeeEstimate:
    lines: list[tuple[str, Decimal]]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.lines), Decimal("0.00"))


def fee_price(
    *, kind: str, category: str, fault_class: str, service_type: str = "repair"
) -> Decimal | None:
    """The published price of a call-out (the category's, else the general one) or of the
    labour for a category and fault class, from the service type's own lines, else the
    lines of every type; None when the schedule has no such line."""
    items = masterdata.fee_items()
    if kind == FeeItem.Kind.CALL_OUT:
        keys = [(kind, category, ""), (kind, "", "")]
    else:
        keys = [(kind, category, fault_class)]
    for type_code in (service_type, ""):
        for key in keys:
            price = items.get((*key, type_code))
            if price is not None:
                return price
    return None


def fee_estimate(*, category: str, fault_class: str, service_type: str = "repair") -> FeeEstimate:
    """Call-out fee plus labour for the category and fault class, from the published
    schedule of the service type."""
    lines: list[tuple[str, Decimal]] = []
    call_out = fee_price(
        kind=FeeItem.Kind.CALL_OUT, category=category, fault_class="", service_type=service_type
    )
    if call_out is not None:
        lines.append((str(FeeItem.Kind.CALL_OUT.label), call_out))
    labour = fee_price(
        kind=FeeItem.Kind.LABOUR,
        category=category,
        fault_class=fault_class,
        service_type=service_type,
    )
    if labour is not None:
        lines.append((labour_label(fault_class), labour))
    return FeeEstimate(lines=lines)


def intake_estimate(
    *, in_warranty: bool, category: str, fault_class: str, service_type: str = "repair"
) -> FeeEstimate | None:
    """The fee a new ticket asks the customer to accept: none in warranty, unless the
    service type is charged anyway (a paid cleaning), and then only when the schedule
    has a line for it. Out of warranty the customer accepts even an empty estimate."""
    kind = masterdata.service_type(service_type)
    if in_warranty and not (kind is not None and kind.charged_in_warranty):
        return None
    estimate = fee_estimate(category=category, fault_class=fault_class, service_type=service_type)
    return estimate if estimate.lines or not in_warranty else None


# --- is a charge free, and why -----------------------------------------------------------


class FreeReason(models.TextChoices):
    """Why a charge line costs the customer nothing (stored on the line, shown translated)."""

    IN_WARRANTY = "in_warranty", _("in warranty")
    COMPONENT_WARRANTY = "component_warranty", _("covered by the part's own warranty")
    WAIVED = "waived", _("waived")


@dataclass(frozen=True)
class ChargeVerdict:
    free: bool
    reason: str = ""  # a FreeReason code
    detail: dict = field(default_factory=dict)  # parameters shown with the reason


CHARGED = ChargeVerdict(free=False)


def ticket_component_cover(ticket, component: str) -> dict | None:
    """The component's term on this ticket when it still covered the appliance on the day the
    fault was reported: {"component", "until"}; else None. Reads the verdict stored at intake,
    or works it out again for a ticket opened before components were stored."""
    if not component or component == Component.WHOLE_UNIT:
        return None
    rows = (ticket.warranty_detail or {}).get("components")
    if rows is None:
        verdict = appliance_warranty_verdict(
            appliance=ticket.appliance, on=timezone.localdate(ticket.created_at)
        )
        rows = verdict.as_dict()["components"]
    for row in rows:
        if row.get("component") == component and row.get("covered"):
            return {"component": component, "until": row.get("until")}
    return None


def charge_verdict(*, ticket, kind: str, component: str = "") -> ChargeVerdict:
    """Whether a charge line of `kind` ("call_out", "labour", "part") is free on this ticket,
    and why. In warranty everything is free; a reason from `hooks.charge_waivers` (a free
    revisit) makes the call-out and labour free; a part is free while its own component term
    (e.g. a compressor's ten years) covers the appliance. A material used beyond the free
    allowance (extra pipe, a bracket) is charged whatever the warranty."""
    if kind == FeeItem.Kind.MATERIAL:
        return CHARGED
    if ticket.in_warranty:
        return ChargeVerdict(free=True, reason=FreeReason.IN_WARRANTY)
    if kind in (FeeItem.Kind.CALL_OUT, FeeItem.Kind.LABOUR):
        waivers = hooks.charge_waivers(ticket=ticket)
        if waivers:
            return ChargeVerdict(
                free=True, reason=FreeReason.WAIVED, detail={"waivers": sorted(set(waivers))}
            )
        return CHARGED
    cover = ticket_component_cover(ticket, component)
    if cover is not None:
        return ChargeVerdict(free=True, reason=FreeReason.COMPONENT_WARRANTY, detail=cover)
    return CHARGED


def free_reason_text(reason: str, detail: dict | None = None) -> str:
    """The stored reason code of a free line, in the reader's language."""
    detail = detail or {}
    if reason == FreeReason.COMPONENT_WARRANTY:
        try:
            label = Component(detail.get("component")).label
        except ValueError:
            label = detail.get("component", "")
        until = detail.get("until")
        if until:
            until = date_format(dt.date.fromisoformat(until), "SHORT_DATE_FORMAT")
            return gettext("%(component)s under its own warranty until %(until)s") % {
                "component": label,
                "until": until,
            }
        return gettext("%(component)s under its own warranty") % {"component": label}
    try:
        return str(FreeReason(reason).label)
    except ValueError:
        return reason


def counted_from_text(verdict: dict | WarrantyVerdict | None) -> str:
    """Which date the verdict's terms were counted from, in the reader's language; empty
    when the verdict is unknown or was stored before the date was recorded."""
    if verdict is None:
        return ""
    if isinstance(verdict, WarrantyVerdict):
        verdict = verdict.as_dict()
    start = verdict.get("start_date")
    if not verdict.get("known") or not start:
        return ""
    day = date_format(dt.date.fromisoformat(start), "Y-m-d")
    if verdict.get("counted_from") == STARTS_FROM_INSTALLATION:
        return gettext("counted from the installation date, %(day)s") % {"day": day}
    if verdict.get("starts_from_policy") == STARTS_FROM_INSTALLATION:
        return gettext("counted from the purchase date, %(day)s, until the unit is installed") % {
            "day": day
        }
    return gettext("counted from the purchase date, %(day)s") % {"day": day}


def warranty_badge(ticket) -> dict:
    """What every page shows of a ticket's warranty: the stored verdict and, out of
    warranty, the estimate the customer accepted."""
    if ticket.in_warranty:
        return {"in_warranty": True, "label": gettext("In warranty"), "css": "ok"}
    return {
        "in_warranty": False,
        "label": gettext("Out of warranty"),
        "css": "warn",
        "estimate": ticket.fee_estimate,
    }
