from django.urls import path, re_path

from . import views

urlpatterns = [
    path("kpi/", views.dashboard, name="kpi_dashboard"),
    path("kpi/breakdown/", views.breakdown, name="kpi_breakdown"),
    path("kpi/reports/", views.reports, name="kpi_reports"),
    re_path(
        r"^kpi/reports/(?P<report_id>[0-9]+)/(?P<kind>pdf|xlsx)/$",
        views.report_download,
        name="kpi_report_download",
    ),
    path("kpi/<slug:code>/tickets/", views.tickets, name="kpi_tickets"),
    path("dashboard/", views.dashboard_redirect, name="kpi_dashboard_redirect"),
]
