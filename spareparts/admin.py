from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from .models import (
    Alert,
    ApprovalRule,
    LedgerEntry,
    Location,
    Part,
    PartRequest,
    PartUsage,
    SerialUnit,
    Stock,
    Transfer,
    TransferRoute,
)
from .resources import PartResource, PriceListResource


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services (the ledger, requests, transfers)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Part)
class PartAdmin(ImportExportModelAdmin):
    resource_classes = [PartResource, PriceListResource]
    list_display = [
        "sku",
        "shown_name",
        "category",
        "is_original",
        "price",
        "warranty_months",
        "tracking",
        "supplier",
        "active",
    ]
    list_filter = ["category", "is_original", "tracking", "active"]
    search_fields = ["sku", "name", "name_en", "supplier"]
    filter_horizontal = ["substitutes"]

    @admin.display(description=_("name"), ordering="name")
    def shown_name(self, obj):
        return obj.display_name


@admin.register(PartUsage)
class PartUsageAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "part",
        "serial_or_batch",
        "genuine",
        "engineer",
        "created_at",
        "consumed_at",
    ]
    list_filter = ["genuine"]
    search_fields = ["serial_or_batch", "old_part_serial", "part__sku", "ticket__number"]
    raw_id_fields = ["ticket", "part", "engineer"]
    readonly_fields = [f.name for f in PartUsage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "service_point", "engineer", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "address"]
    raw_id_fields = ["parent", "service_point", "engineer"]


@admin.register(TransferRoute)
class TransferRouteAdmin(admin.ModelAdmin):
    list_display = ["from_kind", "to_kind", "hours"]
    list_editable = ["hours"]


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = [
        "position",
        "shown_name",
        "purpose",
        "warranty",
        "max_unit_price",
        "max_quantity",
        "min_engineer_level",
        "decision",
        "active",
    ]
    list_display_links = ["shown_name"]

    @admin.display(description=_("name"), ordering="name")
    def shown_name(self, obj):
        return obj.display_name

    list_editable = ["position", "active"]


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """On hand and reserved move only through the ledger; min/max are set here."""

    list_display = ["location", "part", "on_hand", "reserved", "min_qty", "max_qty"]
    list_editable = ["min_qty", "max_qty"]
    list_select_related = ["location", "part"]
    search_fields = ["part__sku", "location__code", "location__name"]
    list_filter = ["location__kind"]
    readonly_fields = ["location", "part", "on_hand", "reserved"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "location",
        "part",
        "on_hand_delta",
        "reserved_delta",
        "batch",
        "ticket",
        "actor",
    ]
    list_filter = ["kind"]
    list_select_related = ["location", "part", "ticket", "actor"]
    search_fields = ["part__sku", "batch", "location__code", "ticket__number"]


@admin.register(PartRequest)
class PartRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "engineer", "part", "quantity", "status", "source", "rule"]
    list_filter = ["status", "purpose", "source_reason"]
    list_select_related = ["engineer__user", "part", "source", "rule"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "part", "quantity", "source", "destination", "status", "eta"]
    list_filter = ["status"]
    list_select_related = ["part", "source", "destination"]


@admin.register(SerialUnit)
class SerialUnitAdmin(ReadOnlyAdmin):
    list_display = ["serial", "part", "batch", "supplier", "received_at", "fitted_on"]
    search_fields = ["serial", "batch"]
    list_select_related = ["part", "fitted_on"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "part", "location", "ticket", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["kind", "part", "location", "ticket", "subject", "data", "created_at"]
    actions = ["resolve"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as resolved"))
    def resolve(self, request, queryset):
        queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
