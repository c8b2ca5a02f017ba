from django.contrib import admin

from .models import Campaign, CampaignCall, ContactOptOut, PlanVisit, ServicePlan


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "appliance", "service_type", "interval_months", "next_due")
    list_filter = ("state", "service_type")
    raw_id_fields = ("customer", "appliance", "created_by")


@admin.register(PlanVisit)
class PlanVisitAdmin(admin.ModelAdmin):
    list_display = ("id", "plan", "period", "ticket", "call_state")
    raw_id_fields = ("plan", "ticket", "booked_by")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "category", "area", "built_at")
    list_filter = ("state",)


@admin.register(CampaignCall)
class CampaignCallAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "customer", "state", "outcome", "attempts")
    list_filter = ("state", "outcome")
    raw_id_fields = ("campaign", "customer", "appliance", "ticket", "closed_by")


@admin.register(ContactOptOut)
class ContactOptOutAdmin(admin.ModelAdmin):
    list_display = ("customer", "source", "created_at")
    raw_id_fields = ("customer", "actor")
