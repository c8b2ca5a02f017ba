"""Admin pages of the callbacks side (registered from handlers_callbacks): supervisors edit
the follow-up policy; calls, surveys and revisits are read-only records."""

from django.contrib import admin

from .models import CallAttempt, Callback, CallbackPolicy, Revisit, Survey


@admin.register(CallbackPolicy)
class CallbackPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "max_attempts",
        "retry_minutes",
        "survey_gap_days",
        "repeat_window_days",
        "sms_links",
    ]

    def has_add_permission(self, request):
        return not CallbackPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CallAttemptInline(admin.TabularInline):
    model = CallAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "outcome", "note", "actor", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Callback)
class CallbackAdmin(ReadOnly):
    list_display = ["ticket", "kind", "state", "due_at", "attempts", "result", "skip_reason"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["ticket", "source"]
    inlines = [CallAttemptInline]


@admin.register(Survey)
class SurveyAdmin(ReadOnly):
    list_display = ["ticket", "channel", "speed", "attitude", "quality", "fixed", "created_at"]
    list_filter = ["channel", "fixed"]
    raw_id_fields = ["ticket", "customer", "callback"]


@admin.register(Revisit)
class RevisitAdmin(ReadOnly):
    list_display = ["original", "revisit", "reason", "chargeback_engineer", "created_at"]
    raw_id_fields = ["original", "revisit"]
