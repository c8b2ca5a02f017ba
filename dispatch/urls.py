from django.urls import path

from . import api, views

urlpatterns = [
    # dispatcher console
    path("dispatch/", views.dispatch_queue, name="dispatch_queue"),
    path("dispatch/tickets/<int:ticket_id>/", views.dispatch_ticket, name="dispatch_ticket"),
    path("dispatch/tickets/<int:ticket_id>/auto/", views.dispatch_auto, name="dispatch_auto"),
    path("dispatch/tickets/<int:ticket_id>/assign/", views.dispatch_assign, name="dispatch_assign"),
    path(
        "dispatch/tickets/<int:ticket_id>/redispatch/",
        views.dispatch_redispatch,
        name="dispatch_redispatch",
    ),
    path(
        "dispatch/tickets/<int:ticket_id>/reschedule/",
        views.dispatch_reschedule,
        name="dispatch_reschedule",
    ),
    # API: dispatchers
    path(
        "api/v1/dispatch/tickets/<int:ticket_id>/auto/",
        api.AutoDispatchApi.as_view(),
        name="api_dispatch_auto",
    ),
    path(
        "api/v1/dispatch/tickets/<int:ticket_id>/assign/",
        api.ManualAssignApi.as_view(),
        name="api_dispatch_assign",
    ),
    path(
        "api/v1/dispatch/tickets/<int:ticket_id>/redispatch/",
        api.RedispatchApi.as_view(),
        name="api_dispatch_redispatch",
    ),
    path(
        "api/v1/dispatch/tickets/<int:ticket_id>/assignments/",
        api.AssignmentsApi.as_view(),
        name="api_dispatch_assignments",
    ),
    path(
        "api/v1/dispatch/tickets/<int:ticket_id>/reschedule/",
        api.DispatcherRescheduleApi.as_view(),
        name="api_dispatch_reschedule",
    ),
    path("api/v1/dispatch/manual-share/", api.ManualShareApi.as_view(), name="api_manual_share"),
    # API: engineers
    path("api/v1/engineer/jobs/", api.JobsApi.as_view(), name="api_engineer_jobs"),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/", api.JobDetailApi.as_view(), name="api_engineer_job"
    ),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/accept/",
        api.AcceptApi.as_view(),
        name="api_engineer_accept",
    ),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/decline/",
        api.DeclineApi.as_view(),
        name="api_engineer_decline",
    ),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/calls/",
        api.CallApi.as_view(),
        name="api_engineer_call",
    ),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/appointment/",
        api.BookApi.as_view(),
        name="api_engineer_book",
    ),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/reschedule/",
        api.EngineerRescheduleApi.as_view(),
        name="api_engineer_reschedule",
    ),
    path(
        "api/v1/engineer/jobs/<int:ticket_id>/on-my-way/",
        api.OnMyWayApi.as_view(),
        name="api_engineer_on_my_way",
    ),
]
