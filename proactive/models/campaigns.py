"""Proactive campaigns (电话提醒): a target rule over the registered appliances, a call list
taken as a snapshot when the campaign is built, worked by the desk like the callback queue,
with SMS reminders through the outbox. A customer who opted out is never on a list."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets.choices import ApplianceCategory


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("campaign state", "Draft")
        ACTIVE = "active", pgettext_lazy("campaign state", "Calling")
        ENDED = "ended", pgettext_lazy("campaign state", "Ended")

    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(
        _("appliance category"), max_length=20, choices=ApplianceCategory.choices, blank=True
    )
    older_than_years = models.PositiveSmallIntegerField(
        _("bought more than (years) ago"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    younger_than_years = models.PositiveSmallIntegerField(
        _("bought less than (years) ago"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    purchased_within_days = models.PositiveSmallIntegerField(
        _("bought in the last (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    area = models.ForeignKey(
        "tickets.ServiceArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    script = models.CharField(_("what to tell the customer"), max_length=1000, blank=True)
    sms_text = models.CharField(_("SMS reminder text"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    built_at = models.DateTimeField(_("call list taken at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class Outcome(models.TextChoices):
    REACHED = "reached", pgettext_lazy("campaign call", "Reached")
    NO_ANSWER = "no_answer", pgettext_lazy("campaign call", "No answer")
    BUSY = "busy", pgettext_lazy("campaign call", "Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    DECLINED = "declined", _("Declined")
    BOOKED_MAINTENANCE = "booked_maintenance", _("Booked a maintenance visit")
    WARRANTY_INTEREST = "warranty_interest", _("Interested in an extended warranty")
    OPTED_OUT = "opted_out", _("Asked not to be contacted again")


class CampaignCallQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=CampaignCall.State.OPEN)

    def due(self, now):
        return self.open().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


class CampaignCall(models.Model):
    """One customer on a campaign's list (one call per customer, for the first appliance
    the rule matched)."""

    Outcome = Outcome

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("campaign call", "Open")
        DONE = "done", pgettext_lazy("campaign call", "Done")
        UNREACHABLE = "unreachable", pgettext_lazy("campaign call", "Unreachable")
        WITHDRAWN = "withdrawn", _("Withdrawn (opted out)")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="calls", verbose_name=_("campaign")
    )
    customer = models.ForeignKey(
        "tickets.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    appliance = models.ForeignKey(
        "tickets.Appliance", on_delete=models.PROTECT, related_name="+", verbose_name=_("appliance")
    )
    area = models.ForeignKey(
        "tickets.ServiceArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CampaignCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign call")
        verbose_name_plural = _("campaign calls")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="uniq_campaign_customer")
        ]
        indexes = [
            models.Index(
                fields=["campaign", "id"], name="campaigncall_open_idx", condition=Q(state="open")
            ),
            # The frequency rule: who was contacted lately, by any campaign.
            models.Index(fields=["customer", "closed_at"], name="campaigncall_contact_idx"),
        ]

    def __str__(self):
        return f"{self.campaign_id} / {self.customer_id}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class CampaignAttempt(models.Model):
    call = models.ForeignKey(
        CampaignCall, on_delete=models.CASCADE, related_name="call_attempts", verbose_name=_("call")
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("attempt number"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign call attempt")
        verbose_name_plural = _("campaign call attempts")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="uniq_campaign_attempt")
        ]

    def __str__(self):
        return f"{self.call_id} #{self.number}"


class ContactOptOut(models.Model):
    """The customer asked not to get the desk's proactive calls and reminders."""

    class Source(models.TextChoices):
        SMS_LINK = "sms_link", _("Opt-out link in an SMS")
        AGENT = "agent", _("Told an agent")

    customer = models.OneToOneField(
        "tickets.Customer",
        on_delete=models.CASCADE,
        related_name="contact_opt_out",
        verbose_name=_("customer"),
    )
    source = models.CharField(_("how"), max_length=10, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("opted out at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact opt-out")
        verbose_name_plural = _("contact opt-outs")

    def __str__(self):
        return str(self.customer_id)
