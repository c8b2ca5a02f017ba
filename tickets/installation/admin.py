from django.contrib import admin

from tickets.onsite.admin import ReadOnlyAdmin
from tickets.onsite.models import ChecklistRecord, OneStopCheck

from .models import Delivery, DeliveryLine


class DeliveryLineInline(admin.TabularInline):
    model = DeliveryLine
    extra = 0
    can_delete = False
    readonly_fields = ["category", "model_code", "quantity"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["order_number", "partner", "delivery_date", "ticket", "created_at"]
    search_fields = ["order_number"]
    inlines = [DeliveryLineInline]


@admin.register(ChecklistRecord)
class ChecklistRecordAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "service_type", "engineer", "recorded_at"]


@admin.register(OneStopCheck)
class OneStopCheckAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "appliance", "result", "repair_ticket", "created_at"]
    list_filter = ["result"]
