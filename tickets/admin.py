from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import models


@admin.register(models.ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "area_type"]
    list_filter = ["city", "area_type"]
    search_fields = ["code", "name", "city"]


@admin.register(models.CallCentre)
class CallCentreAdmin(admin.ModelAdmin):
    filter_horizontal = ["areas"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "call_centre", "national_desk"]
    list_select_related = ["user", "call_centre"]
    raw_id_fields = ["user"]


class AddressInline(admin.TabularInline):
    model = models.Address
    extra = 0
    raw_id_fields = ["proposed_by"]


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "mobile", "duplicate_reason", "created_at"]
    search_fields = ["mobile", "name"]
    inlines = [AddressInline]


class ApplianceTransferInline(admin.TabularInline):
    model = models.ApplianceTransfer
    fk_name = "appliance"
    extra = 0
    can_delete = False
    readonly_fields = ["from_customer", "to_customer", "reason", "actor", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Appliance)
class ApplianceAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "category", "brand", "model_number", "purchase_date"]
    list_filter = ["category", "brand"]
    search_fields = ["serial_number", "model_number"]
    raw_id_fields = ["customer", "registered_by", "device_platforms"]
    inlines = [ApplianceTransferInline]

    def get_readonly_fields(self, request, obj=None):
        # Another owner is a recorded transfer (the agent console), not an edit here.
        return ["customer"] if obj is not None else []


class ComponentTermInline(admin.TabularInline):
    model = models.WarrantyComponentTerm
    extra = 0


@admin.register(models.WarrantyPolicy)
class WarrantyPolicyAdmin(admin.ModelAdmin):
    list_display = ["category", "whole_unit_months", "starts_from"]
    inlines = [ComponentTermInline]


@admin.register(models.ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "active", "charged_in_warranty", "position"]
    list_filter = ["kind", "active"]

    @admin.display(description=_("name"))
    def name(self, obj):
        return obj.name


@admin.register(models.FeeItem)
class FeeItemAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "service_type",
        "category",
        "fault_class",
        "material_code",
        "unit",
        "free_allowance",
        "amount",
    ]
    list_filter = ["kind", "service_type", "category"]


class TicketEventInline(admin.TabularInline):
    model = models.TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "sentence", "reason", "data"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("what happened"))
    def sentence(self, obj):
        from .timeline import timeline_entry

        return timeline_entry(obj, category=obj.ticket.appliance.category).sentence


@admin.register(models.Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "priority", "channel", "area", "created_at"]
    list_filter = ["status", "priority", "channel", "area__city"]
    search_fields = ["number", "customer__mobile"]
    raw_id_fields = [
        "customer",
        "appliance",
        "address",
        "related_ticket",
        "created_by",
        "fee_accepted_by",
    ]
    readonly_fields = ["number", "status", "public_token", "created_at", "closed_at"]
    list_select_related = ["area"]
    show_full_result_count = False
    inlines = [TicketEventInline]


@admin.register(models.OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to", "purpose", "state", "ticket"]
    list_filter = ["channel", "state", "purpose"]
    search_fields = ["to", "ticket__number"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.CustomerContact)
class CustomerContactAdmin(admin.ModelAdmin):
    """Calls are recorded by the desk (tickets.contacts), read here, never edited."""

    list_display = ["created_at", "customer", "topic", "direction", "outcome", "ticket", "actor"]
    list_filter = ["topic", "direction", "outcome"]
    search_fields = ["customer__name", "ticket__number"]
    raw_id_fields = ["customer", "ticket", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EmailAddressAdmin(admin.ModelAdmin):
    """allauth's e-mail addresses, without the power to vouch for one: an address added or
    changed here is stored unverified and its owner is sent a confirmation, so staff cannot
    point an account's password resets at an address of their choosing."""

    list_display = ["email", "user", "primary", "verified"]
    list_filter = ["primary", "verified"]
    search_fields = ["email", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["verified"]
    actions = None

    def save_model(self, request, obj, form, change):
        changed_address = not change or "email" in form.changed_data
        if changed_address:
            obj.verified = False
        super().save_model(request, obj, form, change)
        if changed_address:
            obj.send_confirmation(request)


def _register_email_admin() -> None:
    from allauth.account.models import EmailAddress

    if admin.site.is_registered(EmailAddress):
        admin.site.unregister(EmailAddress)
    admin.site.register(EmailAddress, EmailAddressAdmin)


_register_email_admin()


# --- permissions in the reader's language ---------------------------------------------
# Django stores permission names in English; the forms of users and groups say them anew.
_ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission) -> str:
    from django.utils.translation import gettext

    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    # A third-party model without a verbose name has its class's words, in the catalogue.
    name = gettext(str(model._meta.verbose_name))
    action = permission.codename.split("_", 1)[0]
    if action in _ACTIONS and permission.codename == f"{action}_{model._meta.model_name}":
        words = str(_ACTIONS[action]) % {"name": name}
    else:
        words = gettext(permission.name)  # our own permissions are in the catalogue
    return f"{model._meta.app_config.verbose_name} | {name} | {words}"


class TranslatedPermissions:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
        return field


def _register_user_and_group_admin() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    for model in (get_user_model(), Group):
        current = admin.site._registry.get(model)
        if current is None or isinstance(current, TranslatedPermissions):
            continue
        admin.site.unregister(model)
        admin.site.register(
            model, type(current.__class__.__name__, (TranslatedPermissions, current.__class__), {})
        )


_register_user_and_group_admin()
