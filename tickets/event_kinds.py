"""Every kind of ticket event, in one typed list, and what each is called on a timeline.

Apps record events by kind through `tickets.services.ticket_event_record` (which refuses a
kind not listed here) or `ticket_transition` (kind `status`). An app that needs a new kind
adds it here, so every handler and every timeline knows it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    STATUS = "status", _("changed the status")
    CREATED = "created", _("opened the ticket")
    NOTE = "note", _("added an internal note")
    FEE_ACCEPTED = "fee_accepted", _("recorded the customer's acceptance of the estimate")
    ALARM_REPEATED = "alarm_repeated", _("the appliance raised the alarm again")
    PRIORITY_CHANGED = "priority_changed", _("changed the priority")
    AREA_CHANGED = "area_changed", _("changed the service area")
    FAULT_CLASS_CHANGED = "fault_class_changed", _("changed the fault class")
    DISPATCH_FAILED = "dispatch_failed", _("no engineer could take the job")
    CUSTOMER_CALL = "customer_call", _("called the customer")
    CONTACT_LOGGED = "contact_logged", _("logged a call with the customer")
    TRACKING_LINK_SENT = "tracking_link_sent", _("sent the tracking link to the customer again")
    CALL_RETRY_DUE = "call_retry_due", _("will call the customer again")
    RESCHEDULED = "rescheduled", _("rescheduled the visit")
    CUSTOMER_REQUESTED = (
        "customer_requested",
        _("the customer asked for a change on the tracking page"),
    )
    CUSTOMER_REQUEST_DONE = "customer_request_done", _("handled the customer's request")
    CUSTOMER_POSTPONED = "customer_postponed", _("the customer postponed the visit")
    CHECK_IN = "check_in", _("checked in at the customer's address")
    CHECK_IN_REVIEWED = "check_in_reviewed", _("reviewed the check-in location")
    DIAGNOSIS = "diagnosis", _("recorded the diagnosis")
    CHARGES_CONSENTED = "charges_consented", _("the customer agreed to the charges")
    PAYMENT_RECORDED = "payment_recorded", _("recorded the payment")
    PAYMENT_OWED = "payment_owed", _("recorded the charges as owed")
    OWED_COLLECTED = "owed_collected", _("recorded the owed amount as collected")
    VISIT_BOOKED = "visit_booked", _("booked the next visit")
    PART_USED = "part_used", _("used a spare part")
    PHOTO_ADDED = "photo_added", _("added a photo")
    LOANER_ISSUED = "loaner_issued", _("lent a replacement appliance")
    UNIT_RETURNED = "unit_returned", _("returned the repaired appliance")
    TEST_RUN = "test_run", _("ran the test after the repair")
    SIGNED = "signed", _("the customer signed the service report")
    REPORT_ISSUED = "report_issued", _("issued the service report")
    REPORT_CORRECTED = "report_corrected", _("corrected the service report")
    LATE_ARRIVAL = "late_arrival", _("arrived late")
    CHECK_BACK_DONE = "check_back_done", _("checked back with the customer")
    COMPLAINT_OPENED = "complaint_opened", _("the customer complained")
    COMPLAINT_RESPONDED = "complaint_responded", _("responded to the complaint")
    COMPLAINT_RESOLVED = "complaint_resolved", _("resolved the complaint")
    SLA_WARNING = "sla_warning", _("a service clock is close to its deadline")
    SLA_BREACHED = "sla_breached", _("a service clock missed its deadline")
    SLA_ESCALATED = "sla_escalated", _("escalated a missed deadline")
    SLA_ESCALATION_ACKNOWLEDGED = "sla_escalation_acknowledged", _("acknowledged the escalation")
    SLA_RECOMPUTED = "sla_recomputed", _("recomputed the service clocks")
    COMPLAINT_ACKNOWLEDGED = "complaint_acknowledged", _("acknowledged the complaint")
    COMPLAINT_ASSESSED = "complaint_assessed", _("assessed the complaint")
    COMPLAINT_INVESTIGATING = "complaint_investigating", _("started investigating the complaint")
    COMPLAINT_ACCEPTED = "complaint_accepted", _("the customer accepted the response")
    COMPLAINT_REJECTED = "complaint_rejected", _("the customer did not accept the response")
    COMPLAINT_REOPENED = "complaint_reopened", _("reopened the complaint")
    COMPLAINT_ESCALATED = "complaint_escalated", _("a complaint missed its deadline")
    QUALITY_REVIEWED = "quality_reviewed", _("reviewed the job's quality")
    SURVEY_RECORDED = "survey_recorded", _("the customer rated the service")
    CALLBACK_CLOSED = "callback_closed", _("closed the follow-up call")
    DEEP_CALLBACK_OPENED = "deep_callback_opened", _("a low score opened a deep callback")
    REVISIT_OPENED = "revisit_opened", _("opened a free revisit for a repeat fault")
    PART_REQUESTED = "part_requested", _("requested a spare part")
    PART_RECEIVED = "part_received", _("the spare part arrived")
    PARTS_RELEASED = "parts_released", _("released the job waiting for parts")
    EXCHANGE_PROPOSED = "exchange_proposed", _("proposed a return or exchange")
    EXCHANGE_APPROVED = "exchange_approved", _("approved the return or exchange")
    EXCHANGE_REJECTED = "exchange_rejected", _("rejected the return or exchange")
    EXTENDED_WARRANTY_SOLD = "extended_warranty_sold", _("sold an extended warranty")
    EXTENDED_WARRANTY_PAID = "extended_warranty_paid", _("recorded the extended warranty payment")
    UNIT_INSTALLED = "unit_installed", _("scanned an installed unit's serial")
    MATERIAL_USED = "material_used", _("recorded the materials used")
    CHECKLIST_RECORDED = "checklist_recorded", _("recorded the on-site checklist")
    ONE_STOP_CHECK = "one_stop_check", _("checked another appliance of the household")
    OPENED_FROM_ONE_STOP_CHECK = (
        "opened_from_one_stop_check",
        _("opened from a problem found in a one-stop check"),
    )
    PART_SERIAL_UNKNOWN = (
        "part_serial_unknown",
        _("a fitted part's serial is unknown to the network"),
    )


def event_kind_label(kind: str) -> str:
    """The label of a kind; an unknown (historic) kind shows its code."""
    try:
        return str(EventKind(kind).label)
    except ValueError:
        return kind
