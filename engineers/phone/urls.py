"""Every engineer phone page, under m/. Paths and names are the ones SMS links, templates
and tests use."""

from django.urls import path

from . import exchanges, install, jobs, onsite, parts

J = "m/jobs/<int:ticket_id>/"

urlpatterns = [
    # the job list and the job: accept, decline, the call, the visit, on my way
    path("m/jobs/", jobs.engineer_jobs, name="engineer_jobs"),
    path(J, jobs.engineer_job, name="engineer_job"),
    path(J + "accept/", jobs.job_accept, name="job_accept"),
    path(J + "decline/", jobs.job_decline, name="job_decline"),
    path(J + "call/", jobs.job_call, name="job_call"),
    path(J + "book/", jobs.job_book, name="job_book"),
    path(J + "reschedule/", jobs.job_reschedule, name="job_reschedule"),
    path(J + "on-my-way/", jobs.job_on_my_way, name="job_on_my_way"),
    # on site
    path(J + "onsite/", onsite.job_page, name="onsite_job"),
    path(J + "onsite/check-in/", onsite.check_in, name="onsite_check_in"),
    path(J + "onsite/diagnosis/", onsite.diagnosis, name="onsite_diagnosis"),
    path(J + "onsite/charges/", onsite.charges, name="onsite_charges"),
    path(J + "onsite/photos/", onsite.photos, name="onsite_photos"),
    path(J + "onsite/outcome/", onsite.outcome, name="onsite_outcome"),
    path(J + "onsite/test-run/", onsite.test_run, name="onsite_test_run"),
    path(J + "onsite/sign/", onsite.sign, name="onsite_sign"),
    path(J + "onsite/complete/", onsite.complete, name="onsite_complete"),
    # installation steps
    path(J + "onsite/units/", install.units, name="onsite_units"),
    path(J + "onsite/materials/", install.materials, name="onsite_materials"),
    path(J + "onsite/checklist/", install.checklist, name="onsite_checklist"),
    path(J + "onsite/one-stop/", install.one_stop, name="onsite_one_stop"),
    # parts and the van
    path(J + "onsite/parts/", parts.parts_used, name="onsite_parts"),
    path(J + "parts/request/", parts.job_part_request, name="parts_job_request"),
    path("m/van/", parts.my_van, name="parts_my_van"),
    path("m/van/transfers/<int:transfer_id>/receive/", parts.van_receive, name="parts_van_receive"),
    path("m/van/returns/", parts.van_return_old_part, name="parts_van_return"),
    # return or exchange
    path(J + "exchange/", exchanges.engineer_propose, name="exchange_engineer"),
]
