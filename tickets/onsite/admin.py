"""On-site records in the admin, read-only: they change only through the engineer's pages
(services keep the ticket, the clocks and the event log in step), and a signed service
report is never edited (a correction is a new version)."""

from django.contrib import admin

from .models import ChargeLine, Diagnosis, OnsiteJob, ServiceReport


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OnsiteJob)
class OnsiteJobAdmin(ReadOnlyAdmin):
    list_display = [
        "ticket",
        "engineer",
        "visits",
        "checked_in_at",
        "check_in_flagged",
        "paid",
        "owed_amount",
        "outcome",
        "completed_at",
    ]
    list_filter = ["check_in_flagged", "paid", "outcome", "payment_method"]
    search_fields = ["ticket__number", "receipt_number", "loaner_receipt_number"]
    list_select_related = ["ticket", "engineer"]
    date_hierarchy = "created_at"


@admin.register(Diagnosis)
class DiagnosisAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "engineer", "fault", "cause", "fault_class", "needs_senior"]
    list_filter = ["fault_class", "needs_senior"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "engineer"]


@admin.register(ChargeLine)
class ChargeLineAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "description", "quantity", "amount", "free", "free_reason"]
    list_filter = ["kind", "free", "free_reason"]
    search_fields = ["ticket__number", "description"]
    list_select_related = ["ticket"]


@admin.register(ServiceReport)
class ServiceReportAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "version", "issued_by", "issued_at"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "issued_by"]
    date_hierarchy = "issued_at"
