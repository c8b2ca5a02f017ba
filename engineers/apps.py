from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineersConfig(AppConfig):
    name = "engineers"
    verbose_name = _("Engineers")
