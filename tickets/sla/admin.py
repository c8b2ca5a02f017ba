"""Supervisors maintain SLA policies and service hours in the admin; clocks are read-only."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..roles import SUPERVISING_ROLES, has_role
from ..taskqueue import enqueue_task
from .models import (
    EscalationLevel,
    Holiday,
    ServiceCalendar,
    ServiceHours,
    SlaClock,
    SlaEscalation,
    SlaNotification,
    SlaPolicy,
    SlaTarget,
    TaskOutbox,
)


class SupervisorEditable:
    """Supervisors (a role, not per-model permissions) edit SLA master data."""

    def has_module_permission(self, request):
        return has_role(request.user, *SUPERVISING_ROLES)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, *SUPERVISING_ROLES)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, *SUPERVISING_ROLES)

    def has_add_permission(self, request, obj=None):
        return has_role(request.user, *SUPERVISING_ROLES)

    def has_delete_permission(self, request, obj=None):
        return has_role(request.user, *SUPERVISING_ROLES)


class ReadOnly(SupervisorEditable):
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceHoursInline(SupervisorEditable, admin.TabularInline):
    model = ServiceHours
    extra = 0


class HolidayInline(SupervisorEditable, admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(SupervisorEditable, admin.ModelAdmin):
    list_display = ["shown_name", "time_zone", "is_default", "updated_at"]
    inlines = [ServiceHoursInline, HolidayInline]

    @admin.display(description=_("name"), ordering="name")
    def shown_name(self, obj):
        return obj.display_name

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        calendar = form.instance
        calendar.save(update_fields=["updated_at"])  # invalidates cached schedules
        # The running clocks that count in these hours get their deadlines moved.
        enqueue_task("tickets.sla_recompute_calendar", calendar_id=calendar.pk)
        transaction.on_commit(
            lambda: self.message_user(
                request, _("Open clocks using this calendar are being recomputed.")
            )
        )


class SlaTargetInline(SupervisorEditable, admin.TabularInline):
    model = SlaTarget
    extra = 0


class EscalationLevelInline(SupervisorEditable, admin.TabularInline):
    model = EscalationLevel
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SupervisorEditable, admin.ModelAdmin):
    list_display = [
        "shown_name",
        "priority",
        "area_type",
        "calendar",
        "warn_ratio",
        "hold_warnings",
        "hold_escalations",
    ]

    @admin.display(description=_("name"), ordering="name")
    def shown_name(self, obj):
        return obj.display_name

    list_filter = ["priority", "area_type"]
    inlines = [SlaTargetInline, EscalationLevelInline]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "ticket",
        "kind",
        "state",
        "started_at",
        "due_at",
        "met_at",
        "breached_at",
        "breach_noticed_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["ticket__number"]
    raw_id_fields = ["ticket"]
    list_select_related = ["ticket"]
    show_full_result_count = False


@admin.register(SlaEscalation)
class SlaEscalationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["ticket", "clock", "level", "next_level_at", "acknowledged_at"]
    raw_id_fields = ["ticket", "clock"]
    list_select_related = ["ticket", "clock"]
    show_full_result_count = False


@admin.register(SlaNotification)
class SlaNotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "purpose", "user", "ticket", "not_before", "sent_at"]
    list_filter = ["purpose"]
    list_select_related = ["user", "ticket"]
    show_full_result_count = False


@admin.register(TaskOutbox)
class TaskOutboxAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["name"]
    show_full_result_count = False
