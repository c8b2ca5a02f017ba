"""The REST API, mounted at /api/v1/ (schema at /api/schema/, Swagger UI at /api/docs/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("tickets/", api.TicketCreateApi.as_view(), name="api_ticket_create"),
    path("tickets/<str:number>/", api.TicketStatusApi.as_view(), name="api_ticket_status"),
    path("alarms/", api.AlarmCreateApi.as_view(), name="api_alarm_create"),
    path("deliveries/", api.DeliveryCreateApi.as_view(), name="api_delivery_create"),
]
