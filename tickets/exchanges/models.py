"""Returns and exchanges under the 三包 rules: the rules as rows, and the proposals an
approver decides. These models belong to the `tickets` app (registered from
tickets/models.py)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.languages import in_language

__all__ = ["ReturnRule", "ExchangeProposal"]


class RemedyKind(models.TextChoices):
    RETURN = "return", _("Return (refund)")
    EXCHANGE = "exchange", _("Exchange for a new unit")


class RuleCondition(models.TextChoices):
    DAYS_SINCE_PURCHASE = "days_since_purchase", _("Within N days of purchase")
    REPEAT_REPAIRS = "repeat_repairs", _("Repaired N times for the same fault, failed again")


class NewWarrantyFrom(models.TextChoices):
    EXCHANGE_DATE = "exchange_date", _("The exchange date")
    ORIGINAL_PURCHASE = "original_purchase", _("The original purchase date")


def _default_excluded_causes() -> list[str]:
    # What the customer or the house caused is not a performance fault of the product.
    return ["misuse", "external", "power"]


class ReturnRule(models.Model):
    """One 三包 rule: when a fault entitles the customer to a return or an exchange."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("remedy"), max_length=10, choices=RemedyKind.choices)
    condition = models.CharField(_("condition"), max_length=30, choices=RuleCondition.choices)
    max_days = models.PositiveSmallIntegerField(
        _("at most this many days after purchase"), null=True, blank=True
    )
    repairs_before = models.PositiveSmallIntegerField(
        _("repairs of the same fault before this failure"), null=True, blank=True
    )
    requires_in_warranty = models.BooleanField(_("only in warranty"), default=False)
    excluded_causes = ArrayField(
        models.CharField(max_length=40),
        default=_default_excluded_causes,
        blank=True,
        verbose_name=_("causes that are not a performance fault"),
    )
    new_warranty_from = models.CharField(
        _("the new unit's warranty starts from"),
        max_length=20,
        choices=NewWarrantyFrom.choices,
        default=NewWarrantyFrom.EXCHANGE_DATE,
    )
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order in lists"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("return or exchange rule")
        verbose_name_plural = _("return and exchange rules (三包)")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(condition="days_since_purchase") | models.Q(max_days__gt=0),
                name="returnrule_days_need_max_days",
            ),
            models.CheckConstraint(
                condition=~models.Q(condition="repeat_repairs") | models.Q(repairs_before__gt=0),
                name="returnrule_repeat_needs_count",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_zh_hans, self.name_en)


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RejectReason(models.TextChoices):
    NOT_COVERED = "not_covered", _("The rule does not apply after review")
    CUSTOMER_CAUSED = "customer_caused", _("Damage caused by use or installation")
    REPAIRABLE = "repairable", _("A repair is the better remedy")
    CUSTOMER_DECLINED = "customer_declined", _("The customer prefers a repair")
    MISSING_PROOF = "missing_proof", _("Proof of purchase missing")


class ExchangeProposal(models.Model):
    """A return or exchange proposed on a ticket by rule, decided by an approver."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="exchange_proposals",
        verbose_name=_("ticket"),
    )
    rule = models.ForeignKey(
        ReturnRule,
        to_field="code",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("rule"),
    )
    kind = models.CharField(_("remedy"), max_length=10, choices=RemedyKind.choices)
    fault = models.CharField(_("fault"), max_length=40)
    cause = models.CharField(_("cause"), max_length=40)
    # What the rule found (days since purchase, earlier repairs), as a code and parameters.
    evaluation = models.JSONField(_("why the rule applies"), default=dict)
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = models.CharField(
        _("reason for rejecting"), max_length=20, choices=RejectReason.choices, blank=True
    )
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    old_serial = models.CharField(_("old unit's serial number"), max_length=64, blank=True)
    new_serial = models.CharField(_("new unit's serial number"), max_length=64, blank=True)
    new_appliance = models.OneToOneField(
        "tickets.Appliance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new unit"),
    )

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("return or exchange proposal")
        verbose_name_plural = _("return and exchange proposals")
        constraints = [
            # One proposal at a time per ticket, and one approved remedy per ticket.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(state__in=["proposed", "approved"]),
                name="uniq_open_exchange_proposal",
            ),
        ]
        indexes = [
            models.Index(
                fields=["proposed_at"],
                condition=models.Q(state="proposed"),
                name="exchange_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.kind} ({self.state})"
