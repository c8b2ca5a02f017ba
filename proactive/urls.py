from django.urls import path

from .views import campaigns, plans

urlpatterns = [
    path(
        "proactive/customers/<int:customer_id>/plans/",
        plans.customer_plans,
        name="proactive_customer_plans",
    ),
    path("proactive/plans/<int:plan_id>/end/", plans.plan_end, name="proactive_plan_end"),
    path("proactive/visits/", plans.visits_to_call, name="proactive_visits_to_call"),
    path("proactive/visits/<int:visit_id>/book/", plans.visit_book, name="proactive_visit_book"),
    path(
        "proactive/tickets/<int:ticket_id>/repair/",
        plans.visit_repair,
        name="proactive_visit_repair",
    ),
    path("proactive/campaigns/", campaigns.campaign_list, name="proactive_campaigns"),
    path(
        "proactive/campaigns/<int:campaign_id>/",
        campaigns.campaign_detail,
        name="proactive_campaign",
    ),
    path(
        "proactive/campaigns/<int:campaign_id>/<slug:action>/",
        campaigns.campaign_action,
        name="proactive_campaign_action",
    ),
    path("proactive/calls/<int:call_id>/", campaigns.call_work, name="proactive_call_work"),
    path("optout/<str:code>/", campaigns.opt_out, name="proactive_opt_out"),
]
