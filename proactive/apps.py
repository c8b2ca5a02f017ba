from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProactiveConfig(AppConfig):
    name = "proactive"
    verbose_name = _("Proactive service")

    def ready(self) -> None:
        from . import handlers, tasks  # noqa: F401
