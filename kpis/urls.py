from django.urls import path

from . import views

urlpatterns = [
    path("kpi/", views.dashboard, name="kpi_dashboard"),
    path("kpi/breakdown/", views.breakdown, name="kpi_breakdown"),
    path("kpi/<slug:code>/tickets/", views.tickets, name="kpi_tickets"),
    path("dashboard/", views.dashboard_redirect, name="kpi_dashboard_redirect"),
]
