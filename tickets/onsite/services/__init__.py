"""On-site work: check-in, diagnosis, charges and consent, payment, photos, the test run, the
customer's signature, the outcomes and the signed service report, one topic per module.

Every status change goes through `tickets.services.ticket_transition`; every other fact is
also a `TicketEvent`, so the agent's and supervisor's timeline shows the whole visit.
Views, the API and tasks call these functions; they check state, not the HTTP method, so a
retried submit does nothing twice. Import them from here."""

from .charges import (
    ZERO,
    charge_line_add_part,
    charged_work_check,
    charges_consent,
    consent_pending,
)
from .check_in import (
    CHECK_IN_FROM,
    FAR_FROM_ADDRESS_M,
    check_in_review,
    distance_m,
    ticket_check_in,
)
from .checklist import checklist_check, checklist_items, checklist_record
from .diagnosis import diagnosis_record, ticket_set_fault_class
from .evidence import handover_check, photo_add, signature_record, test_run_record
from .guards import job_require_engineer, submission_claim
from .installation import material_use_record, materials_for, unit_scan
from .one_stop import household_appliances, one_stop_check_record
from .outcomes import (
    carry_in_return,
    job_complete,
    needs_diagnosis,
    outcome_carry_in,
    outcome_second_visit,
    outcome_waiting_for_parts,
)
from .payment import _next_receipt_number, owed_collected, payment_owed_record, payment_record
from .service_report import CORRECTABLE_SECTIONS, report_content_build, report_correct
from .visits import parts_arrived

__all__ = [
    "CHECK_IN_FROM",
    "CORRECTABLE_SECTIONS",
    "FAR_FROM_ADDRESS_M",
    "ZERO",
    "_next_receipt_number",
    "carry_in_return",
    "charge_line_add_part",
    "charged_work_check",
    "charges_consent",
    "checklist_check",
    "checklist_items",
    "checklist_record",
    "handover_check",
    "household_appliances",
    "material_use_record",
    "materials_for",
    "needs_diagnosis",
    "one_stop_check_record",
    "unit_scan",
    "check_in_review",
    "consent_pending",
    "diagnosis_record",
    "distance_m",
    "job_complete",
    "job_require_engineer",
    "outcome_carry_in",
    "outcome_second_visit",
    "outcome_waiting_for_parts",
    "owed_collected",
    "parts_arrived",
    "payment_owed_record",
    "payment_record",
    "photo_add",
    "report_content_build",
    "report_correct",
    "signature_record",
    "submission_claim",
    "test_run_record",
    "ticket_check_in",
    "ticket_set_fault_class",
]
