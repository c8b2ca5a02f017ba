"""What a customer asks of the desk from the tracking page: a new visit time or a
cancellation. Each is a task an agent of the ticket's call centre handles and marks done.

These models belong to the `tickets` app (registered from tickets/models.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets import text_limits
from tickets.text_limits import bounded

__all__ = ["CustomerRequest", "CustomerRequestKind", "CancelReason", "CustomerRequestStatus"]

CUSTOMER_NOTE = 500


class CustomerRequestKind(models.TextChoices):
    RESCHEDULE = "reschedule", _("Reschedule the visit")
    CANCEL = "cancel", _("Cancel the repair")


class CancelReason(models.TextChoices):
    FIXED_ITSELF = "fixed_itself", _("The appliance works again")
    REPAIRED_ELSEWHERE = "repaired_elsewhere", _("Repaired elsewhere")
    NOT_AVAILABLE = "not_available", _("I am not available")
    TOO_EXPENSIVE = "too_expensive", _("Too expensive")
    OTHER = "other", _("Another reason")


class CustomerRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CustomerRequest(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="customer_requests",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerRequestKind.choices)
    preferred_start = models.DateTimeField(_("preferred from"), null=True, blank=True)
    preferred_end = models.DateTimeField(_("preferred until"), null=True, blank=True)
    reason_code = models.CharField(
        _("reason"), max_length=30, choices=CancelReason.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True, **bounded(CUSTOMER_NOTE))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CustomerRequestStatus.choices,
        default=CustomerRequestStatus.OPEN,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer request")
        verbose_name_plural = _("customer requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(status="open"),
                name="customerrequest_one_open_per_kind",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="customerrequest_open_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.ticket_id})"


assert text_limits.NOTE >= CUSTOMER_NOTE
