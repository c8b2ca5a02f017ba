from django.urls import path

from . import views

urlpatterns = [
    path(
        "onsite/check-ins/flagged/",
        views.flagged_check_ins_view,
        name="onsite_flagged_check_ins",
    ),
    path("onsite/owed/", views.owed_jobs_view, name="onsite_owed"),
    path("onsite/photos/<int:photo_id>/", views.photo_view, name="onsite_photo"),
    path("onsite/tickets/<int:ticket_id>/report/", views.report_page, name="onsite_report"),
    path(
        "onsite/tickets/<int:ticket_id>/parts-arrived/",
        views.parts_arrived_view,
        name="onsite_parts_arrived",
    ),
    path("onsite/reports/<int:report_id>/pdf/", views.report_pdf_view, name="onsite_report_pdf"),
    path(
        "onsite/reports/<int:report_id>/correct/",
        views.report_correct_view,
        name="onsite_report_correct",
    ),
    path(
        "onsite/reports/<int:report_id>/signature/",
        views.report_signature_view,
        name="onsite_report_signature",
    ),
    path("t/<str:token>/report.pdf", views.customer_report_pdf, name="customer_report_pdf"),
    path("t/<str:token>/report/", views.customer_report_page, name="customer_report"),
]
