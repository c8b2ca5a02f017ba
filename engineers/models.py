"""Field engineers and the service points they work from."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.choices import ApplianceCategory, FaultClass
from tickets.models import ServiceArea


class CertificationLevel(models.IntegerChoices):
    JUNIOR = 1, _("Junior")
    INTERMEDIATE = 2, _("Intermediate")
    SENIOR = 3, _("Senior")


# The certification a fault needs: complex faults need a senior engineer.
REQUIRED_LEVEL = {
    FaultClass.SIMPLE: CertificationLevel.JUNIOR,
    FaultClass.STANDARD: CertificationLevel.INTERMEDIATE,
    FaultClass.COMPLEX: CertificationLevel.SENIOR,
}


# The first-time-fix rate dispatch ranks by: over this many trailing days, with a prior
# worth this many jobs at the network's rate (FTF_DEFAULT while the network has none).
FTF_WINDOW_DAYS = 90
FTF_PRIOR_JOBS = 10
FTF_DEFAULT = 0.8
# A service point's stars are its customers' mean survey score (1-5, over the three
# dimensions) over the same trailing window, with a prior worth this many surveys at the
# network's mean (STARS_DEFAULT while the network has none).
STARS_PRIOR_SURVEYS = 20
STARS_DEFAULT = 4.0


def default_working_hours() -> dict:
    """Monday to Saturday 08:00-18:00 (weekday numbers as in `date.weekday()`)."""
    return {str(d): ["08:00", "18:00"] for d in range(6)}


class ServicePoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    areas = models.ManyToManyField(
        ServiceArea, related_name="service_points", blank=True, verbose_name=_("areas covered")
    )
    # Computed by kpis from the surveys (kpis.services.point_stars_refresh), never typed.
    stars = models.FloatField(_("star rating"), default=STARS_DEFAULT, editable=False)
    stars_surveys = models.PositiveIntegerField(
        _("surveys behind the star rating"), default=0, editable=False
    )
    stars_computed_at = models.DateTimeField(
        _("star rating computed at"), null=True, blank=True, editable=False
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_service_points",
        verbose_name=_("manager"),
    )
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="service_point_stars_1_to_5"
            )
        ]

    def __str__(self):
        return self.name


class EngineerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def with_skill(self, category: str):
        return self.filter(skills__contains=[category])

    def in_box(self, *, lat: float, lng: float, dlat: float, dlng: float):
        """Home base inside a lat/lng bounding box: served by the (home_lat, home_lng) index."""
        return self.filter(
            home_lat__gte=lat - dlat,
            home_lat__lte=lat + dlat,
            home_lng__gte=lng - dlng,
            home_lng__lte=lng + dlng,
        )


class Engineer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engineer",
        verbose_name=_("user"),
    )
    service_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        related_name="engineers",
        verbose_name=_("service point"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    skills = ArrayField(
        models.CharField(max_length=20, choices=ApplianceCategory.choices),
        default=list,
        blank=True,
        verbose_name=_("skills (appliance categories)"),
    )
    service_types = ArrayField(
        models.CharField(max_length=30),
        default=list,
        blank=True,
        verbose_name=_("certified service types"),
        help_text=_("Codes of the service types that need a certification, e.g. installation."),
    )
    level = models.PositiveSmallIntegerField(
        _("certification level"),
        choices=CertificationLevel.choices,
        default=CertificationLevel.JUNIOR,
    )
    certification_expires_on = models.DateField(_("certification expires on"))
    home_lat = models.FloatField(_("home base latitude"))
    home_lng = models.FloatField(_("home base longitude"))
    working_hours = models.JSONField(
        _("working hours"),
        default=default_working_hours,
        blank=True,
        help_text=_('Per weekday (0 = Monday): {"0": ["08:00", "18:00"], ...}; absent = off.'),
    )
    days_off = ArrayField(models.DateField(), default=list, blank=True, verbose_name=_("days off"))
    max_concurrent = models.PositiveSmallIntegerField(_("max concurrent jobs"), default=4)
    max_per_day = models.PositiveSmallIntegerField(_("max jobs per day"), default=8)
    # Computed, never typed: kpis.services.engineer_ftf_refresh writes the first-time-fix
    # rate over the trailing FTF_WINDOW_DAYS, shrunk towards the network's rate by
    # FTF_PRIOR_JOBS imaginary jobs so a new engineer starts at the network's rate.
    first_time_fix_rate = models.FloatField(
        _("first-time-fix rate"), default=FTF_DEFAULT, editable=False
    )
    first_time_fix_jobs = models.PositiveIntegerField(
        _("jobs behind the first-time-fix rate"), default=0, editable=False
    )
    first_time_fix_computed_at = models.DateTimeField(
        _("first-time-fix rate computed at"), null=True, blank=True, editable=False
    )
    active = models.BooleanField(_("active"), default=True)

    objects = EngineerQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")
        indexes = [
            models.Index(fields=["home_lat", "home_lng"], name="engineer_home_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_time_fix_rate__gte=0, first_time_fix_rate__lte=1),
                name="engineer_ftf_rate_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(max_concurrent__gte=1, max_per_day__gte=1),
                name="engineer_capacity_positive",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """What the customer is told: the first name, else the username."""
        u = self.user
        return self.name_shown(u.first_name, u.last_name, u.get_username())

    @staticmethod
    def name_shown(first_name: str, last_name: str, username: str) -> str:
        """display_name from the user's columns (for lists read with .values())."""
        return first_name or f"{first_name} {last_name}".strip() or username

    def certified_for(self, level: int, on: dt.date) -> bool:
        return self.level >= level and self.certification_expires_on >= on

    def shift_on(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """Working hours on a local date, or None when off."""
        if day in (self.days_off or []):
            return None
        hours = (self.working_hours or {}).get(str(day.weekday()))
        if not hours:
            return None
        start, end = (dt.time.fromisoformat(h) for h in hours)
        return start, end
