from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SparepartsConfig(AppConfig):
    name = "spareparts"
    verbose_name = _("Spare parts")

    def ready(self):
        from tickets import hooks

        from .selectors import charge_line_part_names, parts_for_report, track_parts_section
        from .services.consumption import on_ticket_transition

        hooks.add_parts_provider(parts_for_report)
        hooks.set_charge_line_part_names(charge_line_part_names)
        hooks.add_track_section(track_parts_section)
        hooks.on_transition(on_ticket_transition)
