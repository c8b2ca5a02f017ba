from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long the engineer has to bring the old part back after fitting a new one under
# warranty (the settlement with the maker needs it).
RETURN_DAYS = 15


class OldPartReturn(models.Model):
    """The old part a new part issued under warranty must bring back, matched serial by
    serial when it is scanned in at a service point."""

    usage = models.OneToOneField(
        "spareparts.PartUsage",
        on_delete=models.PROTECT,
        related_name="old_part_return",
        verbose_name=_("usage"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("ticket")
    )
    part = models.ForeignKey(
        "spareparts.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    engineer = models.ForeignKey(
        "engineers.Engineer",
        on_delete=models.PROTECT,
        related_name="old_part_returns",
        verbose_name=_("engineer"),
    )
    new_serial = models.CharField(_("new part's serial or batch"), max_length=64)
    expected_serial = models.CharField(_("old part's serial"), max_length=64, blank=True)
    due_on = models.DateField(_("due back by"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_serial = models.CharField(_("returned serial"), max_length=64, blank=True)
    returned_to = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned to"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    overdue_flagged_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("overdue flagged at")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("old-part return")
        verbose_name_plural = _("old-part returns")
        constraints = [
            # The same old serial cannot be returned twice (for the same part).
            models.UniqueConstraint(
                fields=["part", "returned_serial"],
                condition=~Q(returned_serial=""),
                name="uniq_returned_old_serial",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on"], name="old_part_open_idx", condition=Q(returned_at__isnull=True)
            ),
            models.Index(fields=["expected_serial"], name="old_part_expected_idx"),
        ]

    def __str__(self):
        return f"{self.part_id}: {self.expected_serial or '?'} due {self.due_on}"

    @property
    def overdue(self) -> bool:
        return self.returned_at is None and self.due_on < timezone.localdate()
