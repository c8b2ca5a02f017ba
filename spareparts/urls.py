from django.urls import path

from . import views

urlpatterns = [
    path("m/jobs/<int:ticket_id>/onsite/parts/", views.parts_used, name="onsite_parts"),
]
