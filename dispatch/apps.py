from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self):
        from tickets import hooks

        from . import board_filter, desk_hooks, services

        hooks.on_transition(services.on_ticket_transition)
        hooks.set_redispatcher(services.ticket_redispatch_hook)
        hooks.set_visit_booker(services.visit_book)
        hooks.set_visit_rescheduler(desk_hooks.visit_reschedule)
        hooks.set_engineer_summary(desk_hooks.engineer_summary)
        hooks.set_service_point_filter(
            choices=board_filter.service_point_choices,
            apply=board_filter.tickets_of_service_point,
        )
        hooks.set_ticket_engineer_name(board_filter.ticket_engineer_name)
        hooks.add_reason_labels(reason_labels)


def reason_labels() -> dict:
    from .models import EndCode, QueueEntry

    return {**dict(EndCode.choices), **dict(QueueEntry.Reason.choices)}
