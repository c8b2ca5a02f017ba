import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Reverse, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import masking, text_limits
from .choices import (
    ApplianceCategory,
    AreaType,
    Channel,
    Component,
    FaultClass,
    Priority,
    PurchaseChannel,
)
from .languages import chinese, in_language
from .lifecycle import Status
from .text_limits import bounded


class ServiceArea(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=100)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices)
    centroid_lat = models.FloatField(_("centroid latitude"))
    centroid_lng = models.FloatField(_("centroid longitude"))

    class Meta:
        ordering = ["city", "name"]
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")

    def __str__(self):
        return self.label(self.city, self.name)

    @staticmethod
    def label(city: str | None, name: str | None) -> str:
        """The area as people name it, from its columns (for lists read with .values());
        empty for no area."""
        return f"{city} · {name}" if name else ""


class CallCentre(models.Model):
    """A call centre handles the tickets of the areas it covers; its agents see only those."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    areas = models.ManyToManyField(
        ServiceArea, related_name="call_centres", blank=True, verbose_name=_("areas")
    )

    class Meta:
        verbose_name = _("call centre")
        verbose_name_plural = _("call centres")

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    call_centre = models.ForeignKey(
        CallCentre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("call centre"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    national_desk = models.BooleanField(
        _("national desk"),
        default=False,
        help_text=_(
            "Works the national hotline and sees every area. An agent or dispatcher with "
            "neither this nor a call centre sees no tickets."
        ),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


class CustomerQuerySet(models.QuerySet):
    def by_phone(self, digits: str):
        """Full number or its last digits (at least 4); served by an index either way."""
        digits = "".join(ch for ch in digits if ch.isdigit())
        if len(digits) > 11 and digits.startswith("86"):
            digits = digits[2:]  # typed with the country code
        if not digits:
            return self.none()
        return self.filter(mobile_reversed__startswith=digits[::-1])


class DuplicateCustomerReason(models.TextChoices):
    """Why a second customer record deliberately shares a mobile number with another."""

    SHARED_PHONE = "shared_phone", _("Family members share one phone")
    BUSINESS = "business", _("A business and a private customer on one number")
    SEPARATE_BILLING = "separate_billing", _("Billed separately (e.g. landlord and tenant)")
    # Records that already shared a number when the one-customer-per-number rule came in.
    LEGACY = "legacy", _("Registered twice before the duplicate check")


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # E.164, e.g. +8613812345678, validated with phonenumbers in the service layer.
    mobile = models.CharField(_("mobile number"), max_length=20, db_index=True)
    # Empty for the one customer a number finds; a second record on the same number must
    # say why (the unique constraint below lets only those through).
    duplicate_reason = models.CharField(
        _("reason for a second record on this number"),
        max_length=20,
        choices=DuplicateCustomerReason.choices,
        blank=True,
    )
    # The national number reversed: a "last digits" search becomes an indexed prefix search.
    mobile_reversed = models.CharField(
        max_length=20, editable=False, verbose_name=_("mobile, reversed")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(
                fields=["mobile_reversed"],
                opclasses=["varchar_pattern_ops"],
                name="customer_mobile_rev_idx",
            ),
            # The ticket list's search by the start of a name, whatever its case.
            models.Index(
                OpClass(Upper("name"), name="text_pattern_ops"), name="customer_name_upper_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=models.Q(duplicate_reason=""),
                name="uniq_customer_mobile",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        # A search by the last digits is a prefix search on the reversed number.
        self.mobile_reversed = self.national_number()[::-1]

    def national_number(self) -> str:
        return masking.national_number(self.mobile)

    @property
    def masked_mobile(self) -> str:
        return masking.mobile_masked(self.mobile)


class Address(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    line = models.CharField(_("address"), max_length=255)
    area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, related_name="addresses", verbose_name=_("area")
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    is_default = models.BooleanField(_("default"), default=True)
    # Who to meet there when it is not the customer (a relative, a tenant).
    contact_name = models.CharField(_("contact at this address"), max_length=100, blank=True)
    # Given by a partner system for one ticket: an agent confirms it before it is the
    # customer's own (a partner never changes a customer's record).
    needs_confirmation = models.BooleanField(_("to be confirmed by an agent"), default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return self.line


class ApplianceState(models.TextChoices):
    IN_USE = "in_use", _("In use")
    RETURNED = "returned", _("Returned (refunded)")
    EXCHANGED = "exchanged", _("Exchanged for a new unit")


class Appliance(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="appliances", verbose_name=_("customer")
    )
    category = models.CharField(_("category"), max_length=20, choices=ApplianceCategory.choices)
    brand = models.CharField(_("brand"), max_length=50)
    model_number = models.CharField(_("model"), max_length=64)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_channel = models.CharField(
        _("purchase channel"),
        max_length=20,
        choices=PurchaseChannel.choices,
        default=PurchaseChannel.STORE,
    )
    proof_of_purchase = models.FileField(
        _("proof of purchase"), upload_to="proofs/%Y/%m/", blank=True
    )
    # The partner system that registered it (None: the desk or the demo). A partner sees
    # the warranty of, and raises alarms for, only the appliances it registered or is
    # connected to.
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    device_platforms = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="connected_appliances",
        verbose_name=_("connected device platforms"),
        help_text=_("Partner systems that may raise IoT alarms for this appliance."),
    )
    # Returns and exchanges (tickets.exchanges): a returned or exchanged unit keeps its
    # record and its tickets; the unit given in exchange points back at the one it replaces.
    state = models.CharField(
        _("state"), max_length=20, choices=ApplianceState.choices, default=ApplianceState.IN_USE
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("given in exchange for"),
    )
    # Set when an extended warranty is sold on it (tickets.extended_warranty): the verdict
    # looks for contracts only then, so an intake of the other appliances costs no query.
    has_extended_warranty = models.BooleanField(
        default=False, editable=False, verbose_name=_("has extended warranty")
    )
    # Installation (issue 16): the retailer's delivery it came with, the installation
    # ticket whose engineer scanned its serial, and the day it was installed (a warranty
    # policy may count from it).
    delivery = models.ForeignKey(
        "tickets.Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appliances",
        verbose_name=_("delivered with"),
    )
    installation_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="installed_appliances",
        verbose_name=_("installed on ticket"),
    )
    installed_on = models.DateField(_("installation date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("appliance")
        verbose_name_plural = _("appliances")
        indexes = [models.Index(Upper("serial_number"), name="appliance_serial_upper_idx")]
        constraints = [
            # One record per serial number, whatever its case: a second owner is a transfer.
            models.UniqueConstraint(
                Upper("serial_number"),
                condition=~models.Q(serial_number=""),
                name="uniq_appliance_serial",
            )
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.brand} {self.model_number}"


class ApplianceTransfer(models.Model):
    """An appliance put on another customer (sold, moved, registered by the wrong person)."""

    class Reason(models.TextChoices):
        SOLD = "sold", _("Sold or given to the new owner")
        MOVED_IN = "moved_in", _("Came with the home the customer moved into")
        WRONG_CUSTOMER = "wrong_customer", _("Registered on the wrong customer")

    appliance = models.ForeignKey(
        Appliance, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("appliance")
    )
    from_customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("appliance transfer")
        verbose_name_plural = _("appliance transfers")

    def __str__(self):
        return f"{self.appliance_id}: {self.from_customer_id} → {self.to_customer_id}"


class ServiceKind(models.TextChoices):
    """The families of work a service type belongs to: what the product does differently
    for each (an installation registers the serials it scans, an assessment may end in a
    return or exchange). The rules of each type are rows of `ServiceType`."""

    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance / cleaning")
    INSPECTION = "inspection", _("Inspection")
    RETURN_ASSESSMENT = "return_assessment", _("Return / exchange assessment")


class ServiceType(models.Model):
    """A kind of visit as data: its clocks (SLA policies of the type), its fees (fee
    schedule lines of the type), the certification it needs, its on-site checklist and
    the lifecycle statuses it never uses. Tickets, clocks, dispatch and on-site work take
    the same code path for every type."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    active = models.BooleanField(_("open for new tickets"), default=True)
    position = models.PositiveSmallIntegerField(_("order in lists"), default=0)
    charged_in_warranty = models.BooleanField(
        _("charged also in warranty"),
        default=False,
        help_text=_("For example a paid cleaning: the fee schedule applies whatever the warranty."),
    )
    requires_certification = models.BooleanField(
        _("engineers need the certification for this type"),
        default=False,
        help_text=_("Only engineers certified for this service type are dispatched."),
    )
    checklist = models.JSONField(
        _("on-site checklist"),
        default=list,
        blank=True,
        help_text=_(
            'Items the engineer checks before completing: [{"code": "vacuum", '
            '"zh_hans": "抽真空", "en": "Vacuum the lines"}, ...]'
        ),
    )
    unused_statuses = ArrayField(
        models.CharField(max_length=30, choices=Status.choices),
        default=list,
        blank=True,
        verbose_name=_("statuses this type never enters"),
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (one language at a time)."""
        return in_language(self.name_zh_hans, self.name_en)

    def checklist_items(self) -> list[tuple[str, str]]:
        """(code, label in the active language) for each checklist item."""
        zh = chinese()
        return [
            (item["code"], item.get("zh_hans" if zh else "en") or item["code"])
            for item in self.checklist or []
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        codes = set()
        if not isinstance(self.checklist, list):
            raise ValidationError({"checklist": _("The checklist is a list of items.")})
        for item in self.checklist:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("code"), str)
                and item["code"]
                and all(isinstance(item.get(k, ""), str) for k in ("zh_hans", "en"))
            ):
                raise ValidationError(
                    {"checklist": _("Each item needs a code and its Chinese and English text.")}
                )
            if item["code"] in codes:
                raise ValidationError({"checklist": _("Each item code may appear once.")})
            codes.add(item["code"])
        always = {Status.NEW, Status.CLOSED, Status.CANCELLED, Status.AWAITING_DISPATCH}
        if always & set(self.unused_statuses or ()):
            raise ValidationError(
                {
                    "unused_statuses": _(
                        "New, awaiting dispatch, closed and cancelled are used by every type."
                    )
                }
            )


class WarrantyPolicy(models.Model):
    """The warranty terms of one appliance category."""

    class StartsFrom(models.TextChoices):
        PURCHASE = "purchase", _("Purchase date")
        INSTALLATION = "installation", _("Installation date")

    category = models.CharField(
        _("category"), max_length=20, choices=ApplianceCategory.choices, unique=True
    )
    whole_unit_months = models.PositiveSmallIntegerField(_("whole unit (months)"))
    starts_from = models.CharField(
        _("warranty starts from"),
        max_length=20,
        choices=StartsFrom.choices,
        default=StartsFrom.PURCHASE,
        help_text=_(
            "Installation date: counted from the day the engineer installed the unit "
            "(the purchase date until then)."
        ),
    )

    class Meta:
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")

    def __str__(self):
        return self.get_category_display()


class WarrantyComponentTerm(models.Model):
    """A longer term for a named component, e.g. the compressor of a fridge."""

    policy = models.ForeignKey(
        WarrantyPolicy,
        on_delete=models.CASCADE,
        related_name="components",
        verbose_name=_("policy"),
    )
    component = models.CharField(_("component"), max_length=30, choices=Component.choices)
    months = models.PositiveSmallIntegerField(_("months"))

    class Meta:
        verbose_name = _("component warranty term")
        verbose_name_plural = _("component warranty terms")
        constraints = [
            models.UniqueConstraint(fields=["policy", "component"], name="uniq_policy_component")
        ]

    def __str__(self):
        return f"{self.get_component_display()}: {self.months}"


class FeeItem(models.Model):
    """One line of the published fee schedule. A material (copper pipe, a bracket) has a
    code, a unit and a free allowance per job: only what is used beyond it is charged."""

    class Kind(models.TextChoices):
        CALL_OUT = "call_out", _("Call-out fee")
        LABOUR = "labour", _("Labour")
        MATERIAL = "material", _("Material")

    class Unit(models.TextChoices):
        METRE = "m", _("m (metres)")
        PIECE = "piece", _("pcs (pieces)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(
        _("category"), max_length=20, choices=ApplianceCategory.choices, blank=True
    )
    fault_class = models.CharField(
        _("fault class"), max_length=20, choices=FaultClass.choices, blank=True
    )
    service_type = models.ForeignKey(
        ServiceType,
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_items",
        verbose_name=_("service type"),
        help_text=_("Empty: the line applies to every type without a line of its own."),
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2)
    material_code = models.SlugField(
        _("material code"), max_length=30, blank=True, help_text=_("Materials only.")
    )
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=60, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, blank=True)
    free_allowance = models.PositiveSmallIntegerField(
        _("free per job (units)"), default=0, help_text=_("Materials only, e.g. 3 m of pipe.")
    )

    class Meta:
        verbose_name = _("fee schedule item")
        verbose_name_plural = _("fee schedule")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "fault_class", "service_type", "material_code"],
                name="uniq_fee_item_material",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="fee_non_negative"),
            models.CheckConstraint(
                condition=models.Q(kind="material", material_code__gt="", unit__gt="")
                | (~models.Q(kind="material") & models.Q(material_code="")),
                name="fee_material_has_code_and_unit",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()} {self.get_category_display()} "
            f"{self.get_fault_class_display()}: {self.amount}"
        )

    @property
    def name(self) -> str:
        return in_language(self.name_zh_hans, self.name_en) or self.material_code


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=Status.terminal())

    def in_area(self, area):
        return self.filter(area=area)

    def visible_to_call_centre(self, call_centre):
        return self.filter(area__call_centres=call_centre)


def new_public_token() -> str:
    return secrets.token_urlsafe(24)


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    appliance = models.ForeignKey(
        Appliance, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("appliance")
    )
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("address")
    )
    area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("area")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    service_type = models.ForeignKey(
        ServiceType,
        to_field="code",
        on_delete=models.PROTECT,
        default=ServiceKind.REPAIR.value,
        related_name="tickets",
        verbose_name=_("service type"),
    )
    priority = models.CharField(
        _("priority"), max_length=20, choices=Priority.choices, default=Priority.NORMAL
    )
    fault_class = models.CharField(
        _("fault class"), max_length=20, choices=FaultClass.choices, default=FaultClass.STANDARD
    )
    fault_description = models.TextField(
        _("fault description"), **bounded(text_limits.FAULT_DESCRIPTION)
    )
    fault_code = models.CharField(_("fault code"), max_length=32, blank=True)
    preferred_start = models.DateTimeField(_("preferred from"), null=True, blank=True)
    preferred_end = models.DateTimeField(_("preferred until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.NEW, editable=False
    )
    in_warranty = models.BooleanField(_("in warranty"), default=False)
    warranty_detail = models.JSONField(_("warranty verdict"), default=dict, blank=True)
    fee_estimate = models.DecimalField(
        _("fee estimate (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fee_accepted_at = models.DateTimeField(_("fee accepted at"), null=True, blank=True)
    fee_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fee acceptance recorded by"),
    )
    public_token = models.CharField(
        max_length=64, unique=True, default=new_public_token, verbose_name=_("private link token")
    )
    related_ticket = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("related ticket"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    close_reason = models.CharField(_("close reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        permissions = [
            ("use_agent_console", _("Can use the agent console")),
            ("dispatch_tickets", _("Can dispatch and reassign tickets")),
            ("work_tickets", _("Can work assigned jobs as an engineer")),
            ("supervise", _("Can supervise: dashboards, escalations, master data")),
            ("use_intake_api", _("Can create tickets through the partner API")),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="ticket_status_created_idx"),
            models.Index(fields=["area", "status", "-created_at"], name="ticket_area_status_idx"),
            models.Index(fields=["-created_at", "id"], name="ticket_created_id_idx"),
            # The ticket list's search by the last digits of a ticket number.
            models.Index(
                OpClass(Reverse("number"), name="text_pattern_ops"), name="ticket_number_rev_idx"
            ),
            models.Index(
                fields=["appliance"],
                name="ticket_open_appliance_idx",
                condition=~models.Q(status__in=["closed", "cancelled"]),
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in Status.terminal()

    @property
    def close_reason_label(self) -> str:
        """The close reason as shown: a code's label, a cancellation's own words."""
        from .lifecycle import close_reason_label

        return close_reason_label(self.close_reason)

    @property
    def fee_acceptance_pending(self) -> bool:
        return not self.in_warranty and self.fee_accepted_at is None


class TicketPhoto(models.Model):
    class Kind(models.TextChoices):
        FAULT = "fault", _("Fault")
        REPLACED_PART = "replaced_part", _("Replaced part")
        OTHER = "other", _("Other")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="photos", verbose_name=_("ticket")
    )
    image = models.FileField(_("photo"), upload_to="ticket-photos/%Y/%m/")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FAULT)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ticket photo")
        verbose_name_plural = _("ticket photos")

    def __str__(self):
        return f"{self.ticket_id}: {self.kind}"


class TicketEvent(models.Model):
    """Append-only audit trail of a ticket: never updated, never deleted."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="events", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=100, blank=True)
    from_status = models.CharField(max_length=30, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=30, blank=True, verbose_name=_("to status"))
    reason = models.TextField(_("reason"), blank=True, **bounded(text_limits.EVENT_REASON))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketevent_ticket_idx")]

    def __str__(self):
        from .event_kinds import event_kind_label

        return event_kind_label(self.kind)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ticket events are append-only.")


class CustomerContact(models.Model):
    """A call with a customer, whether or not it opened a ticket: who called, when, about
    what, and what was said. About a ticket, it also stands on the ticket's timeline
    (written through `tickets.contacts.contact_log`, the one way in)."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("The customer called")
        OUTBOUND = "outbound", _("We called the customer")

    class Topic(models.TextChoices):
        ENQUIRY = "enquiry", _("Enquiry")
        WHERE_IS_ENGINEER = "where_is_engineer", _("Where is my engineer?")
        RESCHEDULE = "reschedule", _("Wants another time")
        COMPLAINT = "complaint", _("Complaint")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Spoke with the customer")
        NO_ANSWER = "no_answer", _("No answer")

    NOTE_MAX = 1000

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("ticket"),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.REACHED
    )
    note = models.CharField(_("what was said"), max_length=NOTE_MAX, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="contact_customer_idx"),
            models.Index(
                fields=["ticket", "-created_at"],
                name="contact_ticket_idx",
                condition=models.Q(ticket__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.topic} {self.created_at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """A create request's Idempotency-Key, per client: a retry returns the first ticket."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="uniq_idempotency_key")
        ]

    def __str__(self):
        return self.key


class OutboundMessage(models.Model):
    """Every SMS and e-mail the product sends, recorded before anything leaves."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    purpose = models.CharField(_("purpose"), max_length=50)
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("ticket"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_state_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.to}"


class MasterDataGeneration(models.Model):
    """One row, bumped by a trigger whenever cached master data changes
    (see tickets.masterdata)."""

    value = models.BigIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("master data generation")

    def __str__(self):
        return str(self.value)


class SavedTicketFilter(models.Model):
    """A user's named ticket-list query ("my call centre's breaches today"). Only its
    owner sees it; it holds the list's query string, never a result."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_ticket_filters",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved ticket filter")
        verbose_name_plural = _("saved ticket filters")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="uniq_saved_filter_name")
        ]

    def __str__(self):
        return self.name


ZERO = Decimal("0.00")
from .sla.models import *  # noqa
from .onsite.models import *  # noqa: E402,F401,F403
from .customer_requests.models import *  # noqa: E402,F401,F403
from .exchanges.models import *  # noqa: E402,F401,F403
from .extended_warranty.models import *  # noqa: E402,F401,F403
from .installation.models import *  # noqa: E402,F401,F403
