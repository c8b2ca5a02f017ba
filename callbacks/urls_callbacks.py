from django.urls import path

from . import api_callbacks as api
from .views import callbacks_desk, track_rating

urlpatterns = [
    path("callbacks/", callbacks_desk.callback_queue, name="callback_queue"),
    path("callbacks/deep/", callbacks_desk.deep_queue, name="callback_deep_queue"),
    path("callbacks/hanging/", callbacks_desk.hanging_tickets, name="callback_hanging"),
    path("callbacks/<int:callback_id>/", callbacks_desk.callback_work, name="callback_work"),
    path("t/<str:token>/rate/", track_rating.callback_rate, name="callback_rate"),
    path("t/<str:token>/rate/qr.svg", track_rating.rating_qr_svg, name="callback_rate_qr"),
    path("rate/", track_rating.callback_rate_fixed, name="callback_rate_fixed"),
    path("api/v1/callbacks/", api.CallbackQueueApi.as_view(), name="api_callback_queue"),
    path(
        "api/v1/callbacks/<int:callback_id>/",
        api.CallbackDetailApi.as_view(),
        name="api_callback_detail",
    ),
    path(
        "api/v1/callbacks/<int:callback_id>/calls/",
        api.CallbackCallApi.as_view(),
        name="api_callback_call",
    ),
    path("api/v1/ratings/", api.RatingApi.as_view(), name="api_rating_create"),
]
