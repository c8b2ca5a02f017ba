"""The matching rules by code: what the candidate explanations, the manual-assignment
warnings and the recorded overrides store, translated when shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    NO_SKILL = "no_skill", _("Lacks the skill for this appliance")
    TOO_FAR = "too_far", _("Too far away (beyond the search radius, service point elsewhere)")
    DECLINED_BEFORE = "declined_before", _("Declined, timed out or was taken off this job")
    NOT_CERTIFIED_FOR_TYPE = "not_certified_for_type", _("Not certified for this service type")
    NO_CERTIFICATION = "no_certification", _("Certification level too low")
    CERTIFICATION_EXPIRED = "certification_expired", _("Certification expired")
    OFF_SHIFT = "off_shift", _("Not on shift for the window")
    AT_CAPACITY = "at_capacity", _("At capacity (jobs now)")
    DAILY_CAPACITY = "daily_capacity", _("At capacity (jobs today)")
    APPOINTMENT_CLASH = "appointment_clash", _("Clashing appointment")
    TAKEN_MEANWHILE = "taken_meanwhile", _("Filled up by another dispatch meanwhile")


def rule_label(code: str) -> str:
    try:
        return str(Rule(code).label)
    except ValueError:
        return code


def rule_labels(codes) -> list[str]:
    return [rule_label(code) for code in codes or ()]
