from django.urls import path

from . import views, views_home, views_ticket_desk, views_web
from .customer_requests import views as customer_request_views

urlpatterns = [
    path("", views_home.home, name="home"),
    path("console/", views.agent_console, name="agent_console"),
    path("console/warranty/", views.console_warranty, name="console_warranty"),
    path("console/customers/new/", views.console_customer_new, name="console_customer_new"),
    path(
        "console/customers/new/area/",
        views.console_customer_new_area,
        name="console_customer_new_area",
    ),
    path("console/customers/<int:customer_id>/", views.console_customer, name="console_customer"),
    path(
        "console/customers/<int:customer_id>/edit/",
        views.console_customer_edit,
        name="console_customer_edit",
    ),
    path(
        "console/customers/<int:customer_id>/appliances/new/",
        views.console_appliance_new,
        name="console_appliance_new",
    ),
    path(
        "console/customers/<int:customer_id>/contact/",
        views_ticket_desk.console_contact_new,
        name="console_contact_new",
    ),
    path(
        "console/appliances/<int:appliance_id>/edit/",
        views.console_appliance_edit,
        name="console_appliance_edit",
    ),
    path(
        "console/appliances/<int:appliance_id>/proof/",
        views.console_appliance_proof,
        name="console_appliance_proof",
    ),
    path(
        "console/appliances/<int:appliance_id>/ticket/",
        views.console_ticket_new,
        name="console_ticket_new",
    ),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/filters/", views.ticket_filter_save, name="ticket_filter_save"),
    path("tickets/filters/<int:filter_id>/", views.ticket_filter_open, name="ticket_filter_open"),
    path(
        "tickets/filters/<int:filter_id>/delete/",
        views.ticket_filter_delete,
        name="ticket_filter_delete",
    ),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket_detail"),
    path(
        "tickets/<int:ticket_id>/accept-fee/",
        views.ticket_accept_fee,
        name="ticket_accept_fee",
    ),
    path(
        "tickets/<int:ticket_id>/resolve-remotely/",
        views.ticket_resolve_remotely,
        name="ticket_resolve_remotely",
    ),
    path("tickets/<int:ticket_id>/cancel/", views.ticket_cancel, name="ticket_cancel"),
    path("tickets/<int:ticket_id>/note/", views_ticket_desk.ticket_note, name="ticket_note"),
    path(
        "tickets/<int:ticket_id>/contact/", views_ticket_desk.ticket_contact, name="ticket_contact"
    ),
    path(
        "tickets/<int:ticket_id>/priority/",
        views_ticket_desk.ticket_priority,
        name="ticket_priority",
    ),
    path(
        "tickets/<int:ticket_id>/reschedule/",
        views_ticket_desk.ticket_reschedule,
        name="ticket_reschedule",
    ),
    path(
        "tickets/<int:ticket_id>/tracking-sms/",
        views_ticket_desk.ticket_tracking_resend,
        name="ticket_tracking_resend",
    ),
    path("t/<str:token>/", views.ticket_track, name="ticket_track"),
    path(
        "t/<str:token>/ask/<str:kind>/",
        customer_request_views.customer_request_from_track,
        name="customer_request_from_track",
    ),
    path(
        "desk/customer-requests/",
        customer_request_views.customer_request_list,
        name="customer_request_list",
    ),
    path(
        "desk/customer-requests/<int:request_id>/done/",
        customer_request_views.customer_request_mark_done,
        name="customer_request_mark_done",
    ),
    path("request/", views_web.service_request, name="service_request"),
    path("track/", views_web.ticket_track_fixed, name="ticket_track_fixed"),
]
