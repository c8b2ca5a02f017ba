"""Demo data of the callbacks side: completed jobs with follow-up calls due (one retried after
a busy line), rated jobs (one closed, one 3-star with a deep callback for the supervisor, one
"not fixed" with its free revisit) and check-backs after phone guidance. Idempotent."""

from django.contrib.auth.models import User

from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.selectors import assigned_engineer_user_id
from tickets.services import ticket_resolve_remotely, ticket_transition

from .models import CallAttempt, Callback
from .services.call_logging import follow_up_log

DEMO_AREAS = ("QD-SN", "QD-LS", "QD-JM")
PATH = {
    Status.ACCEPTED: (Status.EN_ROUTE, Status.ON_SITE, Status.COMPLETED),
    Status.SCHEDULED: (Status.ON_SITE, Status.COMPLETED),
    Status.EN_ROUTE: (Status.ON_SITE, Status.COMPLETED),
}
SURVEYS = [
    ("reached", {"speed": 5, "attitude": 5, "quality": 5, "fixed": True, "comment": "很满意"}),
    ("reached", {"speed": 3, "attitude": 4, "quality": 4, "fixed": True, "comment": "等了很久"}),
    ("reached", {"speed": 4, "attitude": 5, "quality": 2, "fixed": False, "comment": "还是不制冷"}),
    ("busy", None),
]


def build(stdout):
    # Its own mark: other demos complete jobs too (each gets a follow-up), but only this
    # one logs the calls.
    if CallAttempt.objects.exists():
        stdout.write("callbacks demo: already loaded")
        return
    agent = User.objects.filter(username="agent").first()
    if agent is None:
        stdout.write("callbacks demo: no tickets demo, skipped")
        return
    jobs = list(
        Ticket.objects.filter(status__in=list(PATH), area__code__in=DEMO_AREAS).order_by("pk")[:10]
    )
    completed = []
    for ticket in jobs:
        engineer_id = assigned_engineer_user_id(ticket)
        engineer = User.objects.filter(pk=engineer_id).first() if engineer_id else None
        if engineer is None:
            continue
        for to in PATH[ticket.status]:
            ticket_transition(ticket=ticket, to=to, actor=engineer)
        completed.append(ticket)
    for ticket, (outcome, survey) in zip(completed, SURVEYS, strict=False):
        callback = Callback.objects.get(ticket=ticket, kind=Callback.Kind.FOLLOW_UP)
        if callback.is_open:
            follow_up_log(callback=callback, outcome=outcome, actor=agent, survey=survey)
    waiting = Ticket.objects.filter(
        status=Status.AWAITING_DISPATCH, area__code__in=DEMO_AREAS
    ).order_by("-pk")[:2]
    for ticket in waiting:
        ticket_resolve_remotely(ticket=ticket, actor=agent, guidance="指导客户重置温控器")
    stdout.write(
        f"callbacks demo: {len(completed)} completed jobs with follow-up calls, "
        f"{len(waiting)} check-backs"
    )
