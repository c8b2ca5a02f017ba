from django.contrib import admin

from .models import Engineer, ServicePoint


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["name", "stars", "stars_surveys", "manager", "active"]
    list_filter = ["active", "areas__city"]
    readonly_fields = ["stars", "stars_surveys", "stars_computed_at"]
    search_fields = ["name", "manager__username"]
    filter_horizontal = ["areas"]
    raw_id_fields = ["manager"]


@admin.register(Engineer)
class EngineerAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "service_point",
        "level",
        "certification_expires_on",
        "max_concurrent",
        "max_per_day",
        "first_time_fix_rate",
        "active",
    ]
    list_filter = ["active", "level", "certification_expires_on"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "phone"]
    list_select_related = ["user", "service_point"]
    raw_id_fields = ["user", "service_point"]
