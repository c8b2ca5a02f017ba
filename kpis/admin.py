from django.contrib import admin

from .models import ProviderReport


@admin.register(ProviderReport)
class ProviderReportAdmin(admin.ModelAdmin):
    """Kept as generated: the figures the settlement pays on are not edited here."""

    list_display = ["month", "service_point", "needs_correction", "generated_at"]
    list_filter = ["needs_correction", "month"]
    search_fields = ["service_point__name"]
    list_select_related = ["service_point"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
