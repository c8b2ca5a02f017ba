from .campaigns import Campaign, CampaignAttempt, CampaignCall, ContactOptOut, Outcome
from .plans import PLAN_KINDS, WINDOW_HOURS, Booking, PlanVisit, ServicePlan, Window

__all__ = [
    "PLAN_KINDS",
    "WINDOW_HOURS",
    "Booking",
    "Campaign",
    "CampaignAttempt",
    "CampaignCall",
    "ContactOptOut",
    "Outcome",
    "PlanVisit",
    "ServicePlan",
    "Window",
]
