from django.urls import path

from . import views

urlpatterns = [
    path("tickets/<int:ticket_id>/exchange/", views.propose, name="exchange_propose"),
    path("returns/approvals/", views.approvals, name="exchange_approvals"),
    path("returns/proposals/<int:proposal_id>/", views.proposal_page, name="exchange_proposal"),
    path(
        "returns/proposals/<int:proposal_id>/approve/",
        views.approve,
        name="exchange_approve",
    ),
    path("returns/proposals/<int:proposal_id>/reject/", views.reject, name="exchange_reject"),
]
