from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self):
        from tickets import hooks

        from . import services, tasks

        hooks.on_transition(services.on_ticket_transition)
        hooks.set_redispatcher(services.ticket_redispatch)
        tasks.install_beat()
