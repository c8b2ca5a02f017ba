"""A retailer's delivery that asks for an installation: one order of one partner is one
installation ticket (`uniq_delivery_order` decides a repeated or raced delivery).

These models belong to the `tickets` app (registered from tickets/models.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.choices import ApplianceCategory

__all__ = ["Delivery", "DeliveryLine"]


class Delivery(models.Model):
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("retailer"),
    )
    order_number = models.CharField(_("order number"), max_length=64)
    delivery_date = models.DateField(_("delivery date"))
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery",
        verbose_name=_("installation ticket"),
    )
    created_at = models.DateTimeField(_("delivery request received at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["partner", "order_number"], name="uniq_delivery_order")
        ]

    def __str__(self):
        return f"{self.partner_id}:{self.order_number}"

    @property
    def units_expected(self) -> int:
        return sum(line.quantity for line in self.lines.all())


class DeliveryLine(models.Model):
    """One product of the delivery: a model code and how many units."""

    MAX_QUANTITY = 20

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("category"), max_length=20, choices=ApplianceCategory.choices)
    model_code = models.CharField(_("model"), max_length=64)
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("delivered product")
        verbose_name_plural = _("delivered products")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=20), name="deliveryline_qty"
            )
        ]

    def __str__(self):
        return f"{self.quantity} × {self.model_code}"
