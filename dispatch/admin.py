from django.contrib import admin

from .models import Appointment, Assignment, QueueEntry


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "engineer", "state", "manual", "stage", "created_at", "accept_due_at"]
    list_filter = ["state", "manual", "stage", "created_at"]
    search_fields = ["ticket__number", "engineer__user__username", "manual_reason"]
    list_select_related = ["ticket", "engineer__user"]
    raw_id_fields = ["ticket", "engineer", "assigned_by"]
    readonly_fields = ["candidates"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "engineer", "window_start", "window_end", "state"]
    list_filter = ["state", "window_start"]
    search_fields = ["ticket__number", "engineer__user__username"]
    list_select_related = ["ticket", "engineer__user"]
    raw_id_fields = ["ticket", "engineer", "assignment", "created_by"]


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    list_display = ["ticket", "reason", "attempts", "last_attempt_at", "next_attempt_at"]
    list_filter = ["reason"]
    search_fields = ["ticket__number"]
    raw_id_fields = ["ticket"]
