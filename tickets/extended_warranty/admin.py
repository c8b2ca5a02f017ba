from django.contrib import admin

from tickets.onsite.admin import ReadOnlyAdmin

from .models import ExtendedWarrantyContract, ExtendedWarrantyProduct


@admin.register(ExtendedWarrantyProduct)
class ExtendedWarrantyProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh_hans", "price", "coverage", "years", "starts_from", "active"]
    list_filter = ["active", "coverage"]


@admin.register(ExtendedWarrantyContract)
class ExtendedWarrantyContractAdmin(ReadOnlyAdmin):
    list_display = ["certificate_number", "product", "appliance", "starts_on", "ends_on", "paid"]
    search_fields = ["certificate_number"]
