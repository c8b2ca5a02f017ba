from django.contrib import admin

from .models import Part, PartUsage


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "is_original", "price", "warranty_months", "active"]
    list_filter = ["category", "is_original", "active"]
    search_fields = ["sku", "name"]


@admin.register(PartUsage)
class PartUsageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "part", "serial_or_batch", "engineer", "created_at", "consumed_at"]
    search_fields = ["serial_or_batch", "old_part_serial", "part__sku", "ticket__number"]
    raw_id_fields = ["ticket", "part", "engineer"]
    readonly_fields = [f.name for f in PartUsage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
