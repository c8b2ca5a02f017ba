from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(**kwargs):
    # Like Django's own permission creation: after every migrate, the role groups hold
    # their permissions, including the supervisors' rights on master data of all apps.
    from .auth import sync_role_permissions

    sync_role_permissions()


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from . import hooks, second_factor, services
        from .exchanges import admin as _exchanges_admin  # noqa: F401
        from .extended_warranty import admin as _ew_admin  # noqa: F401
        from .installation import admin as _installation_admin  # noqa: F401
        from .installation import sections as _installation_sections  # noqa: F401
        from .onsite import admin as _onsite_admin  # noqa: F401  (registers its admin pages)
        from .sla import admin as _sla_admin  # noqa: F401  (registers the SLA admin pages)
        from .sla import services as sla

        hooks.on_transition(sla.on_ticket_transition)
        hooks.on_event(sla.on_ticket_event)
        hooks.set_redispatcher(services.ticket_return_to_queue, default=True)
        post_save.connect(
            second_factor.on_user_saved, sender=get_user_model(), dispatch_uid="tickets.off"
        )
        # Registered for the last app, so every app's permissions exist when it runs.
        last_app = list(self.apps.get_app_configs())[-1]
        post_migrate.connect(
            _sync_roles_after_migrate, sender=last_app, dispatch_uid="tickets.sync_roles"
        )
