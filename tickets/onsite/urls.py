from django.urls import path

from . import views, views_install

urlpatterns = [
    path("m/jobs/<int:ticket_id>/onsite/", views.job_page, name="onsite_job"),
    path("m/jobs/<int:ticket_id>/onsite/check-in/", views.check_in, name="onsite_check_in"),
    path("m/jobs/<int:ticket_id>/onsite/diagnosis/", views.diagnosis, name="onsite_diagnosis"),
    path("m/jobs/<int:ticket_id>/onsite/charges/", views.charges, name="onsite_charges"),
    path("m/jobs/<int:ticket_id>/onsite/photos/", views.photos, name="onsite_photos"),
    path("m/jobs/<int:ticket_id>/onsite/outcome/", views.outcome, name="onsite_outcome"),
    path("m/jobs/<int:ticket_id>/onsite/test-run/", views.test_run, name="onsite_test_run"),
    path("m/jobs/<int:ticket_id>/onsite/sign/", views.sign, name="onsite_sign"),
    path("m/jobs/<int:ticket_id>/onsite/complete/", views.complete, name="onsite_complete"),
    path("m/jobs/<int:ticket_id>/onsite/units/", views_install.units, name="onsite_units"),
    path(
        "m/jobs/<int:ticket_id>/onsite/materials/",
        views_install.materials,
        name="onsite_materials",
    ),
    path(
        "m/jobs/<int:ticket_id>/onsite/checklist/",
        views_install.checklist,
        name="onsite_checklist",
    ),
    path("m/jobs/<int:ticket_id>/onsite/one-stop/", views_install.one_stop, name="onsite_one_stop"),
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
