from allauth.account.decorators import secure_admin_login
from csp import constants as csp
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# The admin signs in through the staff login, so its lockout and second factor apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Service dispatch administration")
admin.site.site_title = _("Service dispatch")
admin.site.index_title = _("Master data")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI's page carries its own <style> block: the one page with inline styles.
    path(
        "api/docs/",
        csp_update({"style-src": [csp.UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
    path("api/v1/", include("tickets.api_urls")),
    path("", include("tickets.urls")),
    path("", include("tickets.onsite.urls")),
    path("", include("tickets.exchanges.urls")),
    path("", include("tickets.extended_warranty.urls")),
    path("", include("tickets.sla.urls")),
    path("", include("engineers.urls")),
    path("", include("dispatch.urls")),
    path("", include("spareparts.urls")),
    path("", include("callbacks.urls")),
    path("", include("kpis.urls")),
    path("", include("proactive.urls")),
]

handler404 = "tickets.api_errors.page_not_found"
handler400 = "tickets.api_errors.bad_request"
