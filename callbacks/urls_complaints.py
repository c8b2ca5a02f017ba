from django.urls import path

from . import api_complaints as api
from .views import complaints as views
from .views import quality_reviews as qa

urlpatterns = [
    path("complaints/", views.complaint_queue, name="complaint_queue"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:complaint_id>/step/", views.complaint_step, name="complaint_step"),
    path("tickets/<int:ticket_id>/complaints/new/", views.complaint_new, name="complaint_new"),
    path("t/<str:token>/complaint/", views.complaint_from_customer, name="complaint_from_customer"),
    path(
        "t/<str:token>/complaint/<int:complaint_id>/answer/",
        views.complaint_answer_from_customer,
        name="complaint_answer_from_customer",
    ),
    path("qa/reviews/", qa.qa_review_queue, name="qa_review_queue"),
    path("qa/reviews/<int:review_id>/", qa.qa_review_detail, name="qa_review_detail"),
    path("api/v1/complaints/", api.ComplaintListApi.as_view(), name="api_complaints"),
    path(
        "api/v1/complaints/<int:complaint_id>/",
        api.ComplaintDetailApi.as_view(),
        name="api_complaint",
    ),
    path(
        "api/v1/complaints/<int:complaint_id>/steps/",
        api.ComplaintStepApi.as_view(),
        name="api_complaint_steps",
    ),
]
