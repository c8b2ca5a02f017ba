from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from . import hooks
        from .sla import admin as _sla_admin  # noqa: F401  (registers the SLA admin pages)
        from .sla import services as sla

        hooks.on_transition(sla.on_ticket_transition)
        hooks.on_event(sla.on_ticket_event)
