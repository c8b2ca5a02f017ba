"""Extended warranty (延保): the products sold and the contracts that extend an
appliance's cover. These models belong to the `tickets` app (registered from
tickets/models.py)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.choices import ApplianceCategory, Component
from tickets.languages import in_language

__all__ = ["ExtendedWarrantyProduct", "ExtendedWarrantyContract"]


class Coverage(models.TextChoices):
    WHOLE_UNIT = "whole_unit", _("Whole unit")
    COMPONENTS = "components", _("Listed components")


class StartsFrom(models.TextChoices):
    BASE_END = "base_end", _("When the standard warranty ends")
    SALE = "sale", _("On the day of sale")


class ExtendedWarrantyProduct(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=2)
    coverage = models.CharField(_("covers"), max_length=20, choices=Coverage.choices)
    components = ArrayField(
        models.CharField(max_length=30, choices=Component.choices),
        default=list,
        blank=True,
        verbose_name=_("components covered"),
    )
    years = models.PositiveSmallIntegerField(_("years"))
    starts_from = models.CharField(
        _("cover starts"), max_length=10, choices=StartsFrom.choices, default=StartsFrom.BASE_END
    )
    categories = ArrayField(
        models.CharField(max_length=20, choices=ApplianceCategory.choices),
        verbose_name=_("eligible categories"),
    )
    max_age_months = models.PositiveSmallIntegerField(
        _("appliance at most this many months old at sale")
    )
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("extended warranty product")
        verbose_name_plural = _("extended warranty products")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="ewp_price_non_negative"),
            models.CheckConstraint(condition=models.Q(years__gt=0), name="ewp_years_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_zh_hans, self.name_en)

    @property
    def component_labels(self) -> list[str]:
        return component_labels(self.components)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.coverage == Coverage.COMPONENTS and not self.components:
            raise ValidationError({"components": _("List the components it covers.")})


def component_labels(codes) -> list[str]:
    labels = dict(Component.choices)
    return [str(labels.get(code, code)) for code in codes or ()]


class SaleChannel(models.TextChoices):
    TICKET = "ticket", _("On a ticket")
    CALLBACK = "callback", _("At the follow-up call")
    CONSOLE = "console", _("From the agent console")


class ContractState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class ExtendedWarrantyContract(models.Model):
    certificate_number = models.CharField(
        _("certificate number"), max_length=32, unique=True, editable=False
    )
    product = models.ForeignKey(
        ExtendedWarrantyProduct,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("product"),
    )
    appliance = models.ForeignKey(
        "tickets.Appliance",
        on_delete=models.PROTECT,
        related_name="extended_warranties",
        verbose_name=_("appliance"),
    )
    customer = models.ForeignKey(
        "tickets.Customer",
        on_delete=models.PROTECT,
        related_name="extended_warranties",
        verbose_name=_("customer"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extended_warranties",
        verbose_name=_("ticket"),
    )
    channel = models.CharField(_("sold"), max_length=10, choices=SaleChannel.choices)
    # The terms as sold: a later change of the product does not change a contract.
    coverage = models.CharField(_("covers"), max_length=20, choices=Coverage.choices)
    components = ArrayField(
        models.CharField(max_length=30), default=list, blank=True, verbose_name=_("components")
    )
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=2)
    starts_on = models.DateField(_("cover starts on"))
    ends_on = models.DateField(_("cover ends on (last day)"))
    state = models.CharField(
        _("state"), max_length=10, choices=ContractState.choices, default=ContractState.ACTIVE
    )
    paid = models.BooleanField(_("paid"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sold by"),
    )
    sold_at = models.DateTimeField(_("sold at"), default=timezone.now)

    class Meta:
        ordering = ["-sold_at"]
        verbose_name = _("extended warranty contract")
        verbose_name_plural = _("extended warranty contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="ewc_period_order"
            ),
            # The same product sold twice on one appliance is a double click, not a sale.
            models.UniqueConstraint(
                fields=["appliance", "product"],
                condition=models.Q(state="active"),
                name="uniq_active_ew_contract",
            ),
        ]

    def __str__(self):
        return self.certificate_number

    @property
    def component_labels(self) -> list[str]:
        return component_labels(self.components)
