from django.urls import path

from . import views

urlpatterns = [
    path("board/", views.board, name="supervisor_board"),
    path(
        "board/escalations/<int:pk>/acknowledge/",
        views.escalation_acknowledge,
        name="sla_escalation_acknowledge",
    ),
]
