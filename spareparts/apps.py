from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SparepartsConfig(AppConfig):
    name = "spareparts"
    verbose_name = _("Spare parts")

    def ready(self):
        from tickets.onsite.registry import register_parts_provider

        from .selectors import parts_for_report

        register_parts_provider(parts_for_report)
