"""Which 三包 rules apply to a ticket, and why: one evaluation read by the proposal form,
the proposal service and the approver's page.

Days are counted in the operator's local date from the purchase date to the day the fault
was reported (the ticket's creation): bought on 1 March, a fault reported on 8 March is on
day 7. Earlier repairs are the appliance's other tickets completed with a diagnosis of the
same fault."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite import catalog
from tickets.onsite.models import Diagnosis

from .models import ReturnRule, RuleCondition

DONE = (Status.COMPLETED, Status.CALLBACK_DONE, Status.CLOSED)
ELIGIBLE_KINDS = ("repair", "return_assessment")


@dataclass(frozen=True)
class RuleOutcome:
    rule: ReturnRule
    applies: bool
    reason: str  # a code, shown through `outcome_reason_text`
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return outcome_reason_text(self.reason, self.params)


def reported_on(ticket: Ticket) -> dt.date:
    return timezone.localdate(ticket.created_at)


def earlier_repairs(*, ticket: Ticket, fault: str) -> list[str]:
    """Numbers of the appliance's other completed tickets diagnosed with this fault."""
    ids = (
        Diagnosis.objects.filter(
            ticket__appliance_id=ticket.appliance_id,
            ticket__status__in=DONE,
            ticket__created_at__lt=ticket.created_at,
            fault=fault,
            needs_senior=False,
        )
        .exclude(ticket_id=ticket.pk)
        .values_list("ticket__number", flat=True)
        .distinct()
    )
    return sorted(ids)


def latest_diagnosis(ticket: Ticket) -> Diagnosis | None:
    return Diagnosis.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()


def rules_evaluate(*, ticket: Ticket, fault: str, cause: str) -> list[RuleOutcome]:
    """Every active rule with whether it applies to this ticket's fault, and why."""
    appliance = ticket.appliance
    purchase = appliance.purchase_date
    day = reported_on(ticket)
    repairs: list[str] | None = None
    outcomes = []
    for rule in ReturnRule.objects.filter(active=True):
        if ticket.service_type_id not in ELIGIBLE_KINDS:
            outcomes.append(RuleOutcome(rule, False, "not_eligible_type"))
            continue
        if cause in (rule.excluded_causes or ()):
            outcomes.append(RuleOutcome(rule, False, "not_performance_fault", {"cause": cause}))
            continue
        if rule.requires_in_warranty and not ticket.in_warranty:
            outcomes.append(RuleOutcome(rule, False, "out_of_warranty"))
            continue
        if rule.condition == RuleCondition.DAYS_SINCE_PURCHASE:
            if purchase is None:
                outcomes.append(RuleOutcome(rule, False, "no_purchase_date"))
                continue
            days = (day - purchase).days
            params = {"days": days, "max": rule.max_days, "purchase": purchase.isoformat()}
            if 0 <= days <= rule.max_days:
                outcomes.append(RuleOutcome(rule, True, "within_days", params))
            else:
                outcomes.append(RuleOutcome(rule, False, "beyond_days", params))
        elif rule.condition == RuleCondition.REPEAT_REPAIRS:
            if repairs is None:
                repairs = earlier_repairs(ticket=ticket, fault=fault)
            params = {
                "count": len(repairs),
                "needed": rule.repairs_before,
                "tickets": repairs,
                "fault": fault,
            }
            applies = len(repairs) >= rule.repairs_before
            outcomes.append(
                RuleOutcome(rule, applies, "repeat_failure" if applies else "few_repairs", params)
            )
    return outcomes


def outcome_reason_text(reason: str, params: dict | None = None) -> str:
    """A stored reason code with its parameters, in the reader's language."""
    p = params or {}
    if reason == "within_days":
        return gettext(
            "Fault reported on day %(days)s after purchase (%(purchase)s), within %(max)s days."
        ) % {**p, "purchase": _date(p.get("purchase"))}
    if reason == "beyond_days":
        return gettext(
            "Fault reported on day %(days)s after purchase (%(purchase)s), after %(max)s days."
        ) % {**p, "purchase": _date(p.get("purchase"))}
    if reason in ("repeat_failure", "few_repairs"):
        text = (
            gettext("Repaired %(count)s times for this fault (%(tickets)s) and failed again.")
            if reason == "repeat_failure"
            else gettext("Repaired %(count)s times for this fault; the rule needs %(needed)s.")
        )
        return text % {
            "count": p.get("count", 0),
            "needed": p.get("needed", ""),
            "tickets": ", ".join(p.get("tickets") or []) or "—",
        }
    texts = {
        "not_performance_fault": gettext("The cause is not a performance fault of the product."),
        "out_of_warranty": gettext("The appliance is out of warranty."),
        "no_purchase_date": gettext("No purchase date on file."),
        "not_eligible_type": gettext("Only a repair or an assessment can end in a return."),
    }
    return texts.get(reason, reason)


def _date(value: str | None) -> str:
    if not value:
        return "—"
    return date_format(dt.date.fromisoformat(value), "Y-m-d")


def fault_choices(ticket: Ticket) -> list[tuple[str, str]]:
    return [(c, str(label)) for c, label, _f in catalog.faults_for(ticket.appliance.category)]


def cause_choices(ticket: Ticket) -> list[tuple[str, str]]:
    return [(c, str(label)) for c, label in catalog.causes_for(ticket.appliance.category)]
