from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    CENTRAL = "central", _("Central warehouse")
    REGIONAL = "regional", _("Regional warehouse")
    STORE = "store", _("Service-point store")
    VAN = "van", _("Engineer's van")


class LocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def in_box(self, *, lat: float, lng: float, dlat: float, dlng: float):
        return self.filter(
            lat__gte=lat - dlat, lat__lte=lat + dlat, lng__gte=lng - dlng, lng__lte=lng + dlng
        )


class Location(models.Model):
    """Where stock is kept, in a tree: central > regional > service-point store > van."""

    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("supplied by"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    service_point = models.ForeignKey(
        "engineers.ServicePoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_locations",
        verbose_name=_("service point"),
    )
    engineer = models.OneToOneField(
        "engineers.Engineer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="van",
        verbose_name=_("engineer"),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="van") | models.Q(engineer__isnull=False),
                name="location_van_has_engineer",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="store") | models.Q(service_point__isnull=False),
                name="location_store_has_service_point",
            ),
            models.UniqueConstraint(
                fields=["service_point"],
                condition=models.Q(kind="store"),
                name="uniq_store_per_service_point",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="central"), name="uniq_central_warehouse"
            ),
        ]
        indexes = [models.Index(fields=["kind", "lat", "lng"], name="location_kind_geo_idx")]

    def __str__(self):
        return f"{self.code} {self.name}"


class TransferRoute(models.Model):
    """How long a hop takes, by the kinds of its two ends (the ETA of a transfer)."""

    from_kind = models.CharField(_("source kind"), max_length=10, choices=LocationKind.choices)
    to_kind = models.CharField(_("destination kind"), max_length=10, choices=LocationKind.choices)
    hours = models.PositiveSmallIntegerField(_("hours in transit"))

    class Meta:
        ordering = ["from_kind", "to_kind"]
        verbose_name = _("transfer route")
        verbose_name_plural = _("transfer routes")
        constraints = [
            models.UniqueConstraint(fields=["from_kind", "to_kind"], name="uniq_transfer_route")
        ]

    def __str__(self):
        return f"{self.get_from_kind_display()} → {self.get_to_kind_display()}: {self.hours} h"
