"""What the callbacks side registers in tickets.hooks (see its table)."""

from django.utils.translation import gettext_lazy as _

from tickets import hooks
from tickets.lifecycle import Status

from . import admin_callbacks, tasks_callbacks  # noqa: F401  (admin pages, Celery tasks)
from .services.closure import open_callback_blocker
from .services.policy import sms_links_fixed
from .services.qr import report_rating_qr
from .services.revisits import charge_waiver
from .views.board_section import hanging_board_section
from .views.ticket_section import ticket_calls_section
from .views.track_rating import rating_section


def on_transition(*, ticket, from_status, to_status, event, actor) -> None:
    """A completed job owes the customer a follow-up call; a phone resolution a check-back;
    a new ticket may be a repeat fault of a recent job (checked after commit)."""
    from .services.callbacks import check_back_open, follow_up_open

    if to_status == Status.COMPLETED:
        follow_up_open(ticket=ticket, now=event.created_at)
    elif to_status == Status.RESOLVED_REMOTELY:
        check_back_open(ticket=ticket, now=event.created_at)
    elif from_status == Status.NEW and ticket.fault_code:
        from tickets.taskqueue import enqueue_task

        enqueue_task("callbacks.repeat_fault_check", ticket_id=ticket.pk)


def on_event(*, ticket, event, actor) -> None:
    """The engineer's diagnosis names the fault family: a repeat of a recent job?"""
    if event.kind == "diagnosis":
        from .services.revisits import revisit_check_repeat

        revisit_check_repeat(ticket_id=ticket.pk)


hooks.on_transition(on_transition)
hooks.on_event(on_event)
hooks.add_close_blocker(open_callback_blocker)
hooks.add_charge_waiver(charge_waiver)


def reason_labels() -> dict:
    return {
        "free_revisit": _("Free revisit: no fee to accept"),
        "check_back_not_fixed": _("Not fixed at the check-back"),
    }


hooks.add_reason_labels(reason_labels)
hooks.add_track_section(rating_section)
hooks.add_report_drawing(report_rating_qr)
hooks.add_staff_ticket_section(ticket_calls_section)
hooks.add_board_section(hanging_board_section)
hooks.set_sms_links_fixed(sms_links_fixed)
