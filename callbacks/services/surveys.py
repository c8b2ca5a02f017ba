"""The customer's answer about a job: from the agent's call, the tracking page, the QR code
on the service report, the fixed rating page with the SMS code, or the API. One survey per
job: the first complete answer wins (a constraint); a later one is refused as done.

A score under the policy's threshold opens a deep callback; "not fixed" opens a free
revisit; a customer who rated themselves is not called for the follow-up."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import Conflict, DomainError
from tickets.event_kinds import EventKind
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services import ticket_event_record

from ..models import Callback, Survey
from .callbacks import deep_callback_open, follow_up_close_rated
from .policy import callback_policy

RATEABLE = (Status.COMPLETED, Status.CALLBACK_DONE, Status.CLOSED)
SCORES = ("speed", "attitude", "quality")
COMMENT_MAX = 500


class AlreadyRated(Conflict):
    default_code = "already_rated"


def survey_clean(*, speed, attitude, quality, fixed, comment: str = "") -> dict:
    """The answers checked: each score 1-5, "fixed?" yes or no, a bounded comment."""
    values = {}
    for name, value in (("speed", speed), ("attitude", attitude), ("quality", quality)):
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise DomainError(_("Give 1 to 5 stars."), field=name)
        values[name] = score
    if fixed not in (True, False):
        raise DomainError(_("Say whether it is fixed."), field="fixed")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            _("Keep the comment under %(n)d characters.") % {"n": COMMENT_MAX}, field="comment"
        )
    return {**values, "fixed": fixed, "comment": comment}


def survey_is_done(ticket: Ticket) -> bool:
    return Survey.objects.filter(ticket=ticket).exists()


def survey_record(
    *,
    ticket: Ticket,
    channel: str,
    speed,
    attitude,
    quality,
    fixed,
    comment: str = "",
    actor=None,
    callback: Callback | None = None,
) -> Survey:
    """Store the answers and act on them. Call while holding the ticket's row lock."""
    from .revisits import revisit_open_not_fixed

    if ticket.status not in RATEABLE:
        raise DomainError(_("Only a completed job can be rated."), field="ticket")
    answers = survey_clean(
        speed=speed, attitude=attitude, quality=quality, fixed=fixed, comment=comment
    )
    now = timezone.now()
    survey = Survey(
        ticket=ticket,
        customer_id=ticket.customer_id,
        channel=channel,
        actor=actor,
        callback=callback,
        created_at=now,
        **answers,
    )
    try:
        with transaction.atomic():
            survey.save(force_insert=True)
    except IntegrityError:
        raise AlreadyRated(
            _("This job has already been rated. Thank you."), field="ticket"
        ) from None
    ticket_event_record(
        ticket=ticket,
        kind=EventKind.SURVEY_RECORDED,
        actor=actor,
        data={"survey_id": survey.pk, "channel": channel, **answers},
    )
    if survey.lowest < callback_policy().low_score_below:
        deep_callback_open(ticket=ticket, source=callback, now=now)
    if not survey.fixed:
        revisit_open_not_fixed(original=ticket, actor=actor)
    if channel != Survey.Channel.AGENT_CALL:
        follow_up_close_rated(ticket=ticket, now=now)
    return survey


def survey_submit(*, ticket: Ticket, channel: str, answers: dict, actor=None) -> Survey:
    """The customer's own rating (tracking page, QR code, SMS code, API): first one wins."""
    from .closure import ticket_close_if_done

    if channel == Survey.Channel.AGENT_CALL:
        raise DomainError(_("An agent's call is logged on the callback."), field="channel")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        survey = survey_record(ticket=locked, channel=channel, actor=actor, **answers)
        ticket_close_if_done(ticket=locked)
    return survey
