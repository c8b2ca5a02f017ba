"""What each kind of ticket event is called on a timeline. Apps record events by kind (a
short code); people read these labels. A kind without a label shows its code."""

from django.utils.translation import gettext_lazy as _

EVENT_KIND_LABELS = {
    "created": _("opened the ticket"),
    "fee_accepted": _("recorded the customer's acceptance of the estimate"),
    "alarm_repeated": _("the appliance raised the alarm again"),
    "priority_changed": _("changed the priority"),
    "area_changed": _("changed the service area"),
    "fault_class_changed": _("changed the fault class"),
    "dispatch_failed": _("no engineer could take the job"),
    "customer_call": _("called the customer"),
    "call_retry_due": _("will call the customer again"),
    "rescheduled": _("rescheduled the visit"),
    "customer_postponed": _("the customer postponed the visit"),
    "check_in": _("checked in at the customer's address"),
    "check_in_reviewed": _("reviewed the check-in location"),
    "diagnosis": _("recorded the diagnosis"),
    "charges_consented": _("the customer agreed to the charges"),
    "payment_recorded": _("recorded the payment"),
    "part_used": _("used a spare part"),
    "photo_added": _("added a photo"),
    "loaner_issued": _("lent a replacement appliance"),
    "unit_returned": _("returned the repaired appliance"),
    "test_run": _("ran the test after the repair"),
    "signed": _("the customer signed the service report"),
    "report_issued": _("issued the service report"),
    "report_corrected": _("corrected the service report"),
    "late_arrival": _("arrived late"),
    "check_back_done": _("checked back with the customer"),
    "complaint_opened": _("the customer complained"),
    "complaint_responded": _("responded to the complaint"),
    "complaint_resolved": _("resolved the complaint"),
    "sla_warning": _("a service clock is close to its deadline"),
    "sla_breached": _("a service clock missed its deadline"),
    "sla_escalated": _("escalated a missed deadline"),
    "sla_escalation_acknowledged": _("acknowledged the escalation"),
    "sla_recomputed": _("recomputed the service clocks"),
}


def event_kind_label(kind: str) -> str:
    label = EVENT_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind
